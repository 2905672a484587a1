// Benchmark section "remote gateways" of `npm run bench` (also runnable alone: node scripts/bench-remote.mjs).
// Real openclaw 2026.9.6 gateways (Node 24, each in its own temp HOME on a free port, started with
// the project's GatewaySupervisor) treated as remote: the code under test reaches them only through
// ws://127.0.0.1:PORT and a fake token, with src/gateway/remote.ts bundled with esbuild as it ships.
//
//   a. per-request overhead: sequential models.authStatus through the GatewayClient a RemoteGateway
//      owns (the same instance, its options as the editor sets them) vs the same request over a raw
//      `ws` socket after the same v4 handshake; median and p95.
//   b. remote death -> 'unreachable': SIGKILL of the gateway's process group until
//      RemoteGateway.connection.kind is 'unreachable' (what the tree shows). Kills alternate A, B, A...;
//      a gateway killed again is first restarted by its supervisor (and reconnected), so only one
//      restart is waited for with the default 3 kills.
//   c. two gateways seeded with 200 api_key profiles each over 10 providers (the project's own store
//      writer, applyMutation upsertProfile as the CLI's add-key, in two Node 24 children) before they
//      start: the profile counts two RemoteGateways see, the time from a models.authSetApiKey answer (a
//      second client) until each RemoteGateway's refreshedAt moved past it (the gateway's change event
//      + 300 ms debounce), also counting only a refresh begun after the answer (openclaw sends
//      chat.metadata.changed while the write runs, so an earlier refresh may end after the answer),
//      and one refresh() on 200 profiles.
//
// Knobs: BENCH_REMOTE_CALLS (200), BENCH_REMOTE_KILLS (3), BENCH_REMOTE_PROFILES (200),
// BENCH_REMOTE_ROUNDS (5). Secrets: a fake token and fake keys (sk-bench-fake-…), never printed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cacheDir, freePort, median, pct, rawCalls, sleep, waitState } from './bench-helpers/gatewayLib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const TOKEN = 'bench-remote-token-fake-0123456789abcdef';
const PROVIDERS = [
  'anthropic',
  'openai',
  'openrouter',
  'groq',
  'xai',
  'together',
  'google',
  'huggingface',
  'nvidia',
  'litellm',
];
const intEnv = (name, dflt) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
export const REMOTE_GOALS = { deathToUnreachableMs: 2000 };

