/**
 * A gateway on another machine, reached only through its URL: its files are never read. One
 * long-lived control-plane connection (protocol v4) that reconnects with backoff after a drop (the
 * remote restarted, the laptop slept, the tunnel fell over), a connection state a user can act on
 * (unreachable, token rejected, protocol mismatch), and the remote's agents with their
 * models.authStatus, refreshed on connect, on the gateway's change events and after every write.
 *
 * No vscode: the editor's remotes feature (src/features/remotes/) and the tests drive it directly.
 */
import * as z from 'zod/mini';
import { GatewayClient, GatewayConnectionError, stoppedRunsMessage, type ClientState } from './client';
import { PROTOCOL_VERSION, type AuthStatus, type ModelsProbeResult } from './protocol';
import { redact } from '../auth/mask';
import tls from 'node:tls';

/**
 * The SHA-256 fingerprint of the certificate a wss:// URL presents, read with a bare TLS handshake
 * (no HTTP request, nothing sent), so the user can compare it before trusting it. Undefined when
 * nothing answers within `timeoutMs`.
 */
export function peerFingerprint(url: string, timeoutMs = 5_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve(undefined);
    }
    if (u.protocol !== 'wss:') return resolve(undefined);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(u.port || 443),
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: false,
    });
    const done = (fp: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(fp);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('secureConnect', () => done(socket.getPeerCertificate()?.fingerprint256 || undefined));
    socket.once('error', () => done(undefined));
  });
}

/** How a user named a remote gateway, and where it is. */
export interface RemoteGatewayConfig {
  /** Stable id (the URL as checked by checkGatewayUrl); the token is kept under it. */
  id: string;
  name: string;
  url: string;
  source: 'settings' | 'openclaw.json';
  /** SHA-256 fingerprint a `wss://` remote's certificate must have: then that certificate, and only it, is accepted. */
  tlsFingerprint?: string;
}

/** What the tree and the status bar show of a remote's connection. */
export type RemoteConnection =
  | { kind: 'connecting' }
  | { kind: 'connected'; version: string; protocol: number }
  /** Not reachable now; the client retries with backoff. */
  | { kind: 'unreachable'; message: string }
  /** The gateway refused the token: no retry until the token changes. */
  | { kind: 'token-rejected'; message: string }
  /**
   * A wss:// gateway whose certificate the system does not trust, or not the pinned one: no retry
   * until the user trusts it (its fingerprint, read without sending anything, is offered to pin).
   */
  | { kind: 'untrusted-certificate'; message: string; fingerprint?: string }
  /** A gateway of another protocol version: no retry. */
  | { kind: 'protocol-mismatch'; message: string }
  | { kind: 'stopped' };

export interface RemoteAgent {
  agentId: string;
  isDefault: boolean;
  status?: AuthStatus;
  /** Why this agent's status could not be read (the rest of the gateway may still work). */
  error?: string;
}

export interface RemoteGatewayOptions {
  token: () => Promise<string | undefined> | string | undefined;
  /** Bound on every request (the gateway's own timeouts are not trusted). */
  requestTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** A connection that has carried no frame for this long is taken for dead (sleep, a dropped tunnel). Default: 2.5 ticks. */
  staleAfterMs?: number;
  /** Refresh the statuses this often while connected (expiry windows move with the clock). */
  pollMs?: number;
  log?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

const AgentsListSchema = z.looseObject({
  defaultId: z.optional(z.string()),
  agents: z.array(z.looseObject({ id: z.string() })),
});

/** Events after which a remote's auth may have changed (seen on a second connection during set and logout). */
const REFRESH_EVENTS = new Set(['config.changed', 'chat.metadata.changed']);

export class RemoteGateway {
  connection: RemoteConnection = { kind: 'stopped' };
  agents: RemoteAgent[] = [];
  /** When the statuses were last read (ms since epoch); 0 before the first read. */
  refreshedAt = 0;
  /** When the connection state last changed (for "since" in tooltips and the benchmark). */
  connectionChangedAt = Date.now();
  private readonly client: GatewayClient;
  private readonly listeners = new Set<() => void>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private lastFrameAt = Date.now();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private disposed = false;
  /** The token last sent, so no message can carry it. */
  private lastToken: string | undefined;

