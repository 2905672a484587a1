#!/usr/bin/env node
// Section 9 of `npm run bench` (alone: `node scripts/bench-store.mjs`): the two store engines.
//
//   - write latency (one order change of agent `work`, written into its agent DB) on a ~1 MB and a
//     ~200 MB agent DB, per engine: node:sqlite (Node 24), sql.js (Node 20, and Node 24 forced with
//     OPENCLAW_AUTH_SQLITE_ENGINE=sqljs). Goal on the native engine: the 200 MB write within 2x of
//     the 1 MB one.
//   - read latency of one agent snapshot, cold (first read in a fresh process) and warm, per engine.
//   - whole-process `list --json --agent work` on Node 24 (native) and Node 20 (page reader) beside
//     `openclaw models auth list --json --agent work`; goal: at least 50x faster.
//
// Each measurement runs in a fresh child process loading the store code as it ships (one esbuild
// bundle). Prints a table and the last line as JSON. Knobs: BENCH_STORE_RUNS (9 writes / warm reads
// per engine and size), BENCH_BIG_ROWS (50000 rows of 4000 bytes ≈ 200 MB), BENCH_OPENCLAW_RUNS (3).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { resolvePaths as resolveInstallPaths, nodeInstalled, openclawInstalled } from './install-openclaw.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = path.join(root, 'test', 'fixtures', 'openclaw-2026.9.6', 'multi-agent', 'home');
const intEnv = (n, d) => {
  const v = Number.parseInt(process.env[n] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : d;
};
const RUNS = intEnv('BENCH_STORE_RUNS', 9);
const BIG_ROWS = intEnv('BENCH_BIG_ROWS', 50000);
const OC_RUNS = intEnv('BENCH_OPENCLAW_RUNS', 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : undefined;
};
const fmt = (ms) =>
  ms == null
    ? 'n/a'
    : ms < 10
      ? `${ms.toFixed(2)} ms`
      : ms < 1000
        ? `${ms.toFixed(0)} ms`
        : `${(ms / 1000).toFixed(2)} s`;

// The child: one op per process, prints one JSON line.
const CHILD = `
const [bundle, op, home, runs] = process.argv.slice(2);
const t0 = performance.now();
const m = require(bundle);
const loadMs = performance.now() - t0;
const env = { HOME: home };
(async () => {
  const times = [];
  if (op === 'read') {
    let t = performance.now();
    m.readSnapshot({ env, agentId: 'work' });
    const cold = performance.now() - t;
    for (let i = 0; i < Number(runs); i++) { t = performance.now(); m.readSnapshot({ env, agentId: 'work' }); times.push(performance.now() - t); }
    console.log(JSON.stringify({ engine: m.engineName(), loadMs, cold, warm: times }));
  } else {
    for (let i = 0; i < Number(runs); i++) {
      const ids = i % 2 ? ['openrouter:work', 'openrouter:manual'] : ['openrouter:manual', 'openrouter:work'];
      const t = performance.now();
      await m.applyMutation({ env, agentId: 'work' }, { kind: 'setOrder', provider: 'openrouter', profileIds: ids });
      times.push(performance.now() - t);
    }
    console.log(JSON.stringify({ engine: m.engineName(), loadMs, writes: times }));
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

function bundleStore(dir) {
  const entry = path.join(dir, 'entry.ts');
  const out = path.join(dir, 'store.cjs');
  fs.writeFileSync(
    entry,
    `export { readSnapshot, applyMutation } from ${JSON.stringify(path.join(root, 'src', 'store', 'index'))};\nexport { engineName } from ${JSON.stringify(path.join(root, 'src', 'store', 'engine'))};\n`,
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
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
  fs.copyFileSync(path.join(root, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz'])
    fs.copyFileSync(path.join(root, 'src', 'store', 'templates', f), path.join(dir, 'templates', f));
  const childFile = path.join(dir, 'child.cjs');
  fs.writeFileSync(childFile, CHILD);
  return { bundle: out, child: childFile };
}

function growAgentDb(node24, db, rows) {
  // Transcript-like rows, written by a real SQLite (Node 24's): the agent DB grows to ~rows*4 KB.
  const js = `const{DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(process.argv[1]);d.exec('CREATE TABLE IF NOT EXISTS bench_filler(id INTEGER PRIMARY KEY, blob BLOB)');d.exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<${rows}) INSERT INTO bench_filler(blob) SELECT randomblob(4000) FROM c");d.exec('PRAGMA wal_checkpoint(TRUNCATE)');d.close();`;
  const r = spawnSync(node24, ['-e', js, db], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`growing the agent DB failed: ${r.stderr}`);
  return fs.statSync(db).size;
}

function runChild(node, tool, op, home, env) {
  const r = spawnSync(node, [tool.child, tool.bundle, op, home, String(RUNS)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 600_000,
  });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function timedList(cmd, args, env, runs) {
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 300_000 });
    const ms = performance.now() - t;
    if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').slice(-2).join(' ') };
    JSON.parse(r.stdout);
    xs.push(ms);
  }
  return { median: median(xs), runs: xs.length };
}

