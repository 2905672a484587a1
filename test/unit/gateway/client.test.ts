/**
 * The control-plane client against a loopback WebSocket server that replays frames captured from
 * the real openclaw 2026.9.6 gateway (test/fixtures/gateway-frames, made by
 * scripts/capture-gateway-frames.ts). A run cannot be started offline, so the auth-revoked path
 * adds `chat` and `agent` events in the exact shape of openclaw's chat-abort.ts broadcast to the
 * real captured logout answer.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { GatewayClient, GatewayConnectionError, GatewayError, stoppedRunsMessage } from '../../../src/gateway/client';

const FRAMES = path.join(__dirname, '..', '..', 'fixtures', 'gateway-frames');
type Rec = { dir: 'in' | 'out'; frame: Record<string, unknown> };
const load = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FRAMES, name), 'utf8')) as {
    frames: Rec[];
    close?: { code: number; reason: string };
  };
const session = load('session.json');
const TOKEN = 'unit-gw-token-fake-0123456789';

/** The captured answer (and the events just before it) to the request with this method. */
function captured(method: string): { res: Record<string, unknown>; events: Array<Record<string, unknown>> } {
  const i = session.frames.findIndex((r) => r.dir === 'out' && r.frame.method === method);
  assert.ok(i >= 0, `no captured ${method}`);
  const id = session.frames[i]!.frame.id;
  const events: Array<Record<string, unknown>> = [];
  for (const r of session.frames.slice(i + 1)) {
    if (r.dir !== 'in') continue;
    if (r.frame.type === 'res' && r.frame.id === id) return { res: r.frame, events };
    if (r.frame.type === 'event') events.push(r.frame);
  }
  throw new Error(`no captured answer to ${method}`);
}
const challenge = session.frames.find((r) => r.dir === 'in' && r.frame.event === 'connect.challenge')!.frame;

type Handler = (req: { id: string; method: string; params: Record<string, unknown> }, ws: WebSocket) => void;

