// Two people chatting in real browsers: General, a DM, unread badge, typing indicator, text
// rendered literally, reload keeps session + history, history paging, channels, phone layout.
// Screenshots go to tests/e2e/screenshots/ for review.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, apiSend, cleanup, startCluster, startNode, uniqueName, waitFor } from './lib/harness.mjs';
import {
  closeAll, launch, login, newUser, openRoom, register, rendered, roomButton, send, shot, waitOnline, waitTexts,
} from './lib/browser.mjs';

let cluster;
let browser;
let A; // {context, page, problems, name}
let B;

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
});

after(async () => {
  await closeAll();
  await cleanup();
});

function noProblems(...users) {
  for (const u of users) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
}

describe('chat in the browser (Alice on node 1, Bob on node 2)', () => {
  test('login screen', async () => {
    const node = cluster.nodes[0];
    A = { ...(await newUser(browser, node.url)), name: uniqueName('alice') };
    await A.page.goto('/');
    await A.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(A.page, 'login');
    // Wrong password: inline error, still on the login screen.
    await A.page.getByLabel('Username').fill('nobody_here');
    await A.page.getByLabel('Password').fill('wrong-password');
    await A.page.getByRole('button', { name: 'Sign in' }).click();
    await A.page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
  });

  test('register, chat in General, own messages distinct', async () => {
    B = { ...(await newUser(browser, cluster.nodes[1].url)), name: uniqueName('bob') };
    await register(A.page, A.name);
    await register(B.page, B.name);

    await send(A.page, 'Hello from Alice 👋 — ünïcödé ok?');
    await waitTexts(B.page, ['Hello from Alice 👋 — ünïcödé ok?']);
    await send(B.page, 'Hi Alice! Long line: ' + 'lorem ipsum dolor sit amet '.repeat(12).trim());
    await send(A.page, 'Two lines\nsecond line');
    const all = ['Hello from Alice 👋 — ünïcödé ok?', 'Hi Alice! Long line: ' + 'lorem ipsum dolor sit amet '.repeat(12).trim(), 'Two lines\nsecond line'];
    await waitTexts(A.page, all);
    await waitTexts(B.page, all);

    for (const u of [A, B]) {
      const msgs = await rendered(u.page);
      assert.deepEqual(msgs.map((m) => m.text), all, `${u.name} sees the conversation in order`);
      assert.ok(msgs.every((m) => m.status === 'sent' && m.id), 'all sent with server ids');
    }
    assert.equal(await A.page.locator('#messages li.msg.own').count(), 2, 'Alice sees her two messages as her own');
    assert.equal(await B.page.locator('#messages li.msg.own').count(), 1);
    // Presence: each sees the other online.
    await A.page.locator('#people-list .room-btn', { hasText: B.name }).waitFor();
    noProblems(A, B);
  });

  test('DM across nodes: unread badge, preview, text rendered literally', async () => {
    let dialogs = 0;
    A.page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });

    // Bob starts a DM by clicking Alice in the people list.
    await B.page.locator('#people-list .room-btn', { hasText: A.name }).click();
    await B.page.locator('#room-title', { hasText: A.name }).waitFor();
    await send(B.page, 'psst, a private word');
    await waitTexts(B.page, ['psst, a private word']);

    // Alice is in General: the DM appears with an unread badge and a preview.
    const dm = roomButton(A.page, B.name);
    await dm.locator('.badge', { hasText: '1' }).waitFor();
    await dm.locator('.room-preview', { hasText: 'psst, a private word' }).waitFor();
    await shot(A.page, 'chat');

    await openRoom(A.page, B.name);
    await waitTexts(A.page, ['psst, a private word']);
    await waitFor(async () => (await dm.locator('.badge').count()) === 0, { what: 'badge cleared after opening the DM' });

    // The attack text is shown as text.
    const evil = '<img src=x onerror=alert(1)> <script>alert(2)</script>'; // Markdown: tests/e2e/people.test.mjs
    await B.page.getByLabel('Message', { exact: true }).fill(evil);
    await B.page.getByLabel('Message', { exact: true }).press('Enter');
    await waitTexts(A.page, [evil]);
    await shot(A.page, 'dm');
    assert.equal(await A.page.locator('#messages img').count(), 0, 'no <img> element was created');
    assert.equal(await A.page.locator('#messages script').count(), 0);
    const last = (await rendered(A.page)).at(-1);
    assert.equal(last.text, evil);
    await A.page.waitForTimeout(300);
    assert.equal(dialogs, 0, 'no alert() ran');

    // Links are clickable (new tab, no opener); other schemes and the markup stay text.
    const withLink = 'docs at https://example.com/guide?x=1. not javascript:alert(3)';
    await B.page.getByLabel('Message', { exact: true }).fill(withLink);
    await B.page.getByLabel('Message', { exact: true }).press('Enter');
    await waitTexts(A.page, [withLink]);
    const links = await A.page.locator('#messages .msg-text a').evaluateAll((as) =>
      as.map((a) => ({ text: a.textContent, href: a.getAttribute('href'), target: a.target, rel: a.rel })));
    assert.deepEqual(links, [{ text: 'https://example.com/guide?x=1', href: 'https://example.com/guide?x=1',
                               target: '_blank', rel: 'noopener noreferrer nofollow' }]);
    noProblems(A, B);
  });

  test('typing indicator across nodes', async () => {
    await B.page.getByLabel('Message', { exact: true }).pressSequentially('typing across', { delay: 10 });
    try {
      await A.page.locator('#typing', { hasText: `${B.name} is typing…` }).waitFor({ timeout: 5000 });
    } finally {
      await B.page.getByLabel('Message', { exact: true }).fill('');
      await B.page.getByLabel('Message', { exact: true }).blur();
    }
  });

  test('a reload keeps the session, the open room and the history', async () => {
    const before = (await rendered(A.page)).map((m) => [m.id, m.text]);
    await A.page.reload();
    await waitOnline(A.page);
    await A.page.locator('#room-title', { hasText: B.name }).waitFor();
    assert.equal(await A.page.locator('#login-view').isVisible(), false, 'still signed in');
    await waitFor(async () => (await rendered(A.page)).length === before.length, { what: 'DM history after reload' });
    assert.deepEqual((await rendered(A.page)).map((m) => [m.id, m.text]), before);
    await openRoom(A.page, 'General');
    await waitTexts(A.page, ['Hello from Alice 👋 — ünïcödé ok?', 'Two lines\nsecond line']);
    assert.equal((await rendered(A.page)).length, 3);
    noProblems(A);
  });

  test('history: infinite scroll back through 130 messages, position kept; browse + join a channel', async () => {
    const node = cluster.nodes[0];
    const carol = await apiRegister(node, uniqueName('carol'));
    const created = await apiCall(node.port, carol.token, 'POST', '/rooms', { name: 'history-room' });
    assert.equal(created.status, 201);
    const roomId = created.json.id;
    const texts = [];
    for (let i = 1; i <= 130; i++) texts.push(`history message ${String(i).padStart(3, '0')}`);
    for (const t of texts) await apiSend(node.port, carol.token, roomId, t);

    await A.page.getByRole('button', { name: 'Browse or create channels' }).click();
    await A.page.getByRole('button', { name: 'Join history-room' }).click();
    await A.page.locator('#room-title', { hasText: 'history-room' }).waitFor();
    await waitTexts(A.page, [texts.at(-1)]);
    assert.equal((await rendered(A.page)).length, 50, 'first page: 50 newest');

    // Scroll to the top: the next page is prepended and the reader's place is kept.
    const scroller = A.page.locator('#scroller');
    const firstBefore = (await rendered(A.page))[0].id;
    await scroller.evaluate((s) => { s.scrollTop = 0; });
    await waitFor(async () => (await rendered(A.page)).length === 100, { what: 'second page' });
    const stillVisible = await A.page.evaluate((id) => {
      const li = document.querySelector(`#messages li[data-id="${id}"]`);
      const s = document.querySelector('#scroller').getBoundingClientRect();
      const r = li.getBoundingClientRect();
      return r.bottom > s.top && r.top < s.bottom;
    }, firstBefore);
    assert.ok(stillVisible, 'the message that was at the top is still in view after prepending');

    await waitFor(async () => {
      await scroller.evaluate((s) => { s.scrollTop = 0; });
      return (await A.page.locator('#history-status', { hasText: 'This is the beginning' }).count()) > 0;
    }, { timeout: 10000, what: 'the beginning of history' });
    const msgs = await rendered(A.page);
    assert.deepEqual(msgs.map((m) => m.text), texts, 'all 130, in order, once');
    const ids = msgs.map((m) => BigInt(m.id));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), 'ids strictly increasing');

    // Scrolled up in the history, a new message shows the "new messages" pill, not a jump.
    await scroller.evaluate((s) => { s.scrollTop = 0; });
    await apiSend(node.port, carol.token, roomId, 'arrived while reading history');
    await A.page.locator('#new-pill', { hasText: '1 new message' }).waitFor();
    assert.ok(await scroller.evaluate((s) => s.scrollTop < 50), 'reader stays where they were');
    await A.page.locator('#new-pill').click();
    await A.page.locator('#new-pill').waitFor({ state: 'hidden' });
    await waitFor(() => scroller.evaluate((s) => s.scrollHeight - s.scrollTop - s.clientHeight < 80), { what: 'scrolled to the bottom' });

    // Create a channel from the same dialog.
    await A.page.getByRole('button', { name: 'Browse or create channels' }).click();
    await A.page.locator('#public-channels .public-item', { hasText: 'history-room' }).waitFor();
    await shot(A.page, 'channels-dialog');
    await A.page.getByLabel('New channel name').fill('design-review');
    await A.page.getByRole('button', { name: 'Create', exact: true }).click();
    await A.page.locator('#room-title', { hasText: 'design-review' }).waitFor();
    await roomButton(A.page, 'design-review').waitFor();
    // …and leave it again: gone from the sidebar, back in General.
    await A.page.getByRole('button', { name: 'Leave #design-review' }).click();
    await A.page.locator('#room-title', { hasText: 'General' }).waitFor();
    await roomButton(A.page, 'design-review').waitFor({ state: 'detached' });
    noProblems(A);
  });

  test('channels dialog: 50 channels a page in name order, "Load more", search by name prefix', async () => {
    const node = cluster.nodes[0];
    // 60 more channels, sorting after every other one (6 makers: 10 creations an hour each).
    const made = [];
    for (let u = 0; u < 6; u++) {
      const maker = await apiRegister(node, uniqueName('maker'));
      for (let k = 0; k < 10; k++) {
        const name = `zz-page-${String(u * 10 + k).padStart(2, '0')}`;
        const r = await apiCall(node.port, maker.token, 'POST', '/rooms', { name });
        assert.equal(r.status, 201, `create ${name}`);
        made.push(name);
      }
    }
    const names = () => A.page.locator('#public-channels .public-name').allTextContents();
    await A.page.getByRole('button', { name: 'Browse or create channels' }).click();
    await A.page.locator('#public-channels .public-item').nth(49).waitFor();
    assert.equal((await names()).length, 50, 'the first page holds 50');
    const more = A.page.getByRole('button', { name: 'Load more' });
    await more.click();
    await A.page.locator('#public-channels .public-item', { hasText: 'zz-page-59' }).waitFor();
    const listed = await names();
    assert.equal(new Set(listed).size, listed.length, 'no channel twice');
    assert.deepEqual(listed.filter((n) => n.startsWith('zz-page-')), made, 'all 60, in name order');
    await more.waitFor({ state: 'hidden' });
    // Search: case-insensitive name prefix.
    await A.page.getByLabel('Search public channels').fill('ZZ-PAGE-4');
    const wanted = made.filter((n) => n.startsWith('zz-page-4'));
    await waitFor(async () => (await names()).join() === wanted.join(), { what: 'search results zz-page-4*' });
    await shot(A.page, 'channels-search');
    await A.page.getByLabel('Search public channels').fill('no-such-channel');
    await A.page.locator('#public-channels .public-empty', { hasText: 'No channel starts with' }).waitFor();
    await A.page.locator('#channels-dialog [data-close]').click();
    noProblems(A);
  });

  test('phone-sized screen: sidebar behind a menu button', async () => {
    const node = cluster.nodes[0];
    const P = { ...(await newUser(browser, node.url, { viewport: { width: 390, height: 780 } })), name: A.name };
    await login(P.page, A.name);
    await openRoom(P.page, 'General').catch(async () => {
      // On a phone the room list is in the drawer.
      await P.page.getByRole('button', { name: 'Open menu' }).click();
      await openRoom(P.page, 'General');
    });
    await waitTexts(P.page, ['Two lines\nsecond line']);
    assert.equal(await P.page.locator('#sidebar').isVisible(), false, 'sidebar hidden on a phone');
    await shot(P.page, 'mobile');
    await P.page.getByRole('button', { name: 'Open menu' }).click();
    await P.page.locator('#sidebar').waitFor({ state: 'visible' });
    await P.page.waitForTimeout(250);
    await shot(P.page, 'mobile-menu');
    await roomButton(P.page, B.name).click();
    await P.page.locator('#room-title', { hasText: B.name }).waitFor();
    await P.page.locator('#sidebar').waitFor({ state: 'hidden' });
    noProblems(P);
    await P.context.close();
  });

  test('keyboard: Tab reaches the room list, arrows move, Enter opens', async () => {
    const page = A.page;
    await roomButton(page, 'General').focus();
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.dataset.roomId ?? null);
    assert.ok(focused && focused !== '0', 'ArrowDown moved focus to the next room');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.roomId), '0');
    await page.keyboard.press('Enter');
    await page.locator('#room-title', { hasText: 'General' }).waitFor();
    // Shift+Enter adds a line, Enter sends.
    const box = page.getByLabel('Message', { exact: true });
    await box.focus();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    assert.equal(await box.inputValue(), 'line one\nline two');
    await page.keyboard.press('Enter');
    await waitTexts(page, ['line one\nline two']);
    assert.equal(await box.inputValue(), '');

    // The 4000-character limit: a counter near it, Send disabled above it.
    await box.fill('x'.repeat(3990));
    await page.locator('#composer-count', { hasText: '3,990 / 4,000' }).waitFor();
    await box.fill('😀'.repeat(4001)); // counted in characters (code points), as the server does
    await page.locator('#composer-count', { hasText: '1 character over the 4,000 limit' }).waitFor();
    assert.equal(await page.locator('#send').isDisabled(), true);
    await box.press('Enter');
    assert.equal((await box.inputValue()).length, 8002, 'Enter does not send an over-long message');
    await box.fill('');
    assert.equal(await page.locator('#composer-count').isVisible(), false);
  });
});

