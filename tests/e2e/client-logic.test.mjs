// The client's state rules, without a browser: the web/js modules are plain ES modules.
// (Dedupe by id, order by id, ack vs. message echo in either order, resume cursor, unread,
// a message whose ack was lost, edits and deletes (idempotent, tombstones, the cursor's positions,
// the frames and their HTTP fallback), backoff bounds, what a close code means, typing text; the
// assistant's streamed replies: deltas at code-point offsets, repeats, gaps, final wins, Stop;
// threads: replies kept apart from the room's list, the open thread, parents' reply counts;
// channel settings (issue #23): listing and room.updated fields, who manages, the archived refusal;
// the history horizon: reload and history.trimmed.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../web/js/store.js';
import { Sender } from '../../web/js/sender.js';
import { backoffDelay, closeAction, Live } from '../../web/js/live.js';
import { typingText, charCount } from '../../web/js/format.js';
import { PresenceWatch, watchSet } from '../../web/js/presence.js';
import { linkParts } from '../../web/js/linkify.js';
import { markdownText } from '../../web/js/markdown.js';
import { ReadThrottle } from '../../web/js/read_throttle.js';
import { applyDeltaTo, assistantRefusal, cpLength, GapReloader, mergeStreaming, replyErrorText } from '../../web/js/stream.js';
import { parentOf, replyCountText } from '../../web/js/store_thread.js';
import { canManage, channelMeta, removedText } from '../../web/js/store_channel.js';

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
  s.receive({ ...msg(3, '2', 'b @me', '1:2'), mentions: ['1'] });
  assert.deepEqual(s.unread(dm), { n: 2, more: false, mentions: 1 });
  const sent = [];
  s.addEventListener('read', (e) => sent.push(e.detail));
  s.markRead('1:2');
  assert.deepEqual(s.unread(dm), { n: 0, more: false, mentions: 0 });
  assert.deepEqual(sent, [{ roomId: '1:2', id: 3 }], 'the store asks the app to tell the server, once');
  s.markRead('1:2');
  assert.equal(sent.length, 1, 'nothing moved: nothing to tell');
});

test('read state: the server\'s counts while the loaded messages do not reach the marker; read events move markers', () => {
  const s = setup();
  s.addRoom({ id: '7', names: ['ops'], lastRead: 100, unread: 240, mentions: 3 });
  const ops = s.rooms.get('7');
  assert.deepEqual(s.unread(ops), { n: 240, more: false, mentions: 3 }, 'nothing loaded yet: the listing\'s counts');
  s.addHistory('7', [msg(500, '2', 'newest', '7'), msg(450, '2', 'older', '7')], 2, { initial: true });
  assert.deepEqual(s.unread(ops), { n: 240, more: false, mentions: 3 }, 'a partial first page: still the listing\'s');
  s.receive({ ...msg(600, '2', '@me', '7'), mentions: ['1'] });
  assert.deepEqual(s.unread(ops), { n: 241, more: false, mentions: 4 }, 'plus what came after the first page');
  s.applyRead({ roomId: '7', userId: '1', id: 600, seq: 601 });
  assert.deepEqual(s.unread(ops), { n: 0, more: false, mentions: 0 }, 'another tab read it all');
  s.addRoom({ id: '7', names: ['ops'], lastRead: 300, unread: 9, mentions: 0 });
  assert.equal(s.lastRead['7'], 600, 'a marker never moves back (an older listing)');
  s.addRoom({ id: '1:2', names: ['me', 'bob'], lastRead: 0, unread: 0, mentions: 0, peerRead: 40 });
  assert.equal(s.rooms.get('1:2').peerRead, 40);
  s.applyRead({ roomId: '1:2', userId: '2', id: 50, seq: 51 });
  assert.equal(s.rooms.get('1:2').peerRead, 50, 'the DM partner read further ("Seen")');
  s.applyRead({ roomId: '1:2', userId: '2', id: 45, seq: 52 });
  assert.equal(s.rooms.get('1:2').peerRead, 50, 'never back');
});

test('read markers: at most one per room per interval, the first at once, then the newest; sign-out drops the rest', () => {
  const timers = new Map(); // a manual clock: id → fn
  let next = 1;
  const fire = () => { const all = [...timers]; timers.clear(); for (const [, fn] of all) fn(); };
  const sent = [];
  const t = new ReadThrottle({
    every: 1500,
    send: (roomId, id) => sent.push([roomId, id]),
    setTimer: (fn, ms) => { assert.equal(ms, 1500); timers.set(next, fn); return next++; },
    clearTimer: (h) => timers.delete(h),
  });
  t.push('0', 10);
  assert.deepEqual(sent, [['0', 10]], 'the first at once');
  for (let id = 11; id <= 50; id++) t.push('0', id);
  t.push('7', 5);
  assert.deepEqual(sent, [['0', 10], ['7', 5]], 'within the interval: nothing more for room 0; room 7 has its own');
  fire();
  assert.deepEqual(sent.slice(2), [['0', 50]], 'the interval ends: only the newest; room 7 had nothing new');
  fire();
  assert.equal(sent.length, 3, 'a quiet interval sends nothing');
  assert.equal(timers.size, 0, 'and ends the room\'s throttle');
  t.push('0', 60);
  assert.deepEqual(sent.at(-1), ['0', 60], 'after a quiet interval: at once again');
  t.push('0', 61);
  t.push('1:2', 3);
  t.push('1:2', 4);
  t.clear(); // sign-out
  assert.equal(timers.size, 0, 'no timer left');
  fire();
  assert.deepEqual(sent.slice(4), [['1:2', 3]], 'the markers not sent yet are dropped, never sent in the next session');
  t.push('0', 70);
  assert.deepEqual(sent.at(-1), ['0', 70], 'the next session starts afresh');
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

// --- edit and delete (message.updated / message.deleted, positions in the resume cursor) ----------

const upd = (id, text, seq, edited = seq, roomId = '0') => ({ id, roomId, from: '1', date: 1764103286, message: text, edited, seq });
const del = (id, seq, roomId = '0') => ({ id, roomId, seq });

test('message.updated replaces the text and marks it edited; repeated, older or unknown updates change nothing', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '1', 'frist'));
  assert.equal(s.applyUpdate(upd(10, 'first', 15)), true);
  assert.deepEqual([room.msgs.get(10).message, room.msgs.get(10).edited], ['first', 15]);
  assert.equal(s.applyUpdate(upd(10, 'first', 15)), false, 'the same update again is harmless');
  assert.equal(s.applyUpdate(upd(10, 'older text', 12)), false, 'an older update does not win');
  assert.equal(room.msgs.get(10).message, 'first');
  assert.equal(s.applyUpdate(upd(99, 'not loaded', 16)), false, 'a message that is not loaded is ignored');
  assert.equal(room.msgs.has(99), false);
  assert.deepEqual(room.ids, [10]);
  assert.equal(s.applyUpdate(upd(10, 'x', 17, 17, 'nope')), false, 'unknown room');
});

