/**
 * The supervisor's pure parts in plain Node: resolving the openclaw command and the Node that runs
 * it (a too-old Node is named), the logged command line (token masked, never an argument), and the
 * gateway token taken from openclaw.json (literal or SecretRef, resolved, never copied).
 * Crash restarts and give-up with real child processes: a small node script stands in for a
 * gateway (answers /readyz, or dies at start, or dies on a signal); the supervisor's clock is
 * injected so "ready for 60 s, then dies" needs no minute of waiting.
 * The process parts also run against the real gateway in test/interop/gateway.test.ts.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { alive, CommandError, nodeSupported, parseNodeVersion, resolveCommand } from '../../../src/gateway/process';
import { GatewaySupervisor, type GatewayState } from '../../../src/gateway/supervisor';
import { chooseToken, readGatewayConfig } from '../../../src/gateway/token';
import { waitFor } from '../../helpers/wait';
import { probeGateway } from '../../../src/gateway/health';

const TOKEN = 'sup-unit-token-fake-0123456789abcdef';

describe('gateway supervisor: command, Node check, token', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-sup-'));
    fs.writeFileSync(path.join(dir, 'openclaw'), '#!/usr/bin/env node\nconsole.log("hi")\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('openclaw on PATH run by a Node older than 24.16 is refused with the version and what to do', () => {
    // A Node 22 on PATH (a stand-in answering `node --version` as Node 22.12 does).
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-node22-'));
    try {
      fs.writeFileSync(path.join(old, 'node'), '#!/bin/sh\necho v22.12.0\n', { mode: 0o755 });
      assert.throws(
        () => resolveCommand({ env: { PATH: [dir, old].join(path.delimiter) } }),
        (e: Error) => {
          assert.ok(e instanceof CommandError);
          assert.equal(e.kind, 'node-too-old');
          assert.match(e.message, /needs Node\.js 24\.16\+ .*is v22\.12\.0.*gateway\.nodePath/);
          return true;
        },
      );
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
    // The Node running this suite (20 in CI): refused exactly when openclaw's engines rule says so.
    const env = { PATH: [dir, path.dirname(process.execPath)].join(path.delimiter) };
    const refused = (() => {
      try {
        resolveCommand({ env });
        return false;
      } catch (e) {
        return e instanceof CommandError && e.kind === 'node-too-old';
      }
    })();
    assert.equal(refused, !nodeSupported(parseNodeVersion(process.version)!));
  });

  it('no openclaw on PATH, or a setting that points nowhere: clear messages', () => {
    assert.throws(
      () => resolveCommand({ env: { PATH: dir + '-none' } }),
      /openclaw command was not found on PATH.*openclawAuth\.openclawPath/,
    );
    assert.throws(
      () => resolveCommand({ setting: path.join(dir, 'nope'), env: { PATH: '' } }),
      /openclawAuth\.openclawPath points to .*nope, which does not exist/,
    );
  });

  it("Node version rule is openclaw's engines range", () => {
    const ok = (v: string) => nodeSupported(parseNodeVersion(v)!);
    assert.deepEqual(
      ['v20.19.0', 'v22.12.0', 'v24.15.9', 'v24.16.0', 'v25.2.0', 'v26.0.0', 'v26.1.0', 'v27.0.0'].map(ok),
      [false, false, false, true, false, false, true, true],
    );
  });

  it('the logged command line has the token masked and no token argument', () => {
    const lines: string[] = [];
    const sup = new GatewaySupervisor({
      port: 18789,
      env: {},
      token: TOKEN,
      allowUnconfigured: true,
      log: { info: (m) => lines.push(m), warn: () => undefined, error: () => undefined, output: () => undefined },
    });
    const args = sup.gatewayArgs();
    assert.deepEqual(args, [
      'gateway',
      'run',
      '--bind',
      'loopback',
      '--auth',
      'token',
      '--port',
      '18789',
      '--allow-unconfigured',
    ]);
    const line = sup.describeCommand(
      { file: '/usr/bin/node', prefixArgs: ['/x/openclaw.mjs'], openclaw: '/x/openclaw' },
      args,
    );
    assert.equal(
      line,
      'OPENCLAW_GATEWAY_TOKEN=sup-unit...89abcdef /usr/bin/node /x/openclaw.mjs gateway run --bind loopback --auth token --port 18789 --allow-unconfigured',
    );
    assert.ok(!line.includes(TOKEN));
  });

  it('token: gateway.auth.token literal wins, a SecretRef is resolved, an unresolved ref says which, else the stored token', async () => {
    const resolve = { env: { GW_TOKEN_FAKE: TOKEN } };
    const lit = await chooseToken(readGatewayConfig({ gateway: { mode: 'local', auth: { token: TOKEN } } }), {
      stored: 'other',
      env: {},
      resolve,
    });
    assert.deepEqual([lit.token, lit.source, lit.fromConfig], [TOKEN, 'config', true]);
    const ref = await chooseToken(
      readGatewayConfig({ gateway: { auth: { token: { source: 'env', provider: 'default', id: 'GW_TOKEN_FAKE' } } } }),
      { stored: 'other', env: {}, resolve },
    );
    assert.deepEqual([ref.token, ref.source], [TOKEN, 'config-ref']);
    assert.match(ref.describe, /env:default:GW_TOKEN_FAKE/);
    await assert.rejects(
      chooseToken(
        readGatewayConfig({ gateway: { auth: { token: { source: 'env', provider: 'default', id: 'MISSING_FAKE' } } } }),
        { env: {}, resolve },
      ),
      /gateway\.auth\.token, SecretRef env:default:MISSING_FAKE\) does not resolve/,
    );
    const stored = await chooseToken(readGatewayConfig({}), {
      stored: TOKEN,
      env: { OPENCLAW_GATEWAY_TOKEN: 'env-token' },
      resolve,
    });
    assert.deepEqual([stored.token, stored.source], [TOKEN, 'secret-storage']);
    const env = await chooseToken(readGatewayConfig({}), {
      env: { OPENCLAW_GATEWAY_TOKEN: 'env-token-fake' },
      resolve,
    });
    assert.deepEqual([env.token, env.source], ['env-token-fake', 'env']);
    assert.equal(readGatewayConfig({ gateway: { mode: 'remote' } }).mode, 'remote');
  });
});

/** A stand-in gateway: `mode` file "serve" answers /readyz ready (dies with exit 3 on SIGUSR2), "crash" dies at start. */
const FAKE_GATEWAY = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.FAKE_GW_DIR;
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const runs = path.join(dir, 'runs');
const n = (fs.existsSync(runs) ? Number(fs.readFileSync(runs, 'utf8')) : 0) + 1;
fs.writeFileSync(runs, String(n));
const mode = fs.readFileSync(path.join(dir, 'mode'), 'utf8').trim();
console.log('fake gateway run ' + n + ': starting (' + mode + ')');
if (mode === 'crash') { console.error('fake gateway run ' + n + ': config invalid, exiting'); process.exit(1); }
process.on('SIGUSR2', () => { console.error('fake gateway run ' + n + ': fatal error after running'); process.exit(3); });
http.createServer((q, s) => {
  const body = q.url === '/readyz' ? { ready: true, failing: [], uptimeMs: 1 } : q.url === '/healthz' ? { ok: true, status: 'live' } : undefined;
  s.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
  s.end(JSON.stringify(body || {}));
}).listen(port, '127.0.0.1', () => console.log('fake gateway run ' + n + ': ready on ' + port));
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('gateway supervisor: crash restarts and give-up (real child processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let cmd: string;
  const sups: GatewaySupervisor[] = [];
  const strays: ChildProcess[] = [];
  const mode = (m: 'serve' | 'crash') => fs.writeFileSync(path.join(dir, 'mode'), m);
  const runs = () => Number(fs.readFileSync(path.join(dir, 'runs'), 'utf8'));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-fakegw-'));
    fs.writeFileSync(path.join(dir, 'fake-gateway.js'), FAKE_GATEWAY);
    cmd = path.join(dir, 'openclaw');
    fs.writeFileSync(cmd, '#!/bin/sh\nexec "$FAKE_NODE" "$FAKE_GW_DIR/fake-gateway.js" "$@"\n', { mode: 0o755 });
  });
  afterEach(async () => {
    for (const s of sups.splice(0)) {
      await s.stop();
      s.dispose();
    }
    for (const c of strays.splice(0)) if (c.pid && alive(c.pid)) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function supervisor(clock: () => number, restart: { maxAttempts: number }) {
    const log = { info: [] as string[], warn: [] as string[], error: [] as string[] };
    const sup = new GatewaySupervisor({
      port: await freePort(),
      commandSetting: cmd,
      env: { PATH: process.env.PATH, FAKE_GW_DIR: dir, FAKE_NODE: process.execPath },
      allowUnconfigured: true,
      log: {
        info: (m) => log.info.push(m),
        warn: (m) => log.warn.push(m),
        error: (m) => log.error.push(m),
        output: () => undefined,
      },
      pollIntervalMs: 100,
      stopGraceMs: 2000,
      restart: { initialMs: 20, maxMs: 40, stableMs: 60_000, ...restart },
      now: clock,
    });
    sups.push(sup);
    const states: GatewayState[] = [];
    sup.onState((st) => states.push(st));
    return { sup, log, states };
  }

  it('ready for over 60 s, then dying at every start: restarted maxAttempts times, then given up, counting every death and quoting the last run', async () => {
    let now = 1_000_000;
    mode('serve');
    const { sup, states, log } = await supervisor(() => now, { maxAttempts: 3 });
    assert.equal((await sup.start()).kind, 'ready');
    now += 61_000; // ran a minute (the injected clock; the process really ran for less)
    mode('crash');
    process.kill(sup.pid!, 'SIGUSR2');
    const failed = await waitFor(
      () => (sup.state.kind === 'failed' ? sup.state : undefined),
      'the supervisor to give up',
      30_000,
    );
    // The death after the long run starts the count (1), then 3 restarts that died at start (2-4).
    assert.equal(runs(), 4, 'the first run and 3 restarts, no more');
    assert.deepEqual(
      states.filter((x) => x.kind === 'crashed').map((x) => (x as { attempt: number }).attempt),
      [1, 2, 3],
    );
    assert.match(
      failed.message,
      /^The gateway stopped 4 times in a row \(the last time: exit code 1\), after 3 restarts, so it is not restarted again\./,
    );
    assert.match(
      failed.message,
      /\nLast output of that run:\nfake gateway run 4: starting \(crash\)\nfake gateway run 4: config invalid, exiting$/,
    );
    assert.ok(!/run [123]:/.test(failed.message), 'no output of earlier runs');
    assert.equal(log.error.at(-1), failed.message);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(runs(), 4, 'nothing restarted after giving up');
  });

  it('a run that dies after a long ready run is restarted as attempt 1 each time (the counter starts again per stable run)', async () => {
    let now = 1_000_000;
    mode('serve');
    const { sup, states } = await supervisor(() => now, { maxAttempts: 1 });
    await sup.start();
    for (const run of [1, 2, 3]) {
      const pid = sup.pid!;
      now += 61_000;
      const seen = states.length;
      process.kill(pid, 'SIGUSR2');
      await waitFor(
        () => states.slice(seen).some((x) => x.kind === 'ready') && sup.pid !== pid,
        `ready again after death ${run}`,
        20_000,
      );
      const crashed = states.slice(seen).filter((x) => x.kind === 'crashed');
      assert.deepEqual(
        crashed.map((x) => [(x as { attempt: number }).attempt, (x as { exit: string }).exit]),
        [[1, 'exit code 3']],
      );
    }
    assert.equal(runs(), 4);
    // A run that was ready for only 10 s does not start the count again: with maxAttempts 1, its
    // death (the second in a row) is one too many.
    now += 10_000;
    process.kill(sup.pid!, 'SIGUSR2');
    const failed = await waitFor(() => (sup.state.kind === 'failed' ? sup.state : undefined), 'give up', 20_000);
    assert.equal(runs(), 4);
    assert.match(
      failed.message,
      /^The gateway stopped 2 times in a row \(the last time: exit code 3\), after 1 restart, so it is not restarted again\./,
    );
    assert.match(
      failed.message,
      /Last output of that run:\nfake gateway run 4: starting \(serve\)\nfake gateway run 4: ready on \d+\nfake gateway run 4: fatal error after running$/,
    );
  });

  it("dying at every start from the first: the start fails with that run's output, and the give-up counts all deaths", async () => {
    mode('crash');
    const { sup } = await supervisor(() => Date.now(), { maxAttempts: 2 });
    await assert.rejects(
      sup.start(),
      /The gateway exited before it was ready\.\nLast output of that run:\nfake gateway run 1: starting \(crash\)\nfake gateway run 1: config invalid, exiting/,
    );
    const failed = await waitFor(() => (sup.state.kind === 'failed' ? sup.state : undefined), 'give up', 20_000);
    assert.equal(runs(), 3);
    assert.match(
      failed.message,
      /stopped 3 times in a row \(the last time: exit code 1\), after 2 restarts, [^]*\nfake gateway run 3: starting \(crash\)\nfake gateway run 3: config invalid, exiting$/,
    );
  });

  it('Stop of an adopted gateway: "keeps running" only while it does; after it died, says it is no longer running', async () => {
    mode('serve');
    const { sup } = await supervisor(() => Date.now(), { maxAttempts: 3 });
    const theirs = spawn(process.execPath, [path.join(dir, 'fake-gateway.js'), '--port', String(sup.port)], {
      env: { FAKE_GW_DIR: dir },
      stdio: 'ignore',
    });
    strays.push(theirs);
    for (let ready = false; !ready;) {
      const p = await probeGateway(sup.port, { timeoutMs: 500 });
      ready = p.kind === 'gateway' && p.ready;
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    const adopt = async () => {
      assert.equal((await sup.start()).kind, 'ready');
      assert.equal(sup.adopted, true);
    };
    await adopt();
    assert.equal(sup.pid, undefined, 'not started by us');
    const alive1 = await sup.stop();
    assert.equal(alive1.stopped, false);
    assert.match(alive1.message, /not started by this window, so it keeps running\./);
    assert.ok(theirs.pid && alive(theirs.pid), 'never signalled');

    await adopt();
    theirs.kill('SIGKILL');
    await waitFor(() => sup.state.kind === 'unreachable', 'the adopted gateway seen gone', 10_000);
    const gone = await sup.stop();
    assert.equal(gone.stopped, false);
    assert.doesNotMatch(gone.message, /keeps running/);
    assert.match(
      gone.message,
      new RegExp(
        `The gateway on port ${sup.port} that this window was monitoring \\(it did not start it\\) is no longer running \\(nothing listens on 127\\.0\\.0\\.1:${sup.port}\\); stopped monitoring the port\\.`,
      ),
    );
    assert.deepEqual(sup.state, { kind: 'stopped', message: gone.message });
    assert.equal(sup.adopted, false);
  });
});
