/**
 * One health model for credentials: every place that says how a profile, a provider or an agent
 * is doing (the activity-bar badge, the agent and provider rows, the status bar, the Check
 * Credentials / probe report) derives it here, so they cannot disagree. Pure: no I/O, no vscode;
 * the clock comes from the view (or `opts.now`).
 *
 * A profile is exactly one of:
 *
 * - **usable**: OpenClaw would use it for a request now and nothing about it is due. The
 *   credential is stored and valid (an API key, or a token / OAuth access that does not expire
 *   within the warning window), its SecretRef resolves (file and exec refs, which only the gateway
 *   can resolve, count as resolving), the provider's order includes it, no cooldown, disable or
 *   block window is active, and its last live probe (if any) answered ok.
 * - **attention**: look at it, but it comes back by itself or still works for now. It expires
 *   within the warning window (still used until then), its OAuth access token has expired but a
 *   refresh token is stored (refreshed on next use), it is cooling down after a rate limit,
 *   timeout, overload or a refused model (ends at a known time), it is blocked by a subscription
 *   limit, it is a setup replacement waiting for `openclaw models auth activate`, or its last live
 *   probe failed for a reason that does not condemn the credential (rate limit, timeout, refused
 *   model or format, an unknown error).
 * - **failing**: it does not work and will not until you act. It has expired (a token, OAuth
 *   without a refresh token, or after a failed refresh), no secret is stored, its expiry is
 *   invalid, the key is malformed, its SecretRef does not resolve (openclaw's `models status
 *   --check` exits 1 for it, as for an expired one), the provider rejected it (a live probe
 *   answered auth, or a window was recorded for auth / auth_permanent / session_expired), or the
 *   account is out of credit (a probe answered billing, or a billing disable).
 * - **off**: deliberately not used: the provider's explicit order leaves it out (an empty order
 *   turns the whole provider off). Not a problem, and not counted as one.
 *
 * The credential decides before the order: an expired token that the order leaves out is failing.
 *
 * `usableNow` is whether OpenClaw would pick it now: true for every usable profile and for the
 * attention cases that still work (expiring, refreshes on next use). A provider's "N of M usable"
 * counts `usableNow`; an agent's "ok" counts level usable, and "need attention" counts attention
 * plus failing (plus providers in use with no usable credential and no problem profile to show
 * for it), which is also the badge number.
 *
 * A live probe feeds in through `probeOf`: it counts when it was a real request (it has a
 * latency), it was made with the credential the profile holds now (same masked hint), and the
 * profile was not used successfully after it (`lastUsed`). A probe never makes a profile better
 * than its stored state says; a failed one can make it worse.
 */
import type { AgentView, ProfileView, ProviderView } from './view';
import type { ProbeResult } from './probePlan';
import { EXPIRING_WARN_MS, formatRemainingShort } from './eligibility';

export type HealthLevel = 'usable' | 'attention' | 'failing' | 'off';

/** Why a profile has its level; one provider-row clause per cause. */
export type HealthCause =
  | 'ok'
  | 'expiring'
  | 'refreshes'
  | 'setup'
  | 'cooldown'
  | 'blocked'
  | 'probe-failed'
  | 'expired'
  | 'missing'
  | 'invalid-expiry'
  | 'malformed'
  | 'unresolved-ref'
  | 'rejected'
  | 'billing'
  | 'excluded';

export interface ProfileHealth {
  level: HealthLevel;
  cause: HealthCause;
  /** OpenClaw would pick it for a request now. */
  usableNow: boolean;
  /** Plain words for a row or a report cell: "cooling down until 14:32 (rate limit)". */
  words: string;
  /** When the state ends by itself (a window's end, an expiry). */
  until?: number;
  /** The last live probe decided the level. */
  byProbe: boolean;
}

/** The last live probe of a profile, as the probe controller keeps it. */
export interface ProbeEvidence {
  result: Pick<ProbeResult, 'status' | 'latencyMs'> & { failureReason?: string };
  /** When the probe finished (epoch ms). */
  at: number;
  /** The profile's masked credential hint when it was probed; another hint now means the credential was replaced. */
  hint?: string;
}

