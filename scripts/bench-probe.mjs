// Probe benchmarks (section 6 of `npm run bench`), against one loopback OpenAI-compatible provider
// started here (JSON and SSE answers, as openclaw's SDK asks for streams):
//   a. 20 API-key profiles: `openclaw-auth probe` (dist/cli.js, whole process) vs
//      `openclaw models status --probe` on the same home, same provider: wall time each, ratio.
//   b. an unreachable target (a TCP port that accepts and never answers) with a 2 s timeout: ours
//      must end by ~2.1 s (the probe's own durationMs and the whole process).
//   c. 200 profiles at concurrency 8 against a provider answering after 50 ms: overhead per probe
//      (median latency minus 50 ms; wall time vs the ideal ceil(200/8) × 50 ms).
// Knobs: BENCH_PROBE_SKIP_OPENCLAW=1 (no openclaw run in a), BENCH_PROBE_PROFILES (20).
// Homes are built in-process with the project's own store code (bundled with esbuild).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

function storeBundle(root) {
  // In out/ so that its __dirname/../src/store/templates finds the empty-DB templates.
  const out = path.join(root, 'out', 'bench-probe-store.cjs');
  const entry = path.join(root, 'out', 'bench', 'probe-entry.ts');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(entry, "export { applyMutation } from '../../src/store/mutations';\n");
  const r = spawnSync(
    path.join(root, 'node_modules', '.bin', 'esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--main-fields=module,main',
      `--outfile=${out}`,
      '--log-level=error',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`could not bundle the store: ${r.stderr}`);
  return require(out);
}

function key(i) {
  return `sk-fake-bench-abcdefabcdef0123${String(i).padStart(4, '0')}`;
}

function startProvider(delayMs) {
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      count++;
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        /* empty */
      }
      const model = String(body.model ?? '');
      setTimeout(() => {
        if (body.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const c = (o) => `data: ${JSON.stringify(o)}\n\n`;
          res.end(
            c({
              id: 'c',
              object: 'chat.completion.chunk',
              created: 1,
              model,
              choices: [{ index: 0, delta: { role: 'assistant', content: 'OK' }, finish_reason: null }],
            }) +
              c({
                id: 'c',
                object: 'chat.completion.chunk',
                created: 1,
                model,
                choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
                usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
              }) +
              'data: [DONE]\n\n',
          );
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'c',
              object: 'chat.completion',
              created: 1,
              model,
              choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'stop' }],
            }),
          );
        }
      }, delayMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        get count() {
          return count;
        },
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      }),
    ),
  );
}

function startBlackhole() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

