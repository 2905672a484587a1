/**
 * Control-plane client for the OpenClaw gateway (WebSocket protocol v4): the challenge → connect
 * (gateway token) → hello-ok handshake, requests with timeouts, zod-validated frames, events,
 * reconnect with backoff, and gateway errors turned into messages a user can act on.
 *
 * Transport: the `ws` package (pure JS, bundled), not the global WebSocket (absent on Node 20,
 * where the unit tests run) nor @openclaw/gateway-client (Node >= 22.19, pulls typebox and
 * ipaddr.js, and trails the gateway's version). See README "Gateway".
 */
import WebSocket from 'ws';
import type { TLSSocket } from 'node:tls';
import {
  AgentEventSchema,
  AuthStatusSchema,
  ChallengeSchema,
  ChatEventSchema,
  connectParams,
  FrameSchema,
  HelloOkSchema,
  LogoutResultSchema,
  ModelsProbeResultSchema,
  OrderSetResultSchema,
  RefreshResultSchema,
  SetApiKeyResultSchema,
  type AuthStatus,
  type ErrorShape,
  type EventFrame,
  type HelloOk,
  type LogoutResult,
  type ModelsProbeResult,
  type OrderSetResult,
  type SetApiKeyResult,
} from './protocol';
import type * as z from 'zod/mini';

/** A gateway error response, with the message to show a user. */
export class GatewayError extends Error {
  readonly code: string;
  /** details.code when present (AUTH_TOKEN_MISMATCH, DEVICE_IDENTITY_REQUIRED, ...). */
  readonly detailCode: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly shape: ErrorShape,
    readonly method: string,
  ) {
    super(describeGatewayError(shape, method));
    this.name = 'GatewayError';
    this.code = shape.code;
    const d = shape.details as Record<string, unknown> | undefined;
    this.detailCode = d && typeof d.code === 'string' ? d.code : undefined;
    this.retryable =
      shape.retryable === true || (shape.code === 'UNAVAILABLE' && shape.retryable !== false && method === 'connect');
    this.retryAfterMs = shape.retryAfterMs;
  }
  /** The token or pairing is wrong: retrying with the same token cannot help. */
  get isAuthFailure(): boolean {
    return (
      this.detailCode === 'AUTH_TOKEN_MISMATCH' ||
      this.code === 'NOT_PAIRED' ||
      this.detailCode === 'DEVICE_IDENTITY_REQUIRED' ||
      /^AUTH_/.test(this.detailCode ?? '')
    );
  }
}

/** Transport-level failures (no gateway, closed socket, timeout). */
export class GatewayConnectionError extends Error {
  constructor(
    message: string,
    /** `tls`: the certificate of a wss:// gateway is not trusted, or not the pinned one. */
    readonly kind: 'unreachable' | 'closed' | 'timeout' | 'protocol' | 'tls',
  ) {
    super(message);
    this.name = 'GatewayConnectionError';
  }
}

