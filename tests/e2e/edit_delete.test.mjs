// Editing and deleting messages in real browsers (docs/protocol.md: `message.edit` / `message.delete`
// frames, `message.updated` / `message.deleted` events, PATCH / DELETE /room/{id}/messages/{id}):
// Alice in two tabs on node 1, Bob on node 2, an admin (the first account of this Redis) on node 2.
// Inline editor (Escape cancels, blank and over-long text not saved, Shift+Enter, Enter saves),
// "(edited)" in every tab, delete after an inline confirmation → tombstone everywhere, no actions on
// other people's messages (except Delete for an admin), the same state from history after a reload,
// changes made while a page was away replayed on resume (and the resume cursor counting their
// positions), and refusals (`error` frames, injected by intercepting one tab's WebSocket) shown
// inline / as a toast. Every wait is bounded; no fixed sleeps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, apiSend, cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, login, newTab, newUser, registeredUser, rendered, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';

const TOMBSTONE = 'This message was deleted';
const MODERATED = 'This message was removed by a moderator';

let cluster;
let browser;
let root; // the admin's API session (first account → role admin)
let A; // Alice: {context, page (tab 1), problems, name}
let A2; // Alice's second tab
let B; // Bob
let R; // the admin in a browser

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
  const [n1, n2] = cluster.nodes;
  root = await apiRegister(n1, uniqueName('root'));
  assert.equal(root.user.role, 'admin', 'the first account of a Redis is an admin');
  A = await registeredUser(browser, n1.url, uniqueName('alice'));
  A2 = await newTab(A);
  await A2.goto('/');
  await waitOnline(A2);
  B = await registeredUser(browser, n2.url, uniqueName('bob'));
  R = { ...(await newUser(browser, n2.url)), name: root.user.username };
  await login(R.page, root.user.username, root.password);
});

after(async () => {
  await closeAll();
  await cleanup();
});

function noProblems(...users) {
  for (const u of users) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
}

const row = (page, id) => page.locator(`#messages li.msg[data-id="${id}"]`);

/** What a message row shows: text, "(edited)" mark and its tooltip, tombstone, actions, editor. */
function rowState(page, id) {
  return page.evaluate((id) => {
    const li = document.querySelector(`#messages li.msg[data-id="${id}"]`);
    if (!li) return null;
    const mark = li.querySelector('.msg-edited');
    return {
      text: li.querySelector('.msg-text')?.textContent ?? null,
      edited: mark ? mark.textContent : null,
      editedTitle: mark ? mark.title : null,
      deleted: li.classList.contains('deleted'),
      actions: [...li.querySelectorAll('.msg-actions button')].map((b) => b.textContent).filter((t) => t !== 'React' && t !== 'Reply in thread'), // (reactions.test.mjs, threads.test.mjs)
      editing: li.querySelector('.msg-edit-input') !== null,
    };
  }, String(id));
}

/** Waits until the row of message `id` shows every field of `want` (≤ 10 s). */
async function waitRow(page, id, want, what) {
  await waitFor(async () => {
    const got = await rowState(page, id);
    for (const [k, v] of Object.entries(want)) {
      if (!got || JSON.stringify(got[k]) !== JSON.stringify(v)) throw new Error(`row ${id}: ${JSON.stringify(got)}`);
    }
    return true;
  }, { timeout: 10000, interval: 100, what });
}

/** The id of the (newest) sent message with this text in the open room, once its ack came. */
async function idOf(page, text) {
  let id;
  await waitFor(async () => {
    const m = (await rendered(page)).filter((x) => x.text === text && x.status === 'sent').at(-1);
    id = m?.id;
    return id !== undefined;
  }, { timeout: 10000, interval: 50, what: `message ${JSON.stringify(text)} sent on screen` });
  return id;
}

/** Opens the inline editor of message `id` (hover → Edit) and returns the textarea. */
async function openEditor(page, id) {
  const r = row(page, id);
  await r.hover();
  await r.getByRole('button', { name: 'Edit' }).click();
  const editor = r.getByRole('textbox', { name: 'Edit message' });
  await editor.waitFor();
  return editor;
}