test('reaction events add and remove a user per emoji as a set, advance the resume cursor, and leave tombstones alone', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'hi'));
  const r = (user, emoji, on, seq, id = 10) => ({ roomId: '0', id, emoji, userId: user, on, seq });
  assert.equal(s.applyReaction(r('2', '🎉', true, 11)), true);
  assert.equal(s.applyReaction(r('1', '🎉', true, 12)), true);
  assert.equal(s.applyReaction(r('1', '🎉', true, 12)), false, 'a repeat changes nothing');
  assert.equal(s.applyReaction(r('1', ':ok:', true, 13)), true);
  assert.deepEqual(room.msgs.get(10).reactions, { '🎉': ['2', '1'], ':ok:': ['1'] });
  assert.equal(s.applyReaction(r('2', '🎉', false, 14)), true);
  assert.equal(s.applyReaction(r('1', ':ok:', false, 15)), true);
  assert.deepEqual(room.msgs.get(10).reactions, { '🎉': ['1'] });
  assert.equal(s.applyReaction(r('1', '🎉', false, 16)), true);
  assert.equal('reactions' in room.msgs.get(10), false, 'no field when empty');
  assert.equal(s.applyReaction(r('1', '🎉', true, 17, 99)), false, 'a message that is not loaded');
  assert.deepEqual(s.resumeCursor()['0'], 17, 'every reaction position advances the cursor');
  s.applyDelete({ id: 10, roomId: '0', seq: 18 });
  assert.equal(s.applyReaction(r('1', '🎉', true, 19)), false, 'a deleted message takes no reactions');
});

test('a moderator\'s delete: the event after the deleter\'s own ack still marks the tombstone moderated (issue #23)', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(12, '2', 'rule breaking'));
  assert.equal(s.applyDelete({ id: 12, roomId: '0', seq: 30 }, { cursor: false }), true, 'the ack (no moderated)');
  assert.equal(room.msgs.get(12).moderated, undefined);
  assert.equal(s.applyDelete({ id: 12, roomId: '0', seq: 30, moderated: true }), true, 'the event adds moderated');
  assert.equal(room.msgs.get(12).moderated, true);
  assert.equal(room.msgs.get(12).deleted, true);
  assert.equal(s.applyDelete({ id: 12, roomId: '0', seq: 30, moderated: true }), false, 'once');
});

test('message.deleted turns the message into a tombstone; later updates do not bring it back', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'oops'));
  s.receive(msg(11, '2', 'later'));
  assert.equal(s.applyDelete(del(10, 20)), true);
  const t = room.msgs.get(10);
  assert.equal(t.deleted, true);
  assert.equal(t.message, undefined, 'no text kept');
  assert.equal(t.from, '2');
  assert.deepEqual(room.ids, [10, 11], 'the tombstone keeps its place');
  assert.equal(s.applyDelete(del(10, 20)), false, 'repeated delete');
  assert.equal(s.applyUpdate(upd(10, 'resurrected', 21)), false);
  assert.equal(room.msgs.get(10).deleted, true);
  assert.deepEqual(s.unread(room), { n: 1, more: false, mentions: 0 }, 'a deleted message is not unread');
});

test('history shows the current state: edited rows and tombstones; a newer copy updates a loaded message', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'old text'));
  s.addHistory('0', [
    { id: 12, roomId: '0', from: '2', date: 1764103286, deleted: true },
    { ...msg(11, '2', 'edited text'), edited: 1764103299000 },
    { ...msg(10, '2', 'new text'), edited: 1764103298000 },
  ], 50);
  assert.deepEqual(room.ids, [10, 11, 12]);
  assert.equal(room.msgs.get(10).message, 'new text', 'the duplicate in a newer state wins');
  assert.equal(room.msgs.get(11).edited, 1764103299000);
  assert.equal(room.msgs.get(12).deleted, true);
  // An older copy (e.g. a replayed row from before an edit we already have) does not win.
  s.insert(room, msg(11, '2', 'pre-edit text'));
  assert.equal(room.msgs.get(11).message, 'edited text');
});

test('an update that arrives while the page holding its message is being fetched is applied to it', () => {
  const s = setup();
  const room = s.rooms.get('0');
  room.loading = true;
  s.applyUpdate(upd(5, 'edited during the fetch', 30));
  s.applyDelete(del(6, 31));
  s.applyUpdate(upd(6, 'too late', 32));
  room.loading = false;
  s.addHistory('0', [msg(6, '2', 'six'), msg(5, '1', 'five (old state)')], 50);
  assert.equal(room.msgs.get(5).message, 'edited during the fetch');
  assert.equal(room.msgs.get(6).deleted, true);
  assert.equal(room.early.size, 0);
});

test('resume cursor: max of message ids and the positions of edit/delete events', () => {
  const s = setup();
  s.receive(msg(100, '2', 'a'));
  assert.deepEqual(s.resumeCursor(), { 0: 100, '1:2': 0 });
  s.applyUpdate(upd(100, 'a!', 105));
  assert.deepEqual(s.resumeCursor(), { 0: 105, '1:2': 0 }, 'an update advances it');
  s.applyUpdate(upd(100, 'a!!', 103));
  assert.deepEqual(s.resumeCursor(), { 0: 105, '1:2': 0 }, 'never backwards');
  s.receive(msg(110, '2', 'b'));
  assert.deepEqual(s.resumeCursor(), { 0: 110, '1:2': 0 });
  s.applyDelete(del(42, 120)); // a message that is not loaded: ignored, but its position was seen
  assert.deepEqual(s.resumeCursor(), { 0: 120, '1:2': 0 });
  s.applyUpdate(upd(100, 'local copy', 130), { cursor: false });
  assert.equal(s.rooms.get('0').msgs.get(100).message, 'local copy');
  assert.deepEqual(s.resumeCursor(), { 0: 120, '1:2': 0 }, 'an ack or HTTP copy does not move the cursor');
  s.applyDelete(del(1, 140, '1:2'));
  assert.deepEqual(s.resumeCursor(), { 0: 120, '1:2': 140 }, 'per room');
});

test('reload (issue #26): the room is emptied, its cursor moves to the horizon, what follows merges with the new page', () => {
  const s = setup();
  s.receive(msg(100, '2', 'old'));
  s.receive(msg(110, '2', 'old too'));
  s.receive(msg(10, '2', 'another room', '1:2'));
  const room = s.resetRoom('0', 150);
  assert.equal(room, s.rooms.get('0'));
  assert.equal(room.ids.length, 0, 'what it showed may be gone: dropped');
  assert.equal(room.loaded, false, 'to be loaded again');
  assert.equal(room.hasMore, true);
  assert.deepEqual(s.resumeCursor(), { '1:2': 10 }, 'not in a resume until its page is there');
  s.receive(msg(160, '2', 'replayed after the horizon'));
  s.addHistory('0', [msg(160, '2', 'replayed after the horizon'), msg(140, '2', 'kept')], 50, { initial: true });
  assert.deepEqual(room.ids, [140, 160], 'the new page and the replay merge by id, once');
  assert.deepEqual(s.resumeCursor(), { 0: 160, '1:2': 10 });
  assert.equal(s.resetRoom('9', 1), null, 'not our room');
  assert.equal(s.rooms.get('1:2').ids.length, 1, 'other rooms untouched');
});

