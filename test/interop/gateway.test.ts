/**
 * The supervisor and the control-plane client against the REAL openclaw gateway (2026.9.6 on
 * Node 24) in an isolated temp HOME on a free port. One gateway is shared by most tests because a
 * start takes 10-30 s on this machine; the crash/restart and stop tests come last.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import { ensureOpenclaw, makeEmptyHome } from './openclaw';
import { AUTH_STATUS_HOMES, prepareAuthStatusHome } from './authStatusHomes';
import { describeAuthView, describeGateway, reconcileAuthView } from '../../src/gateway/statusView';
import { GatewaySupervisor, GatewayStartError, type GatewayState } from '../../src/gateway/supervisor';
import { GatewayClient, GatewayError } from '../../src/gateway/client';
import { probeGateway } from '../../src/gateway/health';
import { descendants, processGroup, alive } from '../../src/gateway/process';
import { deriveView, readSnapshot } from '../../src/store';
import { waitFor } from '../helpers/wait';
import { ourLoop, prepareOurIds } from '../helpers/ourLoop';
import { spawn, spawnSync } from 'node:child_process';

export const GATEWAY_TOKEN = 'gw-token-fake-interop-0123456789abcdef';
const GROQ_KEY = 'gsk_fake_interop_groq_0123456789abcdefghij';
const OPENROUTER_KEY = 'sk-or-v1-fake-interop-0123456789abcdefghij';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Captured {
  lines: string[];
  info: string[];
  warn: string[];
  error: string[];
}
function captureLog(): Captured & { log: ConstructorParameters<typeof GatewaySupervisor>[0]['log'] } {
  const c: Captured = { lines: [], info: [], warn: [], error: [] };
  return {
    ...c,
    log: {
      info: (m) => c.info.push(m),
      warn: (m) => c.warn.push(m),
      error: (m) => c.error.push(m),
      output: (l) => c.lines.push(l),
    },
  } as Captured & { log: ConstructorParameters<typeof GatewaySupervisor>[0]['log'] };
}

/** Every pid whose process group is `pgid` (from /proc). */
function groupMembers(pgid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => processGroup(p) === pgid);
}

