/**
 * Captures real control-plane frames from the real openclaw gateway (2026.9.6, Node 24, a temp
 * HOME, a free port) into test/fixtures/gateway-frames/*.json, for the unit tests that replay
 * them from a loopback WebSocket server. Raw `ws` (not our client), so the frames are exactly what
 * the gateway sent. The gateway token, API keys and the temp home path are redacted.
 *
 *   node_modules/.bin/tsx scripts/capture-gateway-frames.ts
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { ensureOpenclaw, makeEmptyHome, REPO_ROOT } from '../test/interop/openclaw';
import { GatewaySupervisor } from '../src/gateway/supervisor';

const TOKEN = 'capture-token-fake-0123456789abcdef';
const KEY = 'gsk_fake_capture_key_0123456789abcdef';
const OUT = path.join(REPO_ROOT, 'test', 'fixtures', 'gateway-frames');

type Rec = { dir: 'in' | 'out'; frame: unknown };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Opens a raw socket, records every frame, and runs `script` with a request helper. */
async function session(
  url: string,
  token: string,
  script: (req: (method: string, params: unknown) => Promise<Record<string, unknown>>) => Promise<void>,
): Promise<{ frames: Rec[]; close?: { code: number; reason: string } }> {
  const frames: Rec[] = [];
  const ws = new WebSocket(url);
  const pending = new Map<string, (f: Record<string, unknown>) => void>();
  let id = 0;
  let closeInfo: { code: number; reason: string } | undefined;
  const req = (method: string, params: unknown) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const frame = { type: 'req', id: String(++id), method, params };
      pending.set(frame.id, resolve);
      frames.push({ dir: 'out', frame });
      ws.send(JSON.stringify(frame));
    });
  const closed = new Promise<void>((r) =>
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      r();
    }),
  );
  await new Promise<void>((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Record<string, unknown>;
      frames.push({ dir: 'in', frame: f });
      if (f.type === 'res') pending.get(String(f.id))?.(f);
      if (f.type === 'event' && f.event === 'connect.challenge') resolve();
    });
  });
  const hello = await req('connect', {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write', 'operator.admin'],
    caps: [],
    auth: { token },
  });
  if (hello.ok) {
    await script(req);
    await new Promise((r) => setTimeout(r, 500));
    ws.close(1000);
  }
  await closed;
  return { frames, close: closeInfo };
}

function redactAll(value: unknown, home: string): unknown {
  const text = JSON.stringify(value, null, 1)
    .split(TOKEN)
    .join('<gateway-token>')
    .split(KEY)
    .join('<api-key>')
    .split(home)
    .join('<home>');
  return JSON.parse(text) as unknown;
}

async function main(): Promise<void> {
  const oc = await ensureOpenclaw();
  const home = makeEmptyHome('oca-capture-');
  const port = await freePort();
  const env = {
    HOME: home,
    PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
    TMPDIR: path.join(home, 'tmp'),
    npm_config_offline: 'true',
  };
  const sup = new GatewaySupervisor({
    port,
    commandSetting: oc.openclawMjs,
    nodePath: oc.node,
    env,
    token: TOKEN,
    allowUnconfigured: true,
    log: { info: console.error, warn: console.error, error: console.error, output: () => undefined },
  });
  try {
    await sup.start();
    const ok = await session(sup.url, TOKEN, async (req) => {
      await req('models.authStatus', {});
      await req('models.authSetApiKey', { provider: 'groq', apiKey: KEY });
      await req('models.authOrderSet', { provider: 'groq', profileIds: ['groq:manual'] });
      await req('models.authStatus', {});
      await req('models.authLogout', { provider: 'groq' });
      await req('models.authRefresh', { operation: 'update' });
      await req('models.noSuchMethod', {});
    });
    const bad = await session(sup.url, 'wrong-token-fake-0123456789', async () => undefined);
    const none = await session(sup.url, '', async () => undefined);
    fs.mkdirSync(OUT, { recursive: true });
    const meta = {
      openclaw: oc.version,
      capturedWith: 'scripts/capture-gateway-frames.ts',
      note: 'Real frames from `openclaw gateway run --bind loopback --auth token`; token, keys and the temp home redacted.',
    };
    fs.writeFileSync(
      path.join(OUT, 'session.json'),
      JSON.stringify(redactAll({ ...meta, frames: ok.frames, close: ok.close }, home), null, 1) + '\n',
    );
    fs.writeFileSync(
      path.join(OUT, 'token-mismatch.json'),
      JSON.stringify(redactAll({ ...meta, frames: bad.frames, close: bad.close }, home), null, 1) + '\n',
    );
    fs.writeFileSync(
      path.join(OUT, 'no-token.json'),
      JSON.stringify(redactAll({ ...meta, frames: none.frames, close: none.close }, home), null, 1) + '\n',
    );
    console.error(`wrote ${OUT}/{session,token-mismatch,no-token}.json`);
  } finally {
    await sup.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
