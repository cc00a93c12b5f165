// Presence that scales with what a client shows (docs/protocol.md §2.3, `presence.watch`), on two
// nodes: a watching connection gets a `presence` snapshot of the users it adds, then only their
// user.connected / user.disconnected; a connection that never watches keeps everyone's, collected
// per window (--presence-window-ms) with one frame per user (its final state); bad watch frames get documented
// errors; a connect storm of 200 web-protocol clients costs each a handful of presence frames.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, register, uniqueName, sleep } from './lib/harness.mjs';
import { startCluster } from './lib/cluster.mjs';
import { WsClient, closeAllLive, expectNothing } from './lib/live.mjs';

const T = { timeout: 120000 };
// Wider than the default 100 ms: a window must outlast the few envelopes published together below
// even in a TSan build on a busy machine (where 100 ms once split them).
const WINDOW_MS = 500;
const STORM = 200;
const PARTNERS = 3;
let cluster;
let n1;
let n2;
let W; // watches
let E; // never watches: everyone's presence
let A;
let B;
let X;

after(async () => {
  await closeAllLive();
  await cleanup();
});

const isPresence = (e) => e.type === 'user.connected' || e.type === 'user.disconnected';
const presenceOf = (id) => (e) => isPresence(e) && e.data?.id === id;
const sign = (e) => `${e.type === 'user.connected' ? '+' : '-'}${e.data?.id}`;
const byId = (rows) => Object.fromEntries(rows.map((r) => [r.id, r]));

/** Waits until `ws` got nothing for `quietMs` (at most `maxMs`). */
async function quiet(ws, quietMs = 1500, maxMs = 20000) {
  const end = Date.now() + maxMs;
  let n = -1;
  while (Date.now() < end && ws.events.length !== n) {
    n = ws.events.length;
    await sleep(quietMs);
  }
}

test('setup: two nodes (bcrypt cost 4), users W, E, A, B, X', T, async () => {
  cluster = await startCluster({ n: 2, prefix: 'pw', nodeArgs: ['--bcrypt-cost', '4', '--presence-window-ms', String(WINDOW_MS)] });
  [n1, n2] = cluster.nodes;
  await register(n1, uniqueName('admin'));
  W = await register(n1, uniqueName('W'));
  E = await register(n1, uniqueName('E'));
  A = await register(n2, uniqueName('A'));
  B = await register(n2, uniqueName('B'));
  X = await register(n2, uniqueName('X'));
});

