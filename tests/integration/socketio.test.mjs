// Socket.IO endpoint `/socket.io/` (docs/protocol.md §2.13, issue #25) driven by the real
// socket.io-client package (v4, EIO=4) over WebSocket only, as the Redis chat tutorial's client
// does once told `transports:['websocket']`: cookie authentication, room.join, message both ways
// between a Socket.IO client on node 1 and a /ws client on node 2, presence, a DM's show.room,
// no session → connect_error, Engine.IO keep-alive pings, and malformed packets (raw `ws`) closing
// only their own connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { cleanup, register, assertStatus, waitFor, sleep } from './lib/harness.mjs';
import { WsClient, WebSocket, closeAllLive, sendWs, cookieHeader } from './lib/live.mjs';
import { internal } from './lib/http.mjs';
import { startCluster } from './lib/cluster.mjs';
import { HOST } from './lib/common.mjs';

const T = { timeout: 60000 };
let nodes;
let A; // Socket.IO user on node 1
let B; // /ws user on node 2
let C; // a second Socket.IO user (presence)
let sioA;
let wsB;
const sockets = new Set();

after(async () => {
  for (const s of sockets) s.socket.disconnect();
  await closeAllLive();
  await cleanup();
});

/** A socket.io-client connection over WebSocket only, with its events logged in order. */
function sioConnect(node, client, { timeout = 5000, transports = ['websocket'] } = {}) {
  const socket = io(`http://${HOST}:${node.port}`, {
    ...(transports ? { transports } : {}),
    extraHeaders: client ? cookieHeader(client) : {},
    reconnection: false,
    forceNew: true,
    timeout,
  });
  const c = { socket, events: [] };
  socket.onAny((name, data) => c.events.push({ name, data, transport: socket.io.engine?.transport?.name }));
  sockets.add(c);
  c.waitFor = (pred, ms = 5000, what = 'event') => waitFor(() => c.events.find(pred), { timeout: ms, what });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(c));
    socket.on('connect_error', (err) => { c.connectError = err; reject(err); });
  });
}

/** A raw WebSocket to /socket.io/ (package `ws`): its text frames in order, its close. */
function rawSio(node, client, { sid } = {}) {
  const ws = new WebSocket(`ws://${HOST}:${node.port}/socket.io/?EIO=4&transport=websocket${sid ? `&sid=${sid}` : ''}`,
    { headers: client ? cookieHeader(client) : {}, perMessageDeflate: false });
  const c = { ws, frames: [], closed: null };
  ws.on('message', (data, isBinary) => c.frames.push(isBinary ? data : data.toString('utf8')));
  ws.on('error', () => {});
  c.closedP = new Promise((resolve) => ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString() }; resolve(c.closed); }));
  c.open = new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  c.frame = (pred, ms = 5000) => waitFor(() => c.frames.find(pred), { timeout: ms, what: 'frame' });
  return c;
}

test('setup: redis, 2 nodes, users A and C (Socket.IO, node 1) and B (/ws, node 2)', T, async () => {
  ({ nodes } = await startCluster({ n: 2, prefix: 'sio', nodeArgs: ['--ws-idle-timeout', '4s'] }));
  A = await register(nodes[0]);
  B = await register(nodes[1]);
  C = await register(nodes[0]);
  wsB = await WsClient.connect(nodes[1].port, { client: B });
  await wsB.ping();
  sioA = await sioConnect(nodes[0], A);
  assert.ok(sioA.socket.connected, 'socket.io-client connected');
  assert.equal(typeof sioA.socket.id, 'string');
});

test('room.join "0", message from Socket.IO: the sender gets its echo, the /ws user on node 2 gets it', T, async () => {
  sioA.socket.emit('room.join', '0');
  const text = `hello from socket.io ${Date.now()}`;
  // The tutorial client sends its own from and date: the server decides both (seed weakness S1).
  sioA.socket.emit('message', { roomId: '0', message: text, from: B.user.id, date: 1 });
  const echo = await sioA.waitFor((e) => e.name === 'message' && e.data?.message === text);
  assert.equal(echo.data.from, A.user.id, 'sender is the session user, not the client-supplied from');
  assert.equal(echo.data.roomId, '0');
  assert.ok(Math.abs(echo.data.date - Date.now() / 1000) < 30, `date is the server's (${echo.data.date})`);
  assert.ok(Number.isInteger(echo.data.id));
  const got = await wsB.waitFor((e) => e.type === 'message' && e.data?.message === text);
  assert.equal(got.data.id, echo.data.id, 'the same message on /ws');
  assert.equal(got.data.from, A.user.id);
});

