// Reactions in real browsers (docs/protocol.md: the `reaction` frame and event, `reactions` on history
// messages): Alice on node 1 and Bob on node 2, in two browser contexts. Alice reacts from the
// picker of a message (hover → React); Bob sees the chip with its count; Bob clicks the chip (his
// reaction too) and Alice sees the count 2, with both names in its tooltip and hers highlighted;
// Alice clicks it again to remove hers; after a reload the state comes from history. Every wait is
// bounded; no fixed sleeps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, startCluster, uniqueName, waitFor } from './lib/harness.mjs';
import { closeAll, launch, registeredUser, rendered, send, waitOnline, waitTexts } from './lib/browser.mjs';

const PARTY = '🎉';

let cluster;
let browser;
let A; // Alice: {context, page, problems, name}
let B; // Bob

before(async () => {
  cluster = await startCluster(2);
  browser = await launch();
  const [n1, n2] = cluster.nodes;
  A = await registeredUser(browser, n1.url, uniqueName('alice'));
  B = await registeredUser(browser, n2.url, uniqueName('bob'));
});

after(async () => {
  await closeAll();
  await cleanup();
});

const row = (page, id) => page.locator(`#messages li.msg[data-id="${id}"]`);

/** The chips under message `id`: [{emoji, count, mine, title}]. */
function chips(page, id) {
  return page.evaluate((id) => [...document.querySelectorAll(`#messages li.msg[data-id="${id}"] .reaction-chip`)].map((c) => ({
    emoji: c.querySelector('.reaction-emoji').textContent,
    count: Number(c.querySelector('.reaction-count').textContent),
    mine: c.classList.contains('mine'),
    title: c.title,
  })), String(id));
}

/** Waits until the chips of message `id` are `want` (emoji, count, mine; ≤ 10 s); returns them. */
async function waitChips(page, id, want, what) {
  let got;
  await waitFor(async () => {
    got = await chips(page, id);
    const short = got.map(({ emoji, count, mine }) => ({ emoji, count, mine }));
    if (JSON.stringify(short) !== JSON.stringify(want)) throw new Error(`chips of ${id}: ${JSON.stringify(got)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
  return got;
}

/** Waits until the first chip of message `id` has the tooltip `title` (≤ 10 s). */
async function waitTitle(page, id, title, what) {
  await waitFor(async () => {
    const got = await chips(page, id);
    if (got[0]?.title !== title) throw new Error(`chips of ${id}: ${JSON.stringify(got)}`);
    return true;
  }, { timeout: 10000, interval: 100, what });
}

describe('reactions (Alice on node 1, Bob on node 2)', () => {
  let id;

  test('Alice reacts from the picker; Bob sees the chip with its count', async () => {
    await send(A.page, 'react to this');
    await waitTexts(B.page, ['react to this']);
    await waitFor(async () => {
      id = (await rendered(A.page)).filter((m) => m.text === 'react to this' && m.status === 'sent').at(-1)?.id;
      return id !== undefined;
    }, { timeout: 10000, interval: 50, what: 'the message sent' });

    const r = row(A.page, id);
    await r.hover();
    await r.getByRole('button', { name: 'React' }).click();
    const picker = r.getByRole('group', { name: 'Add a reaction' });
    await picker.waitFor();
    assert.equal(await picker.getByRole('button').count(), 16, 'a picker of 16 emoji');
    await picker.getByRole('button', { name: PARTY }).click();
    await picker.waitFor({ state: 'detached' });
    await waitChips(A.page, id, [{ emoji: PARTY, count: 1, mine: true }], 'Alice sees her reaction');
    await waitChips(B.page, id, [{ emoji: PARTY, count: 1, mine: false }], 'Bob sees Alice\'s reaction');
    await waitTitle(B.page, id, `${A.name} reacted with ${PARTY}`, 'who reacted, in the tooltip');
  });

  test('Bob toggles the chip: Alice sees the count 2; Alice removes hers: both see 1', async () => {
    await row(B.page, id).locator('.reaction-chip').click();
    await waitChips(B.page, id, [{ emoji: PARTY, count: 2, mine: true }], 'Bob: his reaction added');
    await waitChips(A.page, id, [{ emoji: PARTY, count: 2, mine: true }], 'Alice sees the count 2');
    // Bob never wrote in this room: his name is looked up after his reaction came
    await waitTitle(A.page, id, `You, ${B.name} reacted with ${PARTY}`, 'both names in the tooltip');

    await row(A.page, id).locator('.reaction-chip').click();
    await waitChips(A.page, id, [{ emoji: PARTY, count: 1, mine: false }], 'Alice: hers removed');
    await waitChips(B.page, id, [{ emoji: PARTY, count: 1, mine: true }], 'Bob sees Alice\'s removal');

    // Bob removes his too: the bar goes away everywhere
    await row(B.page, id).locator('.reaction-chip').click();
    await waitChips(B.page, id, [], 'Bob: no chips left');
    await waitChips(A.page, id, [], 'Alice: no chips left');
    await row(B.page, id).locator('.reaction-chip').waitFor({ state: 'detached' });
  });

  test('after a reload the reactions come from history', async () => {
    const r = row(B.page, id);
    await r.hover();
    await r.getByRole('button', { name: 'React' }).click();
    await r.getByRole('group', { name: 'Add a reaction' }).getByRole('button', { name: '👍' }).click();
    await waitChips(A.page, id, [{ emoji: '👍', count: 1, mine: false }], 'Alice sees Bob\'s 👍');
    await A.page.reload();
    await waitOnline(A.page);
    await waitTexts(A.page, ['react to this']);
    await waitChips(A.page, id, [{ emoji: '👍', count: 1, mine: false }], 'the same from history');
    for (const u of [A, B]) assert.deepEqual(u.problems, [], `${u.name}: page errors / console errors (CSP?)`);
  });
});
