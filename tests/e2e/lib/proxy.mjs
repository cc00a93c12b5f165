// A minimal TCP load balancer for the tests: each new client connection goes to the first backend
// that accepts it, in order. When a node dies, its clients' connections drop and their reconnects
// land on the next node: what a real load balancer in front of the cluster does. hold() makes it
// refuse new connections (closed at once, as when no backend is up) until release().

import net from 'node:net';
import { HOST } from './harness.mjs';

const proxies = [];

/// Starts a proxy on a free port forwarding to `backendPorts` (tried in order per connection).
export async function startProxy(backendPorts) {
  const sockets = new Set();
  let held = false;
  const server = net.createServer((client) => {
    if (held) { client.destroy(); return; }
    client.pause();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let i = 0;
    const tryNext = () => {
      if (i >= backendPorts.length || client.destroyed) { client.destroy(); return; }
      const upstream = net.connect({ host: HOST, port: backendPorts[i++] });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => { if (!connected) tryNext(); else client.destroy(); });
      upstream.on('close', () => { sockets.delete(upstream); if (connected) client.destroy(); });
      client.on('close', () => upstream.destroy());
    };
    tryNext();
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const proxy = {
    port: server.address().port,
    url: `http://${HOST}:${server.address().port}`,
    hold: () => { held = true; },
    release: () => { held = false; },
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  proxies.push(proxy);
  return proxy;
}

/// Closes every proxy (for after()).
export async function closeProxies() {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
}
