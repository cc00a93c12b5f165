// History retention (issue #26) in the browser: two nodes keep 3 messages per room. X's page (behind
// a load balancer, tests/e2e/lib/proxy.mjs) shows 2 messages of General; its node is SIGKILLed and
// while X is away 4 more are sent, so the 3 oldest go (trimmed by the other node), one X never saw.
// X reconnects to the other node and resumes from a cursor below the room's horizon: the server
// answers `reload`, and the page drops what it showed and loads the room again: exactly the 3
// newest messages, once, in order (without `reload` handling it would keep the 2 it showed).
// A page that stays connected while a trim happens hears `history.trimmed` and drops the trimmed
// messages at once, without a reload (it kept showing them before).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, apiSend, cleanup, sleep, startNode, startRedis, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, rendered, waitOnline, waitTexts } from './lib/browser.mjs';
import { closeProxies, startProxy } from './lib/proxy.mjs';

const RETENTION = ['--history-max-messages', '3', '--retention-interval-ms', '200'];
let redis;
let nodes;
let browser;

before(async () => {
  redis = await startRedis();
  nodes = [];
  for (let i = 1; i <= 2; i++) nodes.push(await startNode({ redisUrl: redis.url, serverId: `e2e-ret-${i}`, args: RETENTION }));
  browser = await launch();
});

after(async () => {
  await closeAll();
  await closeProxies();
  await cleanup();
});

test('a resume from before the horizon: the page reloads the room and shows only what is kept', async () => {
  const [n1, n2] = nodes;
  const lb = await startProxy([n1.port, n2.port]);
  const X = { ...(await newUser(browser, lb.url)), name: uniqueName('xena') };
  await register(X.page, X.name);
  await waitOnline(X.page);
  const T = await apiRegister(n2, uniqueName('tom'));

  const old = ['old one', 'old two', 'old three'];
  for (const t of old.slice(0, 2)) await apiSend(n2.port, T.token, '0', t);
  await waitTexts(X.page, old.slice(0, 2));

  lb.hold(); // X's reconnects wait until the newer messages are in and the old ones trimmed
  await n1.kill();
  await X.page.locator('#banner', { hasText: 'Reconnecting' }).waitFor({ timeout: 5000 });
  // X's cursor is 'old two'; 'old three' (which X never saw) goes too, so the horizon passes the cursor.
  const fresh = ['new one', 'new two', 'new three'];
  for (const t of [old[2], ...fresh]) await apiSend(n2.port, T.token, '0', t);
  await waitFor(async () => {
    const res = await apiCall(n2.port, T.token, 'GET', '/room/0/messages?limit=50');
    return JSON.stringify(res.json.map((m) => m.message).reverse()) === JSON.stringify(fresh);
  }, { timeout: 10000, what: 'General trimmed to the 3 newest' });

  lb.release();
  await X.page.locator('#banner', { hasText: 'Back online' }).waitFor({ timeout: 25000 });
  await waitTexts(X.page, fresh, 10000);
  await waitFor(async () => (await rendered(X.page)).every((m) => !old.includes(m.text)),
    { timeout: 10000, what: 'the trimmed messages gone from the page' });
  await sleep(500); // a duplicate or a late old copy would show up now
  const msgs = await rendered(X.page);
  assert.deepEqual(msgs.map((m) => m.text), fresh, 'exactly the kept messages, in order, once each');
  assert.deepEqual(X.problems, []);
  await n1.restart();
});

test('a page that stays connected drops trimmed messages as the trim happens', async () => {
  const [, n2] = nodes;
  const Y = { ...(await newUser(browser, n2.url)), name: uniqueName('yuri') };
  await register(Y.page, Y.name);
  await waitOnline(Y.page);
  const T = await apiRegister(n2, uniqueName('tess'));
  const before = ['keep me a', 'keep me b', 'keep me c'];
  for (const t of before) await apiSend(n2.port, T.token, '0', t);
  await waitTexts(Y.page, before);
  const later = ['later one', 'later two', 'later three'];
  for (const t of later) await apiSend(n2.port, T.token, '0', t);
  await waitTexts(Y.page, later);
  await waitFor(async () => (await rendered(Y.page)).every((m) => !before.includes(m.text)),
    { timeout: 10000, what: 'the trimmed messages gone from the open page' });
  const msgs = await rendered(Y.page);
  assert.deepEqual(msgs.map((m) => m.text), later, 'exactly the kept messages, in order, once each');
  assert.equal(await Y.page.locator('#banner', { hasText: 'Reconnecting' }).count(), 0, 'the connection stayed');
  assert.deepEqual(Y.problems, []);
});
