// Channel management in the browser (issue #23, docs/protocol.md): Ann (node 1) creates a private
// channel with a topic and manages it from its settings dialog; Bob (node 2, a plain user) sees every
// change live over his connection: the invitation brings the channel into his sidebar, a rename and a
// new topic reach his sidebar, header and open settings, "Make owner" makes his open settings editable
// (and Ann's read-only) until he gives it back, archiving replaces his message box with the
// notice (history stays readable, no React/Edit) and unarchiving brings it back, Remove takes the
// channel from his sidebar with "You were removed from #…", and Delete (after a confirmation) with
// "#… was deleted.". Bob's settings are read-only. The first account (admin) is registered over the
// API so that Ann is a plain owner.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newTab, openRoom, rendered, registeredUser, roomButton, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';
import { settingsChanges } from '../../web/js/views/channel_settings.js';
import { sortMembers } from '../../web/js/views/channel_members.js';

const LIVE_MS = 5000; // an event reaches the other node's browser well within this

test('what Save sends; the member order (no browser)', () => {
  const room = { name: 'ops', topic: 'on call', private: false };
  assert.deepEqual(settingsChanges(room, { name: ' ops ', topic: 'on call', isPrivate: false }), {}, 'nothing changed');
  assert.deepEqual(settingsChanges(room, { name: 'ops-2', topic: '', isPrivate: true }), { name: 'ops-2', topic: '', private: true });
  assert.deepEqual(settingsChanges(room, { name: '', topic: 'x', isPrivate: false }), { topic: 'x' }, 'a blank name is never sent');
  const rows = sortMembers([{ id: '3', username: 'cid', online: true }, { id: '2', username: 'bob', online: false }, { id: '1', username: 'zed', online: false }, { id: '4', username: 'amy', online: true }], '1');
  assert.deepEqual(rows.map((u) => u.id), ['1', '4', '3', '2'], 'owner first, then online, then by name');
});

