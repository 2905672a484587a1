/**
 * Cooldown, disable and block windows from `usageStats`, with openclaw's model scoping:
 * rate_limit / timeout / model_not_found cool down only the failing model.
 */
import type { AuthState, UsageStats } from './schemas';
import { normalizeProviderId } from './providerId';
import { shellQuote } from '../os/platform';

export const FAILURE_REASONS = [
  'auth_permanent',
  'auth',
  'session_expired',
  'billing',
  'format',
  'model_not_found',
  'overloaded',
  'timeout',
  'rate_limit',
  'empty_response',
  'no_error_details',
  'unclassified',
  'unknown',
] as const;

/** openrouter and kilocode manage their own rate limits; openclaw ignores profile cooldowns there. */
export function isCooldownBypassedForProvider(provider: string | undefined): boolean {
  const p = normalizeProviderId(provider ?? '');
  return p === 'openrouter' || p === 'kilocode';
}

export function isModelScopedReason(reason: string | undefined): boolean {
  return reason === 'rate_limit' || reason === 'timeout' || reason === 'model_not_found';
}

const positive = (v: number | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

/**
 * `forModel`: a model id asks about that model; `null` asks "for every model" (model-scoped
 * windows are then ignored); undefined ignores scoping entirely.
 */
function blockScopedToOtherModel(s: UsageStats, forModel: string | null | undefined): boolean {
  return Boolean(
    (forModel === null || forModel) &&
    s.blockedScope === 'model' &&
    s.blockedModel &&
    (forModel === null || s.blockedModel !== forModel),
  );
}
function cooldownScopedToOtherModel(s: UsageStats, forModel: string | null | undefined): boolean {
  return Boolean(
    (forModel === null || forModel) &&
    isModelScopedReason(s.cooldownReason) &&
    s.cooldownModel &&
    (forModel === null || s.cooldownModel !== forModel),
  );
}

export function unusableUntil(s: UsageStats, forModel?: string | null): number | null {
  const values = [
    blockScopedToOtherModel(s, forModel) ? undefined : positive(s.blockedUntil),
    forModel === null && isModelScopedReason(s.cooldownReason) && s.cooldownModel
      ? undefined
      : positive(s.cooldownUntil),
    positive(s.disabledUntil),
  ].filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : null;
}

const active = (until: number | undefined, now: number) => {
  const t = positive(until);
  return t !== undefined && now < t;
};

export function isInCooldown(
  state: AuthState,
  provider: string | undefined,
  profileId: string,
  now: number,
  forModel?: string | null,
): boolean {
  if (isCooldownBypassedForProvider(provider)) return false;
  const s = state.usageStats?.[profileId];
  if (!s) return false;
  const bypassModelScoped =
    cooldownScopedToOtherModel(s, forModel) &&
    !(!blockScopedToOtherModel(s, forModel) && active(s.blockedUntil, now)) &&
    !active(s.disabledUntil, now);
  if (bypassModelScoped) return false;
  const until = unusableUntil(s, forModel);
  return until !== null && now < until;
}

export type UnusableKind = 'cooldown' | 'disabled' | 'blocked';
export interface UnusableInfo {
  kind: UnusableKind;
  reason?: string;
  /** The model the window applies to, when it is model-scoped. */
  model?: string;
  until: number;
  remainingMs: number;
  classification?: string;
}

/** What keeps a profile out of rotation right now (any model), for display; undefined when usable. */
export function describeUnusable(
  state: AuthState,
  provider: string | undefined,
  profileId: string,
  now: number,
): UnusableInfo | undefined {
  if (isCooldownBypassedForProvider(provider)) return undefined;
  const s = state.usageStats?.[profileId];
  if (!s) return undefined;
  if (active(s.disabledUntil, now)) {
    const until = s.disabledUntil as number;
    return { kind: 'disabled', reason: s.disabledReason, until, remainingMs: until - now };
  }
  if (active(s.blockedUntil, now)) {
    const until = s.blockedUntil as number;
    return {
      kind: 'blocked',
      reason: s.blockedReason,
      model: s.blockedScope === 'model' ? s.blockedModel : undefined,
      until,
      remainingMs: until - now,
    };
  }
  if (active(s.cooldownUntil, now)) {
    const until = s.cooldownUntil as number;
    return {
      kind: 'cooldown',
      reason: s.cooldownReason,
      model: isModelScopedReason(s.cooldownReason) ? s.cooldownModel : undefined,
      until,
      remainingMs: until - now,
      classification: s.cooldownClassification,
    };
  }
  return undefined;
}

/** A Markdown code span that survives backticks inside `value` (openclaw's formatInlineCodeSpan). */
function codeSpan(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') || value.includes('\n') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

const stripControl = (v: string) =>
  v.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
const quoteShellArg = (v: string) => shellQuote(process.platform, v);

/** The login command openclaw suggests for a profile whose credential was rejected. */
function loginCommand(provider: string | undefined, profileId: string | undefined): string {
  const p = normalizeProviderId(stripControl(provider ?? '').replaceAll('`', ''));
  const safeProvider = p && /^[a-z0-9][a-z0-9._-]*$/.test(p) ? p : undefined;
  const id = profileId ? stripControl(profileId).trim() : '';
  if (safeProvider === 'claude-cli') {
    return `claude auth login && openclaw models auth login --provider anthropic --method cli${id ? ` --profile-id ${quoteShellArg(id)}` : ''}`;
  }
  if (!safeProvider) return 'openclaw models auth login';
  return `openclaw models auth login --provider ${safeProvider}${id ? ` --profile-id ${quoteShellArg(id)}` : ''}`;
}

/**
 * openclaw's recovery hints, shown next to a cooldown or disable (`models auth list`, `models status`).
 * Credential failures (auth, auth_permanent, session_expired) name the login command for the profile.
 */
export function recoveryHint(
  kind: 'cooldown' | 'disabled' | 'blocked',
  reason: string | undefined,
  provider?: string,
  profileId?: string,
): string {
  if (reason === 'auth' || reason === 'auth_permanent' || reason === 'session_expired') {
    if (provider === 'google-gemini-cli') {
      return `Gemini CLI OAuth cannot be repaired by OpenClaw. Connect Google with an AI Studio API key using ${codeSpan('openclaw models auth login --provider google')}, then select that Google profile for the Gemini CLI runtime.`;
    }
    return `Re-authenticate with ${codeSpan(loginCommand(provider, profileId))}.`;
  }
  if (kind === 'disabled' && reason === 'billing') return 'Top up credits (provider billing) or switch provider.';
  return 'Wait for cooldown or switch provider.';
}

/** Removes windows that have ended, as openclaw does before it orders profiles (pure: returns a copy). */
export function clearExpiredWindows(state: AuthState, now: number): AuthState {
  if (!state.usageStats) return state;
  const usageStats: Record<string, UsageStats> = {};
  for (const [id, stats] of Object.entries(state.usageStats)) {
    const s: UsageStats = { ...stats };
    let changed = false;
    if (positive(s.cooldownUntil) !== undefined && now >= (s.cooldownUntil as number)) {
      delete s.cooldownUntil;
      delete s.cooldownReason;
      delete s.cooldownClassification;
      delete s.cooldownModel;
      changed = true;
    }
    if (positive(s.blockedUntil) !== undefined && now >= (s.blockedUntil as number)) {
      delete s.blockedUntil;
      delete s.blockedReason;
      delete s.blockedSource;
      delete s.blockedModel;
      delete s.blockedScope;
      changed = true;
    }
    if (positive(s.disabledUntil) !== undefined && now >= (s.disabledUntil as number)) {
      delete s.disabledUntil;
      delete s.disabledReason;
      changed = true;
    }
    if (changed && !unusableUntil(s)) {
      s.errorCount = 0;
      const rl = s.failureCounts?.rate_limit;
      if (rl) s.failureCounts = { rate_limit: rl };
      else delete s.failureCounts;
    }
    usageStats[id] = s;
  }
  return { ...state, usageStats };
}
