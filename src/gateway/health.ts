/**
 * Cheap HTTP probes of a gateway on loopback: `/readyz` (ready + failing checks) and `/healthz`.
 * No CLI is spawned; one keep-alive agent is reused so a poll costs one small request.
 */
import http from 'node:http';
import net from 'node:net';
import * as z from 'zod/mini';

const ReadyzSchema = z.looseObject({
  ready: z.boolean(),
  failing: z._default(z.array(z.string()), []),
  uptimeMs: z.optional(z.number()),
});
const HealthzSchema = z.looseObject({ ok: z.boolean(), status: z.optional(z.string()) });
const StartupzSchema = z.looseObject({
  ok: z.optional(z.boolean()),
  status: z.optional(z.string()),
  version: z.optional(z.string()),
});

export type Probe =
  /** Nothing listens on the port. */
  | { kind: 'down'; error: string }
  /** An OpenClaw gateway answers; ready or not (failing lists /readyz's failing checks). */
  | { kind: 'gateway'; ready: boolean; failing: string[]; status: number; uptimeMs?: number; version?: string }
  /** Something listens that is not a gateway (wrong answers). */
  | { kind: 'foreign'; detail: string }
  /** The port accepts connections but no HTTP answer came in time (a busy gateway, or not HTTP). */
  | { kind: 'silent'; detail: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

interface HttpResult {
  status: number;
  body: string;
}

export function httpGet(
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
  opts: { keepAlive?: boolean } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path,
        method: 'GET',
        agent: opts.keepAlive === false ? false : agent,
        timeout: timeoutMs,
        headers: { accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.reduce((n, b) => n + b.length, 0) < 64 * 1024) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Is anything accepting TCP connections on host:port? */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(true)); // accepted but silent counts as open
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Probes /readyz (falls back to /healthz + /startupz for the verdict gateway vs foreign). */
export async function probeGateway(port: number, opts: { host?: string; timeoutMs?: number } = {}): Promise<Probe> {
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.timeoutMs ?? 1500;
  let r: HttpResult;
  try {
    r = await httpGet(host, port, '/readyz', timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ECONNREFUSED') return { kind: 'down', error: `nothing listens on ${host}:${port}` };
    // Connected but no (HTTP) answer: something else, or a gateway too busy to answer in time.
    if (await portOpen(host, port, 300))
      return {
        kind: 'silent',
        detail: `port ${port} accepts connections but gave no HTTP answer within ${timeoutMs} ms (${err.code ?? err.message})`,
      };
    return { kind: 'down', error: `${host}:${port}: ${err.code ?? err.message}` };
  }
  const ready = ReadyzSchema.safeParse(json(r.body));
  if (ready.success && (r.status === 200 || r.status === 503)) {
    return {
      kind: 'gateway',
      ready: r.status === 200 && ready.data.ready,
      failing: ready.data.failing,
      status: r.status,
      uptimeMs: ready.data.uptimeMs,
    };
  }
  // Not a readyz document: check the two other gateway probes before calling it foreign.
  try {
    const h = await httpGet(host, port, '/healthz', timeoutMs);
    const hz = HealthzSchema.safeParse(json(h.body));
    const s = await httpGet(host, port, '/startupz', timeoutMs);
    const sz = StartupzSchema.safeParse(json(s.body));
    if (hz.success && hz.data.status === 'live' && sz.success && sz.data.status) {
      return { kind: 'gateway', ready: false, failing: [sz.data.status], status: r.status, version: sz.data.version };
    }
  } catch {
    /* fall through */
  }
  const server = r.body.slice(0, 80).replace(/\s+/g, ' ');
  return {
    kind: 'foreign',
    detail: `port ${port} answers HTTP ${r.status} but not as an OpenClaw gateway${server ? ` ("${server}")` : ''}`,
  };
}

/** /startupz: version and phase (starting, started, draining) of the gateway on the port. */
export async function gatewayVersion(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  try {
    const s = await httpGet(host, port, '/startupz', 1500);
    const sz = StartupzSchema.safeParse(json(s.body));
    return sz.success ? sz.data.version : undefined;
  } catch {
    return undefined;
  }
}
