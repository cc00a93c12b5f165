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

  test('unread and mention badges come from the server and survive a reload', async () => {
    const created = await call(A.page, 'POST', '/rooms', { name: channel });
    assert.equal(created.status, 201, JSON.stringify(created.json));
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
});
