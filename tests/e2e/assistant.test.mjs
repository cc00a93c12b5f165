// The assistant in a real browser (issue #21, docs/protocol.md §2.7): chatnode with an assistant
// backend (the scripted OpenAI-compatible server of tests/ai_backends, on loopback) and a user in
// Chromium. The assistant is listed first among direct messages with a "Bot" badge before its DM
// exists, a click opens the DM (POST /room); a question's reply grows on screen (intermediate states,
// each a prefix of the final text) with a cursor that is gone at the end; the final reply is Markdown
// (bold, code, a list, links) with raw HTML shown as text and never run; Stop ends a long reply
// ("Stopped", the backend saw its connection closed); a backend 500 shows the error note; a question
// while a reply streams gets the "busy" notice above the message box; a delta lost on the way (dropped
// from the WebSocket by the test) makes the page reload the reply over HTTP; without
// /vendor/markdown-it.min.js replies are plain text with links. Every wait is bounded.

import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedBackend } from '../ai_backends/scripted_backends.mjs';
import { apiCall, apiRegister, apiSend, cleanup, startNode, startRedis, uniqueName, waitFor, WEB_ROOT } from './lib/harness.mjs';
import { closeAll, launch, newUser, register, send, shot, waitOnline } from './lib/browser.mjs';

let redis;
let backend;
let node;
let browser;
let A; // a user in a browser: {context, page, problems, name}

const BOT_NAME = 'Assistant';
const botRow = (page) => page.locator('#messages li.msg.bot').last();

before(async () => {
  const vendor = path.join(WEB_ROOT, 'vendor/markdown-it.min.js');
  assert.ok(fs.existsSync(vendor), `${vendor} is missing: run scripts/web-deps.sh (it installs markdown-it)`);
  backend = await startScriptedBackend();
  redis = await startRedis();
  node = await startNode({
    redisUrl: redis.url, serverId: 'e2e-ai',
    args: ['--ai-url', backend.openaiUrl, '--ai-model', 'test', '--ai-requests-per-hour', '0'],
  });
  await apiRegister(node, uniqueName('root')); // the first account is an admin: not Alice
  browser = await launch();
  A = { ...(await newUser(browser, node.url)), name: uniqueName('alice') };
});

after(async () => {
  await closeAll();
  await cleanup();
  await backend?.close();
});

function noProblems(u) {
  assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
}

/**
 * Records, in the page, every text the streaming reply shows (a MutationObserver on the list):
 * window.__stream = [{text, cursor}] in order, one entry per change.
 */
async function recordStream(page) {
  await page.evaluate(() => {
    window.__stream = [];
    window.__streamObserver?.disconnect();
    const seen = () => {
      const li = [...document.querySelectorAll('#messages li.msg.bot.streaming')].pop();
      if (!li) return;
      const text = li.querySelector('.msg-stream')?.textContent ?? null;
      const last = window.__stream[window.__stream.length - 1];
      if (!last || last.text !== text) window.__stream.push({ text, cursor: Boolean(li.querySelector('.stream-cursor')) });
    };
    window.__streamObserver = new MutationObserver(seen);
    window.__streamObserver.observe(document.querySelector('#messages'), { childList: true, subtree: true, characterData: true });
  });
}

/** The id of the newest reply of the assistant on screen (0: none). */
const lastBotId = (page) => page.evaluate(() => Number([...document.querySelectorAll('#messages li.msg.bot')].pop()?.dataset.id ?? 0));

/** Waits until a reply of the assistant newer than `after` is final; returns what its row shows. */
async function finalReply(page, after, timeout = 15000) {
  await waitFor(() => page.evaluate((after) => {
    const li = [...document.querySelectorAll('#messages li.msg.bot')].pop();
    return Boolean(li) && Number(li.dataset.id) > after && !li.classList.contains('streaming');
  }, after), { timeout, interval: 50, what: 'the reply is final' });
  return page.evaluate(() => {
    const li = [...document.querySelectorAll('#messages li.msg.bot')].pop();
    return {
      id: li.dataset.id,
      text: li.querySelector('.msg-text')?.textContent ?? '',
      markdown: Boolean(li.querySelector('.msg-md')),
      cursor: Boolean(li.querySelector('.stream-cursor')),
      stop: Boolean(li.querySelector('.msg-stop')),
      stopped: li.querySelector('.msg-reply-stopped')?.textContent ?? null,
      error: li.querySelector('.msg-reply-error')?.textContent ?? null,
      errorCode: li.querySelector('.msg-reply-error')?.dataset.error ?? null,
      badge: li.querySelector('.bot-badge')?.textContent ?? null,
    };
  });
}