export interface HealthOptions {
  /** Defaults to the view's `now`. */
  now?: number;
  /** "Expires soon" window; openclaw's 24 h by default (the openclawAuth.expiryWarningHours setting). */
  expiryWarningMs?: number;
  /** The last live probe of a profile of this agent, when there is one. */
  probeOf?: (profileId: string) => ProbeEvidence | undefined;
  /** How an end time reads; local "14:32" by default. */
  timeOf?: (at: number, now: number) => string;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * "14:32" today, "Tue 14:32" within the week ahead, else "2026-12-01 14:32" (local time). Rounded
 * up to the minute, so "until 14:32" is never already past while the window is still on.
 */
export function clockTime(at: number, now: number): string {
  const d = new Date(Math.ceil(at / 60_000) * 60_000);
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (d.toDateString() === new Date(now).toDateString()) return hm;
  if (at > now && at - now < 6 * 86_400_000) return `${d.toLocaleDateString('en-US', { weekday: 'short' })} ${hm}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${hm}`;
}

const REJECTED_REASONS = new Set(['auth', 'auth_permanent', 'session_expired']);
const REASON_WORDS: Record<string, string> = {
  rate_limit: 'rate limit',
  timeout: 'timeout',
  overloaded: 'overloaded',
  model_not_found: 'model not found',
  format: 'format',
  billing: 'billing',
  auth: 'auth',
  auth_permanent: 'key revoked',
  session_expired: 'session expired',
  subscription_limit: 'subscription limit',
};
const reasonWords = (r: string | undefined) => (r ? (REASON_WORDS[r] ?? r.replace(/_/g, ' ')) : undefined);

const RANK: Record<HealthLevel, number> = { usable: 0, off: 1, attention: 2, failing: 3 };

function make(
  level: HealthLevel,
  cause: HealthCause,
  words: string,
  extra: Partial<ProfileHealth> = {},
): ProfileHealth {
  const usableNow = level === 'usable' || cause === 'expiring' || cause === 'refreshes';
  return { level, cause, usableNow, words, byProbe: false, ...extra };
}

/** `env:default:OPENROUTER_API_KEY` → `env:OPENROUTER_API_KEY` (what openclaw's labels show). */
function refWords(ref: string | undefined): string {
  if (!ref) return 'reference not found';
  const [source, , ...id] = ref.split(':');
  return `reference ${source}:${id.join(':')} not found`;
}

/** The stored state alone (credential, order, windows), before any probe. */
function storedHealth(
  p: ProfileView,
  now: number,
  warnMs: number,
  timeOf: (at: number, now: number) => string,
): ProfileHealth {
  const remaining = p.expiresAt !== undefined ? p.expiresAt - now : p.remainingMs;
  switch (p.display) {
    case 'ok':
    case 'static':
    case 'expiring': {
      if (p.expiresAt !== undefined && remaining !== undefined && remaining > 0 && remaining <= warnMs) {
        return make('attention', 'expiring', `expires in ${formatRemainingShort(remaining)}`, { until: p.expiresAt });
      }
      if (p.display === 'expiring' || (p.display === 'ok' && remaining !== undefined && remaining > 0))
        return make('usable', 'ok', `ok, ${formatRemainingShort(remaining)} left`);
      return make('usable', 'ok', 'ok');
    }
    case 'expired-refreshable':
      return make('attention', 'refreshes', 'expired, refreshes on next use');
    case 'expired':
      return make('failing', 'expired', 'expired');
    case 'missing':
      if (p.reasonCode === 'setup_inactive')
        return make('attention', 'setup', 'waiting for activation (setup replacement)');
      if (p.reasonCode === 'invalid_expires') return make('failing', 'invalid-expiry', 'invalid expiry date');
      if (p.reasonCode === 'malformed_api_key')
        return make('failing', 'malformed', 'malformed key (a command was pasted, not a key)');
      return make('failing', 'missing', 'no credential stored');
    case 'unresolved-ref':
      return make('failing', 'unresolved-ref', refWords(p.ref));
    case 'excluded':
      return make('off', 'excluded', 'left out of the order');
    case 'cooldown':
    case 'disabled': {
      const u = p.unusable;
      if (!u) return make('attention', 'cooldown', p.display === 'disabled' ? 'disabled' : 'cooling down');
      const t = timeOf(u.until, now);
      const why = reasonWords(u.reason);
      if (u.reason && REJECTED_REASONS.has(u.reason))
        return make('failing', 'rejected', `rejected by the provider (${why}), paused until ${t}`, { until: u.until });
      if (u.reason === 'billing')
        return make('failing', 'billing', `out of credit (billing), paused until ${t}`, { until: u.until });
      if (u.kind === 'blocked')
        return make(
          'attention',
          'blocked',
          `blocked until ${t}${why ? ` (${why}${u.model ? `, ${u.model}` : ''})` : ''}`,
          { until: u.until },
        );
      const what = u.kind === 'disabled' ? 'disabled' : 'cooling down';
      return make(
        'attention',
        'cooldown',
        `${what} until ${t}${why ? ` (${why}${u.model ? `, ${u.model}` : ''})` : ''}`,
        { until: u.until },
      );
    }
  }
}

/** What a failed live probe says about the credential; undefined for ok (or not a live request). */
export function probeHealth(result: ProbeEvidence['result']): ProfileHealth | undefined {
  if (result.latencyMs === undefined || result.status === 'ok' || result.status === 'no_model') return undefined;
  const reason = result.failureReason;
  const extra = { byProbe: true };
  switch (result.status) {
    case 'auth':
      return make(
        'failing',
        'rejected',
        reason === 'auth_permanent'
          ? 'rejected by the provider at the last probe (key revoked)'
          : 'rejected by the provider at the last probe',
        extra,
      );
    case 'billing':
      return make('failing', 'billing', 'out of credit at the last probe (billing)', extra);
    case 'rate_limit':
      return make('attention', 'probe-failed', 'rate-limited at the last probe', extra);
    case 'timeout':
      return make('attention', 'probe-failed', 'no answer at the last probe (timeout)', extra);
    case 'format':
      return make('attention', 'probe-failed', 'request refused at the last probe (model or format)', extra);
    default:
      return make('attention', 'probe-failed', 'failed at the last probe', extra);
  }
}

/** One profile's health: its stored state, made worse by a failed live probe that still applies. */
export function profileHealth(p: ProfileView, opts: HealthOptions & { now: number }): ProfileHealth {
  const stored = storedHealth(p, opts.now, opts.expiryWarningMs ?? EXPIRING_WARN_MS, opts.timeOf ?? clockTime);
  const ev = opts.probeOf?.(p.id);
  if (!ev || stored.level === 'failing' || stored.level === 'off') return stored;
  if (ev.hint !== undefined && ev.hint !== p.credentialHint) return stored; // probed another credential
  if (p.lastUsed !== undefined && p.lastUsed > ev.at) return stored; // it worked since
  const probed = probeHealth(ev.result);
  return probed && RANK[probed.level] > RANK[stored.level] ? probed : stored;
}

export interface ProviderHealth {
  provider: string;
  level: HealthLevel;
  /** Profiles OpenClaw would pick now. */
  usable: number;
  total: number;
  counts: Record<HealthLevel, number>;
  /** In use by the agent, and nothing usable: no usable profile and no env credential (or an empty order). */
  stranded: boolean;
  /** "2 of 3 usable; 1 cooling down until 14:32". */
  label: string;
  profiles: Array<{ profile: ProfileView; health: ProfileHealth }>;
}

/** Clause order in a provider row: what needs you first. */
const CAUSE_ORDER: HealthCause[] = [
  'rejected',
  'billing',
  'expired',
  'unresolved-ref',
  'missing',
  'invalid-expiry',
  'malformed',
  'probe-failed',
  'cooldown',
  'blocked',
  'expiring',
  'refreshes',
  'setup',
  'excluded',
];

function clause(
  cause: HealthCause,
  hs: ProfileHealth[],
  now: number,
  timeOf: (at: number, now: number) => string,
): string {
  const n = hs.length;
  const last = Math.max(...hs.map((h) => h.until ?? 0));
  const first = Math.min(...hs.map((h) => h.until ?? Infinity));
  switch (cause) {
    case 'rejected':
      return `${n} rejected by the provider`;
    case 'billing':
      return `${n} out of credit`;
    case 'expired':
      return `${n} expired`;
    case 'unresolved-ref':
      return n === 1 ? '1 reference not found' : `${n} references not found`;
    case 'missing':
      return `${n} without a credential`;
    case 'invalid-expiry':
      return `${n} with an invalid expiry date`;
    case 'malformed':
      return `${n} malformed`;
    case 'probe-failed':
      return `${n} failed the last probe`;
    case 'cooldown':
      return last > 0 ? `${n} cooling down until ${timeOf(last, now)}` : `${n} cooling down`;
    case 'blocked':
      return last > 0 ? `${n} blocked until ${timeOf(last, now)}` : `${n} blocked`;
    case 'expiring':
      return n === 1
        ? `1 expires in ${formatRemainingShort(first - now)}`
        : `${n} expire soon (first in ${formatRemainingShort(first - now)})`;
    case 'refreshes':
      return n === 1 ? '1 refreshes on next use' : `${n} refresh on next use`;
    case 'setup':
      return `${n} waiting for activation`;
    case 'excluded':
      return `${n} left out of the order`;
    case 'ok':
      return `${n} ok`;
  }
}

export function providerHealth(p: ProviderView, opts: HealthOptions & { now: number }): ProviderHealth {
  const timeOf = opts.timeOf ?? clockTime;
  const profiles = p.profiles.map((profile) => ({ profile, health: profileHealth(profile, opts) }));
  const counts: Record<HealthLevel, number> = { usable: 0, attention: 0, failing: 0, off: 0 };
  for (const x of profiles) counts[x.health.level]++;
  const usable = profiles.filter((x) => x.health.usableNow).length;
  const total = profiles.length;
  const env = p.envCredential && !p.order.disabled;
  const stranded = p.inUse && usable === 0 && !env;
  let label: string;
  let level: HealthLevel;
  if (p.order.disabled) {
    label = 'turned off by an empty order';
    level = stranded ? 'failing' : 'off';
  } else if (total === 0) {
    label = p.envCredential ? `no profiles; uses ${p.envCredential.source} from the environment` : 'no credential';
    level = env ? 'usable' : p.inUse ? 'failing' : 'off';
  } else {
    const byCause = new Map<HealthCause, ProfileHealth[]>();
    for (const x of profiles)
      if (x.health.level !== 'usable')
        (byCause.get(x.health.cause) ?? byCause.set(x.health.cause, []).get(x.health.cause))?.push(x.health);
    const clauses = CAUSE_ORDER.filter((c) => byCause.has(c)).map((c) =>
      clause(c, byCause.get(c) ?? [], opts.now, timeOf),
    );
    label = [`${usable} of ${total} usable`, ...clauses].join('; ');
    if (usable === 0 && counts.attention === 0 && (counts.failing > 0 || stranded)) level = 'failing';
    else if (counts.attention + counts.failing > 0 || stranded) level = 'attention';
    else level = counts.usable > 0 || env ? 'usable' : 'off';
  }
  return { provider: p.provider, level, usable, total, counts, stranded, label, profiles };
}

export interface AgentHealth {
  agentId: string;
  /** Profiles by level; `failing` also counts each provider in use with nothing usable and no problem profile. */
  usable: number;
  attention: number;
  failing: number;
  off: number;
  total: number;
  /** Providers in use with nothing usable (no usable profile, no env credential). */
  missingInUse: string[];
  /** attention + failing: the "need attention" number of the status bar, the agent row and the badge. */
  problems: number;
  /** "4 ok, 3 need attention (1 failing)"; "no credentials". */
  label: string;
  providers: ProviderHealth[];
}

/** The agent's health: every count comes from providerHealth / profileHealth. */
export function agentHealth(view: AgentView, opts: HealthOptions = {}): AgentHealth {
  const o = { ...opts, now: opts.now ?? view.now };
  const providers = view.providers.map((p) => providerHealth(p, o));
  const sum = (k: HealthLevel) => providers.reduce((n, p) => n + p.counts[k], 0);
  const missingInUse = providers.filter((p) => p.stranded).map((p) => p.provider);
  // A provider in use with nothing usable is a problem of its own when no profile of it is one already.
  const bare = providers.filter((p) => p.stranded && p.counts.attention + p.counts.failing === 0).length;
  const usable = sum('usable'),
    attention = sum('attention'),
    failing = sum('failing') + bare;
  const total = providers.reduce((n, p) => n + p.total, 0);
  const problems = attention + failing;
  const label =
    total === 0 && problems === 0
      ? 'no credentials'
      : `${usable} ok${problems ? `, ${problems} ${problems === 1 ? 'needs' : 'need'} attention${failing ? ` (${failing} failing)` : ''}` : ''}`;
  return {
    agentId: view.agentId,
    usable,
    attention,
    failing,
    off: sum('off'),
    total,
    missingInUse,
    problems,
    label,
    providers,
  };
}

/** The activity-bar badge: the agent's "need attention" number (0 = no badge). */
export function badgeCount(h: AgentHealth): number {
  return h.problems;
}
