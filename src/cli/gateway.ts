/**
 * `openclaw-auth gateway status [--gateway URL] [--token-file F] [--timeout MS] [--json]`: whether a
 * gateway answers, which openclaw it is, and its models.authStatus summary, through the control
 * plane (protocol v4). Without --gateway it is this state dir's gateway: openclaw.json's remote one
 * when `gateway.mode` is "remote", else the local one on its loopback port.
 *
 * Tokens: with --gateway, from --token-file or OPENCLAW_GATEWAY_TOKEN only (as openclaw's `--url`,
 * config credentials are never sent to a URL given on the command line); never a flag, which would
 * land in shell history and `ps`. Otherwise openclaw's precedence for the target's mode.
 */
import fs from 'node:fs';
import { GatewayClient, GatewayConnectionError, GatewayError } from '../gateway/client';
import { probeGateway } from '../gateway/health';
import { PROTOCOL_VERSION, type AuthStatus, type HelloOk } from '../gateway/protocol';
import { checkGatewayUrl, configRemoteTarget, localTarget, type GatewayTarget } from '../gateway/targets';
import { chooseToken, readGatewayConfig, remoteModeToken } from '../gateway/token';
import { redact } from '../auth/mask';
import type { AgentSnapshot } from '../store/snapshot';

export type GatewayFailure =
  'unreachable' | 'token-rejected' | 'protocol-mismatch' | 'timeout' | 'closed' | 'refused' | 'config';

export interface GatewayStatusDoc {
  target: { kind: GatewayTarget['kind']; url: string; source?: string };
  reachable: boolean;
  connected: boolean;
  /** /readyz of a local gateway (a remote one is ready when it completes the handshake). */
  ready?: boolean;
  version?: string;
  protocol?: number;
  auth?: {
    providers: Array<{ provider: string; status: string; profiles: number }>;
    unavailable?: string;
  };
  error?: { kind: GatewayFailure; message: string };
}

/** The connection's outcome in the words of the issue a user sees. */
export function failureKind(e: unknown): GatewayFailure {
  if (e instanceof GatewayConnectionError)
    return e.kind === 'unreachable'
      ? 'unreachable'
      : e.kind === 'timeout'
        ? 'timeout'
        : e.kind === 'protocol'
          ? 'protocol-mismatch'
          : e.kind === 'closed'
            ? 'closed'
            : 'refused';
  if (e instanceof GatewayError)
    return e.isAuthFailure ? 'token-rejected' : e.detailCode === 'PROTOCOL_MISMATCH' ? 'protocol-mismatch' : 'refused';
  return 'refused';
}

/** A gateway failure as the CLI reports it: its kind and a message that names the URL, never the token. */
export class GatewayFailureError extends Error {
  constructor(
    message: string,
    readonly kind: GatewayFailure,
  ) {
    super(message);
    this.name = 'GatewayFailureError';
  }
}

/**
 * The CLI's sentence for a failed connection or request: the client's words name the editor's
 * commands, the CLI says where its token comes from; a protocol mismatch says which versions.
 */
export function describeFailure(
  e: unknown,
  target: GatewayTarget,
  token: string | undefined,
): { kind: GatewayFailure; message: string } {
  const kind = failureKind(e);
  let message: string;
  if (kind === 'token-rejected')
    message = `The gateway at ${target.url} rejected the token${e instanceof GatewayError && e.detailCode ? ` (${e.detailCode})` : ''}. Give the token it uses with --token-file or OPENCLAW_GATEWAY_TOKEN${target.kind === 'local' || target.source === 'openclaw.json' ? ' (or gateway.auth.token / gateway.remote.token in openclaw.json)' : ''}.`;
  else if (e instanceof GatewayError && e.detailCode === 'PROTOCOL_MISMATCH') {
    const d = (e.shape.details ?? {}) as Record<string, unknown>;
    const expected = typeof d.expectedProtocol === 'number' ? d.expectedProtocol : undefined;
    message = `The gateway at ${target.url} refused protocol ${PROTOCOL_VERSION}${expected !== undefined ? ` (it speaks protocol ${expected})` : ''}: ${e.shape.message}. Update the older of openclaw-auth and openclaw.`;
  } else message = (e as Error).message;
  if (!message.includes(target.url)) message = `${message} (${target.url})`;
  return { kind, message: redact(message, token ? [token] : []) };
}

/**
 * A hello-ok of another protocol version: the client takes any hello-ok, the CLI speaks only
 * PROTOCOL_VERSION, so nothing more is sent.
 */
