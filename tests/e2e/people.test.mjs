// People and text in the browser: Alice (node 1) finds Bob, who has never been online, with
// "New message" by a prefix of his name, opens the DM and writes Markdown; Bob signs in on node 2
// and sees it rendered (bold, code, a list, a safe link) with every HTML/script payload as text.
// The member list shows who is in the room and online.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { apiCall, apiRegister, cleanup, startCluster, uniqueName, waitFor, WEB_ROOT } from './lib/harness.mjs';
import { closeAll, launch, login, newUser, openRoom, register, shot } from './lib/browser.mjs';

let cluster;
let browser;
let A;
let B;
let bob; // Bob's API registration (never connected)

before(async () => {
  const vendor = path.join(WEB_ROOT, 'vendor/markdown-it.min.js');
  assert.ok(fs.existsSync(vendor), `${vendor} is missing: run scripts/web-deps.sh (it installs markdown-it)`);
  cluster = await startCluster(2);
  browser = await launch();
});

after(async () => {
  await closeAll();
  await cleanup();
});

const MD = 'Hi **bold** and `code`, see https://example.com/p?x=1 or [docs](https://example.com/docs)\n'
  + '[x](javascript:alert(1)) <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>';
const LIST = '- one\n- two';
const BLOCK = '```\nlet a = "<b>";\n```';

describe('New message to an offline user, Markdown for every message', () => {
  test('Alice finds offline Bob by a prefix, opens the DM and sends', async () => {
    const bobName = uniqueName('pplbob');
    bob = await apiRegister(cluster.nodes[1], bobName);
    A = { ...(await newUser(browser, cluster.nodes[0].url)), name: uniqueName('pplalice') };
    await register(A.page, A.name);
    let dialogs = 0;
    A.page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });

    await A.page.locator('#new-message').click();
    await A.page.locator('#people-dialog[open]').waitFor();
    await A.page.locator('#people-search').pressSequentially(bobName.slice(0, 8).toUpperCase(), { delay: 20 });
    const row = A.page.locator('#people-results button', { hasText: bobName });
    await row.waitFor();
    assert.equal(await row.getAttribute('data-online'), '0', 'Bob is shown offline');
    assert.match(await row.textContent(), /Offline/);
    await shot(A.page, 'people-new-message');
    await row.click();
    await A.page.locator('#people-dialog').waitFor({ state: 'hidden' });
    await A.page.locator('#room-title', { hasText: bobName }).waitFor();

    for (const t of [MD, LIST, BLOCK]) {
      await A.page.getByLabel('Message', { exact: true }).fill(t);
      await A.page.getByLabel('Message', { exact: true }).press('Enter');
    }
    await waitFor(async () => (await A.page.locator('#messages li.msg[data-id]').count()) === 3, { what: 'three sent messages' });
    await A.page.waitForTimeout(200);
    assert.equal(dialogs, 0, 'no alert() ran');
    assert.equal(await A.page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(A.problems, []);
  });

  test('Bob signs in on node 2 and sees the DM rendered safely', async () => {
    B = { ...(await newUser(browser, cluster.nodes[1].url)), name: bob.user.username };
    await login(B.page, B.name);
    await openRoom(B.page, A.name);
    await waitFor(async () => (await B.page.locator('#messages li.msg[data-id]').count()) === 3, { what: 'Bob sees three messages' });
    const rows = B.page.locator('#messages li.msg .msg-text');
    const first = await rows.nth(0).evaluate((box) => ({
      strong: [...box.querySelectorAll('strong')].map((x) => x.textContent),
      code: [...box.querySelectorAll('code')].map((x) => x.textContent),
      links: [...box.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), target: a.target, rel: a.rel, text: a.textContent })),
      bad: box.querySelectorAll('script, img, [onerror], [href^="javascript"]').length,
      text: box.textContent,
    }));
    assert.deepEqual(first.strong, ['bold']);
    assert.deepEqual(first.code, ['code']);
    assert.deepEqual(first.links, [
      { href: 'https://example.com/p?x=1', target: '_blank', rel: 'noopener noreferrer nofollow', text: 'https://example.com/p?x=1' },
      { href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer nofollow', text: 'docs' },
    ]);
    assert.equal(first.bad, 0, 'no script, img, handler or javascript: link');
    assert.ok(first.text.includes('[x](javascript:alert(1))'), 'the javascript: link stays text');
    assert.ok(first.text.includes('<img src=x onerror="window.__pwned=1">'), 'the img tag is text');
    assert.ok(first.text.includes('<script>window.__pwned=2</script>'), 'the script tag is text');
    const list = await rows.nth(1).evaluate((box) => [...box.querySelectorAll('ul > li')].map((x) => x.textContent));
    assert.deepEqual(list, ['one', 'two']);
    const pre = await rows.nth(2).evaluate((box) => box.querySelector('pre code')?.textContent ?? null);
    assert.equal(pre, 'let a = "<b>";\n');
    assert.equal(await B.page.evaluate(() => window.__pwned), undefined);
    // The text is stored exactly as sent.
    const rooms = await apiCall(cluster.nodes[1].port, bob.token, 'GET', `/rooms/${bob.user.id}`);
    const dm = rooms.json.find((r) => r.id.includes(':'));
    const stored = await apiCall(cluster.nodes[1].port, bob.token, 'GET', `/room/${encodeURIComponent(dm.id)}/messages?limit=5`);
    assert.deepEqual(stored.json.map((m) => m.message), [BLOCK, LIST, MD]);
    await shot(B.page, 'people-markdown');
    assert.deepEqual(B.problems, []);
  });

  test('the member list shows both people, Bob online now', async () => {
    await waitFor(async () => {
      await A.page.locator('#room-members').click();
      await A.page.locator('#members-dialog[open]').waitFor();
      await A.page.locator('#members-list button').nth(1).waitFor();
      const rows = await A.page.locator('#members-list button').evaluateAll((bs) => bs.map((b) => ({ name: b.querySelector('.room-name').textContent, online: b.dataset.online })));
      const ok = rows.length === 2 && rows.some((r) => r.name === B.name && r.online === '1');
      await A.page.locator('#members-dialog [data-close]').click();
      return ok;
    }, { timeout: 10000, interval: 300, what: 'Bob listed online among the members' });
    assert.deepEqual(A.problems, []);
  });
});
