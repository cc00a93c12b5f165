// Moderation as the web client shows it (issue #23, docs/protocol.md §1.1, §2.5). The first account
// of the fresh Redis (registered over the API on node 2) is the admin; the user signs in in the
// browser on node 1. (a) An admin disconnect (close 4001) shows "You were disconnected by an
// administrator." and no reconnect happens by itself; Reconnect connects again. (b) A mute refuses a
// message (failed, no toast) and shows the muted notice with its end; after the unmute a message is
// sent and the notice is gone. (c) A ban (close 4003) shows the banned screen, no reconnect attempt;
// signing in again shows the ban's reason. Plus the texts and close codes without a browser.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, cleanup, sleep, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, rendered, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';
import { closeAction } from '../../web/js/live.js';
import { bannedText, formatUntil, mutedText } from '../../web/js/views/moderation_notice.js';

const NO_RECONNECT_MS = 3000; // a retry would start within 0.5–1 s (backoff), a drain at once

test('texts and close codes (no browser)', () => {
  assert.equal(closeAction(4001), 'kicked');
  assert.equal(closeAction(4003), 'banned');
  assert.equal(closeAction(4001, true), 'kicked', 'a drain hint does not turn a disconnect into a reconnect');
  assert.equal(mutedText(null), 'You are muted until a moderator lifts it.');
  const now = Date.UTC(2026, 0, 10, 12, 0);
  assert.equal(mutedText(now + 60000, now), `You are muted until ${formatUntil(now + 60000, now)}.`);
  assert.match(formatUntil(now + 3 * 86400000, now), /2026/, 'another day: with its date');
  assert.equal(bannedText({ reason: 'spam', until: null }), 'This account is banned: spam (until lifted).');
  assert.equal(bannedText({ reason: '', until: now + 86400000 }, now), `This account is banned (until ${formatUntil(now + 86400000, now)}).`);
});

