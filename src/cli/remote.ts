/**
 * The CLI's commands on a gateway given with --gateway URL: everything goes through its control
 * plane (protocol v4), its files are never read. The JSON keeps the local commands' shapes where
 * the data allows; `gateway` names the URL and the local-only fields (agentDir, authStatePath) are
 * null. What the protocol cannot do (setup tokens, SecretRefs, migration, .env rotation keys) is
 * refused before anything is sent, with the reason.
 */
import { GatewayClient, GatewayConnectionError, GatewayError, stoppedRunsMessage } from '../gateway/client';
import type { AuthStatus, AuthStatusProvider } from '../gateway/protocol';
import { normalizeProviderId } from '../auth/providerId';
import type { GatewayTarget } from '../gateway/targets';
import { checkProtocol, describeFailure, GatewayFailureError } from './gateway';

/** Why a command cannot run on a remote gateway (the protocol has no method for it). */
export const NOT_ON_A_GATEWAY: Readonly<Record<string, string>> = {
  'add-token':
    'the gateway protocol has no setup-token method (openclaw saves tokens with its CLI on the gateway host)',
  check: "check reads the files' expiry windows; use status --gateway",
  doctor: "legacy auth files are on the gateway's host; run openclaw-auth doctor there",
  rotation: "rotation keys live in the gateway host's .env, which the protocol does not expose",
};

export interface RemoteSession {
  client: GatewayClient;
  target: GatewayTarget;
  /** `{ agentId }` for a non-default agent (the gateway's default agent otherwise). */
  scope: { agentId?: string };
}

/**
 * Connects once, runs `fn`, and closes. A failed connection or request becomes a
 * GatewayFailureError whose message starts with its kind (unreachable, token-rejected, timeout,
 * closed, protocol-mismatch) and names the URL; the token never reaches it. The command's own
 * (usage) errors pass as they are.
 */
export async function withGateway<T>(
  target: GatewayTarget,
  token: string | undefined,
  opts: { timeoutMs: number; agentId?: string },
  fn: (s: RemoteSession) => Promise<T>,
): Promise<T> {
  const client = new GatewayClient({
    url: target.url,
    token: () => token,
    handshakeTimeoutMs: opts.timeoutMs,
    requestTimeoutMs: opts.timeoutMs,
  });
  try {
    checkProtocol(await client.connect(), target.url);
    return await fn({ client, target, scope: opts.agentId ? { agentId: opts.agentId } : {} });
  } catch (e) {
    if (!(e instanceof GatewayError) && !(e instanceof GatewayConnectionError)) throw e;
    const f = describeFailure(e, target, token);
    throw new GatewayFailureError(f.kind === 'refused' ? f.message : `${f.kind}: ${f.message}`, f.kind);
  } finally {
    client.close();
  }
}

const iso = (at: number | undefined) =>
  typeof at === 'number' && Number.isFinite(at) ? new Date(at).toISOString() : undefined;

function providerOf(status: AuthStatus, provider: string): AuthStatusProvider | undefined {
  const p = normalizeProviderId(provider);
  return status.providers.find((x) => normalizeProviderId(x.provider) === p);
}

/** `list --json` from models.authStatus: rows sorted by provider, then id, as openclaw sorts them. */
export function remoteListDocument(status: AuthStatus, s: RemoteSession, provider?: string): Record<string, unknown> {
  const rows = status.providers
    .filter((p) => !provider || normalizeProviderId(p.provider) === normalizeProviderId(provider))
    .flatMap((p) =>
      p.profiles.map((x) => {
        const row: Record<string, string> = {
          id: x.profileId,
          provider: p.provider,
          type: String(x.type),
          label: x.displayName
            ? `${x.profileId} (${x.displayName})`
            : x.email
              ? `${x.profileId} (${x.email})`
              : x.profileId,
          status: String(x.status),
        };
        if (x.email) row.email = x.email;
        if (x.displayName) row.displayName = x.displayName;
        const expiresAt = x.type !== 'api_key' ? iso(x.expiry?.at) : undefined;
        if (expiresAt) row.expiresAt = expiresAt;
        if (x.reasonCode) row.reasonCode = x.reasonCode;
        return row;
      }),
    )
    .sort(
      (a, b) =>
        normalizeProviderId(a.provider ?? '').localeCompare(normalizeProviderId(b.provider ?? '')) ||
        (a.id ?? '').localeCompare(b.id ?? ''),
    );
  return {
    agentId: s.scope.agentId ?? null,
    gateway: s.target.url,
    agentDir: null,
    authStatePath: null,
    provider: provider ?? null,
    profiles: rows,
  };
}

/** `order get --json`: the stored order (null when none is stored) and whether openclaw.json locks it. */
export function remoteOrderDocument(status: AuthStatus, s: RemoteSession, provider: string): Record<string, unknown> {
  const p = providerOf(status, provider);
  return {
    agentId: s.scope.agentId ?? null,
    gateway: s.target.url,
    agentDir: null,
    provider: normalizeProviderId(provider),
    authStatePath: null,
    order: p?.profileOrderStored ? (p.profileOrder ?? null) : null,
    ...(p?.profileOrderLocked ? { locked: p.profileOrderLocked } : {}),
  };
}

/** `status --json` from models.authStatus: per provider its status, order and profiles. */
export function remoteStatusDocument(status: AuthStatus, s: RemoteSession): Record<string, unknown> {
  return {
    agentId: s.scope.agentId ?? null,
    gateway: s.target.url,
    ...(status.unavailable ? { unavailable: status.unavailable.message ?? status.unavailable.code } : {}),
    providers: status.providers.map((p) => ({
      provider: p.provider,
      status: String(p.status),
      order: p.profileOrder ?? null,
      profiles: p.profiles.map((x) => ({
        id: x.profileId,
        type: String(x.type),
        status: String(x.status),
        ...(x.reasonCode ? { reasonCode: x.reasonCode } : {}),
        ...(iso(x.expiry?.at) ? { expiresAt: iso(x.expiry?.at) } : {}),
      })),
    })),
  };
}

/** Removes one profile through the gateway (models.authLogout with its provider). */
export async function remoteRemove(s: RemoteSession, profileId: string): Promise<Record<string, unknown>> {
  const status = await s.client.authStatus(s.scope);
  const p = status.providers.find((x) => x.profiles.some((y) => y.profileId === profileId));
  if (!p)
    throw new Error(
      `No profile "${profileId}" on the gateway ${s.target.url}${s.scope.agentId ? ` (agent ${s.scope.agentId})` : ''}.`,
    );
  const r = await s.client.authLogout({ provider: p.provider, profileIds: [profileId], ...s.scope });
  return { removed: profileId, gateway: s.target.url, removedProfiles: r.removedProfiles };
}

/** A provider-wide logout through the gateway: the runs it stopped (auth revoked) are reported. */
export async function remoteLogout(
  s: RemoteSession,
  provider: string,
): Promise<Record<string, unknown> & { message: string }> {
  const r = await s.client.logoutProvider({ provider: normalizeProviderId(provider), ...s.scope });
  const stopped = stoppedRunsMessage(r.stopped);
  const message = `Removed ${r.removedProfiles.length} ${provider} profile(s)${r.removedProfiles.length ? ` (${r.removedProfiles.join(', ')})` : ''}. ${stopped ? `${stopped}.` : 'No runs were using it.'}`;
  return {
    provider: normalizeProviderId(provider),
    gateway: s.target.url,
    removedProfiles: r.removedProfiles,
    stoppedRuns: r.stopped.map((x) => ({ runId: x.runId, reason: x.reason })),
    message,
  };
}
