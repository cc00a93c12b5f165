// Read state in real browsers (docs/protocol.md §2.8): Alice on node 1 and Bob on node 2, in two
// browser contexts. Unread badges and mention badges come from the server (they survive a reload
// and a new device: nothing is kept in localStorage), opening a room marks it read on every device
// of the reader, and in a DM the writer sees "Seen" once the other person read it. Every wait is
// bounded; no fixed sleeps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newTab, openRoom, registeredUser, roomButton, send, waitOnline, waitTexts } from './lib/browser.mjs';

let cluster;
let browser;
let A; // Alice: {context, page, problems, name}
let B; // Bob

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
  const [n1, n2] = cluster.nodes;
  A = await registeredUser(browser, n1.url, uniqueName('ralice'));
  B = await registeredUser(browser, n2.url, uniqueName('rbob'));
  await waitOnline(A.page);
  await waitOnline(B.page);
});

after(async () => {
  await closeAll();
  await cleanup();
});

/** The badges of a room's sidebar button: {unread, mentions} as shown ('' when none). */
function badges(page, name) {
  const btn = roomButton(page, name);
  return btn.evaluate((b) => ({
    unread: b.querySelector('.badge:not(.mention-badge) span')?.textContent ?? '',
    mentions: b.querySelector('.mention-badge span')?.textContent ?? '',
  }));
}

