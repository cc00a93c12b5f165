// Desktop notifications and per-room mute in a real browser (docs/protocol.md §2.11): Bob (Chromium,
// node 2) enables notifications with the button (the permission is asked only then); while his tab
// is hidden, a direct message from Alice (API, node 1) and a General message that @mentions him each
// raise one notification, a General message without a mention raises none, nor does anything while
// the tab is visible. Bob mutes the DM from its header: the next DM raises none, and the mute comes
// back from the server after a reload. The browser's Notification API and the tab's visibility are
// stood in for by an init script (headless Chromium shows no notifications); every wait is bounded.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiRegister, apiSend, cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, newUser, openRoom, register, roomButton } from './lib/browser.mjs';

let cluster;
let browser;
let alice; // API user on node 1: {user, token}
let B; // Bob in the browser on node 2
let dm;

/** Runs in the page before its scripts: a recording Notification and a switchable `document.hidden`. */
function fakeNotifications() {
  window.__notes = [];
  window.__hidden = false;
  class FakeNotification {
    constructor(title, options = {}) {
      window.__notes.push({ title, body: options.body ?? '', tag: options.tag ?? '' });
      this.onclick = null;
    }
    close() {}
    static requestPermission() {
      FakeNotification.permission = 'granted';
      window.__asked = (window.__asked ?? 0) + 1;
      return Promise.resolve('granted');
    }
  }
  FakeNotification.permission = sessionStorage.getItem('notes-granted') ? 'granted' : 'default';
  const ask = FakeNotification.requestPermission;
  FakeNotification.requestPermission = () => { sessionStorage.setItem('notes-granted', '1'); return ask(); };
  window.Notification = FakeNotification;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden });
}

const notes = () => B.page.evaluate(() => window.__notes);
const hide = (hidden) => B.page.evaluate((h) => { window.__hidden = h; }, hidden);

/** Waits until Bob's page has received message `id` in room `roomId` (it reached the store). */
async function delivered(roomId, text) {
  await waitFor(async () => (await roomButton(B.page, roomId === '0' ? 'General' : alice.user.username)
    .locator('.room-preview').textContent().catch(() => '')).includes(text), { timeout: 10000, interval: 100, what: `preview ${text}` });
}

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
  const [n1, n2] = cluster.nodes;
  alice = await apiRegister(n1, uniqueName('alice'));
  B = { ...(await newUser(browser, n2.url)), name: uniqueName('bob') };
  await B.context.addInitScript(fakeNotifications);
  await register(B.page, B.name);
  const me = await apiCall(n2.port, alice.token, 'GET', '/me');
  assert.equal(me.status, 200);
  const bob = (await apiCall(n1.port, alice.token, 'GET', `/users/search?q=${encodeURIComponent(B.name.toLowerCase())}`)).json.users[0];
  const created = await apiCall(n1.port, alice.token, 'POST', '/room', { user1: alice.user.id, user2: bob.id });
  assert.ok(created.status === 201 || created.status === 200, JSON.stringify(created));
  dm = created.json.id;
  await roomButton(B.page, alice.user.username).waitFor();
});

after(async () => {
  await closeAll();
  await cleanup();
});

describe('notifications and mute (Alice over the API on node 1, Bob in Chromium on node 2)', () => {
  test('the permission is asked only when Bob presses "Enable notifications"', async () => {
    const button = B.page.getByRole('button', { name: 'Enable notifications' });
    await button.waitFor();
    assert.equal(await B.page.evaluate(() => window.__asked ?? 0), 0, 'never asked on load');
    await button.click();
    await button.waitFor({ state: 'hidden' });
    assert.equal(await B.page.evaluate(() => window.__asked), 1);
  });

  test('hidden tab: a DM and a mention notify, a plain General message does not; a visible tab never', async () => {
    const port = cluster.nodes[0].port;
    await hide(true);
    await apiSend(port, alice.token, dm, 'are you there, **Bob**?');
    await waitFor(async () => (await notes()).length === 1, { timeout: 10000, interval: 100, what: 'the DM notification' });
    assert.deepEqual(await notes(), [{ title: alice.user.username, body: 'are you there, Bob?', tag: `room:${dm}` }]);
    await apiSend(port, alice.token, '0', 'lunch is ready');
    await delivered('0', 'lunch is ready');
    await apiSend(port, alice.token, '0', `@${B.name} the build is green`);
    await waitFor(async () => (await notes()).length === 2, { timeout: 10000, interval: 100, what: 'the mention notification' });
    assert.deepEqual((await notes())[1], { title: `${alice.user.username} in #General`, body: `@${B.name} the build is green`, tag: 'room:0' });
    await hide(false);
    await apiSend(port, alice.token, dm, 'never mind');
    await delivered(dm, 'never mind');
    assert.equal((await notes()).length, 2, 'nothing while the tab is visible');
  });

  test('a muted DM raises nothing; the mute is kept by the server', async () => {
    await openRoom(B.page, alice.user.username);
    const mute = B.page.locator('#room-mute');
    assert.equal(await mute.textContent(), 'Mute');
    await mute.click();
    await B.page.locator('#room-mute[aria-pressed="true"]', { hasText: 'Unmute' }).waitFor();
    await openRoom(B.page, 'General');
    await hide(true);
    await apiSend(cluster.nodes[0].port, alice.token, dm, 'muted ping');
    await delivered(dm, 'muted ping');
    assert.equal((await notes()).length, 2, 'no notification from a muted room');
    assert.ok(await roomButton(B.page, alice.user.username).evaluate((b) => b.classList.contains('muted')), 'the DM shows as muted');
    await hide(false);
    const rooms = await apiCall(cluster.nodes[0].port, alice.token, 'GET', `/rooms/${alice.user.id}`);
    assert.equal(rooms.json.find((r) => r.id === dm).muted, false, 'Alice\'s own setting is untouched');
    await B.page.reload();
    await openRoom(B.page, alice.user.username);
    await B.page.locator('#room-mute[aria-pressed="true"]', { hasText: 'Unmute' }).waitFor();
    assert.deepEqual(B.problems, []);
  });
});
