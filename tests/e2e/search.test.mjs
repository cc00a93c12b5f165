// Message search in the browser (issue #22, GET /search): Alice writes through the API in General,
// a channel, a DM with Bob, a thread and a channel Bob is not in (node started with
// --search-index-ms 100). Bob searches from the header's box and sees exactly the messages of his
// rooms with the word marked (room, author, HTML as text); "More results" pages through 60 hits; a
// click on a result in another room pages back the room's history to the message, scrolls it into
// view and highlights it for about 2 s; a thread reply opens its parent and the thread panel;
// no match → "No messages found"; one-letter words → the server's 400 message in the panel, no
// toast; Escape closes the results. Every wait is bounded.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, apiSend, cleanup, startNode, startRedis, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, login, newUser, shot } from './lib/browser.mjs';
import { searchKey, searchWords } from '../../web/js/views/search.js';

let redis;
let node;
let browser;
let alice;
let bob;
let B; // Bob's page
const chanName = uniqueName('plans');
const secretName = uniqueName('secret');
const sent = {}; // name → message JSON

const HTML = 'ZEPHYR <img src=x onerror="window.__pwned=1"> & <b>bold</b>';
const FILLERS = 60;

const api = (user, method, path, body) => apiCall(node.port, user.token, method, path, body);
const enc = encodeURIComponent;

before(async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, serverId: 'e2e-search', args: ['--search-index-ms', '100'] });
  browser = await launch();
  alice = await apiRegister(node, uniqueName('srchalice'));
  bob = await apiRegister(node, uniqueName('srchbob'));
  const chan = await api(alice, 'POST', '/rooms', { name: chanName });
  assert.equal(chan.status, 201);
  assert.equal((await api(bob, 'POST', `/rooms/${chan.json.id}/join`)).status, 200);
  const secret = await api(alice, 'POST', '/rooms', { name: secretName });
  assert.equal(secret.status, 201);
  const dm = await api(alice, 'POST', '/room', { user1: alice.user.id, user2: bob.user.id });
  assert.ok(dm.status === 200 || dm.status === 201, `DM: ${dm.status}`);
  const say = async (name, roomId, message, parentId) => {
    const r = await api(alice, 'POST', `/room/${enc(roomId)}/messages`, parentId ? { message, parentId } : { message });
    assert.equal(r.status, 201, `${name}: ${r.status} ${JSON.stringify(r.json)}`);
    sent[name] = r.json;
  };
  await say('g1', '0', 'The zephyr report is ready');
  await say('g2', '0', 'nothing to find here');
  await say('parent', '0', 'Release checklist');
  await say('reply', '0', 'zephyr notes inside the thread', sent.parent.id);
  await say('g3', '0', HTML);
  // c1 between 60 older and 60 newer messages: the channel opens on its newest 50 (not reaching c1),
  // scrolled to the first unread one; c1 is shown only if the jump pages back and scrolls to it.
  for (let i = 1; i <= FILLERS; i++) await apiSend(node.port, alice.token, chan.json.id, `older note ${i}`);
  await say('c1', chan.json.id, 'Deploy zephyr tonight');
  for (let i = 1; i <= FILLERS; i++) await apiSend(node.port, alice.token, chan.json.id, `filler note ${i}`);
  await say('d1', dm.json.id, 'zephyr in private');
  await say('s1', secret.json.id, 'zephyr secret plans');
  // Indexed (off the send path) for Bob: 5 of his rooms' messages, not the secret channel's.
  await waitFor(async () => {
    const a = await api(bob, 'GET', '/search?q=zephyr&limit=100');
    const b = await api(bob, 'GET', '/search?q=filler&limit=100');
    return a.json?.results?.length === 5 && b.json?.results?.length === FILLERS;
  }, { timeout: 15000, interval: 200, what: 'the messages indexed' });
  B = { ...(await newUser(browser, node.url)), name: bob.user.username };
  await login(B.page, B.name);
});

after(async () => {
  await closeAll();
  await cleanup();
});

const box = () => B.page.getByRole('searchbox', { name: 'Search messages' });

async function search(q) {
  await box().fill(q);
  await box().press('Enter');
  await B.page.locator('#search-panel').waitFor({ state: 'visible' });
  await B.page.locator('#search-results[aria-busy="false"]').waitFor({ state: 'attached' });
}

