/**
 * A remote gateway's connection states against loopback WebSocket servers that speak protocol v4
 * with frames captured from the real openclaw 2026.9.6 (test/fixtures/gateway-frames): a port with
 * nothing on it, a gateway that comes up later, one killed while connected, a wrong token, a
 * gateway of another protocol version, and one that goes silent (a laptop that slept). The real
 * gateways are in test/interop/remote.test.ts.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { RemoteGateway, describeConnection, type RemoteConnection } from '../../../src/gateway/remote';

const FRAMES = path.join(__dirname, '..', '..', 'fixtures', 'gateway-frames');
type Rec = { dir: 'in' | 'out'; frame: Record<string, unknown> };
const session = JSON.parse(fs.readFileSync(path.join(FRAMES, 'session.json'), 'utf8')) as { frames: Rec[] };
const mismatch = JSON.parse(fs.readFileSync(path.join(FRAMES, 'token-mismatch.json'), 'utf8')) as {
  frames: Rec[];
};
const inbound = (pred: (f: Record<string, unknown>) => boolean) =>
  session.frames.find((r) => r.dir === 'in' && pred(r.frame))!.frame;
const challenge = inbound((f) => f.event === 'connect.challenge');
const hello = inbound((f) => f.type === 'res' && f.id === '1');
/** The captured authStatus after a key was saved (groq:manual). */
const statusWithGroq = inbound(
  (f) => f.type === 'res' && f.id === '5' && Array.isArray((f.payload as { providers?: unknown[] }).providers),
);
const TOKEN = 'remote-unit-token-0123456789abcdef';

