/**
 * `openclaw-auth gateway start|stop|restart` as processes, with a stand-in openclaw (a script that
 * serves /readyz and /healthz on the port it is given, as the supervisor's own tests use): start
 * detaches and records what it started, stop signals only that process, and never one whose pid
 * now belongs to something else, nor a gateway it did not start. The real openclaw is in
 * test/interop/gateway.test.ts.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { probeGateway } from '../../../src/gateway/health';
import { alive } from '../../../src/gateway/process';
import { closedPort } from './fakeGateway';
import { processStartTime, running } from '../../../src/cli/gatewayLocal';

/**
 * Whether `ps` can give a start time here: not on Linux with /proc hidden (npm test's unit-native
 * run, standing for a ps that cannot say). Then stop falls back to "the port answers as a gateway".
 */
const psWorks = processStartTime(process.pid) !== undefined;

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');
const TOKEN = 'local-gw-token-fake-0123456789abcdef';

const FAKE_GATEWAY = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
fs.appendFileSync(path.join(process.env.FAKE_GW_DIR, 'runs'), process.pid + '\\n');
console.log('fake gateway starting; token set: ' + Boolean(process.env.OPENCLAW_GATEWAY_TOKEN));
http.createServer((q, s) => {
  const body = q.url === '/readyz' ? { ready: true, failing: [], uptimeMs: 1 } : q.url === '/healthz' ? { ok: true, status: 'live' } : undefined;
  s.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
  s.end(JSON.stringify(body || {}));
}).listen(port, '127.0.0.1', () => console.log('fake gateway ready on ' + port));
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('openclaw-auth gateway start / stop / restart (stand-in openclaw)', function () {
  this.timeout(60_000);
  let home: string;
  let dir: string;
  let port: number;
  const stateDir = () => path.join(home, '.openclaw');
  const record = () => path.join(stateDir(), 'openclaw-auth-gateway.json');
  const strays: Array<ChildProcess | http.Server> = [];
  const started: number[] = [];

  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ['--require', TSX, CLI, 'gateway', ...args, '--openclaw', path.join(dir, 'openclaw')],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            OPENCLAW_GATEWAY_PORT: String(port),
            OPENCLAW_GATEWAY_TOKEN: TOKEN,
            FAKE_GW_DIR: dir,
            FAKE_NODE: process.execPath,
            ...env,
          },
        },
      );
      let stdout = '',
        stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => {
        assert.ok(!`${stdout}${stderr}`.includes(TOKEN), 'the token is never printed');
        resolve({ code, stdout, stderr });
      });
    });
  const runs = () =>
    fs.existsSync(path.join(dir, 'runs'))
      ? fs.readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).map(Number)
      : [];

  beforeEach(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-gwlocal-'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-gwlocal-bin-'));
    fs.writeFileSync(path.join(dir, 'fake-gateway.js'), FAKE_GATEWAY);
    fs.writeFileSync(path.join(dir, 'openclaw'), '#!/bin/sh\nexec "$FAKE_NODE" "$FAKE_GW_DIR/fake-gateway.js" "$@"\n', {
      mode: 0o755,
    });
    port = await closedPort();
  });
  afterEach(async () => {
    for (const pid of [...started.splice(0), ...runs()])
      if (alive(pid))
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    for (const s of strays.splice(0)) {
      if (s instanceof http.Server) await new Promise((r) => s.close(r));
      else if (s.pid && alive(s.pid)) s.kill('SIGKILL');
    }
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('start detaches and records what it started (0600); a second start starts nothing; stop signals it, frees the port and removes the record', async () => {
    const s = await run(['start', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const doc = JSON.parse(s.stdout) as {
      started: boolean;
      pid: number;
      port: number;
      output: string;
      message: string;
    };
    assert.deepEqual([doc.started, doc.port], [true, port]);
    started.push(doc.pid);
    // The CLI has exited; the gateway it started still answers.
    const p = await probeGateway(port);
    assert.ok(p.kind === 'gateway' && p.ready, 'the gateway runs after the CLI exited');
    assert.deepEqual(runs(), [doc.pid]);
    assert.equal(fs.statSync(record()).mode & 0o777, 0o600);
    const rec = JSON.parse(fs.readFileSync(record(), 'utf8')) as Record<string, unknown>;
    assert.equal(rec.pid, doc.pid);
    assert.equal(rec.pgid, doc.pid, 'it leads its own process group');
    assert.equal(rec.port, port);
    assert.equal(typeof rec.processStart, psWorks ? 'string' : 'undefined');
    assert.match(String(rec.command), /gateway run --bind loopback --auth token --port \d+ --allow-unconfigured/);
    assert.ok(!fs.readFileSync(record(), 'utf8').includes(TOKEN), 'no token in the record');
    assert.match(fs.readFileSync(doc.output, 'utf8'), /fake gateway ready on/);

    const again = await run(['start']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already running \(pid \d+, port \d+\); no second one was started/);
    assert.deepEqual(runs(), [doc.pid], 'no second gateway');

    const stop = await run(['stop', '--json']);
    assert.equal(stop.code, 0, stop.stderr);
    const st = JSON.parse(stop.stdout) as { stopped: boolean; portFree: boolean; message: string };
    assert.deepEqual([st.stopped, st.portFree], [true, true]);
    assert.match(st.message, new RegExp(`Gateway stopped \\(pid ${doc.pid}\\); port ${port} is free`));
    assert.equal((await probeGateway(port)).kind, 'down');
    assert.ok(!fs.existsSync(record()), 'record removed');

    const none = await run(['stop']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /did not start a gateway .* and none answers on port/);
  });

  it('restart: stop, then start a new process', async () => {
    const a = await run(['start', '--json']);
    assert.equal(a.code, 0, a.stderr);
    const first = (JSON.parse(a.stdout) as { pid: number }).pid;
    const r = await run(['restart', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { stop: { stopped: boolean }; start: { started: boolean; pid: number } };
    started.push(d.start.pid);
    assert.deepEqual([d.stop.stopped, d.start.started], [true, true]);
    assert.notEqual(d.start.pid, first);
    assert.equal(running(first), false, 'the first gateway is gone (a zombie nobody reaps counts as gone)');
    assert.ok((await probeGateway(port)).kind === 'gateway');
  });

  it('a record whose pid is now another process: that process is not signalled, the stale record is removed', async () => {
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(other);
    fs.mkdirSync(stateDir(), { recursive: true });
    fs.writeFileSync(
      record(),
      JSON.stringify({
        by: 'openclaw-auth',
        pid: other.pid,
        pgid: other.pid,
        port,
        startedAt: '2024-01-01T00:00:00.000Z',
        processStart: 'Mon Jan 1 00:00:00 2024',
        command: 'openclaw gateway run',
        stateDir: stateDir(),
        output: path.join(stateDir(), 'openclaw-auth-gateway.log'),
      }),
      { mode: 0o600 },
    );
    const r = await run(['stop']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        psWorks
          ? `pid ${other.pid} is now another process \\(started .* UTC; the gateway openclaw-auth started began Mon Jan 1 00:00:00 2024 UTC\\)\\. That process was not signalled\\. Removed the stale record\\.`
          : `pid ${other.pid} is running but port \\d+ does not answer as a gateway, and its start time cannot be read to tell whether it is the same process\\. That process was not signalled\\. Removed the stale record\\.`,
      ),
    );
    assert.ok(alive(other.pid!), 'the other process still runs');
    assert.ok(!fs.existsSync(record()));
  });

  it('a gateway openclaw-auth did not start: start starts no second one, stop does not stop it (exit 1)', async () => {
    const foreign = http.createServer((q, s) => {
      const body = q.url === '/readyz' ? { ready: true, failing: [] } : q.url === '/healthz' ? { ok: true } : undefined;
      s.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      s.end(JSON.stringify(body ?? {}));
    });
    strays.push(foreign);
    await new Promise<void>((r) => foreign.listen(port, '127.0.0.1', () => r()));
    const s = await run(['start']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(
      s.stdout,
      /already answers on 127\.0\.0\.1:\d+; it was not started by openclaw-auth, so no second one was started/,
    );
    assert.deepEqual(runs(), []);
    const t = await run(['stop']);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /did not start a gateway .* was started by something else .* and is not stopped/);
    assert.ok((await probeGateway(port)).kind === 'gateway', 'still running');
  });

  it('--gateway with start is refused (exit 2); no token anywhere: nothing is started (exit 1)', async () => {
    const g = await run(['start', '--gateway', 'ws://127.0.0.1:1']);
    assert.equal(g.code, 2);
    const n = await run(['start'], { OPENCLAW_GATEWAY_TOKEN: '' });
    assert.equal(n.code, 1);
    assert.match(n.stderr, /No gateway token: set gateway\.auth\.token in openclaw\.json .* nothing was started/);
    assert.deepEqual(runs(), []);
  });
});
