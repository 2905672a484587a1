#!/usr/bin/env node
// Builds the extension and starts a real VS Code (code-server 4.139.1 = VS Code 1.139.1, on
// 127.0.0.1, no auth) with it installed, then waits until Ctrl-C / SIGTERM and cleans up.
//
//   node scripts/start-vscode.mjs [--state-dir DIR] [--port N] [--folder DIR] [--no-install] [--verbose]
//
//   (default)        a demo state made from scratch (scripts/make-demo-state.ts: agents main, work,
//                    nightly; ok, expiring, expired, cooling, disabled, unresolved-ref, excluded and
//                    config-only profiles) in a temp dir (removed on exit); HOME points at it
//   --state-dir DIR  use this OpenClaw state dir instead (your HOME is kept, so ~ and env-backed
//                    secrets resolve as usual; the extension writes there!)
//   --port N         listen on 127.0.0.1:N (default: a free port)
//   --folder DIR     folder to open (default: an empty temp folder)
//   --no-install     fail instead of installing code-server/Node 24/Chromium when they are missing
//   --verbose        show code-server's own log on the terminal
//
// The extension host inherits OPENCLAW_STATE_DIR from code-server. Open the printed URL in a
// browser on this machine (or forward the port: ssh -L N:127.0.0.1:N host).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CODE_SERVER_VERSION,
  VSCODE_VERSION,
  assertHostInstalled,
  installVscodeHost,
  missingParts,
} from './install-vscode-host.mjs';
import {
  ROOT,
  SIGNAL_EXIT_CODES,
  linkExtension,
  makeRunDir,
  onTerminationSignal,
  removeRunDir,
  runCleanupsSync,
  startCodeServer,
} from './lib/vscode-host.mjs';

function parseArgs(argv) {
  const o = { install: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--state-dir') o.stateDir = path.resolve(val());
    else if (a === '--port') o.port = Number(val());
    else if (a === '--folder') o.folder = path.resolve(val());
    else if (a === '--no-install') o.install = false;
    else if (a === '--verbose') o.verbose = true;
    else throw new Error(`unknown option ${a} (see the header of scripts/start-vscode.mjs)`);
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536))
    throw new Error('--port needs a port number');
  if (o.stateDir && !fs.existsSync(o.stateDir)) throw new Error(`--state-dir ${o.stateDir} does not exist`);
  if (o.folder && !fs.existsSync(o.folder)) throw new Error(`--folder ${o.folder} does not exist`);
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (missingParts().length) {
    if (!o.install) assertHostInstalled();
    console.log('Installing the VS Code host (code-server, Node 24, Chromium) on first use ...');
    await installVscodeHost();
  }
  const host = assertHostInstalled();
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed (node esbuild.mjs)');

  const run = makeRunDir('start');
  let server;
  let serverP;
  let stopping;
  const stop = async () => {
    stopping ??= (async () => {
      server ??= await serverP?.catch(() => undefined); // Ctrl-C during start-up: wait, then stop it
      await server?.stop();
      runCleanupsSync();
      removeRunDir(run);
    })();
    return stopping;
  };
  let signal;
  onTerminationSignal(
    async (sig) => {
      signal = sig;
      console.log(`\n${sig}: stopping code-server ...`);
      await stop();
    },
    { exit: false },
  );
  // `npm start` runs this script as its child, and npm exits on SIGTERM without passing it on:
  // the parent changing (re-parented to init) means whoever started us is gone, so stop too.
  const parent = process.ppid;
  const watchParent = setInterval(() => {
    if (process.ppid === parent || signal) return;
    clearInterval(watchParent);
    signal = 'SIGTERM';
    console.log('\nThe command that started this (npm) has exited: stopping code-server ...');
    void stop().then(() => process.exit(SIGNAL_EXIT_CODES.SIGTERM));
  }, 500);
  watchParent.unref();

  const env = {};
  let stateDir = o.stateDir;
  if (stateDir) {
    env.HOME = process.env.HOME; // the user's own state: keep their HOME
  } else {
    // The demo state is made from scratch by the project's own writer (scripts/make-demo-state.ts).
    const made = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(ROOT, 'scripts', 'make-demo-state.ts'), run.home],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`could not create the demo state: ${made.stderr.trim()}`);
    stateDir = path.join(run.home, '.openclaw');
  }
  env.OPENCLAW_STATE_DIR = stateDir;
  const extensionId = linkExtension(run);
  serverP = startCodeServer(host, run, {
    env,
    port: o.port,
    folder: o.folder ?? run.workspace,
    stdio: o.verbose ? ['ignore', 'inherit', 'inherit'] : undefined,
  });
  try {
    server = await serverP;
  } catch (e) {
    await stop();
    throw e;
  }
  if (signal) {
    await stop(); // Ctrl-C during start-up
    process.exit(SIGNAL_EXIT_CODES[signal]);
  }
  const url = `${server.url}?folder=${encodeURIComponent(o.folder ?? run.workspace)}`;
  console.log(`
OpenClaw Auth in VS Code (code-server ${CODE_SERVER_VERSION}, VS Code ${VSCODE_VERSION})
  extension:  ${extensionId} from ${ROOT}
  state dir:  ${stateDir}${o.stateDir ? '' : '  (demo state made from scratch; removed on exit)'}
  server log: ${o.verbose ? '(on this terminal)' : run.serverLog}

  Open ${url}

Press Ctrl-C to stop.`);
  const { code, signal: sig } = await server.exited;
  if (!signal) {
    console.error(`code-server exited (${code ?? sig}).`);
    if (!o.verbose) {
      try {
        console.error(fs.readFileSync(run.serverLog, 'utf8').trim().split('\n').slice(-30).join('\n'));
      } catch {
        // no log
      }
    }
  }
  await stop();
  process.exit(signal ? SIGNAL_EXIT_CODES[signal] : 1);
}

main().catch((e) => {
  console.error(`start-vscode: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e?.exitCode === 3 ? 3 : 1);
});
