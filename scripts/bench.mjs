#!/usr/bin/env node
// `npm run bench`: performance numbers for openclaw-auth, each printed beside its goal. A benchmark,
// not a test: a missed goal is reported, never fails the run (exit 1 only when a benchmark could not
// run at all, e.g. openclaw is not installed).
//
//   1. whole-process `list --json --agent work`: ours (dist/cli.js) vs openclaw's own CLI
//   2. in-process snapshot + view of one agent, cold (fresh child process) and warm
//   3. the same snapshot with the agent DB grown to ~200 MB (plus a whole-file sql.js read for contrast)
//   4. buildAgentView over 1,000 synthetic profiles across 20 providers
//   5. the extension in a real VS Code (scripts/bench-host.mjs, code-server + headless Chromium),
//      installed from a .vsix built in a temp dir: activation -> tree row + status bar item, the
//      stub's own activate time, JS loaded before ready and all JS in the package, disk write -> tree row
//   6. the gateway (scripts/bench-gateway.mjs): death -> status event, start -> ready (ours vs
//      `openclaw gateway status --require-rpc` polling), control-plane per-request overhead
//      (BENCH_SKIP_GATEWAY=1 skips it)
//   7. probes (scripts/bench-probe.mjs): ours vs `openclaw models status --probe` on 20 profiles,
//      an unreachable target with a 2 s timeout, 200 profiles at concurrency 8 (BENCH_SKIP_PROBE=1 skips)
//   9. the store engines (scripts/bench-store.mjs): write and read latency on a 1 MB and a 200 MB
//      agent DB with node:sqlite (Node 24) and sql.js; list --json on Node 24 beside openclaw's
//      (BENCH_SKIP_STORE=1 skips)
//  10. hostile input (scripts/bench-hostile.mjs): 1.5 GB and never-ending probe answers, a 60 MB
//      .env, an auth cell nested 100,000 deep (BENCH_SKIP_HOSTILE=1 skips)
//  11. remote gateways (scripts/bench-remote.mjs): two real gateways reached only by URL + token,
//      RemoteGateway's per-request overhead vs raw ws, remote death -> 'unreachable', 200 profiles
//      each: write -> refreshed and refresh() (BENCH_SKIP_REMOTE=1 skips)
//   8. legacy migration of 1,000 profiles across 10 agents (scripts/bench-migrate.mjs): our plan,
//      apply, verify beside `openclaw doctor --fix --non-interactive` on a copy (BENCH_SKIP_MIGRATE=1 skips)
//
// Writes the numbers to bench-results/latest.json. Temp homes live under the OS temp dir and are
// removed at the end (also on Ctrl-C). Nothing here prints credential values.
//
// Knobs (env): BENCH_BUDGET_S (default 300: the timed openclaw runs stop early, after at least 3,
// when the run would go past this many seconds after setup), BENCH_OPENCLAW_RUNS (7),
// BENCH_OURS_RUNS (15), BENCH_COLD_RUNS (3), BENCH_BIG_ROWS (50000 rows of 4000 bytes ≈ 200 MB),
// BENCH_HOST_ACTIVATIONS (7 window loads), BENCH_HOST_UPDATES (5), BENCH_SKIP_HOST=1 (no section 5).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { hostReportLines, hostSummaryRows, runHostBench } from './bench-host.mjs';
import { migrateReportLines, migrateSummaryRows, runMigrateBench } from './bench-migrate.mjs';
import { runStoreBench, storeReportLines } from './bench-store.mjs';
import { probeReportLines, probeSummaryRows, runProbeBench } from './bench-probe.mjs';
import { gatewayReportLines, gatewaySummaryRows, runGatewayBench } from './bench-gateway.mjs';
import { remoteReportLines, remoteSummaryRows, runRemoteBench } from './bench-remote.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const FIXTURE_HOME = path.join(root, 'test', 'fixtures', 'openclaw-2026.9.6', 'multi-agent', 'home');
const AGENT = 'work';
const AGENT_DB_REL = path.join('.openclaw', 'agents', AGENT, 'agent', 'openclaw-agent.sqlite');
const INPROC = path.join(root, 'scripts', 'bench-helpers', 'inproc.mjs');
// The in-process benchmarks load the store and view code as it ships: one esbuild bundle (CJS,
// minified like the production extension), not TypeScript through tsx.
const STORE_BUNDLE = (() => {
  const out = path.join(root, 'out', 'bench', 'store.cjs');
  const entry = path.join(root, 'out', 'bench', 'entry.ts');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    entry,
    "export { readSnapshot } from '../../src/store/snapshot';\nexport { deriveView } from '../../src/store/index';\nexport { buildAgentView } from '../../src/auth/view';\n",
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
      `--outfile=${out}`,
      '--log-level=error',
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? out : undefined;
})();
const SQLITE3 = '/usr/bin/sqlite3';
const intEnv = (name, dflt) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BUDGET_S = intEnv('BENCH_BUDGET_S', 300);
const OPENCLAW_RUNS = intEnv('BENCH_OPENCLAW_RUNS', 7);
const OPENCLAW_MIN_RUNS = Math.min(3, OPENCLAW_RUNS);
const OPENCLAW_WARMUPS = 2;
const OURS_RUNS = intEnv('BENCH_OURS_RUNS', 15);
const COLD_RUNS = intEnv('BENCH_COLD_RUNS', 3);
const WARM_CALLS = 50;
const BIG_ROWS = intEnv('BENCH_BIG_ROWS', 50_000);
const VIEW_PROFILES = 1000;
const VIEW_PROVIDERS = 20;