test('a /ws message from node 2 reaches the Socket.IO client on node 1', T, async () => {
  const text = `hello from /ws ${Date.now()}`;
  const ack = await sendWs(wsB, '0', text);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const got = await sioA.waitFor((e) => e.name === 'message' && e.data?.message === text);
  assert.equal(got.data.id, ack.data.id);
  assert.equal(got.data.from, B.user.id);
});

test('presence: user.connected and user.disconnected of another Socket.IO user', T, async () => {
  const from = sioA.events.length;
  const sioC = await sioConnect(nodes[0], C);
  await sioA.waitFor((e, i) => e.name === 'user.connected' && e.data?.id === C.user.id, 5000, 'user.connected');
  assert.equal(sioA.events.slice(from).find((e) => e.name === 'user.connected' && e.data.id === C.user.id).data.online, true);
  sioC.socket.disconnect();
  sockets.delete(sioC);
  const left = await sioA.waitFor((e) => e.name === 'user.disconnected' && e.data?.id === C.user.id, 10000, 'user.disconnected');
  assert.equal(left.data.online, false);
});

test('a DM created with POST /room shows up (show.room) and carries messages both ways', T, async () => {
  const res = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assertStatus(res, 201, 'create DM');
  const dm = res.json.id;
  const shown = await sioA.waitFor((e) => e.name === 'show.room' && e.data?.id === dm);
  assert.ok(Array.isArray(shown.data.names));
  sioA.socket.emit('room.join', dm);
  const text = `dm ${Date.now()}`;
  sioA.socket.emit('message', { roomId: dm, message: text, from: A.user.id, date: 1 });
  await wsB.waitFor((e) => e.type === 'message' && e.data?.roomId === dm && e.data.message === text);
  const back = `dm back ${Date.now()}`;
  await sendWs(wsB, dm, back);
  await sioA.waitFor((e) => e.name === 'message' && e.data?.roomId === dm && e.data.message === back);
});

test('bad events get the /ws errors as an `error` event; unknown events are ignored', T, async () => {
  sioA.socket.emit('message', { roomId: 'not a room', message: 'x' });
  const err = await sioA.waitFor((e) => e.name === 'error' && e.data?.code === 'bad_request');
  assert.match(err.data.message, /roomId/);
  sioA.socket.emit('some.unknown.event', { a: 1 });
  sioA.socket.emit('message', { roomId: '0', message: '' }); // blank: refused by the command rules
  await sioA.waitFor((e) => e.name === 'error' && e.data?.code === 'bad_request' && e !== err);
  assert.ok(sioA.socket.connected, 'still connected');
});

test('no session: the CONNECT is refused with connect_error "unauthorized"', T, async () => {
  await assert.rejects(sioConnect(nodes[0], null), (err) => err.message === 'unauthorized');
  const bogus = { token: 'f'.repeat(64) };
  await assert.rejects(sioConnect(nodes[1], bogus), (err) => err.message === 'unauthorized');
});

test('Engine.IO handshake and keep-alive on a raw WebSocket: open packet, 40 answered, server pings', T, async () => {
  const r = rawSio(nodes[0], A);
  await r.open;
  const open = await r.frame((f) => typeof f === 'string' && f.startsWith('0'));
  const info = JSON.parse(open.slice(1));
  assert.equal(typeof info.sid, 'string');
  assert.deepEqual(info.upgrades, []);
  assert.equal(info.pingInterval, 1000, 'pingInterval = the keep-alive sweep (--ws-idle-timeout / 4)');
  assert.ok(info.pingTimeout > 0 && info.maxPayload > 0);
  r.ws.send('40');
  const connected = await r.frame((f) => typeof f === 'string' && f.startsWith('40'));
  assert.equal(typeof JSON.parse(connected.slice(2)).sid, 'string');
  // The server pings ("2") every pingInterval; a client that answers ("3") stays connected.
  const t0 = Date.now();
  let pings = 0;
  while (Date.now() - t0 < 5000) {
    await sleep(200);
    const n = r.frames.filter((f) => f === '2').length;
    if (n > pings) { r.ws.send('3'); pings = n; }
  }
  assert.ok(pings >= 3, `pinged ${pings} times in 5 s`);
  assert.equal(r.closed, null, 'still open');
  // A client that never answers is closed (idle timeout: four silent sweeps).
  const silent = rawSio(nodes[0], A);
  await silent.open;
  const closed = await Promise.race([silent.closedP, sleep(9000).then(() => null)]);
  assert.ok(closed, 'a silent client is closed');
  r.ws.close();
});