describe('gateway (real openclaw)', function () {
  this.timeout(240_000);
  let home: string;
  let port: number;
  let sup: GatewaySupervisor;
  let cap: ReturnType<typeof captureLog>;
  let client: GatewayClient;
  const others: GatewaySupervisor[] = [];
  const stateDir = () => path.join(home, '.openclaw');

  async function env(): Promise<NodeJS.ProcessEnv> {
    const oc = await ensureOpenclaw();
    return {
      HOME: home,
      PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
      TMPDIR: path.join(home, 'tmp'),
      npm_config_offline: 'true',
    };
  }
  async function supervisor(
    p: number,
    extra: Partial<ConstructorParameters<typeof GatewaySupervisor>[0]> = {},
  ): Promise<GatewaySupervisor> {
    const oc = await ensureOpenclaw();
    return new GatewaySupervisor({
      port: p,
      commandSetting: oc.openclawMjs,
      nodePath: oc.node,
      env: await env(),
      token: GATEWAY_TOKEN,
      allowUnconfigured: true,
      log: cap.log,
      restart: { initialMs: 500, maxAttempts: 3 },
      ...extra,
    });
  }
  const snapshot = async () => readSnapshot({ stateDirSetting: stateDir(), env: await env() });

  before(async () => {
    home = makeEmptyHome('oca-gateway-');
    // Metadata of the race test's ids, before the gateway starts (a config change makes it reload).
    prepareOurIds(path.join(home, '.openclaw'), 400);
    port = await freePort();
    cap = captureLog();
    sup = await supervisor(port);
  });

  after(async () => {
    client?.close();
    for (const o of others) await o.stop();
    if (sup?.pid) await sup.stop();
    sup?.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts the gateway and reports ready only once /readyz says so; the token never reaches the log', async () => {
    const states: GatewayState['kind'][] = [];
    sup.onState((s) => states.push(s.kind));
    const s = await sup.start();
    assert.equal(s.kind, 'ready');
    assert.equal(sup.owned, true);
    assert.deepEqual(states.slice(0, 1), ['starting']);
    const probe = await probeGateway(port);
    assert.equal(probe.kind, 'gateway');
    assert.ok(probe.kind === 'gateway' && probe.ready);
    const started = cap.info.find((l) => l.startsWith('Starting the gateway:')) ?? '';
    assert.match(started, /gateway run --bind loopback --auth token --port \d+ --allow-unconfigured/);
    assert.match(started, /OPENCLAW_GATEWAY_TOKEN=gw-token\.\.\./);
    const all = [...cap.info, ...cap.warn, ...cap.error, ...cap.lines].join('\n');
    assert.ok(!all.includes(GATEWAY_TOKEN), 'token in the log');
    assert.ok(
      cap.lines.some((l) => /\[gateway\] ready|http server listening/.test(l)),
      'gateway output is logged',
    );
  });

  it('handshake: v4 hello-ok with admin scopes', async () => {
    client = new GatewayClient({ url: sup.url, token: () => GATEWAY_TOKEN });
    const hello = await client.connect();
    assert.equal(hello.protocol, 4);
    assert.equal(hello.server.version, '2026.9.6');
    assert.ok(hello.auth?.scopes?.includes('operator.admin'));
    assert.ok(hello.features?.methods?.includes('models.authSetApiKey'));
    assert.equal(client.state, 'connected');
  });

  it('authSetApiKey, authOrderSet, authStatus, authRefresh, authLogout(profile): each visible in the store afterwards', async () => {
    const set = await client.authSetApiKey({ provider: 'groq', apiKey: GROQ_KEY });
    assert.equal(set.profileId, 'groq:manual');
    let snap = await snapshot();
    const c = snap.store.profiles['groq:manual'];
    assert.ok(c && c.type === 'api_key' && c.key === GROQ_KEY, 'key saved in the store');

    await client.authSetApiKey({ provider: 'openrouter', apiKey: OPENROUTER_KEY });
    const order = await client.authOrderSet({ provider: 'groq', profileIds: ['groq:manual'] });
    assert.deepEqual(order.profileIds, ['groq:manual']);
    snap = await snapshot();
    assert.deepEqual(snap.state.order?.groq, ['groq:manual']);

    const status = await client.authStatus();
    const groq = status.providers.find((p) => p.provider === 'groq');
    assert.ok(groq, 'groq in authStatus');
    assert.deepEqual(
      groq.profiles.map((p) => p.profileId),
      ['groq:manual'],
    );
    assert.equal(groq.profileOrderStored, true);

    const cleared = await client.authOrderSet({ provider: 'groq', profileIds: null });
    assert.equal(cleared.profileIds, null);
    snap = await snapshot();
    assert.equal(snap.state.order?.groq, undefined);

    assert.equal((await client.authRefresh({ operation: 'update' })).refreshed, true);

    await client.authSetApiKey({ provider: 'xai', apiKey: 'xai-fake-interop-0123456789abcdefghij' });
    const out = await client.authLogout({ provider: 'xai', profileIds: ['xai:manual'] });
    assert.deepEqual(out.removedProfiles, ['xai:manual']);
    assert.deepEqual(out.abortedRunIds, []);
    snap = await snapshot();
    assert.equal(snap.store.profiles['xai:manual'], undefined);
  });

  for (const engine of ['native', 'sqljs'] as const) {
    it(`our CLI writing beside the running gateway's own writes (control plane): nothing lost, integrity ok (${engine})`, async () => {
      const oc = await ensureOpenclaw();
      const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
      assert.ok(fs.existsSync(cli), 'dist/cli.js (npm run build)');
      const e = await env();
      const loop = ourLoop(oc.node, cli, home, engine, { TMPDIR: String(e.TMPDIR) });
      const theirs: string[] = [];
      try {
        for (let i = 0; i < 12; i++) {
          const provider = `gwrace${engine}${i}`;
          const r = await client.authSetApiKey({
            provider,
            apiKey: `sk-fake-gwrace-${engine}-${String(i).padStart(16, '0')}`,
          });
          theirs.push(r.profileId);
          await new Promise((res) => setTimeout(res, 150));
        }
      } finally {
        const { saved, refused } = await loop.stop();
        console.log(
          `      ${engine}: gateway ${theirs.length} keys; ours ${saved.length} saved, ${refused.length} refused`,
        );
        const snap = await snapshot();
        for (const id of theirs) assert.ok(snap.store.profiles[id], `${engine}: the gateway's ${id} is missing`);
        for (const id of saved) assert.ok(snap.store.profiles[id], `${engine}: our saved ${id} is missing`);
        if (engine === 'native') assert.ok(saved.length > 0, 'native: our writes went through beside the gateway');
        else assert.equal(saved.length, 0, 'sql.js never replaces a DB the gateway holds');
        const status = await client.authStatus();
        assert.ok(
          JSON.stringify(status).includes(theirs[theirs.length - 1] ?? '-'),
          'the gateway still answers with its own last key',
        );
        const db = path.join(stateDir(), 'state', 'openclaw.sqlite');
        const ic = spawnSync(
          oc.node,
          [
            '-e',
            "const{DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(process.argv[1],{readOnly:true});console.log(d.prepare('PRAGMA integrity_check').get().integrity_check)",
            db,
          ],
          { encoding: 'utf8' },
        );
        assert.equal(ic.stdout.trim(), 'ok', ic.stderr);
      }
    });
  }

  it('a provider-wide logout is reflected in our view and in authStatus (0 runs stopped)', async () => {
    const before = deriveView(await snapshot(), Date.now());
    assert.ok(before.providers.some((p) => p.provider === 'groq'));
    const r = await client.logoutProvider({ provider: 'groq' });
    assert.deepEqual(r.removedProfiles, ['groq:manual']);
    assert.deepEqual(r.stopped, []);
    const after = deriveView(await snapshot(), Date.now());
    assert.ok(!after.providers.some((p) => p.provider === 'groq'), 'groq gone from our view');
    assert.ok(
      after.providers.some((p) => p.provider === 'openrouter'),
      'openrouter kept',
    );
    const status = await client.authStatus();
    assert.ok(!status.providers.some((p) => p.provider === 'groq'));
  });

  it('a wrong token gives the clear message and stops retrying', async () => {
    const bad = new GatewayClient({ url: sup.url, token: () => 'wrong-token-fake-0123456789' });
    await assert.rejects(bad.connect(), (e: Error) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.detailCode, 'AUTH_TOKEN_MISMATCH');
      assert.match(e.message, /rejected the token.*Set Gateway Token/);
      assert.ok(!e.message.includes('wrong-token-fake'));
      return true;
    });
    assert.equal(bad.state, 'auth-failed');
    bad.close();
  });

  it('CLI gateway status: by URL (token from the env) and as the state dir\'s local gateway; a wrong token file is "token-rejected", exit 1, the token never printed', async () => {
    const oc = await ensureOpenclaw();
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), 'dist/cli.js (npm run build)');
    const e = await env();
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      spawnSync(oc.node, [cli, 'gateway', 'status', '--json', ...args], {
        encoding: 'utf8',
        env: { ...e, ...extra },
        timeout: 60_000,
      });
    const byUrl = run(['--gateway', `ws://127.0.0.1:${port}`], { OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN });
    assert.equal(byUrl.status, 0, byUrl.stderr);
    const doc = JSON.parse(byUrl.stdout) as {
      target: { kind: string; source?: string };
      connected: boolean;
      version: string;
      protocol: number;
      auth: { providers: Array<{ provider: string; profiles: number }> };
    };
    assert.deepEqual([doc.target.kind, doc.target.source, doc.connected], ['remote', 'flag', true]);
    assert.equal(doc.version, '2026.9.6');
    assert.equal(doc.protocol, 4);
    const fromGateway = (await client.authStatus()).providers.map((p) => p.provider).sort();
    assert.deepEqual(doc.auth.providers.map((p) => p.provider).sort(), fromGateway);

    const local = run(['--state-dir', stateDir()], {
      OPENCLAW_GATEWAY_PORT: String(port),
      OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    });
    assert.equal(local.status, 0, local.stderr);
    const l = JSON.parse(local.stdout) as { target: { kind: string; url: string }; ready: boolean; connected: boolean };
    assert.deepEqual(
      [l.target.kind, l.target.url, l.ready, l.connected],
      ['local', `ws://127.0.0.1:${port}`, true, true],
    );

    const tokenFile = path.join(home, 'wrong-token');
    fs.writeFileSync(tokenFile, 'wrong-token-fake-cli-0123456789\n', { mode: 0o600 });
    const bad = run(['--gateway', `ws://127.0.0.1:${port}`, '--token-file', tokenFile], {
      OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    });
    assert.equal(bad.status, 1, bad.stderr);
    const b = JSON.parse(bad.stdout) as { connected: boolean; reachable: boolean; error: { kind: string } };
    assert.deepEqual([b.connected, b.reachable, b.error.kind], [false, true, 'token-rejected']);
    assert.ok(!`${bad.stdout}${bad.stderr}`.includes('wrong-token-fake-cli'), 'the token is never printed');
  });

  it('CLI --gateway URL: add-key, list, order set/get/clear, remove and logout change that gateway (read back from its files); what the protocol lacks is refused', async () => {
    const oc = await ensureOpenclaw();
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    const e = { ...(await env()), OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN };
    const url = `ws://127.0.0.1:${port}`;
    const run = (args: string[], input?: string) =>
      spawnSync(oc.node, [cli, ...args, '--gateway', url, '--json'], {
        encoding: 'utf8',
        env: e,
        input,
        timeout: 60_000,
      });
    const MISTRAL_KEY = 'mistral-fake-cli-remote-0123456789abcdef';
    const add = run(['add-key', '--provider', 'mistral'], `${MISTRAL_KEY}\n`);
    assert.equal(add.status, 0, add.stderr);
    assert.deepEqual(JSON.parse(add.stdout), { provider: 'mistral', profileId: 'mistral:manual', gateway: url });
    assert.ok(!`${add.stdout}${add.stderr}`.includes(MISTRAL_KEY));
    assert.equal((await snapshot()).store.profiles['mistral:manual']?.type, 'api_key', 'in the gateway home files');

    const list = run(['list', '--provider', 'mistral']);
    assert.equal(list.status, 0, list.stderr);
    const rows = (JSON.parse(list.stdout) as { profiles: Array<{ id: string; type: string }> }).profiles;
    assert.deepEqual(
      rows.map((r) => [r.id, r.type]),
      [['mistral:manual', 'api_key']],
    );
    assert.ok(!list.stdout.includes(MISTRAL_KEY));

    const add2 = run(['add-key', '--provider', 'mistral', '--profile-id', 'mistral:other'], 'x\n');
    assert.equal(add2.status, 2, 'a profile id the gateway would not use is refused before sending');

    const set = run(['order', 'set', '--provider', 'mistral', 'mistral:manual']);
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual((JSON.parse(set.stdout) as { order: string[] }).order, ['mistral:manual']);
    assert.deepEqual((await snapshot()).state.order?.mistral, ['mistral:manual']);
    const clear = run(['order', 'clear', '--provider', 'mistral']);
    assert.equal((JSON.parse(clear.stdout) as { order: unknown }).order, null);
    assert.equal((await snapshot()).state.order?.mistral, undefined);

    const rm = run(['remove', 'mistral:manual']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal((await snapshot()).store.profiles['mistral:manual'], undefined);
    const gone = run(['remove', 'mistral:manual']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /No profile "mistral:manual" on the gateway/);

    assert.equal(run(['add-key', '--provider', 'mistral'], `${MISTRAL_KEY}\n`).status, 0);
    const out = run(['logout', '--provider', 'mistral']);
    assert.equal(out.status, 0, out.stderr);
    const lo = JSON.parse(out.stdout) as { removedProfiles: string[]; stoppedRuns: unknown[]; message: string };
    assert.deepEqual([lo.removedProfiles, lo.stoppedRuns], [['mistral:manual'], []]);
    assert.match(lo.message, /No runs were using it/);
    assert.equal((await snapshot()).store.profiles['mistral:manual'], undefined);

    for (const cmd of [['add-token', '--provider', 'anthropic'], ['doctor'], ['rotation', '--provider', 'openai']]) {
      const r = run(cmd, 'x\n');
      assert.equal(r.status, 2, cmd[0]);
      assert.match(r.stderr, /is not available on a gateway: /);
    }
  });

  it('CLI probe --gateway on a home without a model: the real answer parsed, our bound or its answer first; the CLI writes nothing, the profiles are unchanged', async () => {
    const oc = await ensureOpenclaw();
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    // The CLI's own home: a --gateway command must leave it empty.
    const cliHome = makeEmptyHome('oca-cli-probe-');
    const before = await snapshot();
    try {
      const r = spawnSync(
        oc.node,
        [
          cli,
          'probe',
          '--gateway',
          `ws://127.0.0.1:${port}`,
          '--provider',
          'openrouter',
          '--timeout',
          '4000',
          '--json',
        ],
        {
          encoding: 'utf8',
          env: { ...(await env()), HOME: cliHome, OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN },
          timeout: 60_000,
        },
      );
      assert.equal(r.signal, null, 'the CLI ended by itself');
      const doc = JSON.parse(r.stdout) as {
        gateway: string;
        results: Array<{
          profileId?: string;
          status: string;
          gatewayTimeout?: boolean;
          error?: string;
          latencyMs?: number;
        }>;
      };
      // Exit 1 as the local probe: a target that was probed (it has a latency) and is not ok.
      // This home configures no model, so the gateway may answer no_model at once (exit 0).
      const failed = doc.results.some((x) => x.latencyMs !== undefined && x.status !== 'ok');
      assert.equal(r.status, failed ? 1 : 0, `${r.stderr}\n${r.stdout}`);
      assert.equal(doc.gateway, `ws://127.0.0.1:${port}`);
      const row = doc.results.find((x) => x.profileId === 'openrouter:manual');
      assert.ok(row, JSON.stringify(doc.results));
      if (row.gatewayTimeout) {
        assert.equal(row.status, 'timeout');
        assert.match(row.error ?? '', /No answer from the gateway within 4000 ms/);
      } else assert.notEqual(row.status, 'ok', 'a fake key offline is never ok');
      console.log(`      probe: ${row.gatewayTimeout ? 'our bound fired' : `the gateway answered ${row.status}`}`);
      for (const out of [r.stdout, r.stderr]) {
        assert.ok(!out.includes(GATEWAY_TOKEN), 'no gateway token in the output');
        assert.ok(!out.includes(OPENROUTER_KEY), 'no key in the output');
      }
      assert.deepEqual(fs.readdirSync(cliHome), ['tmp'], 'the CLI wrote nothing in its home');
      assert.deepEqual(fs.readdirSync(path.join(cliHome, 'tmp')), []);
      const after = await snapshot();
      assert.deepEqual(Object.keys(after.store.profiles).sort(), Object.keys(before.store.profiles).sort());
      assert.deepEqual(after.state.order, before.state.order);
      assert.deepEqual(after.config.data, before.config.data, 'openclaw.json unchanged');
      // The gateway still serves requests after the CLI went away mid-probe.
      assert.ok((await client.authStatus()).providers.some((p) => p.provider === 'openrouter'));
    } finally {
      fs.rmSync(cliHome, { recursive: true, force: true });
    }
  });

  it('adopts a gateway already answering on the port and never stops it', async () => {
    const second = await supervisor(port);
    others.push(second);
    const s = await second.start();
    assert.equal(s.kind, 'ready');
    assert.equal(second.adopted, true);
    assert.equal(second.pid, undefined, 'no second gateway launched');
    assert.ok(cap.info.some((l) => /already answers .*monitoring it/.test(l)));
    const r = await second.stop();
    assert.equal(r.stopped, false);
    assert.match(r.message, /keeps running/);
    second.dispose(); // a window closing that only watched it
    await new Promise((r) => setTimeout(r, 1500));
    const p = await probeGateway(port);
    assert.ok(p.kind === 'gateway' && p.ready, 'the first gateway still runs');
  });

  it('a port held by something that is not a gateway is a clear error', async () => {
    const busy = http.createServer((_q, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here');
    });
    const busyPort = await freePort();
    await new Promise<void>((r) => busy.listen(busyPort, '127.0.0.1', r));
    try {
      const s = await supervisor(busyPort);
      await assert.rejects(s.start(), (e: Error) => {
        assert.ok(e instanceof GatewayStartError);
        assert.equal(e.kind, 'port-busy');
        assert.match(e.message, new RegExp(`Port ${busyPort} is held by another program, not an OpenClaw gateway`));
        return true;
      });
      assert.equal(s.state.kind, 'failed');
      assert.equal(s.pid, undefined);
    } finally {
      busy.close();
    }
  });

  it('SIGKILL of the gateway is detected within 2 s and it is restarted', async () => {
    const pid = sup.pid;
    assert.ok(pid);
    const states: GatewayState[] = [];
    const off = sup.onState((s) => states.push(s));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => states.find((s) => s.kind === 'crashed'), 'crashed state', 2000);
    const crashed = states.find((s) => s.kind === 'crashed');
    assert.ok(crashed && crashed.kind === 'crashed' && /SIGKILL/.test(crashed.exit));
    assert.ok(Date.now() - killedAt < 2000);
    await waitFor(() => states.find((s) => s.kind === 'ready'), 'ready after restart', 180_000);
    off();
    assert.ok(sup.pid && sup.pid !== pid, 'a new gateway process');
    // The client reconnects by itself once the gateway is back.
    client.start();
    await waitFor(() => client.state === 'connected', 'client reconnected', 30_000);
    const st = await client.authStatus();
    assert.ok(st.providers.some((p) => p.provider === 'openrouter'));
  });

  it('stop leaves no process behind (process group and helpers gone) and frees the port', async () => {
    const pid = sup.pid;
    assert.ok(pid);
    const pgid = processGroup(pid);
    assert.equal(pgid, pid, 'the gateway leads its own process group');
    const tree = descendants(pid);
    assert.ok(tree.length > 0, 'openclaw runs helper processes');
    const r = await sup.stop();
    assert.equal(r.stopped, true);
    assert.equal(sup.state.kind, 'stopped');
    assert.deepEqual(groupMembers(pid), []);
    assert.deepEqual([pid, ...tree].filter(alive), []);
    assert.equal((await probeGateway(port)).kind, 'down');
  });

  it('closing the window (dispose) stops a gateway it started, helpers included', async () => {
    const own = await supervisor(port, { stopGraceMs: 8000 });
    await own.start();
    const pid = own.pid!;
    assert.equal(own.adopted, false);
    const tree = descendants(pid);
    own.dispose();
    await waitFor(() => [pid, ...tree].every((p) => !alive(p)), 'gateway and helpers gone', 20_000);
    assert.deepEqual(groupMembers(pid), []);
    assert.equal((await probeGateway(port)).kind, 'down');
  });
});

