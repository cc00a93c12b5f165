// Debian's Chromium driven by playwright-core (never `npx playwright install`), plus page helpers.

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { REPO, waitFor } from './harness.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SHOTS = path.join(REPO, 'tests/e2e/screenshots');
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

const browsers = new Set();
process.on('exit', () => {
  for (const b of browsers) { try { b.process?.()?.kill('SIGKILL'); } catch { /* gone */ } }
});

/** Launches headless Chromium (Playwright gives it a fresh, temporary --user-data-dir). */
export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30000 });
  browsers.add(browser);
  browser.on('disconnected', () => browsers.delete(browser));
  return browser;
}

export async function closeAll() {
  await Promise.all([...browsers].map((b) => b.close().catch(() => {})));
}

export function chromiumVersion() {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 10000 });
  return (r.stdout || '').trim();
}

/**
 * A user in its own browser context (own cookies). Collects page errors and console errors
 * (CSP violations are console errors) into `problems`.
 */
export async function newUser(browser, baseUrl, { viewport = { width: 1280, height: 800 }, reducedMotion = 'reduce' } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion, baseURL: baseUrl });
  context.setDefaultTimeout(10000);
  const problems = [];
  const page = watch(await context.newPage(), problems);
  return { context, page, problems };
}

/** Another tab of the same user (same context, so the same session cookie); problems go to the user's list. */
export async function newTab(user) {
  return watch(await user.context.newPage(), user.problems);
}

function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Expected while a node is down: the browser logs failed WebSocket/fetch attempts.
    if (/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return page;
}

export async function register(page, username, password = 'password123') {
  await page.goto('/');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await waitOnline(page);
}

/** A new user in its own browser context on `baseUrl`, registered through the page: {context, page, problems, name}. */
export async function registeredUser(browser, baseUrl, name) {
  const user = { ...(await newUser(browser, baseUrl)), name };
  await register(user.page, name);
  return user;
}

export async function login(page, username, password = 'password123') {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitOnline(page);
}

/** Waits until the live connection is open (the sidebar says "Online"). */
export async function waitOnline(page, timeout = 15000) {
  await page.waitForFunction(() => document.querySelector('#conn-state')?.textContent === 'Online', null, { timeout });
}

export async function send(page, text) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/**
 * Rendered messages of the open room: [{id, text, from, pending}] in screen order. A tombstone's
 * text is "This message was deleted"; a message open in the inline editor has text null.
 */
export function rendered(page) {
  return page.$$eval('#messages li.msg', (lis) => lis.map((li) => ({
    id: li.dataset.id ?? null,
    clientId: li.dataset.clientId ?? null,
    from: li.dataset.from,
    text: li.querySelector('.msg-text')?.textContent ?? null,
    status: li.classList.contains('failed') ? 'failed' : li.classList.contains('pending') ? 'pending' : 'sent',
  })));
}

/** Waits until the open room shows every text in `texts` as a sent message. */
export async function waitTexts(page, texts, timeout = 10000) {
  await waitFor(async () => {
    const got = (await rendered(page)).filter((m) => m.status === 'sent').map((m) => m.text);
    return texts.every((t) => got.includes(t));
  }, { timeout, interval: 100, what: `messages ${JSON.stringify(texts).slice(0, 200)} on screen` });
}

export async function openRoom(page, name) {
  await page.locator('#room-nav .room-btn', { has: page.locator('.room-name', { hasText: name }) }).first().click();
  await page.locator('#room-title', { hasText: name }).waitFor();
}

export function roomButton(page, name) {
  return page.locator('#room-nav .room-btn', { has: page.locator('.room-name', { hasText: name }) }).first();
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