describe('moderation in the browser (user on node 1, admin API on node 2)', () => {
  let cluster;
  let browser;
  let admin;
  let U;
  let userId;
  const sockets = [];
  const name = uniqueName('modu');
  const adminCall = (method, path, body) => apiCall(cluster.nodes[1].port, admin.token, method, path, body);
  const connState = () => U.page.locator('#conn-state').textContent();

  before(async () => {
    cluster = await startCluster(2);
    browser = await launch();
    admin = await apiRegister(cluster.nodes[1], uniqueName('modadm')); // first account: admin
    assert.equal(admin.user.role, 'admin');
    U = await newUser(browser, cluster.nodes[0].url);
    U.page.on('websocket', (ws) => sockets.push(ws));
    await register(U.page, name);
    userId = (await U.page.evaluate(async () => (await fetch('/me')).json())).id;
    assert.ok(userId, 'the user has an id');
  });

  after(async () => {
    await closeAll();
    await cleanup();
  });

  test('(a) disconnect (4001): the notice, no reconnect by itself; Reconnect connects again', async () => {
    const opened = sockets.length;
    const r = await adminCall('POST', `/admin/users/${userId}/disconnect`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const banner = U.page.locator('#banner');
    await banner.filter({ hasText: 'You were disconnected by an administrator.' }).waitFor({ timeout: 5000 });
    assert.equal(await U.page.locator('#conn-state').getAttribute('data-close-code'), '4001');
    await shot(U.page, 'moderation-disconnected');
    await sleep(NO_RECONNECT_MS);
    assert.equal(sockets.length, opened, 'no WebSocket opened by itself after 4001');
    assert.equal(await connState(), 'Disconnected');
    assert.ok(await banner.isVisible(), 'the notice stays');
    const reconnect = U.page.getByRole('button', { name: 'Reconnect' });
    assert.ok(await reconnect.isVisible(), 'a Reconnect button');

    await reconnect.click();
    await waitOnline(U.page, 10000);
    assert.equal(sockets.length, opened + 1, 'one new WebSocket after Reconnect');
    assert.equal(await reconnect.isVisible(), false, 'the Reconnect button is gone');
    await send(U.page, 'back after the disconnect');
    await waitTexts(U.page, ['back after the disconnect']);
  });

  test('(b) mute: a message is refused with the muted notice (no toast); after the unmute it is sent', async () => {
    const until = Date.now() + 60000;
    const r = await adminCall('POST', `/admin/users/${userId}/mute`, { until });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await send(U.page, 'while muted');
    await waitFor(async () => (await rendered(U.page)).some((m) => m.text === 'while muted' && m.status === 'failed'),
      { timeout: 5000, interval: 50, what: 'the muted message shown as failed' });
    const notice = U.page.locator('#mute-notice');
    await notice.waitFor({ state: 'visible', timeout: 5000 });
    const want = await U.page.evaluate(async (u) => (await import('/js/views/moderation_notice.js')).mutedText(u), until);
    assert.match(want, /^You are muted until \S/);
    assert.equal((await notice.textContent()).trim(), want);
    assert.equal(await notice.getAttribute('data-until'), String(until), 'the end the server sent');
    assert.equal(await U.page.locator('.toast').count(), 0, 'no toast for the refusal');
    await shot(U.page, 'moderation-muted');

    // A reaction while muted: refused, the same notice, still no toast.
    const sent = (await rendered(U.page)).find((m) => m.text === 'back after the disconnect' && m.status === 'sent');
    const row = U.page.locator(`#messages li.msg[data-id="${sent.id}"]`);
    await row.hover();
    await row.getByRole('button', { name: 'React' }).click();
    await row.getByRole('group', { name: 'Add a reaction' }).getByRole('button').first().click();
    await sleep(1000);
    assert.equal(await row.locator('.reaction-chip').count(), 0, 'the reaction was refused');
    assert.equal(await U.page.locator('.toast').count(), 0, 'no toast for the refused reaction');
    assert.ok(await notice.isVisible(), 'the muted notice stays');

    const un = await adminCall('DELETE', `/admin/users/${userId}/mute`);
    assert.equal(un.status, 200, JSON.stringify(un.json));
    await send(U.page, 'after the unmute');
    await waitTexts(U.page, ['after the unmute']);
    await notice.waitFor({ state: 'hidden', timeout: 5000 });
  });

  test('(c) ban (4003): the banned screen, no reconnect; signing in again shows the reason', async () => {
    const opened = sockets.length;
    const r = await adminCall('POST', `/admin/users/${userId}/ban`, { reason: 'spam' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const screen = U.page.locator('#banned-view');
    await screen.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal((await U.page.locator('#banned-text').textContent()).trim(), 'Your account has been banned.');
    assert.equal(await U.page.locator('#app-view').isVisible(), false, 'the chat is gone');
    assert.equal(await U.page.locator('#login-view').isVisible(), false, 'not the plain login form');
    await shot(U.page, 'moderation-banned');
    await sleep(NO_RECONNECT_MS);
    assert.equal(sockets.length, opened, 'no WebSocket after 4003');

    await U.page.getByRole('button', { name: 'Back to sign in' }).click();
    await U.page.locator('#login-view').waitFor({ state: 'visible' });
    assert.equal(await U.page.locator('#login-title').textContent(), 'Sign in', 'the form signs in (not "Create an account")');
    await U.page.getByLabel('Username').fill(name);
    await U.page.getByLabel('Password').fill('password123');
    await U.page.locator('#login-submit').click();
    const err = U.page.locator('#login-error');
    await err.filter({ hasText: 'banned' }).waitFor({ timeout: 5000 });
    assert.equal((await err.textContent()).trim(), 'This account is banned: spam (until lifted).');
    assert.equal(sockets.length, opened, 'still no WebSocket');
    assert.deepEqual(U.problems.filter((p) => !/status of 40[13]/.test(p)), [], 'no page errors');
  });
});