function bundle() {
  const dir = path.join(root, 'out', 'bench', 'remote');
  const out = path.join(dir, 'remote.cjs');
  const entry = path.join(dir, 'remote-entry.ts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    entry,
    [
      "export { GatewaySupervisor } from '../../../src/gateway/supervisor';",
      "export { GatewayClient } from '../../../src/gateway/client';",
      "export { RemoteGateway } from '../../../src/gateway/remote';",
      "export { applyMutation } from '../../../src/store/mutations';",
      "export { resolvePaths } from '../../../src/store/paths';",
      '',
    ].join('\n'),
  );
  const r = spawnSync(
    path.join(root, 'node_modules', '.bin', 'esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--minify',
      '--main-fields=module,main',
      '--external:bufferutil',
      '--external:utf-8-validate',
      `--outfile=${out}`,
      '--log-level=error',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bundling src/gateway + src/store failed: ${r.stderr}`);
  // The store writer looks for sql.js's wasm and openclaw's DB templates beside the bundle (as in dist/).
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz'])
    fs.copyFileSync(path.join(root, 'src', 'store', 'templates', f), path.join(dir, 'templates', f));
  return { ...require(out), bundlePath: out };
}

// The seeding child (Node 24, so the store writer uses node:sqlite as it would beside openclaw):
// `profiles` api_key profiles through applyMutation, the CLI's add-key mutation. Keys are fake and
// stay in the child; it prints only a count and a time.
const SEED_CHILD = `
const m = require(process.argv[1]);
const [stateDir, home, count, providers] = process.argv.slice(2);
(async () => {
  const opts = { stateDirSetting: stateDir, env: { HOME: home } };
  if (m.resolvePaths(opts).stateDir !== stateDir) throw new Error('the state dir resolved elsewhere');
  const list = providers.split(',');
  const t = performance.now();
  for (let i = 0; i < Number(count); i++) {
    const provider = list[i % list.length];
    await m.applyMutation(opts, {
      kind: 'upsertProfile',
      profileId: provider + ':bench-' + i,
      credential: { type: 'api_key', provider, key: 'sk-bench-fake-' + i },
    });
  }
  process.stdout.write(JSON.stringify({ profiles: Number(count), ms: performance.now() - t }) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.message).slice(0, 500)); process.exit(1); });
`;

function seed(node, bundlePath, home, profiles) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      node,
      ['-e', SEED_CHILD, bundlePath, path.join(home, '.openclaw'), home, String(profiles), PROVIDERS.join(',')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, HOME: home, TMPDIR: path.join(home, 'tmp') },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`seeding ${home} failed (${e.message}): ${err.trim().slice(-500)}`));
      }
    });
  });
}

/** Resolves with performance.now() once `test()` holds for the remote (checked now and on every change). */
function waitRemote(remote, test, ms, what) {
  return new Promise((resolve, reject) => {
    if (test()) return resolve(performance.now());
    const t = setTimeout(() => {
      off();
      reject(new Error(`${what}: not within ${ms} ms (connection ${remote.connection.kind})`));
    }, ms);
    const off = remote.onDidChange(() => {
      if (!test()) return;
      const at = performance.now();
      clearTimeout(t);
      off();
      resolve(at);
    });
  });
}

/** Distinct profile ids across the agents a RemoteGateway has read. */
function profileCount(remote) {
  const ids = new Set();
  for (const a of remote.agents)
    for (const p of a.status?.providers ?? []) for (const x of p.profiles) ids.add(`${a.agentId}\n${x.profileId}`);
  return ids.size;
}

export async function runRemoteBench({
  log = (m) => process.stderr.write(`[bench-remote] ${m}\n`),
  calls = intEnv('BENCH_REMOTE_CALLS', 200),
  kills = intEnv('BENCH_REMOTE_KILLS', 3),
  profiles = intEnv('BENCH_REMOTE_PROFILES', 200),
  rounds = intEnv('BENCH_REMOTE_ROUNDS', 5),
} = {}) {
  const { GatewaySupervisor, GatewayClient, RemoteGateway, bundlePath } = bundle();
  const cache = cacheDir();
  const node = path.join(cache, 'node24', 'node_modules', 'node', 'bin', 'node');
  const openclaw = path.join(cache, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
  if (!fs.existsSync(node) || !fs.existsSync(openclaw))
    throw new Error(`openclaw or Node 24 missing under ${cache} (run scripts/install-openclaw.mjs)`);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, output: () => undefined };
  const homes = [];
  const sups = [];
  const remotes = [];
  const clients = [];
  // Ctrl-C (bench.mjs exits 130 on SIGINT) or a crash: the gateways run in their own process groups.
  const onExit = () => {
    for (const s of sups)
      try {
        if (s.pid) process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const res = {
    openclawVersion: JSON.parse(fs.readFileSync(path.join(path.dirname(openclaw), 'package.json'), 'utf8')).version,
    profilesSeeded: profiles,
    providers: PROVIDERS.length,
  };
  const newRemote = (name, url) => {
    // As the editor's remotes feature makes it (src/features/remotes/controller.ts): default options.
    const r = new RemoteGateway({ id: url, name, url, source: 'settings' }, { token: () => TOKEN });
    remotes.push(r);
    return r;
  };
  try {
    // Two homes, each seeded with `profiles` api_key profiles through the project's store writer
    // (two Node 24 children at once), before its gateway starts.
    const gws = [];
    for (const name of ['remote-a', 'remote-b']) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), `oca-bench-${name}-`));
      homes.push(home);
      fs.mkdirSync(path.join(home, 'tmp'));
      fs.mkdirSync(path.join(home, '.openclaw'), { mode: 0o700 });
      const port = await freePort();
      const sup = new GatewaySupervisor({
        port,
        commandSetting: openclaw,
        nodePath: node,
        env: {
          HOME: home,
          PATH: [path.dirname(node), '/usr/bin', '/bin'].join(path.delimiter),
          TMPDIR: path.join(home, 'tmp'),
          npm_config_offline: 'true',
        },
        token: TOKEN,
        allowUnconfigured: true,
        log: quiet,
        restart: { initialMs: 200, maxAttempts: kills + 2 },
      });
      sups.push(sup);
      gws.push({ name, home, port, sup, url: sup.url });
    }
    log(`seeding ${profiles} api_key profiles per gateway (applyMutation upsertProfile, Node 24)`);
    const seeded = await Promise.all(gws.map((g) => seed(node, bundlePath, g.home, profiles)));
    res.seedMs = seeded.map((x) => x.ms);

    log('starting both gateways');
    let t = performance.now();
    await Promise.all(gws.map((g) => g.sup.start()));
    res.startBothMs = performance.now() - t;
    res.ports = gws.map((g) => g.port);

    // c (first part). Two RemoteGateways: connect, first status, profile counts.
    t = performance.now();
    const rs = gws.map((g) => newRemote(g.name, g.url));
    for (const r of rs) r.start();
    res.firstStatusMs = [];
    for (const r of rs) {
      const at = await waitRemote(r, () => r.refreshedAt > 0, 60_000, `${r.config.name} first status`);
      res.firstStatusMs.push(at - t);
    }
    // A gateway whose model catalog is not prepared yet answers `unavailable` with no providers: ask again.
    const deadline = performance.now() + 60_000;
    for (const r of rs)
      while (profileCount(r) < profiles && performance.now() < deadline) {
        await sleep(500);
        await r.refresh();
      }
    res.counts = rs.map(profileCount);
    res.countsOk = res.counts.every((n) => n >= profiles);

    // c. change on both -> each RemoteGateway refreshed past the write's answer.
    const writers = [];
    for (const g of gws) {
      const c = new GatewayClient({ url: g.url, token: () => TOKEN });
      clients.push(c);
      await c.connect();
      writers.push(c);
    }
    // When each remote last sent agents.list, the first request of every refresh() (a refresh that
    // began before the write's answer may have read the state from before it).
    const refreshStarted = rs.map(() => 0);
    rs.forEach((r, k) => {
      const request = r.client.request.bind(r.client);
      r.client.request = (method, ...rest) => {
        if (method === 'agents.list') refreshStarted[k] = performance.now();
        return request(method, ...rest);
      };
    });
    const loose = gws.map(() => []);
    const strict = gws.map(() => []);
    const writeMs = gws.map(() => []);
    const firstEventAfter = gws.map(() => []);
    const before = gws.map(() => 0);
    const both = [];
    const bothStrict = [];
    for (let i = 0; i < rounds; i++) {
      log(`change -> refreshed: round ${i + 1} of ${rounds}`);
      await sleep(1500); // the last round's trailing events and refreshes are over
      const results = await Promise.all(
        writers.map(async (c, k) => {
          const r = rs[k];
          const events = [];
          const off = r.client.onEvent((e) => {
            if (e.event === 'config.changed' || e.event === 'chat.metadata.changed') events.push(performance.now());
          });
          const sent = performance.now();
          const w = await c.authSetApiKey({ provider: 'groq', apiKey: `sk-bench-fake-groq-${i}` });
          const answeredWall = Date.now();
          const answered = performance.now();
          const what = `${r.config.name} refresh after the write`;
          // A refresh that never comes is a NaN for this round (counted as missed), not a failed section.
          const seen = await waitRemote(r, () => r.refreshedAt > answeredWall, 15_000, what).catch(() => NaN);
          const seenStrict = await waitRemote(
            r,
            () => r.refreshedAt > answeredWall && refreshStarted[k] > answered,
            15_000,
            what,
          ).catch(() => NaN);
          off();
          const after = events.find((t) => t > answered);
          return {
            sent,
            answered,
            seen,
            seenStrict,
            before: events.filter((t) => t <= answered).length,
            after: after === undefined ? NaN : after - answered,
            profileId: w.profileId,
          };
        }),
      );
      results.forEach((x, k) => {
        loose[k].push(x.seen - x.answered);
        strict[k].push(x.seenStrict - x.answered);
        writeMs[k].push(x.answered - x.sent);
        firstEventAfter[k].push(x.after);
        if (x.before) before[k]++;
      });
      res.groqProfileIds = [...new Set([...(res.groqProfileIds ?? []), ...results.map((x) => x.profileId)])];
      const first = Math.min(...results.map((x) => x.answered));
      both.push(Math.max(...results.map((x) => x.seen)) - first);
      bothStrict.push(Math.max(...results.map((x) => x.seenStrict)) - first);
    }
    res.change = {
      rounds,
      debounceMs: 300,
      missed: loose.flat().filter((x) => !Number.isFinite(x)).length,
      perGatewayMedianMs: loose.map(median),
      perGatewayMs: loose,
      bothMedianMs: median(both),
      bothMs: both,
      strictPerGatewayMedianMs: strict.map(median),
      strictBothMedianMs: median(bothStrict),
      writeMedianMs: writeMs.map(median),
      roundsWithEventBeforeAnswer: before,
      firstEventAfterAnswerMedianMs: firstEventAfter.map((a) => median(a.filter(Number.isFinite))),
    };
    res.countsAfterChange = rs.map(profileCount);

    // c. one refresh() on a 200-profile gateway.
    const refreshes = [];
    await sleep(500);
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      await rs[0].refresh();
      refreshes.push(performance.now() - t);
    }
    res.refreshMedianMs = median(refreshes);
    res.refreshMaxMs = Math.max(...refreshes);
    res.statusBytes = Buffer.byteLength(JSON.stringify(rs[0].agents.map((a) => a.status ?? null)));
    for (const c of writers) c.close();

    // a. per-request overhead on gateway A: the RemoteGateway's own client vs a raw ws socket.
    log(`per request: ${calls} models.authStatus through the RemoteGateway's client and raw ws`);
    const client = rs[0].client;
    if (!client || typeof client.authStatus !== 'function')
      throw new Error("RemoteGateway's GatewayClient not found (the bundle renamed its field?)");
    const ours = [];
    for (let i = 0; i < 5; i++) await client.authStatus();
    for (let i = 0; i < calls; i++) {
      t = performance.now();
      await client.authStatus();
      ours.push(performance.now() - t);
    }
    const raw = await rawCalls(require('ws'), gws[0].url, calls, TOKEN);
    res.control = {
      calls,
      oursMedianMs: median(ours),
      oursP95Ms: pct(ours, 0.95),
      rawMedianMs: median(raw),
      rawP95Ms: pct(raw, 0.95),
      overheadMedianMs: median(ours) - median(raw),
      overheadP95Ms: pct(ours, 0.95) - pct(raw, 0.95),
    };

    // b. remote death -> 'unreachable': kill A, kill B, then A again once its supervisor restarted it
    // (B is not restarted: its supervisor is stopped after the kill), so only one restart is waited for.
    const death = [];
    const back = [];
    const order = Array.from({ length: kills }, (_, i) => (i % 2 === 0 ? 0 : 1));
    for (let i = 0; i < kills; i++) {
      const k = order[i];
      const g = gws[k];
      const r = rs[k];
      log(`death -> unreachable: kill ${i + 1} of ${kills} (${g.name})`);
      if (!['ready', 'degraded'].includes(g.sup.state.kind)) {
        await waitState(g.sup, ['ready'], 240_000);
        // Reconnect now rather than after the client's backoff (what "Reconnect" in the tree does).
        const t1 = performance.now();
        if (r.connection.kind !== 'connected') r.reconnect();
        back.push((await waitRemote(r, () => r.connection.kind === 'connected', 30_000, 'reconnect')) - t1);
      }
      if (r.connection.kind !== 'connected') throw new Error(`${g.name}: not connected before the kill`);
      const pid = g.sup.pid;
      if (!pid) throw new Error(`${g.name}: no gateway process to kill`);
      const seen = waitRemote(r, () => r.connection.kind === 'unreachable', 10_000, `${r.config.name} unreachable`);
      const crashed = waitState(g.sup, ['crashed'], 10_000);
      const t0 = performance.now();
      process.kill(-pid, 'SIGKILL');
      death.push((await seen) - t0);
      await crashed;
      // Restarted only when a later kill needs it.
      if (!order.slice(i + 1).includes(k)) await g.sup.stop();
    }
    res.death = {
      kills,
      order: order.map((k) => gws[k].name),
      ms: death,
      medianMs: median(death),
      maxMs: Math.max(...death),
      reconnectMedianMs: median(back),
    };
    res.death.goalMet = res.death.maxMs < REMOTE_GOALS.deathToUnreachableMs;
    return res;
  } finally {
    for (const r of remotes) r.dispose();
    for (const c of clients) c.close();
    for (const s of sups) {
      await s.stop().catch(() => undefined);
      s.dispose();
    }
    onExit();
    process.off('exit', onExit);
  }
}