/**
 * models.authStatus from the real gateway on homes a user really has: an order configured in
 * openclaw.json (auth.order), an order stored by the gateway, a models.providers entry bound to a
 * profile, env and file SecretRefs, an OAuth profile, several agents (test/interop/authStatusHomes.ts).
 * Asserted as a user meets it: the status item's tooltip (what GatewayController.render shows),
 * and the reconciliation with what our store reader reads from the same files.
 */
describe('gateway models.authStatus on varied homes (real openclaw)', function () {
  // A start of these homes takes 30-130 s here (legacy/after also tries, offline, to install the
  // plugins its config names).
  this.timeout(600_000);
  const running: Array<{ sup: GatewaySupervisor; client: GatewayClient; home: string }> = [];
  let bound: { sup: GatewaySupervisor; client: GatewayClient; home: string } | undefined;

  async function startOn(name: string): Promise<{ sup: GatewaySupervisor; client: GatewayClient; home: string }> {
    const h = AUTH_STATUS_HOMES.find((x) => x.name === name)!;
    const { home, token } = await prepareAuthStatusHome(h);
    const oc = await ensureOpenclaw();
    const env = {
      HOME: home,
      PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
      TMPDIR: path.join(home, 'tmp'),
      npm_config_offline: 'true',
    };
    const sup = new GatewaySupervisor({
      port: await freePort(),
      commandSetting: oc.openclawMjs,
      nodePath: oc.node,
      env,
      token,
      allowUnconfigured: true,
      readyTimeoutMs: 300_000,
      log: captureLog().log,
    });
    const r = { sup, client: new GatewayClient({ url: sup.url, token: () => token }), home };
    running.push(r);
    await sup.start();
    await r.client.connect();
    return r;
  }
  /** The status item's tooltip with this answer, as the extension shows it. */
  const tooltip = (r: { sup: GatewaySupervisor }, st: Awaited<ReturnType<GatewayClient['authStatus']>>) =>
    describeGateway(r.sup.state, {
      port: r.sup.port,
      client: 'connected',
      adopted: false,
      now: Date.now(),
      extra: describeAuthView(st),
    }).tooltip;
  const filesView = (home: string, agentId?: string) =>
    deriveView(readSnapshot({ env: { HOME: home }, ...(agentId ? { agentId } : {}) }), Date.now());

  after(async () => {
    for (const r of running) {
      r.client.close();
      await r.sup.stop();
      r.sup.dispose();
      fs.rmSync(r.home, { recursive: true, force: true });
    }
  });

  it('auth.order in openclaw.json, a provider entry bound to a profile, a stored order, env and file SecretRefs: parsed, the lock shown, files and gateway agree', async () => {
    const r = await startOn('provider-bound');
    bound = r;
    const st = await r.client.authStatus();
    const by = new Map(st.providers.map((p) => [p.provider, p]));
    assert.equal(by.get('anthropic')?.profileOrderLocked, 'auth-config');
    assert.equal(by.get('openrouter')?.profileOrderLocked, 'provider-config');
    assert.equal(by.get('openrouter')?.profileOrderStored, true);
    assert.deepEqual(by.get('openrouter')?.apiKey, { source: 'env', envVar: 'OPENROUTER_API_KEY' });
    assert.equal(by.get('groq')?.apiKey?.source, 'config', 'groq keyed by a file SecretRef in openclaw.json');
    const t = tooltip(r, st);
    assert.match(t, /: ready\.\nControl plane: connected\.\n\nGateway auth view: /);
    assert.match(t, /anthropic ok \(1; order locked by openclaw\.json auth config: auth\.order\.anthropic\)/);
    assert.match(t, /groq static \(0\)/);
    assert.match(
      t,
      /openrouter static \(3; order locked by openclaw\.json provider config: models\.providers\.openrouter\.apiKey names a profile\)/,
    );
    assert.deepEqual(reconcileAuthView(filesView(r.home), st), []);
    const all = JSON.stringify(st) + t;
    for (const secret of ['sk-or-v1-fake', 'sk-ant-oat01-fake', 'gsk_fake_file_secretref'])
      assert.ok(!all.includes(secret), `${secret}... in the answer or the tooltip`);
  });

  it('a new order for a locked provider is refused with where to change it, and nothing changes; after a key is saved through the gateway the refreshed view still parses and agrees', async () => {
    const r = bound;
    assert.ok(r, 'the gateway of the test before');
    const before = readSnapshot({ env: { HOME: r.home } });
    await assert.rejects(
      r.client.authOrderSet({ provider: 'anthropic', profileIds: ['anthropic:manual'] }),
      (e: Error) => {
        assert.ok(e instanceof GatewayError);
        assert.match(
          e.message,
          /controlled by auth configuration\. The order comes from auth\.order in openclaw\.json: change it there; nothing was changed\./,
        );
        return true;
      },
    );
    await assert.rejects(
      r.client.authOrderSet({ provider: 'openrouter', profileIds: ['openrouter:manual'] }),
      /controlled by provider configuration\. A models\.providers entry in openclaw\.json names one of its profiles/,
    );
    const after = readSnapshot({ env: { HOME: r.home } });
    assert.deepEqual(after.state.order, before.state.order, 'stored orders unchanged');
    assert.deepEqual(after.config.data, before.config.data, 'openclaw.json unchanged');

    await r.client.authSetApiKey({ provider: 'xai', apiKey: 'xai-fake-interop-authstatus-0123456789abcdef' });
    const st = await r.client.authStatus();
    assert.ok(st.providers.some((p) => p.provider === 'xai' && p.profiles.some((x) => x.profileId === 'xai:manual')));
    assert.match(
      tooltip(r, st),
      /anthropic ok \(1; order locked by openclaw\.json auth config: auth\.order\.anthropic\).*xai static \(1\)/,
    );
    assert.deepEqual(reconcileAuthView(filesView(r.home), st), []);
  });

  it('an OAuth profile, auth.order for it, a stored order, several agents: each agent parsed and reconciled with its files', async () => {
    const r = await startOn('oauth');
    for (const agentId of [undefined, 'work']) {
      const st = await r.client.authStatus(agentId ? { agentId } : {});
      const openai = st.providers.find((p) => p.provider === 'openai');
      assert.deepEqual(
        openai?.profiles.map((p) => [p.profileId, p.type, p.status]),
        [['openai:default', 'oauth', 'ok']],
        agentId,
      );
      assert.equal(openai?.profileOrderLocked, 'auth-config');
      assert.deepEqual(st.providers.find((p) => p.provider === 'anthropic')?.profileOrder, [
        'anthropic:pro',
        'anthropic:manual',
      ]);
      assert.match(tooltip(r, st), /openai ok \(1; order locked by openclaw\.json auth config: auth\.order\.openai\)/);
      assert.deepEqual(reconcileAuthView(filesView(r.home, agentId), st), [], agentId ?? 'default agent');
    }
    const work = await r.client.authStatus({ agentId: 'work' });
    assert.ok(
      work.providers
        .find((p) => p.provider === 'openrouter')
        ?.profiles.some((p) => p.profileId === 'openrouter:default' && p.source === 'saved'),
      "work's own profile",
    );
  });
});