describe('channel management in the browser (Ann owns, on node 1; Bob on node 2)', () => {
  let cluster;
  let browser;
  let A;
  let B;
  let roomId;
  let name = uniqueName('chan');
  const topic = 'Release planning & on-call';

  const toast = (page, text) => page.locator('.toast', { hasText: text }).waitFor({ timeout: LIVE_MS });
  const settings = (page) => page.locator('#settings-dialog');
  async function openSettings(page) {
    await page.locator('#room-settings').click();
    await page.locator('#settings-dialog[open]').waitFor();
    await page.locator('#settings-members[aria-busy="false"] .member-row').first().waitFor();
  }
  async function closeSettings(page) {
    await settings(page).getByRole('button', { name: 'Close' }).click();
    await settings(page).waitFor({ state: 'hidden' });
  }
  async function invite(page, username) {
    await page.locator('#invite-search').pressSequentially(username.slice(0, 9), { delay: 15 });
    await page.getByRole('button', { name: `Invite ${username}`, exact: true }).click();
    await page.locator('#settings-members .member-row', { hasText: username }).waitFor({ timeout: LIVE_MS });
  }

  before(async () => {
    cluster = await startCluster(2);
    browser = await launch();
    const admin = await apiRegister(cluster.nodes[1], uniqueName('chanadm')); // the first account: admin
    assert.equal(admin.user.role, 'admin');
    A = await registeredUser(browser, cluster.nodes[0].url, uniqueName('chanann'));
    B = await registeredUser(browser, cluster.nodes[1].url, uniqueName('chanbob'));
  });

  after(async () => {
    await closeAll();
    await cleanup();
  });

  test('(a) Ann creates a private channel with a topic: the lock, the topic; not listed publicly', async () => {
    await A.page.locator('#browse-channels').click();
    await A.page.locator('#channels-dialog[open]').waitFor();
    await A.page.locator('#channel-name').fill(name);
    await A.page.locator('#channel-topic').fill(topic);
    await A.page.locator('#channel-private').check();
    await A.page.locator('#create-channel').getByRole('button', { name: 'Create' }).click();
    await A.page.locator('#channels-dialog').waitFor({ state: 'hidden' });
    await A.page.locator('#room-title', { hasText: name }).waitFor();
    roomId = await A.page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('room'));
    assert.ok(roomId, 'the new channel is open');
    assert.equal(await A.page.locator('#room-title .room-lock').count(), 1, 'a lock in the header');
    assert.equal(await A.page.locator('#room-subtitle').textContent(), topic);
    assert.equal(await roomButton(A.page, name).locator('.room-hash .lock-icon').count(), 1, 'a lock in the sidebar');
    assert.equal(await A.page.locator('#room-settings').isVisible(), true, 'the settings button');
    const pub = await B.page.evaluate(async () => (await fetch('/rooms/public?limit=100')).json());
    assert.ok(!pub.channels.some((c) => String(c.id) === roomId), 'a private channel is not in the public list');
    await shot(A.page, 'channels-created');
  });

  test('(b) an invitation brings the channel into Bob\'s sidebar live; his settings are read-only', async () => {
    await openSettings(A.page);
    assert.equal(await A.page.locator('#settings-name').inputValue(), name);
    assert.equal(await A.page.locator('#settings-private').isChecked(), true);
    const owner = A.page.locator('#settings-members .member-row[data-owner="1"]');
    assert.match(await owner.textContent(), /\(you\).*Owner/);
    await invite(A.page, B.name);
    await shot(A.page, 'channels-settings-owner');
    await closeSettings(A.page);

    await roomButton(B.page, name).waitFor({ timeout: LIVE_MS });
    await waitFor(async () => (await roomButton(B.page, name).locator('.room-hash .lock-icon').count()) === 1,
      { timeout: LIVE_MS, interval: 50, what: 'the lock on Bob\'s invited channel' });
    await openRoom(B.page, name);
    await waitFor(async () => (await B.page.locator('#room-subtitle').textContent()) === topic, { timeout: LIVE_MS, interval: 50, what: 'the topic in Bob\'s header' });

    await openSettings(B.page);
    assert.equal(await B.page.locator('#settings-name').evaluate((i) => i.readOnly), true, 'the name is read-only');
    assert.equal(await B.page.locator('#settings-private').isDisabled(), true);
    for (const id of ['#settings-save', '#settings-archive', '#settings-delete', '#invite-box']) {
      assert.equal(await B.page.locator(id).isVisible(), false, `${id} hidden for a member`);
    }
    assert.equal(await B.page.locator('#settings-members').getByRole('button', { name: /^Remove/ }).count(), 0, 'no Remove');
    assert.equal(await B.page.locator('#settings-leave').isVisible(), true, 'a member can leave');
    assert.match(await B.page.locator('#settings-members .member-row[data-owner="1"]').textContent(), new RegExp(`${A.name}.*Owner`));
    await shot(B.page, 'channels-settings-member');
    // Stays open: the rename below must show in it live.
  });

  test('(c) a rename and a new topic reach Bob live: sidebar, header and his open settings', async () => {
    const next = `${name}-x`;
    const topic2 = 'Only the new topic';
    await openSettings(A.page);
    await A.page.locator('#settings-name').fill(next);
    await A.page.locator('#settings-topic').fill(topic2);
    await A.page.getByRole('button', { name: 'Save changes' }).click();
    await A.page.locator('#room-title', { hasText: next }).waitFor({ timeout: LIVE_MS });
    assert.equal(await A.page.locator('#settings-error').isVisible(), false);
    await closeSettings(A.page);
    name = next;

    await waitFor(async () => (await B.page.locator('#settings-name').inputValue()) === next
      && (await B.page.locator('#settings-topic').inputValue()) === topic2, { timeout: LIVE_MS, interval: 50, what: 'Bob\'s open settings updated' });
    assert.equal(await B.page.locator('#settings-title').textContent(), `#${next}`);
    await closeSettings(B.page);
    await B.page.locator('#room-title', { hasText: next }).waitFor({ timeout: LIVE_MS });
    assert.equal(await B.page.locator('#room-subtitle').textContent(), topic2);
    await roomButton(B.page, next).waitFor();
  });

  test('(c2) Make owner: Bob\'s open settings become editable live, Ann\'s read-only; Bob gives it back', async () => {
    await openSettings(B.page);
    await openSettings(A.page);
    await A.page.getByRole('button', { name: `Make owner ${B.name}`, exact: true }).click();
    await B.page.locator('#settings-save').waitFor({ state: 'visible', timeout: LIVE_MS });
    assert.equal(await B.page.locator('#settings-name').evaluate((i) => i.readOnly), false, 'Bob may edit now');
    assert.match(await B.page.locator('#settings-role').textContent(), /You own it\./);
    await A.page.locator('#settings-save').waitFor({ state: 'hidden', timeout: LIVE_MS });
    await A.page.locator('#settings-members .member-row[data-owner="1"]', { hasText: B.name }).waitFor({ timeout: LIVE_MS });
    await closeSettings(A.page);
    await B.page.locator('#settings-members .member-row[data-owner="1"]', { hasText: B.name }).waitFor({ timeout: LIVE_MS });
    await B.page.getByRole('button', { name: `Make owner ${A.name}`, exact: true }).click();
    await B.page.locator('#settings-save').waitFor({ state: 'hidden', timeout: LIVE_MS });
    await closeSettings(B.page);
  });

  test('(d) archive: Bob\'s message box gives way to the notice, history stays; unarchive brings it back', async () => {
    await send(B.page, 'before the archive');
    await waitTexts(A.page, ['before the archive']);
    // A stale tab of Bob's: its WebSocket never delivers room.updated, so it still shows the message box.
    const B3 = await newTab(B);
    await B3.routeWebSocket(/\/ws/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        const lines = String(m).split('\n').filter((l) => !l.includes('"type":"room.updated"'));
        if (lines.length) ws.send(lines.join('\n'));
      });
    });
    await B3.goto(`/#room=${encodeURIComponent(roomId)}`);
    await waitOnline(B3);
    await B3.locator('#room-title', { hasText: name }).waitFor();
    await openSettings(A.page);
    await A.page.getByRole('button', { name: 'Archive channel' }).click();
    await A.page.getByRole('button', { name: 'Unarchive channel' }).waitFor({ timeout: LIVE_MS });
    await closeSettings(A.page);

    const notice = B.page.locator('#archived-notice');
    await notice.waitFor({ state: 'visible', timeout: LIVE_MS });
    assert.match(await notice.textContent(), /This channel is archived\./);
    assert.equal(await B.page.locator('#composer').isVisible(), false, 'no message box');
    assert.match(await B.page.locator('#room-subtitle').textContent(), /^Archived/);
    const mine = (await rendered(B.page)).find((m) => m.text === 'before the archive');
    assert.ok(mine && mine.status === 'sent', 'the history stays readable');
    const row = B.page.locator(`#messages li.msg[data-id="${mine.id}"]`);
    await row.hover();
    assert.equal(await row.locator('.msg-action').count(), 0, 'no React, Reply, Edit or Delete on a plain member\'s row');
    const ownerView = A.page.locator(`#messages li.msg[data-id="${mine.id}"]`);
    await ownerView.hover();
    assert.deepEqual(await ownerView.locator('.msg-action').allTextContents(), ['Delete'], 'the owner still removes a member\'s message');
    assert.equal(await A.page.locator('#composer').isVisible(), false, 'read-only for the owner too');
    // The server refuses a send all the same (a stale page would get the `archived` error).
    const refused = await B.page.evaluate(async (id) => {
      const r = await fetch(`/room/${encodeURIComponent(id)}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: 'x' }) });
      return { status: r.status, body: await r.json() };
    }, roomId);
    assert.deepEqual([refused.status, refused.body.error], [403, 'archived']);
    await shot(B.page, 'channels-archived');

    // The stale tab sends: the server's `archived` refusal fails the message (kept, with Retry) and
    // makes the channel read-only there too.
    assert.equal(await B3.locator('#composer').isVisible(), true, 'the stale tab did not hear of the archive');
    await send(B3, 'sent to an archived channel');
    await waitFor(async () => (await rendered(B3)).some((m) => m.text === 'sent to an archived channel' && m.status === 'failed'),
      { timeout: LIVE_MS, interval: 50, what: 'the refused message shown as failed' });
    const failed = B3.locator('#messages li.msg.failed', { hasText: 'sent to an archived channel' });
    assert.match(await failed.locator('.msg-failed').textContent(), /Not sent: This channel is archived\./);
    assert.equal(await failed.getByRole('button', { name: 'Retry' }).count(), 1, 'Retry is offered');
    await B3.locator('#archived-notice').waitFor({ state: 'visible', timeout: LIVE_MS });
    await shot(B3, 'channels-archived-refused');
    await B3.close();

    await openSettings(A.page);
    await A.page.getByRole('button', { name: 'Unarchive channel' }).click();
    await A.page.getByRole('button', { name: 'Archive channel' }).waitFor({ timeout: LIVE_MS });
    await closeSettings(A.page);
    await B.page.locator('#composer').waitFor({ state: 'visible', timeout: LIVE_MS });
    assert.equal(await notice.isVisible(), false);
    await send(B.page, 'after the unarchive');
    await waitTexts(A.page, ['after the unarchive']);
  });

  test('(e) Remove: the channel leaves Bob\'s sidebar live, General opens, the notice says why', async () => {
    await openSettings(A.page);
    await A.page.getByRole('button', { name: `Remove ${B.name}`, exact: true }).click();
    await A.page.locator('#settings-members .member-row', { hasText: B.name }).waitFor({ state: 'detached', timeout: LIVE_MS });
    await closeSettings(A.page);

    await roomButton(B.page, name).waitFor({ state: 'detached', timeout: LIVE_MS });
    await B.page.locator('#room-title', { hasText: 'General' }).waitFor({ timeout: LIVE_MS });
    await toast(B.page, `You were removed from #${name}.`);
    await shot(B.page, 'channels-removed');
    const r = await B.page.evaluate(async (id) => (await fetch(`/room/${encodeURIComponent(id)}/messages?limit=1`)).status, roomId);
    assert.equal(r, 403, 'no history for a removed member');
  });

  test('(f) Delete after a confirmation: gone for the owner and for an invited member, with the notice', async () => {
    await openSettings(A.page);
    await invite(A.page, B.name);
    await roomButton(B.page, name).waitFor({ timeout: LIVE_MS });
    await A.page.getByRole('button', { name: 'Delete channel…' }).click();
    const confirm = A.page.locator('#settings-confirm');
    await confirm.waitFor({ state: 'visible' });
    assert.match(await confirm.textContent(), new RegExp(`Delete #${name} and all its messages`));
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await settings(A.page).waitFor({ state: 'hidden', timeout: LIVE_MS });
    await roomButton(A.page, name).waitFor({ state: 'detached', timeout: LIVE_MS });
    await A.page.locator('#room-title', { hasText: 'General' }).waitFor();
    await toast(A.page, `#${name} was deleted.`);

    await roomButton(B.page, name).waitFor({ state: 'detached', timeout: LIVE_MS });
    await toast(B.page, `#${name} was deleted.`);
    const gone = await apiCall(cluster.nodes[0].port, (await apiRegister(cluster.nodes[0], uniqueName('chanchk'))).token, 'GET', `/rooms/${roomId}/members`);
    assert.equal(gone.status, 404, 'the channel is gone');
    assert.deepEqual(A.problems.filter((p) => !/status of 40[34]/.test(p)), [], 'no page errors (Ann)');
    assert.deepEqual(B.problems.filter((p) => !/status of 40[34]/.test(p)), [], 'no page errors (Bob)');
  });
});