// ---------------------------------------------------------------------------------------------
// small utilities

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) =>
  x == null || !Number.isFinite(x)
    ? 'n/a'
    : x >= 1000
      ? `${(x / 1000).toFixed(2)} s`
      : x >= 10
        ? `${x.toFixed(0)} ms`
        : `${x.toFixed(2)} ms`;
const mb = (b) => (b == null || !Number.isFinite(b) ? 'n/a' : `${(b / 1024 / 1024).toFixed(1)} MB`);
const ratio = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(x >= 10 ? 0 : 2)}x`);
const met = (ok) => (ok == null ? 'n/a' : ok ? 'MET' : 'NOT MET');
const round = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(d)) : (x ?? null));

function table(rows, header) {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((c, i) => String(c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [];
  if (header) out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  return out.map((l) => `  ${l}`).join('\n');
}

const tempDirs = new Set();
function makeTemp(label) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `openclaw-auth-bench-${label}-`));
  tempDirs.add(d);
  return d;
}
function removeTemp(d) {
  try {
    fs.rmSync(d, { recursive: true, force: true });
  } catch (e) {
    log(`could not remove ${d}: ${e.message}`);
  }
  tempDirs.delete(d);
}
function cleanup() {
  for (const d of [...tempDirs]) removeTemp(d);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: cleaning up temp dirs`);
    cleanup();
    process.exit(130);
  });
}

/** A writable copy of the multi-agent fixture home (the fixture files are read-only). */
function copyFixtureHome(label) {
  const home = makeTemp(label);
  fs.cpSync(FIXTURE_HOME, home, { recursive: true });
  const makeWritable = (p) => {
    const st = fs.lstatSync(p);
    fs.chmodSync(p, st.mode | 0o200 | (st.isDirectory() ? 0o100 : 0));
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(home);
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
  return home;
}

const GNU_TIME = (() => {
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
    return r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '') ? '/usr/bin/time' : null;
  } catch {
    return null;
  }
})();

/** Runs a process to completion; wall time in ms and, with GNU time, its peak RSS in bytes. */
function timed(cmd, args, { env, cwd, timeoutMs = 300_000 }) {
  let file = cmd;
  let argv = args;
  let rssFile;
  if (GNU_TIME) {
    rssFile = path.join(os.tmpdir(), `openclaw-auth-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    file = GNU_TIME;
    argv = ['-f', '%M', '-o', rssFile, cmd, ...args];
  }
  const t0 = performance.now();
  const r = spawnSync(file, argv, { env, cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  let maxRss = null;
  if (rssFile) {
    try {
      maxRss = Number.parseInt(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop(), 10) * 1024;
    } catch {
      /* killed */
    }
    fs.rmSync(rssFile, { force: true });
  }
  return {
    wallMs,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    error: r.error,
    maxRss: Number.isFinite(maxRss) ? maxRss : null,
  };
}

/** Runs scripts/bench-helpers/inproc.mjs under tsx in a fresh process; returns its JSON line. */
function inproc(args, timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [...(STORE_BUNDLE ? [] : ['--import', 'tsx']), INPROC, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, ...(STORE_BUNDLE ? { BENCH_STORE_BUNDLE: STORE_BUNDLE } : {}) },
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    throw new Error(
      `inproc ${args[0]} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr ?? '').trim().slice(-1500) || r.error?.message}`,
    );
  }
  return JSON.parse(last);
}

function sqlite(db, sql) {
  const r = spawnSync(SQLITE3, ['-batch', '-bail', db], { input: sql, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`sqlite3 failed (exit ${r.status}): ${(r.stderr ?? '').trim().slice(0, 500)}`);
  return r.stdout.trim();
}

function parseJsonDoc(text) {
  try {
    return JSON.parse(text);
  } catch {
    /* maybe a banner before the JSON */
  }
  const i = text.indexOf('{');
  if (i < 0) return undefined;
  try {
    return JSON.parse(text.slice(i));
  } catch {
    return undefined;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

// ---------------------------------------------------------------------------------------------
// setup: build, openclaw

const results = {
  startedAt: new Date().toISOString(),
  machine: {
    platform: `${process.platform} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    totalMemBytes: os.totalmem(),
    node: process.version,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
  },
  settings: {
    BUDGET_S,
    OPENCLAW_RUNS,
    OPENCLAW_WARMUPS,
    OURS_RUNS,
    COLD_RUNS,
    WARM_CALLS,
    BIG_ROWS,
    VIEW_PROFILES,
    VIEW_PROVIDERS,
  },
  benchmarks: {},
};
const problems = [];

function ensureBuilt() {
  const cli = path.join(root, 'dist', 'cli.js');
  const built = fs.existsSync(cli) ? fs.statSync(cli).mtimeMs : 0;
  const src = Math.max(newestMtime(path.join(root, 'src')), fs.statSync(path.join(root, 'esbuild.mjs')).mtimeMs);
  if (built && built >= src) {
    log('dist/cli.js is up to date');
    return;
  }
  log(
    built
      ? 'dist/cli.js is older than src/: building (node esbuild.mjs)'
      : 'dist/cli.js missing: building (node esbuild.mjs)',
  );
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !fs.existsSync(cli)) throw new Error(`build failed (exit ${r.status})`);
}

function cacheDir() {
  const fromEnv = process.env.OPENCLAW_AUTH_TEST_CACHE?.trim();
  return path.resolve(fromEnv || path.join(os.homedir(), '.cache', 'openclaw-auth-tests'));
}

