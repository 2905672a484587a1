// Benchmark 6 of `npm run bench` (also runnable alone: `node scripts/bench-migrate.mjs`):
// migrating 1,000 legacy profiles across 10 agents. Our plan, apply (backups, writes, read-back,
// archive) and an independent verify (every agent re-read through the snapshot reader), each
// timed in a fresh child process running the production-style bundle, beside the real
// `openclaw doctor --fix --non-interactive` on a copy of the same home in the same run (timed
// whole-process; its result is counted with the same reader). Secrets are fake; none is printed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const AGENTS = 10;
const PER_AGENT = 100;
const PROVIDERS = [
  'anthropic',
  'openrouter',
  'groq',
  'mistral',
  'openai',
  'google',
  'xai',
  'deepseek',
  'together',
  'fireworks',
];

function buildHome(home) {
  const oc = path.join(home, '.openclaw');
  const ids = Array.from({ length: AGENTS }, (_, i) => (i === 0 ? 'main' : `agent${i}`));
  fs.mkdirSync(oc, { recursive: true });
  fs.writeFileSync(
    path.join(oc, 'openclaw.json'),
    JSON.stringify(
      {
        agents: {
          defaults: { heartbeat: { agentId: 'main' }, systemAgent: { agentId: 'main' } },
          ownership: 'explicit',
          entries: Object.fromEntries(ids.map((id) => [id, {}])),
        },
        talk: { agentId: 'main' },
      },
      null,
      2,
    ),
  );
  for (const [a, id] of ids.entries()) {
    const dir = path.join(oc, 'agents', id, 'agent');
    fs.mkdirSync(dir, { recursive: true });
    const profiles = {};
    const order = {};
    const usageStats = {};
    for (let i = 0; i < PER_AGENT; i++) {
      const provider = PROVIDERS[i % PROVIDERS.length];
      const pid = `${provider}:${id}-${i}`;
      profiles[pid] =
        i % 3 === 2
          ? { type: 'token', provider, token: `fake-token-${id}-${i}-${'x'.repeat(40)}`, expires: 4102444800000 }
          : { type: 'api_key', provider, key: `fake-key-${id}-${i}-${'k'.repeat(40)}` };
      (order[provider] ??= []).push(pid);
      if (i % 4 === 0) usageStats[pid] = { lastUsed: 1795637320820 + i, errorCount: 0 };
    }
    fs.writeFileSync(path.join(dir, 'auth-profiles.json'), JSON.stringify({ version: 1, profiles }, null, 2));
    fs.writeFileSync(
      path.join(dir, 'auth-state.json'),
      JSON.stringify(
        {
          version: 1,
          order,
          lastGood: {
            [PROVIDERS[a % PROVIDERS.length]]: `${PROVIDERS[a % PROVIDERS.length]}:${id}-${a % PROVIDERS.length}`,
          },
          usageStats,
        },
        null,
        2,
      ),
    );
  }
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
  return ids;
}

function bundle(outDir) {
  const out = path.join(outDir, 'migrate.cjs');
  const r = spawnSync(
    path.join(root, 'node_modules', '.bin', 'esbuild'),
    [
      path.join(root, 'scripts', 'bench-helpers', 'migrate-entry.ts'),
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
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(outDir, 'sql-wasm.wasm'));
  fs.mkdirSync(path.join(outDir, 'templates'), { recursive: true });
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz'])
    fs.copyFileSync(path.join(root, 'src', 'store', 'templates', f), path.join(outDir, 'templates', f));
  return out;
}

// The child: one step per process, timed inside (module load reported apart).
const CHILD = `
const t0 = performance.now();
const m = require(process.argv[1]);
const loadMs = performance.now() - t0;
const [step, stateDir, agentsCsv] = process.argv.slice(2);
(async () => {
  const t = performance.now();
  let info = {};
  if (step === 'plan') { const { plan } = m.planLegacyMigration({ stateDirSetting: stateDir }); info = { needed: plan.needed, profiles: plan.profiles.length }; }
  else if (step === 'apply') { const r = await m.applyLegacyMigration({ stateDirSetting: stateDir }); info = { changed: r.changed, archived: r.backups.length }; }
  else { let n = 0; for (const a of agentsCsv.split(',')) { const s = m.readSnapshot({ stateDirSetting: stateDir, agentId: a }); n += Object.values(s.location).filter((l) => l === 'local').length; } info = { profiles: n }; }
  process.stdout.write(JSON.stringify({ loadMs, ms: performance.now() - t, ...info }) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.message)); process.exit(1); });
`;

function child(bundlePath, step, stateDir, ids) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-e', CHILD, bundlePath, step, stateDir, ids.join(',')], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{'))
    throw new Error(`${step} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-800)}`);
  return { wallMs, ...JSON.parse(last) };
}