test('history.trimmed: the trimmed messages go, the rest and the cursor stay, nothing older to page to', () => {
  const s = setup();
  for (const id of [100, 110, 120, 130]) s.receive(msg(id, '2', `m${id}`));
  const room = s.rooms.get('0');
  assert.equal(s.trimRoom('0', 90), false, 'below what we hold: nothing to drop');
  assert.equal(room.hasMore, false, 'unchanged (its first page was short)');
  room.hasMore = true;
  assert.equal(s.trimRoom('0', 110), true);
  assert.deepEqual(room.ids, [120, 130]);
  assert.deepEqual([...room.msgs.keys()].sort(), [120, 130]);
  assert.equal(room.hasMore, false, 'everything older is gone on the server too');
  assert.deepEqual(s.resumeCursor(), { 0: 130, '1:2': 0 }, 'the cursor is the newest message still');
  assert.equal(s.trimRoom('9', 500), false, 'not our room');
  assert.equal(s.trimRoom('0', 'x'), false, 'no number');
});

test('edit and delete over the live connection: frames with a clientId, settled by ack or error', async () => {
  const s = setup();
  const sent = [];
  const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
  const sender = new Sender(s, live);
  s.receive(msg(10, '1', 'mine'));
  s.receive(msg(11, '1', 'also mine'));

  const edit = sender.edit('0', 10, 'mine, edited');
  assert.deepEqual({ ...sent[0], clientId: undefined }, { type: 'message.edit', roomId: '0', id: 10, message: 'mine, edited', clientId: undefined });
  assert.match(sent[0].clientId, /^c[0-9a-f]{24}$/);
  sender.onAck({ clientId: sent[0].clientId, id: 10, roomId: '0', seq: 50 });
  await edit;
  const m = s.rooms.get('0').msgs.get(10);
  assert.equal(m.message, 'mine, edited', 'shown at once on the ack');
  assert.ok(m.edited > 0);
  assert.deepEqual(s.resumeCursor()['0'], 11, 'the ack does not move the cursor');
  s.applyUpdate({ ...upd(10, 'mine, edited', 50, 1764103300123), from: '1' });
  assert.equal(s.rooms.get('0').msgs.get(10).edited, 1764103300123, 'the event (same seq) brings the server time');
  assert.equal(s.resumeCursor()['0'], 50);

  // The event before the ack: the ack leaves the server's edit time alone.
  const edit2 = sender.edit('0', 10, 'event first');
  s.applyUpdate({ ...upd(10, 'event first', 55, 1764103300555), from: '1' });
  sender.onAck({ clientId: sent[1].clientId, id: 10, roomId: '0', seq: 55 });
  await edit2;
  assert.deepEqual([s.rooms.get('0').msgs.get(10).message, s.rooms.get('0').msgs.get(10).edited], ['event first', 1764103300555]);
  sent.splice(1, 1);

  const gone = sender.remove('0', 11);
  assert.deepEqual({ ...sent[1], clientId: undefined }, { type: 'message.delete', roomId: '0', id: 11, clientId: undefined });
  assert.equal(sender.onError({ code: 'forbidden', message: 'no', clientId: sent[1].clientId }), true, 'the error is ours');
  await assert.rejects(gone, (e) => e.code === 'forbidden' && /not allowed/.test(e.message));
  assert.equal(s.rooms.get('0').msgs.get(11).deleted, undefined);

  const tooLong = sender.edit('0', 10, 'x');
  sender.onError({ code: 'too_long', message: 'too long', clientId: sent[2].clientId });
  await assert.rejects(tooLong, (e) => e.code === 'too_long');

  const ok = sender.remove('0', 11);
  sender.onAck({ clientId: sent[3].clientId, id: 11, roomId: '0', seq: 60 });
  await ok;
  assert.equal(s.rooms.get('0').msgs.get(11).deleted, true);
  assert.equal(s.pendingOf('0').length, 0, 'no pending message was created');
  assert.equal(sender.ops.size, 0);
  sender.clear();
});

test('edit and delete fall back to HTTP PATCH / DELETE when the connection is not open', async () => {
  const s = setup();
  const calls = [];
  const live = { isOpen: false, gen: 1, send: () => false };
  const api = {
    editMessage: async (roomId, id, message) => { calls.push(['PATCH', roomId, id, message]); return { ...msg(id, '1', message, roomId), edited: 1764103300999 }; },
    deleteMessage: async (roomId, id) => {
      calls.push(['DELETE', roomId, id]);
      if (id === 13) { const e = new Error('Not found'); e.status = 404; e.code = 'not_found'; throw e; }
      return { id, roomId, deleted: true, seq: 70 };
    },
  };
  const sender = new Sender(s, live, api);
  s.receive(msg(10, '1', 'mine'));
  s.receive(msg(11, '1', 'mine too'));
  await sender.edit('0', 10, 'edited offline');
  await sender.remove('0', 11);
  assert.deepEqual(calls, [['PATCH', '0', 10, 'edited offline'], ['DELETE', '0', 11]]);
  const room = s.rooms.get('0');
  assert.deepEqual([room.msgs.get(10).message, room.msgs.get(10).edited], ['edited offline', 1764103300999]);
  assert.equal(room.msgs.get(11).deleted, true);
  await assert.rejects(sender.remove('0', 13), (e) => e.code === 'not_found' && e.status === 404 && e.message === 'This message no longer exists');
  assert.deepEqual(s.resumeCursor()['0'], 11, 'HTTP answers do not move the cursor');
  sender.clear();
});

test('typing text', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['Mary']), 'Mary is typing…');
  assert.equal(typingText(['Mary', 'Joe']), 'Mary and Joe are typing…');
  assert.equal(typingText(['Mary', 'Joe', 'Alex']), '3 people are typing…');
});