/** { node, openclawMjs, version } or null (with problems[] explaining why). */
function ensureOpenclaw() {
  const script = path.join(root, 'scripts', 'install-openclaw.mjs');
  if (fs.existsSync(script)) {
    log('checking the openclaw install (node scripts/install-openclaw.mjs) ...');
    const r = spawnSync(process.execPath, [script], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 40 * 60_000,
    });
    const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status === 0 && last.startsWith('{')) {
      try {
        const j = JSON.parse(last);
        if (j.node && j.openclawMjs && fs.existsSync(j.node) && fs.existsSync(j.openclawMjs)) return j;
      } catch {
        /* fall through to the fixed paths */
      }
    }
    log(`install-openclaw.mjs did not succeed (exit ${r.status}); looking for an existing install`);
  } else {
    log('scripts/install-openclaw.mjs not found; looking for an existing install');
  }
  const dir = cacheDir();
  const node = path.join(dir, 'node24', 'node_modules', 'node', 'bin', 'node');
  const openclawMjs = path.join(dir, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
  const missing = [node, openclawMjs].filter((p) => !fs.existsSync(p));
  if (missing.length) {
    problems.push(
      `openclaw is not installed: missing ${missing.join(' and ')}. Run \`node scripts/install-openclaw.mjs\` (needs the npm registry) or set OPENCLAW_AUTH_TEST_CACHE.`,
    );
    return null;
  }
  let version = null;
  try {
    version = JSON.parse(fs.readFileSync(path.join(path.dirname(openclawMjs), 'package.json'), 'utf8')).version;
  } catch {
    /* unknown */
  }
  return { node, openclawMjs, version };
}

// ---------------------------------------------------------------------------------------------
// 2 + 3: snapshot cold/warm, small vs ~200 MB agent DB, and sql.js for contrast

function snapshotRuns(home, label) {
  const runs = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    log(`${label}: snapshot child ${i + 1}/${COLD_RUNS}`);
    runs.push(inproc(['snapshot', home, AGENT, String(WARM_CALLS)]));
  }
  const pick = (k) => runs.map((r) => r[k]);
  return {
    childRuns: runs.length,
    moduleLoadMs: median(pick('moduleLoadMs')),
    coldMs: median(pick('coldMs')),
    coldReadMs: median(pick('coldReadMs')),
    coldDeriveMs: median(pick('coldDeriveMs')),
    coldMsAll: pick('coldMs').map((x) => round(x)),
    warmMedianMs: median(pick('warmMedianMs')),
    warmReadMedianMs: median(pick('warmReadMedianMs')),
    warmCallsPerChild: WARM_CALLS,
    maxRss: Math.max(...pick('maxRss')),
    maxRssBeforeCold: median(pick('maxRssBeforeCold')),
    rssDeltaCold: median(pick('rssDeltaCold')),
    rssDeltaAfterWarm: median(pick('rssDeltaEnd')),
    profileIds: runs[0].profileIds,
    warnings: runs[0].warnings,
    agentDbError: runs[0].agentDbError,
  };
}

function growAgentDb(db) {
  const mode0 = sqlite(db, 'PRAGMA journal_mode;');
  if (mode0 !== 'wal') sqlite(db, 'PRAGMA journal_mode=WAL;');
  const t0 = performance.now();
  sqlite(
    db,
    [
      'CREATE TABLE bench_filler(id INTEGER PRIMARY KEY, blob BLOB);',
      `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<${BIG_ROWS}) INSERT INTO bench_filler(blob) SELECT randomblob(4000) FROM c;`,
      'PRAGMA wal_checkpoint(TRUNCATE);',
    ].join('\n'),
  );
  const growMs = performance.now() - t0;
  const mode = sqlite(db, 'PRAGMA journal_mode;');
  const wal = `${db}-wal`;
  return {
    journalModeBefore: mode0,
    journalMode: mode,
    fileBytes: fs.statSync(db).size,
    walBytes: fs.existsSync(wal) ? fs.statSync(wal).size : 0,
    headerWalMode: (() => {
      const b = Buffer.alloc(2);
      const fd = fs.openSync(db, 'r');
      fs.readSync(fd, b, 0, 2, 18);
      fs.closeSync(fd);
      return b[0] === 2 && b[1] === 2;
    })(),
    growMs,
  };
}