/**
 * `openclaw-auth gateway start|stop` on a headless host with the real openclaw: start detaches
 * (the CLI exits, the gateway runs on and answers) and records what it started; stop signals only
 * that process, never a pid that now belongs to something else, and frees the port.
 */
describe('CLI gateway start / stop (real openclaw)', function () {
  this.timeout(300_000);
  let home: string;
  let port: number;
  let cliEnv: NodeJS.ProcessEnv;
  const strays: number[] = [];
  const record = () => path.join(home, '.openclaw', 'openclaw-auth-gateway.json');
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');

  const run = async (args: string[]) => {
    const oc = await ensureOpenclaw();
    const r = spawnSync(oc.node, [cli, 'gateway', ...args, '--openclaw', oc.openclawMjs, '--json'], {
      encoding: 'utf8',
      env: cliEnv,
      timeout: 240_000,
    });
    assert.equal(r.signal, null, `gateway ${args[0]} ended by itself`);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(GATEWAY_TOKEN), 'the token is never printed');
    return { code: r.status, doc: JSON.parse(r.stdout || '{}') as Record<string, unknown>, stderr: r.stderr };
  };

  before(async () => {
    const oc = await ensureOpenclaw();
    home = makeEmptyHome('oca-cli-gwstart-');
    // A model to probe with, so that models.probe really calls the provider (offline: it hangs).
    fs.mkdirSync(path.join(home, '.openclaw'), { recursive: true });
    fs.writeFileSync(
      path.join(home, '.openclaw', 'openclaw.json'),
      JSON.stringify({ agents: { defaults: { model: { primary: 'openrouter/openai/gpt-4o-mini' } } } }, null, 2),
    );
    port = await freePort();
    cliEnv = {
      HOME: home,
      PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
      TMPDIR: path.join(home, 'tmp'),
      npm_config_offline: 'true',
      OPENCLAW_GATEWAY_PORT: String(port),
      OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    };
  });
  after(async () => {
    // Whatever a failed test left running.
    try {
      const rec = JSON.parse(fs.readFileSync(record(), 'utf8')) as { pgid: number };
      process.kill(-rec.pgid, 'SIGKILL');
    } catch {
      /* nothing recorded or gone */
    }
    for (const pid of strays)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('start detaches: the CLI exits, the gateway answers afterwards (control plane too), and what it started is recorded with mode 0600', async () => {
    const r = await run(['start']);
    assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.doc)}`);
    assert.equal(r.doc.started, true);
    const pid = r.doc.pid as number;
    const probe = await probeGateway(port);
    assert.ok(probe.kind === 'gateway' && probe.ready, 'ready after the CLI exited');
    const c = new GatewayClient({ url: `ws://127.0.0.1:${port}`, token: () => GATEWAY_TOKEN });
    try {
      assert.equal((await c.connect()).protocol, 4);
    } finally {
      c.close();
    }
    assert.equal(fs.statSync(record()).mode & 0o777, 0o600);
    const rec = JSON.parse(fs.readFileSync(record(), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([rec.pid, rec.pgid, rec.port], [pid, pid, port]);
    assert.equal(processGroup(pid), pid, 'the gateway leads its own process group');
    assert.match(
      String(rec.command),
      /openclaw\.mjs gateway run --bind loopback --auth token --port \d+ --allow-unconfigured/,
    );
    assert.ok(!fs.readFileSync(record(), 'utf8').includes(GATEWAY_TOKEN));

    const again = await run(['start']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.doc.started, again.doc.owned, again.doc.pid], [false, true, pid], 'no second gateway');
  });

  it('probe --gateway on the gateway it started, with a model configured: our bound (or its answer) ends the CLI; the key never printed, nothing written by the CLI', async () => {
    const oc = await ensureOpenclaw();
    const url = `ws://127.0.0.1:${port}`;
    const cliHome = makeEmptyHome('oca-cli-probe2-');
    const e = { ...cliEnv, HOME: cliHome };
    try {
      const add = spawnSync(oc.node, [cli, 'add-key', '--provider', 'openrouter', '--gateway', url, '--json'], {
        encoding: 'utf8',
        env: e,
        input: `${OPENROUTER_KEY}\n`,
        timeout: 60_000,
      });
      assert.equal(add.status, 0, add.stderr);
      const before = readSnapshot({ env: { HOME: home } });
      const r = spawnSync(
        oc.node,
        [cli, 'probe', '--gateway', url, '--provider', 'openrouter', '--timeout', '5000', '--json'],
        { encoding: 'utf8', env: e, timeout: 120_000 },
      );
      assert.equal(r.signal, null, 'the CLI ended by itself');
      assert.equal(r.status, 1, `${r.stderr}\n${r.stdout}`);
      const doc = JSON.parse(r.stdout) as {
        results: Array<{
          profileId?: string;
          status: string;
          gatewayTimeout?: boolean;
          error?: string;
          model?: string;
        }>;
      };
      const row = doc.results.find((x) => x.profileId === 'openrouter:manual');
      assert.ok(row, r.stdout);
      if (row.gatewayTimeout) assert.match(row.error ?? '', /No answer from the gateway within 5000 ms/);
      else assert.notEqual(row.status, 'ok');
      console.log(`      probe: ${row.gatewayTimeout ? 'our bound fired' : `the gateway answered ${row.status}`}`);
      for (const out of [r.stdout, r.stderr, add.stdout, add.stderr]) {
        assert.ok(!out.includes(OPENROUTER_KEY), 'no key in the output');
        assert.ok(!out.includes(GATEWAY_TOKEN), 'no token in the output');
      }
      assert.deepEqual(fs.readdirSync(cliHome), ['tmp'], 'the CLI wrote nothing in its home');
      const after = readSnapshot({ env: { HOME: home } });
      assert.deepEqual(Object.keys(after.store.profiles).sort(), Object.keys(before.store.profiles).sort());
      assert.deepEqual(after.config.data, before.config.data, 'openclaw.json unchanged');
      // Still probing, it may be slow to answer /readyz for a while: it answers again, it did not die.
      let p = await probeGateway(port, { timeoutMs: 5000 });
      for (const end = Date.now() + 120_000; p.kind !== 'gateway' && Date.now() < end;)
        p = await probeGateway(port, { timeoutMs: 5000 });
      assert.equal(p.kind, 'gateway', 'the gateway still runs after the CLI left mid-probe');
    } finally {
      fs.rmSync(cliHome, { recursive: true, force: true });
    }
  });

  it('stop refuses to signal a recorded pid that is not the process it started (another start time, or another program)', async () => {
    const original = fs.readFileSync(record(), 'utf8');
    const rec = JSON.parse(original) as { pid: number; processStart: string };
    // The same pid with another start time: a pid the system gave to something else.
    fs.writeFileSync(record(), JSON.stringify({ ...rec, processStart: 'Mon Jan 1 00:00:00 2024' }), { mode: 0o600 });
    const r = await run(['stop']);
    assert.equal(r.code, 1, 'a gateway still answers, and it is not one openclaw-auth can vouch for');
    assert.equal(r.doc.signalled, false);
    assert.match(
      String(r.doc.message),
      new RegExp(`pid ${rec.pid} is now another process .* That process was not signalled`),
    );
    assert.ok(alive(rec.pid), 'not signalled');
    const p = await probeGateway(port);
    assert.ok(p.kind === 'gateway' && p.ready, 'the gateway still runs');

    // A pid that belongs to another program altogether.
    const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(sleeper.pid!);
    fs.writeFileSync(record(), JSON.stringify({ ...rec, pid: sleeper.pid, pgid: sleeper.pid }), { mode: 0o600 });
    const s = await run(['stop']);
    assert.equal(s.doc.signalled, false);
    assert.ok(alive(sleeper.pid!), 'the other program was not signalled');
    assert.ok((await probeGateway(port)).kind === 'gateway');
    fs.writeFileSync(record(), original, { mode: 0o600 });
  });

  it('stop stops what start started: process group and helpers gone, port free, record removed', async () => {
    const rec = JSON.parse(fs.readFileSync(record(), 'utf8')) as { pid: number };
    const tree = descendants(rec.pid);
    const r = await run(['stop']);
    assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.doc)}`);
    assert.deepEqual([r.doc.stopped, r.doc.portFree], [true, true]);
    assert.equal((await probeGateway(port)).kind, 'down');
    assert.deepEqual(
      groupMembers(rec.pid).filter((p) => !zombie(p)),
      [],
    );
    assert.deepEqual(
      [rec.pid, ...tree].filter((p) => alive(p) && !zombie(p)),
      [],
    );
    assert.ok(!fs.existsSync(record()));
    const none = await run(['stop']);
    assert.equal(none.code, 0);
    assert.match(String(none.doc.message), /did not start a gateway .* and none answers on port/);
  });
});

/** A process that exited but that nobody reaped (its parent, the CLI, is gone). */
function zombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