class FakeRemote {
  wss!: WebSocketServer;
  port = 0;
  sockets = new Set<WebSocket>();
  requests: string[] = [];
  /** Answers connect: the captured hello-ok, or what a test sets. */
  connectAnswer: (params: Record<string, unknown>) => Record<string, unknown> = (params) =>
    (params.auth as { token?: string } | undefined)?.token === TOKEN
      ? hello
      : (mismatch.frames.find((r) => r.dir === 'in' && r.frame.type === 'res')!.frame as Record<string, unknown>);
  silent = false;
  /** What to do with a request of this method instead of answering it. */
  onRequest: Record<string, 'kill' | 'ignore'> = {};
  /** Answers of its own for a method (events first, then the answer's payload). */
  answers: Record<string, { events?: Array<Record<string, unknown>>; payload: unknown }> = {};
  async listen(port = 0): Promise<this> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((r) => this.wss.once('listening', () => r()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.send(JSON.stringify(challenge));
      ws.on('message', (d) => {
        const req = JSON.parse(d.toString()) as { id: string; method: string; params: Record<string, unknown> };
        this.requests.push(req.method);
        if (this.silent) return;
        const act = this.onRequest[req.method];
        if (act === 'kill') return ws.terminate();
        if (act === 'ignore') return;
        const own = this.answers[req.method];
        if (own) {
          for (const e of own.events ?? []) ws.send(JSON.stringify(e));
          ws.send(JSON.stringify({ type: 'res', id: req.id, ok: true, payload: own.payload }));
          return;
        }
        if (req.method === 'connect') {
          const answer = this.connectAnswer(req.params);
          ws.send(JSON.stringify({ ...answer, id: req.id }));
          if ((answer as { ok?: boolean }).ok === false) ws.close(1008, 'unauthorized');
          return;
        }
        const payload =
          req.method === 'agents.list'
            ? { defaultId: 'main', mainKey: 'main', agents: [{ id: 'main' }, { id: 'work' }] }
            : req.method === 'models.authStatus'
              ? statusWithGroq.payload
              : {};
        ws.send(JSON.stringify({ type: 'res', id: req.id, ok: true, payload }));
      });
    });
    return this;
  }
  /** Kills every connection without a close frame, as a dead host or a dropped tunnel does. */
  killSockets(): void {
    for (const s of this.sockets) s.terminate();
  }
  async close(): Promise<void> {
    this.killSockets();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function until(g: RemoteGateway, pred: (c: RemoteConnection) => boolean, ms = 10_000): Promise<RemoteConnection> {
  return new Promise((resolve, reject) => {
    if (pred(g.connection)) return resolve(g.connection);
    const t = setTimeout(() => {
      off();
      reject(new Error(`still ${JSON.stringify(g.connection)} after ${ms} ms`));
    }, ms);
    const off = g.onDidChange(() => {
      if (!pred(g.connection)) return;
      clearTimeout(t);
      off();
      resolve(g.connection);
    });
  });
}

const remote = (port: number, token = TOKEN, extra: Partial<ConstructorParameters<typeof RemoteGateway>[1]> = {}) =>
  new RemoteGateway(
    { id: `ws://127.0.0.1:${port}`, name: 'home server', url: `ws://127.0.0.1:${port}`, source: 'settings' },
    { token: () => token, reconnectInitialMs: 100, reconnectMaxMs: 400, handshakeTimeoutMs: 2000, ...extra },
  );

describe('RemoteGateway: connection states (loopback, captured v4 frames)', function () {
  this.timeout(30_000);
  const open: Array<{ dispose?: () => void; close?: () => Promise<void> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      o.dispose?.();
      await o.close?.();
    }
  });

  it('a closed port is "unreachable" and retried; when the gateway comes up it connects and reads each agent', async () => {
    const port = await freePort();
    const g = remote(port);
    open.push(g);
    g.start();
    const down = await until(g, (c) => c.kind === 'unreachable');
    assert.match(describeConnection(down), /unreachable, retrying: No gateway answers at ws:\/\/127\.0\.0\.1:\d+/);
    const server = await new FakeRemote().listen(port);
    open.push(server);
    const up = await until(g, (c) => c.kind === 'connected');
    assert.equal(describeConnection(up), 'connected (openclaw 2026.9.6, protocol 4)');
    await new Promise<void>((r) => {
      if (g.refreshedAt) return r();
      const off = g.onDidChange(() => g.refreshedAt && (off(), r()));
    });
    assert.deepEqual(
      g.agents.map((a) => [a.agentId, a.isDefault, a.status?.providers.map((p) => p.profiles.map((x) => x.profileId))]),
      [
        ['main', true, [['groq:manual']]],
        ['work', false, [['groq:manual']]],
      ],
    );
  });

  it('killed while connected: "unreachable" at once, then connected again when it is back', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    const g = remote(server.port);
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'connected');
    const port = server.port;
    await server.close();
    open.splice(open.indexOf(server), 1);
    await until(g, (c) => c.kind === 'unreachable');
    const again = await new FakeRemote().listen(port);
    open.push(again);
    await until(g, (c) => c.kind === 'connected');
  });

  it('a wrong token is "token rejected" with the gateway\'s reason, not retried, and never printed', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    const wrong = 'wrong-token-fedcba9876543210';
    const g = remote(server.port, wrong);
    open.push(g);
    g.start();
    const c = await until(g, (x) => x.kind === 'token-rejected');
    assert.match(
      describeConnection(c),
      /token rejected: The gateway rejected the token \(AUTH_TOKEN_MISMATCH\)\. .*Set Remote Gateway Token/,
    );
    assert.ok(!describeConnection(c).includes(wrong));
    const connects = server.requests.filter((m) => m === 'connect').length;
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(server.requests.filter((m) => m === 'connect').length, connects, 'no retry with a rejected token');
  });

  it('a gateway of another protocol version is "protocol mismatch" and is not retried', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    server.connectAnswer = () => ({
      ...hello,
      payload: { ...(hello.payload as object), protocol: 5, server: { version: '2027.1.0' } },
    });
    const g = remote(server.port);
    open.push(g);
    g.start();
    const c = await until(g, (x) => x.kind === 'protocol-mismatch');
    assert.match(describeConnection(c), /speaks protocol 5; this extension speaks 4 \(openclaw 2027\.1\.0\)/);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(g.connection.kind, 'protocol-mismatch');
    assert.equal(server.requests.filter((m) => m === 'connect').length, 1);
  });

  it('a connection that goes silent (sleep, a dead tunnel) is taken for dead and reconnected', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    const g = remote(server.port, TOKEN, { staleAfterMs: 600 });
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'connected');
    server.silent = true; // the socket stays open; nothing more arrives
    await until(g, (c) => c.kind === 'unreachable');
    assert.match(describeConnection(g.connection), /stopped answering|No gateway|handshake/);
    server.silent = false;
    await until(g, (c) => c.kind === 'connected');
  });

  it('killed mid-request: the write fails with "closed before models.authSetApiKey was answered", the key never in it', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    const g = remote(server.port);
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'connected');
    server.onRequest['models.authSetApiKey'] = 'kill';
    const key = 'gsk-unit-key-killed-0000000000';
    const err = await g.setApiKey('main', 'groq', key).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err);
    assert.match(
      err.message,
      /^Saving the key on home server: The gateway connection closed before models\.authSetApiKey was answered/,
    );
    assert.ok(!err.message.includes(key));
    await until(g, (c) => c.kind === 'unreachable' || c.kind === 'connected');
  });

  it('a slow remote: a request it never answers fails after the request timeout with what was asked', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    const g = remote(server.port, TOKEN, { requestTimeoutMs: 300 });
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'connected');
    server.onRequest['models.authOrderSet'] = 'ignore';
    await assert.rejects(
      g.setOrder('main', 'groq', ['groq:manual']),
      /^Error: Saving the order on home server: The gateway did not answer models\.authOrderSet within 300 ms\.$/,
    );
    assert.equal(g.connection.kind, 'connected', 'one slow answer does not drop the connection');
  });

  it('a provider-wide logout reports the runs it stopped (auth revoked), from abortedRunIds and the chat/agent events', async () => {
    const server = await new FakeRemote().listen();
    open.push(server);
    // A run cannot be started offline: the events are in the shape openclaw's chat-abort.ts broadcasts.
    const runs = ['run-fake-r1', 'run-fake-r2'];
    server.answers['models.authLogout'] = {
      events: runs.flatMap((runId, i) => [
        {
          type: 'event',
          event: 'chat',
          payload: {
            runId,
            sessionKey: `agent:main:s-${i}`,
            agentId: 'main',
            state: 'aborted',
            stopReason: 'auth-revoked',
          },
        },
        {
          type: 'event',
          event: 'agent',
          payload: {
            runId,
            sessionKey: `agent:main:s-${i}`,
            agentId: 'main',
            stream: 'lifecycle',
            data: { phase: 'end', status: 'cancelled', aborted: true, stopReason: 'auth-revoked' },
          },
        },
      ]),
      payload: { provider: 'groq', removedProfiles: ['groq:manual'], abortedRunIds: runs },
    };
    const g = remote(server.port);
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'connected');
    const r = await g.logoutProvider('main', 'groq');
    assert.deepEqual(r.removedProfiles, ['groq:manual']);
    assert.equal(r.message, 'Removed 1 groq profile(s) on home server. 2 runs stopped (auth revoked).');
  });

  it('writes on a remote that is not connected are refused with its state, nothing sent', async () => {
    const port = await freePort();
    const g = remote(port);
    open.push(g);
    g.start();
    await until(g, (c) => c.kind === 'unreachable');
    await assert.rejects(
      g.setApiKey('main', 'groq', 'gsk-unit-key-0000000000'),
      /home server .* is not connected: unreachable/,
    );
  });
});