  constructor(
    readonly config: RemoteGatewayConfig,
    private readonly opts: RemoteGatewayOptions,
  ) {
    this.client = new GatewayClient({
      url: config.url,
      token: async () => {
        this.lastToken = (await opts.token()) || undefined;
        return this.lastToken;
      },
      requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      reconnectInitialMs: opts.reconnectInitialMs ?? 1_000,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      tlsFingerprint: config.tlsFingerprint,
      log: opts.log,
    });
    this.client.onState((s) => this.onClientState(s));
    this.client.onEvent((e) => {
      this.lastFrameAt = Date.now();
      if (REFRESH_EVENTS.has(e.event)) this.scheduleRefresh(300);
    });
  }

  get id(): string {
    return this.config.id;
  }

  onDidChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }

  private setConnection(c: RemoteConnection): void {
    if (JSON.stringify(c) === JSON.stringify(this.connection)) return;
    this.connection = c;
    this.connectionChangedAt = Date.now();
    this.fire();
  }

  /** Connects and keeps the connection (reconnecting with backoff) until stop() or dispose(). */
  start(): void {
    if (this.disposed) return;
    this.client.start();
  }

  /** Drops the connection and connects again now (a new token, or the user asked). */
  reconnect(): void {
    if (this.disposed) return;
    // The state shown stays what it was (unreachable, say) until the new handshake says otherwise.
    this.restarting = true;
    try {
      this.client.close();
    } finally {
      this.restarting = false;
    }
    this.client.start();
  }

  private restarting = false;

  private onClientState(s: ClientState): void {
    const message = this.scrub(this.client.lastError ?? '');
    if (s === 'connected') {
      const hello = this.client.hello;
      if (hello && hello.protocol !== PROTOCOL_VERSION) {
        this.client.close();
        this.setConnection({
          kind: 'protocol-mismatch',
          message: `The gateway speaks protocol ${hello.protocol}; this extension speaks ${PROTOCOL_VERSION} (openclaw ${hello.server.version}). Update the one that is older.`,
        });
        return;
      }
      this.lastFrameAt = Date.now();
      this.setConnection({ kind: 'connected', version: hello?.server.version ?? '?', protocol: hello?.protocol ?? 0 });
      this.armTimers(hello?.policy?.tickIntervalMs);
      this.scheduleRefresh(0);
      return;
    }
    this.disarmTimers();
    if (s === 'auth-failed') {
      const code = /\(([A-Z][A-Z0-9_]+)\)/.exec(message)?.[1];
      this.setConnection({
        kind: 'token-rejected',
        message: `The gateway rejected the token${code ? ` (${code})` : ''}. Give this gateway's token (its gateway.auth.token) with "OpenClaw: Set Remote Gateway Token".`,
      });
    } else if (s === 'closed') {
      if (this.restarting) return;
      if (
        this.connection.kind !== 'protocol-mismatch' &&
        this.connection.kind !== 'token-rejected' &&
        this.connection.kind !== 'untrusted-certificate'
      )
        this.setConnection({ kind: 'stopped' });
    } else if (s === 'reconnecting') {
      const failure = this.client.lastFailure;
      if (failure instanceof GatewayConnectionError && failure.kind === 'tls') {
        // Retrying cannot help: the user has to look at the certificate and trust it.
        this.client.close();
        this.setConnection({ kind: 'untrusted-certificate', message });
        void peerFingerprint(this.config.url).then((fingerprint) => {
          if (fingerprint && this.connection.kind === 'untrusted-certificate')
            this.setConnection({ ...this.connection, fingerprint });
        });
      } else if (/protocol/i.test(message) && !/closed/i.test(message)) {
        // A gateway that refuses our protocol range says so on every try: stop asking.
        this.client.close();
        this.setConnection({ kind: 'protocol-mismatch', message });
      } else
        this.setConnection({
          kind: 'unreachable',
          // WebSocket's 1006 (closed without a close frame) means nothing to a user.
          message: /connection closed \(1006\)/.test(message)
            ? 'The connection dropped: the gateway stopped or restarted, or the network went away.'
            : message || 'The connection was lost.',
        });
    } else if (s === 'connecting' && this.connection.kind === 'stopped') this.setConnection({ kind: 'connecting' });
  }