/** The results on screen: [{room, author, text, marks, thread}]. */
function results() {
  return B.page.$$eval('#search-results li > button.search-hit', (bs) => bs.map((b) => ({
    room: b.querySelector('.search-room').textContent,
    author: b.querySelector('.search-author').textContent,
    text: b.querySelector('.search-text').textContent,
    marks: [...b.querySelectorAll('.search-text mark')].map((m) => m.textContent),
    thread: b.querySelector('.search-thread') !== null,
  })));
}

const byText = (a, b) => a.text.localeCompare(b.text);
const status = () => B.page.locator('#search-status').textContent();

describe('message search', () => {
  test('Bob finds exactly the messages of his rooms, the word marked, HTML as text', async () => {
    await search('Zephyr');
    await waitFor(async () => (await status()) === '5 messages found', { what: '5 results' });
    const a = alice.user.username;
    assert.deepEqual((await results()).sort(byText), [
      { room: 'General', author: a, text: 'The zephyr report is ready', marks: ['zephyr'], thread: false },
      { room: 'General', author: a, text: HTML, marks: ['ZEPHYR'], thread: false },
      { room: `#${chanName}`, author: a, text: 'Deploy zephyr tonight', marks: ['zephyr'], thread: false },
      { room: a, author: a, text: 'zephyr in private', marks: ['zephyr'], thread: false }, // the DM by Alice's name
      { room: 'General', author: a, text: 'zephyr notes inside the thread', marks: ['zephyr'], thread: true },
    ].sort(byText));
    assert.equal(await B.page.locator('#search-panel img, #search-panel b').count(), 0, 'no element from message text');
    assert.equal(await B.page.evaluate(() => window.__pwned), undefined);
    assert.equal(await B.page.locator('#search-more').isHidden(), true);
    await shot(B.page, 'search-results');
    assert.deepEqual(B.problems, []);
  });

  test('a result in another room opens it at the message (paged back), highlighted for about 2 s', async () => {
    assert.equal(await B.page.locator('#room-title').textContent(), '# General');
    await B.page.locator('#search-results .search-hit', { hasText: 'Deploy zephyr tonight' }).click();
    await B.page.locator('#room-title', { hasText: chanName }).waitFor();
    const row = B.page.locator(`#messages li.msg[data-id="${sent.c1.id}"]`);
    await row.waitFor();
    assert.equal(await B.page.locator('#search-panel').isHidden(), true, 'the results closed');
    await waitFor(async () => (await row.getAttribute('class')).split(' ').includes('search-flash'), { timeout: 3000, what: 'the message highlighted' });
    assert.equal(await row.locator('.msg-text').textContent(), 'Deploy zephyr tonight');
    const inView = await B.page.evaluate((id) => {
      const r = document.querySelector(`#messages li.msg[data-id="${id}"]`).getBoundingClientRect();
      const s = document.querySelector('#scroller').getBoundingClientRect();
      return r.top >= s.top && r.bottom <= s.bottom;
    }, sent.c1.id);
    assert.ok(inView, 'the message is scrolled into view');
    assert.equal(await B.page.locator('#messages li.search-flash').count(), 1, 'only that message');
    await shot(B.page, 'search-jump');
    await waitFor(async () => !(await row.getAttribute('class')).split(' ').includes('search-flash'), { timeout: 4000, what: 'the highlight gone' });
    assert.deepEqual(B.problems, []);
  });

  test('a thread reply opens its parent and the thread, the reply highlighted', async () => {
    await search('zephyr');
    await B.page.locator('#search-results .search-hit', { hasText: 'zephyr notes inside the thread' }).click();
    await B.page.locator('#room-title', { hasText: 'General' }).waitFor();
    const parent = B.page.locator(`#messages li.msg[data-id="${sent.parent.id}"]`);
    await waitFor(async () => (await parent.getAttribute('class'))?.split(' ').includes('search-flash'), { timeout: 3000, what: 'the parent highlighted' });
    const reply = B.page.locator(`#thread-replies li.msg[data-id="${sent.reply.id}"]`);
    await waitFor(async () => (await reply.count()) === 1 && (await reply.getAttribute('class')).split(' ').includes('search-flash'), { timeout: 5000, what: 'the reply highlighted in the thread' });
    await B.page.locator('#thread-close').click();
    assert.deepEqual(B.problems, []);
  });

  test('"More results" pages through every hit once', async () => {
    await search('filler');
    await waitFor(async () => (await status()) === '20+ messages found', { what: 'the first page' });
    assert.equal((await results()).length, 20);
    for (let i = 0; i < 10 && await B.page.locator('#search-more').isVisible(); i++) {
      const n = (await results()).length;
      await B.page.locator('#search-more').focus();
      await B.page.keyboard.press('Enter');
      await waitFor(async () => (await results()).length > n || await B.page.locator('#search-more').isHidden(), { what: `more than ${n} results, or no more` });
      if ((await results()).length > n) {
        const focused = await B.page.evaluate(() => document.activeElement?.closest('li')?.querySelector('.search-text')?.textContent ?? document.activeElement?.id);
        assert.equal(focused, (await results())[n].text, 'the focus on the first new result');
      }
    }
    const texts = (await results()).map((r) => r.text).sort();
    const want = Array.from({ length: FILLERS }, (_, i) => `filler note ${i + 1}`).sort();
    assert.deepEqual(texts, want);
    assert.equal(await status(), `${FILLERS} messages found`);
    assert.deepEqual(B.problems, []);
  });

  test('no match says so; one-letter words show the server\'s message inline, no toast', async () => {
    await search('quixotic');
    await waitFor(async () => (await status()) === 'No messages found', { what: '"No messages found"' });
    assert.equal((await results()).length, 0);

    const refused = await api(bob, 'GET', `/search?q=${enc('a b')}`);
    assert.equal(refused.status, 400);
    await search('a b');
    await waitFor(async () => (await status()) === refused.json.message, { what: 'the server\'s message' });
    assert.match(await B.page.locator('#search-status').getAttribute('class'), /search-error/);
    assert.equal((await results()).length, 0);
    assert.equal(await B.page.locator('#toasts > *').count(), 0, 'no toast');
    assert.deepEqual(B.problems, []);
  });

  test('keyboard: the box is labelled, arrows reach the results, Escape closes them', async () => {
    await search('zephyr');
    await waitFor(async () => (await results()).length === 5, { what: '5 results' });
    await box().press('ArrowDown');
    assert.equal(await B.page.evaluate(() => document.activeElement?.classList.contains('search-hit')), true);
    await B.page.keyboard.press('Escape');
    await B.page.locator('#search-panel').waitFor({ state: 'hidden' });
    assert.equal(await B.page.evaluate(() => document.activeElement?.id), 'search-input');
    await search('zephyr');
    await box().press('Escape');
    await B.page.locator('#search-panel').waitFor({ state: 'hidden' });
    assert.deepEqual(B.problems, []);
  });

  test('phone layout: the box and the results fit the screen', async () => {
    await B.page.setViewportSize({ width: 390, height: 760 });
    await search('zephyr');
    await waitFor(async () => (await results()).length === 5, { what: '5 results' });
    const boxes = await B.page.evaluate(() => ['#search-input', '#search-panel', '#room-members', '#sidebar-open'].map((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return { sel, left: r.left, right: r.right, width: r.width };
    }));
    for (const b of boxes) assert.ok(b.left >= 0 && b.right <= 390 && b.width > 0, `${b.sel} on screen: ${JSON.stringify(b)}`);
    assert.ok(boxes[0].width >= 100, 'the search box is usable');
    await shot(B.page, 'search-mobile');
    await B.page.locator('#search-results .search-hit', { hasText: 'zephyr in private' }).click();
    await B.page.locator('#room-title', { hasText: alice.user.username }).waitFor();
    await B.page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(B.problems, []);
  });
});

describe('the words marked are the words the server matches (storage/lua_search.hpp)', () => {
  const bin = (w) => Buffer.from(w, 'utf8').toString('latin1'); // a key: the word's UTF-8 bytes
  test('runs of ASCII letters/digits and non-ASCII characters, ASCII lower-cased, 2 to 32 bytes', () => {
    assert.deepEqual([...searchWords("Don't PANIC: a1 x B2c-d")], ['don', 'panic', 'a1', 'b2c']);
    assert.deepEqual([...searchWords('naïve Café 😀 é')], ['naïve', 'café', '😀', 'é'].map(bin));
    assert.deepEqual([...searchWords('ÉCOLE école')], [bin('École'), bin('école')], 'non-ASCII letters keep their case');
    assert.equal(searchKey('a'), null);
    assert.equal(searchKey('X'.repeat(40)), 'x'.repeat(32));
    assert.equal(searchKey(`${'a'.repeat(31)}é`), `${'a'.repeat(31)}\xc3`, 'cut at byte 32, inside a character');
    assert.equal(searchKey(`${'A'.repeat(31)}éz`), searchKey(`${'a'.repeat(31)}éy`), 'the same first 32 bytes match');
  });
});