test('close codes: 4002 (session ended) means the login screen, never a reconnect; 1012 a fast reconnect', () => {
  assert.equal(closeAction(4002), 'ended');
  assert.equal(closeAction(4002, true), 'ended', 'a drain hint does not bring an ended session back');
  assert.equal(closeAction(1012), 'drain');
  assert.equal(closeAction(1006, true), 'drain');
  for (const code of [1000, 1006, 4000, 4008]) assert.equal(closeAction(code), 'retry', `code ${code}`);
  assert.equal(closeAction(4001), 'kicked', 'an admin disconnect waits for the user (issue #23)');
  assert.equal(closeAction(4003, true), 'banned', 'a ban never reconnects');
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

test('a completed resume ("resumed") resets the reconnect backoff', async () => {
  // Live needs a browser's WebSocket, window and location: minimal stand-ins, driven by hand.
  const sockets = [];
  class FakeSocket {
    static OPEN = 1;
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
    send(text) { this.sent.push(text); }
    close() { this.readyState = 3; }
  }
  const saved = { WebSocket: globalThis.WebSocket, window: globalThis.window };
  globalThis.WebSocket = FakeSocket;
  globalThis.window = new EventTarget();
  const live = new Live({ url: 'ws://test/ws', getResume: () => ({ 0: 5 }), checkSession: async () => true });
  try {
    live.start();
    for (let i = 0; i < 3; i++) { // three failed attempts: the backoff grows
      const ws = sockets.at(-1);
      await ws.onclose({ code: 1006 });
      live.retryNow();
    }
    assert.equal(live.attempt, 3);
    const ws = sockets.at(-1);
    ws.readyState = FakeSocket.OPEN;
    ws.onopen();
    assert.deepEqual(JSON.parse(ws.sent[0]), { type: 'resume', rooms: { 0: 5 } });
    ws.onmessage({ data: '{"type":"message","data":{"id":6,"roomId":"0"}}' });
    assert.equal(live.attempt, 3, 'still catching up');
    ws.onmessage({ data: '{"type":"resumed","data":{"rooms":1}}' });
    assert.equal(live.attempt, 0, 'caught up: the next failure waits the minimum again');
  } finally {
    live.stop();
    globalThis.WebSocket = saved.WebSocket;
    globalThis.window = saved.window;
  }
});

test('presence.watch: DM partners first, then the authors of the room on screen (newest first), never me, bounded', () => {
  const s = setup();
  s.addRoom({ id: '1:7', names: ['ann', 'gus'] });
  s.receive(msg(40, '3', 'x'));
  s.receive(msg(41, '1', 'mine'));
  s.receive(msg(42, '4', 'y'));
  s.receive(msg(43, '3', 'z'));
  assert.deepEqual(watchSet(s), ['2', '7', '3', '4']);
  assert.deepEqual(watchSet(s, { max: 3 }), ['2', '7', '3']);
  assert.deepEqual(watchSet(s, { roomPeople: 1 }), ['2', '7', '3']);
  s.setActive('1:2'); // a DM on screen: its partner only (already in)
  assert.deepEqual(watchSet(s), ['2', '7']);
});

test('presence.watch: sent after every (re)connect, again only when the set changes; the scope follows', async () => {
  const s = setup();
  const sent = [];
  let open = true;
  const pw = new PresenceWatch({ store: s, live: { send: (f) => (open ? (sent.push(f), true) : false) } });
  pw.connected();
  assert.deepEqual(sent, [{ type: 'presence.watch', users: ['2'], clientId: 'presence' }]);
  assert.ok(s.presenceScope.has('2') && !s.presenceScope.has('3'));
  pw.send(false);
  assert.equal(sent.length, 1, 'unchanged set: not sent again');
  s.receive(msg(50, '3', 'hi'));
  pw.send(false);
  assert.deepEqual(sent.at(-1).users, ['2', '3']);
  open = false;
  pw.connected(); // the socket is not open yet: nothing goes out, nothing is taken as sent
  open = true;
  pw.send(false);
  assert.equal(sent.length, 3, 'a new connection gets the whole set');
  pw.stop();
  assert.equal(s.presenceScope.size, 0);
});

test('links in message text: http, https and www. become links, nothing else does, the text is kept', () => {
  const links = (t) => linkParts(t).filter((p) => p.href).map((p) => [p.text, p.href]);
  const joined = (t) => linkParts(t).map((p) => p.text).join('');
  assert.deepEqual(linkParts('no links here'), [{ text: 'no links here' }]);
  assert.deepEqual(linkParts(''), [{ text: '' }]);
  assert.deepEqual(linkParts('see https://example.com/a?b=1#c now'), [
    { text: 'see ' }, { text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' }, { text: ' now' }]);
  assert.deepEqual(links('www.example.org/x'), [['www.example.org/x', 'https://www.example.org/x']]);
  assert.deepEqual(links('HTTP://EXAMPLE.COM'), [['HTTP://EXAMPLE.COM', 'HTTP://EXAMPLE.COM']]);
  // Sentence punctuation and unbalanced brackets stay outside; balanced ones stay inside.
  assert.deepEqual(links('go to http://a.io/x.'), [['http://a.io/x', 'http://a.io/x']]);
  assert.deepEqual(links('(see https://a.io/x), then'), [['https://a.io/x', 'https://a.io/x']]);
  assert.deepEqual(links('https://en.wikipedia.org/wiki/Foo_(bar)!'),
    [['https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)']]);
  assert.deepEqual(links('"https://a.io/q"'), [['https://a.io/q', 'https://a.io/q']]);
  // Other schemes and look-alikes are never links.
  assert.deepEqual(links('javascript:alert(1) data:text/html,x mailto:a@b.c ftp://x.y'), []);
  assert.deepEqual(links('https:// and http://. and www. and www.x'), []);
  assert.deepEqual(links('xhttps://a.io'), []);
  // Markup around a URL ends it; the markup stays text.
  assert.deepEqual(links('<a href="https://evil.io">x</a>'), [['https://evil.io', 'https://evil.io']]);
  // Several links, Unicode around them, and the parts always join back to the text.
  const t = 'Grüße: https://a.io und www.b.de/ü — fin https://c.io/?q=ä';
  assert.deepEqual(links(t).map((l) => l[0]), ['https://a.io', 'www.b.de/ü', 'https://c.io/?q=ä']);
  for (const x of [t, 'a https://x.io/) b', '))) https://', 'https://x.io' + 'a'.repeat(5000)]) assert.equal(joined(x), x);
});

// --- the assistant's streamed replies (docs/protocol.md §2.7) ------------------------------------

const BOT = '9';
const reply = (id, text = '', roomId = '1:9') => ({ id, roomId, from: BOT, date: 1764103286, message: text, streaming: true });

function botSetup() {
  const s = new Store();
  s.setMe({ id: '1', username: 'ann', role: 'user' });
  s.addRoom({ id: '0', names: ['General'] });
  s.addRoom({ id: '1:9', names: ['ann', 'Assistant'] });
  s.addRoom({ id: '1:2', names: ['ann', 'bob'] });
  for (const id of ['0', '1:9', '1:2']) s.addHistory(id, [], 50, { initial: true });
  return s;
}

const delta = (id, offset, text, roomId = '1:9') => ({ roomId, id, offset, text });
const textOf = (s, id, roomId = '1:9') => s.rooms.get(roomId).msgs.get(id).message;

test('previews: Markdown as plain text, the markers removed and the text kept', () => {
  const cases = [
    ['**bold** `code`', 'bold code'],
    ['__bold__ and *italics* and _italics_ and ~~gone~~', 'bold and italics and italics and gone'],
    ['snake_case_name, 2 * 3 * 4, a ** b', 'snake_case_name, 2 * 3 * 4, a ** b'],
    ['`a*b*c` and ``x ` y``', 'a*b*c and x ` y'],
    ['**`both`**', 'both'],
    ['see [the docs](https://example.com/a?b=1 "title") and ![a cat](cat.png)', 'see the docs and a cat'],
    ['<https://example.com> stays an address', 'https://example.com stays an address'],
    ['# Title\n## Sub ##\nbody', 'Title Sub body'],
    ['#hashtag and #5', '#hashtag and #5'],
    ['- one\n* two\n+ three\n- [x] done\n1. first', 'one two three done 1. first'],
    ['> quoted\n>> deeper', 'quoted deeper'],
    ['```js\nconst a = **b**;\n```\nafter', 'const a = **b**; after'],
    ['text\n\n---\nmore', 'text more'],
    ['\\*not italics\\* and \\[not](a link)', '*not italics* and [not](a link)'],
    ['', ''],
    [null, ''],
  ];
  for (const [md, plain] of cases) assert.equal(markdownText(md), plain, JSON.stringify(md));
});

test('deltas apply at code-point offsets: emoji and other astral characters count as one', () => {
  const s = botSetup();
  s.receive(reply(50));
  assert.equal(s.applyDelta(delta(50, 0, 'Hi 😀')), 'append');
  assert.equal(cpLength('Hi 😀'), 4, 'the offset unit: [...text]');
  assert.equal('Hi 😀'.length, 5, '(not UTF-16 units)');
  assert.equal(s.applyDelta(delta(50, 4, ' 👍🏽 ok')), 'append', 'offset 4 = after the emoji');
  assert.equal(textOf(s, 50), 'Hi 😀 👍🏽 ok');
  // An overlap that starts inside the text: only the new part (the emoji is not split).
  assert.equal(s.applyDelta(delta(50, 8, 'ok 🎉!')), 'append');
  assert.equal(textOf(s, 50), 'Hi 😀 👍🏽 ok 🎉!');
  assert.equal(s.rooms.get('1:9').msgs.get(50).streaming, true);
});

test('a repeated or overlapping delta is skipped; nothing is appended twice', () => {
  const s = botSetup();
  s.receive(reply(50));
  s.applyDelta(delta(50, 0, 'Hello'));
  assert.equal(s.applyDelta(delta(50, 0, 'Hello')), 'dup', 'the same delta again');
  assert.equal(s.applyDelta(delta(50, 2, 'll')), 'dup', 'inside what we have');
  assert.equal(s.applyDelta(delta(50, 3, 'lo, wor')), 'append', 'overlaps the end: the rest is appended');
  assert.equal(s.applyDelta(delta(50, 0, 'Hello, world')), 'append', 'a resume from offset 0 with more text');
  assert.equal(textOf(s, 50), 'Hello, world');
  assert.equal(s.applyDelta(delta(50, 12, '')), 'dup', 'an empty delta at the end');
});

test('a delta beyond the text is a gap: nothing applied, the message is reloaded (once at a time, bounded)', async () => {
  const s = botSetup();
  s.receive(reply(50, 'abc'));
  assert.equal(s.applyDelta(delta(50, 5, 'fg')), 'gap');
  assert.equal(textOf(s, 50), 'abc', 'the text is not changed by a gap');
  // The reload: GET ?before=<id+1>&limit=1 serves the text so far, applied as another copy.
  const asked = [];
  let answer;
  const r = new GapReloader({
    fetchOne: (roomId, id) => { asked.push([roomId, id]); return new Promise((res) => { answer = res; }); },
    apply: (m) => s.refreshMessage(m),
    stillStreaming: () => s.isStreaming('1:9', 50),
    pauseMs: 1,
  });
  r.gap('1:9', 50);
  r.gap('1:9', 50); // a second gap while the first reload is on its way: no second request now
  assert.deepEqual(asked, [['1:9', 50]]);
  answer({ ...reply(50, 'abcdefg') });
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(textOf(s, 50), 'abcdefg', 'the reloaded text so far');
  assert.equal(asked.length, 2, 'the gap seen meanwhile asks once more afterwards');
  answer(null);
  await new Promise((res) => setTimeout(res, 5));
  assert.equal(s.applyDelta(delta(50, 7, 'h')), 'append', 'then deltas continue from there');
  // Bounded: at most 5 reloads in a row without progress.
  const s2 = botSetup();
  s2.receive(reply(60, 'x'));
  let n = 0;
  const r2 = new GapReloader({ fetchOne: async () => { n += 1; return null; }, apply: () => {}, pauseMs: 1 });
  for (let i = 0; i < 20; i++) { r2.gap('1:9', 60); await new Promise((res) => setTimeout(res, 2)); }
  assert.equal(n, 5);
  r2.progress('1:9', 60);
  r2.gap('1:9', 60);
  await new Promise((res) => setTimeout(res, 2));
  assert.equal(n, 6, 'a delta that applied resets the count');
});

test('deltas for an unknown message, another room, or a final message are ignored', () => {
  const s = botSetup();
  assert.equal(s.applyDelta(delta(77, 0, 'x')), 'ignored', 'unknown message (its event may still be on its way)');
  assert.equal(s.applyDelta(delta(77, 0, 'x', 'nope')), 'ignored', 'unknown room');
  s.receive(msg(40, '2', 'a person', '1:2'));
  assert.equal(s.applyDelta(delta(40, 8, '!', '1:2')), 'ignored', 'not a streaming message');
  s.receive(reply(50));
  assert.equal(s.applyDelta({ roomId: '1:9', id: 50, offset: -1, text: 'x' }), 'ignored', 'bad offset');
  assert.equal(s.applyDelta({ roomId: '1:9', id: 50, offset: 0 }), 'ignored', 'no text');
  assert.equal(applyDeltaTo(undefined, delta(1, 0, 'x')).result, 'ignored');
});

test('the final message.updated wins: later deltas, streaming copies and history change nothing', () => {
  const s = botSetup();
  s.receive(reply(50));
  s.applyDelta(delta(50, 0, 'partial'));
  assert.equal(s.applyUpdate({ id: 50, roomId: '1:9', from: BOT, date: 1764103286, message: 'partial and final', streaming: false, seq: 60 }), true);
  let m = s.rooms.get('1:9').msgs.get(50);
  assert.equal(m.message, 'partial and final');
  assert.equal(m.streaming, false);
  assert.equal(m.edited, undefined, 'a final reply is not "(edited)"');
  assert.equal(s.applyDelta(delta(50, 17, ' more')), 'ignored', 'a late delta');
  s.receive(reply(50, 'partial and final plus a stale streaming copy'));
  s.addHistory('1:9', [reply(50, 'partial')], 50);
  assert.equal(textOf(s, 50), 'partial and final');
  assert.deepEqual(s.resumeCursor()['1:9'], 60, 'its position counts for resume');
  // stopped / error are kept on the message.
  s.receive(reply(70));
  s.applyUpdate({ id: 70, roomId: '1:9', from: BOT, date: 1, message: 'cut', streaming: false, stopped: true, seq: 71 });
  assert.equal(s.rooms.get('1:9').msgs.get(70).stopped, true);
  s.receive(reply(80));
  s.applyUpdate({ id: 80, roomId: '1:9', from: BOT, date: 1, message: '', streaming: false, error: 'upstream', seq: 81 });
  m = s.rooms.get('1:9').msgs.get(80);
  assert.equal(m.error, 'upstream');
  assert.equal(m.streaming, false);
});

test('another copy of a streaming reply (resume, history, reload): the longer text or the final copy', () => {
  const s = botSetup();
  s.addHistory('1:9', [reply(50, 'so far')], 50); // history read mid-stream
  s.receive(reply(50, 'so far, and more')); // the resume's `message` with the text so far
  assert.equal(textOf(s, 50), 'so far, and more');
  s.receive(reply(50, 'so far'));
  assert.equal(textOf(s, 50), 'so far, and more', 'a shorter copy changes nothing');
  assert.equal(mergeStreaming({ ...reply(50, 'a'), streaming: false }, reply(50, 'ab')), null, 'final stays final');
  s.refreshMessage({ ...reply(50, 'so far, and more, done'), streaming: false });
  assert.equal(s.rooms.get('1:9').msgs.get(50).streaming, false, 'a final copy from a reload ends it');
});

test('the bot is known by its replies (or role "bot"); its DM is listed first', () => {
  const s = botSetup();
  s.receive(msg(30, '2', 'newer person DM', '1:2'));
  assert.equal(s.isBot(BOT), false);
  assert.deepEqual(s.sortedRooms('dm').map((r) => r.id), ['1:2', '1:9'], 'by activity while unknown');
  s.addHistory('1:9', [{ ...reply(10, 'old answer'), streaming: false }], 50); // a final reply in history
  assert.equal(s.isBot(BOT), true, 'only bot replies carry "streaming"');
  assert.deepEqual(s.sortedRooms('dm').map((r) => r.id), ['1:9', '1:2']);
  const s2 = botSetup();
  s2.upsertUser({ id: '5', username: 'Helper', role: 'bot' });
  assert.equal(s2.isBot('5'), true);
  s2.receive(msg(31, '2', 'a person never becomes a bot', '0'));
  assert.equal(s2.isBot('2'), false);
});

test('stop: a message.stop frame settled by ack; over HTTP when offline, applying the final reply', async () => {
  const s = botSetup();
  s.receive(reply(50, 'long'));
  const sent = [];
  const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
  const http = [];
  const api = { stopReply: async (roomId, id) => { http.push([roomId, id]); return { id, roomId, from: BOT, date: 1, message: 'long', streaming: false, stopped: true, seq: 55 }; } };
  const sender = new Sender(s, live, api);
  const p = sender.stop('1:9', 50);
  assert.deepEqual({ ...sent[0], clientId: undefined }, { type: 'message.stop', roomId: '1:9', id: 50, clientId: undefined });
  sender.onAck({ clientId: sent[0].clientId, id: 50, roomId: '1:9', seq: 55 });
  await p;
  assert.equal(s.isStreaming('1:9', 50), true, 'the ack alone does not end it: its message.updated does');
  const q = sender.stop('1:9', 50);
  sender.onError({ clientId: sent[1].clientId, code: 'not_found', message: 'not streaming' });
  await assert.rejects(q, /already ended/);
  live.isOpen = false;
  await sender.stop('1:9', 50);
  assert.deepEqual(http, [['1:9', 50]]);
  assert.equal(s.rooms.get('1:9').msgs.get(50).stopped, true, 'the HTTP answer is the final reply');
  sender.clear();
});

test('assistant refusals and reply errors read as sentences', () => {
  assert.match(assistantRefusal({ code: 'busy', message: 'x', roomId: '1:9', id: 5 }), /busy/);
  assert.match(assistantRefusal({ code: 'rate_limited', message: 'x', roomId: '1:9', id: 5, retryAfter: 30 }), /in 30 seconds/);
  assert.match(assistantRefusal({ code: 'rate_limited', roomId: '1:9', id: 5, retryAfter: 1800 }), /in about 30 minutes/);
  assert.equal(assistantRefusal({ code: 'rate_limited', message: 'x', clientId: 'c1' }), null, 'a send refusal is the sender\'s');
  assert.equal(assistantRefusal({ code: 'busy', message: 'x' }), null);
  for (const code of ['upstream', 'malformed', 'idle_timeout', 'timeout', 'unreachable', 'too_long', 'interrupted']) {
    assert.notEqual(replyErrorText(code), replyErrorText('something else'), code);
  }
});

// --- threads (issue #22): replies apart from the room's list, the open thread, reply counts ------

const threadReply = (id, parentId, from, text, roomId = '0') => ({ ...msg(id, from, text, roomId), parentId });
const parentRow = (id, replies, lastReplyAt, seq) => ({ ...msg(id, '2', 'parent'), seq, ...(replies ? { replies, lastReplyAt } : {}) });

test('a reply never enters the room\'s list: into its open thread only; its id advances the resume cursor', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'parent'));
  assert.equal(s.receive(threadReply(11, 10, '2', 'first reply')), false, 'no thread open: stored nowhere');
  assert.deepEqual(room.ids, [10]);
  assert.equal(room.msgs.has(11), false);
  assert.deepEqual(s.resumeCursor()['0'], 11, 'its position was seen');
  assert.deepEqual(s.unread(room), { n: 1, more: false, mentions: 0 }, 'replies are not unread');

  s.openThread('0', 10);
  s.addThreadHistory('0', 10, [threadReply(13, 10, '2', 'c'), threadReply(12, 10, '1', 'b'), threadReply(11, 10, '2', 'first reply')], 3);
  const t = s.thread;
  assert.deepEqual(t.ids, [11, 12, 13], 'oldest first');
  assert.deepEqual([t.floor, t.hasMore, t.loaded], [11, true, true], 'a full page: there may be older ones');
  assert.equal(s.receive(threadReply(14, 10, '2', 'live')), true);
  assert.equal(s.receive(threadReply(14, 10, '2', 'live')), false, 'a duplicate');
  assert.equal(s.receive(threadReply(20, 99, '2', 'another thread')), false);
  assert.deepEqual(t.ids, [11, 12, 13, 14]);
  assert.deepEqual(room.ids, [10], 'still only the parent in the room');
  assert.deepEqual(s.resumeCursor()['0'], 20);
  s.addThreadHistory('0', 10, [threadReply(9, 10, '2', 'oldest')], 50);
  assert.deepEqual([t.ids[0], t.floor, t.hasMore], [9, 9, false], 'an older page, the last one');
  assert.equal(parentOf(threadReply(1, '10', '2', 'x')), 10);
  assert.equal(parentOf(msg(1, '2', 'x')), null);
  assert.equal(parentOf({ parentId: 0 }), null);
});

test('the parent\'s message.updated brings its reply count; a local edit keeps it; 0 replies: no fields', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'parent'));
  assert.equal(s.applyUpdate(parentRow(10, 1, 1764103300000, 12)), true);
  assert.deepEqual([room.msgs.get(10).replies, room.msgs.get(10).lastReplyAt], [1, 1764103300000]);
  assert.equal(room.msgs.get(10).edited, undefined, 'a new reply is not an edit');
  assert.equal(s.applyUpdate(parentRow(10, 1, 1764103300000, 12)), false, 'the same update again');
  assert.equal(s.applyUpdate(parentRow(10, 2, 1764103400000, 14)), true);
  assert.equal(s.applyUpdate(parentRow(10, 1, 1764103300000, 13)), false, 'an older count does not win');
  assert.equal(room.msgs.get(10).replies, 2);
  // my edit of the parent, acked: a local change without the thread fields keeps them
  assert.equal(s.applyUpdate({ id: 10, roomId: '0', seq: 15, message: 'parent!', edited: 1764103500000 }, { cursor: false }), true);
  assert.deepEqual([room.msgs.get(10).message, room.msgs.get(10).replies], ['parent!', 2]);
  // the last replies deleted: the whole row comes without them
  assert.equal(s.applyUpdate({ ...parentRow(10, 0, 0, 17), message: 'parent!', edited: 1764103500000 }), true);
  assert.equal('replies' in room.msgs.get(10), false);
  assert.equal('lastReplyAt' in room.msgs.get(10), false);

  const fmt = (d) => `@${d.getTime()}`;
  assert.equal(replyCountText({ replies: 1, lastReplyAt: 5000 }, fmt), '1 reply · last reply @5000');
  assert.equal(replyCountText({ replies: 3, lastReplyAt: 6000 }, fmt), '3 replies · last reply @6000');
  assert.equal(replyCountText({ replies: 2 }, fmt), '2 replies');
  assert.equal(replyCountText({}, fmt), '');
  assert.equal(replyCountText({ replies: 0 }, fmt), '');
});