test('a watching connection gets a snapshot of the users it adds, then only theirs (across nodes); others keep everyone\'s', T, async () => {
  const wsA = await WsClient.connect(n2.port, { client: A, label: 'A' }); // A online before the watch
  await wsA.ping();
  const wsE = await WsClient.connect(n1.port, { client: E, label: 'E' });
  const wsW = await WsClient.connect(n1.port, { client: W, label: 'W', path: '/ws?presence=watch' });
  await wsE.ping();
  await wsW.ping();
  const fromE = wsE.mark();

  const from = wsW.mark();
  wsW.send({ type: 'presence.watch', users: [A.user.id, B.user.id, A.user.id, '999999999'] });
  const snap = await wsW.waitFor((e) => e.type === 'presence', 5000, { from, what: 'presence snapshot' });
  assert.deepEqual(byId(snap.data.users), {
    [A.user.id]: { id: A.user.id, username: A.user.username, online: true },
    [B.user.id]: { id: B.user.id, username: B.user.username, online: false },
  }, 'the snapshot: A online, B offline; an unknown id is left out');

  const wsB = await WsClient.connect(n2.port, { client: B, label: 'B' });
  const wsX = await WsClient.connect(n2.port, { client: X, label: 'X' });
  await wsW.waitFor(presenceOf(B.user.id), 5000, { from, what: 'user.connected of B (watched, other node)' });
  await wsE.waitFor(presenceOf(X.user.id), 5000, { from: fromE, what: 'E gets user.connected of X (everyone\'s)' });
  await wsE.waitFor(presenceOf(B.user.id), 5000, { from: fromE, what: 'E gets user.connected of B' });
  await wsA.close();
  await wsW.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === A.user.id, 6000, { from, what: 'user.disconnected of A (after the grace)' });
  await wsE.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === A.user.id, 6000, { from: fromE, what: 'E: A left' });
  await sleep(WINDOW_MS + 300);
  assert.deepEqual(wsW.events.slice(from).filter(isPresence).map(sign), [`+${B.user.id}`, `-${A.user.id}`],
    'W: only its watched users, not X');

  // A new watch replaces the set: B out, X in (snapshot of X only).
  const from2 = wsW.mark();
  wsW.send({ type: 'presence.watch', users: [A.user.id, X.user.id] });
  const snap2 = await wsW.waitFor((e) => e.type === 'presence', 5000, { from: from2, what: 'second snapshot' });
  assert.deepEqual(snap2.data.users, [{ id: X.user.id, username: X.user.username, online: true }], 'only the added user');
  await wsB.close();
  await wsX.close();
  await wsW.waitFor(presenceOf(X.user.id), 6000, { from: from2, what: 'X left' });
  await wsE.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === B.user.id, 6000, { from: fromE, what: 'E: B left' });
  await sleep(WINDOW_MS + 300);
  assert.deepEqual(wsW.events.slice(from2).filter(isPresence).map(sign), [`-${X.user.id}`], 'B is no longer watched');

  // An empty watch: nobody. A plain connection switches to watching with its first watch.
  const from3 = wsE.mark();
  wsE.send({ type: 'presence.watch', users: [] });
  const empty = await wsE.waitFor((e) => e.type === 'presence', 5000, { from: from3, what: 'empty snapshot' });
  assert.deepEqual(empty.data, { users: [] });
  const again = await WsClient.connect(n2.port, { client: A, label: 'A again' });
  await again.ping();
  assert.deepEqual((await expectNothing(wsE, isPresence, 1500, { from: from3 })).map(sign), [], 'E watches nobody now');
  await again.close();
  await wsE.close();
  await wsW.close();
});

test('a connection that never watches gets everyone\'s presence per window, one frame per user (its final state)', T, async () => {
  const wsE = await WsClient.connect(n1.port, { client: E, label: 'E plain' }); // plain mode: one event per frame
  await wsE.ping();
  await sleep(2 * WINDOW_MS); // a quiet spell: the next change goes out at once and opens a window
  const from = wsE.mark();
  const env = (id, online) => JSON.stringify({
    serverId: 'another-node', type: online ? 'user.connected' : 'user.disconnected', data: { id, username: `ghost${id}`, online },
  });
  // Another node's changes: a first one goes out at once (the quiet spell) and opens a window; a user
  // connecting and leaving again, published back to back right after it, falls inside that window.
  // (Publishing all six together would race the first flush against the subscriber's reads.)
  cluster.redis.cli('PUBLISH', 'MESSAGES', env('900001', true));
  await wsE.waitFor(presenceOf('900001'), 3000, { from, what: 'the first change, at once' });
  cluster.redis.cli('EVAL', "for i = 1, #ARGV do redis.call('PUBLISH', 'MESSAGES', ARGV[i]) end", '0',
    env('900002', true), env('900003', true), env('900002', false), env('900003', false), env('900003', true));
  await wsE.waitFor(presenceOf('900003'), 3000, { from, what: 'the window\'s frames' });
  await sleep(WINDOW_MS);
  // Only the ghosts: real users of the previous test may still be going offline (their grace).
  const got = wsE.events.slice(from).filter((e) => isPresence(e) && /^9000\d\d$/.test(e.data?.id)).map(sign);
  assert.deepEqual(got, ['+900001', '-900002', '+900003'], 'one frame per user: its final state');
  for (const raw of wsE.raw) assert.ok(!String(raw).includes('\n'), 'plain mode: one event per WebSocket message');
  await wsE.close();
});

