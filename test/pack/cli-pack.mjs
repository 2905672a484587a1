#!/usr/bin/env node
// The CLI as npm users get it: `npm pack` gives a tarball of runtime files only, which installs
// globally (`npm install -g <tgz>` into a temp prefix, offline: the CLI is bundled, so there is
// nothing to fetch) and runs on Node 20 (sql.js), 22 and 24 (node:sqlite).
//
//   node test/pack/cli-pack.mjs [--production]
//
// Packs the existing dist/ (built by `node esbuild.mjs` first when dist/cli.js is missing or older
// than src/) with --ignore-scripts, so the shared dist/ is not rebuilt under other runs;
// --production lets npm's prepack build it for production first, as a real `npm pack` does.
// Node 20 is the Node running this script; Node 22 and 24 are the `node` npm packages, installed
// (re-runnably) into ${OPENCLAW_AUTH_TEST_CACHE:-~/.cache/openclaw-auth-tests}/node22 and node24
// the way scripts/install-openclaw.mjs installs Node 24. Each check prints "  ✔ name" or
// "  ✖ name: reason"; the last line is "cli-pack: N passed, N failed" (exit 1 on any failure).
// The fixture holds fake keys: outputs are asserted on, never printed.
import { spawnSync } from 'node:child_process';
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import {
  acquireLock,
  ensurePrefixDir,
  installedVersion,
  npmEnv,
  resolveCacheDir,
  resolvePaths,
  runNpm,
  NODE_VERSION as NODE24_VERSION,
} from '../../scripts/install-openclaw.mjs';

const NODE22_VERSION = '22.23.3';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const FIXTURE = path.join(root, 'test', 'fixtures', 'openclaw-2026.9.6', 'basic');
/** Everything the tarball may hold, and must: the bundle, what it loads at run time, and the docs. */
const RUNTIME_FILES = [
  'LICENSE',
  'README.md',
  'dist/cli.js',
  'dist/core.js',
  'dist/sql-wasm.wasm',
  'dist/templates/agent.sqlite.gz',
  'dist/templates/shared.sqlite.gz',
  'package.json',
];
/** A fake key for the add-key check (the store's templates): never printed. */
const FAKE_KEY = 'sk-or-v1-fake-pack-0123456789abcdef0123456789abcdef0123456789abcdef';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-pack-'));
let passed = 0;
let failed = 0;

