// Threads in real browsers (issue #22; the `parentId` of a message, GET …/messages/{id}/replies, the
// parent's `replies` / `lastReplyAt`): Alice on node 1 and Bob on node 2, in two browser contexts, in
// General. Alice posts; Bob opens its thread ("Reply in thread") and replies; Alice sees "1 reply"
// appear live under her message, opens the thread from it and sees Bob's reply; no reply ever shows
// in the room's list. Alice reacts to Bob's reply and edits her own reply inside the thread (Bob sees
// both live); after a reload the count and the replies come from the server; a deleted reply is a
// tombstone and the count drops; Escape and a room switch close the panel. A reply that @mentions
// Alice is no unread message but a mention in General's badge until she reads the thread to its
// end (the read marker moves to that reply, so it stays cleared after a reload). A thread of 55
// replies opens with the newest 50 and "Load older replies" brings the rest, in order; on a phone
// the panel covers the conversation and its close button goes back. Every wait is bounded; no
// fixed sleeps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, openRoom, registeredUser, rendered, roomButton, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';

let cluster;
let browser;
let A; // Alice: {context, page, problems, name}
let B; // Bob

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
  const [n1, n2] = cluster.nodes;
  A = await registeredUser(browser, n1.url, uniqueName('talice'));
  B = await registeredUser(browser, n2.url, uniqueName('tbob'));
});

after(async () => {
  await closeAll();
  await cleanup();
});

const PARENT = `where do we deploy? ${Date.now()}`;
const row = (page, id) => page.locator(`#messages li.msg[data-id="${id}"]`);
const panel = (page) => page.getByRole('region', { name: 'Thread' });
const replyRow = (page, id) => page.locator(`#thread-replies li.msg[data-id="${id}"]`);

/** The open thread as shown: {parent, count, replies: [{id, text, status, edited, deleted, chips}]}, or null when closed. */
function threadView(page) {
  return page.evaluate(() => {
    const p = document.querySelector('#thread-panel');
    if (!p || p.hidden) return null;
    const chips = (li) => [...li.querySelectorAll('.reaction-chip')].map((c) => `${c.querySelector('.reaction-emoji').textContent}${c.querySelector('.reaction-count').textContent}`);
    return {
      parent: p.querySelector('#thread-parent li.msg .msg-text')?.textContent ?? null,
      count: p.querySelector('#thread-count').hidden ? '' : p.querySelector('#thread-count').textContent,
      replies: [...p.querySelectorAll('#thread-replies li.msg')].map((li) => ({
        id: li.dataset.id ?? null,
        text: li.querySelector('.msg-text')?.textContent ?? null,
        status: li.classList.contains('failed') ? 'failed' : li.classList.contains('pending') ? 'pending' : 'sent',
        edited: li.querySelector('.msg-edited') !== null,
        deleted: li.classList.contains('deleted'),
        chips: chips(li),
      })),
    };
  });
}