export function describeGatewayError(e: ErrorShape, method: string): string {
  const d = (e.details ?? {}) as Record<string, unknown>;
  const detail = typeof d.code === 'string' ? d.code : undefined;
  if (detail === 'AUTH_TOKEN_MISMATCH') {
    return 'The gateway rejected the token (AUTH_TOKEN_MISMATCH). Run "OpenClaw: Set Gateway Token" with the token the gateway uses (gateway.auth.token in openclaw.json or OPENCLAW_GATEWAY_TOKEN).';
  }
  if (e.code === 'NOT_PAIRED' || detail === 'DEVICE_IDENTITY_REQUIRED') {
    return 'The gateway needs a token (NOT_PAIRED: no token was sent and this client is not a paired device). Run "OpenClaw: Set Gateway Token".';
  }
  if (detail && /^AUTH_/.test(detail)) return `The gateway refused the connection (${detail}): ${e.message}`;
  if (e.code === 'UNAVAILABLE') {
    const reason = typeof d.reason === 'string' ? ` (${d.reason})` : '';
    return `The gateway is not ready yet${reason}; ${method} can be retried in a moment.`;
  }
  // models.authOrderSet on a provider whose order openclaw.json decides (models.authStatus
  // profileOrderLocked "auth-config" / "provider-config"): say where to change it.
  const locked =
    method === 'models.authOrderSet' ? /controlled by (auth|provider) configuration/.exec(e.message) : null;
  if (locked)
    return `${method} failed (${e.code}): ${e.message}. ${locked[1] === 'auth' ? 'The order comes from auth.order in openclaw.json: change it there' : 'A models.providers entry in openclaw.json names one of its profiles as apiKey: change it there'}; nothing was changed.`;
  return `${method} failed (${e.code}): ${e.message}`;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'auth-failed' | 'closed';

export interface ClientOptions {
  /** ws://127.0.0.1:18789 */
  url: string;
  /** The gateway token; asked again before every (re)connect so a changed token is picked up. */
  token: () => Promise<string | undefined> | string | undefined;
  clientVersion?: string;
  requestTimeoutMs?: number;
  /** Time for one handshake (socket open + challenge + hello-ok). */
  handshakeTimeoutMs?: number;
  /**
   * SHA-256 fingerprint of the certificate a wss:// gateway must present (gateway.remote.tlsFingerprint):
   * with it, a self-signed certificate is accepted when, and only when, it is that one.
   */
  tlsFingerprint?: string;
  /** Reconnect backoff (ms): initial, doubled up to max. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  log?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; method: string };
type Listener<T> = (v: T) => void;

/** A run the gateway stopped, and why (from abortedRunIds and the chat/agent events). */
export interface StoppedRun {
  runId: string;
  reason: string;
  sessionKey?: string;
  agentId?: string;
  seenIn: Array<'abortedRunIds' | 'chat' | 'agent'>;
}

/** A fingerprint as openclaw and browsers print it (AB:CD:…, or plain hex, any case) in one form. */
export function normalizeFingerprint(fp: string): string {
  return fp
    .replace(/^sha-?256[:=\s]*/i, '')
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase();
}

/** A socket error during the handshake: no gateway listening (refused, reset, unreachable) or anything else. */
function socketError(url: string, e: Error & { code?: string }): GatewayConnectionError {
  if (/CERT|SELF_SIGNED|SSL|TLS|ALTNAME/.test(e.code ?? ''))
    return new GatewayConnectionError(
      // Node's message may add advice for Node itself (--use-system-ca): only its first clause is the cause.
      `The certificate of ${url} is not trusted (${e.message.split(';')[0]}). Check its fingerprint and trust it explicitly, or reach the gateway over an SSH tunnel.`,
      'tls',
    );
  // ws's own opening-handshake timer (a port that accepts but never upgrades): a timeout, not a protocol error.
  if (/handshake has timed out/i.test(e.message))
    return new GatewayConnectionError(`The gateway at ${url} did not answer the WebSocket upgrade in time.`, 'timeout');
  const unreachable =
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(e.code ?? '');
  return new GatewayConnectionError(
    unreachable ? `No gateway answers at ${url} (${e.code}).` : `Gateway connection error: ${e.message}`,
    unreachable ? 'unreachable' : 'protocol',
  );
}

/** The gateway closed the socket before hello-ok: its close code and reason, when it gave one. */
function closedDuringHandshake(code: number, reason: Buffer): GatewayConnectionError {
  return new GatewayConnectionError(
    `The gateway closed the connection during the handshake (${code}${reason.length ? `: ${reason.toString()}` : ''}).`,
    'closed',
  );
}

export class GatewayClient {
  state: ClientState = 'idle';
  hello: HelloOk | undefined;
  /** The last error a user should see (auth failure, unreachable ...). */
  lastError: string | undefined;
  /** The error behind lastError, for callers that act on its kind. */
  lastFailure: Error | undefined;
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = { state: new Set<Listener<ClientState>>(), event: new Set<Listener<EventFrame>>() };
  private wantOpen = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  /** Runs stopped with a stopReason, by runId (filled from chat/agent events). */
  readonly stoppedRuns = new Map<string, StoppedRun>();

  constructor(readonly opts: ClientOptions) {}

  onState(l: Listener<ClientState>): () => void {
    this.listeners.state.add(l);
    return () => this.listeners.state.delete(l);
  }
  onEvent(l: Listener<EventFrame>): () => void {
    this.listeners.event.add(l);
    return () => this.listeners.event.delete(l);
  }

  private setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.listeners.state) l(s);
  }

  private log(level: 'info' | 'warn' | 'debug', msg: string): void {
    this.opts.log?.(level, msg);
  }

  /** Connects once (no automatic reconnect). Rejects with GatewayError / GatewayConnectionError. */
  async connect(): Promise<HelloOk> {
    this.wantOpen = true;
    return this.open();
  }

  /** Connects and keeps reconnecting with backoff after a drop, until close(). Auth failures stop it. */
  start(): void {
    this.wantOpen = true;
    if (this.state === 'connected') return;
    // A pending reconnect is brought forward; a handshake in flight is joined (never two at once).
    void this.open().catch(() => undefined);
  }

  private inflight: Promise<HelloOk> | undefined;

  private open(): Promise<HelloOk> {
    if (this.inflight) return this.inflight;
    clearTimeout(this.reconnectTimer);
    const p = this.openOnce();
    this.inflight = p;
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async openOnce(): Promise<HelloOk> {
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting');
    const token = await this.opts.token();
    try {
      const hello = await this.handshake(token);
      if (!this.wantOpen) {
        // close() was called while the handshake was in flight.
        this.ws?.terminate();
        this.ws = undefined;
        throw new GatewayConnectionError('Disconnected from the gateway.', 'closed');
      }
      this.attempt = 0;
      this.lastError = undefined;
      this.lastFailure = undefined;
      this.hello = hello;
      this.setState('connected');
      this.log(
        'info',
        `Connected to the gateway ${this.opts.url} (openclaw ${hello.server.version}, protocol ${hello.protocol}).`,
      );
      return hello;
    } catch (e) {
      const err = e as Error;
      this.lastError = err.message;
      this.lastFailure = err;
      if (err instanceof GatewayError && err.isAuthFailure) {
        this.wantOpen = false;
        this.setState('auth-failed');
      } else {
        this.scheduleReconnect(err instanceof GatewayError ? err.retryAfterMs : undefined);
      }
      throw err;
    }
  }

  private scheduleReconnect(after?: number): void {
    if (!this.wantOpen) {
      this.setState('closed');
      return;
    }
    const initial = this.opts.reconnectInitialMs ?? 500;
    const max = this.opts.reconnectMaxMs ?? 10_000;
    const delay = after ?? Math.min(max, initial * 2 ** this.attempt);
    this.attempt++;
    this.setState('reconnecting');
    this.log('debug', `Gateway connection: retrying in ${delay} ms (attempt ${this.attempt}).`);
    this.reconnectTimer = setTimeout(() => {
      void this.open().catch(() => undefined);
    }, delay);
  }

  private handshake(token: string | undefined): Promise<HelloOk> {
    const timeoutMs = this.opts.handshakeTimeoutMs ?? 10_000;
    return new Promise<HelloOk>((resolve, reject) => {
      let settled = false;
      const pin = this.opts.tlsFingerprint && this.opts.url.startsWith('wss:') ? this.opts.tlsFingerprint : undefined;
      // A pinned certificate replaces the CA check (it is usually self-signed); it is checked on the
      // upgrade response, before the connect request (the token) is sent.
      const ws = new WebSocket(this.opts.url, {
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false,
        ...(pin ? { rejectUnauthorized: false } : {}),
      });
      if (pin)
        ws.on('upgrade', (res) => {
          const cert = (res.socket as TLSSocket).getPeerCertificate?.();
          const got = cert?.fingerprint256 ? normalizeFingerprint(cert.fingerprint256) : '';
          if (got !== normalizeFingerprint(pin))
            fail(
              new GatewayConnectionError(
                `The certificate of ${this.opts.url} is not the pinned one (it presents SHA-256 ${cert?.fingerprint256 ?? 'none'}); nothing was sent. If the gateway's certificate was renewed, trust the new one explicitly.`,
                'tls',
              ),
            );
        });
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.removeAllListeners('close');
        ws.on('close', () => undefined);
        try {
          ws.terminate();
        } catch {
          /* already closed */
        }
        reject(e);
      };
      const timer = setTimeout(
        () =>
          fail(
            new GatewayConnectionError(
              `The gateway at ${this.opts.url} did not complete the handshake within ${timeoutMs} ms.`,
              'timeout',
            ),
          ),
        timeoutMs,
      );
      ws.on('error', (e: Error & { code?: string }) => fail(socketError(this.opts.url, e)));
      ws.on('close', (code: number, reason: Buffer) => {
        if (!settled) fail(closedDuringHandshake(code, reason));
        else this.onClosed(ws, code, reason.toString());
      });
      ws.on('message', (data: WebSocket.RawData) => {
        const frame = this.parse(data);
        if (!frame) return;
        if (!settled) {
          if (frame.type === 'event' && frame.event === 'connect.challenge') {
            if (!ChallengeSchema.safeParse(frame.payload).success)
              return fail(new GatewayConnectionError('The gateway sent a malformed connect.challenge.', 'protocol'));
            this.sendConnect(ws, token, timer, fail, (hello) => {
              settled = true;
              clearTimeout(timer);
              // Only a socket that completed the handshake carries requests.
              this.ws = ws;
              resolve(hello);
            });
            return;
          }
        }
        this.dispatch(frame);
      });
    });
  }

  /**
   * Answers connect.challenge with the connect request; a hello-ok answer goes to `accept`, anything
   * else (an error, or an answer that is not hello-ok) to `fail`.
   */
  private sendConnect(
    ws: WebSocket,
    token: string | undefined,
    timer: NodeJS.Timeout,
    fail: (e: Error) => void,
    accept: (hello: HelloOk) => void,
  ): void {
    const id = String(this.nextId++);
    this.pending.set(id, {
      method: 'connect',
      timer: timer,
      resolve: (payload) => {
        const h = HelloOkSchema.safeParse(payload);
        if (!h.success)
          return fail(
            new GatewayConnectionError(
              'The gateway answered connect with something that is not hello-ok (protocol mismatch?).',
              'protocol',
            ),
          );
        accept(h.data);
      },
      reject: (e) => fail(e),
    });
    ws.send(
      JSON.stringify({
        type: 'req',
        id,
        method: 'connect',
        params: connectParams(token, this.opts.clientVersion ?? '0.1.0'),
      }),
    );
  }

  private parse(data: WebSocket.RawData): ReturnType<typeof FrameSchema.parse> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      this.log('warn', 'Gateway sent a frame that is not JSON; ignored.');
      return undefined;
    }
    const r = FrameSchema.safeParse(json);
    if (!r.success) {
      this.log('warn', `Gateway sent an unexpected frame (${r.error.issues[0]?.message ?? 'invalid'}); ignored.`);
      return undefined;
    }
    return r.data;
  }

  private dispatch(frame: ReturnType<typeof FrameSchema.parse>): void {
    if (frame.type === 'res') {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      if (p.method !== 'connect') clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.payload);
      else p.reject(new GatewayError(frame.error ?? { code: 'UNKNOWN', message: 'error without details' }, p.method));
      return;
    }
    this.track(frame);
    for (const l of this.listeners.event) l(frame);
  }

  /** Records runs stopped with a stopReason (chat state "aborted", agent lifecycle end + aborted). */
  private track(frame: EventFrame): void {
    let run: { runId: string; reason?: string; sessionKey?: string; agentId?: string } | undefined;
    let via: 'chat' | 'agent' | undefined;
    if (frame.event === 'chat') {
      const c = ChatEventSchema.safeParse(frame.payload);
      if (c.success && c.data.state === 'aborted') {
        run = { ...c.data, reason: c.data.stopReason };
        via = 'chat';
      }
    } else if (frame.event === 'agent') {
      const a = AgentEventSchema.safeParse(frame.payload);
      if (a.success && a.data.stream === 'lifecycle' && a.data.data?.aborted) {
        run = { ...a.data, reason: a.data.data.stopReason };
        via = 'agent';
      }
    }
    if (!run || !via) return;
    const prev = this.stoppedRuns.get(run.runId);
    const seenIn = prev ? [...new Set([...prev.seenIn, via])] : [via];
    this.stoppedRuns.set(run.runId, {
      runId: run.runId,
      reason: run.reason ?? prev?.reason ?? 'aborted',
      sessionKey: run.sessionKey ?? prev?.sessionKey,
      agentId: run.agentId ?? prev?.agentId,
      seenIn,
    });
  }

  private onClosed(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.hello = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(
        new GatewayConnectionError(
          `The gateway connection closed before ${p.method} was answered (${code}).`,
          'closed',
        ),
      );
      this.pending.delete(id);
    }
    if (!this.wantOpen) {
      this.setState('closed');
      return;
    }
    this.lastError = `The gateway connection closed (${code}${reason ? `: ${reason}` : ''}).`;
    this.log('warn', this.lastError);
    this.scheduleReconnect();
  }

  /** Sends one request; rejects with GatewayError (error response) or GatewayConnectionError (closed, timeout). */
  request<S extends z.ZodMiniType>(
    method: string,
    params: Record<string, unknown>,
    schema: S,
    timeoutMs = this.opts.requestTimeoutMs ?? 15_000,
  ): Promise<z.infer<S>> {
    const ws = this.ws;
    if (!ws || this.state !== 'connected' || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(
        new GatewayConnectionError(`Not connected to the gateway (${this.lastError ?? this.state}).`, 'closed'),
      );
    const id = String(this.nextId++);
    return new Promise<z.infer<S>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayConnectionError(`The gateway did not answer ${method} within ${timeoutMs} ms.`, 'timeout'));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        timer,
        resolve: (payload) => {
          const r = schema.safeParse(payload);
          if (r.success) resolve(r.data as z.infer<S>);
          else
            reject(
              new GatewayConnectionError(
                `The gateway's answer to ${method} has an unexpected shape (${r.error.issues[0]?.message ?? 'invalid'} at ${r.error.issues[0]?.path.join('.') ?? ''}).`,
                'protocol',
              ),
            );
        },
        reject,
      });
      ws.send(JSON.stringify({ type: 'req', id, method, params }));
    });
  }

  authStatus(params: { agentId?: string; refresh?: boolean } = {}): Promise<AuthStatus> {
    return this.request('models.authStatus', params, AuthStatusSchema);
  }
  authSetApiKey(params: { provider: string; apiKey: string; agentId?: string }): Promise<SetApiKeyResult> {
    return this.request('models.authSetApiKey', params, SetApiKeyResultSchema);
  }
  /** profileIds null (or omitted) clears the stored order. */
  authOrderSet(params: { provider: string; profileIds: string[] | null; agentId?: string }): Promise<OrderSetResult> {
    const { profileIds, ...rest } = params;
    return this.request('models.authOrderSet', profileIds ? { ...rest, profileIds } : rest, OrderSetResultSchema);
  }
  /** Without profileIds and credentialType: provider-wide logout, which aborts that provider's runs. */
  authLogout(params: {
    provider: string;
    profileIds?: string[];
    credentialType?: 'api_key';
    agentId?: string;
  }): Promise<LogoutResult> {
    return this.request('models.authLogout', params, LogoutResultSchema);
  }
  authRefresh(params: {
    operation: 'login' | 'logout' | 'update';
    agentId?: string;
  }): Promise<{ refreshed?: boolean }> {
    return this.request('models.authRefresh', params, RefreshResultSchema);
  }

  /**
   * models.probe: a live probe of one provider's credentials (or one profile) on the gateway host.
   * The gateway does not bound the whole request by its `timeoutMs` (offline it took ~83 s), so
   * `boundMs` is our own: past it the request fails with a GatewayConnectionError of kind
   * "timeout" and a later answer is ignored.
   */
  probe(
    params: { provider: string; profileId?: string; timeoutMs?: number; agentId?: string },
    boundMs?: number,
  ): Promise<ModelsProbeResult> {
    return this.request('models.probe', params, ModelsProbeResultSchema, boundMs);
  }

  /**
   * Provider-wide logout plus the runs it stopped: the union of `abortedRunIds` and the runs whose
   * chat/agent events carried a stopReason, seen up to `settleMs` after the answer.
   */
  async logoutProvider(
    params: { provider: string; agentId?: string },
    settleMs = 250,
  ): Promise<LogoutResult & { stopped: StoppedRun[] }> {
    const before = new Set(this.stoppedRuns.keys());
    const r = await this.authLogout(params);
    if (settleMs > 0) await new Promise((res) => setTimeout(res, settleMs));
    const stopped = new Map<string, StoppedRun>();
    for (const id of r.abortedRunIds)
      stopped.set(id, {
        runId: id,
        reason: this.stoppedRuns.get(id)?.reason ?? 'auth-revoked',
        seenIn: ['abortedRunIds', ...(this.stoppedRuns.get(id)?.seenIn ?? [])],
        sessionKey: this.stoppedRuns.get(id)?.sessionKey,
        agentId: this.stoppedRuns.get(id)?.agentId,
      });
    for (const [id, run] of this.stoppedRuns)
      if (!before.has(id) && !stopped.has(id) && run.reason === 'auth-revoked') stopped.set(id, run);
    return { ...r, stopped: [...stopped.values()] };
  }

  close(): void {
    this.wantOpen = false;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.hello = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayConnectionError(`Disconnected before ${p.method} was answered.`, 'closed'));
      this.pending.delete(id);
    }
    if (ws) {
      try {
        ws.close(1000, 'client closing');
      } catch {
        /* ignore */
      }
      setTimeout(() => {
        try {
          ws.terminate();
        } catch {
          /* ignore */
        }
      }, 1000).unref();
    }
    this.attempt = 0;
    this.setState('closed');
  }
}

/** "2 runs stopped (auth revoked)" / "" when none. */
export function stoppedRunsMessage(stopped: StoppedRun[]): string {
  if (!stopped.length) return '';
  const reasons = [...new Set(stopped.map((r) => r.reason.replace(/-/g, ' ')))].join(', ');
  return `${stopped.length} run${stopped.length === 1 ? '' : 's'} stopped (${reasons})`;
}
