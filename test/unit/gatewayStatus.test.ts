/**
 * What the gateway status item says per state (the text a user reads and the actions offered),
 * and the HTTP probes behind it against real loopback servers: a port nobody listens on, a web
 * server that is not a gateway, and a TCP server that never answers.
 */
import { strict as assert } from 'node:assert';
import http from 'node:http';
import net from 'node:net';
import { describeGateway } from '../../src/gateway/statusView';
import { probeGateway } from '../../src/gateway/health';

const base = { port: 18789, client: 'connected' as const, adopted: false, now: 1_000_000 };

describe('gateway status item text and actions', () => {
  it('each state reads as the user expects, with the actions that fit', () => {
    const stopped = describeGateway({ kind: 'stopped' }, base);
    assert.equal(stopped.text, '$(circle-slash) Gateway');
    assert.deepEqual(stopped.actions, ['start', 'connect', 'setToken', 'showLogs']);
    const ready = describeGateway({ kind: 'ready', owned: true, pid: 5 }, base);
    assert.equal(ready.text, '$(pass) Gateway');
    assert.deepEqual(ready.actions, ['restart', 'stop', 'setToken', 'showLogs']);
    assert.match(ready.tooltip, /127\.0\.0\.1:18789: ready\.\nControl plane: connected\./);
    const attached = describeGateway({ kind: 'ready', owned: false }, { ...base, adopted: true });
    assert.equal(attached.text, '$(pass) Gateway (attached)');
    assert.ok(!attached.actions.includes('restart'), 'no restart of a gateway we did not start');
    assert.match(attached.tooltip, /not started by this window/);
    const degraded = describeGateway({ kind: 'degraded', owned: true, failing: ['agent-database:main', 'plugin-reload'] }, base);
    assert.equal(degraded.text, '$(warning) Gateway: degraded');
    assert.equal(degraded.severity, 'warning');
    assert.match(degraded.tooltip, /Failing checks: agent-database:main, plugin-reload\./);
    const crashed = describeGateway({ kind: 'crashed', restartAt: base.now + 3_500, attempt: 2, exit: 'killed by SIGKILL' }, base);
    assert.equal(crashed.text, '$(sync~spin) Gateway: crashed, restarting in 4 s');
    assert.match(crashed.tooltip, /killed by SIGKILL.*attempt 2/);
    const unreachable = describeGateway({ kind: 'unreachable', owned: false, error: 'nothing listens on 127.0.0.1:18789' }, { ...base, adopted: true });
    assert.equal(unreachable.text, '$(error) Gateway: unreachable');
    assert.equal(unreachable.severity, 'error');
    assert.deepEqual(unreachable.actions, ['start', 'connect', 'showLogs']);
    const tokenBad = describeGateway({ kind: 'ready', owned: true }, { ...base, client: 'auth-failed', clientError: 'The gateway rejected the token (AUTH_TOKEN_MISMATCH).' });
    assert.equal(tokenBad.text, '$(warning) Gateway: token rejected');
    assert.match(tokenBad.tooltip, /AUTH_TOKEN_MISMATCH/);
    const failed = describeGateway({ kind: 'failed', message: 'Port 18789 is held by another program' }, base);
    assert.match(failed.tooltip, /held by another program/);
  });
});

describe('gateway health probes (loopback servers)', () => {
  const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
  const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

  it('nothing listening: down', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await close(s);
    assert.equal((await probeGateway(port)).kind, 'down');
  });

  it('a web server that is not a gateway: foreign, with what it answered', async () => {
    const s = http.createServer((_q, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>dev server</html>'); });
    const port = await listen(s);
    try {
      const p = await probeGateway(port);
      assert.equal(p.kind, 'foreign');
      assert.match(p.kind === 'foreign' ? p.detail : '', /answers HTTP 200 but not as an OpenClaw gateway \("<html>dev server<\/html>"\)/);
    } finally { s.closeAllConnections(); await close(s); }
  });

  it('a TCP server that never answers: silent (not mistaken for a dead port)', async () => {
    const sockets: net.Socket[] = [];
    const s = net.createServer((c) => sockets.push(c));
    const port = await listen(s);
    try {
      const p = await probeGateway(port, { timeoutMs: 300 });
      assert.equal(p.kind, 'silent');
    } finally { for (const c of sockets) c.destroy(); await close(s); }
  });
});
