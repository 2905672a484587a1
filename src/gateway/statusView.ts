/**
 * What the gateway status bar item shows for a supervisor state and a control-plane state: text,
 * tooltip, severity and the actions that fit (no vscode, so it is unit-tested in plain Node).
 */
import type { GatewayState } from './supervisor';
import type { ClientState } from './client';
import type { AuthStatus, AuthStatusProvider, OrderLock } from './protocol';

export type GatewayAction = 'start' | 'stop' | 'restart' | 'connect' | 'setToken' | 'showLogs';

export interface GatewayStatusView {
  kind: GatewayState['kind'];
  text: string;
  tooltip: string;
  /** Worst first: error > warning > none. */
  severity: 'error' | 'warning' | 'none';
  actions: GatewayAction[];
}

/**
 * The item's screen-reader label: the state in words ("OpenClaw gateway: stopped"), never the
 * icon names that `text` carries.
 */
export function gatewayAccessibilityLabel(v: Pick<GatewayStatusView, 'text'>): string {
  const words = v.text
    .replace(/\$\([^)]+\)/g, '')
    .trim()
    .replace(/^Gateway:?\s*/, '');
  return `OpenClaw gateway: ${words || 'unknown'}`;
}

export const ACTION_LABELS: Record<GatewayAction, string> = {
  start: '$(play) Start Gateway',
  stop: '$(debug-stop) Stop Gateway',
  restart: '$(debug-restart) Restart Gateway',
  connect: '$(plug) Connect to Running Gateway',
  setToken: '$(key) Set Gateway Token',
  showLogs: '$(output) Show Gateway Logs',
};

export function describeGateway(
  s: GatewayState,
  opts: { port: number; client: ClientState; clientError?: string; adopted: boolean; now: number; extra?: string },
): GatewayStatusView {
  const where = `127.0.0.1:${opts.port}`;
  const own = opts.adopted ? ' (not started by this window: monitored only)' : '';
  const conn =
    opts.client === 'connected'
      ? 'Control plane: connected.'
      : opts.client === 'auth-failed'
        ? `Control plane: ${opts.clientError ?? 'token rejected'}`
        : opts.client === 'reconnecting' || opts.client === 'connecting'
          ? 'Control plane: connecting…'
          : 'Control plane: not connected.';
  const tail = opts.extra ? `\n\n${opts.extra}` : '';
  switch (s.kind) {
    case 'stopped':
      return {
        kind: s.kind,
        text: '$(circle-outline) Gateway: stopped',
        tooltip: `OpenClaw gateway: stopped.${s.message ? `\n${s.message}` : ''}`,
        severity: 'none',
        actions: ['start', 'connect', 'setToken', 'showLogs'],
      };
    case 'starting':
      return {
        kind: s.kind,
        text: '$(loading~spin) Gateway: starting',
        tooltip: `OpenClaw gateway on ${where}: starting, waiting for /readyz (${Math.round((opts.now - s.since) / 1000)} s).`,
        severity: 'none',
        actions: ['stop', 'showLogs'],
      };
    case 'ready': {
      const tokenBad = opts.client === 'auth-failed';
      return {
        kind: s.kind,
        text: tokenBad
          ? '$(warning) Gateway: token rejected'
          : `$(pass) Gateway: running${opts.adopted ? ' (attached)' : ''}`,
        tooltip: `OpenClaw gateway on ${where}: ready${own}.\n${conn}${tail}`,
        severity: tokenBad ? 'warning' : 'none',
        actions: opts.adopted ? ['stop', 'setToken', 'showLogs'] : ['restart', 'stop', 'setToken', 'showLogs'],
      };
    }
    case 'degraded':
      return {
        kind: s.kind,
        text: '$(warning) Gateway: degraded',
        tooltip: `OpenClaw gateway on ${where}: running but not ready${own}. Failing checks: ${s.failing.join(', ')}.\n${conn}${tail}`,
        severity: 'warning',
        actions: opts.adopted ? ['stop', 'showLogs'] : ['restart', 'stop', 'showLogs'],
      };
    case 'crashed': {
      const secs = Math.max(0, Math.ceil((s.restartAt - opts.now) / 1000));
      return {
        kind: s.kind,
        text: `$(sync~spin) Gateway: crashed, restarting in ${secs} s`,
        tooltip: `OpenClaw gateway stopped unexpectedly (${s.exit}); restart attempt ${s.attempt} in ${secs} s.`,
        severity: 'warning',
        actions: ['stop', 'showLogs'],
      };
    }
    case 'unreachable':
      return {
        kind: s.kind,
        text: '$(error) Gateway: unreachable',
        tooltip: `OpenClaw gateway on ${where} stopped answering (${s.error})${s.owned ? '' : '. It was not started by this window'}.`,
        severity: 'error',
        actions: ['start', 'connect', 'showLogs'],
      };
    case 'failed':
      return {
        kind: s.kind,
        text: '$(error) Gateway: failed',
        tooltip: `OpenClaw gateway: ${s.message}`,
        severity: 'error',
        actions: ['start', 'connect', 'showLogs'],
      };
  }
}