test('malformed packets close only their own connection, counted; the node keeps serving', T, async () => {
  const cases = [
    { what: '4garbage', send: (ws) => ws.send('4garbage'), code: 1002 },
    { what: '42[', send: (ws) => ws.send('42['), code: 1002 },
    { what: 'unknown Engine.IO type', send: (ws) => ws.send('9'), code: 1002 },
    { what: 'binary frame', send: (ws) => ws.send(Buffer.from([1, 2, 3])), code: 1003 },
    // (the server closes while the client still writes: its close frame, or a reset, may come first)
    { what: '2 MB frame', send: (ws) => ws.send(`42["message",{"message":"${'x'.repeat(2 * 1024 * 1024)}"}]`), code: [1009, 1006] },
  ];
  for (const c of cases) {
    const r = rawSio(nodes[0], A);
    await r.open;
    await r.frame((f) => typeof f === 'string' && f.startsWith('0'));
    r.ws.send('40');
    await r.frame((f) => typeof f === 'string' && f.startsWith('40'));
    c.send(r.ws);
    const closed = await Promise.race([r.closedP, sleep(5000).then(() => null)]);
    assert.ok(closed, `${c.what}: closed`);
    if (Array.isArray(c.code)) assert.ok(c.code.includes(closed.code), `${c.what}: close code ${closed.code}`);
    else assert.equal(closed.code, c.code, `${c.what}: close code`);
  }
  // Another namespace: CONNECT_ERROR, the connection stays.
  const r = rawSio(nodes[0], A);
  await r.open;
  r.ws.send('40/admin,');
  const refused = await r.frame((f) => typeof f === 'string' && f.startsWith('44/admin,'));
  assert.match(refused, /Invalid namespace/);
  r.ws.close();
  // The Socket.IO client is unaffected and the node serves new connections.
  const text = `after garbage ${Date.now()}`;
  sioA.socket.emit('message', { roomId: '0', message: text });
  await sioA.waitFor((e) => e.name === 'message' && e.data?.message === text);
  const metrics = (await internal(nodes[0], '/metrics')).text;
  assert.match(metrics, /chatnode_errors_total\{[^}]*sio_bad_packet[^}]*\} [1-9]/, 'bad packets counted');
  assert.match(metrics, /chatnode_connections\{[^}]*transport="socketio"[^}]*\} [1-9]/, 'connections labelled socketio');
  assert.match(metrics, /chatnode_messages_received_total\{[^}]*transport="socketio"[^}]*\} [1-9]/, 'messages received over socketio');
});

test('the HTTP side: a polling handshake answers the open packet (upgrade offered); wrong EIO, unknown sid refused', T, async () => {
  const { request } = await import('./lib/http.mjs');
  let res = await request(nodes[0].port, 'GET', '/socket.io/?EIO=4&transport=polling', { headers: cookieHeader(A) });
  assert.equal(res.status, 200);
  assert.ok(res.text.startsWith('0{'), res.text);
  const open = JSON.parse(res.text.slice(1));
  assert.deepEqual(open.upgrades, ['websocket']);
  res = await request(nodes[0].port, 'GET', `/socket.io/?EIO=4&transport=polling&sid=${open.sid}`, { headers: cookieHeader(B) });
  assert.equal(res.status, 400, 'another user cannot use the sid');
  res = await request(nodes[0].port, 'GET', '/socket.io/?EIO=4&transport=polling&sid=nope', { headers: cookieHeader(A) });
  assert.equal(res.status, 400);
  res = await request(nodes[0].port, 'GET', '/socket.io/?EIO=3&transport=websocket', { headers: cookieHeader(A) });
  assert.equal(res.status, 400);
  res = await request(nodes[0].port, 'GET', '/socket.io/?EIO=4&transport=websocket&sid=abc', { headers: cookieHeader(A) });
  assert.equal(res.status, 400, 'a sid without a WebSocket upgrade');
});