function benchSnapshots() {
  const small = copyFixtureHome('small');
  const smallDb = path.join(small, AGENT_DB_REL);
  const b2 = snapshotRuns(small, 'small DB');
  b2.agentDbBytes = fs.statSync(smallDb).size;
  results.benchmarks.snapshot = { goalColdMs: 30, ...b2, coldGoalMet: b2.coldMs < 30 };
  const sqljsSmall = inproc(['sqljs', smallDb]);
  removeTemp(small);

  if (!fs.existsSync(SQLITE3)) {
    problems.push(`benchmark 3 skipped: ${SQLITE3} not found (needed to grow the agent DB).`);
    return;
  }
  let free = Infinity;
  try {
    const s = fs.statfsSync(os.tmpdir());
    free = s.bavail * s.bsize;
  } catch {
    /* unknown */
  }
  if (free < BIG_ROWS * 4096 * 2.5) {
    problems.push(
      `benchmark 3 skipped: only ${mb(free)} free in ${os.tmpdir()}, need about ${mb(BIG_ROWS * 4096 * 2.5)}.`,
    );
    return;
  }
  const big = copyFixtureHome('big');
  try {
    const bigDb = path.join(big, AGENT_DB_REL);
    log(`large DB: inserting ${BIG_ROWS} x 4000-byte rows into bench_filler (sqlite3, WAL) ...`);
    const grown = growAgentDb(bigDb);
    log(
      `large DB: ${mb(grown.fileBytes)}, journal_mode=${grown.journalMode}, -wal ${grown.walBytes} bytes (took ${ms(grown.growMs)})`,
    );
    const b3 = snapshotRuns(big, 'large DB');
    log('large DB: sql.js whole-file read');
    const sqljsBig = inproc(['sqljs', bigDb]);
    const r = (a, b) => (a != null && b ? a / b : null);
    const coldRatio = r(b3.coldMs, b2.coldMs);
    const warmRatio = r(b3.warmMedianMs, b2.warmMedianMs);
    const rssRatio = r(b3.maxRss, b2.maxRss);
    results.benchmarks.largeDb = {
      goal: 'large-DB snapshot within 2x of the small DB (cold time, warm time, peak RSS)',
      db: grown,
      small: {
        agentDbBytes: b2.agentDbBytes,
        coldMs: b2.coldMs,
        warmMedianMs: b2.warmMedianMs,
        maxRss: b2.maxRss,
        rssDeltaCold: b2.rssDeltaCold,
        rssDeltaAfterWarm: b2.rssDeltaAfterWarm,
      },
      large: b3,
      coldRatio,
      warmRatio,
      maxRssRatio: rssRatio,
      coldGoalMet: coldRatio != null && coldRatio <= 2,
      warmGoalMet: warmRatio != null && warmRatio <= 2,
      maxRssGoalMet: rssRatio != null && rssRatio <= 2,
      sameProfiles: JSON.stringify(b3.profileIds) === JSON.stringify(b2.profileIds),
      sqljs: { small: sqljsSmall, large: sqljsBig },
    };
  } finally {
    removeTemp(big); // the ~200 MB file goes with it
    log('large DB: deleted');
  }
}

// ---------------------------------------------------------------------------------------------
// 4: buildAgentView over 1,000 profiles

function benchView() {
  log(`view: buildAgentView over ${VIEW_PROFILES} profiles / ${VIEW_PROVIDERS} providers`);
  const v = inproc(['view', String(VIEW_PROFILES), String(VIEW_PROVIDERS), '5', '30']);
  results.benchmarks.view = v;
}

// ---------------------------------------------------------------------------------------------
// 1: whole-process list --json, ours vs openclaw

