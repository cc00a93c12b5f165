// The admin page in a real browser: the first account (an admin) follows the Admin link and sees
// both nodes of the cluster with their connections; a plain user sees no link and gets the
// "Administrators and moderators only" card at /admin. Screenshot: screenshots/admin.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, startCluster, uniqueName } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, shot } from './lib/browser.mjs';

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

describe('admin page (admin on node 1, plain user on node 2)', () => {
  let admin;
  let plain;

  test('the first account is an admin: the Admin link opens /admin, which shows both nodes', async () => {
    admin = { ...(await newUser(browser, cluster.nodes[0].url)), name: uniqueName('root') };
    plain = { ...(await newUser(browser, cluster.nodes[1].url)), name: uniqueName('pat') };
    await register(admin.page, admin.name); // first account in this Redis → admin role
    await register(plain.page, plain.name);

    const link = admin.page.locator('#admin-link');
    await link.waitFor({ state: 'visible' });
    await link.click();
    await admin.page.waitForURL('**/admin');
    await admin.page.locator('#main').waitFor({ state: 'visible' });
    // Node stats are written every 2 s: wait until both nodes are listed.
    for (const node of cluster.nodes) {
      await admin.page.locator('#nodes tr', { hasText: node.serverId }).waitFor({ timeout: 15000 });
    }
    assert.equal((await admin.page.locator('#t-nodes').textContent()).trim(), '2', 'two nodes alive');
    assert.equal(await admin.page.locator('#denied').isVisible(), false, 'no access-denied card');
    await shot(admin.page, 'admin');
    assert.deepEqual(admin.problems, [], 'no page or console errors (CSP) on /admin');
  });

  test('a plain user has no Admin link, and /admin answers with the "Administrators and moderators only" card', async () => {
    assert.equal(await plain.page.locator('#admin-link').isVisible(), false, 'no Admin link');
    await plain.page.goto('/admin');
    await plain.page.locator('#denied').waitFor({ state: 'visible' });
    assert.equal((await plain.page.locator('#denied-title').textContent()).trim(), 'Administrators and moderators only');
    assert.equal(await plain.page.locator('#main').isVisible(), false, 'no cluster data shown');
    assert.deepEqual(plain.problems, [], 'no page errors');
  });
});
