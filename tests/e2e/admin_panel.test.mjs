// The admin panel (issue #23, web/admin/): the Users table, its row actions and the audit view in a
// real browser. The admin (first account, node 1) changes a user's role, mutes and unmutes, bans and
// unbans, and disconnects the user (signed in on node 2): each action shows in the row (live, no
// reload) and as an entry of the audit log. A moderator's panel (node 2) has the tables and the audit
// log but no role control and no node table. Channels table: archive / unarchive and delete (confirmed)
// with the lead's channel routes (PATCH / DELETE /rooms/{id}). Screenshots: admin-panel*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, shot, waitOnline } from './lib/browser.mjs';

describe('admin panel (admin on node 1, user and moderator on node 2)', () => {
  let cluster;
  let browser;
  let admin; // browser user
  let U; // browser user, the target
  let uid;
  let mod; // API session, then a browser user
  let channelId = null; // the Channels table's channel
  let channelName = null;
  const uname = uniqueName('target');
  const adminCall = (method, path, body) => apiCall(cluster.nodes[0].port, admin.token, method, path, body);

  const row = (page, id) => page.locator(`#users tr[data-id="${id}"]`);
  const cellText = async (page, id, cls) => ((await row(page, id).locator(`.${cls}`).textContent()) ?? '').trim();
  const waitCell = (page, id, cls, test, what) => waitFor(async () => test(await cellText(page, id, cls)),
    { timeout: 10000, interval: 100, what });
  /** Waits for the newest audit entry of `action` whose user is the target. */
  const waitAudit = (page, action) => page.locator('#audit tr', {
    has: page.locator('.c-action', { hasText: new RegExp(`^${action}$`) }),
  }).filter({ has: page.locator('.c-target', { hasText: uname }) }).first().waitFor({ timeout: 10000 });

  before(async () => {
    cluster = await startCluster(2);
    browser = await launch();
    admin = { ...(await newUser(browser, cluster.nodes[0].url)), name: uniqueName('root') };
    await register(admin.page, admin.name); // the first account: an admin
    admin.token = (await admin.context.cookies()).find((c) => c.name === 'chat_session').value;
    U = await newUser(browser, cluster.nodes[1].url);
    await register(U.page, uname);
    uid = (await U.page.evaluate(async () => (await fetch('/me')).json())).id;
    mod = await apiRegister(cluster.nodes[1], uniqueName('mod'));
    const r = await adminCall('PUT', `/admin/users/${mod.user.id}/role`, { role: 'moderator' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  after(async () => {
    await closeAll();
    await cleanup();
  });

  test('the admin opens the panel: node table, the user online in the Users table', async () => {
    await admin.page.locator('#admin-link').click();
    await admin.page.waitForURL('**/admin');
    await admin.page.locator('#main').waitFor({ state: 'visible' });
    assert.equal(await admin.page.locator('#cluster').isVisible(), true, 'admins see the node table');
    await row(admin.page, uid).waitFor();
    await waitCell(admin.page, uid, 'c-online', (t) => t === 'online', 'the user online');
    assert.equal(await cellText(admin.page, uid, 'c-mod'), '–');
    assert.match(await cellText(admin.page, uid, 'c-created'), /just now|min ago/);
    // search narrows the table to the name prefix (case-insensitive)
    await admin.page.locator('#users-q').fill(uname.slice(0, 8).toUpperCase());
    await waitFor(async () => (await admin.page.locator('#users tr').count()) === 1, { timeout: 5000, what: 'one row after the search' });
    assert.equal(await row(admin.page, uid).count(), 1);
    await shot(admin.page, 'admin-panel');
  });

  test('role change from the row: shows in the row and in the audit log', async () => {
    const select = row(admin.page, uid).locator('select.role-select');
    await select.selectOption('moderator');
    await waitAudit(admin.page, 'set_role');
    assert.equal((await adminCall('GET', `/admin/users?q=${encodeURIComponent(uname)}`)).json.users[0].role, 'moderator');
    await select.selectOption('user'); // back, so a moderator may act on the user later
    await waitFor(async () => (await adminCall('GET', `/admin/users?q=${encodeURIComponent(uname)}`)).json.users[0].role === 'user',
      { timeout: 5000, what: 'role back to user' });
    assert.equal(await select.inputValue(), 'user');
  });

  test('mute everywhere (1 hour) and unmute from the row', async () => {
    await row(admin.page, uid).locator('.act-mute').click();
    await admin.page.locator('#act-dialog').waitFor({ state: 'visible' });
    await admin.page.locator('#act-duration').selectOption({ label: '1 hour' });
    await admin.page.locator('#act-confirm').click();
    await waitCell(admin.page, uid, 'c-mod', (t) => t.startsWith('muted everywhere until '), 'muted in the row');
    await waitAudit(admin.page, 'mute');
    const r = await apiCall(cluster.nodes[1].port, mod.token, 'GET', `/admin/users?q=${encodeURIComponent(uname)}`);
    const until = r.json.users[0].muted[0].until;
    assert.ok(until > Date.now() + 3500000 && until <= Date.now() + 3600000, `a 1-hour mute: ${until}`);
    await row(admin.page, uid).locator('.act-unmute').click();
    await waitCell(admin.page, uid, 'c-mod', (t) => t === '–', 'unmuted in the row');
    await waitAudit(admin.page, 'unmute');
  });

  test('disconnect from the row: the user\'s page is disconnected, the row goes offline', async () => {
    await row(admin.page, uid).locator('.act-kick').click();
    await U.page.locator('#banner').filter({ hasText: 'You were disconnected by an administrator.' }).waitFor({ timeout: 5000 });
    await waitCell(admin.page, uid, 'c-online', (t) => t === 'offline', 'offline in the row');
    await waitCell(admin.page, uid, 'c-seen', (t) => t === 'just now', 'last seen just now');
    await waitAudit(admin.page, 'disconnect');
    assert.equal(await row(admin.page, uid).locator('.act-kick').isVisible(), false, 'no Disconnect for an offline user');
  });

  test('ban with a reason (until lifted) and unban from the row', async () => {
    await row(admin.page, uid).locator('.act-ban').click();
    await admin.page.locator('#act-reason').fill('spam <b>links</b>');
    await admin.page.locator('#act-duration').selectOption({ label: 'Until lifted' });
    await admin.page.locator('#act-confirm').click();
    await waitCell(admin.page, uid, 'c-mod', (t) => t === 'banned until lifted: spam <b>links</b>', 'banned in the row');
    await waitAudit(admin.page, 'ban');
    const entry = admin.page.locator('#audit tr', { has: admin.page.locator('.c-action', { hasText: /^ban$/ }) }).first();
    assert.match(await entry.locator('.c-details').textContent(), /reason: spam <b>links<\/b>/);
    await shot(admin.page, 'admin-panel-banned');
    await row(admin.page, uid).locator('.act-unban').click();
    await waitCell(admin.page, uid, 'c-mod', (t) => t === '–', 'unbanned in the row');
    await waitAudit(admin.page, 'unban');
    assert.deepEqual(admin.problems, [], 'no page or console errors (CSP) on the panel');
  });

  test('"Load more" pages the Users table; a live refresh keeps every row shown and the search text', async () => {
    const prefix = `pg${Math.random().toString(36).slice(2, 6)}_`;
    for (let i = 0; i < 52; i++) await apiRegister(cluster.nodes[0], `${prefix}${String(i).padStart(2, '0')}`);
    const q = admin.page.locator('#users-q');
    await q.fill(prefix.toUpperCase());
    const rows = admin.page.locator('#users tr');
    await waitFor(async () => (await rows.count()) === 50, { timeout: 5000, what: 'the first page of 50' });
    assert.equal((await rows.first().locator('.name').textContent()), `${prefix}00`);
    await admin.page.locator('#users-more').click();
    await waitFor(async () => (await rows.count()) === 52, { timeout: 5000, what: '52 rows after Load more' });
    assert.equal(await admin.page.locator('#users-more').isVisible(), false, 'no more pages');
    const stamp = await admin.page.locator('#status').textContent();
    await waitFor(async () => (await admin.page.locator('#status').textContent()) !== stamp, { timeout: 8000, what: 'a live refresh' });
    assert.equal(await rows.count(), 52, 'the refresh kept both pages');
    assert.equal(await q.inputValue(), prefix.toUpperCase(), 'the search text stays');
    await q.fill(uname);
    await waitFor(async () => (await rows.count()) === 1, { timeout: 5000, what: 'back to the target' });
  });

  test('the Channels table: a new channel with its members, messages and last activity, live', async () => {
    const name = uniqueName('chan');
    channelName = name;
    const made = await adminCall('POST', '/rooms', { name });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    channelId = made.json.id;
    for (const text of ['one', 'two']) assert.equal((await adminCall('POST', `/room/${channelId}/messages`, { message: text })).status, 201);
    const tr = admin.page.locator(`#rooms tr[data-id="${channelId}"]`);
    await tr.waitFor({ timeout: 8000 });
    const text = async (cls) => ((await tr.locator(`.${cls}`).textContent()) ?? '').trim();
    await waitFor(async () => (await text('c-messages')) === '2', { timeout: 8000, what: '2 messages' });
    assert.equal(await text('c-members'), '1');
    assert.equal(await text('c-last'), 'just now');
    assert.equal(await text('c-visibility'), 'public');
    assert.equal(await text('c-state'), 'active');
    assert.equal(await tr.locator('.act-archive').isVisible(), true, 'an admin may archive');
  });

  test('archive, unarchive and delete (confirmed) a channel from the Channels table', async () => {
    const tr = admin.page.locator(`#rooms tr[data-id="${channelId}"]`);
    const state = () => tr.locator('.c-state').textContent();
    await tr.locator('.act-archive').click();
    await waitFor(async () => (await state()) === 'archived', { timeout: 8000, what: 'archived in the row' });
    assert.equal(await tr.locator('.act-unarchive').isVisible(), true);
    const send = await adminCall('POST', `/room/${channelId}/messages`, { message: 'read-only?' });
    assert.equal(send.status, 403, 'an archived channel is read-only');
    await tr.locator('.act-unarchive').click();
    await waitFor(async () => (await state()) === 'active', { timeout: 8000, what: 'active again' });
    // Delete asks first: Cancel keeps it, OK deletes it
    admin.page.once('dialog', (d) => d.dismiss());
    await tr.locator('.act-delete').click();
    await admin.page.waitForTimeout(500);
    assert.equal(await tr.count(), 1, 'kept after Cancel');
    admin.page.once('dialog', (d) => d.accept());
    await tr.locator('.act-delete').click();
    await tr.waitFor({ state: 'detached', timeout: 8000 });
    // both in the audit view, by the channel's name
    for (const action of ['update_channel', 'delete_channel']) {
      await admin.page.locator('#audit tr', { has: admin.page.locator('.c-action', { hasText: new RegExp(`^${action}$`) }) })
        .filter({ hasText: `#${channelName}` }).first().waitFor({ timeout: 10000 });
    }
    assert.equal((await adminCall('GET', `/rooms/${channelId}/members`)).status, 404, 'the channel is gone');
    channelId = null;
  });

  test('a moderator\'s panel: tables and audit, no role control, no node table', async () => {
    const m = await newUser(browser, cluster.nodes[1].url);
    await m.context.addCookies([{ name: 'chat_session', value: mod.token, url: cluster.nodes[1].url }]);
    await m.page.goto('/');
    await waitOnline(m.page);
    await m.page.locator('#admin-link').click(); // moderators get the Admin link too
    await m.page.waitForURL('**/admin');
    await m.page.locator('#main').waitFor({ state: 'visible' });
    await m.page.locator('#users tr').first().waitFor();
    assert.equal(await m.page.locator('select.role-select').count(), 0, 'no role control on any row');
    const adminId = (await adminCall('GET', '/me')).json.id;
    await m.page.locator('#users-q').fill(admin.name);
    await row(m.page, adminId).waitFor();
    assert.equal(await row(m.page, adminId).locator('.act-ban').isVisible(), false, 'no actions on an admin');
    await m.page.locator('#users-q').fill(uname);
    await row(m.page, uid).waitFor();
    assert.equal(await m.page.locator('#cluster').isVisible(), false, 'no node table for a moderator');
    assert.equal(await m.page.locator('select.role-select').count(), 0, 'no role control');
    assert.equal(await cellText(m.page, uid, 'c-role'), 'user');
    assert.equal(await row(m.page, uid).locator('.act-ban').isVisible(), true, 'a moderator may ban a user');
    await m.page.locator('#audit tr').first().waitFor();
    if (channelId) {
      await m.page.locator(`#rooms tr[data-id="${channelId}"]`).waitFor();
      assert.equal(await m.page.locator('#rooms .act-archive, #rooms .act-delete').count(), 0, 'no channel actions for a moderator');
      assert.equal(await m.page.locator('#rooms-table th.admin-only').isVisible(), false, 'no Actions column');
    }
    // a moderator's action from the panel
    await row(m.page, uid).locator('.act-mute').click();
    await m.page.locator('#act-duration').selectOption({ label: 'Until lifted' });
    await m.page.locator('#act-confirm').click();
    await waitCell(m.page, uid, 'c-mod', (t) => t === 'muted everywhere until lifted', 'muted by the moderator');
    await waitCell(admin.page, uid, 'c-mod', (t) => t === 'muted everywhere until lifted', 'live on the admin\'s panel');
    await shot(m.page, 'admin-panel-moderator');
    assert.deepEqual(m.problems, [], 'no page or console errors on the moderator\'s panel');
  });
});