function benchList(oc, deadline) {
  const home = copyFixtureHome('list');
  try {
    const ourEnv = {
      HOME: home,
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      TMPDIR: path.join(home, 'tmp'),
    };
    const ocEnv = {
      HOME: home,
      PATH: `${path.dirname(oc.node)}:/usr/bin:/bin`,
      npm_config_offline: 'true',
      TMPDIR: path.join(home, 'tmp'),
    };
    const ours = () =>
      timed(process.execPath, [path.join(root, 'dist', 'cli.js'), 'list', '--json', '--agent', AGENT], {
        env: ourEnv,
        cwd: home,
        timeoutMs: 60_000,
      });
    const theirs = () =>
      timed(oc.node, [oc.openclawMjs, 'models', 'auth', 'list', '--json', '--agent', AGENT], {
        env: ocEnv,
        cwd: home,
        timeoutMs: 300_000,
      });
    const failed = (r) => r.status !== 0 || r.error;
    const describe = (r) =>
      `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}${r.error ? ` ${r.error.message}` : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;

    log('list: warm-up (ours x1, openclaw x2; openclaw migrates a fresh home on its first run)');
    const oursWarm = ours();
    if (failed(oursWarm)) throw new Error(`openclaw-auth list failed during warm-up, ${describe(oursWarm)}`);
    const warmups = [];
    let lastTheirs;
    for (let i = 0; i < OPENCLAW_WARMUPS; i++) {
      lastTheirs = theirs();
      warmups.push(lastTheirs.wallMs);
      log(
        `list: openclaw warm-up ${i + 1}/${OPENCLAW_WARMUPS}: ${ms(lastTheirs.wallMs)}${failed(lastTheirs) ? ` FAILED ${describe(lastTheirs)}` : ''}`,
      );
    }

    const oursRuns = [];
    const theirsRuns = [];
    const oursFail = [];
    const theirsFail = [];
    let lastOurs = oursWarm;
    const runOurs = () => {
      const r = ours();
      if (failed(r)) oursFail.push(describe(r));
      else {
        oursRuns.push(r);
        lastOurs = r;
      }
    };
    let stoppedEarly = false;
    // Interleave so that load changes on the machine hit both sides alike.
    for (let k = 0; k < OPENCLAW_RUNS; k++) {
      const perRun = median([...warmups.slice(-1), ...theirsRuns.map((r) => r.wallMs)]) ?? 0;
      if (k >= OPENCLAW_MIN_RUNS && Date.now() + perRun > deadline) {
        stoppedEarly = true;
        break;
      }
      const batch = Math.ceil((OURS_RUNS - oursRuns.length - oursFail.length) / (OPENCLAW_RUNS - k));
      for (let j = 0; j < batch; j++) runOurs();
      const r = theirs();
      if (failed(r)) theirsFail.push(describe(r));
      else {
        theirsRuns.push(r);
        lastTheirs = r;
      }
      log(
        `list: openclaw run ${k + 1}/${OPENCLAW_RUNS}: ${ms(r.wallMs)}${failed(r) ? ' FAILED' : ''}; ours so far median ${ms(median(oursRuns.map((x) => x.wallMs)))}`,
      );
    }
    while (oursRuns.length + oursFail.length < OURS_RUNS) runOurs();

    const oursDoc = parseJsonDoc(lastOurs.stdout);
    const theirsDoc = lastTheirs && !failed(lastTheirs) ? parseJsonDoc(lastTheirs.stdout) : undefined;
    const ids = (d) => (Array.isArray(d?.profiles) ? d.profiles.map((p) => String(p?.id)).sort() : null);
    const oursIds = ids(oursDoc);
    const theirsIds = ids(theirsDoc);
    const warnings = [];
    if (!oursDoc) warnings.push('our output did not parse as JSON');
    if (!theirsDoc) warnings.push("openclaw's output did not parse as JSON");
    if (oursIds && theirsIds && JSON.stringify(oursIds) !== JSON.stringify(theirsIds))
      warnings.push(`profile ids differ: ours [${oursIds.join(', ')}] vs openclaw [${theirsIds.join(', ')}]`);
    if (oursDoc && !oursIds) warnings.push('our output has no profiles array');
    if (theirsDoc && !theirsIds) warnings.push("openclaw's output has no profiles array");
    if (oursFail.length) warnings.push(`${oursFail.length} of our runs failed: ${oursFail[0]}`);
    if (theirsFail.length) warnings.push(`${theirsFail.length} openclaw runs failed: ${theirsFail[0]}`);

    const oursMed = median(oursRuns.map((r) => r.wallMs));
    const theirsMed = median(theirsRuns.map((r) => r.wallMs));
    const speedup = oursMed && theirsMed ? theirsMed / oursMed : null;
    results.benchmarks.list = {
      goal: 'ours at least 20x faster than openclaw',
      openclawVersion: oc.version ?? null,
      ours: {
        runs: oursRuns.length,
        medianMs: oursMed,
        minMs: oursRuns.length ? Math.min(...oursRuns.map((r) => r.wallMs)) : null,
        maxMs: oursRuns.length ? Math.max(...oursRuns.map((r) => r.wallMs)) : null,
        medianMaxRss: median(oursRuns.map((r) => r.maxRss).filter((x) => x != null)),
        warmupMs: oursWarm.wallMs,
      },
      openclaw: {
        runs: theirsRuns.length,
        runsPlanned: OPENCLAW_RUNS,
        stoppedEarlyForTimeBudget: stoppedEarly,
        medianMs: theirsMed,
        minMs: theirsRuns.length ? Math.min(...theirsRuns.map((r) => r.wallMs)) : null,
        maxMs: theirsRuns.length ? Math.max(...theirsRuns.map((r) => r.wallMs)) : null,
        medianMaxRss: median(theirsRuns.map((r) => r.maxRss).filter((x) => x != null)),
        warmupMs: warmups,
      },
      speedup,
      goalMet: speedup == null ? null : speedup >= 20,
      outputsParse: Boolean(oursDoc) && Boolean(theirsDoc),
      sameProfileIds: oursIds && theirsIds ? JSON.stringify(oursIds) === JSON.stringify(theirsIds) : null,
      profileIds: oursIds,
      identicalDocuments: oursDoc && theirsDoc ? JSON.stringify(oursDoc) === JSON.stringify(theirsDoc) : null,
      warnings,
    };
  } finally {
    removeTemp(home);
  }
}

// ---------------------------------------------------------------------------------------------
// report

function report() {
  const out = [];
  const p = (s = '') => out.push(s);
  const b = results.benchmarks;
  p('');
  p('OpenClaw Auth benchmark');
  p(
    `  ${results.machine.cpus} CPU (${results.machine.cpuModel}), node ${results.machine.node}, load average at start ${results.machine.loadAvgAtStart.join(' / ')}, at end ${results.machine.loadAvgAtEnd.join(' / ')}`,
  );
  if (results.machine.loadAvgAtStart[0] > results.machine.cpus)
    p('  NOTE: the machine was busy (load average above the CPU count): expect inflated, noisy timings.');

  p('');
  p('1. Whole process: `list --json --agent work` (multi-agent fixture home)');
  if (b.list) {
    const l = b.list;
    p(
      table([
        [
          'openclaw-auth (node dist/cli.js)',
          `${l.ours.runs} runs`,
          `median ${ms(l.ours.medianMs)}`,
          `min ${ms(l.ours.minMs)}`,
          `max ${ms(l.ours.maxMs)}`,
          `peak RSS ${mb(l.ours.medianMaxRss)}`,
        ],
        [
          `openclaw ${l.openclawVersion ?? ''} (node 24)`,
          `${l.openclaw.runs} runs${l.openclaw.stoppedEarlyForTimeBudget ? ` of ${l.openclaw.runsPlanned} (time budget)` : ''}`,
          `median ${ms(l.openclaw.medianMs)}`,
          `min ${ms(l.openclaw.minMs)}`,
          `max ${ms(l.openclaw.maxMs)}`,
          `peak RSS ${mb(l.openclaw.medianMaxRss)}`,
        ],
      ]),
    );
    p(`  openclaw warm-ups (not timed): ${l.openclaw.warmupMs.map(ms).join(', ')}`);
    p(`  speed-up: ${ratio(l.speedup)}   goal: at least 20x   ${met(l.goalMet)}`);
    p(
      `  outputs parse as JSON: ${l.outputsParse ? 'yes' : 'NO'}; same profile ids: ${l.sameProfileIds == null ? 'n/a' : l.sameProfileIds ? `yes (${l.profileIds.length})` : 'NO'}; byte-identical documents: ${l.identicalDocuments == null ? 'n/a' : l.identicalDocuments ? 'yes' : 'no'}`,
    );
    for (const w of l.warnings) p(`  WARNING: ${w}`);
  } else p('  not run (see problems below)');

  p('');
  p('2. In-process snapshot + view of agent `work` (readSnapshot + deriveView, fresh child process per cold run)');
  if (b.snapshot) {
    const s = b.snapshot;
    p(
      table([
        [
          STORE_BUNDLE ? 'module load (bundle, not part of cold)' : 'module load (tsx, not part of cold)',
          ms(s.moduleLoadMs),
          '',
        ],
        ['cold first call', ms(s.coldMs), `goal: under 30 ms   ${met(s.coldGoalMet)}`],
        [
          '  of which readSnapshot / deriveView',
          `${ms(s.coldReadMs)} / ${ms(s.coldDeriveMs)}`,
          `cold runs: ${s.coldMsAll.map(ms).join(', ')}`,
        ],
        [
          `warm (median of ${s.warmCallsPerChild} per child)`,
          ms(s.warmMedianMs),
          `readSnapshot alone ${ms(s.warmReadMedianMs)}`,
        ],
      ]),
    );
  } else p('  not run');

  p('');
  p(
    `3. Large agent DB: the same snapshot with openclaw-agent.sqlite grown to ${b.largeDb ? mb(b.largeDb.db.fileBytes) : `~${mb(BIG_ROWS * 4096)}`}`,
  );
  if (b.largeDb) {
    const d = b.largeDb;
    p(
      `  agent DB ${mb(d.small.agentDbBytes)} -> ${mb(d.db.fileBytes)} (journal_mode=${d.db.journalMode}, header WAL ${d.db.headerWalMode ? 'yes' : 'no'}, -wal ${d.db.walBytes} bytes after checkpoint; OS page cache warm)`,
    );
    p(
      table(
        [
          [
            'cold first call',
            ms(d.small.coldMs),
            ms(d.large.coldMs),
            ratio(d.coldRatio),
            `goal: within 2x   ${met(d.coldGoalMet)}`,
          ],
          [
            'warm median',
            ms(d.small.warmMedianMs),
            ms(d.large.warmMedianMs),
            ratio(d.warmRatio),
            `goal: within 2x   ${met(d.warmGoalMet)}`,
          ],
          [
            'child peak RSS (maxRSS)',
            mb(d.small.maxRss),
            mb(d.large.maxRss),
            ratio(d.maxRssRatio),
            `goal: within 2x   ${met(d.maxRssGoalMet)}`,
          ],
          ['RSS delta over the cold call', mb(d.small.rssDeltaCold), mb(d.large.rssDeltaCold), '', ''],
          ['RSS delta after warm calls', mb(d.small.rssDeltaAfterWarm), mb(d.large.rssDeltaAfterWarm), '', ''],
        ],
        ['', 'small DB', `${mb(d.db.fileBytes)} DB`, 'ratio', ''],
      ),
    );
    if (!d.sameProfiles) p('  WARNING: the large-DB snapshot found different profiles than the small one');
    const q = d.sqljs;
    p(
      '  For contrast, sql.js whole-file read (readFileSync + new SQL.Database + SELECT auth_profile_store), own child process:',
    );
    p(
      table([
        [
          'small DB',
          ms(q.small.totalMs),
          `(read ${ms(q.small.readFileMs)}, open ${ms(q.small.openMs)}, select ${ms(q.small.selectMs)})`,
          `peak RSS ${mb(q.small.maxRss)}`,
          `RSS delta ${mb(q.small.rssDelta)}`,
        ],
        [
          `${mb(d.db.fileBytes)} DB`,
          ms(q.large.totalMs),
          `(read ${ms(q.large.readFileMs)}, open ${ms(q.large.openMs)}, select ${ms(q.large.selectMs)})`,
          `peak RSS ${mb(q.large.maxRss)}`,
          `RSS delta ${mb(q.large.rssDelta)}`,
        ],
      ]),
    );
    p(
      `  (sql.js init, not included above: ${ms(q.large.initMs)}; our reader on the same DB: ${ms(d.large.coldMs)} cold, peak RSS ${mb(d.large.maxRss)})`,
    );
  } else p('  not run (see problems below)');

  p('');
  p(`4. buildAgentView: ${VIEW_PROFILES} synthetic profiles across ${VIEW_PROVIDERS} providers`);
  if (b.view) {
    const v = b.view;
    p(
      `  ${v.profilesInView} profile rows in ${v.providers} providers; statuses: ${Object.entries(v.counts)
        .filter(([, n]) => n)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    p(
      `  median of ${v.runs} runs (after ${v.warmups} warm-ups): ${ms(v.medianMs)} (min ${ms(v.minMs)}, max ${ms(v.maxMs)}); first call ${ms(v.firstMs)}   goal: none set`,
    );
  } else p('  not run');

  p('');
  p('5. In a real VS Code (code-server + headless Chromium), the production build as shipped');
  for (const h of [b.host, b.hostOldest]) {
    if (h) for (const line of hostReportLines(h)) p(line);
    else p(`  not run${process.env.BENCH_SKIP_HOST === '1' ? ' (BENCH_SKIP_HOST=1)' : ' (see problems below)'}`);
  }

  p('');
  p('6. The gateway: supervisor and control-plane client against the real openclaw gateway');
  if (b.gateway) for (const line of gatewayReportLines(b.gateway)) p(line);
  else p(`  not run${process.env.BENCH_SKIP_GATEWAY === '1' ? ' (BENCH_SKIP_GATEWAY=1)' : ' (see problems below)'}`);
  p('');
  p('7. Probes against a loopback provider (scripts/bench-probe.mjs)');
  if (b.probe) for (const line of probeReportLines(b.probe)) p(line);
  else p(`  not run${process.env.BENCH_SKIP_PROBE === '1' ? ' (BENCH_SKIP_PROBE=1)' : ' (see problems below)'}`);
  p('');
  p('8. Legacy migration: 1,000 legacy profiles across 10 agents (plan, apply, verify)');
  if (b.migrate) for (const line of migrateReportLines(b.migrate)) p(line);
  else p(`  not run${process.env.BENCH_SKIP_MIGRATE === '1' ? ' (BENCH_SKIP_MIGRATE=1)' : ' (see problems below)'}`);

  p('');
  if (b.store) for (const line of storeReportLines(b.store)) p(line);
  else
    p(
      `9. store engines: not run${process.env.BENCH_SKIP_STORE === '1' ? ' (BENCH_SKIP_STORE=1)' : ' (see problems below)'}`,
    );

  p('');
  p('10. Hostile input (scripts/bench-hostile.mjs; goal: bounded memory, an answer within the timeout)');
  if (b.hostile) for (const line of b.hostile.lines) p(`  ${line}`);
  else p(`  not run${process.env.BENCH_SKIP_HOSTILE === '1' ? ' (BENCH_SKIP_HOSTILE=1)' : ' (see problems below)'}`);

  p('');
  p('11. Remote gateways: two real openclaw gateways reached only by URL + token (scripts/bench-remote.mjs)');
  if (b.remote) for (const line of remoteReportLines(b.remote)) p(line);
  else p(`  not run${process.env.BENCH_SKIP_REMOTE === '1' ? ' (BENCH_SKIP_REMOTE=1)' : ' (see problems below)'}`);

  p('');
  p('Summary');
  const rows = [];
  const l = b.list;
  rows.push([
    '1',
    'list --json: openclaw / ours',
    l ? `${ms(l.openclaw.medianMs)} / ${ms(l.ours.medianMs)} = ${ratio(l.speedup)}` : 'not run',
    '>= 20x',
    l ? met(l.goalMet) : 'n/a',
  ]);
  const s = b.snapshot;
  rows.push([
    '2',
    'snapshot cold (excl. module load)',
    s ? ms(s.coldMs) : 'not run',
    '< 30 ms',
    s ? met(s.coldGoalMet) : 'n/a',
  ]);
  rows.push(['2', 'snapshot warm median', s ? ms(s.warmMedianMs) : 'not run', '-', 'info']);
  const d = b.largeDb;
  rows.push([
    '3',
    'large DB cold vs small',
    d ? `${ms(d.large.coldMs)} vs ${ms(d.small.coldMs)} = ${ratio(d.coldRatio)}` : 'not run',
    '<= 2x',
    d ? met(d.coldGoalMet) : 'n/a',
  ]);
  rows.push([
    '3',
    'large DB warm vs small',
    d ? `${ms(d.large.warmMedianMs)} vs ${ms(d.small.warmMedianMs)} = ${ratio(d.warmRatio)}` : 'not run',
    '<= 2x',
    d ? met(d.warmGoalMet) : 'n/a',
  ]);
  rows.push([
    '3',
    'large DB peak RSS vs small',
    d ? `${mb(d.large.maxRss)} vs ${mb(d.small.maxRss)} = ${ratio(d.maxRssRatio)}` : 'not run',
    '<= 2x',
    d ? met(d.maxRssGoalMet) : 'n/a',
  ]);
  rows.push([
    '3',
    'sql.js whole-file, large DB',
    d ? `${ms(d.sqljs.large.totalMs)}, peak RSS ${mb(d.sqljs.large.maxRss)}` : 'not run',
    '-',
    'contrast',
  ]);
  const v = b.view;
  rows.push(['4', `buildAgentView, ${VIEW_PROFILES} profiles`, v ? ms(v.medianMs) : 'not run', '-', 'info']);
  rows.push(...hostSummaryRows(b.host, '5'), ...hostSummaryRows(b.hostOldest, '5'));
  rows.push(...gatewaySummaryRows(b.gateway, '6'));
  rows.push(...probeSummaryRows(b.probe, '7'));
  rows.push(...migrateSummaryRows(b.migrate, '8'));
  const st = b.store;
  rows.push([
    '9',
    'native write 200 MB / 1 MB',
    st?.writeRatio != null
      ? `${ms(st.rows[0].write200)} / ${ms(st.rows[0].write1)} = ${ratio(st.writeRatio)}`
      : 'not run',
    '<= 2x',
    st ? met(st.writeGoalMet) : 'n/a',
  ]);
  rows.push([
    '9',
    'list --json Node 24: openclaw / ours',
    st?.listSpeedup != null
      ? `${ms(st.list.openclaw.median)} / ${ms(st.list.ours24.median)} = ${ratio(st.listSpeedup)}`
      : 'not run',
    '>= 50x',
    st ? met(st.listGoalMet) : 'n/a',
  ]);
  rows.push(...remoteSummaryRows(b.remote, '11'));
  p(table(rows, ['#', 'measure', 'result', 'goal', 'status']));
  p('');
  p(`Total ${ms(results.totalMs)}; numbers written to bench-results/latest.json`);
  if (problems.length) {
    p('');
    p('Problems:');
    for (const x of problems) p(`  ERROR: ${x}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

const t0 = Date.now();
let exitCode = 0;
try {
  ensureBuilt();
  const oc = ensureOpenclaw();
  results.setupMs = Date.now() - t0;
  const tBench = Date.now();
  const deadline = tBench + BUDGET_S * 1000;
  // The fast in-process benchmarks first; the openclaw runs then take what is left of the budget.
  const step = (name, fn) => {
    try {
      fn();
    } catch (e) {
      problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      log(`${name} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  step('benchmark 4 (buildAgentView)', benchView);
  step('benchmarks 2+3 (snapshot)', benchSnapshots);
  if (oc) step('benchmark 1 (list --json)', () => benchList(oc, deadline));
  if (process.env.BENCH_SKIP_HOST === '1') log('benchmark 5 (VS Code host) skipped: BENCH_SKIP_HOST=1');
  else {
    // The newest and the oldest supported VS Code (benchmarks.host and benchmarks.hostOldest).
    for (const [key, hostId] of [
      ['host', 'newest'],
      ['hostOldest', 'oldest'],
    ]) {
      log(`benchmark 5: the extension in a real VS Code host (${hostId})`);
      try {
        results.benchmarks[key] = await runHostBench({ hostId, log: (m) => log(`host ${hostId}: ${m}`) });
        for (const m of results.benchmarks[key].missing ?? [])
          problems.push(`benchmark 5 (VS Code host, ${hostId}): missing reading (FAILED): ${m}`);
      } catch (e) {
        problems.push(`benchmark 5 (VS Code host, ${hostId}): ${e instanceof Error ? e.message : String(e)}`);
        log(`benchmark 5 (VS Code host, ${hostId}) FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (process.env.BENCH_SKIP_STORE === '1') log('benchmark 9 (store engines) skipped: BENCH_SKIP_STORE=1');
  else {
    log('benchmark 9: store engines (node:sqlite and sql.js), 1 MB and 200 MB agent DBs');
    try {
      results.benchmarks.store = await runStoreBench();
      if (results.benchmarks.store.error)
        problems.push(`benchmark 9 (store engines): ${results.benchmarks.store.error}`);
    } catch (e) {
      problems.push(`benchmark 9 (store engines): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (process.env.BENCH_SKIP_HOSTILE === '1') log('benchmark 10 (hostile input) skipped: BENCH_SKIP_HOSTILE=1');
  else {
    log('benchmark 10: hostile input (1.5 GB probe answers, a 60 MB .env, a cell nested 100,000 deep)');
    // Node 24 when installed (the deep-cell case writes through node:sqlite), else this Node.
    const r = spawnSync(oc?.node ?? process.execPath, [path.join(root, 'scripts', 'bench-hostile.mjs')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 10 * 60_000,
    });
    const lines = (r.stdout ?? '').trim().split('\n');
    try {
      results.benchmarks.hostile = { ...JSON.parse(lines.pop() ?? ''), lines };
    } catch {
      problems.push(`benchmark 10 (hostile input): exit ${r.status}`);
    }
  }
  if (process.env.BENCH_SKIP_MIGRATE === '1') log('benchmark 8 (legacy migration) skipped: BENCH_SKIP_MIGRATE=1');
  else {
    try {
      results.benchmarks.migrate = await runMigrateBench({ oc, log, makeTemp, removeTemp });
    } catch (e) {
      problems.push(`benchmark 8 (legacy migration): ${e instanceof Error ? e.message : String(e)}`);
      log(`benchmark 8 (legacy migration) FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (process.env.BENCH_SKIP_PROBE === '1') log('benchmark 7 (probes) skipped: BENCH_SKIP_PROBE=1');
  else {
    log('benchmark 7: probes against a loopback provider');
    try {
      results.benchmarks.probe = await runProbeBench({ root, oc, log });
    } catch (e) {
      problems.push(`benchmark 7 (probes): ${e instanceof Error ? e.message : String(e)}`);
      log(`benchmark 7 (probes) FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (process.env.BENCH_SKIP_GATEWAY === '1') log('benchmark 6 (gateway) skipped: BENCH_SKIP_GATEWAY=1');
  else if (oc) {
    log('benchmark 6: the gateway (supervisor + control plane, real openclaw)');
    try {
      results.benchmarks.gateway = await runGatewayBench({ log: (m) => log(`gateway: ${m}`) });
    } catch (e) {
      problems.push(`benchmark 6 (gateway): ${e instanceof Error ? e.message : String(e)}`);
      log(`benchmark 6 (gateway) FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (process.env.BENCH_SKIP_REMOTE === '1') log('benchmark 11 (remote gateways) skipped: BENCH_SKIP_REMOTE=1');
  else if (oc) {
    log('benchmark 11: remote gateways (RemoteGateway against two real openclaw gateways)');
    try {
      results.benchmarks.remote = await runRemoteBench({ log: (m) => log(`remote: ${m}`) });
    } catch (e) {
      problems.push(`benchmark 11 (remote gateways): ${e instanceof Error ? e.message : String(e)}`);
      log(`benchmark 11 (remote gateways) FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  results.benchMs = Date.now() - tBench;
} catch (e) {
  problems.push(e instanceof Error ? e.message : String(e));
} finally {
  cleanup();
}
results.totalMs = Date.now() - t0;
results.machine.loadAvgAtEnd = os.loadavg().map((x) => round(x, 2));
results.problems = problems;
fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'bench-results', 'latest.json'),
  `${JSON.stringify(results, (_k, val) => (typeof val === 'number' ? round(val) : val), 2)}\n`,
);
report();
if (problems.length) exitCode = 1;
process.exitCode = exitCode;
