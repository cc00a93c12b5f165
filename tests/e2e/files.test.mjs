// Files, images and location in the browser (issue #24, /room/{id}/files, /files/{id}/{name}):
// Ann (node 1) attaches a PNG through the file input with her upload throttled: a progress bar
// moves, Send waits for it, then sends it without text; the preview has the PNG's width/height as
// attributes and its fitted box before the bytes arrive (Bob's file requests are held back), Bob
// (node 2) opens it full size (Escape closes, the focus goes back) and sees it in its thread view.
// A text file with words: Bob's card (name, size, a download link) downloads the same bytes; an edit
// keeps the card, a delete leaves the tombstone only and the file is gone (404). An image pasted into
// the box and a file dropped onto the conversation go in one message. A running upload is
// cancelled (×, aborted, Send stays off); a file over 10 MiB is refused before any request; a
// node with a lower --max-upload-bytes answers 413 and the strip says "File too large". Share
// location with the permission granted and a position set sends a location card (5 decimals,
// ± m, the OpenStreetMap link in a new tab) to both pages; denied, the notice says so, nothing sent.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { apiCall, cleanup, sleep, startCluster, startNode, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, registeredUser, shot } from './lib/browser.mjs';
import { makePng } from './lib/png.mjs';

const LIVE_MS = 8000;