test('edits, deletes and reactions of replies apply in the open thread (also while its page is fetched)', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'parent'));
  const t = s.openThread('0', 10);
  t.loading = true;
  // changes of replies that the page on its way brings
  s.applyUpdate({ ...threadReply(11, 10, '2', 'edited early'), edited: 1764103300000, seq: 20 });
  s.applyDelete({ id: 12, roomId: '0', parentId: 10, seq: 21 });
  s.applyUpdate({ ...msg(13, '2', 'not a reply'), edited: 1, seq: 22 }); // no parentId: not the thread's
  t.loading = false;
  s.addThreadHistory('0', 10, [threadReply(12, 10, '2', 'to delete'), threadReply(11, 10, '2', 'old text')], 50);
  assert.equal(t.msgs.get(11).message, 'edited early');
  assert.equal(t.msgs.get(12).deleted, true);
  assert.equal(t.early.size, 0);
  assert.equal(room.early.size, 0);

  s.receive(threadReply(14, 10, '1', 'mine'));
  assert.equal(s.applyUpdate({ ...threadReply(14, 10, '1', 'mine, edited'), edited: 1764103400000, seq: 23 }), true);
  assert.equal(s.applyReaction({ roomId: '0', id: 14, emoji: '🎉', userId: '2', on: true, parentId: 10, seq: 24 }), true);
  assert.deepEqual(t.msgs.get(14).reactions, { '🎉': ['2'] });
  assert.equal(s.applyDelete({ id: 14, roomId: '0', parentId: 10, seq: 25 }), true);
  assert.equal(t.msgs.get(14).deleted, true);
  assert.deepEqual(room.ids, [10], 'nothing of it in the room\'s list');
  assert.equal(s.resumeCursor()['0'], 25, 'their positions advance the cursor');
  assert.equal(s.findMessage('0', 11).message, 'edited early');
  assert.equal(s.findMessage('0', 10).message, 'parent');
  assert.equal(s.findMessage('0', 99), null);
});

