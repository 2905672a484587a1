// What the gateway benchmarks (bench-gateway.mjs, bench-remote.mjs) share: where openclaw is
// cached, a free port, statistics, waiting for a supervisor state, and the raw-socket baseline.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export function cacheDir() {
  return path.resolve(
    process.env.OPENCLAW_AUTH_TEST_CACHE?.trim() || path.join(os.homedir(), '.cache', 'openclaw-auth-tests'),
  );
}

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
export const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

/** Resolves with { at, state } once the supervisor is in one of `kinds`. */
export function waitState(sup, kinds, ms) {
  return new Promise((resolve, reject) => {
    if (kinds.includes(sup.state.kind)) return resolve({ at: performance.now(), state: sup.state });
    const t = setTimeout(() => {
      off();
      reject(new Error(`gateway: no ${kinds.join('/')} within ${ms} ms (state ${sup.state.kind})`));
    }, ms);
    const off = sup.onState((s) => {
      if (kinds.includes(s.kind)) {
        clearTimeout(t);
        off();
        resolve({ at: performance.now(), state: s });
      }
    });
  });
}

/**
 * `calls` sequential models.authStatus over a bare ws socket (the v4 handshake done first, not
 * timed; 5 warm-up calls): the baseline our client is compared with. Durations in ms.
 */
export async function rawCalls(WebSocket, url, calls, token) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const waiting = new Map();
  let id = 0;
  await new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.type === 'event' && f.event === 'connect.challenge') {
        ws.send(
          JSON.stringify({
            type: 'req',
            id: 'c',
            method: 'connect',
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: { id: 'gateway-client', version: '0.1.0', platform: process.platform, mode: 'backend' },
              role: 'operator',
              scopes: ['operator.read', 'operator.write', 'operator.admin'],
              caps: [],
              auth: { token },
            },
          }),
        );
      } else if (f.type === 'res' && f.id === 'c') {
        if (f.ok) resolve();
        else reject(new Error(`raw connect refused: ${f.error?.code ?? 'error'}`));
      } else if (f.type === 'res') waiting.get(f.id)?.();
    });
  });
  const once = () =>
    new Promise((resolve) => {
      const i = String(++id);
      waiting.set(i, resolve);
      ws.send(JSON.stringify({ type: 'req', id: i, method: 'models.authStatus', params: {} }));
    });
  try {
    for (let i = 0; i < 5; i++) await once();
    const out = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await once();
      out.push(performance.now() - t);
    }
    return out;
  } finally {
    ws.terminate();
  }
}