test('HTTP long-polling only (transports: [polling]): connect, join, send, receive both ways; no session → connect_error', T, async () => {
  const sioP = await sioConnect(nodes[0], C, { transports: ['polling'] });
  assert.equal(sioP.socket.io.engine.transport.name, 'polling');
  sioP.socket.emit('room.join', '0');
  const text = `over polling ${Date.now()}`;
  sioP.socket.emit('message', { roomId: '0', message: text, from: A.user.id, date: 1 });
  const echo = await sioP.waitFor((e) => e.name === 'message' && e.data?.message === text);
  assert.equal(echo.data.from, C.user.id, 'the session user sends');
  await wsB.waitFor((e) => e.type === 'message' && e.data?.message === text);
  await sioA.waitFor((e) => e.name === 'message' && e.data?.message === text);
  const back = `to polling ${Date.now()}`;
  await sendWs(wsB, '0', back);
  await sioP.waitFor((e) => e.name === 'message' && e.data?.message === back);
  // Long polls outlast pingInterval (1 s here): the server's pings keep the session alive.
  await sleep(3000);
  assert.ok(sioP.socket.connected, 'still connected after several ping intervals');
  const later = `later ${Date.now()}`;
  await sendWs(wsB, '0', later);
  await sioP.waitFor((e) => e.name === 'message' && e.data?.message === later);
  sioP.socket.disconnect();
  sockets.delete(sioP);
  await assert.rejects(sioConnect(nodes[0], null, { transports: ['polling'] }), (err) => err.message === 'unauthorized');
});

test('polling, then the upgrade to WebSocket (socket.io-client defaults): messages sent throughout arrive exactly once, in order', T, async () => {
  // B sends from node 2 before, during and after the connect and the upgrade; every message after
  // the first the client gets must arrive once, in order, whichever transport carried it.
  const sent = [];
  let sending = true;
  const sender = (async () => {
    for (let i = 0; sending && i < 400; i++) {
      const ack = await sendWs(wsB, '0', `burst ${i}`);
      assert.equal(ack.type, 'ack');
      sent.push(ack.data.id);
      await sleep(5);
    }
  })();
  await sleep(100);
  const sioD = await sioConnect(nodes[0], C, { transports: null });
  // (the upgrade may be done before 'connect' fires: watch the transport, not the event)
  await waitFor(() => sioD.socket.io.engine.transport.name === 'websocket', { timeout: 5000, what: 'the upgrade' });
  await sleep(300);
  sending = false;
  await sender;
  const last = sent[sent.length - 1];
  await sioD.waitFor((e) => e.name === 'message' && e.data?.id === last, 5000, 'the last message');
  const burst = sioD.events.filter((e) => e.name === 'message' && e.data?.roomId === '0' && /^burst \d+$/.test(e.data.message));
  const got = burst.map((e) => e.data.id);
  const first = sent.indexOf(got[0]);
  assert.ok(first >= 0, 'the first message received was sent by B');
  assert.deepEqual(got, sent.slice(first), `each of ${sent.length - first} messages once, in order, across the upgrade`);
  const over = (t) => burst.filter((e) => e.transport === t).length;
  console.log(`upgrade: ${got.length} messages, ${over('polling')} over polling, ${over('websocket')} over the WebSocket`);
  // (socket.io-client probes at once: the upgrade is usually done before the first event; the
  // hand-over of events delivered over polling is shown by the raw test below)
  assert.equal(sioD.socket.io.engine.transport.name, 'websocket');
  // The upgraded socket sends over the WebSocket.
  const text = `after upgrade ${Date.now()}`;
  sioD.socket.emit('message', { roomId: '0', message: text });
  await wsB.waitFor((e) => e.type === 'message' && e.data?.message === text);
  sioD.socket.disconnect();
  sockets.delete(sioD);
});