/** A loopback gateway stand-in speaking the captured frames. */
class ReplayServer {
  wss!: WebSocketServer;
  port = 0;
  connects: Array<Record<string, unknown>> = [];
  requests: string[] = [];
  sockets = new Set<WebSocket>();
  constructor(
    private handlers: Record<string, Handler> = {},
    private connectAnswer?: (n: number) => Record<string, unknown> | 'close',
  ) {}
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
        if (req.method === 'connect') {
          this.connects.push(req.params);
          const answer = this.connectAnswer?.(this.connects.length) ?? this.helloOk();
          if (answer === 'close') {
            ws.close(1008, 'closing');
            return;
          }
          ws.send(JSON.stringify({ ...answer, id: req.id }));
          if ((answer as { ok?: boolean }).ok === false)
            ws.close(1008, String((answer as { error?: { message?: string } }).error?.message ?? ''));
          return;
        }
        const h = this.handlers[req.method];
        if (h) return h(req, ws);
        const c = captured(req.method);
        for (const e of c.events) ws.send(JSON.stringify(e));
        ws.send(JSON.stringify({ ...c.res, id: req.id }));
      });
    });
    return this;
  }
  helloOk(): Record<string, unknown> {
    const i = session.frames.findIndex(
      (r) =>
        r.dir === 'in' &&
        r.frame.type === 'res' &&
        (r.frame.payload as { type?: string } | undefined)?.type === 'hello-ok',
    );
    return session.frames[i]!.frame;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  dropAll(): void {
    for (const s of this.sockets) s.terminate();
  }
  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

describe('gateway client (replayed real frames)', () => {
  const servers: ReplayServer[] = [];
  const clients: GatewayClient[] = [];
  const client = (url: string, extra: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) => {
    const c = new GatewayClient({ url, token: () => TOKEN, reconnectInitialMs: 50, reconnectMaxMs: 200, ...extra });
    clients.push(c);
    return c;
  };
  const server = async (...a: ConstructorParameters<typeof ReplayServer>) => {
    const s = await new ReplayServer(...a).listen();
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  it('handshake: answers the challenge with a v4 connect carrying the token, gets hello-ok', async () => {
    const s = await server();
    const c = client(s.url);
    const hello = await c.connect();
    assert.equal(hello.protocol, 4);
    assert.equal(hello.server.version, '2026.9.6');
    const p = s.connects[0] as {
      minProtocol: number;
      maxProtocol: number;
      role: string;
      auth: { token: string };
      client: { id: string; mode: string };
    };
    assert.equal(p.minProtocol, 4);
    assert.equal(p.maxProtocol, 4);
    assert.equal(p.role, 'operator');
    assert.equal(p.auth.token, TOKEN);
    assert.equal(p.client.id, 'gateway-client');
  });

  it('typed wrappers return the real payloads', async () => {
    const s = await server();
    const c = client(s.url);
    await c.connect();
    const st = await c.authStatus();
    assert.ok(Array.isArray(st.providers));
    const set = await c.authSetApiKey({ provider: 'groq', apiKey: 'gsk_fake_unit_0123456789abcdef' });
    assert.equal(set.profileId, 'groq:manual');
    assert.match(set.warning ?? '', /API key saved/);
    assert.deepEqual((await c.authOrderSet({ provider: 'groq', profileIds: ['groq:manual'] })).profileIds, [
      'groq:manual',
    ]);
    assert.equal((await c.authRefresh({ operation: 'update' })).refreshed, true);
    await assert.rejects(
      c.request('models.noSuchMethod', {}, (await import('zod/mini')).unknown()),
      /models\.noSuchMethod failed \(INVALID_REQUEST\): unknown method/,
    );
  });

  it('models.authStatus on a home with a configured auth order (real answer, profileOrderLocked "auth-config") resolves instead of "unexpected shape"', async () => {
    const doc = load('auth-status-configured-order.json');
    const answer = doc.frames.find((r) => r.dir === 'in' && r.frame.type === 'res')!.frame;
    const s = await server({ 'models.authStatus': (req, ws) => ws.send(JSON.stringify({ ...answer, id: req.id })) });
    const c = client(s.url);
    await c.connect();
    const st = await c.authStatus();
    assert.deepEqual(
      st.providers.map((p) => [p.provider, p.profileOrderLocked, p.profileOrderStored]),
      [
        ['anthropic', 'auth-config', undefined],
        ['openrouter', undefined, true],
      ],
    );
    assert.deepEqual(st.providers[1]!.profileOrder, ['openrouter:backup', 'openrouter:manual']);
  });

  it('auth revoked with runs in flight: reports N stopped runs and why, from abortedRunIds and the chat/agent events', async () => {
    const logout = captured('models.authLogout').res;
    const runs = ['run-fake-a1', 'run-fake-b2'];
    const s = await server({
      'models.authLogout': (req, ws) => {
        // chat-abort.ts broadcasts to the run's session keys, then the method answers.
        for (const [i, runId] of runs.entries()) {
          const sessionKey = `agent:main:session-${i}`;
          ws.send(
            JSON.stringify({
              type: 'event',
              event: 'chat',
              payload: {
                runId,
                sessionKey,
                agentId: 'main',
                seq: 3,
                state: 'aborted',
                stopReason: 'auth-revoked',
                errorMessage: 'Model provider auth was removed.',
              },
              seq: 20 + i * 2,
            }),
          );
          ws.send(
            JSON.stringify({
              type: 'event',
              event: 'agent',
              payload: {
                runId,
                sessionKey,
                sessionId: `s-${i}`,
                agentId: 'main',
                stream: 'lifecycle',
                data: {
                  phase: 'end',
                  status: 'cancelled',
                  aborted: true,
                  stopReason: 'auth-revoked',
                  startedAt: 1795654900000,
                  endedAt: 1795654950000,
                },
              },
              seq: 21 + i * 2,
            }),
          );
        }
        ws.send(
          JSON.stringify({ ...logout, id: req.id, payload: { ...(logout.payload as object), abortedRunIds: runs } }),
        );
      },
    });
    const c = client(s.url);
    await c.connect();
    const r = await c.logoutProvider({ provider: 'groq' });
    assert.deepEqual(r.removedProfiles, ['groq:manual']);
    assert.deepEqual(r.stopped.map((x) => x.runId).sort(), runs);
    for (const run of r.stopped) {
      assert.equal(run.reason, 'auth-revoked');
      assert.deepEqual([...run.seenIn].sort(), ['abortedRunIds', 'agent', 'chat']);
    }
    assert.equal(stoppedRunsMessage(r.stopped), '2 runs stopped (auth revoked)');
  });

  it('runs seen only in events (abortedRunIds empty) still count; a normal logout stops none', async () => {
    const logout = captured('models.authLogout').res;
    const s = await server({
      'models.authLogout': (req, ws) => {
        if (req.params.provider === 'openai')
          ws.send(
            JSON.stringify({
              type: 'event',
              event: 'chat',
              payload: {
                runId: 'run-fake-only-chat',
                sessionKey: 'agent:main:x',
                seq: 1,
                state: 'aborted',
                stopReason: 'auth-revoked',
              },
            }),
          );
        ws.send(JSON.stringify({ ...logout, id: req.id }));
      },
    });
    const c = client(s.url);
    await c.connect();
    const none = await c.logoutProvider({ provider: 'groq' });
    assert.deepEqual(none.stopped, []);
    assert.equal(stoppedRunsMessage(none.stopped), '');
    const one = await c.logoutProvider({ provider: 'openai' });
    assert.deepEqual(
      one.stopped.map((x) => x.runId),
      ['run-fake-only-chat'],
    );
    assert.equal(stoppedRunsMessage(one.stopped), '1 run stopped (auth revoked)');
  });

  it('AUTH_TOKEN_MISMATCH (real frame): a clear message, no token in it, no retry', async () => {
    const bad = load('token-mismatch.json').frames.find((r) => r.dir === 'in' && r.frame.type === 'res')!.frame;
    const s = await server({}, () => bad);
    const c = client(s.url);
    await assert.rejects(c.connect(), (e: Error) => {
      assert.ok(e instanceof GatewayError);
      assert.match(e.message, /rejected the token \(AUTH_TOKEN_MISMATCH\).*Set Gateway Token/);
      assert.ok(!e.message.includes(TOKEN));
      return true;
    });
    assert.equal(c.state, 'auth-failed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.connects.length, 1, 'no reconnect after an auth failure');
  });

  it('NOT_PAIRED (real frame, no token): says a token is needed', async () => {
    const bad = load('no-token.json').frames.find((r) => r.dir === 'in' && r.frame.type === 'res')!.frame;
    const s = await server({}, () => bad);
    const c = client(s.url, { token: () => undefined });
    await assert.rejects(c.connect(), /needs a token \(NOT_PAIRED/);
    assert.equal((s.connects[0] as { auth?: unknown }).auth, undefined, 'no auth sent without a token');
  });

  it('startup UNAVAILABLE is retried until hello-ok', async () => {
    const unavailable = {
      type: 'res',
      ok: false,
      error: {
        code: 'UNAVAILABLE',
        message: 'gateway starting',
        details: { reason: 'startup-sidecars' },
        retryable: true,
        retryAfterMs: 50,
      },
    };
    const s = await server({}, (n) => (n < 3 ? unavailable : s.helloOk()));
    const c = client(s.url);
    const states: string[] = [];
    c.onState((st) => states.push(st));
    c.start();
    const deadline = Date.now() + 5000;
    while (c.state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.state, 'connected');
    assert.equal(s.connects.length, 3);
    assert.ok(states.includes('reconnecting'));
  });

  it('reconnects with backoff after the connection drops; pending requests fail with a clear message', async () => {
    const s = await server({ 'models.authStatus': () => undefined /* never answers */ });
    const c = client(s.url);
    await c.connect();
    const pending = c.authStatus();
    await new Promise((r) => setTimeout(r, 50));
    s.dropAll();
    await assert.rejects(
      pending,
      (e: Error) =>
        e instanceof GatewayConnectionError && /closed before models\.authStatus was answered/.test(e.message),
    );
    const deadline = Date.now() + 5000;
    while ((c.state !== 'connected' || s.connects.length < 2) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.state, 'connected');
    assert.equal(s.connects.length, 2);
  });

  it('start() during a pending reconnect joins it: one handshake at a time, and requests work right after', async () => {
    const s = await server();
    const c = client(s.url, { reconnectInitialMs: 150 });
    await c.connect();
    s.dropAll();
    const deadline = Date.now() + 3000;
    while (c.state !== 'reconnecting' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    c.start();
    c.start();
    while (c.state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(c.state, 'connected');
    const st = await c.authStatus();
    assert.ok(Array.isArray(st.providers));
    await new Promise((r) => setTimeout(r, 300)); // the (cancelled) backoff timer would have fired by now
    assert.equal(s.connects.length, 2, 'exactly one reconnect handshake');
    assert.equal(c.state, 'connected');
  });

  it('request timeout, malformed frames ignored, and a payload of the wrong shape is refused', async () => {
    const s = await server({
      'models.authStatus': (req, ws) => {
        ws.send('not json');
        ws.send(JSON.stringify({ type: 'weird' }));
        ws.send(JSON.stringify({ type: 'res', id: req.id, ok: true, payload: { providers: 'nope' } }));
      },
      'models.authRefresh': () => undefined,
    });
    const warnings: string[] = [];
    const c = client(s.url, {
      requestTimeoutMs: 200,
      log: (lvl, m) => {
        if (lvl === 'warn') warnings.push(m);
      },
    });
    await c.connect();
    await assert.rejects(c.authStatus(), /answer to models\.authStatus has an unexpected shape/);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    const t0 = Date.now();
    await assert.rejects(c.authRefresh({ operation: 'update' }), /did not answer models\.authRefresh within 200 ms/);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(c.state, 'connected', 'a timeout does not drop the connection');
  });

  it('no gateway on the port: "No gateway answers" (unreachable)', async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    servers.splice(0);
    const c = client(url);
    await assert.rejects(
      c.connect(),
      (e: Error) =>
        e instanceof GatewayConnectionError && e.kind === 'unreachable' && /No gateway answers/.test(e.message),
    );
  });
});