/** Waits (≤ 10 s) until `check(view)` holds for the open thread; returns the view. */
async function waitThread(page, check, what) {
  let view;
  await waitFor(async () => {
    view = await threadView(page);
    if (!view || !check(view)) throw new Error(`thread: ${JSON.stringify(view)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
  return view;
}

/** The reply count line under message `id` in the room's list ('' when none). */
const countLine = (page, id) => row(page, id).evaluate((li) => li.querySelector('.thread-link')?.textContent ?? '');

async function waitCount(page, id, re, what) {
  let got;
  await waitFor(async () => {
    got = await countLine(page, id);
    if (!re.test(got)) throw new Error(`count line of ${id}: ${JSON.stringify(got)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
  return got;
}

/** No reply text in the room's list (only the parent and other top-level messages). */
async function assertNotInList(page, texts, who) {
  const list = (await rendered(page)).map((m) => m.text);
  for (const t of texts) assert.ok(!list.includes(t), `${who}: "${t}" must not be in the room's list: ${JSON.stringify(list)}`);
}

/** A JSON request from the page (its session cookie) → {status, json}. */
function call(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, json: await r.json().catch(() => null) };
  }, [method, path, body]);
}

/** Waits until a room's sidebar badges are `want` ({unread, mentions} as shown, '' when none). */
async function waitBadges(page, name, want, what) {
  let got;
  await waitFor(async () => {
    got = await roomButton(page, name).evaluate((b) => ({
      unread: b.querySelector('.badge:not(.mention-badge) span')?.textContent ?? '',
      mentions: b.querySelector('.mention-badge span')?.textContent ?? '',
    }));
    if (got.unread !== want.unread || got.mentions !== want.mentions) throw new Error(`${name}: ${JSON.stringify(got)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
}

async function replyInThread(page, text) {
  const box = page.locator('#thread-input');
  await box.fill(text);
  await box.press('Enter');
}

describe('threads (Alice on node 1, Bob on node 2)', () => {
  let parentId;
  let bobReply;
  let aliceReply;

  test('Bob replies in the thread of Alice\'s message; Alice sees "1 reply" appear live; the reply is in no list', async () => {
    await send(A.page, PARENT);
    await waitTexts(B.page, [PARENT]);
    await waitFor(async () => {
      parentId = (await rendered(A.page)).filter((m) => m.text === PARENT && m.status === 'sent').at(-1)?.id;
      return parentId !== undefined;
    }, { timeout: 10000, interval: 50, what: 'the parent sent' });
    assert.equal(await countLine(A.page, parentId), '', 'no replies yet: no count line');

    const r = row(B.page, parentId);
    await r.hover();
    await r.getByRole('button', { name: 'Reply in thread' }).click();
    await panel(B.page).waitFor();
    await waitThread(B.page, (v) => v.parent === PARENT && v.replies.length === 0, 'Bob: the thread shows the parent, no replies');
    assert.equal(await B.page.evaluate(() => document.activeElement?.id), 'thread-input', 'the focus moves to the thread\'s composer');

    await replyInThread(B.page, 'the staging cluster first');
    const v = await waitThread(B.page, (x) => x.replies.length === 1 && x.replies[0].status === 'sent' && x.replies[0].id !== null,
      'Bob: his reply is sent, in the thread');
    assert.equal(v.replies[0].text, 'the staging cluster first');
    bobReply = v.replies[0].id;

    await waitCount(A.page, parentId, /^1 reply · last reply \S/, 'Alice: "1 reply" under her message, live');
    await waitCount(B.page, parentId, /^1 reply · last reply \S/, 'Bob: the same under the parent');
    await waitThread(B.page, (x) => /^1 reply · last reply /.test(x.count), 'Bob: the panel\'s count line');
    assert.equal(await threadView(A.page), null, 'Alice has no thread open');
    for (const u of [A, B]) await assertNotInList(u.page, ['the staging cluster first'], u.name);
  });

  test('Alice opens the thread from the count line, reacts to Bob\'s reply, replies and edits hers; Bob sees it live', async () => {
    await row(A.page, parentId).locator('.thread-link').click();
    await waitThread(A.page, (v) => v.parent === PARENT && v.replies.length === 1 && v.replies[0].text === 'the staging cluster first',
      'Alice: the thread shows Bob\'s reply');
    assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'thread-input', 'the focus moves to the thread\'s composer');

    const br = replyRow(A.page, bobReply);
    await br.hover();
    await br.getByRole('button', { name: 'React' }).click();
    await br.getByRole('group', { name: 'Add a reaction' }).getByRole('button', { name: '🎉' }).click();
    await waitThread(B.page, (v) => JSON.stringify(v.replies[0]?.chips) === '["🎉1"]', 'Bob sees Alice\'s reaction on his reply');
    assert.equal(await row(A.page, parentId).locator('.reaction-chip').count(), 0, 'the reaction is on the reply, not on the parent');

    await replyInThread(A.page, 'agreed, tomorow');
    const v = await waitThread(A.page, (x) => x.replies.length === 2 && x.replies[1].status === 'sent' && x.replies[1].id !== null, 'Alice: her reply is sent');
    aliceReply = v.replies[1].id;
    await waitThread(B.page, (x) => x.replies.map((r) => r.text).join('|') === 'the staging cluster first|agreed, tomorow', 'Bob: Alice\'s reply in his open thread');
    await waitCount(B.page, parentId, /^2 replies · last reply /, 'Bob: "2 replies"');

    const ar = replyRow(A.page, aliceReply);
    await ar.hover();
    await ar.getByRole('button', { name: 'Edit' }).click();
    const editor = ar.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('agreed, tomorrow');
    await editor.press('Enter');
    await waitThread(B.page, (x) => x.replies[1]?.text === 'agreed, tomorrow' && x.replies[1].edited, 'Bob sees the edit, marked (edited)');
    await waitThread(A.page, (x) => x.replies[1]?.text === 'agreed, tomorrow' && x.replies[1].edited, 'Alice sees her edit');
    await waitCount(A.page, parentId, /^2 replies · last reply /, 'Alice: "2 replies" (an edit keeps the count)');
    await shot(A.page, 'thread');
    for (const u of [A, B]) await assertNotInList(u.page, ['the staging cluster first', 'agreed, tomorow', 'agreed, tomorrow'], u.name);
  });

  test('Alice edits the parent: the count stays; after a reload the count and the replies come from the server', async () => {
    const r = row(A.page, parentId);
    await r.hover();
    await r.getByRole('button', { name: 'Edit' }).click();
    const editor = r.getByRole('textbox', { name: 'Edit message' });
    await editor.fill(`${PARENT}?`);
    await editor.press('Enter');
    await waitThread(B.page, (v) => v.parent === `${PARENT}?`, 'Bob: the panel\'s parent is edited');
    await waitCount(B.page, parentId, /^2 replies · last reply /, 'Bob: the parent\'s edit keeps "2 replies"');

    await A.page.reload();
    await waitOnline(A.page);
    await waitTexts(A.page, [`${PARENT}?`]);
    assert.equal(await threadView(A.page), null, 'no thread open after a reload');
    await waitCount(A.page, parentId, /^2 replies · last reply \S/, 'the count from history');
    await assertNotInList(A.page, ['the staging cluster first', 'agreed, tomorrow'], 'Alice after the reload');
    await row(A.page, parentId).locator('.thread-link').click();
    const v = await waitThread(A.page, (x) => x.replies.length === 2, 'the replies from GET …/replies');
    assert.deepEqual(v.replies.map((x) => [x.id, x.text, x.edited, x.chips]), [
      [bobReply, 'the staging cluster first', false, ['🎉1']],
      [aliceReply, 'agreed, tomorrow', true, []],
    ], 'oldest first, with their reactions and edits');
  });

  test('a deleted reply is a tombstone and the count drops; Escape and a room switch close the panel', async () => {
    const ar = replyRow(A.page, aliceReply);
    await ar.hover();
    await ar.getByRole('button', { name: 'Delete' }).click();
    await ar.getByRole('group', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    await waitThread(B.page, (v) => v.replies[1]?.deleted === true && v.replies[1].text === 'This message was deleted', 'Bob: a tombstone in the thread');
    await waitCount(B.page, parentId, /^1 reply · last reply /, 'Bob: back to "1 reply"');
    await waitCount(A.page, parentId, /^1 reply · last reply /, 'Alice: back to "1 reply"');

    await A.page.locator('#thread-input').focus();
    await A.page.keyboard.press('Escape');
    await panel(A.page).waitFor({ state: 'hidden' });
    assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'composer-input', 'the focus goes back to the room\'s composer');

    // Bob switches rooms (a new DM with Alice): the thread belongs to General, so it closes.
    await B.page.locator('#new-message').click();
    await B.page.locator('#people-dialog[open]').waitFor();
    await B.page.locator('#people-search').pressSequentially(A.name.slice(0, 9), { delay: 20 });
    await B.page.locator('#people-results button', { hasText: A.name }).click();
    await B.page.locator('#room-title', { hasText: A.name }).waitFor();
    await panel(B.page).waitFor({ state: 'hidden' });
    await openRoom(B.page, 'General');
    await waitCount(B.page, parentId, /^1 reply/, 'Bob: the count is still there');
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  });

  test('a reply that @mentions Alice is a mention in the badge, not unread, until she reads the thread', async () => {
    const channel = uniqueName('thr');
    assert.equal((await call(A.page, 'POST', '/rooms', { name: channel })).status, 201);
    await A.page.reload(); // (the creator's list comes with the next listing)
    await waitOnline(A.page);
    await openRoom(A.page, channel);
    const r = await call(B.page, 'POST', '/room/0/messages', { message: `@${A.name} can you check the logs?`, parentId: Number(parentId) });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(String(r.json.parentId), String(parentId));
    await waitBadges(A.page, 'General', { unread: '', mentions: '@1' }, 'Alice: a mention, no unread message');

    await openRoom(A.page, 'General');
    await waitCount(A.page, parentId, /^2 replies · last reply /, 'Alice: "2 replies"');
    await assertNotInList(A.page, [`@${A.name} can you check the logs?`], 'Alice');
    await row(A.page, parentId).locator('.thread-link').click();
    await waitThread(A.page, (v) => v.replies.at(-1)?.text === `@${A.name} can you check the logs?`, 'Alice: the mention in the thread');
    await openRoom(A.page, channel);
    await waitBadges(A.page, 'General', { unread: '', mentions: '' }, 'read to the end of the thread: no mention left');
    await A.page.reload();
    await waitOnline(A.page);
    await waitBadges(A.page, 'General', { unread: '', mentions: '' }, 'after a reload: the server moved the marker too');
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  });
});

describe('a long thread, and the phone layout', () => {
  let p; // the parent of the long thread

  test('55 replies: the newest 50, then "Load older replies" brings the 5 older ones, oldest first', async () => {
    p = await call(B.page, 'POST', '/room/0/messages', { message: 'many replies here' });
    assert.equal(p.status, 201);
    const want = [];
    for (let i = 1; i <= 55; i++) {
      const text = `r${String(i).padStart(2, '0')}`;
      want.push(text);
      const r = await call(B.page, 'POST', '/room/0/messages', { message: text, parentId: p.json.id });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    await openRoom(A.page, 'General');
    await waitTexts(A.page, ['many replies here']);
    await waitCount(A.page, p.json.id, /^55 replies · last reply /, 'Alice: "55 replies"');
    await assertNotInList(A.page, want, 'Alice');
    await row(A.page, p.json.id).locator('.thread-link').click();
    let v = await waitThread(A.page, (x) => x.replies.length === 50, 'the newest 50 replies');
    assert.deepEqual(v.replies.map((x) => x.text), want.slice(5), 'r06…r55, oldest first');
    await panel(A.page).getByRole('button', { name: 'Load older replies' }).click();
    v = await waitThread(A.page, (x) => x.replies.length === 55, 'all 55 replies');
    assert.deepEqual(v.replies.map((x) => x.text), want, 'r01…r55, each once, in order');
    await panel(A.page).getByRole('button', { name: 'Load older replies' }).waitFor({ state: 'detached' });
  });

  test('on a phone the panel covers the conversation; its close button goes back to the room', async () => {
    await A.page.setViewportSize({ width: 390, height: 760 });
    const box = await panel(A.page).boundingBox();
    assert.ok(box && box.x === 0 && box.y === 0 && box.width === 390 && box.height === 760, `the panel covers the screen: ${JSON.stringify(box)}`);
    await shot(A.page, 'thread-mobile');
    await panel(A.page).getByRole('button', { name: 'Close thread' }).click();
    await panel(A.page).waitFor({ state: 'hidden' });
    await waitTexts(A.page, ['many replies here']);
    assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'composer-input', 'the focus is back in the room\'s composer');
    await A.page.setViewportSize({ width: 1280, height: 800 });
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  });

  test('a deleted parent keeps its count; its thread stays readable and takes no new replies', async () => {
    const del = await call(B.page, 'DELETE', `/room/0/messages/${p.json.id}`);
    assert.equal(del.status, 200, JSON.stringify(del.json));
    await waitFor(async () => (await rendered(A.page)).some((m) => m.id === String(p.json.id) && m.text === 'This message was deleted'),
      { timeout: 10000, interval: 100, what: 'Alice: the parent is a tombstone' });
    await waitCount(A.page, p.json.id, /^55 replies · last reply /, 'Alice: the tombstone keeps "55 replies"');
    await row(A.page, p.json.id).locator('.thread-link').click();
    const v = await waitThread(A.page, (x) => x.replies.length === 50, 'the thread opens');
    assert.equal(v.parent, 'This message was deleted');
    assert.equal(await A.page.locator('#thread-input').isDisabled(), true, 'no new replies');
    assert.equal(await A.page.locator('#thread-note').textContent(), 'This message was deleted: the thread takes no new replies.');
    await A.page.keyboard.press('Escape');
    await panel(A.page).waitFor({ state: 'hidden' });
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  });
});