/** Text the gateway sent, for a tooltip line: no control characters, bounded. */
function shown(v: string, max = 60): string {
  const t = v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

/**
 * Why the gateway will not take a new order for this provider (models.authStatus
 * `profileOrderLocked`), in words; undefined when it is not locked. A lock source this version
 * does not know is shown as the gateway sent it.
 */
export function describeOrderLock(
  lock: OrderLock | undefined,
  p: Pick<AuthStatusProvider, 'provider' | 'authProvider'>,
): string | undefined {
  if (lock === undefined || lock === false) return undefined;
  if (lock === true) return "order locked by the gateway's config";
  switch (lock) {
    case 'auth-config':
      return `order locked by openclaw.json auth config: auth.order.${p.authProvider ?? p.provider}`;
    case 'provider-config':
      return `order locked by openclaw.json provider config: models.providers.${p.provider}.apiKey names a profile`;
    default:
      return `order locked by "${shown(lock)}", a lock source unknown to this version`;
  }
}

function describeProvider(p: AuthStatusProvider): string {
  const n = p.profiles.length;
  const lock = describeOrderLock(p.profileOrderLocked, p);
  const order = lock ?? (p.profileOrderStored ? 'stored order' : undefined);
  return `${shown(p.provider)} ${shown(p.status)} (${n}${order ? `; ${order}` : ''})`;
}

/**
 * The gateway's own auth view (models.authStatus) as one tooltip line: per provider its status,
 * the number of profiles and, when the order is the gateway's to decide, why (stored, or locked
 * by openclaw.json and by which part). Empty when there is no answer yet.
 */
export function describeAuthView(st: AuthStatus | undefined): string {
  if (!st) return '';
  if (st.unavailable && st.providers.length === 0) {
    const code = st.unavailable.code ? ` (${shown(st.unavailable.code)})` : '';
    return `Gateway auth view unavailable${code}: ${shown(st.unavailable.message ?? 'the gateway has no auth status yet', 200)}`;
  }
  return `Gateway auth view: ${st.providers.map(describeProvider).join('; ') || 'no providers'}`;
}

/** What reconcileAuthView needs of the store reader's view of the same agent (src/auth/view.ts AgentView). */
export interface FilesAuthView {
  providers: ReadonlyArray<{
    provider: string;
    profiles: ReadonlyArray<{ id: string; source: string; type: string }>;
    order: { source: string; explicit?: readonly string[] };
  }>;
}

const ORDER_SOURCE_WORDS: Record<string, string> = {
  stored: 'stored',
  config: 'openclaw.json auth.order',
  'config-profiles': 'openclaw.json auth.profiles',
  default: 'none set',
};

/**
 * Where the gateway's models.authStatus and the files (the store reader) disagree for the same
 * agent: profiles only one of them has (env-only and aws-sdk entries are not gateway profiles),
 * and an explicit order that differs, said with where each side's order comes from (the
 * gateway's lock source included). Empty when they agree.
 */
export function reconcileAuthView(files: FilesAuthView, gw: AuthStatus): string[] {
  const ours = new Map(files.providers.map((p) => [p.provider, p]));
  const theirs = new Map(gw.providers.map((p) => [p.provider, p]));
  const oursIds = new Map(
    files.providers.map((p) => [
      p.provider,
      new Set(p.profiles.filter((x) => x.source !== 'env' && x.type !== 'aws-sdk').map((x) => x.id)),
    ]),
  );
  const out: string[] = [];
  for (const p of gw.providers)
    for (const x of p.profiles)
      if (!oursIds.get(p.provider)?.has(x.profileId)) out.push(`${shown(x.profileId)} only in the gateway`);
  for (const [prov, ids] of oursIds)
    for (const id of ids)
      if (!theirs.get(prov)?.profiles.some((x) => x.profileId === id)) out.push(`${id} not in the gateway`);
  const list = (ids: readonly string[] | null | undefined) =>
    ids ? (ids.length ? ids.map((i) => shown(i)).join(' > ') : 'empty (provider disabled)') : 'none';
  for (const p of gw.providers) {
    const f = ours.get(p.provider);
    if (!f) continue;
    const g = p.profileOrder ?? undefined;
    const o = f.order.explicit;
    if (!g && !o) continue;
    if (g && o && g.join('\n') === o.join('\n')) continue;
    const why = describeOrderLock(p.profileOrderLocked, p) ?? (p.profileOrderStored ? 'stored' : undefined);
    out.push(
      `${p.provider} order: the gateway uses ${list(g)}${why ? ` (${why})` : ''}, the files ${list(o)}${o ? ` (${ORDER_SOURCE_WORDS[f.order.source] ?? f.order.source})` : ''}`,
    );
  }
  return out;
}
