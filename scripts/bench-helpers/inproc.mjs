// In-process measurements for scripts/bench.mjs. Each mode runs in its own fresh child process,
// so the first call really is cold. Run with tsx so it can import the TypeScript sources:
//
//   node --import tsx scripts/bench-helpers/inproc.mjs snapshot <home> <agentId> <warmRuns>
//   node --import tsx scripts/bench-helpers/inproc.mjs sqljs <dbPath>
//   node --import tsx scripts/bench-helpers/inproc.mjs view <profiles> <providers> <warmups> <runs>
//
// The last stdout line is one JSON object with the numbers (times in ms, memory in bytes). It never
// prints credential values: only counts and ids.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The modules as they ship (an esbuild bundle like dist/extension.js) when bench.mjs built one;
// otherwise the TypeScript sources through tsx.
const bundle = process.env.BENCH_STORE_BUNDLE;
const srcUrl = (rel) => (bundle ? pathToFileURL(bundle).href : pathToFileURL(path.join(root, 'src', rel)).href);
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function snapshotMode(home, agentId, warmRuns) {
  const rss0 = process.memoryUsage().rss;
  const t0 = now();
  const snap = await import(srcUrl('store/snapshot.ts'));
  const idx = await import(srcUrl('store/index.ts'));
  const moduleLoadMs = now() - t0;
  const readSnapshot = snap.readSnapshot ?? snap.default?.readSnapshot;
  const deriveView = idx.deriveView ?? idx.default?.deriveView;
  const env = { HOME: home };

  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = maxRssBytes();
  const t1 = now();
  const s = readSnapshot({ agentId, env });
  const t2 = now();
  const v = deriveView(s, Date.now());
  const t3 = now();
  const rssAfterCold = process.memoryUsage().rss;

  const warm = [];
  const warmRead = [];
  for (let i = 0; i < warmRuns; i++) {
    const a = now();
    const w = readSnapshot({ agentId, env });
    const b = now();
    deriveView(w, Date.now());
    warm.push(now() - a);
    warmRead.push(b - a);
  }
  const rssEnd = process.memoryUsage().rss;
  emit({
    mode: 'snapshot',
    moduleLoadMs,
    coldReadMs: t2 - t1,
    coldDeriveMs: t3 - t2,
    coldMs: t3 - t1,
    warmMedianMs: median(warm),
    warmReadMedianMs: median(warmRead),
    warmRuns,
    rssAtStart: rss0,
    rssBeforeCold: rssBefore,
    rssDeltaCold: rssAfterCold - rssBefore,
    rssDeltaEnd: rssEnd - rssBefore,
    maxRssBeforeCold: maxRssBefore,
    maxRss: maxRssBytes(),
    profileIds: Object.keys(s.store.profiles).sort(),
    providers: v.providers.map((p) => p.provider),
    warnings: s.warnings.length,
    agentDbError: s.agentDb.error ?? null,
  });
}

async function sqljsMode(dbPath) {
  const require = createRequire(path.join(root, 'package.json'));
  const rss0 = process.memoryUsage().rss;
  const t0 = now();
  const initSqlJs = require('sql.js');
  const SQL = await initSqlJs({ locateFile: () => require.resolve('sql.js/dist/sql-wasm.wasm') });
  const initMs = now() - t0;
  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = maxRssBytes();
  const t1 = now();
  const bytes = fs.readFileSync(dbPath);
  const t2 = now();
  const db = new SQL.Database(bytes);
  const t3 = now();
  const res = db.exec("SELECT length(store_json) FROM auth_profile_store WHERE store_key = 'primary'");
  const t4 = now();
  const rssAfter = process.memoryUsage().rss;
  db.close();
  emit({
    mode: 'sqljs',
    initMs,
    readFileMs: t2 - t1,
    openMs: t3 - t2,
    selectMs: t4 - t3,
    totalMs: t4 - t1,
    fileBytes: bytes.length,
    storeJsonChars: res[0]?.values?.[0]?.[0] ?? null,
    rssAtStart: rss0,
    rssDelta: rssAfter - rssBefore,
    maxRssBeforeRead: maxRssBefore,
    maxRss: maxRssBytes(),
  });
}