async function waitBadges(page, name, want, what) {
  let got;
  await waitFor(async () => {
    got = await badges(page, name);
    if (got.unread !== want.unread || got.mentions !== want.mentions) throw new Error(`${name}: ${JSON.stringify(got)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
}

/** A JSON request from the page (its session cookie), e.g. creating or joining a channel. */
function call(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, json: await r.json().catch(() => null) };
  }, [method, path, body]);
}

describe('read state (Alice on node 1, Bob on node 2)', () => {
  const channel = uniqueName('reads');
  let channelId;

  test('unread and mention badges come from the server and survive a reload', async () => {
    const created = await call(A.page, 'POST', '/rooms', { name: channel });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    channelId = String(created.json.id);
    assert.equal((await call(B.page, 'POST', `/rooms/${created.json.id}/join`)).status, 200);
    await A.page.reload();
    await waitOnline(A.page);
    await roomButton(B.page, channel).waitFor(); // room.joined: Bob stays in General
    await openRoom(A.page, channel);
    const texts = ['one', `hey @${B.name} look`, 'three'];
    for (const t of texts) await send(A.page, t);
    await waitTexts(A.page, texts);
    await waitBadges(B.page, channel, { unread: '3', mentions: '@1' }, 'Bob: 3 unread, 1 mention');
    assert.equal(await A.page.locator('#messages li.msg.mentioned').count(), 0, 'Alice\'s own message is not highlighted for her');

    await B.page.reload();
    await waitOnline(B.page);
    await waitBadges(B.page, channel, { unread: '3', mentions: '@1' }, 'after a reload: the server\'s counts');
    assert.equal(await B.page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('lastRead')).length), 0,
      'nothing kept in localStorage');
  });

  test('opening the room marks it read on every device of the reader; the mention is highlighted', async () => {
    const second = await newTab(B); // Bob's second tab (same session), also showing the badges
    await second.goto('/');
    await waitOnline(second);
    await waitBadges(second, channel, { unread: '3', mentions: '@1' }, 'second tab: same counts');
    await openRoom(B.page, channel);
    await waitTexts(B.page, ['three']);
    assert.equal(await B.page.locator('#messages li.msg.mentioned').count(), 1, 'the message that mentions Bob is highlighted');
    await waitBadges(second, channel, { unread: '', mentions: '' }, 'the other tab learns Bob read it (read event)');
    await second.close();
  });

  test('in a DM Alice sees "Seen" once Bob read her newest message, also after a reload', async () => {
    await openRoom(B.page, 'General'); // Bob is not looking at the DM
    await A.page.locator('#new-message').click();
    await A.page.locator('#people-dialog[open]').waitFor();
    await A.page.locator('#people-search').pressSequentially(B.name.slice(0, 9), { delay: 20 });
    await A.page.locator('#people-results button', { hasText: B.name }).click();
    await A.page.locator('#room-title', { hasText: B.name }).waitFor();
    await send(A.page, 'did you see this?');
    await waitTexts(A.page, ['did you see this?']);
    await waitBadges(B.page, A.name, { unread: '1', mentions: '' }, 'Bob: the DM has 1 unread');
    assert.equal(await A.page.locator('#messages .seen-row').count(), 0, 'not seen yet');
    await openRoom(B.page, A.name);
    await A.page.locator('#messages .seen-row').waitFor({ timeout: 10000 });
    await A.page.reload(); // after a reload: from the listing's peerRead
    await waitOnline(A.page);
    await openRoom(A.page, B.name);
    await A.page.locator('#messages .seen-row').waitFor({ timeout: 10000 });
    await openRoom(B.page, 'General'); // Bob looks elsewhere: the next message stays unseen
    await send(A.page, 'one more');
    await A.page.locator('#messages .seen-row').waitFor({ state: 'detached', timeout: 10000 });
    await openRoom(B.page, A.name);
    await A.page.locator('#messages .seen-row').waitFor({ timeout: 10000 });
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors`);
  });

  test('a burst of 100 messages in the open room: a few read frames (about 1.5 s apart), no refusal, no toast, the marker reaches the newest', async (t) => {
    const BURST = 100;
    // Bob's page is reloaded so that its new WebSocket is watched from the start.
    const reads = []; // {at, roomId, id}: the read frames Bob's page sends
    const errors = []; // error events Bob's page receives
    B.page.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => {
        const f = typeof payload === 'string' ? JSON.parse(payload) : null;
        if (f?.type === 'read') reads.push({ at: Date.now(), roomId: String(f.roomId), id: Number(f.id) });
      });
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') return;
        for (const line of payload.split('\n')) if (line.includes('"error"') && JSON.parse(line).type === 'error') errors.push(line);
      });
    });
    await B.page.reload();
    await waitOnline(B.page);
    await openRoom(B.page, channel);
    await waitTexts(B.page, ['three']);
    await B.page.evaluate(() => { // counts the error toasts shown from now on
      window.errorToasts = 0;
      new MutationObserver((ms) => {
        for (const m of ms) for (const n of m.addedNodes) if (n.classList?.contains('toast-error')) window.errorToasts++;
      }).observe(document.querySelector('#toasts'), { childList: true });
    });
    const me = (await call(B.page, 'GET', '/me')).json;
    const before = reads.length;

    const started = Date.now();
    const last = await A.page.evaluate(async ([roomId, n]) => { // Alice's burst over HTTP, one after another
      let m = null;
      for (let i = 1; i <= n; i++) {
        const r = await fetch(`/room/${encodeURIComponent(roomId)}/messages`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: `burst ${i}` }),
        });
        if (r.status !== 201) throw new Error(`message ${i}: ${r.status} ${await r.text()}`);
        m = await r.json();
      }
      return m;
    }, [channelId, BURST]);
    const burstMs = Date.now() - started;
    await waitTexts(B.page, [`burst ${BURST}`]);

    let listed;
    await waitFor(async () => {
      listed = (await call(B.page, 'GET', `/rooms/${me.id}`)).json.find((r) => String(r.id) === channelId);
      return Number(listed.lastRead) === Number(last.id);
    }, { timeout: 10000, interval: 200, what: 'Bob\'s read marker (server) reaches the newest message' });
    assert.equal(listed.unread, 0, JSON.stringify(listed));

    const sent = reads.slice(before).filter((r) => r.roomId === channelId);
    const detail = JSON.stringify({ burstMs, sent: sent.map((r) => ({ dt: r.at - started, id: r.id })) });
    t.diagnostic(`${sent.length} read frames for ${BURST} messages in ${burstMs} ms`);
    assert.ok(sent.length >= 1 && sent.length <= 2 + Math.ceil(burstMs / 1500), `read frames: ${sent.length} for ${BURST} messages ${detail}`);
    for (let i = 1; i < sent.length; i++) { // 1.5 s apart in the page; 1 s here leaves room for the event delivery
      assert.ok(sent[i].at - sent[i - 1].at >= 1000, `read frames ${i - 1} and ${i} only ${sent[i].at - sent[i - 1].at} ms apart ${detail}`);
      assert.ok(sent[i].id > sent[i - 1].id, `markers move forward ${detail}`);
    }
    assert.equal(sent.at(-1).id, Number(last.id), `the last read frame carries the newest message ${detail}`);
    assert.deepEqual(errors, [], 'no error event (no refused read marker)');
    assert.equal(await B.page.evaluate(() => window.errorToasts), 0, 'no error toast');
    assert.deepEqual(B.problems, [], `${B.name}: page errors / console errors`);
  });

  test('the sidebar previews the newest message as plain text (Markdown markers removed) next to its badge', async () => {
    await openRoom(B.page, 'General');
    await openRoom(A.page, channel);
    await send(A.page, '## Plan\n- **bold** and `code`, see [the docs](https://example.com)');
    const preview = roomButton(B.page, channel).locator('.room-preview');
    await preview.filter({ hasText: 'Plan' }).waitFor();
    assert.equal(await preview.textContent(), `${A.name}: Plan bold and code, see the docs`);
    await waitBadges(B.page, channel, { unread: '1', mentions: '' }, 'Bob: 1 unread');
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors`);
  });
});