test('a reply is sent with its parentId, pending in its thread only; the ack or the echo settles it', () => {
  for (const order of ['ack-first', 'echo-first']) {
    const s = setup();
    s.gen = 1;
    const sent = [];
    const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
    const sender = new Sender(s, live);
    s.receive(msg(10, '2', 'parent'));
    s.openThread('0', 10);
    s.addThreadHistory('0', 10, [], 50);
    const cid = sender.send('0', 'in the thread', 10);
    assert.deepEqual(sent[0], { type: 'message', roomId: '0', message: 'in the thread', clientId: cid, parentId: 10 });
    assert.equal(s.pendingOf('0').length, 0, 'not pending in the room\'s list');
    assert.equal(s.pendingOf('0', 10).length, 1);
    const ack = { clientId: cid, id: 11, roomId: '0' };
    if (order === 'ack-first') { sender.onAck(ack); s.receive(threadReply(11, 10, '1', 'in the thread')); } else { s.receive(threadReply(11, 10, '1', 'in the thread')); sender.onAck(ack); }
    assert.deepEqual(s.thread.ids, [11], order);
    assert.equal(s.thread.msgs.get(11).local, undefined, `${order}: the server copy is kept`);
    assert.equal(s.pendingOf('0', 10).length, 0, order);
    assert.deepEqual(s.rooms.get('0').ids, [10], order);
    sender.clear();
  }
  const s = setup();
  const sender = new Sender(s, { isOpen: true, gen: 1, send: () => true });
  s.receive(msg(10, '2', 'parent'));
  const cid = sender.send('0', 'too late', 10);
  sender.onError({ code: 'not_found', message: 'no such message to reply to', clientId: cid });
  assert.equal(s.pendingOf('0', 10)[0].error, 'The message of this thread was deleted');
  sender.clear();
});