/** A deterministic synthetic AgentViewInput: mixed credential types, refs, cooldowns, orders. */
function syntheticInput(nProfiles, nProviders, nowMs) {
  const H = 3600_000;
  const D = 24 * H;
  const profiles = {};
  const location = {};
  const usageStats = {};
  const lastGood = {};
  const order = {};
  const metaProfiles = {};
  const metaOrder = {};
  const env = {};
  const byProvider = Array.from({ length: nProviders }, () => []);
  for (let i = 0; i < nProfiles; i++) {
    const p = i % nProviders;
    const provider = `prov${p}`;
    const id = `${provider}:p${i}`;
    const fake = `fake-bench-${String(i).padStart(40, '0')}`;
    const kind = i % 10;
    let c;
    if (kind <= 3) {
      c = { type: 'api_key', provider, key: fake };
      if (kind === 3)
        c = { type: 'api_key', provider, keyRef: { source: 'env', provider: 'default', id: `BENCH_KEY_${i}` } };
      if (kind === 3 && i % 20 === 3) env[`BENCH_KEY_${i}`] = fake; // half the env refs resolve
    } else if (kind <= 6) {
      // tokens: no expiry, far future, expiring within a day, expired, invalid
      const e = [undefined, nowMs + 30 * D, nowMs + 3 * H, nowMs - H, 0][i % 5];
      c = { type: 'token', provider, token: fake, ...(e === undefined ? {} : { expires: e }) };
      if (i % 17 === 0)
        c = { type: 'token', provider, tokenRef: { source: 'store', provider: 'default', id: `bench-secret-${i}` } };
    } else {
      const e = [nowMs + 2 * H, nowMs + 10 * D, nowMs - 2 * H][i % 3];
      c = {
        type: 'oauth',
        provider,
        access: fake,
        ...(i % 2 ? { refresh: `${fake}-r` } : {}),
        expires: e,
        email: `user${i}@example.invalid`,
      };
    }
    if (i % 13 === 0) c.displayName = `Bench ${i}`;
    profiles[id] = c;
    location[id] = i % 3 === 0 ? 'inherited' : 'local';
    byProvider[p].push(id);
    const st = {};
    if (i % 4 === 0) st.lastUsed = nowMs - (i % 50) * H;
    if (i % 11 === 0)
      Object.assign(st, {
        cooldownUntil: nowMs + 20 * 60_000,
        cooldownReason: i % 22 === 0 ? 'rate_limit' : 'overloaded',
        errorCount: 2,
      });
    if (i % 29 === 0) Object.assign(st, { disabledUntil: nowMs + 5 * H, disabledReason: 'billing' });
    if (i % 37 === 0) Object.assign(st, { cooldownUntil: nowMs - H, cooldownReason: 'timeout' }); // expired window
    if (i % 41 === 0)
      Object.assign(st, {
        blockedUntil: nowMs + H,
        blockedReason: 'model_not_found',
        blockedModel: 'model',
        blockedScope: 'model',
      });
    if (Object.keys(st).length) usageStats[id] = st;
    if (i % 7 === 0) metaProfiles[id] = { provider, mode: c.type === 'api_key' ? 'api_key' : c.type };
  }
  for (let p = 0; p < nProviders; p++) {
    const ids = byProvider[p];
    if (p % 3 === 0)
      order[`prov${p}`] = [...ids]
        .reverse()
        .slice(0, 20)
        .concat([`prov${p}:gone`]);
    if (p % 5 === 1) metaOrder[`prov${p}`] = ids.slice(0, 10);
    if (p % 7 === 2) order[`prov${p}`] = []; // explicitly disabled
    if (ids.length) lastGood[`prov${p}`] = ids[ids.length >> 1];
    if (p % 4 === 0) env[`PROV${p}_API_KEY`] = `fake-env-key-${p}-0000000000000000`;
  }
  metaProfiles['prov1:aws'] = { provider: 'prov1', mode: 'aws-sdk' };
  return {
    agentId: 'bench',
    store: { version: 1, profiles },
    location,
    state: { version: 1, order, lastGood, usageStats },
    meta: { profiles: metaProfiles, order: metaOrder },
    env,
    modelsInUse: ['prov0/model', 'prov3/model', 'prov9/other'],
    now: nowMs,
    hasStoreSecret: (name) => name.endsWith('0'),
  };
}

async function viewMode(nProfiles, nProviders, warmups, runs) {
  const t0 = now();
  const viewMod = await import(srcUrl('auth/view.ts'));
  const moduleLoadMs = now() - t0;
  const buildAgentView = viewMod.buildAgentView ?? viewMod.default?.buildAgentView;
  const input = syntheticInput(nProfiles, nProviders, Date.UTC(2026, 10, 25, 12));
  const t1 = now();
  const first = buildAgentView(input);
  const firstMs = now() - t1;
  for (let i = 0; i < warmups; i++) buildAgentView(input);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const a = now();
    buildAgentView(input);
    times.push(now() - a);
  }
  const shown = first.providers.reduce((n, p) => n + p.profiles.length, 0);
  emit({
    mode: 'view',
    moduleLoadMs,
    profiles: Object.keys(input.store.profiles).length,
    providers: first.providers.length,
    profilesInView: shown,
    counts: first.counts,
    checkCode: first.checkCode,
    firstMs,
    warmups,
    runs,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
  });
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'snapshot') await snapshotMode(args[0], args[1] ?? 'work', Number(args[2] ?? 50));
  else if (mode === 'sqljs') await sqljsMode(args[0]);
  else if (mode === 'view')
    await viewMode(Number(args[0] ?? 1000), Number(args[1] ?? 20), Number(args[2] ?? 5), Number(args[3] ?? 30));
  else throw new Error(`unknown mode ${mode}`);
} catch (e) {
  process.stderr.write(`inproc ${mode}: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