export function checkProtocol(hello: HelloOk, url: string): void {
  if (hello.protocol !== PROTOCOL_VERSION)
    throw new GatewayConnectionError(
      `The gateway at ${url} speaks protocol ${hello.protocol} (openclaw ${hello.server.version}); openclaw-auth speaks protocol ${PROTOCOL_VERSION}. Update the older one; nothing was sent.`,
      'protocol',
    );
}

/** The token for a URL given on the command line: --token-file, else OPENCLAW_GATEWAY_TOKEN. */
export function flagToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (tokenFile) {
    let text: string;
    try {
      text = fs.readFileSync(tokenFile, 'utf8');
    } catch (e) {
      throw new Error(`Cannot read --token-file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    const token = text.split(/\r?\n/)[0]?.trim();
    if (!token) throw new Error(`--token-file ${tokenFile} is empty.`);
    return token;
  }
  return env.OPENCLAW_GATEWAY_TOKEN?.trim() || undefined;
}

/** The target and token of a command: --gateway, else this state dir's remote or local gateway. */
export async function resolveTarget(
  a: { url?: string; tokenFile?: string; snapshot: () => AgentSnapshot },
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ target: GatewayTarget; token: string | undefined }> {
  if (a.url) {
    const c = checkGatewayUrl(a.url);
    if (!c.ok) throw new Error(c.message);
    return { target: { kind: 'remote', url: c.url, source: 'flag' }, token: flagToken(a.tokenFile, env) };
  }
  const s = a.snapshot();
  const config = s.config.data as Record<string, unknown>;
  const remote = configRemoteTarget(config);
  if (remote && 'error' in remote) throw new Error(remote.error);
  const resolve = {
    env: s.env,
    secretsConfig: s.config.data.secrets,
    readStoreSecret: (n: string) => s.sharedDb.secretStore.get(n),
  };
  if (remote) return { target: remote, token: await remoteModeToken(s.config.data, env, resolve) };
  const choice = await chooseToken(readGatewayConfig(s.config.data), { env, resolve });
  return { target: localTarget(config, s.env), token: choice.token };
}

function authSummary(a: AuthStatus): NonNullable<GatewayStatusDoc['auth']> {
  return {
    providers: a.providers.map((p) => ({
      provider: p.provider,
      status: String(p.status),
      profiles: p.profiles.length,
    })),
    ...(a.unavailable ? { unavailable: a.unavailable.message ?? a.unavailable.code ?? 'unavailable' } : {}),
  };
}

/** Connects once (no reconnect), reads models.authStatus, and closes. Never throws: failures are in `error`. */
export async function gatewayStatus(
  target: GatewayTarget,
  token: string | undefined,
  opts: { timeoutMs: number; agentId?: string },
): Promise<GatewayStatusDoc> {
  const doc: GatewayStatusDoc = {
    target: { kind: target.kind, url: target.url, ...(target.kind === 'remote' ? { source: target.source } : {}) },
    reachable: false,
    connected: false,
  };
  if (target.kind === 'local') {
    const p = await probeGateway(target.port, { timeoutMs: Math.min(opts.timeoutMs, 5000) });
    if (p.kind === 'gateway') doc.ready = p.ready;
  }
  const client = new GatewayClient({
    url: target.url,
    token: () => token,
    handshakeTimeoutMs: opts.timeoutMs,
    requestTimeoutMs: opts.timeoutMs,
  });
  try {
    const hello: HelloOk = await client.connect();
    doc.reachable = true;
    doc.version = hello.server.version;
    doc.protocol = hello.protocol;
    checkProtocol(hello, target.url);
    doc.connected = true;
    doc.auth = authSummary(await client.authStatus(opts.agentId ? { agentId: opts.agentId } : {}));
  } catch (e) {
    const f = describeFailure(e, target, token);
    doc.reachable = doc.reachable || (f.kind !== 'unreachable' && f.kind !== 'timeout');
    doc.connected = false;
    doc.error = f;
  } finally {
    client.close();
  }
  return doc;
}

/** The human-readable lines of a status document. */
export function statusLines(d: GatewayStatusDoc): string {
  const head = `${d.target.kind === 'remote' ? 'Remote' : 'Local'} gateway ${d.target.url}`;
  if (d.error) return `${head}: ${d.error.kind}: ${d.error.message}\n`;
  const lines = [
    `${head}: connected (openclaw ${d.version ?? '?'}, protocol ${d.protocol ?? '?'}${d.ready === false ? ', /readyz failing' : ''})`,
  ];
  if (d.auth?.unavailable) lines.push(`  auth status unavailable: ${d.auth.unavailable}`);
  for (const p of d.auth?.providers ?? []) lines.push(`  ${p.provider}: ${p.status} (${p.profiles} profile(s))`);
  return `${lines.join('\n')}\n`;
}