describe('the assistant in the web client', () => {
  test('listed first among direct messages with a Bot badge before its DM exists; a click opens the DM', async () => {
    // Alice has a DM with a person first, with a newer message than anything of the bot.
    await register(A.page, A.name);
    const bob = await apiRegister(node, uniqueName('bob'));
    const dm = await apiCall(node.port, bob.token, 'POST', '/room', { user1: bob.user.id, user2: (await A.page.evaluate(() => fetch('/me').then((r) => r.json()))).id });
    assert.ok(dm.status === 201 || dm.status === 200, JSON.stringify(dm.json));
    await apiSend(node.port, bob.token, dm.json.id, 'hi Alice');
    await A.page.locator('#dm-list li', { hasText: bob.user.username }).waitFor();

    const first = A.page.locator('#dm-list li').first();
    await first.locator('.room-name', { hasText: BOT_NAME }).waitFor();
    assert.equal(await first.locator('.bot-badge').textContent(), 'Bot');
    assert.equal(await A.page.locator('#people-list .room-btn', { hasText: BOT_NAME }).count(), 0, 'not under People');
    await first.locator('button').click();
    await A.page.locator('#room-title', { hasText: BOT_NAME }).waitFor();
    assert.match(await A.page.locator('#room-subtitle').textContent(), /AI assistant/);
    // The DM exists now (POST /room) and stays first.
    await waitFor(async () => (await A.page.locator('#dm-list li').count()) === 2, { timeout: 5000, what: 'two DMs' });
    assert.match(await A.page.locator('#dm-list li').first().locator('.room-name').textContent(), new RegExp(BOT_NAME));
    noProblems(A);
  });

  test('a reply grows on screen with a cursor, then is final: the cursor gone, Markdown rendered, HTML as text', async () => {
    const chunks = ['Here is **bold**', ' and `code`:\n\n', '- one\n', '- two\n\n', 'A <script>window.__pwned = 1</script> tag, ',
      '<img src=x onerror="window.__pwned = 2">, [a link](https://example.com/docs) and [no link](javascript:alert(1)).'];
    backend.script({ chunks, delayMs: 300 });
    await recordStream(A.page);
    const prev = await lastBotId(A.page);
    await send(A.page, 'Show me some Markdown');
    await A.page.locator('#messages li.msg.bot.streaming .stream-cursor').waitFor();
    const during = await botRow(A.page).evaluate((li) => ({
      hidden: li.querySelector('.msg-stream')?.getAttribute('aria-hidden'),
      says: li.querySelector('.visually-hidden')?.textContent,
      stop: Boolean(li.querySelector('.msg-stop')),
    }));
    assert.equal(during.hidden, 'true', 'the growing text is not announced');
    assert.match(during.says, /Writing a reply/);
    assert.ok(during.stop, 'Stop while it streams');
    const fin = await finalReply(A.page, prev);
    const states = await A.page.evaluate(() => window.__stream.map((s) => s.text));
    const full = chunks.join('');
    const intermediate = [...new Set(states.filter((t) => t && t !== full))];
    assert.ok(intermediate.length >= 2, `at least 2 intermediate states, got ${JSON.stringify(intermediate)}`);
    for (const t of intermediate) assert.ok(full.startsWith(t), `"${t}" is a prefix of the reply`);
    assert.ok((await A.page.evaluate(() => window.__stream)).every((s) => s.cursor), 'the cursor shows while it streams');

    assert.deepEqual({ cursor: fin.cursor, stop: fin.stop, markdown: fin.markdown, badge: fin.badge }, { cursor: false, stop: false, markdown: true, badge: 'Bot' });
    const md = await botRow(A.page).evaluate((li) => {
      const box = li.querySelector('.msg-md');
      return {
        strong: box.querySelector('strong')?.textContent,
        code: box.querySelector('code')?.textContent,
        items: [...box.querySelectorAll('ul > li')].map((x) => x.textContent),
        scripts: box.querySelectorAll('script, img, [onerror]').length,
        text: box.textContent,
        links: [...box.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), target: a.target, rel: a.rel, text: a.textContent })),
      };
    });
    assert.equal(md.strong, 'bold');
    assert.equal(md.code, 'code');
    assert.deepEqual(md.items, ['one', 'two']);
    assert.equal(md.scripts, 0, 'no script, img or handler element');
    assert.ok(md.text.includes('<script>window.__pwned = 1</script>'), 'the script tag is shown as text');
    assert.ok(md.text.includes('<img src=x onerror="window.__pwned = 2">'), 'the img tag is shown as text');
    assert.deepEqual(md.links, [{ href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer nofollow', text: 'a link' }]);
    assert.equal(await A.page.evaluate(() => window.__pwned), undefined, 'nothing ran');
    // The row is announced once, whole: the final row is not aria-hidden.
    assert.equal(await botRow(A.page).locator('[aria-hidden="true"].msg-text').count(), 0);
    await shot(A.page, 'assistant');
    noProblems(A);
  });

  test('Stop ends a long reply: "Stopped", the text so far kept, the backend connection closed', async () => {
    backend.script({ chunks: Array.from({ length: 60 }, (_, i) => `word${i} `), delayMs: 150 });
    const before = backend.requests.length;
    const prev = await lastBotId(A.page);
    await send(A.page, 'Tell me a long story');
    await waitFor(() => botRow(A.page).evaluate((li) => li.classList.contains('streaming') && (li.querySelector('.msg-stream')?.textContent ?? '').length > 10),
      { timeout: 10000, interval: 50, what: 'some text of the long reply' });
    await botRow(A.page).getByRole('button', { name: 'Stop the reply' }).click();
    const fin = await finalReply(A.page, prev);
    assert.equal(fin.stopped, '■Stopped');
    assert.equal(fin.error, null);
    assert.ok(fin.text.startsWith('word0 word1'), `text so far kept: ${fin.text}`);
    assert.ok(!fin.text.includes('word59'), 'not the whole reply');
    const rec = await backend.waitForClientClose(before, 5000);
    assert.equal(rec.finished, false, 'the backend saw its connection closed before the end');
    await shot(A.page, 'assistant-stopped');
    noProblems(A);
  });

  test('a backend error (HTTP 500) shows the error note', async () => {
    backend.queue({ status: 500, errorMessage: 'scripted 500' });
    const prev = await lastBotId(A.page);
    await send(A.page, 'This one fails');
    const fin = await finalReply(A.page, prev);
    assert.equal(fin.errorCode, 'upstream');
    assert.match(fin.error, /The assistant’s service answered with an error\./);
    assert.equal(fin.cursor, false);
    noProblems(A);
  });

  test('a question while a reply streams: the "busy" notice above the message box', async () => {
    backend.script({ chunks: Array.from({ length: 40 }, (_, i) => `w${i} `), delayMs: 150 });
    const prev = await lastBotId(A.page);
    await send(A.page, 'First question');
    await A.page.locator('#messages li.msg.bot.streaming').waitFor();
    await send(A.page, 'Second question meanwhile');
    await A.page.locator('#composer-notice', { hasText: 'The assistant is busy answering' }).waitFor({ timeout: 5000 });
    await shot(A.page, 'assistant-busy');
    await botRow(A.page).getByRole('button', { name: 'Stop the reply' }).click();
    await finalReply(A.page, prev);
    noProblems(A);
  });

  test('a delta lost on the way: the page reloads the reply over HTTP and goes on from there', async () => {
    const tab = await A.context.newPage();
    tab.on('pageerror', (e) => A.problems.push(`pageerror: ${e.message}`));
    let dropped = null;
    await tab.routeWebSocket(/\/ws/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        // Frames hold one JSON event per line (?batch=1): drop the first delta after offset 0.
        const lines = String(m).split('\n').filter((line) => {
          if (dropped !== null) return true;
          try {
            const e = JSON.parse(line);
            if (e.type === 'message.delta' && e.data.offset > 0) { dropped = e.data; return false; }
          } catch { /* not JSON */ }
          return true;
        });
        if (lines.length) ws.send(lines.join('\n'));
      });
    });
    const reloads = [];
    tab.on('request', (r) => { if (/\/messages\?before=\d+&limit=1$/.test(r.url())) reloads.push(r.url()); });
    await tab.goto(`/#room=${encodeURIComponent(await A.page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('room')))}`);
    await waitOnline(tab);
    await tab.locator('#room-title', { hasText: BOT_NAME }).waitFor();
    const chunks = ['alpha ', 'beta ', 'gamma ', 'delta ', 'epsilon ', 'zeta ', 'eta ', 'theta'];
    backend.script({ chunks, delayMs: 300 });
    await recordStream(tab);
    const prev = await lastBotId(tab);
    await send(tab, 'Count in Greek');
    const fin = await finalReply(tab, prev);
    assert.ok(dropped, 'the test dropped a delta');
    assert.equal(reloads.length >= 1, true, `reloaded by HTTP (GET …?before=<id+1>&limit=1): ${reloads}`);
    assert.ok(reloads[0].includes(`before=${Number(fin.id) + 1}&`), reloads[0]);
    const states = await tab.evaluate(() => window.__stream.map((s) => s.text));
    const full = chunks.join('');
    for (const t of states) assert.ok(t === null || full.startsWith(t), `never a wrong text: "${t}"`);
    assert.ok(states.some((t) => t && t.includes(dropped.text) && t !== full), 'the dropped text showed while it still streamed');
    assert.equal(fin.text.trim(), full);
    await tab.close();
    noProblems(A);
  });

  test('without /vendor/markdown-it.min.js a reply is plain text with its links', async () => {
    const plain = await newUser(browser, node.url);
    plain.name = uniqueName('carol');
    await plain.context.route('**/vendor/markdown-it.min.js', (r) => r.fulfill({ status: 404, body: 'not installed' }));
    await register(plain.page, plain.name);
    await plain.page.locator('#dm-list li').first().locator('button').click();
    await plain.page.locator('#room-title', { hasText: BOT_NAME }).waitFor();
    backend.script({ chunks: ['Some **bold** text, see https://example.com/x'], delayMs: 20 });
    await send(plain.page, 'Plain please');
    const fin = await finalReply(plain.page, 0);
    assert.equal(fin.markdown, false);
    assert.equal(fin.text, 'Some **bold** text, see https://example.com/x');
    assert.equal(await botRow(plain.page).locator('a[href="https://example.com/x"]').count(), 1, 'still linkified');
    assert.deepEqual(plain.problems, []);
  });
});