describe('presence of a DM partner', () => {
  test('the DM dot and the header follow the partner going online and offline (across nodes, presence.watch)', async () => {
    const [n1, n2] = cluster.nodes;
    const pName = uniqueName('pat');
    const qName = uniqueName('quinn');
    const p = await apiRegister(n1, pName);
    const q = await apiRegister(n2, qName);
    const P = { ...(await newUser(browser, n1.url)), name: pName };
    let Q = null;
    try {
      await login(P.page, pName);
      // Quinn (API only: not connected, so offline) opens a DM: it appears live in Pat's sidebar.
      const dm = await apiCall(n2.port, q.token, 'POST', '/room', { user1: q.user.id, user2: p.user.id });
      assert.ok([200, 201].includes(dm.status), `DM → ${dm.status}`);
      const dot = roomButton(P.page, qName).locator('.dot');
      await roomButton(P.page, qName).locator('.dot.off').waitFor();
      await openRoom(P.page, qName);
      await P.page.locator('#room-subtitle', { hasText: 'Offline' }).waitFor();
      // Quinn comes online on the other node: the dot turns on (user.connected for a watched user).
      Q = { ...(await newUser(browser, n2.url)), name: qName };
      await login(Q.page, qName);
      await roomButton(P.page, qName).locator('.dot.on').waitFor({ timeout: 10000 });
      await P.page.locator('#room-subtitle', { hasText: 'Online' }).waitFor();
      await P.page.locator('#people-list .room-btn', { hasText: qName }).waitFor();
      // Quinn leaves: offline after the 2 s grace.
      await Q.context.close();
      Q = null;
      await roomButton(P.page, qName).locator('.dot.off').waitFor({ timeout: 10000 });
      await P.page.locator('#room-subtitle', { hasText: 'Offline' }).waitFor();
      assert.equal(await dot.count(), 1);
      assert.deepEqual(P.problems, []);
    } finally {
      if (Q) await Q.context.close();
      await P.context.close();
    }
  });
});