  /** Polls while connected, and takes a silent connection for dead (the gateway ticks every tickIntervalMs). */
  private armTimers(tickIntervalMs: number | undefined): void {
    this.disarmTimers();
    const poll = this.opts.pollMs ?? 60_000;
    if (poll > 0) this.pollTimer = setInterval(() => this.scheduleRefresh(0), poll);
    const stale = this.opts.staleAfterMs ?? Math.max(5_000, (tickIntervalMs ?? 30_000) * 2.5);
    this.staleTimer = setInterval(
      () => {
        if (Date.now() - this.lastFrameAt <= stale) return;
        this.opts.log?.(
          'warn',
          `No frame from the gateway ${this.config.url} for ${Math.round(stale / 1000)} s; reconnecting.`,
        );
        this.setConnection({ kind: 'unreachable', message: 'The gateway stopped answering; reconnecting.' });
        this.reconnect();
      },
      Math.max(1_000, Math.min(stale / 4, 10_000)),
    );
    this.pollTimer?.unref?.();
    this.staleTimer.unref?.();
  }

  private disarmTimers(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.staleTimer);
    this.pollTimer = this.staleTimer = undefined;
  }

  private scheduleRefresh(delayMs: number): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), delayMs);
  }

  /** Reads the agents (agents.list, else the default agent alone) and each one's models.authStatus. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async () => {
      do {
        this.refreshAgain = false;
        await this.readAll();
      } while (this.refreshAgain && !this.disposed);
    };
    const p = run().finally(() => {
      if (this.refreshing === p) this.refreshing = undefined;
    });
    this.refreshing = p;
    return p;
  }

  private async readAll(): Promise<void> {
    if (this.connection.kind !== 'connected') return;
    let ids: Array<{ agentId: string; isDefault: boolean }>;
    try {
      const list = await this.client.request('agents.list', {}, AgentsListSchema);
      const def = list.defaultId ?? list.agents[0]?.id;
      ids = list.agents.map((a) => ({ agentId: a.id, isDefault: a.id === def }));
      if (!ids.length) ids = [{ agentId: def ?? 'main', isDefault: true }];
    } catch (e) {
      if (e instanceof GatewayConnectionError) return;
      // An older gateway without agents.list: its default agent.
      ids = [{ agentId: '', isDefault: true }];
    }
    const agents = await Promise.all(
      ids.map(async (a): Promise<RemoteAgent> => {
        try {
          const status = await this.client.authStatus(a.isDefault ? {} : { agentId: a.agentId });
          return { ...a, agentId: a.agentId || 'default', status };
        } catch (e) {
          return { ...a, agentId: a.agentId || 'default', error: this.scrub((e as Error).message) };
        }
      }),
    );
    if (this.disposed) return;
    this.agents = agents;
    this.refreshedAt = Date.now();
    this.fire();
  }

  agent(agentId: string): RemoteAgent | undefined {
    return this.agents.find((a) => a.agentId === agentId);
  }

  /** The request scope of an agent: none for the gateway's default agent. */
  private scope(agentId: string): { agentId?: string } {
    const a = this.agent(agentId);
    return a?.isDefault ? {} : { agentId };
  }

  private async write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.connection.kind !== 'connected')
      throw new Error(
        `${this.config.name} (${this.config.url}) is not connected: ${describeConnection(this.connection)}`,
      );
    try {
      return await fn();
    } catch (e) {
      throw new Error(`${what} on ${this.config.name}: ${this.scrub((e as Error).message)}`);
    } finally {
      this.scheduleRefresh(0);
    }
  }

  /** Saves an API key on the remote (models.authSetApiKey); the profile id is the gateway's choice (<provider>:manual). */
  setApiKey(agentId: string, provider: string, apiKey: string): Promise<{ profileId: string }> {
    return this.write('Saving the key', async () => {
      const r = await this.client.authSetApiKey({ provider, apiKey, ...this.scope(agentId) });
      return { profileId: r.profileId };
    });
  }

  /** Stores a provider's order on the remote; null clears it. */
  setOrder(agentId: string, provider: string, profileIds: string[] | null): Promise<void> {
    return this.write('Saving the order', async () => {
      await this.client.authOrderSet({ provider, profileIds, ...this.scope(agentId) });
    });
  }

  removeProfile(agentId: string, provider: string, profileId: string): Promise<string[]> {
    return this.write(`Removing ${profileId}`, async () => {
      const r = await this.client.authLogout({ provider, profileIds: [profileId], ...this.scope(agentId) });
      return r.removedProfiles;
    });
  }

  /** Provider-wide logout: the message names the runs it stopped (auth revoked). */
  logoutProvider(agentId: string, provider: string): Promise<{ removedProfiles: string[]; message: string }> {
    return this.write(`Removing ${provider}'s auth`, async () => {
      const r = await this.client.logoutProvider({ provider, ...this.scope(agentId) });
      const stopped = stoppedRunsMessage(r.stopped);
      return {
        removedProfiles: r.removedProfiles,
        message: `Removed ${r.removedProfiles.length} ${provider} profile(s) on ${this.config.name}. ${stopped ? `${stopped}.` : 'No runs were using it.'}`,
      };
    });
  }

  /**
   * A live probe on the remote (models.probe) of a provider, or one of its profiles. The gateway
   * does not honour its own timeoutMs (offline it answered after ~83 s), so `boundMs` is ours: past
   * it the probe is reported as timed out and a late answer is ignored. Results are kept per profile.
   */
  async probe(
    agentId: string,
    provider: string,
    opts: { profileId?: string; timeoutMs: number; boundMs: number },
  ): Promise<ModelsProbeResult> {
    if (this.connection.kind !== 'connected')
      throw new Error(
        `${this.config.name} (${this.config.url}) is not connected: ${describeConnection(this.connection)}`,
      );
    try {
      const r = await this.client.probe(
        {
          provider,
          timeoutMs: opts.timeoutMs,
          ...(opts.profileId ? { profileId: opts.profileId } : {}),
          ...this.scope(agentId),
        },
        opts.boundMs,
      );
      const at = Date.now();
      for (const t of r.results) if (t.profileId) this.probes.set(`${agentId}\n${t.profileId}`, { ...t, at });
      this.fire();
      return r;
    } catch (e) {
      if (e instanceof GatewayConnectionError && e.kind === 'timeout')
        throw new Error(
          `${this.config.name} did not finish probing ${opts.profileId ?? provider} within ${Math.round(opts.boundMs / 1000)} s (the gateway does not bound its own probe); nothing is recorded.`,
        );
      throw new Error(
        `Probing ${opts.profileId ?? provider} on ${this.config.name}: ${this.scrub((e as Error).message)}`,
      );
    }
  }

  /** The last live probe of a profile on this remote (status, latency, when). */
  probeOf(agentId: string, profileId: string): (ModelsProbeResult['results'][number] & { at: number }) | undefined {
    return this.probes.get(`${agentId}\n${profileId}`);
  }

  private readonly probes = new Map<string, ModelsProbeResult['results'][number] & { at: number }>();

  private scrub(text: string): string {
    return redact(text, this.lastToken ? [this.lastToken] : []);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.refreshTimer);
    this.disarmTimers();
    this.client.close();
    this.listeners.clear();
  }
}

/** A connection state in a word or two, for the tree's gateway row and the status bar item. */
export const CONNECTION_WORDS: Readonly<Record<RemoteConnection['kind'], string>> = {
  connected: 'connected',
  connecting: 'connecting…',
  unreachable: 'unreachable',
  'token-rejected': 'token rejected',
  'protocol-mismatch': 'protocol mismatch',
  'untrusted-certificate': 'certificate not trusted',
  stopped: 'not connected',
};

/** The connection state in words, for tooltips, rows and refusals. */
export function describeConnection(c: RemoteConnection): string {
  switch (c.kind) {
    case 'connected':
      return `connected (openclaw ${c.version}, protocol ${c.protocol})`;
    case 'connecting':
      return 'connecting…';
    case 'unreachable':
      return `unreachable, retrying: ${c.message}`;
    case 'token-rejected':
      return `token rejected: ${c.message}`;
    case 'protocol-mismatch':
      return `protocol mismatch: ${c.message}`;
    case 'untrusted-certificate':
      return `certificate not trusted: ${c.message}${c.fingerprint ? ` It presents SHA-256 ${c.fingerprint}.` : ''}`;
    case 'stopped':
      return 'not connected';
  }
}
