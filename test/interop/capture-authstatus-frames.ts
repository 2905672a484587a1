/**
 * Captures what the REAL openclaw 2026.9.6 gateway answers to `models.authStatus` on varied
 * homes (a configured auth order in openclaw.json, a stored order, an env SecretRef profile, an
 * OAuth profile, a provider entry bound to a profile, several agents) into
 * test/fixtures/gateway-frames/auth-status-<home>.json, for the unit tests that parse them.
 * Raw `ws` (not our client), so the frames are exactly what the gateway sent. The gateway token
 * and the temp home path are redacted; every credential in these homes is a fake test value, and
 * models.authStatus never sends one (only ids, types, statuses and env var names).
 *
 *   ~/.cache/openclaw-auth-tests/node24/node_modules/node/bin/node node_modules/.bin/tsx test/interop/capture-authstatus-frames.ts
 *
 * The homes are the ones test/interop/gateway.test.ts starts the gateway on (authStatusHomes).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { ensureOpenclaw, REPO_ROOT } from './openclaw';
import { AUTH_STATUS_HOMES, prepareAuthStatusHome } from './authStatusHomes';
import { GatewaySupervisor } from '../../src/gateway/supervisor';

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

/** Opens a raw socket, records every frame after hello-ok, and runs `script` with a request helper. */
async function session(
  url: string,
  token: string,
  script: (req: (method: string, params: unknown) => Promise<Record<string, unknown>>) => Promise<void>,
): Promise<Rec[]> {
  const frames: Rec[] = [];
  const ws = new WebSocket(url);
  const pending = new Map<string, (f: Record<string, unknown>) => void>();
  let id = 0;
  let recording = false;
  const req = (method: string, params: unknown) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const frame = { type: 'req', id: String(++id), method, params };
      pending.set(frame.id, resolve);
      if (recording) frames.push({ dir: 'out', frame });
      ws.send(JSON.stringify(frame));
    });
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  await new Promise<void>((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Record<string, unknown>;
      // Only the answers to our requests (events such as ticks and health are not what this is about).
      if (recording && f.type === 'res') frames.push({ dir: 'in', frame: f });
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
  if (!hello.ok) throw new Error(`connect refused: ${JSON.stringify(hello.error)}`);
  recording = true;
  await script(req);
  ws.close(1000);
  await closed;
  return frames;
}

function redactAll(value: unknown, secrets: string[], home: string): unknown {
  let text = JSON.stringify(value, null, 1);
  for (const s of secrets) text = text.split(s).join('<gateway-token>');
  text = text.split(home).join('<home>');
  return JSON.parse(text) as unknown;
}

async function main(): Promise<void> {
  const oc = await ensureOpenclaw();
  const only = process.argv.slice(2);
  for (const h of AUTH_STATUS_HOMES) {
    if (only.length && !only.includes(h.name)) continue;
    const prepared = await prepareAuthStatusHome(h);
    const port = await freePort();
    const env = {
      HOME: prepared.home,
      PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
      TMPDIR: path.join(prepared.home, 'tmp'),
      npm_config_offline: 'true',
    };
    const sup = new GatewaySupervisor({
      port,
      commandSetting: oc.openclawMjs,
      nodePath: oc.node,
      env,
      token: prepared.token,
      allowUnconfigured: true,
      log: { info: console.error, warn: console.error, error: console.error, output: () => undefined },
    });
    try {
      await sup.start();
      const frames = await session(sup.url, prepared.token, async (req) => {
        for (const agentId of h.agents) await req('models.authStatus', agentId ? { agentId } : {});
      });
      const doc = {
        openclaw: oc.version,
        capturedWith: 'test/interop/capture-authstatus-frames.ts',
        note: `Real models.authStatus answers from \`openclaw gateway run --bind loopback --auth token\` on the home "${h.name}": ${h.describe} Token and temp home redacted; the credentials in the home are fake.`,
        home: h.name,
        frames,
      };
      fs.mkdirSync(OUT, { recursive: true });
      const file = path.join(OUT, `auth-status-${h.name}.json`);
      fs.writeFileSync(file, JSON.stringify(redactAll(doc, [prepared.token], prepared.home), null, 1) + '\n');
      console.error(`wrote ${file}`);
    } finally {
      await sup.stop();
      sup.dispose();
      fs.rmSync(prepared.home, { recursive: true, force: true });
    }
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