describe('sending fails, Retry', () => {
  test('rate limited: the message is marked failed with Retry; Retry sends it once', async () => {
    // A third node on the same Redis with a tiny send budget.
    const slow = await startNode({ redisUrl: cluster.redis.url, serverId: 'e2e-slow', args: ['--messages-per-10s', '2'] });
    const R = { ...(await newUser(browser, slow.url)), name: uniqueName('rita') };
    try {
      await register(R.page, R.name);
      const texts = ['budget one', 'budget two', 'over budget three'];
      for (const t of texts) await send(R.page, t);
      const failed = R.page.locator('#messages li.msg.failed', { hasText: 'over budget three' });
      await failed.waitFor({ timeout: 12000 });
      await failed.getByText(/Not sent/).waitFor();
      await shot(R.page, 'failed-retry');
      // The bucket refills (2 per 10 s); retry until it goes through (bounded).
      await waitFor(async () => {
        const f = R.page.locator('#messages li.msg.failed', { hasText: 'over budget three' });
        if (await f.count()) await f.getByRole('button', { name: 'Retry' }).click();
        await R.page.waitForTimeout(400);
        return (await rendered(R.page)).some((m) => m.text === 'over budget three' && m.status === 'sent');
      }, { timeout: 15000, interval: 600, what: 'retried message sent' });
      const mine = (await rendered(R.page)).filter((m) => texts.includes(m.text));
      assert.deepEqual(mine.map((m) => [m.text, m.status]), texts.map((t) => [t, 'sent']), 'each once, all sent');
      assert.deepEqual(R.problems, []);
    } finally {
      await R.context.close();
      await slow.stop();
    }
  });
});