test('switching rooms or leaving the room closes its thread; signing out forgets it', () => {
  const s = setup();
  s.receive(msg(10, '2', 'parent'));
  s.openThread('0', 10);
  assert.equal(s.threadOf('0', 10), s.thread);
  assert.equal(s.threadOf('0', 11), null);
  s.setActive('0');
  assert.notEqual(s.thread, null, 'the same room: still open');
  s.setActive('1:2');
  assert.equal(s.thread, null, 'another room: closed');
  s.setActive('0');
  s.addRoom({ id: '7', names: ['ops'] });
  s.openThread('7', 3);
  s.removeRoom('7');
  assert.equal(s.thread, null, 'its room left: closed');
  s.openThread('0', 10);
  s.setMe({ id: '1', username: 'ann', role: 'user' });
  assert.equal(s.thread, null);
});

test('a reply that @mentions me counts as a mention (never as unread) until the marker passes it', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'parent'));
  s.lastRead['0'] = 10;
  const mention = (id, from = '2') => ({ ...threadReply(id, 10, from, 'hey @ann'), mentions: ['1'] });
  s.receive(mention(11));
  s.receive(mention(12, '1')); // my own
  s.receive(threadReply(13, 10, '2', 'no mention'));
  assert.deepEqual(s.unread(room), { n: 0, more: false, mentions: 1 }, 'thread not open: still counted');
  // its edit without the mention, then with it again; its deletion
  s.applyUpdate({ ...threadReply(11, 10, '2', 'hey'), edited: 5, seq: 14 });
  assert.equal(s.unread(room).mentions, 0);
  s.applyUpdate({ ...mention(11), edited: 6, seq: 15 });
  assert.equal(s.unread(room).mentions, 1);
  s.applyDelete({ id: 11, roomId: '0', parentId: 10, seq: 16 });
  assert.equal(s.unread(room).mentions, 0);

  s.openThread('0', 10);
  s.addThreadHistory('0', 10, [mention(17), threadReply(13, 10, '2', 'no mention')], 50);
  assert.equal(s.unread(room).mentions, 1, 'from a page of replies too');
  const reads = [];
  s.addEventListener('read', (e) => reads.push(e.detail));
  s.markRead('0');
  assert.deepEqual(reads, [], 'the room\'s newest message is read already');
  s.markRead('0', 17); // the open thread read to its end
  assert.deepEqual(reads, [{ roomId: '0', id: 17 }]);
  assert.deepEqual(s.unread(room), { n: 0, more: false, mentions: 0 });
});

