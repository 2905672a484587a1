#!/usr/bin/env node
// The package users install, built and tested: `npm run package` makes out/openclaw-auth.vsix, its
// contents are checked (read from the zip's central directory, no `unzip` needed), code-server
// installs it with `--install-extension` into a clean extensions/user-data dir, and a workbench is
// opened WITHOUT any development path, so only the installed copy can load. HOME is a temp copy of
// the `basic` fixture (no OPENCLAW_STATE_DIR: the extension finds ~/.openclaw as for a user). From
// the browser: the status bar item, the fixture's profiles in the tree, an API key added through the
// Add API Key flow; then the CLI bundled in the installed folder (dist/cli.js) reads the key back.
//
//   node test/vsix/run.mjs [--no-package] [--keep]
//   OPENCLAW_AUTH_VSCODE=oldest node test/vsix/run.mjs --no-package   (the oldest supported VS Code,
//                 code-server 4.17.1 = VS Code 1.82.2 on Node 18: the store on sql.js; suite vsix-oldest)
//
//   --no-package  test the existing out/openclaw-auth.vsix instead of running `npm run package`
//   --keep        keep the run dir (server log, extensions dir, state) and print its path
//
// Each check prints `  ✔ name` or `  ✖ name: reason`; screenshots go to out/e2e-screenshots/vsix-*.png,
// the server and extension logs to out/e2e-logs/vsix-*.log, the page text after the write to
// out/e2e-dom/vsix-after-write.txt (scanned by scripts/leak-check.mjs). Prints
// `vsix: N passed, N failed` (or `vsix-oldest: …`) last; exit 0 only if every check passed. The typed key is fake and
// random, and neither it nor any fixture secret is ever printed.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { zipEntries, zipRead } from '../../scripts/lib/zip.mjs';
import { assertHostInstalled, suiteName } from '../../scripts/install-vscode-host.mjs';
import {
  FIXTURES,
  ROOT,
  SIGNAL_EXIT_CODES,
  launchChromium,
  makeRunDir,
  onTerminationSignal,
  removeRunDir,
  runCleanupsSync,
  runEnv,
  sleep,
  startCodeServer,
} from '../../scripts/lib/vscode-host.mjs';

/** `vsix`, or `vsix-oldest` in the oldest supported VS Code (OPENCLAW_AUTH_VSCODE=oldest): names the summary line, screenshots and logs. */
const SUITE = suiteName('vsix');
import { CONTAINER, EXTENSION_ID, profilesOf, until } from '../e2e/openclawView.mjs';
import { workbench } from '../e2e/workbench.mjs';

const VSIX = path.join(ROOT, 'out', 'openclaw-auth.vsix');
const SHOTS = path.join(ROOT, 'out', 'e2e-screenshots');
const LOG_DIR = path.join(ROOT, 'out', 'e2e-logs');
const DOM_DIR = path.join(ROOT, 'out', 'e2e-dom');
const FIXTURE = 'basic';
const MAX_BYTES = 2 * 1024 * 1024;

/** Ends the run after a failed check that the rest depends on (already counted and printed). */
class Stop extends Error {}

const out = (s) => process.stdout.write(`${s}\n`);
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const errText = (e) => (e instanceof Error ? e.message : String(e));

/** The environment of a child of this run without npm's `npm_*` variables (`npm run` sets many). */
const cleanEnv = (run, extra = {}) =>
  runEnv(run, {
    ...Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => /^npm_/i.test(k))
        .map((k) => [k, undefined]),
    ),
    ...extra,
  });

