// The client's state rules, without a browser: the web/js modules are plain ES modules.
// (Dedupe by id, order by id, ack vs. message echo in either order, resume cursor, unread,
// a message whose ack was lost, backoff bounds, typing text.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../web/js/store.js';
import { Sender } from '../../web/js/sender.js';
import { backoffDelay } from '../../web/js/live.js';
import { typingText, charCount } from '../../web/js/format.js';

const msg = (id, from, text, roomId = '0') => ({ id, roomId, from, date: 1764103286, message: text });

function setup() {
  const s = new Store();
  s.setMe({ id: '1', username: 'ann', role: 'user' });
  s.addRoom({ id: '0', names: ['General'] });
  s.addRoom({ id: '1:2', names: ['ann', 'bob'] });
  s.addHistory('0', [], 50, { initial: true });
  s.addHistory('1:2', [], 50, { initial: true });
  return s;
}

test('messages are stored once per id and kept sorted by id', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(30, '2', 'c'));
  s.receive(msg(10, '2', 'a'));
  s.receive(msg(30, '2', 'c again'));
  s.addHistory('0', [msg(30, '2', 'c'), msg(20, '2', 'b'), msg(10, '2', 'a')], 50);
  assert.deepEqual(room.ids, [10, 20, 30]);
  assert.equal(room.msgs.get(30).message, 'c');
  assert.deepEqual(s.resumeCursor(), { 0: 30, '1:2': 0 });
});

test('DM name and peer come from the room, not from my own name', () => {
  const s = setup();
  const dm = s.rooms.get('1:2');
  assert.equal(dm.name, 'bob');
  assert.equal(dm.peerId, '2');
  assert.equal(dm.kind, 'dm');
  assert.equal(s.userName('2'), 'bob');
});

test('ack then message echo, or echo then ack: one message, pending gone', () => {
  for (const order of ['ack-first', 'echo-first']) {
    const s = setup();
    const sent = [];
    const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
    s.gen = 1;
    const sender = new Sender(s, live);
    const cid = sender.send('0', 'hello');
    assert.equal(sent[0].clientId, cid);
    assert.equal(s.pendingOf('0').length, 1);
    const ack = { clientId: cid, id: 100, roomId: '0' };
    if (order === 'ack-first') { sender.onAck(ack); s.receive(msg(100, '1', 'hello')); } else { s.receive(msg(100, '1', 'hello')); sender.onAck(ack); }
    assert.deepEqual(s.rooms.get('0').ids, [100], order);
    assert.equal(s.pendingOf('0').length, 0, order);
    assert.equal(s.rooms.get('0').msgs.get(100).local, undefined, `${order}: the server copy is kept`);
    sender.clear();
  }
});

test('an error frame with my clientId marks the message failed; Retry sends it with a new clientId', () => {
  const s = setup();
  const sent = [];
  const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
  const sender = new Sender(s, live);
  const cid = sender.send('0', 'x');
  assert.equal(sender.onError({ code: 'rate_limited', message: 'slow down', clientId: cid }), true);
  assert.equal(s.pendingOf('0')[0].status, 'failed');
  assert.equal(sender.onError({ code: 'bad_json', message: 'no' }), false, 'not ours → the app shows a toast');
  sender.retry(cid);
  assert.equal(sent.length, 2);
  assert.notEqual(sent[1].clientId, cid);
  assert.equal(s.pendingOf('0')[0].status, 'pending');
  sender.clear();
});

test('offline: frames wait for the next connection and are written once', () => {
  const s = setup();
  const sent = [];
  const live = { isOpen: false, gen: 1, send: (f) => { if (!live.isOpen) return false; sent.push(f); return true; } };
  const sender = new Sender(s, live);
  sender.send('0', 'queued');
  assert.equal(sent.length, 0);
  live.isOpen = true;
  live.gen = 2;
  sender.flush();
  sender.flush();
  assert.equal(sent.length, 1);
  sender.clear();
});

test('a message whose ack was lost with its connection settles the pending copy on replay', () => {
  const s = setup();
  const live = { isOpen: true, gen: 1, send: () => true };
  s.gen = 1;
  const sender = new Sender(s, live);
  sender.send('0', 'did it arrive?');
  s.gen = 2; // reconnected; the resume replay brings the stored message without an ack
  s.receive(msg(200, '1', 'did it arrive?'));
  assert.equal(s.pendingOf('0').length, 0);
  assert.deepEqual(s.rooms.get('0').ids, [200]);
  sender.clear();
});

test('unread counts messages from others after the last read id', () => {
  const s = setup();
  const dm = s.rooms.get('1:2');
  s.receive(msg(1, '2', 'a', '1:2'));
  s.receive(msg(2, '1', 'mine', '1:2'));
  s.receive(msg(3, '2', 'b', '1:2'));
  assert.deepEqual(s.unread(dm), { n: 2, more: false });
  s.markRead('1:2');
  assert.deepEqual(s.unread(dm), { n: 0, more: false });
});

test('typing: expires, cleared by a message from the same user', () => {
  const s = setup();
  s.setTyping({ roomId: '0', userId: '2', typing: true });
  assert.deepEqual(s.typingNames('0'), ['bob']);
  s.receive(msg(5, '2', 'done typing'));
  assert.deepEqual(s.typingNames('0'), []);
  s.setTyping({ roomId: '0', userId: '1', typing: true });
  assert.deepEqual(s.typingNames('0'), [], 'my own typing is not shown');
  clearInterval(s.typingTimer);
});

test('typing text', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['Mary']), 'Mary is typing…');
  assert.equal(typingText(['Mary', 'Joe']), 'Mary and Joe are typing…');
  assert.equal(typingText(['Mary', 'Joe', 'Alex']), '3 people are typing…');
});

test('backoff: 500 ms → 20 s, jittered within [max(500, cap/2), cap]', () => {
  assert.equal(backoffDelay(0, () => 0), 500);
  assert.equal(backoffDelay(1, () => 0), 500);
  assert.equal(backoffDelay(0, () => 1), 500);
  assert.equal(backoffDelay(3, () => 1), 4000);
  assert.equal(backoffDelay(10, () => 1), 20000);
  assert.equal(backoffDelay(50, () => 0), 10000);
});

test('the 4000 limit counts code points', () => {
  assert.equal(charCount('😀'.repeat(4000)), 4000);
  assert.equal(charCount('é'), 1);
});
