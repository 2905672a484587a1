/**
 * A wss:// remote gateway with a self-signed certificate: the real openclaw 2026.9.6 gateway with
 * `gateway.tls.enabled` (it generates its own certificate into <state>/gateway/tls/). Refused until
 * trusted, with the fingerprint it presents (the one of its certificate file); refused with a wrong
 * pin; working once its fingerprint is pinned.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureOpenclaw, makeEmptyHome } from './openclaw';
import net from 'node:net';
import { RemoteGateway, describeConnection, peerFingerprint, type RemoteConnection } from '../../src/gateway/remote';
import { normalizeFingerprint } from '../../src/gateway/client';
import { waitFor } from '../helpers/wait';

const TOKEN = 'gw-token-fake-tls-0123456789abcdef';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function until(g: RemoteGateway, pred: (c: RemoteConnection) => boolean, ms = 20_000): Promise<void> {
  return waitFor(() => pred(g.connection), `connection ${JSON.stringify(g.connection)}`, ms).then(() => undefined);
}

describe('a wss:// remote gateway with a self-signed certificate (real openclaw)', function () {
  this.timeout(240_000);
  let home: string;
  let child: ChildProcess;
  let url: string;
  let certFingerprint: string;
  const open: RemoteGateway[] = [];

  before(async () => {
    const oc = await ensureOpenclaw();
    home = makeEmptyHome('oca-tls-');
    const state = path.join(home, '.openclaw');
    fs.mkdirSync(state, { recursive: true });
    fs.writeFileSync(
      path.join(state, 'openclaw.json'),
      JSON.stringify({ gateway: { mode: 'local', tls: { enabled: true, autoGenerate: true } } }, null, 2),
    );
    fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
    const port = await freePort();
    url = `wss://127.0.0.1:${port}`;
    child = spawn(
      oc.node,
      [oc.openclawMjs, 'gateway', 'run', '--bind', 'loopback', '--auth', 'token', '--port', String(port)],
      {
        env: {
          HOME: home,
          PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
          TMPDIR: path.join(home, 'tmp'),
          OPENCLAW_GATEWAY_TOKEN: TOKEN,
          npm_config_offline: 'true',
        },
        stdio: 'ignore',
        detached: true,
      },
    );
    const end = Date.now() + 120_000;
    let fp: string | undefined;
    while (!fp && Date.now() < end) {
      fp = await peerFingerprint(url, 2000);
      if (!fp) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(fp, 'the gateway serves TLS');
    const certFile = path.join(state, 'gateway', 'tls', 'gateway-cert.pem');
    certFingerprint = new crypto.X509Certificate(fs.readFileSync(certFile)).fingerprint256;
    assert.equal(normalizeFingerprint(fp), normalizeFingerprint(certFingerprint));
  });

  after(() => {
    for (const g of open) g.dispose();
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  const remote = (tlsFingerprint?: string) => {
    const g = new RemoteGateway(
      { id: url, name: 'tls remote', url, source: 'settings', ...(tlsFingerprint ? { tlsFingerprint } : {}) },
      { token: () => TOKEN, reconnectInitialMs: 200, reconnectMaxMs: 1000 },
    );
    open.push(g);
    return g;
  };

  it('not trusted yet: refused with the fingerprint of its certificate file, and not retried', async () => {
    const g = remote();
    g.start();
    await until(g, (c) => c.kind === 'untrusted-certificate' && Boolean(c.fingerprint));
    const c = g.connection as Extract<RemoteConnection, { kind: 'untrusted-certificate' }>;
    assert.equal(normalizeFingerprint(c.fingerprint!), normalizeFingerprint(certFingerprint));
    assert.match(
      describeConnection(c),
      /certificate not trusted: The certificate of wss:\/\/127\.0\.0\.1:\d+ is not trusted \(self[- ]signed certificate\)/,
    );
    assert.ok(!describeConnection(c).includes(TOKEN));
  });

  it('a wrong pin is refused before the token is sent', async () => {
    const g = remote('AA:'.repeat(31) + 'AA');
    g.start();
    await until(g, (c) => c.kind === 'untrusted-certificate');
    assert.match(
      describeConnection(g.connection),
      /is not the pinned one \(it presents SHA-256 [0-9A-F:]+\); nothing was sent/,
    );
  });

  it('trusted by its pinned fingerprint (any case, with or without colons): connected, its auth status read', async () => {
    const g = remote(certFingerprint.toLowerCase().replace(/:/g, ''));
    g.start();
    await until(g, (c) => c.kind === 'connected', 60_000);
    await waitFor(() => g.refreshedAt > 0, 'auth status read', 30_000);
    assert.ok(g.agents.length >= 1);
    assert.ok(g.agents[0]!.status, JSON.stringify(g.agents[0]));
  });
});