/** Key-like runs are masked in failure reasons (npm or CLI stderr), so no secret reaches a log. */
const redact = (t) =>
  String(t)
    .replace(/\b(sk-[\w-]{6,}|[\w-]{32,})/g, '***')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    process.stdout.write(`  ✔ ${name}${note ? ` (${note})` : ''} [${((Date.now() - t0) / 1000).toFixed(1)} s]\n`);
    return true;
  } catch (e) {
    failed++;
    process.stdout.write(`  ✖ ${name}: ${redact(e instanceof Error ? e.message : e)}\n`);
    return false;
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${path.basename(cmd)} ${args[0] ?? ''} could not run: ${r.error.message}`);
  return r;
}

const why = (r) => `exit ${r.status ?? r.signal}; stderr: ${redact(r.stderr) || '(empty)'}`;

/** The newest mtime under a directory. */
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Waits (up to 2 min) until no process works in `dir` (Linux: /proc/<pid>/cwd; elsewhere no wait). */
async function quiet(dir) {
  const busy = () => {
    if (!fs.existsSync('/proc/self/cwd')) return [];
    return fs
      .readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
      .filter((pid) => {
        try {
          const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
          return cwd === dir || cwd.startsWith(`${dir}${path.sep}`);
        } catch {
          return false;
        }
      });
  };
  for (const until = Date.now() + 120_000; Date.now() < until;) {
    const pids = busy();
    if (!pids.length) return;
    process.stdout.write(`  … waiting for an earlier install in ${dir} to stop (pid ${pids.join(', ')})\n`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Installs the `node` npm package at `version` into <cache>/<dirName> unless it is there and runs.
 * Under the cache's install lock; a half-finished earlier install (no hidden lockfile, or no
 * binary) is removed first, since npm would take its package.json for an installed package.
 */
async function ensureNode(dirName, version) {
  const dir = path.join(resolveCacheDir(), dirName);
  const bin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  const ready = () =>
    installedVersion(dir, 'node') === version &&
    fs.existsSync(bin) &&
    spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).stdout?.trim() === `v${version}`;
  if (ready()) return { bin, note: 'cached' };
  fs.mkdirSync(resolveCacheDir(), { recursive: true });
  const release = await acquireLock(resolvePaths());
  try {
    if (ready()) return { bin, note: 'cached' };
    // An interrupted install's npm processes outlive it for a few seconds (npm cleans up after
    // SIGTERM, by absolute paths): wait for them, then move their tree aside.
    await quiet(dir);
    const old = path.join(dir, 'node_modules');
    if (fs.existsSync(old)) {
      const aside = `${old}.stale-${process.pid}-${Date.now()}`;
      fs.renameSync(old, aside);
      try {
        fs.rmSync(aside, { recursive: true, force: true, maxRetries: 5 });
      } catch {
        /* left for the next run's clean-up */
      }
    }
    ensurePrefixDir(dir);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('node_modules.stale-'))
        try {
          fs.rmSync(path.join(dir, e.name), { recursive: true, force: true });
        } catch {
          /* still busy */
        }
    }
    await runNpm(dir, ['install', '--no-audit', '--no-fund', '--save-exact', `node@${version}`], npmEnv());
    if (!ready()) throw new Error(`node@${version} installed but ${bin} does not report v${version}`);
    return { bin, note: `installed from the npm registry into ${dir}` };
  } finally {
    release();
  }
}

const nativeExpected = (v) => {
  const [major, minor] = v.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
};

process.stdout.write(`cli-pack: ${pkg.name}@${pkg.version}, temp dir ${tmp}\n`);
let tgz;
let entries = [];
try {
  await check(
    process.argv.includes('--production') ? 'npm pack (prepack builds for production)' : 'npm pack (the current dist/)',
    () => {
      const production = process.argv.includes('--production');
      let note = production ? 'production build' : 'existing dist/';
      const cli = path.join(root, 'dist', 'cli.js');
      if (!production && (!fs.existsSync(cli) || fs.statSync(cli).mtimeMs < newest(path.join(root, 'src')))) {
        const b = run(process.execPath, ['esbuild.mjs'], { cwd: root });
        assert.equal(b.status, 0, `node esbuild.mjs failed: ${why(b)}`);
        note = 'dist/ rebuilt (was missing or older than src/)';
      }
      const dest = path.join(tmp, 'pack');
      fs.mkdirSync(dest);
      const r = run(
        'npm',
        ['pack', '--pack-destination', dest, '--json', ...(production ? [] : ['--ignore-scripts'])],
        { cwd: root, env: npmEnv() },
      );
      assert.equal(r.status, 0, `npm pack failed: ${why(r)}`);
      const name = `${pkg.name}-${pkg.version}.tgz`;
      tgz = path.join(dest, name);
      assert.ok(fs.existsSync(tgz), `${name} not written (found: ${fs.readdirSync(dest).join(', ') || 'nothing'})`);
      return `${note}; ${name}, ${(fs.statSync(tgz).size / 1024).toFixed(0)} kB`;
    },
  );

  if (tgz) {
    await check('tarball holds the runtime files only', () => {
      const r = run('tar', ['tzf', tgz]);
      assert.equal(r.status, 0, `tar tzf failed: ${why(r)}`);
      entries = r.stdout
        .split('\n')
        .filter((l) => l && !l.endsWith('/'))
        .map((l) => l.replace(/^package\//, ''))
        .sort();
      const extra = entries.filter((e) => !RUNTIME_FILES.includes(e));
      const missing = RUNTIME_FILES.filter((e) => !entries.includes(e));
      assert.deepEqual(
        { extra, missing },
        { extra: [], missing: [] },
        `missing: ${missing.join(', ') || 'none'}; ${extra.length} extra: ${extra.slice(0, 8).join(', ') || 'none'}`,
      );
      return entries.join(', ');
    });
    await check('tarball package.json: bin openclaw-auth, no runtime dependencies, engines node >=20', () => {
      const r = run('tar', ['xzf', tgz, '-C', tmp, 'package/package.json', 'package/dist/cli.js']);
      assert.equal(r.status, 0, `tar xzf failed: ${why(r)}`);
      const m = JSON.parse(fs.readFileSync(path.join(tmp, 'package', 'package.json'), 'utf8'));
      assert.equal(path.posix.normalize(String(m.bin?.['openclaw-auth'])), 'dist/cli.js', 'bin');
      assert.deepEqual(
        Object.keys(m.dependencies ?? {}),
        [],
        'dependencies (the CLI is bundled: a global install must fetch nothing)',
      );
      assert.equal(m.engines?.node, '>=20');
      assert.match(
        fs.readFileSync(path.join(tmp, 'package', 'dist', 'cli.js'), 'utf8').slice(0, 40),
        /^#!\/usr\/bin\/env node\n/,
        'dist/cli.js shebang',
      );
    });
  }

  const nodes = [{ label: `Node ${process.version} (this Node)`, dir: undefined, bin: process.execPath }];
  await check(`Node ${NODE22_VERSION} from the npm registry (node@${NODE22_VERSION})`, async () => {
    const n = await ensureNode('node22', NODE22_VERSION);
    nodes.push({ label: `Node v${NODE22_VERSION}`, bin: n.bin });
    return n.note;
  });
  await check(`Node ${NODE24_VERSION} from the npm registry (node@${NODE24_VERSION})`, async () => {
    const n = await ensureNode('node24', NODE24_VERSION);
    nodes.push({ label: `Node v${NODE24_VERSION}`, bin: n.bin });
    return n.note;
  });

  const expectedList = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected', 'models-auth-list.json'), 'utf8'));
  const statusSummaries = new Map();
  for (const node of nodes) {
    if (!tgz) break;
    const t0 = Date.now();
    const version = run(node.bin, ['--version']).stdout.trim();
    const native = nativeExpected(version);
    process.stdout.write(`\n${node.label}: ${node.bin} (store engine: ${native ? 'node:sqlite' : 'sql.js'})\n`);
    const work = fs.mkdtempSync(path.join(tmp, `${version}-`));
    const prefix = path.join(work, 'prefix');
    const nodeDir = path.dirname(node.bin);
    // The Node under test first on PATH: npm runs on it, and the CLI's `#!/usr/bin/env node` finds it.
    const env = { ...npmEnv(nodeDir) };
    const cliEnv = (home, extra = {}) => ({
      PATH: `${nodeDir}${path.delimiter}/usr/bin${path.delimiter}/bin`,
      HOME: home,
      TMPDIR: work,
      ...extra,
    });
    const bin = path.join(prefix, 'bin', 'openclaw-auth');
    const cli = (args, home, opts = {}) =>
      run(bin, args, { cwd: work, env: cliEnv(home, opts.env), input: opts.input ?? '' });
    const fixtureHome = () => {
      const h = fs.mkdtempSync(path.join(work, 'home-'));
      fs.cpSync(path.join(FIXTURE, 'home'), h, { recursive: true });
      return h;
    };

    const installed = await check(`${node.label}: npm install -g <tgz> into a temp prefix (offline)`, () => {
      const shebang = run('/usr/bin/env', ['node', '--version'], { env: cliEnv(work) }).stdout.trim();
      assert.equal(shebang, version, `#!/usr/bin/env node would run ${shebang || 'nothing'}, not the Node under test`);
      const r = run(
        'npm',
        [
          'install',
          '-g',
          '--prefix',
          prefix,
          '--cache',
          path.join(work, 'npm-cache'),
          '--offline',
          '--no-audit',
          '--no-fund',
          '--loglevel',
          'error',
          tgz,
        ],
        { cwd: work, env },
      );
      assert.equal(r.status, 0, `npm install -g failed: ${why(r)}`);
      assert.ok(fs.existsSync(bin), `${bin} missing`);
      const pkgDir = path.join(prefix, 'lib', 'node_modules', pkg.name);
      assert.ok(!fs.existsSync(path.join(pkgDir, 'node_modules')), 'the installed package pulled dependencies');
      return `npm ${run('npm', ['--version'], { env }).stdout.trim()} on ${version}`;
    });
    if (!installed) continue;

    await check(`${node.label}: openclaw-auth --version and -v print ${pkg.version}`, () => {
      for (const a of ['--version', '-v']) {
        const r = cli([a], work);
        assert.equal(r.status, 0, `${a}: ${why(r)}`);
        assert.equal(r.stdout.trim(), `openclaw-auth ${pkg.version}`, `${a} output`);
      }
    });
    await check(`${node.label}: openclaw-auth --help prints the usage, exit 0`, () => {
      const r = cli(['--help'], work);
      assert.equal(r.status, 0, why(r));
      assert.match(r.stdout, /^Usage: openclaw-auth <command>/, 'usage on stdout');
      assert.match(r.stdout, /\blist \[--provider P\] \[--json\]/, 'lists the commands');
    });
    await check(`${node.label}: list --json on the basic fixture equals openclaw's models auth list --json`, () => {
      const r = cli(['list', '--json'], fixtureHome());
      assert.equal(r.status, 0, why(r));
      let doc;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        throw new Error('stdout is not JSON');
      }
      const ids = (doc.profiles ?? []).map((p) => p.id);
      assert.deepEqual(
        ids,
        expectedList.profiles.map((p) => p.id),
        `profile ids ${ids.join(', ')}`,
      );
      assert.ok(
        !r.stdout.includes('sk-or-v1-fake-manual') && !r.stdout.includes('sk-ant-oat01-fake'),
        'a raw key in the output',
      );
      assert.ok(
        isDeepEqual(doc, expectedList),
        'the document differs from expected/models-auth-list.json (profile ids equal)',
      );
      return ids.join(', ');
    });
    await check(`${node.label}: status --json on ${native ? 'node:sqlite' : 'sql.js'}`, () => {
      const r = cli(['status', '--json'], fixtureHome(), {
        env: { OPENCLAW_AUTH_SQLITE_ENGINE: native ? 'native' : 'sqljs' },
      });
      assert.equal(r.status, 0, why(r));
      const doc = JSON.parse(r.stdout);
      const summary = doc.providers
        .map((p) => `${p.provider}=${p.status}[${p.profiles.map((x) => `${x.id}:${x.status}`).join(' ')}]`)
        .join('; ');
      assert.ok(
        doc.providers.some((p) => p.provider === 'openrouter') && doc.providers.some((p) => p.provider === 'anthropic'),
        `providers: ${doc.providers.map((p) => p.provider).join(', ')}`,
      );
      assert.deepEqual(
        doc.providers.find((p) => p.provider === 'openrouter').order.resolved,
        ['openrouter:backup', 'openrouter:manual'],
        'openrouter order',
      );
      statusSummaries.set(node.label, summary);
      const first = [...statusSummaries.values()][0];
      assert.equal(summary, first, "status differs from the first Node's");
      return `${doc.providers.length} providers, same as ${[...statusSummaries.keys()][0]}`;
    });
    await check(`${node.label}: the default engine is ${native ? 'node:sqlite' : 'sql.js'}`, () => {
      // OPENCLAW_AUTH_SQLITE_ENGINE=native insists on node:sqlite: it works exactly where the default is native.
      const r = cli(['status', '--json'], fixtureHome(), { env: { OPENCLAW_AUTH_SQLITE_ENGINE: 'native' } });
      if (native) assert.equal(r.status, 0, why(r));
      else {
        assert.notEqual(r.status, 0, 'node:sqlite loaded on a Node expected to lack it');
        assert.match(r.stderr, /has no built-in SQLite/, 'the refusal says why');
      }
      const d = cli(['status', '--json'], fixtureHome());
      assert.equal(d.status, 0, `default engine: ${why(d)}`);
    });
    await check(`${node.label}: add-key into a new state (the packaged DB templates and sql-wasm)`, () => {
      const h = fs.mkdtempSync(path.join(work, 'empty-'));
      const stateDir = path.join(h, 'state');
      const add = cli(['add-key', '--provider', 'groq', '--state-dir', stateDir, '--create', '--json'], h, {
        input: `${FAKE_KEY}\n`,
      });
      assert.equal(add.status, 0, why(add));
      assert.ok(!add.stdout.includes(FAKE_KEY) && !add.stderr.includes(FAKE_KEY), 'the key was echoed');
      const list = cli(['list', '--json', '--state-dir', stateDir], h);
      assert.equal(list.status, 0, why(list));
      assert.deepEqual(
        JSON.parse(list.stdout).profiles.map((p) => p.id),
        ['groq:manual'],
      );
      assert.ok(!list.stdout.includes(FAKE_KEY), 'list printed the key');
    });
    process.stdout.write(`  ${node.label}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
} catch (e) {
  failed++;
  process.stdout.write(`  ✖ cli-pack crashed: ${redact(e instanceof Error ? e.message : e)}\n`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

function isDeepEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

process.stdout.write(`\ncli-pack: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
