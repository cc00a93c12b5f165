// Overload in the browser: Redis falls behind (CLIENT PAUSE) on a node that sheds above 200 ms
// (--redis-max-queue-delay-ms). A message typed during the backlog is refused with `overloaded`;
// the page keeps it pending and sends it again by itself until it is stored: the user sees every
// message sent once, none failed, and the node counted the refusal.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, sleep, startNode, startRedis, uniqueName } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, rendered, send, shot, waitOnline, waitTexts } from './lib/browser.mjs';

let redis;
let node;
let browser;

before(async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--redis-max-queue-delay-ms', '200'] });
  browser = await launch();
});

after(async () => {
  await closeAll();
  await cleanup();
});

async function shed() {
  const text = await (await fetch(`http://127.0.0.1:${node.internalPort}/metrics`)).text();
  const m = text.match(/^chatnode_messages_shed_total ([0-9.e+]+)$/m);
  return m ? Number(m[1]) : NaN;
}

test('a message shed during a Redis backlog stays pending and is sent again by the page, once', async () => {
  const U = { ...(await newUser(browser, node.url)), name: uniqueName('olga') };
  await register(U.page, U.name);
  await waitOnline(U.page);
  await send(U.page, 'before the backlog');
  await waitTexts(U.page, ['before the backlog']);
  assert.equal(await shed(), 0);

  redis.cli('CLIENT', 'PAUSE', 3000, 'ALL');
  await send(U.page, 'queued in the backlog');
  await sleep(600); // the queued script has now waited longer than the limit
  await send(U.page, 'shed, then sent again');
  await U.page.locator('#messages li.msg.pending', { hasText: 'shed, then sent again' }).waitFor({ timeout: 2000 });
  assert.ok(await shed() >= 1, 'the node refused the second message at least once');
  assert.equal((await rendered(U.page)).filter((m) => m.status === 'failed').length, 0, 'nothing shown as failed');
  await shot(U.page, 'overload-pending');

  const expected = ['before the backlog', 'queued in the backlog', 'shed, then sent again'];
  await waitTexts(U.page, expected, 20000);
  await sleep(500); // give a duplicate the chance to show up
  const msgs = await rendered(U.page);
  assert.deepEqual(msgs.map((m) => m.text), expected, 'each message once, in order');
  assert.ok(msgs.every((m) => m.status === 'sent'), 'nothing left pending or failed');
  assert.deepEqual(U.problems, []);
});