async function buildHome(store, tmp, label, n, baseUrl) {
  const home = fs.mkdtempSync(path.join(tmp, `probe-${label}-`));
  for (let i = 0; i < n; i++) {
    await store.applyMutation(
      { env: { HOME: home } },
      {
        kind: 'upsertProfile',
        profileId: `openai:p${String(i).padStart(3, '0')}`,
        credential: { type: 'api_key', provider: 'openai', key: key(i) },
      },
    );
  }
  const cfgPath = path.join(home, '.openclaw', 'openclaw.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  cfg.agents = { defaults: { model: { primary: 'openai/gpt-bench' } } };
  cfg.models = {
    providers: {
      openai: {
        baseUrl,
        api: 'openai-completions',
        models: [
          {
            id: 'gpt-bench',
            name: 'bench',
            reasoning: false,
            input: ['text'],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 128000,
            maxTokens: 4096,
          },
        ],
      },
    },
  };
  fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  return home;
}

function runProcess(cmd, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : null;
};
function probesOf(stdout) {
  try {
    const d = JSON.parse(stdout);
    return d.auth?.probes ?? d;
  } catch {
    return null;
  }
}

export async function runProbeBench({ root, oc, log }) {
  const store = storeBundle(root);
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing (node esbuild.mjs)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-bench-probe-'));
  const out = {};
  const ourEnv = (home) => ({ PATH: process.env.PATH ?? '', HOME: home, OPENCLAW_GATEWAY_PORT: '1' });
  try {
    // a. side by side
    const n =
      Number.parseInt(process.env.BENCH_PROBE_PROFILES ?? '', 10) > 0
        ? Number.parseInt(process.env.BENCH_PROBE_PROFILES, 10)
        : 20;
    const prov = await startProvider(0);
    try {
      const home = await buildHome(store, tmp, 'side', n, `http://127.0.0.1:${prov.port}/v1`);
      log(`probe a: ours, ${n} profiles`);
      const ours = await runProcess(process.execPath, [cli, 'probe', '--json', '--no-record'], ourEnv(home), 120_000);
      const od = probesOf(ours.stdout);
      out.sideBySide = {
        profiles: n,
        ours: {
          wallMs: ours.wallMs,
          durationMs: od?.durationMs ?? null,
          ok: od?.results?.filter((r) => r.status === 'ok').length ?? 0,
          exit: ours.code,
        },
      };
      if (oc && process.env.BENCH_PROBE_SKIP_OPENCLAW !== '1') {
        log(`probe a: openclaw models status --probe, ${n} profiles (slow)`);
        fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
        const theirs = await runProcess(
          oc.node,
          [oc.openclawMjs, 'models', 'status', '--probe', '--json'],
          {
            HOME: home,
            PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
            npm_config_offline: 'true',
            TMPDIR: path.join(home, 'tmp'),
          },
          600_000,
        );
        const td = probesOf(theirs.stdout);
        out.sideBySide.openclaw = {
          wallMs: theirs.wallMs,
          durationMs: td?.durationMs ?? null,
          ok: td?.results?.filter((r) => r.status === 'ok').length ?? 0,
          exit: theirs.code,
        };
        out.sideBySide.ratio = theirs.wallMs / ours.wallMs;
      }
    } finally {
      await prov.close();
    }

    // b. unreachable target, 2 s timeout
    const hole = await startBlackhole();
    try {
      const home = await buildHome(store, tmp, 'hole', 1, `http://127.0.0.1:${hole.port}/v1`);
      log('probe b: unreachable target, --timeout 2000');
      const r = await runProcess(
        process.execPath,
        [cli, 'probe', '--json', '--no-record', '--timeout', '2000'],
        ourEnv(home),
        60_000,
      );
      const d = probesOf(r.stdout);
      out.unreachable = {
        timeoutMs: 2000,
        durationMs: d?.durationMs ?? null,
        wallMs: r.wallMs,
        status: d?.results?.[0]?.status ?? null,
        goalMet: d?.durationMs != null && d.durationMs <= 2100,
      };
    } finally {
      await hole.close();
    }

    // c. 200 profiles, concurrency 8, 50 ms provider
    const slow = await startProvider(50);
    try {
      const home = await buildHome(store, tmp, 'many', 200, `http://127.0.0.1:${slow.port}/v1`);
      log('probe c: 200 profiles at concurrency 8 against a 50 ms provider');
      const r = await runProcess(
        process.execPath,
        [cli, 'probe', '--json', '--no-record', '--concurrency', '8'],
        ourEnv(home),
        120_000,
      );
      const d = probesOf(r.stdout);
      const lat = (d?.results ?? []).map((x) => x.latencyMs).filter((x) => typeof x === 'number');
      const ideal = Math.ceil(200 / 8) * 50;
      out.many = {
        profiles: 200,
        concurrency: 8,
        providerDelayMs: 50,
        ok: (d?.results ?? []).filter((x) => x.status === 'ok').length,
        durationMs: d?.durationMs ?? null,
        wallMs: r.wallMs,
        idealMs: ideal,
        medianOverheadMs: lat.length ? median(lat) - 50 : null,
        overheadPerProbeMs: d?.durationMs != null ? (d.durationMs - ideal) / (200 / 8) : null,
        requests: slow.count,
      };
    } finally {
      await slow.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

const f = (x) =>
  x == null || !Number.isFinite(x) ? 'n/a' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;

export function probeReportLines(r) {
  const lines = [];
  const a = r?.sideBySide;
  if (a) {
    lines.push(
      `  a. ${a.profiles} profiles, one loopback provider: ours ${f(a.ours.wallMs)} wall (probe ${f(a.ours.durationMs)}, ${a.ours.ok} ok)`,
    );
    if (a.openclaw)
      lines.push(
        `     openclaw models status --probe: ${f(a.openclaw.wallMs)} wall (probe ${f(a.openclaw.durationMs)}, ${a.openclaw.ok} ok); ratio ${a.ratio.toFixed(1)}x`,
      );
    else lines.push('     openclaw: not run');
  }
  const b = r?.unreachable;
  if (b)
    lines.push(
      `  b. unreachable target, timeout 2 s: probe ended after ${f(b.durationMs)} (status ${b.status}), process ${f(b.wallMs)}   goal: <= 2.1 s ${b.goalMet ? 'MET' : 'NOT MET'}`,
    );
  const c = r?.many;
  if (c)
    lines.push(
      `  c. 200 profiles, concurrency 8, 50 ms provider: ${f(c.durationMs)} (ideal ${f(c.idealMs)}), ${c.ok} ok; overhead per probe: median latency - 50 ms = ${f(c.medianOverheadMs)}, wall over ideal per wave = ${f(c.overheadPerProbeMs)}`,
    );
  return lines;
}

export function probeSummaryRows(r, n) {
  const a = r?.sideBySide,
    b = r?.unreachable,
    c = r?.many;
  return [
    [
      n,
      'probe 20 profiles: openclaw / ours',
      a?.openclaw
        ? `${f(a.openclaw.wallMs)} / ${f(a.ours.wallMs)} = ${a.ratio.toFixed(1)}x`
        : a
          ? `ours ${f(a.ours.wallMs)}`
          : 'not run',
      '-',
      'info',
    ],
    [
      n,
      'unreachable target, 2 s timeout',
      b ? f(b.durationMs) : 'not run',
      '<= 2.1 s',
      b ? (b.goalMet ? 'MET' : 'NOT MET') : 'n/a',
    ],
    [n, '200 probes @8, 50 ms provider: overhead/probe', c ? f(c.medianOverheadMs) : 'not run', '-', 'info'],
  ];
}

// Standalone: node scripts/bench-probe.mjs (section 6 only).
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  let oc = null;
  const dir = process.env.OPENCLAW_AUTH_TEST_CACHE?.trim() || path.join(os.homedir(), '.cache', 'openclaw-auth-tests');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'install-openclaw.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    oc = JSON.parse((r.stdout ?? '').trim().split('\n').pop());
  } catch {
    oc = null;
    void dir;
  }
  const res = await runProbeBench({ root, oc, log: (m) => process.stderr.write(`[bench] ${m}\n`) });
  process.stdout.write(`6. Probes\n${probeReportLines(res).join('\n')}\n`);
}