const f = (x) =>
  Number.isFinite(x)
    ? Math.abs(x) >= 1000
      ? `${(x / 1000).toFixed(2)} s`
      : `${x.toFixed(Math.abs(x) < 10 ? 2 : 0)} ms`
    : 'n/a';

export function remoteReportLines(g) {
  const c = g.control;
  const ch = g.change;
  const lines = [
    `  openclaw ${g.openclawVersion}, two gateways (ports ${g.ports?.join(', ')}) in temp HOMEs, reached only by ws:// URL + token; RemoteGateway as bundled, default options`,
    `  seeding: ${g.profilesSeeded} api_key profiles over ${g.providers} providers per gateway with applyMutation: ${g.seedMs?.map(f).join(' / ')}; both gateways start -> ready ${f(g.startBothMs)}; connect -> first status ${g.firstStatusMs?.map(f).join(' / ')}`,
    `  a. per request, ${c?.calls} sequential models.authStatus (${g.statusBytes ?? '?'} bytes of status): RemoteGateway's GatewayClient median ${f(c?.oursMedianMs)} (p95 ${f(c?.oursP95Ms)}), raw ws ${f(c?.rawMedianMs)} (p95 ${f(c?.rawP95Ms)}); client overhead ${f(c?.overheadMedianMs)} per request at the median, ${f(c?.overheadP95Ms)} at p95`,
    `  b. remote death (SIGKILL of its process group) -> connection 'unreachable', ${g.death?.kills ?? 0} kills (${g.death?.order?.join(', ')}; a gateway killed again was restarted first): ${g.death?.ms?.map(f).join(', ')}; median ${f(g.death?.medianMs)}, max ${f(g.death?.maxMs)}   goal: < 2 s   ${g.death ? (g.death.goalMet ? 'MET' : 'NOT MET') : 'n/a'}`,
    `     after the restart, Reconnect -> connected: median ${f(g.death?.reconnectMedianMs)}`,
    `  c. profiles each RemoteGateway sees: ${g.counts?.join(' / ')} (seeded ${g.profilesSeeded} each; after the groq writes ${g.countsAfterChange?.join(' / ')}: openclaw put the key on ${g.groqProfileIds?.join(', ')}, an existing groq api_key profile, rather than add groq:manual)`,
    `     models.authSetApiKey answered -> RemoteGateway refreshed past it (change event + ${ch?.debounceMs} ms debounce), median of ${ch?.rounds}: ${ch?.perGatewayMedianMs?.map(f).join(' / ')} per gateway, both ${f(ch?.bothMedianMs)} (first answer -> last refresh)`,
    `       rounds A: ${ch?.perGatewayMs?.[0]?.map(f).join(', ')}; B: ${ch?.perGatewayMs?.[1]?.map(f).join(', ')}`,
    `       counting only a refresh begun after the answer: ${ch?.strictPerGatewayMedianMs?.map(f).join(' / ')} per gateway, both ${f(ch?.strictBothMedianMs)}`,
    `       the write itself ${ch?.writeMedianMs?.map(f).join(' / ')}; a change event came before the answer in ${ch?.roundsWithEventBeforeAnswer?.join(' / ')} of ${ch?.rounds} rounds; first change event after the answer: median ${ch?.firstEventAfterAnswerMedianMs?.map(f).join(' / ')}`,
    `     one RemoteGateway.refresh() on ${g.profilesSeeded} profiles: median of 10 ${f(g.refreshMedianMs)} (max ${f(g.refreshMaxMs)})`,
  ];
  if (ch?.missed) lines.push(`  WARNING: ${ch.missed} write(s) not followed by a RemoteGateway refresh within 15 s`);
  if (g.counts && !g.countsOk)
    lines.push(
      `  WARNING: a RemoteGateway saw fewer than the ${g.profilesSeeded} seeded profiles (${g.counts.join(' / ')})`,
    );
  return lines;
}

export function remoteSummaryRows(g, n = '11') {
  if (!g) return [[n, 'remote gateways', 'not run', '-', 'n/a']];
  return [
    [
      n,
      'remote death -> unreachable (max)',
      f(g.death?.maxMs),
      '< 2 s',
      g.death ? (g.death.goalMet ? 'MET' : 'NOT MET') : 'n/a',
    ],
    [
      n,
      'remote authStatus: client / raw ws (median)',
      `${f(g.control?.oursMedianMs)} / ${f(g.control?.rawMedianMs)}`,
      '-',
      'info',
    ],
    [
      n,
      `remote write -> refreshed, ${g.profilesSeeded} profiles (both)`,
      f(g.change?.bothMedianMs),
      '-',
      g.countsOk ? 'info' : 'WARNING: profiles missing',
    ],
    [n, `remote refresh(), ${g.profilesSeeded} profiles`, f(g.refreshMedianMs), '-', 'info'],
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  const r = await runRemoteBench();
  process.stdout.write(`${remoteReportLines(r).join('\n')}\n`);
}
