/**
 * A loopback gateway stand-in for the CLI's --gateway tests: a real WebSocket server speaking
 * protocol v4 as openclaw 2026.9.6 does (its connect.challenge and hello-ok are the frames
 * captured from the real gateway in test/fixtures/gateway-frames), whose answers each test sets:
 * per method a payload, an error, silence, or the socket destroyed once the request arrived.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const FRAMES = path.join(__dirname, '..', '..', 'fixtures', 'gateway-frames');
type Rec = { dir: 'in' | 'out'; frame: Record<string, unknown> };
const session = JSON.parse(fs.readFileSync(path.join(FRAMES, 'session.json'), 'utf8')) as { frames: Rec[] };
const mismatch = JSON.parse(fs.readFileSync(path.join(FRAMES, 'token-mismatch.json'), 'utf8')) as { frames: Rec[] };
const inbound = (frames: Rec[], pred: (f: Record<string, unknown>) => boolean) =>
  frames.find((r) => r.dir === 'in' && pred(r.frame))!.frame;
export const CHALLENGE = inbound(session.frames, (f) => f.event === 'connect.challenge');
export const HELLO_OK = inbound(
  session.frames,
  (f) => (f.payload as { type?: string } | undefined)?.type === 'hello-ok',
);
/** The real answer to a connect with a wrong token (AUTH_TOKEN_MISMATCH). */
export const TOKEN_MISMATCH = inbound(mismatch.frames, (f) => f.type === 'res');

export type Answer =
  | { payload: unknown; delayMs?: number }
  | { error: { code: string; message: string; details?: unknown } }
  /** Never answered. */
  | 'silent'
  /** The socket is destroyed once the request arrived (a gateway killed mid-request). */
  | 'destroy';

export interface Req {
  id: string;
  method: string;
  params: Record<string, unknown>;
}

/** A models.authStatus payload with these providers and profile ids. */
export function authStatusPayload(providers: Record<string, string[]>): unknown {
  return {
    ts: 1_795_654_947_682,
    providers: Object.entries(providers).map(([provider, ids]) => ({
      provider,
      status: 'static',
      profiles: ids.map((profileId) => ({ profileId, type: 'api_key', status: 'static', source: 'saved' })),
    })),
  };
}

export class FakeGateway {
  wss!: WebSocketServer;
  port = 0;
  token = 'fake-gw-token-0123456789abcdef';
  /** Every request, in order (connect included). */
  requests: Req[] = [];
  connections = 0;
  /** Requests in flight now, and the most seen at once (per method). */
  inFlight = new Map<string, number>();
  maxInFlight = new Map<string, number>();
  sendChallenge = true;
  /** The connect answer: hello-ok for the right token, the real AUTH_TOKEN_MISMATCH otherwise. */
  connectAnswer: (params: Record<string, unknown>) => Record<string, unknown> | 'silent' = (params) =>
    (params.auth as { token?: string } | undefined)?.token === this.token ? HELLO_OK : TOKEN_MISMATCH;
  answers: Record<string, Answer | ((req: Req) => Answer)> = {
    'models.authStatus': { payload: authStatusPayload({ anthropic: ['anthropic:manual'] }) },
  };
  private sockets = new Set<WebSocket>();

  async listen(): Promise<this> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => this.wss.once('listening', () => r()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      if (this.sendChallenge) ws.send(JSON.stringify(CHALLENGE));
      ws.on('message', (d) => {
        const req = JSON.parse(d.toString()) as Req;
        this.requests.push(req);
        if (req.method === 'connect') {
          const a = this.connectAnswer(req.params);
          if (a === 'silent') return;
          ws.send(JSON.stringify({ ...a, id: req.id }));
          if ((a as { ok?: boolean }).ok === false) ws.close(1008, 'connect refused');
          return;
        }
        const spec = this.answers[req.method];
        const a: Answer = typeof spec === 'function' ? spec(req) : (spec ?? { payload: {} });
        if (a === 'silent') return;
        if (a === 'destroy') {
          (ws as unknown as { _socket: net.Socket })._socket.destroy();
          return;
        }
        const n = (this.inFlight.get(req.method) ?? 0) + 1;
        this.inFlight.set(req.method, n);
        this.maxInFlight.set(req.method, Math.max(n, this.maxInFlight.get(req.method) ?? 0));
        const send = () => {
          this.inFlight.set(req.method, (this.inFlight.get(req.method) ?? 1) - 1);
          if (ws.readyState !== ws.OPEN) return;
          ws.send(
            JSON.stringify(
              'error' in a
                ? { type: 'res', id: req.id, ok: false, error: a.error }
                : { type: 'res', id: req.id, ok: true, payload: a.payload },
            ),
          );
        };
        if ('payload' in a && a.delayMs) setTimeout(send, a.delayMs);
        else send();
      });
    });
    return this;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  methods(): string[] {
    return this.requests.map((r) => r.method);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

/** A TCP server that accepts connections and never says anything (no HTTP upgrade). */
export async function silentTcpServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** A port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
