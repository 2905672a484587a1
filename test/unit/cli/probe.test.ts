/**
 * `openclaw-auth probe` / `rotation` as processes, on real homes (fixture copies and homes built
 * with the CLI), against a loopback provider. The state the probe records is read back with the
 * project's reader.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { copyHome, rmrf, tempHome } from '../../helpers/fixtures';
import { fakeKey, startProviderServer, type ProviderServer } from '../../helpers/providerServer';
import { readSnapshot } from '../../../src/store';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');

function run(
  home: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', TSX, CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, OPENCLAW_GATEWAY_PORT: '1', ...opts.env },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
    child.stdin.end(opts.input ?? '');
  });
}

async function buildHome(srv: ProviderServer, keys: Record<string, string>): Promise<string> {
  const h = tempHome();
  for (const [id, k] of Object.entries(keys)) {
    const r = await run(h, ['add-key', '--provider', 'openai', '--profile-id', id], { input: `${k}\n` });
    assert.equal(r.code, 0, r.stderr);
  }
  const cfgPath = path.join(h, '.openclaw', 'openclaw.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  cfg.agents = { defaults: { model: { primary: 'openai/gpt-fake-mini' } } };
  cfg.models = {
    providers: {
      openai: {
        baseUrl: `${srv.baseUrl}/v1`,
        api: 'openai-completions',
        models: [{ id: 'gpt-fake-mini', name: 'fake' }],
      },
    },
  };
  fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  return h;
}

describe('openclaw-auth probe / rotation (CLI)', function () {
  this.timeout(60000);
  let srv: ProviderServer;
  const homes: string[] = [];
  before(async () => {
    srv = await startProviderServer();
  });
  after(async () => {
    await srv.close();
    homes.forEach(rmrf);
  });
  beforeEach(() => srv.reset());

  it('probe --json: auth.probes shape, statuses, exit 1 on a failure, no key printed, outcome recorded in the state', async () => {
    const good = fakeKey('ok', 11),
      bad = fakeKey('401', 12);
    const h = await buildHome(srv, { 'openai:good': good, 'openai:bad': bad });
    homes.push(h);
    const r = await run(h, ['probe', '--json', '--max-tokens', '4']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      totalTargets: number;
      options: Record<string, unknown>;
      results: Array<Record<string, unknown>>;
      startedAt: number;
      finishedAt: number;
      durationMs: number;
    };
    assert.deepEqual(Object.keys(doc).sort(), [
      'durationMs',
      'finishedAt',
      'options',
      'results',
      'startedAt',
      'totalTargets',
    ]);
    assert.deepEqual(doc.options, { profileIds: [], timeoutMs: 8000, concurrency: 2, maxTokens: 4 });
    assert.equal(doc.totalTargets, 2);
    const st = Object.fromEntries(doc.results.map((x) => [x.profileId, x.status]));
    assert.deepEqual(st, { 'openai:good': 'ok', 'openai:bad': 'auth' });
    for (const x of doc.results) {
      assert.equal(x.model, 'openai/gpt-fake-mini');
      assert.equal(typeof x.latencyMs, 'number');
    }
    for (const out of [r.stdout, r.stderr]) {
      assert.ok(!out.includes(good) && !out.includes(bad), 'no key in the output');
    }
    const s = readSnapshot({ env: { HOME: h } });
    const u = s.state.usageStats ?? {};
    assert.equal(typeof u['openai:good']?.lastProbeAt, 'number');
    assert.equal(u['openai:good']?.errorCount, 0);
    assert.equal(u['openai:bad']?.cooldownReason, 'auth');
    assert.equal(u['openai:bad']?.failureCounts?.auth, 1);
    assert.ok(
      (u['openai:bad']?.cooldownUntil ?? 0) - (u['openai:bad']?.lastFailureAt ?? 0) === 30_000,
      '30 s first cooldown',
    );
  });

  it('--profile (repeatable) and --provider filter; text output; --timeout bounds a hanging provider', async () => {
    const h = await buildHome(srv, {
      'openai:a': fakeKey('ok', 1),
      'openai:h': fakeKey('hang', 2),
      'openai:c': fakeKey('ok', 3),
    });
    homes.push(h);
    const r = await run(h, [
      'probe',
      '--profile',
      'openai:a',
      '--profile',
      'openai:h',
      '--timeout',
      '700',
      '--no-record',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /openai:a .* ok/);
    assert.match(r.stdout, /openai:h .* timeout/);
    assert.doesNotMatch(r.stdout, /openai:c/);
    assert.match(r.stdout, /Probed 2 targets in/);
    assert.ok(srv.requests.length === 2);
    assert.equal(readSnapshot({ env: { HOME: h } }).state.usageStats, undefined, '--no-record leaves the state alone');
    const none = await run(h, ['probe', '--provider', 'anthropic', '--json']);
    assert.equal(none.code, 0);
    assert.equal((JSON.parse(none.stdout) as { totalTargets: number }).totalTargets, 0);
  });

  it('with a gateway answering /healthz, the probe runs but the state is left to the gateway', async () => {
    const h = await buildHome(srv, { 'openai:a': fakeKey('401', 1) });
    homes.push(h);
    const gw = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"status":"live"}');
    });
    await new Promise<void>((resolve) => gw.listen(0, '127.0.0.1', resolve));
    try {
      const r = await run(h, ['probe'], { env: { OPENCLAW_GATEWAY_PORT: String((gw.address() as AddressInfo).port) } });
      assert.match(r.stdout, /auth/);
      assert.match(r.stderr, /gateway is running/);
      assert.equal(readSnapshot({ env: { HOME: h } }).state.usageStats, undefined);
    } finally {
      gw.close();
    }
  });

  it("probe --local: openclaw's local verdicts for the basic fixture, no request made", async () => {
    const h = copyHome('basic');
    homes.push(h);
    const r = await run(h, ['probe', '--local', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { results: Array<Record<string, unknown>> };
    const rows = doc.results.map((x) => [x.profileId, x.status, x.reasonCode ?? null, x.pending ?? false]);
    assert.deepEqual(rows, [
      ['anthropic:manual', 'no_model', 'no_model', false],
      ['openrouter:default', 'unknown', 'excluded_by_auth_order', false],
      ['openrouter:manual', 'unknown', null, true],
      ['openrouter:backup', 'unknown', null, true],
    ]);
  });

  it('rotation: masked chain with sources; add/remove keep every other .env line, private mode', async () => {
    const h = tempHome();
    homes.push(h);
    fs.mkdirSync(path.join(h, '.openclaw'), { recursive: true });
    const envFile = path.join(h, '.openclaw', '.env');
    const k1 = fakeKey('ok', 21),
      k2 = fakeKey('ok', 22),
      k3 = fakeKey('ok', 23);
    fs.writeFileSync(envFile, `# my keys\nGROQ_API_KEY=${k1}\n\nOTHER=1 # keep\nGROQ_API_KEYS=${k2},${k1}\n`);
    const added = await run(h, ['rotation', 'add', '--provider', 'groq', '--json'], { input: `${k3}\n` });
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { added: string }).added, 'GROQ_API_KEY_1');
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
    const dup = await run(h, ['rotation', 'add', '--provider', 'groq'], { input: `${k2}\n` });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already in the groq rotation chain/);
    const chain = await run(h, ['rotation', '--provider', 'groq', '--json']);
    const keys = (JSON.parse(chain.stdout) as { keys: Array<{ source: string; masked: string; position: number }> })
      .keys;
    assert.deepEqual(
      keys.map((k) => k.source),
      ['GROQ_API_KEYS', 'GROQ_API_KEYS', 'GROQ_API_KEY_1'],
      'GROQ_API_KEY repeats a list key: deduplicated',
    );
    assert.deepEqual(
      keys.map((k) => k.position),
      [1, 2, 3],
    );
    for (const out of [chain.stdout, added.stdout, dup.stderr])
      for (const k of [k1, k2, k3]) assert.ok(!out.includes(k));
    const rm = await run(h, [
      'rotation',
      'remove',
      '--provider',
      'groq',
      '--var',
      'GROQ_API_KEYS',
      '--masked',
      keys[0]?.masked ?? '',
    ]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(
      fs.readFileSync(envFile, 'utf8'),
      `# my keys\nGROQ_API_KEY=${k1}\n\nOTHER=1 # keep\nGROQ_API_KEYS=${k1}\nGROQ_API_KEY_1=${k3}\n`,
    );
    const rm2 = await run(h, ['rotation', 'remove', '--provider', 'groq', '--var', 'GROQ_API_KEY_1']);
    assert.match(rm2.stdout, /Removed GROQ_API_KEY_1 .*restarts/);
    assert.equal(rm2.code, 0);
    assert.ok(!fs.readFileSync(envFile, 'utf8').includes(k3));
    const fromEnv = await run(h, ['rotation', 'remove', '--provider', 'groq', '--var', 'GROQ_API_KEY_7'], {
      env: { GROQ_API_KEY_7: fakeKey('ok', 27) },
    });
    assert.equal(fromEnv.code, 1);
    assert.match(fromEnv.stderr, /set in the environment/);
  });

  it('bad input: clear messages, exit 2', async () => {
    const h = tempHome();
    homes.push(h);
    const r = await run(h, ['probe', '--timeout', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout needs a positive number/);
    const r2 = await run(h, ['rotation']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /--provider is required/);
  });
});
