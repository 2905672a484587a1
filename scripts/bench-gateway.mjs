// Benchmark section "gateway" of `npm run bench` (also runnable alone: node scripts/bench-gateway.mjs).
// Uses the project's own supervisor and control-plane client (src/gateway, bundled with esbuild as
// they ship) against the real openclaw 2026.9.6 gateway (Node 24) in a temp HOME on a free port:
//
//   a. death -> status: SIGKILL the gateway and time until the supervisor emits the state change
//      that drives the status bar item (GatewaySupervisor.onState -> GatewayController.render):
//      for a gateway we started ('crashed', from the child's exit event) and for the same gateway
//      watched by a second supervisor that adopted it ('unreachable', from the /readyz poll).
//   b. start -> ready: ours (spawn + /readyz polling) vs spawning the same gateway and polling
//      `openclaw gateway status --require-rpc --json` until it succeeds (what a CLI-based
//      extension would do), plus the cost of one readiness check each way.
//   c. control-plane overhead: many models.authStatus calls through GatewayClient (zod-validated)
//      vs the same request over a raw `ws` socket, sequential, on loopback.
//
// Knobs: BENCH_GW_KILLS (3), BENCH_GW_CALLS (200). Secrets: a fake token, never printed.
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
const TOKEN = 'bench-gw-token-fake-0123456789abcdef';
const intEnv = (name, dflt) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
export const GATEWAY_GOALS = { deathToStatusMs: 2000 };

function bundle() {
  const out = path.join(root, 'out', 'bench', 'gateway.cjs');
  const entry = path.join(root, 'out', 'bench', 'gateway-entry.ts');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    entry,
    "export { GatewaySupervisor } from '../../src/gateway/supervisor';\nexport { GatewayClient } from '../../src/gateway/client';\nexport { probeGateway } from '../../src/gateway/health';\n",
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
  if (r.status !== 0) throw new Error(`bundling src/gateway failed: ${r.stderr}`);
  return require(out);
}