/** Runs a command, resolving { code, signal, stdout, stderr }; rejects after `ms` (the child is killed). */
function exec(cmd, args, { env, cwd = ROOT, ms = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(cmd)} ${args.join(' ')} timed out after ${ms / 1000} s`));
    }, ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function main(argv) {
  const opts = { pkg: !argv.includes('--no-package'), keep: argv.includes('--keep') };
  for (const a of argv) if (!['--no-package', '--keep'].includes(a)) throw new Error(`unknown option ${a}`);
  const t0 = Date.now();
  let passed = 0;
  let failed = 0;
  let page; // once the workbench is open: a failing check adds a screenshot
  const consoleLog = [];
  const ok = (name, t) => {
    passed++;
    out(`  ✔ ${name}${t ? ` (${secs(t)})` : ''}`);
  };
  const fail = (name, e) => {
    failed++;
    const text = errText(e)
      .replace(/\x1b\[[0-9;]*m/g, '')
      .trim();
    out(`  ✖ ${name}: ${text.split('\n').slice(0, 12).join('\n      ')}`);
  };
  /** Runs one check; returns its value, or undefined when it failed. */
  const check = async (name, fn) => {
    const t = Date.now();
    try {
      const v = await fn();
      ok(name, t);
      return v ?? true;
    } catch (e) {
      fail(name, e);
      if (page)
        await page.screenshot({ path: path.join(SHOTS, `${SUITE}-FAILED-${passed + failed}.png`) }).catch(() => {});
      return undefined;
    }
  };

  const host = assertHostInstalled();
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS))
    if (f.startsWith(`${SUITE}-`) && f.endsWith('.png') && (SUITE !== 'vsix' || !f.startsWith('vsix-oldest-')))
      fs.rmSync(path.join(SHOTS, f), { force: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  fs.mkdirSync(DOM_DIR, { recursive: true });

  const run = makeRunDir('vsix', { fixture: FIXTURE });
  const stateDir = path.join(run.home, '.openclaw');
  let server;
  let browser;
  let serverP;
  let browserP;
  let signal;
  let stopping = false;
  let abort;
  const aborted = new Promise((_, rej) => (abort = rej));
  aborted.catch(() => {});
  onTerminationSignal(
    (sig) => {
      signal = sig;
      abort(new Error(`interrupted by ${sig}`));
    },
    { exit: false },
  );
  /** Races a step against a time limit, a signal and code-server dying. */
  const step = (p, ms, what) => {
    let timer;
    const limit = new Promise(
      (_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms / 1000} s`)), ms)),
    );
    return Promise.race([p, limit, aborted]).finally(() => clearTimeout(timer));
  };

  try {
    // (a) the package
    if (opts.pkg) {
      const built = await check('npm run package builds out/openclaw-auth.vsix', async () => {
        fs.rmSync(VSIX, { force: true });
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const r = await step(exec(npm, ['run', 'package'], { env: process.env }), 300_000, 'npm run package');
        if (r.code !== 0) {
          const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /ERROR|Error|error|✘|failed/.test(l));
          throw new Error(
            `exit ${r.code ?? r.signal}: ${(lines.length ? lines : `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15)).join('\n')}`,
          );
        }
        if (!fs.existsSync(VSIX)) throw new Error(`it exited 0 but wrote no ${path.relative(ROOT, VSIX)}`);
      });
      if (!built) throw new Stop();
    } else if (!fs.existsSync(VSIX)) {
      throw new Error(`${path.relative(ROOT, VSIX)} does not exist (run without --no-package)`);
    }

    // (b) its contents
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const folderName = `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase();
    await check(
      'the .vsix holds the bundles, wasm, templates, package.json and README, nothing else of the repo',
      async () => {
        const buf = fs.readFileSync(VSIX);
        const entries = zipEntries(buf);
        const names = entries.map((e) => e.name);
        const files = names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
        out(
          `    ${path.relative(ROOT, VSIX)}: ${(buf.length / 1024).toFixed(1)} KiB (${buf.length} bytes), ${entries.length} entries, ${files.length} under extension/`,
        );
        const problems = [];
        const templates = fs
          .readdirSync(path.join(ROOT, 'src', 'store', 'templates'))
          .filter((f) => f.endsWith('.gz'))
          .map((f) => `dist/templates/${f}`);
        for (const want of [
          'dist/extension.js',
          'dist/main.js',
          'dist/core.js',
          'dist/cli.js',
          'dist/sql-wasm.wasm',
          ...templates,
          'package.json',
        ]) {
          if (!files.includes(want)) problems.push(`missing extension/${want}`);
        }
        if (!files.some((f) => f.toLowerCase() === 'readme.md')) problems.push('missing extension/README.md');
        for (const f of files) {
          if (
            /(^|\/)(src|test|scripts|out|node_modules)\//.test(f) ||
            /\.(map|ts|tsx|mjs)$/.test(f) ||
            /(^|\/)\./.test(f)
          )
            problems.push(`should not ship extension/${f}`);
        }
        if (buf.length >= MAX_BYTES) problems.push(`${buf.length} bytes, limit ${MAX_BYTES}`);
        const manifest = JSON.parse(
          zipRead(
            buf,
            entries.find((e) => e.name === 'extension/package.json'),
          ).toString('utf8'),
        );
        const main = path.posix.normalize(manifest.main ?? '');
        if (!files.includes(main)) problems.push(`package.json "main" ${manifest.main} is not in the package`);
        if (`${manifest.publisher}.${manifest.name}` !== EXTENSION_ID)
          problems.push(`packaged id ${manifest.publisher}.${manifest.name}, expected ${EXTENSION_ID}`);
        if (manifest.version !== pkg.version)
          problems.push(`packaged version ${manifest.version}, package.json has ${pkg.version}`);
        if (problems.length) throw new Error(problems.join('; '));
      },
    );

    // (c) install it with code-server, into this run's (empty) extensions dir
    const installed = path.join(run.extensions, folderName);
    const installOk = await check(
      'code-server --install-extension installs it into a clean extensions dir',
      async () => {
        if (fs.readdirSync(run.extensions).length) throw new Error(`${run.extensions} is not empty before the install`);
        const r = await step(
          exec(
            host.node,
            [
              host.codeServerEntry,
              '--install-extension',
              VSIX,
              '--extensions-dir',
              run.extensions,
              '--user-data-dir',
              run.userData,
            ],
            { cwd: run.dir, env: cleanEnv(run), ms: 180_000 },
          ),
          200_000,
          'code-server --install-extension',
        );
        if (r.code !== 0 || !/successfully installed/i.test(r.stdout))
          throw new Error(
            `exit ${r.code ?? r.signal}: ${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-10).join('\n')}`,
          );
        const st = fs.lstatSync(installed, { throwIfNoEntry: false });
        if (!st?.isDirectory())
          throw new Error(
            `no folder ${folderName} in the extensions dir (it has: ${fs.readdirSync(run.extensions).join(', ')})`,
          );
        for (const f of [
          'package.json',
          'dist/extension.js',
          'dist/main.js',
          'dist/core.js',
          'dist/cli.js',
          'dist/sql-wasm.wasm',
        ]) {
          if (!fs.existsSync(path.join(installed, f))) throw new Error(`the installed folder has no ${f}`);
        }
        const list = JSON.parse(fs.readFileSync(path.join(run.extensions, 'extensions.json'), 'utf8'));
        const entry = list.find((x) => x.identifier?.id === EXTENSION_ID);
        // VS Code 1.82 records no metadata.source; newer ones record "vsix".
        const source = entry?.metadata?.source;
        if (
          !entry ||
          entry.location?.path !== installed ||
          !(source === 'vsix' || (source === undefined && host.host.id === 'oldest'))
        )
          throw new Error(`extensions.json does not record ${EXTENSION_ID} from a vsix at ${installed}`);
      },
    );
    if (!installOk) throw new Stop();

    // The bundled CLI runs from the installed folder, on Node 24 (node:sqlite) and on this Node (sql.js + the shipped wasm).
    const cli = path.join(installed, 'dist', 'cli.js');
    const listIds = async (node) => {
      const r = await exec(node, [cli, 'list', '--json'], { cwd: run.dir, env: cleanEnv(run), ms: 60_000 });
      if (r.code !== 0)
        throw new Error(
          `${node} dist/cli.js list --json exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`,
        );
      let doc;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        throw new Error(`dist/cli.js list --json printed no JSON (${r.stdout.length} bytes)`);
      }
      return (doc.profiles ?? []).map((p) => p.id).sort();
    };
    const expectedIds = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, FIXTURE, 'expected', 'models-auth-list.json'), 'utf8'),
    )
      .profiles.map((p) => p.id)
      .sort();
    await check(
      `the installed dist/cli.js runs: --version, list --json on Node 24 and on Node ${process.versions.node.split('.')[0]}`,
      async () => {
        const v = await exec(host.node24, [cli, '--version'], { cwd: run.dir, env: cleanEnv(run), ms: 60_000 });
        if (v.code !== 0 || v.stdout.trim() !== `openclaw-auth ${pkg.version}`)
          throw new Error(`--version: exit ${v.code}, "${v.stdout.trim().slice(0, 80)}"`);
        for (const node of [host.node24, process.execPath]) {
          const ids = await listIds(node);
          if (ids.join(',') !== expectedIds.join(','))
            throw new Error(`${node}: profiles ${ids.join(', ')}; the fixture has ${expectedIds.join(', ')}`);
        }
      },
    );

    // (d) a workbench on the installed copy only: no extensionDevelopmentPath, HOME = the fixture copy
    const t = Date.now();
    serverP = startCodeServer(host, run, { env: cleanEnv(run) });
    server = await step(serverP, 120_000, 'code-server start');
    void server.exited.then(({ code, signal: sig }) => {
      if (!stopping) abort(new Error(`code-server exited (${code ?? sig})`));
    });
    const cmdline = fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.some((a) => /extensionDevelopmentPath|extensions-dev/i.test(a)))
      throw new Error(`code-server was started with a development path: ${cmdline.join(' ')}`);
    browserP = launchChromium(host, run);
    browser = await step(browserP, 60_000, 'Chromium launch');
    page = browser.page;
    page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.stack ?? e}`));
    await step(
      page.goto(`${server.url}?folder=${encodeURIComponent(run.workspace)}`, {
        waitUntil: 'domcontentloaded',
        timeout: 60_000,
      }),
      90_000,
      'workbench load',
    );
    const wb = workbench(page);
    await step(wb.ready(), 90_000, 'workbench start');
    out(`    workbench ready after ${secs(t)} (${server.url})`);
    const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${SUITE}-${name}.png`) });

    const activated = await check(
      `the installed extension activates: status bar item, and its log names the fixture state dir and the store engine (${host.host.id === 'oldest' ? 'sql.js' : 'node:sqlite'})`,
      async () => {
        const item = wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status');
        await step(item.waitFor({ state: 'visible', timeout: 60_000 }), 70_000, 'the OpenClaw status bar item');
        if (!(await item.innerText()).trim()) throw new Error('the status bar item has no text');
        // The extension's LogOutputChannel file (code-server writes it under the user-data dir).
        const logFile = await until(
          page,
          () => findFile(path.join(run.userData, 'logs'), (f) => f.endsWith('.log') && f.includes(EXTENSION_ID)),
          `the log file of ${EXTENSION_ID} under ${run.userData}/logs`,
          30_000,
        );
        const line = await until(
          page,
          () =>
            fs
              .readFileSync(logFile, 'utf8')
              .split('\n')
              .find((l) => l.includes('Activated; state dir')),
          '"Activated; state dir" in the extension log',
          30_000,
        );
        if (!line.includes(`state dir ${stateDir},`))
          throw new Error(`log: ${line.trim()} (expected state dir ${stateDir})`);
        // The store engine follows the extension host's Node: 1.82's Node 18 has no node:sqlite, so sql.js
        // (and the shipped wasm) serves the tree; 1.139's Node 24 uses node:sqlite.
        const engine =
          host.host.id === 'oldest'
            ? `store engine sql.js on Node ${host.nodeVersion}`
            : 'store engine node:sqlite on Node ';
        if (!line.includes(engine)) throw new Error(`log: ${line.trim()} (expected "${engine}")`);
        const hostLog = findFile(path.join(run.userData, 'logs'), (f) => path.basename(f) === 'remoteexthost.log');
        if (!hostLog || !fs.readFileSync(hostLog, 'utf8').includes(`_doActivateExtension ${EXTENSION_ID},`))
          throw new Error(`the extension host log does not record activating ${EXTENSION_ID}`);
        // The only place it can have come from: the extensions dir holds just the installed folder (a
        // real directory, not a link to the repo) and code-server runs without a development path.
        const dirs = fs.readdirSync(run.extensions).filter((f) => f !== 'extensions.json' && !f.startsWith('.'));
        if (dirs.join(',') !== folderName) throw new Error(`extensions dir holds ${dirs.join(', ')}`);
        if (fs.lstatSync(installed).isSymbolicLink()) throw new Error('the installed folder is a symlink');
        await page.waitForTimeout(300);
        await shot('1-activated');
      },
    );

    if (activated) {
      await check('the Extensions view lists OpenClaw Auth among the installed extensions', async () => {
        // The activity bar's Extensions item: its view lists what is installed (offline: no Marketplace) in
        // every VS Code; the palette command's title differs between 1.82 and 1.139.
        await wb.activityBarItem('Extensions').click();
        const row = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'OpenClaw Auth' }).first();
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        await page.waitForTimeout(500);
        await shot('2-installed-extensions');
      });

      // The fixture's profiles in the tree
      await check(`the OpenClaw view shows the ${FIXTURE} fixture's profiles (${expectedIds.join(', ')})`, async () => {
        await step(wb.openViewContainer('OpenClaw', CONTAINER), 40_000, 'opening the OpenClaw view');
        await wb.setSideBarWidth(620);
        await wb.viewRows(CONTAINER, 'Agent main').first().waitFor({ timeout: 30_000 });
        const seen = async () =>
          (await wb.treeItems(CONTAINER))
            .filter((x) => x.agent === 'Agent main' && x.level === 3)
            .map((x) => x.label)
            .sort();
        try {
          await until(
            page,
            async () => (await seen()).join(',') === expectedIds.join(','),
            'the profiles in the tree',
            30_000,
          );
        } catch {
          throw new Error(
            `the tree shows ${(await seen()).join(', ') || 'no profile'}; the fixture has ${expectedIds.join(', ')}`,
          );
        }
        await page.waitForTimeout(300);
        await shot('3-view');
      });

      // (e) a write through the UI, read back by the installed CLI
      const key = `gsk_vsix-fake-${crypto.randomBytes(18).toString('hex')}`;
      const saved = await check('add an API key (groq:manual) through "OpenClaw: Add API Key"', async () => {
        const quick = page.locator('.quick-input-widget');
        const input = quick.locator('.quick-input-box input');
        const title = quick.locator('.quick-input-title');
        const atStep = (re, what) => until(page, async () => re.test(await title.innerText().catch(() => '')), what);
        await wb.runCommand('OpenClaw: Add API Key');
        // One agent: provider, profile ID, key.
        await atStep(/^Add API Key \(1\/3\)$/, 'the provider picker (Add API Key (1/3))');
        await input.fill('groq');
        await quick.locator('.monaco-list-row', { hasText: 'groq' }).first().waitFor();
        await page.keyboard.press('Enter');
        await atStep(/^Add API Key \(2\/3\)$/, 'the profile ID box (Add API Key (2/3))');
        const suggested = await input.inputValue();
        if (suggested !== 'groq:manual') throw new Error(`suggested profile id "${suggested}", expected groq:manual`);
        await page.keyboard.press('Enter');
        await atStep(/^Add API Key \(3\/3\)$/, 'the key box (Add API Key (3/3))');
        if ((await input.getAttribute('type')) !== 'password') throw new Error('the key box is not a password input');
        await input.pressSequentially(key, { delay: 2 });
        await page.keyboard.press('Enter');
        await wb.notification('Saved API key groq:manual.');
        await until(
          page,
          async () => (await profilesOf(wb, 'main', 'groq')).some((r) => r.label === 'groq:manual'),
          'groq:manual in the tree',
        );
        await page.waitForTimeout(300);
        await shot('4-key-added');
        const text = await wb.domText();
        fs.writeFileSync(path.join(DOM_DIR, `${SUITE}-after-write.txt`), text);
        if (text.includes(key)) throw new Error('the typed key is in the page text');
      });
      if (saved) {
        await check('the installed dist/cli.js (Node 24) lists groq:manual in the state the UI wrote', async () => {
          const ids = await listIds(host.node24);
          if (!ids.includes('groq:manual')) throw new Error(`list --json shows ${ids.join(', ')}`);
          const want = [...expectedIds, 'groq:manual'].sort();
          if (ids.join(',') !== want.join(','))
            throw new Error(`list --json shows ${ids.join(', ')}, expected ${want.join(', ')}`);
        });
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) fail(signal ? 'interrupted' : 'run', e);
    if (browser) await browser.page.screenshot({ path: path.join(SHOTS, `${SUITE}-FAILED.png`) }).catch(() => {});
  } finally {
    stopping = true;
    const settled = (p) => (p ? Promise.race([p.catch(() => undefined), sleep(60_000)]) : Promise.resolve(undefined));
    await Promise.all([
      settled(browserP).then((b) => (browser ?? b)?.close()),
      settled(serverP).then((s) => (server ?? s)?.stop()),
    ]);
    runCleanupsSync();
    copyLogs(run);
    fs.writeFileSync(path.join(LOG_DIR, `${SUITE}-console.log`), consoleLog.map((l) => `${l}\n`).join(''));
    if (opts.keep) out(`${SUITE}: run dir kept at ${run.dir}`);
    else removeRunDir(run);
  }
  out(
    `\n${SUITE}: finished in ${secs(t0)} (VS Code ${host.vscodeVersion}); screenshots in ${path.relative(ROOT, SHOTS)}/${SUITE}-*.png`,
  );
  return { passed, failed, signal };
}

/** The first file under `dir` (depth-first) for which `pred(path)` holds, or undefined. */
function findFile(dir, pred) {
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const f = findFile(p, pred);
      if (f) return f;
    } else if (pred(p)) return p;
  }
  return undefined;
}

function copyLogs(run) {
  try {
    fs.copyFileSync(run.serverLog, path.join(LOG_DIR, `${SUITE}-server.log`));
  } catch {
    // no log
  }
  const ext = findFile(path.join(run.userData, 'logs'), (f) => f.endsWith('.log') && f.includes(EXTENSION_ID));
  if (ext) fs.copyFileSync(ext, path.join(LOG_DIR, `${SUITE}-extension.log`));
}

let r;
try {
  r = await main(process.argv.slice(2));
} catch (e) {
  out(`  ✖ setup: ${errText(e)}`);
  r = { passed: 0, failed: 1 };
}
out(`${SUITE}: ${r.passed} passed, ${r.failed} failed`);
process.exit(r.signal ? SIGNAL_EXIT_CODES[r.signal] : r.failed === 0 && r.passed > 0 ? 0 : 1);