test('upgrade hand-over (raw Engine.IO): what polling delivered is not sent again, what waited comes over the WebSocket', T, async () => {
  const { request } = await import('./lib/http.mjs');
  const h = cookieHeader(C);
  const port = nodes[0].port;
  const base = '/socket.io/?EIO=4&transport=polling';
  let res = await request(port, 'GET', base, { headers: h });
  assert.equal(res.status, 200);
  const sid = JSON.parse(res.text.slice(1)).sid;
  const q = `${base}&sid=${sid}`;
  res = await request(port, 'POST', q, { headers: h, body: '40', contentType: 'text/plain;charset=UTF-8' });
  assert.equal(res.text, 'ok');
  const polled = [];
  const poll = async () => {
    const r = await request(port, 'GET', q, { headers: h });
    assert.equal(r.status, 200, r.text);
    polled.push(...r.text.split('\x1e'));
  };
  const handOver = (packets) => packets.filter((p) => p.startsWith('42["message"'))
    .map((p) => JSON.parse(p.slice(2))[1]).filter((m) => /^hand-over \d+$/.test(m.message)).map((m) => m.id);
  await poll();
  assert.ok(polled.some((p) => p.startsWith('40{')), `CONNECT answered over polling: ${polled.join(' | ').slice(0, 300)}`);
  const sent = [];
  const send = async (i) => { const ack = await sendWs(wsB, '0', `hand-over ${i}`); assert.equal(ack.type, 'ack'); sent.push(ack.data.id); };
  for (let i = 0; i < 5; i++) await send(i);
  const t0 = Date.now();
  while (handOver(polled).length < 5 && Date.now() - t0 < 5000) await poll();
  assert.deepEqual(handOver(polled), sent, 'five messages over polling');
  for (let i = 5; i < 8; i++) await send(i); // these wait in the polling session (nobody polls)
  await sleep(300);
  const r = rawSio(nodes[0], C, { sid });
  await r.open;
  r.ws.send('2probe');
  await r.frame((f) => f === '3probe');
  assert.ok(!r.frames.some((f) => typeof f === 'string' && f.startsWith('0{')), 'no second open packet');
  r.ws.send('5');
  for (let i = 8; i < 10; i++) await send(i);
  await waitFor(() => handOver(r.frames.filter((f) => typeof f === 'string')).length >= 5, { timeout: 5000, what: 'messages over the WebSocket' });
  await sleep(200);
  assert.deepEqual(handOver(r.frames.filter((f) => typeof f === 'string')), sent.slice(5),
    'over the WebSocket: the three that waited and the two after, once each, none of the polled ones');
  res = await request(port, 'GET', q, { headers: h });
  assert.equal(res.status, 400, 'the polling session is gone after the upgrade');
  r.ws.close();
});

test('a probe whose WebSocket ends before the upgrade: polling goes on delivering', T, async () => {
  const { request } = await import('./lib/http.mjs');
  const h = cookieHeader(C);
  const port = nodes[0].port;
  const base = '/socket.io/?EIO=4&transport=polling';
  const sid = JSON.parse((await request(port, 'GET', base, { headers: h })).text.slice(1)).sid;
  const q = `${base}&sid=${sid}`;
  await request(port, 'POST', q, { headers: h, body: '40', contentType: 'text/plain;charset=UTF-8' });
  await request(port, 'GET', q, { headers: h }); // 40{sid}
  const r = rawSio(nodes[0], C, { sid });
  await r.open;
  r.ws.send('2probe');
  await r.frame((f) => f === '3probe');
  r.ws.terminate();
  await r.closedP;
  await sleep(200);
  const text = `after a failed probe ${Date.now()}`;
  await sendWs(wsB, '0', text);
  let got = '';
  const t0 = Date.now();
  while (!got.includes(text) && Date.now() - t0 < 5000) {
    const res = await request(port, 'GET', q, { headers: h });
    assert.equal(res.status, 200, res.text);
    got += res.text;
  }
  assert.ok(got.includes(text), `delivered over polling again: ${got.slice(0, 300)}`);
  await request(port, 'POST', q, { headers: h, body: '41', contentType: 'text/plain;charset=UTF-8' });
});

test('a polling session nobody polls is reaped after pingInterval + pingTimeout (1 s + 20 s here)', { timeout: 60000 }, async () => {
  const { request } = await import('./lib/http.mjs');
  const h = cookieHeader(C);
  const base = '/socket.io/?EIO=4&transport=polling';
  const open = await request(nodes[1].port, 'GET', base, { headers: h });
  const sid = JSON.parse(open.text.slice(1)).sid;
  const before = (await internal(nodes[1], '/metrics')).text;
  const closedIdle = (text) => Number(/chatnode_connections_closed_total\{[^}]*reason="idle"[^}]*transport="socketio"[^}]*\} (\d+)/.exec(text)?.[1]
    ?? /chatnode_connections_closed_total\{[^}]*transport="socketio"[^}]*reason="idle"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  await sleep(23000);
  const res = await request(nodes[1].port, 'GET', `${base}&sid=${sid}`, { headers: h });
  assert.equal(res.status, 400, 'the sid is gone');
  const after = (await internal(nodes[1], '/metrics')).text;
  assert.equal(closedIdle(after), closedIdle(before) + 1, 'closed as idle, counted');
});

test('shutdown with Socket.IO clients connected (WebSocket and polling): SIGTERM → exit 0 (both nodes)', T, async () => {
  const polling = await sioConnect(nodes[0], C, { transports: ['polling'] });
  assert.ok(polling.socket.connected);
  await sioA.waitFor(() => true); // (sioA is still connected too)
  for (const n of nodes) await n.stop();
});