test('bad presence.watch frames get documented errors (with the clientId) and do not close the connection', T, async () => {
  const ws = await WsClient.connect(n1.port, { client: W, label: 'W bad', path: '/ws?presence=watch' });
  const cases = [
    [{ type: 'presence.watch', clientId: 'p1' }, 'bad_request', 'users must be an array of user ids'],
    [{ type: 'presence.watch', users: { a: 1 }, clientId: 'p2' }, 'bad_request', 'users must be an array of user ids'],
    [{ type: 'presence.watch', users: [7], clientId: 'p3' }, 'bad_request', 'users must hold user id strings'],
    [{ type: 'presence.watch', users: ['../x'], clientId: 'p4' }, 'bad_request', 'users must hold user id strings'],
    [{ type: 'presence.watch', users: Array.from({ length: 501 }, (_, i) => String(i + 1)), clientId: 'p5' },
      'too_long', 'presence.watch names at most 500 users'],
  ];
  for (const [frame, code, message] of cases) {
    const from = ws.mark();
    ws.send(frame);
    const err = await ws.waitFor((e) => e.type === 'error', 5000, { from, what: `error for ${frame.clientId}` });
    assert.deepEqual(err.data, { code, message, clientId: frame.clientId });
  }
  const from = ws.mark();
  ws.send({ type: 'presence.watch', users: Array.from({ length: 500 }, (_, i) => String(900000 + i)) });
  const snap = await ws.waitFor((e) => e.type === 'presence', 5000, { from, what: '500 users are fine' });
  assert.deepEqual(snap.data.users, [], 'unknown users are left out');
  await ws.ping();
  await ws.close();
});

test(`a connect storm of ${STORM} web-protocol clients (batch, presence=watch, resume, watch of ${PARTNERS} partners) costs each a few presence frames`, T, async () => {
  const users = await Promise.all(Array.from({ length: STORM }, (_, i) => register(i % 2 ? n2 : n1, uniqueName(`st${i}`))));
  const conns = await Promise.all(users.map(async (u, i) => {
    const ws = await WsClient.connect((i % 2 ? n2 : n1).port, { client: u, label: `st${i}`, batch: true, path: '/ws?presence=watch' });
    ws.send({ type: 'resume', rooms: {} });
    ws.send({ type: 'presence.watch', users: Array.from({ length: PARTNERS }, (_, k) => users[(i + 1 + k) % STORM].user.id) });
    return ws;
  }));
  const partnersOf = (i) => Array.from({ length: PARTNERS }, (_, k) => users[(i + 1 + k) % STORM].user.id);
  // Who each connection knows online: from its snapshot or a later user.connected.
  const knownOnline = (ws) => {
    const online = new Set();
    for (const e of ws.events) {
      if (e.type === 'presence') for (const u of e.data.users) if (u.online) online.add(u.id);
      if (e.type === 'user.connected') online.add(e.data.id);
    }
    return online;
  };
  const missing = () => conns.flatMap((ws, i) => partnersOf(i).filter((id) => !knownOnline(ws).has(id)).map((id) => `${ws.label}:${id}`));
  const end = Date.now() + 20000;
  while (missing().length > 0 && Date.now() < end) await sleep(200);
  await quiet(conns[0], 1000);
  const counts = conns.map((ws) => ws.events.filter((e) => isPresence(e) || e.type === 'presence').length);
  const most = Math.max(...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  // Each connection: one snapshot, plus a user.connected of each partner that came after its watch.
  assert.ok(most <= 1 + PARTNERS, `presence frames per connection: at most ${most} (total ${total}; ${STORM} users connected)`);
  assert.deepEqual(missing(), [], 'every connection knows its partners online');
  await Promise.all(conns.map((ws) => ws.close()));
});

test('shutdown: SIGTERM → exit 0 on both nodes', T, async () => {
  await closeAllLive();
  await n1.stop();
  await n2.stop();
});