describe('same node', () => {
  test('two users on the same node: General, DM, unread badge, typing indicator', async () => {
    const [n1] = cluster.nodes;
    const X = { ...(await newUser(browser, n1.url)), name: uniqueName('xena') };
    const Y = { ...(await newUser(browser, n1.url)), name: uniqueName('yuri') };
    try {
      await register(X.page, X.name);
      await register(Y.page, Y.name);
      await send(X.page, `hi from ${X.name}`);
      await send(Y.page, `hi from ${Y.name}`);
      await waitTexts(Y.page, [`hi from ${X.name}`], 5000);
      await waitTexts(X.page, [`hi from ${Y.name}`], 5000);
      await Y.page.locator('#people-list .room-btn', { hasText: X.name }).click({ timeout: 5000 });
      await send(Y.page, 'same-node DM');
      await roomButton(X.page, Y.name).locator('.badge', { hasText: '1' }).waitFor({ timeout: 15000 }); // a new DM: show.room, the follow from 0, then the message
      // Typing indicator: Y types without sending; sending clears it.
      await openRoom(X.page, Y.name);
      await Y.page.getByLabel('Message', { exact: true }).pressSequentially('typing something', { delay: 10 });
      await X.page.locator('#typing', { hasText: `${Y.name} is typing…` }).waitFor();
      await shot(X.page, 'typing');
      await Y.page.getByLabel('Message', { exact: true }).press('Enter');
      await waitTexts(X.page, ['typing something']);
      await waitFor(async () => (await X.page.locator('#typing').textContent()) === '', { what: 'typing indicator cleared' });
      noProblems(X, Y);
    } finally {
      await X.context.close();
      await Y.context.close();
    }
  });
});

test('nodes shut down cleanly (SIGTERM → exit 0) with browsers connected', async () => {
  for (const n of cluster.nodes) await n.stop();
});
