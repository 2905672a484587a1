#!/usr/bin/env node
// Bench section 10: what hostile input costs (`node scripts/bench-hostile.mjs`, also run by
// `npm run bench`). The bundled CLI (dist/cli.js; run `node esbuild.mjs` first) against:
//   - a loopback provider answering a probe with 1.5 GB (200, then 401) and one trickling its
//     body forever: peak memory (max RSS) and wall time of `probe --timeout`, and how much the
//     server sent before the socket closed;
//   - a 60 MB ~/.openclaw/.env: wall time of `status`;
//   - an auth store cell nested 100,000 deep: `list` answers (no stack overflow) and how fast.
// Numbers only; nothing here fails on a missed goal. Prints one JSON line last.
import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('dist/cli.js is missing: run `node esbuild.mjs` first.');
  process.exit(1);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-bench-hostile-'));
const preload = path.join(tmp, 'maxrss.cjs');
fs.writeFileSync(
  preload,
  "process.on('exit', () => { process.stderr.write(`\\nBENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`); });\n",
);
const log = (m) => process.stderr.write(`[bench-hostile] ${m}\n`);

/** Runs the CLI; resolves { code, ms, maxRssMiB, stdout }. */
function runCli(home, args, input = '') {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', preload, cli, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, OPENCLAW_GATEWAY_PORT: '1' },
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdin.end(input);
    child.on('close', (code) => {
      const kb = Number(/BENCH_MAXRSS_KB (\d+)/.exec(err)?.[1] ?? NaN);
      resolve({ code, ms: Math.round(performance.now() - t0), maxRssMiB: Math.round(kb / 1024), stdout: out });
    });
  });
}

function home() {
  const h = fs.mkdtempSync(path.join(tmp, 'home-'));
  return h;
}

async function probeCase(mode, mb, timeoutMs) {
  let sent = 0,
    closedEarly = false;
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const total = mb * 1024 * 1024;
      res.writeHead(mode === '401' ? 401 : 200, {
        'content-type': 'application/json',
        ...(mode === 'trickle' ? {} : { 'content-length': String(total) }),
      });
      res.on('close', () => {
        if (!res.writableFinished) closedEarly = true;
      });
      if (mode === '401') res.write('{"error":{"message":"Incorrect API key provided: x');
      const pump = () => {
        while (sent < total && !res.destroyed) {
          // trickle: a JSON start, then one space every 200 ms: never done, never over the cap.
          if (mode === 'trickle') {
            res.write(sent ? ' ' : '{"choices":');
            sent += 1;
            setTimeout(pump, 200);
            return;
          }
          const ok = res.write(chunk);
          sent += chunk.length;
          if (!ok) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  const h = home();
  await runCli(
    h,
    ['add-key', '--provider', 'openai', '--profile-id', 'openai:bench'],
    'sk-fake-bench-hostile-abcdef0123456789\n',
  );
  const cfgPath = path.join(h, '.openclaw', 'openclaw.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  cfg.agents = { defaults: { model: { primary: 'openai/gpt-fake-mini' } } };
  cfg.models = {
    providers: {
      openai: {
        baseUrl: `http://127.0.0.1:${port}/v1`,
        api: 'openai-completions',
        models: [{ id: 'gpt-fake-mini', name: 'fake' }],
      },
    },
  };
  fs.writeFileSync(cfgPath, JSON.stringify(cfg));
  const r = await runCli(h, ['probe', '--json', '--no-record', '--timeout', String(timeoutMs)]);
  srv.close();
  let status = 'unparsed';
  try {
    status = JSON.parse(r.stdout).results[0].status;
  } catch {
    /* stays unparsed */
  }
  return {
    mode,
    bodyMB: mb,
    timeoutMs,
    status,
    wallMs: r.ms,
    maxRssMiB: r.maxRssMiB,
    serverSentMB: Math.round((sent / 1048576) * 100) / 100,
    closedEarly,
  };
}

async function main() {
  const out = { probes: [], dotenv: null, deepCell: null };
  for (const [mode, mb, t] of [
    ['200', 1536, 30_000],
    ['401', 1536, 30_000],
    ['trickle', 1536, 2000],
  ]) {
    log(`probe: ${mode} body of ${mb} MB, --timeout ${t}`);
    out.probes.push(await probeCase(mode, mb, t));
  }
  {
    log('status with a 60 MB .env');
    const h = home();
    await runCli(h, ['add-key', '--provider', 'groq'], 'gsk_fake_bench_hostile_0123456789abcdef\n');
    fs.writeFileSync(path.join(h, '.openclaw', '.env'), `A=${'x'.repeat(60 * 1024 * 1024)}\n`);
    const r = await runCli(h, ['status', '--json']);
    out.dotenv = { sizeMB: 60, exit: r.code, wallMs: r.ms, maxRssMiB: r.maxRssMiB };
  }
  {
    log('list with an auth store cell nested 100,000 deep');
    const h = home();
    await runCli(h, ['add-key', '--provider', 'groq'], 'gsk_fake_bench_hostile_0123456789abcdef\n');
    // Nest the cell through the CLI's own engine-independent writer: a tiny node script with sql.js would
    // need the bundle; node:sqlite exists on Node 22.13+/24 only, so this case runs where it does.
    const sqlite = process.getBuiltinModule?.('node:sqlite');
    if (sqlite) {
      const db = new sqlite.DatabaseSync(path.join(h, '.openclaw', 'state', 'openclaw.sqlite'));
      db.prepare('UPDATE config_machine_state SET value_json = ? WHERE state_key = ?').run(
        `{"version":1,"profiles":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        'authProfiles.store',
      );
      db.close();
      const r = await runCli(h, ['list', '--json']);
      out.deepCell = { depth: 100_000, exit: r.code, wallMs: r.ms, answered: r.stdout.startsWith('{') };
    } else {
      out.deepCell = { skipped: 'needs node:sqlite (run with Node 22.13+ or 24)' };
    }
  }
  for (const p of out.probes)
    console.log(
      `probe ${p.mode.padEnd(7)} ${p.bodyMB} MB, timeout ${p.timeoutMs} ms: ${p.status}, ${p.wallMs} ms, max RSS ${p.maxRssMiB} MiB, server sent ${p.serverSentMB} MB (closed early: ${p.closedEarly})`,
    );
  console.log(
    `status with a ${out.dotenv.sizeMB} MB .env: exit ${out.dotenv.exit}, ${out.dotenv.wallMs} ms, max RSS ${out.dotenv.maxRssMiB} MiB`,
  );
  console.log(
    out.deepCell.skipped
      ? `deep cell: skipped (${out.deepCell.skipped})`
      : `list with a cell nested ${out.deepCell.depth} deep: exit ${out.deepCell.exit}, ${out.deepCell.wallMs} ms, answered: ${out.deepCell.answered}`,
  );
  console.log(JSON.stringify(out));
}

try {
  await main();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