export async function runGatewayBench({
  log = (m) => process.stderr.write(`[bench-gateway] ${m}\n`),
  kills = intEnv('BENCH_GW_KILLS', 3),
  calls = intEnv('BENCH_GW_CALLS', 200),
} = {}) {
  const { GatewaySupervisor, GatewayClient, probeGateway } = bundle();
  const cache = cacheDir();
  const node = path.join(cache, 'node24', 'node_modules', 'node', 'bin', 'node');
  const openclaw = path.join(cache, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
  if (!fs.existsSync(node) || !fs.existsSync(openclaw))
    throw new Error(`openclaw or Node 24 missing under ${cache} (run scripts/install-openclaw.mjs)`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-bench-gw-'));
  fs.mkdirSync(path.join(home, 'tmp'));
  const env = {
    HOME: home,
    PATH: [path.dirname(node), '/usr/bin', '/bin'].join(path.delimiter),
    TMPDIR: path.join(home, 'tmp'),
    npm_config_offline: 'true',
  };
  const port = await freePort();
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, output: () => undefined };
  const mk = () =>
    new GatewaySupervisor({
      port,
      commandSetting: openclaw,
      nodePath: node,
      env,
      token: TOKEN,
      allowUnconfigured: true,
      log: quiet,
      restart: { initialMs: 200, maxAttempts: kills + 2 },
    });
  const res = {
    port,
    openclawVersion: JSON.parse(fs.readFileSync(path.join(path.dirname(openclaw), 'package.json'), 'utf8')).version,
  };
  const sup = mk();
  let watcher;
  let client;
  try {
    // b (ours). Start -> ready.
    log('start -> ready (ours: spawn + /readyz)');
    let t = performance.now();
    await sup.start();
    res.startToReadyOursColdMs = performance.now() - t;
    const probes = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      await probeGateway(port);
      probes.push(performance.now() - t);
    }
    res.readyzProbeMedianMs = median(probes);

    // c. control-plane overhead.
    log(`control plane: ${calls} models.authStatus calls`);
    client = new GatewayClient({ url: sup.url, token: () => TOKEN });
    t = performance.now();
    await client.connect();
    res.handshakeMs = performance.now() - t;
    const ours = [];
    for (let i = 0; i < 5; i++) await client.authStatus();
    for (let i = 0; i < calls; i++) {
      t = performance.now();
      await client.authStatus();
      ours.push(performance.now() - t);
    }
    const raw = await rawCalls(require('ws'), sup.url, calls, TOKEN);
    res.control = {
      calls,
      oursMedianMs: median(ours),
      oursP95Ms: pct(ours, 0.95),
      rawMedianMs: median(raw),
      rawP95Ms: pct(raw, 0.95),
      overheadMedianMs: median(ours) - median(raw),
    };
    client.close();

    // a. death -> status, owned (exit event) and adopted (poll), the same kills.
    watcher = mk();
    await watcher.start();
    if (!watcher.adopted) throw new Error('the second supervisor did not adopt the running gateway');
    const owned = [];
    const adopted = [];
    for (let i = 0; i < kills; i++) {
      log(`death -> status: kill ${i + 1} of ${kills}`);
      const pid = sup.pid;
      const a = waitState(sup, ['crashed'], 10_000);
      const b = waitState(watcher, ['unreachable'], 10_000);
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      owned.push((await a).at - t0);
      adopted.push((await b).at - t0);
      await waitState(sup, ['ready'], 240_000);
      await waitState(watcher, ['ready'], 30_000);
    }
    res.death = {
      kills,
      ownedMs: owned,
      adoptedMs: adopted,
      ownedMedianMs: median(owned),
      adoptedMedianMs: median(adopted),
      ownedMaxMs: Math.max(...owned),
      adoptedMaxMs: Math.max(...adopted),
      pollIntervalMs: 500,
    };
    res.death.goalMet = Math.max(...owned, ...adopted) < GATEWAY_GOALS.deathToStatusMs;
    await watcher.stop();
    await sup.stop();

    // b (ours, warm): the same home again, so it compares with the CLI run below on equal terms.
    log('start -> ready again (ours, warm home)');
    t = performance.now();
    await sup.start();
    res.startToReadyOursWarmMs = performance.now() - t;
    await sup.stop();

    // b (CLI). Spawn the same gateway, poll `openclaw gateway status --require-rpc --json` until it passes.
    log('start -> ready (CLI: gateway status --require-rpc round trips)');
    const cliEnv = { ...env, OPENCLAW_GATEWAY_TOKEN: TOKEN };
    t = performance.now();
    const child = spawn(node, [openclaw, ...sup.gatewayArgs()], { env: cliEnv, stdio: 'ignore', detached: true });
    const rounds = [];
    let ok = false;
    while (!ok && performance.now() - t < 300_000) {
      const r0 = performance.now();
      const r = spawnSync(node, [openclaw, 'gateway', 'status', '--require-rpc', '--json', '--port', String(port)], {
        env: cliEnv,
        cwd: home,
        encoding: 'utf8',
        timeout: 120_000,
      });
      rounds.push(performance.now() - r0);
      ok = r.status === 0;
    }
    res.startToReadyCliMs = performance.now() - t;
    res.cliRounds = rounds.length;
    res.cliRoundMedianMs = median(rounds);
    res.cliOk = ok;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 100 && (await probeGateway(port)).kind !== 'down'; i++) await sleep(100);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    return res;
  } finally {
    client?.close();
    if (watcher) await watcher.stop().catch(() => undefined);
    if (sup.pid) await sup.stop().catch(() => undefined);
    sup.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const f = (x) =>
  Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`) : 'n/a';

export function gatewayReportLines(g) {
  return [
    `  openclaw ${g.openclawVersion} gateway, temp HOME, port ${g.port}; our supervisor and client as bundled`,
    `  a. death -> status (the supervisor state event that drives the gateway status bar item), ${g.death?.kills ?? 0} SIGKILLs:`,
    `       started by us ('crashed', child exit event): median ${f(g.death?.ownedMedianMs)}, max ${f(g.death?.ownedMaxMs)}`,
    `       adopted ('unreachable', /readyz poll every ${g.death?.pollIntervalMs} ms): median ${f(g.death?.adoptedMedianMs)}, max ${f(g.death?.adoptedMaxMs)}   goal: < 2 s   ${g.death?.goalMet ? 'MET' : 'NOT MET'}`,
    `  b. start -> ready, same home: ours (spawn + /readyz every 250 ms) ${f(g.startToReadyOursWarmMs)}; CLI polling ${f(g.startToReadyCliMs)} (${g.cliRounds} rounds of \`gateway status --require-rpc\`, median ${f(g.cliRoundMedianMs)} each${g.cliOk ? '' : ', never passed'}); first start in the fresh home (ours) ${f(g.startToReadyOursColdMs)}`,
    `       one readiness check: /readyz ${f(g.readyzProbeMedianMs)} vs CLI ${f(g.cliRoundMedianMs)}`,
    `  c. control plane, ${g.control?.calls} sequential models.authStatus: GatewayClient median ${f(g.control?.oursMedianMs)} (p95 ${f(g.control?.oursP95Ms)}), raw ws ${f(g.control?.rawMedianMs)} (p95 ${f(g.control?.rawP95Ms)}); client overhead ${f(g.control?.overheadMedianMs)}; handshake ${f(g.handshakeMs)}`,
  ];
}

export function gatewaySummaryRows(g, n = '6') {
  if (!g) return [[n, 'gateway', 'not run', '-', 'n/a']];
  return [
    [
      n,
      'gateway death -> status (owned / adopted, max)',
      `${f(g.death?.ownedMaxMs)} / ${f(g.death?.adoptedMaxMs)}`,
      '< 2 s',
      g.death?.goalMet ? 'MET' : 'NOT MET',
    ],
    [
      n,
      'gateway start -> ready: ours / CLI polling',
      `${f(g.startToReadyOursWarmMs)} / ${f(g.startToReadyCliMs)}`,
      '-',
      'info',
    ],
    [
      n,
      'authStatus via client / raw ws (median)',
      `${f(g.control?.oursMedianMs)} / ${f(g.control?.rawMedianMs)}`,
      '-',
      'info',
    ],
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await runGatewayBench();
  process.stdout.write(`${gatewayReportLines(r).join('\n')}\n`);
}