export async function runStoreBench() {
  const inst = resolveInstallPaths();
  if (!nodeInstalled(inst))
    return { error: `Node 24 is not installed (${inst.node}); run node scripts/install-openclaw.mjs` };
  const node24 = inst.node;
  const node20 = process.execPath;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-bench-store-'));
  try {
    const tool = bundleStore(dir);
    const homeOf = (label) => {
      const h = path.join(dir, label);
      fs.cpSync(FIXTURE, h, { recursive: true });
      return h;
    };
    const small = homeOf('small');
    const big = homeOf('big');
    const agentDb = (h) => path.join(h, '.openclaw', 'agents', 'work', 'agent', 'openclaw-agent.sqlite');
    const smallBytes = fs.statSync(agentDb(small)).size;
    const bigBytes = growAgentDb(node24, agentDb(big), BIG_ROWS);
    const engines = [
      { label: 'node:sqlite (Node 24)', node: node24, env: {} },
      { label: 'sql.js (Node 20)', node: node20, env: { OPENCLAW_AUTH_SQLITE_ENGINE: 'sqljs' } },
      { label: 'sql.js (Node 24, forced)', node: node24, env: { OPENCLAW_AUTH_SQLITE_ENGINE: 'sqljs' } },
    ];
    const rows = [];
    for (const e of engines) {
      const w1 = runChild(e.node, tool, 'write', small, e.env);
      const w200 = runChild(e.node, tool, 'write', big, e.env);
      const r1 = runChild(e.node, tool, 'read', small, e.env);
      const r200 = runChild(e.node, tool, 'read', big, e.env);
      rows.push({
        engine: e.label,
        reported: w1.engine ?? r1.engine,
        write1: median(w1.writes ?? []),
        write200: median(w200.writes ?? []),
        readCold1: r1.cold,
        readWarm1: median(r1.warm ?? []),
        readCold200: r200.cold,
        readWarm200: median(r200.warm ?? []),
        errors: [w1.error, w200.error, r1.error, r200.error].filter(Boolean),
      });
    }
    // Whole-process list --json beside openclaw's own.
    const cli = path.join(root, 'dist', 'cli.js');
    const env = { PATH: process.env.PATH ?? '', HOME: small };
    const list = {
      ours24: fs.existsSync(cli)
        ? timedList(node24, [cli, 'list', '--json', '--agent', 'work'], env, 9)
        : { error: 'dist/cli.js missing (npm run build)' },
      ours20: fs.existsSync(cli)
        ? timedList(node20, [cli, 'list', '--json', '--agent', 'work'], env, 9)
        : { error: 'dist/cli.js missing (npm run build)' },
      openclaw: openclawInstalled(inst)
        ? timedList(
            node24,
            [inst.openclawMjs, 'models', 'auth', 'list', '--json', '--agent', 'work'],
            { ...env, npm_config_offline: 'true', TMPDIR: dir },
            OC_RUNS,
          )
        : { error: 'openclaw is not installed' },
    };
    const native = rows[0];
    const ratio = native.write1 && native.write200 ? native.write200 / native.write1 : undefined;
    const speedup = list.openclaw.median && list.ours24.median ? list.openclaw.median / list.ours24.median : undefined;
    return {
      smallBytes,
      bigBytes,
      rows,
      list,
      writeRatio: ratio,
      writeGoalMet: ratio != null ? ratio <= 2 : null,
      listSpeedup: speedup,
      listGoalMet: speedup != null ? speedup >= 50 : null,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function storeReportLines(r) {
  if (r.error) return [`9. store engines: could not run: ${r.error}`];
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [`9. store engines (agent DB ${mb(r.smallBytes)} and ${mb(r.bigBytes)}; medians)`];
  lines.push(
    '   engine                      write 1 MB   write 200 MB   read cold/warm 1 MB      read cold/warm 200 MB',
  );
  for (const x of r.rows) {
    lines.push(
      `   ${x.engine.padEnd(27)} ${fmt(x.write1).padStart(10)}   ${fmt(x.write200).padStart(12)}   ${`${fmt(x.readCold1)} / ${fmt(x.readWarm1)}`.padStart(20)}   ${`${fmt(x.readCold200)} / ${fmt(x.readWarm200)}`.padStart(22)}${x.errors.length ? `   ERROR ${x.errors.join('; ')}` : ''}`,
    );
  }
  const met = (ok) => (ok == null ? 'n/a' : ok ? 'MET' : 'NOT MET');
  lines.push(
    `   native 200 MB write / 1 MB write: ${r.writeRatio?.toFixed(2) ?? 'n/a'}x (goal <= 2x: ${met(r.writeGoalMet)})`,
  );
  const l = r.list;
  lines.push(
    `   list --json --agent work: ours ${fmt(l.ours24.median)} (Node 24) / ${fmt(l.ours20.median)} (Node 20), openclaw ${fmt(l.openclaw.median)}${l.openclaw.error ? ` (${l.openclaw.error})` : ''}: ${r.listSpeedup?.toFixed(0) ?? 'n/a'}x (goal >= 50x: ${met(r.listGoalMet)})`,
  );
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await runStoreBench();
  for (const line of storeReportLines(r)) console.log(line);
  console.log(JSON.stringify(r));
  process.exitCode = r.error ? 1 : 0;
}
