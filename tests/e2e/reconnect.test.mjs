// Surviving the network: the node serving a browser is SIGKILLed while others keep sending; the
// page shows the reconnect banner, reconnects through the load balancer (tests/e2e/lib/proxy.mjs) to
// the OTHER node, resumes, and shows every message exactly once, in order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiRegister, apiSend, cleanup, sleep, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, rendered, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';
import { closeProxies, startProxy } from './lib/proxy.mjs';

let cluster;
let browser;

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
});

after(async () => {
  await closeAll();
  await closeProxies();
  await cleanup();
});

test('node killed: reconnect banner, the page moves to the other node, every message exactly once, in order', async () => {
  const [n1, n2] = cluster.nodes;
  // X watches General through a load balancer that prefers node 1 and fails over to node 2.
  // S types in a browser on node 2. T posts through node 1's API, then node 2's.
  const lb = await startProxy([n1.port, n2.port]);
  const X = { ...(await newUser(browser, lb.url)), name: uniqueName('xavier') };
  const S = { ...(await newUser(browser, n2.url)), name: uniqueName('sam') };
  await register(X.page, X.name);
  await register(S.page, S.name);
  const T = await apiRegister(n1, uniqueName('tess'));

  const expected = [];
  // Live on X's own node before the kill.
  for (const t of ['before kill 1 (node 1)', 'before kill 2 (node 1)']) { await apiSend(n1.port, T.token, '0', t); expected.push(t); }
  await waitTexts(X.page, expected);
  // From the other node (reaches X live once cross-node delivery exists, else through resume).
  for (const t of ['before kill 3 (node 2)', 'before kill 4 (node 2)']) { await send(S.page, t); expected.push(t); }
  await waitTexts(S.page, expected.slice(2));

  // The load balancer refuses X's reconnects until the outage below is over: otherwise its first
  // retry (500 ms) can reach node 2 before X writes its "offline" message.
  lb.hold();
  await n1.kill(); // SIGKILL: no drain, no close frame
  await X.page.locator('#banner', { hasText: 'Reconnecting' }).waitFor({ timeout: 5000 });
  await shot(X.page, 'reconnect-banner');

  // While X's node is down: S keeps sending; X writes one message too (queued, sent after resume).
  for (const t of ['during outage 5 (node 2)', 'during outage 6 (node 2)']) { await send(S.page, t); expected.push(t); }
  await send(X.page, 'written offline by X');
  await X.page.locator('#messages li.msg.pending', { hasText: 'written offline by X' }).waitFor();
  await waitTexts(S.page, expected.slice(2));

  // No restart: the page's reconnect goes through the load balancer to node 2.
  lb.release();
  await X.page.locator('#banner', { hasText: 'Back online' }).waitFor({ timeout: 25000 });
  await waitOnline(X.page);
  expected.push('written offline by X');
  await waitTexts(X.page, expected, 10000);

  // After the reconnect, live again, now served by node 2.
  await apiSend(n2.port, T.token, '0', 'after reconnect 8 (node 2)');
  expected.push('after reconnect 8 (node 2)');
  await waitTexts(X.page, expected);
  await sleep(500); // give a duplicate the chance to show up

  const msgs = await rendered(X.page);
  assert.deepEqual(msgs.map((m) => m.text), expected, 'exactly the sent messages, in order, once each');
  assert.ok(msgs.every((m) => m.status === 'sent'), 'nothing left pending or failed');
  const ids = msgs.map((m) => BigInt(m.id));
  assert.equal(new Set(ids).size, ids.length, 'no id twice');
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), 'sorted by id');
  await waitFor(async () => (await X.page.locator('#banner').isHidden()), { timeout: 5000, what: 'banner hides' });
  assert.deepEqual(X.problems, []);
  assert.deepEqual(S.problems, []);
  await n1.restart(); // for the next test
});

test('drain: SIGTERM closes with 1012, the page comes back quickly and resumes', async () => {
  const [n1] = cluster.nodes;
  const Y = { ...(await newUser(browser, n1.url)), name: uniqueName('yara') };
  await register(Y.page, Y.name);
  const T = await apiRegister(n1, uniqueName('toni'));
  await n1.stop(); // SIGTERM must exit 0 with browsers connected
  await Y.page.locator('#banner', { hasText: 'Reconnecting' }).waitFor({ timeout: 5000 });
  assert.equal(await Y.page.locator('#conn-state').getAttribute('data-close-code'), '1012', 'drain closes with 1012 "service restart"');
  await n1.restart();
  await Y.page.locator('#banner', { hasText: 'Back online' }).waitFor({ timeout: 25000 });
  await apiSend(n1.port, T.token, '0', 'after drain');
  await waitTexts(Y.page, ['after drain']);
  const texts = (await rendered(Y.page)).map((m) => m.text);
  assert.equal(texts.filter((t) => t === 'after drain').length, 1);
  assert.deepEqual(Y.problems, []);
});

test('nodes shut down cleanly (SIGTERM → exit 0)', async () => {
  for (const n of cluster.nodes) await n.stop();
});