describe('files, images and location (Ann on node 1, Bob on node 2)', () => {
  let cluster;
  let browser;
  let A;
  let B;
  let cdp; // Ann's page: network throttling

  const row = (page, id) => page.locator(`#messages li.msg[data-id="${id}"]`);
  const strip = (page) => page.locator('#attach-strip');
  const tokenOf = async (user) => (await user.context.cookies()).find((c) => c.name === 'chat_session')?.value;
  const newestId = (page) => page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('#messages li.msg[data-id]')].map((li) => Number(li.dataset.id))));
  async function throttle(kbps) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: kbps > 0 ? kbps * 1024 : -1 });
  }
  function noProblems(...users) {
    for (const u of users) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  }
  /** The message Bob (node 2) sees next: waits for a newer row than `afterId` and returns its id. */
  async function nextRow(page, afterId) {
    await waitFor(async () => await newestId(page) > afterId, { timeout: LIVE_MS, what: 'the new message on screen' });
    return newestId(page);
  }

  before(async () => {
    cluster = await startCluster(2);
    browser = await launch();
    A = await registeredUser(browser, cluster.nodes[0].url, uniqueName('fann'));
    B = await registeredUser(browser, cluster.nodes[1].url, uniqueName('fbob'));
    cdp = await A.context.newCDPSession(A.page);
    await cdp.send('Network.enable');
  });

  after(async () => {
    await closeAll();
    await cleanup();
  });

  test('a PNG through the file input: progress, Send waits, the preview keeps its box; Bob sees it full size', async () => {
    const png = makePng(640, 360, { noise: true }); // about 690 KB: a few seconds at 256 KB/s
    // Bob's page holds the file's bytes back for a while: its box must be there before them.
    await B.page.route('**/files/**', async (route) => { await sleep(1500); await route.continue(); });
    await A.page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => {
        const bar = document.querySelector('#attach-strip progress');
        if (bar) window.progressSeen.push(Number(bar.value));
      }).observe(document.querySelector('#attach-strip'), { subtree: true, childList: true, attributes: true });
    });
    const prev = await newestId(B.page);
    await throttle(256);
    await A.page.locator('#attach-input').setInputFiles({ name: 'noise photo.png', mimeType: 'image/png', buffer: png });
    const item = strip(A.page).locator('.att-pending', { hasText: 'noise photo.png' });
    await item.locator('progress').waitFor();
    assert.ok(await A.page.locator('#send').isDisabled(), 'Send waits for the upload');
    await shot(A.page, 'files-uploading');
    await item.getByText('Ready').waitFor({ timeout: 20000 });
    await throttle(0);
    const seen = await A.page.evaluate(() => window.progressSeen);
    assert.ok(seen.some((v) => v > 0 && v < 100), `the bar moved between 0 and 100: ${seen.join(',')}`);
    assert.ok(!(await A.page.locator('#send').isDisabled()), 'Send is on with only a file (no text)');
    await A.page.locator('#send').click();
    await strip(A.page).waitFor({ state: 'hidden' });

    const id = await nextRow(B.page, prev);
    for (const page of [A.page, B.page]) {
      const img = row(page, id).locator('.att-image img');
      await img.waitFor({ timeout: LIVE_MS });
      assert.equal(await img.getAttribute('width'), '640');
      assert.equal(await img.getAttribute('height'), '360');
      assert.equal(await img.getAttribute('loading'), 'lazy');
      assert.equal(await img.getAttribute('alt'), 'noise photo.png');
      assert.match(await img.getAttribute('src'), /^\/files\/[^/]+\/noise%20photo\.png$/);
      const box = await img.boundingBox();
      assert.ok(Math.abs(box.width - 360) < 1 && Math.abs(box.height - 202.5) < 1.5, `the box is reserved: ${JSON.stringify(box)}`);
      assert.equal(await row(page, id).locator('.msg-bubble').count(), 0, 'no empty bubble');
    }
    assert.equal(await row(B.page, id).locator('.att-image img').evaluate((i) => i.naturalWidth), 0, 'Bob\'s bytes are still held back');
    await waitFor(() => row(B.page, id).locator('.att-image img').evaluate((i) => i.complete && i.naturalWidth === 640), { timeout: LIVE_MS, what: 'the image loaded' });
    const loaded = await row(B.page, id).locator('.att-image img').boundingBox();
    assert.ok(Math.abs(loaded.height - 202.5) < 1.5, 'no layout jump once loaded');
    await B.page.unroute('**/files/**');

    // Full size: a dialog with the image; Escape closes it and the focus returns to the preview.
    await row(B.page, id).getByRole('button', { name: /View image noise photo\.png/ }).click();
    const dialog = B.page.locator('dialog.lightbox[open]');
    await dialog.waitFor();
    await waitFor(() => dialog.locator('img').evaluate((i) => i.complete && i.naturalWidth === 640), { timeout: LIVE_MS, what: 'the full-size image' });
    await shot(B.page, 'files-lightbox');
    await B.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' }).catch(() => dialog.waitFor({ state: 'hidden' }));
    assert.ok(await row(B.page, id).locator('.att-image').evaluate((b) => b === document.activeElement), 'focus back on the preview');

    // The thread view shows the parent with its image.
    await row(B.page, id).hover();
    await row(B.page, id).getByRole('button', { name: /Reply in thread/ }).click();
    await B.page.locator('#thread-parent .att-image img[width="640"]').waitFor();
    await B.page.locator('#thread-close').click();

    // The stored file: Bob may read it; its bytes are the PNG's.
    const src = await row(B.page, id).locator('.att-image img').getAttribute('src');
    const res = await fetch(`${cluster.nodes[1].url}${src}`, { headers: { Authorization: `Bearer ${await tokenOf(B)}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(png));
    await shot(B.page, 'files-image');
    noProblems(A, B);
  });

  test('a file with words: Bob downloads it from its card; an edit keeps it, a delete removes it', async () => {
    const body = Buffer.from('hello files\nsecond line\n');
    const name = 'report é 1.txt';
    const prev = await newestId(B.page);
    await A.page.locator('#attach-input').setInputFiles({ name, mimeType: 'text/plain', buffer: body });
    await strip(A.page).locator('.att-pending', { hasText: name }).getByText('Ready').waitFor({ timeout: LIVE_MS });
    const box = A.page.getByLabel('Message', { exact: true });
    await box.fill('here is the report');
    await box.press('Enter');
    const id = await nextRow(B.page, prev);
    const card = row(B.page, id).locator('.att-file');
    await card.waitFor();
    assert.equal(await row(B.page, id).locator('.msg-text').textContent(), 'here is the report');
    assert.equal(await card.locator('.att-file-name').textContent(), name);
    assert.equal(await card.locator('.att-file-size').textContent(), `${body.length} B`);
    const link = card.getByRole('link', { name: `Download ${name} (${body.length} B)` });
    assert.equal(await link.getAttribute('download'), name);
    assert.match(await link.getAttribute('href'), /^\/files\//);
    const [download] = await Promise.all([B.page.waitForEvent('download'), link.click()]);
    assert.ok(fs.readFileSync(await download.path()).equals(body), 'the downloaded bytes');
    await shot(B.page, 'files-card');

    // An edit changes the text only; a delete leaves the tombstone, and the file is gone.
    const token = await tokenOf(A);
    const url = await link.getAttribute('href');
    assert.equal((await apiCall(cluster.nodes[0].port, token, 'PATCH', `/room/0/messages/${id}`, { message: 'the report, edited' })).status < 300, true);
    await row(B.page, id).locator('.msg-edited').waitFor({ timeout: LIVE_MS });
    assert.equal(await row(B.page, id).locator('.msg-text').textContent(), 'the report, edited');
    assert.equal(await row(B.page, id).locator('.att-file').count(), 1, 'the edit kept the file');
    assert.equal((await apiCall(cluster.nodes[0].port, token, 'DELETE', `/room/0/messages/${id}`)).status < 300, true);
    await row(B.page, id).locator('.msg-tombstone').waitFor({ timeout: LIVE_MS });
    assert.equal(await row(B.page, id).locator('.msg-attachments').count(), 0, 'the tombstone only');
    assert.equal(await row(A.page, id).locator('.msg-attachments').count(), 0);
    const gone = await fetch(`${cluster.nodes[1].url}${url}`, { headers: { Authorization: `Bearer ${await tokenOf(B)}` } });
    assert.equal(gone.status, 404, 'deleting the message deleted its file');
    noProblems(A, B);
  });

  test('an image pasted into the box and a file dropped onto the conversation go in one message', async () => {
    const png = makePng(120, 80);
    await A.page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      document.querySelector('#composer-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString('base64'));
    await strip(A.page).locator('.att-pending', { hasText: /^pasted-image-/ }).waitFor();
    await A.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' }));
      const zone = document.querySelector('#conversation');
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await strip(A.page).locator('.att-pending.att-done').nth(1).waitFor({ timeout: LIVE_MS });
    assert.ok(!(await A.page.locator('#conversation').evaluate((z) => z.classList.contains('drop-target'))), 'the drop hint is gone');
    const prev = await newestId(B.page);
    await A.page.locator('#send').click();
    const id = await nextRow(B.page, prev);
    await row(B.page, id).locator('.att-image img[width="120"][height="80"]').waitFor();
    assert.match(await row(B.page, id).locator('.att-image img').getAttribute('alt'), /^pasted-image-\d{8}-\d{6}\.png$/);
    assert.equal(await row(B.page, id).locator('.att-file-name').textContent(), 'table.csv');
    noProblems(A, B);
  });

  test('a reply in a thread carries a file (no text): in the thread on both pages, never in the room\'s list', async () => {
    const id = await newestId(B.page);
    await row(B.page, id).hover();
    await row(B.page, id).getByRole('button', { name: /Reply in thread/ }).click();
    await B.page.locator('#thread-attach-input').setInputFiles({ name: 'reply.txt', mimeType: 'text/plain', buffer: Buffer.from('in the thread') });
    await B.page.locator('#thread-attach-strip .att-pending', { hasText: 'reply.txt' }).getByText('Ready').waitFor({ timeout: LIVE_MS });
    assert.ok(!(await B.page.locator('#thread-send').isDisabled()), 'Send is on with only a file');
    await B.page.locator('#thread-send').click();
    await B.page.locator('#thread-replies li.msg[data-id] .att-file-name', { hasText: 'reply.txt' }).waitFor({ timeout: LIVE_MS });
    assert.equal(await B.page.locator('#thread-replies li.msg[data-id] .msg-bubble').count(), 0, 'no empty bubble');
    assert.equal(await B.page.locator('#messages .att-file-name', { hasText: 'reply.txt' }).count(), 0, 'not in the room\'s list');
    const replies = await apiCall(cluster.nodes[1].port, await tokenOf(B), 'GET', `/room/0/messages/${id}/replies?limit=5`);
    assert.equal(replies.json[0].attachments?.[0]?.name, 'reply.txt');
    await row(A.page, id).locator('.thread-link').click({ timeout: LIVE_MS });
    await A.page.locator('#thread-replies .att-file-name', { hasText: 'reply.txt' }).waitFor({ timeout: LIVE_MS });
    await shot(A.page, 'files-thread');
    await A.page.locator('#thread-close').click();
    await B.page.locator('#thread-close').click();
    noProblems(A, B);
  });

  test('share location in a thread: the reply carries it (card in the thread on both pages, not in the room\'s list); denied → the thread\'s notice', async () => {
    await B.context.grantPermissions(['geolocation'], { origin: cluster.nodes[1].url });
    await B.context.setGeolocation({ latitude: 45.8326, longitude: 6.8652, accuracy: 12 });
    const id = await newestId(B.page);
    await row(B.page, id).hover();
    await row(B.page, id).getByRole('button', { name: /Reply in thread/ }).click();
    await B.page.getByLabel('Reply', { exact: true }).fill('at the hut');
    await B.page.getByRole('button', { name: 'Share location in the thread' }).click();
    const card = B.page.locator('#thread-replies li.msg[data-id] .att-location', { hasText: '45.83260, 6.86520' });
    await card.waitFor({ timeout: LIVE_MS });
    assert.equal(await card.locator('.att-loc-acc').textContent(), '± 12 m');
    const reply = B.page.locator('#thread-replies li.msg[data-id]', { has: B.page.locator('.att-location', { hasText: '45.83260' }) });
    assert.equal(await reply.locator('.msg-text').textContent(), 'at the hut');
    assert.equal(await B.page.getByLabel('Reply', { exact: true }).inputValue(), '', 'the box is emptied');
    assert.equal(await B.page.locator('#messages .att-location', { hasText: '45.83260' }).count(), 0, 'not in the room\'s list');
    const replies = await apiCall(cluster.nodes[1].port, await tokenOf(B), 'GET', `/room/0/messages/${id}/replies?limit=5`);
    const loc = replies.json.find((r) => r.location)?.location;
    assert.ok(loc && Math.abs(loc.lat - 45.8326) < 1e-9 && Math.abs(loc.lon - 6.8652) < 1e-9 && loc.accuracy === 12, `stored: ${JSON.stringify(loc)}`);
    await row(A.page, id).locator('.thread-link').click({ timeout: LIVE_MS });
    await A.page.locator('#thread-replies .att-location', { hasText: '45.83260, 6.86520' }).waitFor({ timeout: LIVE_MS });
    await A.page.locator('#thread-close').click();

    // Denied: the thread's notice says so, and nothing is sent.
    await B.context.clearPermissions();
    const count = await B.page.locator('#thread-replies li.msg').count();
    await B.page.getByRole('button', { name: 'Share location in the thread' }).click();
    await B.page.locator('#thread-notice', { hasText: 'Location access was denied' }).waitFor();
    await sleep(500);
    assert.equal(await B.page.locator('#thread-replies li.msg').count(), count, 'nothing sent');
    await B.page.locator('#thread-close').click();
    noProblems(A, B);
  });

  test('cancel a running upload; a file over 10 MiB is refused before any request', async () => {
    const requests = [];
    const onRequest = (r) => { if (r.method() === 'POST' && /\/files$/.test(r.url())) requests.push(r.url()); };
    A.page.on('request', onRequest);
    await throttle(64);
    await A.page.locator('#attach-input').setInputFiles({ name: 'slow.png', mimeType: 'image/png', buffer: makePng(400, 400, { noise: true }) });
    const item = strip(A.page).locator('.att-pending', { hasText: 'slow.png' });
    await item.locator('progress').waitFor();
    await item.getByRole('button', { name: 'Cancel the upload of slow.png' }).click();
    await strip(A.page).waitFor({ state: 'hidden' });
    await throttle(0);
    assert.ok(await A.page.locator('#send').isDisabled(), 'nothing to send');
    assert.equal(requests.length, 1, 'the cancelled upload was the only request');

    await A.page.locator('#attach-input').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    const huge = strip(A.page).locator('.att-pending', { hasText: 'huge.bin' });
    await huge.getByRole('alert').filter({ hasText: 'File too large (max 10 MB)' }).waitFor();
    assert.equal(requests.length, 1, 'no request for the file over the limit');
    assert.ok(await A.page.locator('#send').isDisabled(), 'a refused file is not sent');
    await shot(A.page, 'files-too-large');
    await huge.getByRole('button', { name: 'Remove huge.bin' }).click();
    await strip(A.page).waitFor({ state: 'hidden' });
    A.page.off('request', onRequest);
    noProblems(A);
  });

  test('the server\'s own limit (--max-upload-bytes): its 413 reads "File too large"', async () => {
    const node = await startNode({ redisUrl: cluster.redis.url, serverId: 'e2e-small', args: ['--max-upload-bytes', '65536'] });
    const C = await registeredUser(browser, node.url, uniqueName('fcid'));
    await C.page.locator('#attach-input').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: makePng(200, 200, { noise: true }) });
    const item = strip(C.page).locator('.att-pending', { hasText: 'big.png' });
    await item.getByRole('alert').filter({ hasText: /^File too large \(max / }).waitFor({ timeout: LIVE_MS });
    assert.ok(await C.page.locator('#send').isDisabled());
    noProblems(C);
    await C.context.close();
  });

  test('share location: granted → a location card on both pages; denied → the notice, nothing sent', async () => {
    await A.context.grantPermissions(['geolocation'], { origin: cluster.nodes[0].url });
    await A.context.setGeolocation({ latitude: 48.8583701, longitude: 2.2944813, accuracy: 25 });
    let prev = await newestId(B.page);
    await A.page.getByRole('button', { name: 'Share location' }).click();
    let id = await nextRow(B.page, prev);
    const osm = 'https://www.openstreetmap.org/?mlat=48.85837&mlon=2.29448#map=16/48.85837/2.29448';
    for (const page of [A.page, B.page]) {
      const card = row(page, id).locator('.att-location');
      await card.waitFor({ timeout: LIVE_MS });
      assert.equal(await card.locator('.att-loc-coords').textContent(), '48.85837, 2.29448');
      assert.equal(await card.locator('.att-loc-acc').textContent(), '± 25 m');
      const link = card.getByRole('link', { name: 'Open in OpenStreetMap' });
      assert.equal(await link.getAttribute('href'), osm);
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.match(await link.getAttribute('rel'), /\bnoopener\b/);
      assert.equal(await row(page, id).locator('.msg-bubble').count(), 0, 'no empty bubble');
    }
    const stored = await apiCall(cluster.nodes[1].port, await tokenOf(B), 'GET', '/room/0/messages?limit=1');
    const loc = stored.json[0].location;
    assert.ok(Math.abs(loc.lat - 48.8583701) < 1e-9 && Math.abs(loc.lon - 2.2944813) < 1e-9 && loc.accuracy === 25, `stored as numbers: ${JSON.stringify(loc)}`);
    assert.equal(stored.json[0].message, '');

    // With words in the box: they go with the location.
    prev = id;
    await A.page.getByLabel('Message', { exact: true }).fill('meet me here');
    await A.page.getByRole('button', { name: 'Share location' }).click();
    id = await nextRow(B.page, prev);
    await row(B.page, id).locator('.att-location').waitFor({ timeout: LIVE_MS });
    assert.equal(await row(B.page, id).locator('.msg-text').textContent(), 'meet me here');
    await shot(B.page, 'files-location');

    // Denied: the notice says so, and nothing is sent.
    await A.context.clearPermissions();
    const count = await A.page.locator('#messages li.msg').count();
    await A.page.getByRole('button', { name: 'Share location' }).click();
    await A.page.locator('#composer-notice', { hasText: 'Location access was denied' }).waitFor();
    await sleep(500);
    assert.equal(await A.page.locator('#messages li.msg').count(), count, 'nothing sent');
    await shot(A.page, 'files-location-denied');
    noProblems(A, B);
  });
});