/** Hover → Delete → the inline confirmation's Delete. */
async function deleteWithConfirm(page, id) {
  const r = row(page, id);
  await r.hover();
  await r.getByRole('button', { name: 'Delete' }).click();
  await r.getByRole('group', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
}

describe('edit and delete (Alice in two tabs on node 1, Bob and an admin on node 2)', () => {
  let first; // the message edited, then deleted

  test('Alice edits in one tab: both tabs and Bob show the new text and "(edited)"; Bob gets no actions', async () => {
    const pages = [A.page, A2, B.page];
    await send(A.page, 'first draft');
    for (const p of pages) await waitTexts(p, ['first draft']);
    first = await idOf(A.page, 'first draft');

    // Actions on her own message, in both of her tabs; none for Bob.
    await row(A.page, first).hover();
    await row(A.page, first).getByRole('button', { name: 'Edit' }).waitFor({ state: 'visible' });
    assert.deepEqual((await rowState(A.page, first)).actions, ['Edit', 'Delete']);
    assert.deepEqual((await rowState(A2, first)).actions, ['Edit', 'Delete']);
    await row(B.page, first).hover();
    assert.deepEqual((await rowState(B.page, first)).actions, [], 'Bob cannot edit or delete Alice\'s message');

    // Escape cancels.
    let editor = await openEditor(A.page, first);
    assert.equal(await editor.inputValue(), 'first draft');
    assert.ok(await editor.evaluate((e) => e === document.activeElement), 'the editor has the focus');
    await editor.fill('never saved');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    assert.deepEqual(await rowState(A.page, first), { text: 'first draft', edited: null, editedTitle: null, deleted: false, actions: ['Edit', 'Delete'], editing: false });

    // The composer's rules: blank or over 4000 characters cannot be saved.
    editor = await openEditor(A.page, first);
    const save = row(A.page, first).getByRole('button', { name: 'Save' });
    await editor.fill('   ');
    assert.equal(await save.isDisabled(), true, 'blank: Save disabled');
    await editor.press('Enter');
    assert.equal(await editor.inputValue(), '   ', 'Enter does not save blank text');
    await editor.fill('😀'.repeat(4001));
    await row(A.page, first).locator('.msg-edit-count', { hasText: '1 character over the 4,000 limit' }).waitFor();
    assert.equal(await save.isDisabled(), true, 'over the limit: Save disabled');
    await editor.press('Enter');
    assert.equal((await rowState(A.page, first)).editing, true, 'Enter does not save an over-long text');

    // Shift+Enter adds a line, Enter saves.
    await editor.fill('final text');
    await editor.press('Shift+Enter');
    await editor.pressSequentially('second line');
    assert.equal(await editor.inputValue(), 'final text\nsecond line');
    await editor.press('Enter');
    const edited = { text: 'final text\nsecond line', edited: '(edited)', deleted: false, editing: false };
    for (const p of pages) await waitRow(p, first, edited, 'the edit in every tab');
    for (const p of pages) assert.match((await rowState(p, first)).editedTitle, /^Edited /, '"(edited)" has the edit time as its tooltip');
    assert.deepEqual((await rowState(B.page, first)).actions, []);
    await shot(B.page, 'edited');
    noProblems(A, B);
  });

  test('Alice deletes in her other tab after a confirmation: every page shows the tombstone', async () => {
    let dialogs = 0;
    A2.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });
    const r = row(A2, first);
    // Cancel keeps the message.
    await r.hover();
    await r.getByRole('button', { name: 'Delete' }).click();
    const confirm = r.getByRole('group', { name: 'Delete this message?' });
    await confirm.waitFor();
    await shot(A2, 'delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await rowState(A2, first)).text, 'final text\nsecond line');

    await deleteWithConfirm(A2, first);
    const tomb = { text: TOMBSTONE, deleted: true, edited: null, actions: [], editing: false };
    for (const p of [A2, A.page, B.page]) await waitRow(p, first, tomb, 'the tombstone in every tab');
    assert.equal(dialogs, 0, 'an in-page confirmation, no window.confirm');
    await shot(B.page, 'deleted');
    noProblems(A, B);
  });

  test('an admin may delete (not edit) other people\'s messages; a plain user may not', async () => {
    await send(B.page, 'Bob: please remove this');
    for (const p of [B.page, R.page, A.page]) await waitTexts(p, ['Bob: please remove this']);
    const id = await idOf(B.page, 'Bob: please remove this');
    assert.deepEqual((await rowState(B.page, id)).actions, ['Edit', 'Delete'], 'the author');
    assert.deepEqual((await rowState(R.page, id)).actions, ['Delete'], 'an admin: Delete only');
    assert.deepEqual((await rowState(A.page, id)).actions, [], 'another plain user: nothing');

    await deleteWithConfirm(R.page, id);
    for (const p of [R.page, B.page, A.page, A2]) await waitRow(p, id, { text: MODERATED, deleted: true, actions: [] }, 'the admin\'s delete everywhere (issue #23: it says so)');
    noProblems(A, B, R);
  });

  test('a reload shows the edited and deleted messages from history', async () => {
    await send(A.page, 'to be edited, then reloaded');
    await waitTexts(B.page, ['to be edited, then reloaded']);
    const id = await idOf(A.page, 'to be edited, then reloaded');
    const editor = await openEditor(A.page, id);
    await editor.fill('edited, then reloaded');
    await editor.press('Enter');
    await waitRow(B.page, id, { text: 'edited, then reloaded', edited: '(edited)' }, 'the edit on Bob\'s page');

    for (const p of [A.page, B.page]) {
      // Alice's editor closes when the server answered: compare only once the edit settled there too.
      await waitRow(p, id, { text: 'edited, then reloaded', edited: '(edited)' }, 'the edit settled before the reload');
      const beforeReload = (await rendered(p)).map((m) => [m.id, m.text]);
      await p.reload();
      await waitOnline(p);
      await waitFor(async () => (await rendered(p)).length === beforeReload.length, { timeout: 10000, what: 'history after the reload' });
      assert.deepEqual((await rendered(p)).map((m) => [m.id, m.text]), beforeReload, 'same messages, same order, same state');
      await waitRow(p, id, { text: 'edited, then reloaded', edited: '(edited)', deleted: false }, 'edited message from history');
      assert.match((await rowState(p, id)).editedTitle, /^Edited /);
      await waitRow(p, first, { text: TOMBSTONE, deleted: true, actions: [], edited: null }, 'tombstone from history');
    }
    noProblems(A, B);
  });

  test('changes made while a page was away are replayed on resume; its cursor counts their positions', async () => {
    const [n1] = cluster.nodes;
    const T = await apiRegister(n1, uniqueName('tom'));
    // Bob's third tab goes through an intercepted WebSocket: while `hold` is set its connections are
    // mocked (open in the page, nothing reaches the server, so it misses everything).
    const net = { hold: false, current: null, held: null, resumes: [] };
    const B3 = await newTab(B);
    await B3.routeWebSocket(/\/ws/, (ws) => {
      if (net.hold) { net.held = ws; ws.onMessage(() => {}); return; }
      const server = ws.connectToServer();
      net.current = { ws, server };
      ws.onMessage((m) => {
        try { const f = JSON.parse(String(m)); if (f.type === 'resume') net.resumes.push(f.rooms); } catch { /* not JSON */ }
        server.send(m);
      });
    });
    await B3.goto('/');
    await waitOnline(B3);
    const e = await apiSend(n1.port, T.token, '0', 'edit me while Bob is away');
    const d = await apiSend(n1.port, T.token, '0', 'delete me while Bob is away');
    await waitTexts(B3, [e.message, d.message]);

    // Cut B3 off; its reconnect lands on the mock.
    net.hold = true;
    const cut = net.current;
    await cut.ws.close({ code: 4000, reason: 'test: away' });
    await cut.server.close().catch(() => {});
    await waitFor(() => net.held !== null, { timeout: 15000, what: 'B3 reconnected to the mock' });

    // Meanwhile, over HTTP: an edit and a delete.
    const patched = await apiCall(n1.port, T.token, 'PATCH', `/room/0/messages/${e.id}`, { message: 'edited while Bob was away' });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.equal(patched.json.message, 'edited while Bob was away');
    assert.ok(patched.json.edited > 0, 'PATCH answers the message with `edited`');
    const removed = await apiCall(n1.port, T.token, 'DELETE', `/room/0/messages/${d.id}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.json));
    assert.equal(removed.json.deleted, true);
    assert.ok(removed.json.seq > d.id, 'the delete has a position after the message');
    await waitRow(A.page, e.id, { text: 'edited while Bob was away', edited: '(edited)' }, 'the edit on Alice\'s page');
    await waitRow(A.page, d.id, { text: TOMBSTONE, deleted: true }, 'the delete on Alice\'s page');
    await waitRow(B.page, d.id, { text: TOMBSTONE, deleted: true }, 'the delete on Bob\'s connected tab');
    assert.deepEqual(await rowState(B3, e.id), { text: e.message, edited: null, editedTitle: null, deleted: false, actions: [], editing: false }, 'B3 missed it');

    // Back: B3 resumes from the newest position it saw, and gets both changes replayed.
    const resumesBefore = net.resumes.length;
    net.hold = false;
    await net.held.close({ code: 4000, reason: 'test: back' });
    await waitFor(() => net.resumes.length > resumesBefore, { timeout: 15000, what: 'B3 resumed' });
    // The cursor B3 left with: the newest position it saw: its newest message, or Bob's own read
    // marker after it (a `read` event of his, docs/protocol.md §2.8), never the changes it missed.
    const left = net.resumes[resumesBefore]['0'];
    assert.ok(left >= d.id && left < patched.json.seq, `cursor ${left}: ≥ ${d.id}, < the missed edit's ${patched.json.seq}`);
    await waitRow(B3, e.id, { text: 'edited while Bob was away', edited: '(edited)' }, 'the replayed edit');
    await waitRow(B3, d.id, { text: TOMBSTONE, deleted: true }, 'the replayed delete');

    // The replayed events moved the cursor: the next resume starts after the delete's position.
    const again = net.resumes.length;
    const cur = net.current;
    await cur.ws.close({ code: 4000, reason: 'test: again' });
    await cur.server.close().catch(() => {});
    await waitFor(() => net.resumes.length > again, { timeout: 15000, what: 'B3 resumed again' });
    assert.equal(net.resumes[again]['0'], removed.json.seq, 'cursor = max(message ids, event positions)');
    await waitOnline(B3);
    const texts = (await rendered(B3)).map((m) => m.id);
    assert.equal(new Set(texts).size, texts.length, 'no message twice');
    noProblems(A, B);
    await B3.close();
  });
});

describe('refusals (error frames injected into one tab\'s WebSocket)', () => {
  test('a refused edit shows its error in the editor; a refused delete shows a toast; nothing changes', async () => {
    const A3 = await newTab(A);
    await A3.routeWebSocket(/\/ws/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        let f = null;
        try { f = JSON.parse(String(m)); } catch { /* not JSON */ }
        const refuse = (code, message) => ws.send(JSON.stringify({ type: 'error', data: { code, message, clientId: f.clientId } }));
        if (f?.type === 'message.edit' && f.message.includes('[refuse]')) refuse('forbidden', 'not the author');
        else if (f?.type === 'message.delete') refuse('not_found', 'no such message');
        else server.send(m);
      });
    });
    await A3.goto('/');
    await waitOnline(A3);
    await send(A3, 'refusal target');
    await waitTexts(A3, ['refusal target']);
    const id = await idOf(A3, 'refusal target');

    const editor = await openEditor(A3, id);
    await editor.fill('edited [refuse]');
    await editor.press('Enter');
    await row(A3, id).getByRole('alert').filter({ hasText: 'Not saved: You can only edit your own messages.' }).waitFor();
    assert.equal(await editor.inputValue(), 'edited [refuse]', 'the draft is kept');
    assert.equal(await row(A3, id).getByRole('button', { name: 'Save' }).isDisabled(), false, 'can try again');
    assert.ok(await editor.evaluate((e) => e === document.activeElement), 'the editor keeps the focus');
    await shot(A3, 'edit-refused');
    await editor.press('Escape');
    await waitRow(A3, id, { text: 'refusal target', edited: null, editing: false }, 'unchanged after the refusal');

    await deleteWithConfirm(A3, id);
    await A3.locator('#toasts .toast', { hasText: 'The message was not deleted: This message no longer exists.' }).waitFor();
    await waitRow(A3, id, { text: 'refusal target', deleted: false, actions: ['Edit', 'Delete'] }, 'not deleted, actions back');
    await waitRow(A.page, id, { text: 'refusal target', edited: null, deleted: false }, 'the other tab: unchanged');
    noProblems(A);
    await A3.close();
  });
});

test('nodes shut down cleanly (SIGTERM → exit 0) with browsers connected', async () => {
  for (const n of cluster.nodes) await n.stop();
});
