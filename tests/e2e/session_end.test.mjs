// The end of a session in the browser (issue 20, item 2): "Log out" in one tab ends the session on
// every node; another tab of the same session (same cookie, served by the other node) is closed with
// 4002 and shows the login screen at once, without a reconnect attempt. The tab that logged out shows
// the login screen without the "session has ended" toast.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, sleep, startCluster, uniqueName } from './lib/harness.mjs';
import { closeAll, launch, newTab, newUser, register, waitOnline } from './lib/browser.mjs';

let cluster;
let browser;

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
});

after(async () => {
  await closeAll();
  await cleanup();
});

const ENDED_TOAST = 'Your session has ended';

test('log out in one tab: the other tab (other node) shows the login screen at once and does not reconnect', async () => {
  const [n1, n2] = cluster.nodes;
  const U = await newUser(browser, n1.url);
  await register(U.page, uniqueName('lou'));
  // The same browser on node 2: cookies are per host, not per port, so it is the same session.
  const other = await newTab(U);
  const sockets = [];
  other.on('websocket', (ws) => sockets.push(ws));
  await other.goto(`${n2.url}/`);
  await waitOnline(other);
  const live = sockets.at(-1);
  const closed = new Promise((resolve) => live.on('close', resolve));
  const before = sockets.length;

  const t0 = Date.now();
  await U.page.locator('#logout').click();
  await U.page.locator('#login-view').waitFor({ state: 'visible', timeout: 5000 });
  await other.locator('#login-view').waitFor({ state: 'visible', timeout: 3000 });
  await closed;
  const ms = Date.now() - t0;
  await sleep(2000); // a reconnect would start within 1 s (backoff 500 ms → 1 s)
  assert.equal(sockets.length, before, 'no reconnect attempt after the session ended');
  assert.ok(ms < 3000, `login screen after ${ms} ms`);
  await other.locator('.toast', { hasText: ENDED_TOAST }).waitFor({ timeout: 1000 });
  assert.equal(await U.page.locator('.toast', { hasText: ENDED_TOAST }).count(), 0,
    'the tab that logged out is not told its session ended');
  assert.deepEqual(U.problems, []);
});

test('shutdown: SIGTERM → exit 0', async () => {
  for (const n of cluster.nodes) await n.stop();
});