export async function runMigrateBench({
  oc,
  log = () => undefined,
  makeTemp = (l) => fs.mkdtempSync(path.join(os.tmpdir(), `openclaw-auth-bench-${l}-`)),
  removeTemp = (d) => fs.rmSync(d, { recursive: true, force: true }),
} = {}) {
  const work = makeTemp('migrate');
  try {
    const bundlePath = bundle(path.join(work, 'bundle'));
    const oursHome = path.join(work, 'ours');
    const ids = buildHome(oursHome);
    const theirsHome = path.join(work, 'theirs');
    fs.cpSync(oursHome, theirsHome, { recursive: true });
    const stateDir = path.join(oursHome, '.openclaw');
    log(`migrate: ${AGENTS * PER_AGENT} legacy profiles across ${AGENTS} agents: ours (plan, apply, verify)`);
    const plan = child(bundlePath, 'plan', stateDir, ids);
    const apply = child(bundlePath, 'apply', stateDir, ids);
    const verify = child(bundlePath, 'verify', stateDir, ids);
    const result = {
      agents: AGENTS,
      profiles: AGENTS * PER_AGENT,
      ours: {
        planMs: plan.ms,
        applyMs: apply.ms,
        verifyMs: verify.ms,
        totalMs: plan.ms + apply.ms + verify.ms,
        moduleLoadMs: plan.loadMs,
        wallMs: plan.wallMs + apply.wallMs + verify.wallMs,
        profilesAfter: verify.profiles,
        archived: apply.archived,
      },
      openclaw: null,
    };
    if (oc) {
      log(
        'migrate: openclaw doctor --fix --non-interactive on a copy of the same home (slow: it also runs its other checks)',
      );
      const env = {
        HOME: theirsHome,
        PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
        npm_config_offline: 'true',
        TMPDIR: path.join(theirsHome, 'tmp'),
      };
      const t0 = performance.now();
      const r = spawnSync(oc.node, [oc.openclawMjs, 'doctor', '--fix', '--non-interactive'], {
        cwd: theirsHome,
        env,
        encoding: 'utf8',
        timeout: 900_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const wallMs = performance.now() - t0;
      const counted = child(bundlePath, 'verify', path.join(theirsHome, '.openclaw'), ids);
      result.openclaw = { wallMs, exit: r.status, profilesAfter: counted.profiles, verifyMs: counted.ms };
      result.speedup = wallMs / result.ours.wallMs;
    }
    result.sameCount = result.openclaw ? result.openclaw.profilesAfter === result.ours.profilesAfter : null;
    return result;
  } finally {
    removeTemp(work);
  }
}

const fmt = (x) =>
  x == null || !Number.isFinite(x)
    ? 'n/a'
    : x >= 1000
      ? `${(x / 1000).toFixed(2)} s`
      : `${x.toFixed(x >= 10 ? 0 : 2)} ms`;

export function migrateReportLines(r) {
  const lines = [];
  lines.push(
    `  ours (fresh child per step, bundle load ${fmt(r.ours.moduleLoadMs)} not included): plan ${fmt(r.ours.planMs)}, apply ${fmt(r.ours.applyMs)} (backups, writes, read-back, archive of ${r.ours.archived} files), verify ${fmt(r.ours.verifyMs)}; total ${fmt(r.ours.totalMs)} (3 processes, wall ${fmt(r.ours.wallMs)})`,
  );
  lines.push(
    `  profiles readable after: ours ${r.ours.profilesAfter}${r.openclaw ? `, openclaw ${r.openclaw.profilesAfter}` : ''} of ${r.profiles}${r.sameCount === false ? '   WARNING: counts differ' : ''}`,
  );
  if (r.openclaw)
    lines.push(
      `  openclaw doctor --fix --non-interactive (whole process, exit ${r.openclaw.exit}): ${fmt(r.openclaw.wallMs)}; ours whole-process wall ${fmt(r.ours.wallMs)} = ${r.speedup.toFixed(1)}x faster   goal: none set`,
    );
  else lines.push('  openclaw not run (not installed)');
  return lines;
}

export function migrateSummaryRows(r, n) {
  if (!r) return [[n, 'migrate 1,000 profiles / 10 agents', 'not run', '-', 'n/a']];
  return [
    [
      n,
      'migrate 1,000 profiles: openclaw doctor / ours',
      r.openclaw ? `${fmt(r.openclaw.wallMs)} / ${fmt(r.ours.wallMs)}` : `ours ${fmt(r.ours.wallMs)}`,
      '-',
      'info',
    ],
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.env.OPENCLAW_AUTH_TEST_CACHE?.trim() || path.join(os.homedir(), '.cache', 'openclaw-auth-tests');
  const node = path.join(dir, 'node24', 'node_modules', 'node', 'bin', 'node');
  const openclawMjs = path.join(dir, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
  const oc =
    fs.existsSync(node) && fs.existsSync(openclawMjs) && process.env.BENCH_MIGRATE_SKIP_OPENCLAW !== '1'
      ? { node, openclawMjs }
      : null;
  const r = await runMigrateBench({ oc, log: (m) => process.stderr.write(`[bench] ${m}\n`) });
  process.stdout.write(
    `6. Legacy migration: ${r.profiles} profiles across ${r.agents} agents\n${migrateReportLines(r).join('\n')}\n`,
  );
}
