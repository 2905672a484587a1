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
import type { AuthStatus, HelloOk } from '../gateway/protocol';
import { checkGatewayUrl, configRemoteTarget, localTarget, type GatewayTarget } from '../gateway/targets';
import { chooseToken, readGatewayConfig } from '../gateway/token';
import { SecretRefSchema, resolveSecretRef } from '../auth/secretRef';
import { isObj } from '../auth/obj';
import { redact } from '../auth/mask';
import type { AgentSnapshot } from '../store/snapshot';

export type GatewayFailure = 'unreachable' | 'token-rejected' | 'protocol-mismatch' | 'timeout' | 'refused' | 'config';

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
          : 'refused';
  if (e instanceof GatewayError) return e.isAuthFailure ? 'token-rejected' : 'refused';
  return 'refused';
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

/** openclaw's remote-mode token: gateway.remote.token (string or SecretRef), else OPENCLAW_GATEWAY_TOKEN. */
async function remoteModeToken(s: AgentSnapshot, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const g = isObj(s.config.data.gateway) ? s.config.data.gateway : {};
  const t = isObj(g.remote) ? g.remote.token : undefined;
  if (typeof t === 'string' && t.trim()) return t.trim();
  const ref = SecretRefSchema.safeParse(t);
  if (ref.success)
    return resolveSecretRef(ref.data, {
      env: s.env,
      secretsConfig: s.config.data.secrets,
      readStoreSecret: (n) => s.sharedDb.secretStore.get(n),
    });
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
  if (remote) return { target: remote, token: await remoteModeToken(s, env) };
  const choice = await chooseToken(readGatewayConfig(s.config.data), {
    env,
    resolve: {
      env: s.env,
      secretsConfig: s.config.data.secrets,
      readStoreSecret: (n) => s.sharedDb.secretStore.get(n),
    },
  });
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
    doc.connected = true;
    doc.version = hello.server.version;
    doc.protocol = hello.protocol;
    doc.auth = authSummary(await client.authStatus(opts.agentId ? { agentId: opts.agentId } : {}));
  } catch (e) {
    const kind = failureKind(e);
    doc.reachable = kind !== 'unreachable' && kind !== 'timeout';
    // The client's words name the editor's command; the CLI says where its token comes from.
    const message =
      kind === 'token-rejected'
        ? `The gateway rejected the token${e instanceof GatewayError && e.detailCode ? ` (${e.detailCode})` : ''}. Give the token it uses with --token-file or OPENCLAW_GATEWAY_TOKEN${target.kind === 'local' || target.source === 'openclaw.json' ? ' (or gateway.auth.token / gateway.remote.token in openclaw.json)' : ''}.`
        : (e as Error).message;
    doc.error = { kind, message: redact(message, token ? [token] : []) };
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