test('a deleted parent keeps its reply count (its thread stays readable); a deleted reply its parentId', () => {
  const s = setup();
  const room = s.rooms.get('0');
  s.receive(msg(10, '2', 'parent'));
  s.applyUpdate(parentRow(10, 2, 1764103300000, 12));
  assert.equal(s.applyDelete({ id: 10, roomId: '0', seq: 13 }), true);
  assert.deepEqual([room.msgs.get(10).deleted, room.msgs.get(10).replies, room.msgs.get(10).lastReplyAt], [true, 2, 1764103300000]);
  // a reply deleted later: the tombstone's message.updated (a whole row) moves the count
  assert.equal(s.applyUpdate({ id: 10, roomId: '0', from: '2', date: 1764103286, deleted: true, replies: 1, lastReplyAt: 1764103200000, seq: 15 }), true);
  assert.deepEqual([room.msgs.get(10).replies, room.msgs.get(10).deleted, room.msgs.get(10).message], [1, true, undefined]);
  assert.equal(s.applyUpdate({ ...msg(10, '2', 'resurrected'), replies: 1, lastReplyAt: 1764103200000, seq: 16 }), false, 'no text comes back');
  assert.equal(s.applyUpdate({ id: 10, roomId: '0', message: 'local', seq: 17 }, { cursor: false }), false);

  s.openThread('0', 10);
  s.addThreadHistory('0', 10, [threadReply(11, 10, '2', 'a reply')], 50);
  s.applyDelete({ id: 11, roomId: '0', parentId: 10, seq: 18 });
  assert.deepEqual([s.thread.msgs.get(11).deleted, s.thread.msgs.get(11).parentId], [true, 10]);
});

test('channel settings: from the listing and room.updated (its seq moves the resume cursor); who manages', () => {
  const s = setup();
  s.addRoom({ id: '7', names: ['ops'], private: true, topic: 'on call', archived: false, owner: 1 });
  s.addHistory('7', [msg(5, '2', 'x', '7')], 50, { initial: true });
  const room = s.rooms.get('7');
  assert.deepEqual([room.private, room.topic, room.archived, room.owner], [true, 'on call', false, '1']);
  assert.equal(s.canManage('7'), true, 'the owner manages');
  assert.equal(s.canManage('0'), false, 'General has no settings');
  assert.equal(s.canManage('1:2'), false, 'nor a DM');
  assert.equal(s.applyRoomUpdate({ roomId: '7', name: 'ops-2', topic: '', private: false, archived: true, owner: '2', seq: 9 }), true);
  assert.deepEqual([room.name, room.topic, room.private, room.archived, room.owner], ['ops-2', '', false, true, '2']);
  assert.equal(s.resumeCursor()['7'], 9, 'a positioned room event: resume starts after it');
  assert.equal(s.isArchived('7'), true);
  assert.equal(s.canManage('7'), false, 'not the owner any more');
  assert.equal(s.applyRoomUpdate({ roomId: '7', name: 'ops-2', topic: '', private: false, archived: true, owner: '2', seq: 9 }), false, 'a replay changes nothing');
  assert.equal(s.applyRoomUpdate({ roomId: '99', name: 'x', seq: 1 }), false, 'an unknown room is ignored');
  assert.equal(canManage(room, { id: '3', role: 'admin' }), true, 'an admin manages every channel');
  assert.equal(canManage(room, { id: '3', role: 'moderator' }), false, 'a moderator manages none');
  assert.equal(canManage({ ...room, owner: null }, { id: '1', role: 'user' }), false, 'no owner: admins only');
  assert.deepEqual(channelMeta({ id: 3, names: ['a'], unread: 2 }), {}, 'an old listing row: nothing changes');
  assert.deepEqual(channelMeta({ owner: null, private: 'yes' }), { owner: null }, 'only well-typed fields');
  assert.equal(removedText('ops', 'removed'), 'You were removed from #ops.');
  assert.equal(removedText('ops', 'deleted'), '#ops was deleted.');
  s.addRoom({ id: '7', names: ['ops-2'] });
  assert.equal(room.archived, true, 'a row without settings (room.joined) keeps them');
});

test('a send refused as archived fails with its text kept (Retry), never silently dropped', () => {
  const s = setup();
  s.addRoom({ id: '7', names: ['ops'], private: false, archived: false, owner: '1' });
  const live = { isOpen: true, gen: 1, sent: [], send(f) { this.sent.push(f); return true; } };
  const sender = new Sender(s, live);
  const clientId = sender.send('7', 'too late');
  assert.equal(sender.onError({ clientId, code: 'archived', message: 'archived' }), true);
  const p = s.pending.get(clientId);
  assert.equal(p.status, 'failed');
  assert.equal(p.text, 'too late');
  assert.equal(p.error, 'This channel is archived');
  sender.clear();
});
