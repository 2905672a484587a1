/**
 * The cooldown arithmetic openclaw applies after a failure (computeNextProfileUsageStats in
 * src/agents/auth-profiles/usage-failure-state.ts, 2026.9.6) and after a success
 * (resetAuthProfileFailureState). Pure: the caller passes `now`.
 *
 * - rate_limit: 30 s × 2^(n-1), n = failureCounts.rate_limit, capped at 24 h; the count survives
 *   window resets.
 * - other transient reasons: 30 s, 60 s, then 300 s by the aggregate error count.
 * - billing: a disable, 10 min doubling to 24 h. auth_permanent: a disable, 10 min doubling to 1 h.
 * - an active window is kept, never extended; counters reset after 24 h without failures or once
 *   the previous window has ended.
 * - rate_limit, timeout and model_not_found are model-scoped (`cooldownModel`).
 */
import type { UsageStats } from './schemas';
import { isModelScopedReason, unusableUntil } from './cooldown';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const RATE_LIMIT_BASE_MS = 30_000;
export const RATE_LIMIT_MAX_MS = 24 * HOUR;
export const BILLING_BASE_MS = 10 * MINUTE;
export const BILLING_MAX_MS = 24 * HOUR;
export const AUTH_PERMANENT_BASE_MS = 10 * MINUTE;
export const AUTH_PERMANENT_MAX_MS = HOUR;
export const FAILURE_WINDOW_MS = 24 * HOUR;

/** The transient-failure cooldown for an aggregate error count: 30 s, 60 s, then 5 min. */
export function transientCooldownMs(errorCount: number): number {
  const n = Math.max(1, errorCount);
  return n <= 1 ? 30_000 : n <= 2 ? 60_000 : 300_000;
}

export function cappedExponentialMs(errorCount: number, baseMs: number, maxMs: number): number {
  const n = Math.max(1, errorCount);
  const base = Math.max(1, baseMs);
  const max = Math.max(base, maxMs);
  const maxExponent = Math.max(0, Math.ceil(Math.log2(max / base)));
  return Math.min(max, base * 2 ** Math.min(n - 1, maxExponent));
}

export function rateLimitCooldownMs(count: number): number {
  return cappedExponentialMs(count, RATE_LIMIT_BASE_MS, RATE_LIMIT_MAX_MS);
}
export function billingDisableMs(count: number): number {
  return cappedExponentialMs(count, BILLING_BASE_MS, BILLING_MAX_MS);
}
export function authPermanentDisableMs(count: number): number {
  return cappedExponentialMs(count, AUTH_PERMANENT_BASE_MS, AUTH_PERMANENT_MAX_MS);
}

const activeUntil = (until: number | undefined, now: number): until is number =>
  typeof until === 'number' && Number.isFinite(until) && until > now;

function blockedActiveForModel(s: UsageStats, now: number, model: string | null): boolean {
  if (!activeUntil(s.blockedUntil, now)) return false;
  if (s.blockedScope !== 'model' || !s.blockedModel) return true;
  return model !== null && s.blockedModel === model;
}

/** The usage stats after one failure with `reason` on `modelId` (openclaw's computeNextProfileUsageStats). */
export function nextUsageStatsAfterFailure(
  existing: UsageStats,
  reason: string,
  now: number,
  modelId?: string,
): UsageStats {
  if (
    reason === 'rate_limit' &&
    existing.blockedReason === 'subscription_limit' &&
    blockedActiveForModel(existing, now, modelId ?? null)
  )
    return existing;
  const windowExpired =
    typeof existing.lastFailureAt === 'number' &&
    existing.lastFailureAt > 0 &&
    now - existing.lastFailureAt > FAILURE_WINDOW_MS;
  const until = unusableUntil(existing);
  const previousExpired = typeof until === 'number' && now >= until;
  const reset = windowExpired || previousExpired;
  const errorCount = (reset ? 0 : (existing.errorCount ?? 0)) + 1;
  const keptRateLimit = existing.failureCounts?.rate_limit;
  const failureCounts: Record<string, number> = reset
    ? keptRateLimit
      ? { rate_limit: keptRateLimit }
      : {}
    : { ...(existing.failureCounts ?? {}) };
  failureCounts[reason] = (failureCounts[reason] ?? 0) + 1;
  const next: UsageStats = { ...existing, errorCount, failureCounts, lastFailureAt: now };
  delete next.cooldownClassification;
  if (reason === 'billing' || reason === 'auth_permanent') {
    const ms =
      reason === 'billing'
        ? billingDisableMs(failureCounts[reason] ?? 1)
        : authPermanentDisableMs(failureCounts[reason] ?? 1);
    next.disabledUntil = activeUntil(existing.disabledUntil, now) ? existing.disabledUntil : now + ms;
    next.disabledReason = reason;
    return next;
  }
  const ms =
    reason === 'rate_limit' ? rateLimitCooldownMs(failureCounts.rate_limit ?? 1) : transientCooldownMs(errorCount);
  next.cooldownUntil = activeUntil(existing.cooldownUntil, now) ? existing.cooldownUntil : now + ms;
  next.cooldownReason = reason;
  if (activeUntil(existing.cooldownUntil, now)) {
    if (existing.cooldownModel && modelId && existing.cooldownModel !== modelId) delete next.cooldownModel;
    else if (isModelScopedReason(reason) && !modelId && existing.cooldownModel) delete next.cooldownModel;
    else if (!isModelScopedReason(reason)) delete next.cooldownModel;
    else next.cooldownModel = existing.cooldownModel;
  } else if (isModelScopedReason(reason) && modelId) next.cooldownModel = modelId;
  else delete next.cooldownModel;
  return next;
}

/** The usage stats after a success (openclaw's resetAuthProfileFailureState with overrides). */
export function usageStatsAfterSuccess(existing: UsageStats, overrides: Partial<UsageStats> = {}): UsageStats {
  const next: UsageStats = { ...existing, errorCount: 0 };
  for (const k of [
    'blockedUntil',
    'blockedReason',
    'blockedSource',
    'blockedModel',
    'blockedScope',
    'cooldownUntil',
    'cooldownReason',
    'cooldownClassification',
    'cooldownModel',
    'disabledUntil',
    'disabledReason',
    'failureCounts',
  ] as const)
    delete next[k];
  return { ...next, ...overrides };
}

/**
 * Clears a profile's cooldown or disable by hand, as openclaw's success path does (errors and
 * windows gone, `lastUsed`/`lastProbeAt` kept). openclaw offers no manual reset for a
 * `subscription_limit` block set from the provider's own usage data: it is kept.
 */
export function resetCooldown(existing: UsageStats): { stats: UsageStats; keptBlock: boolean } {
  const keptBlock = existing.blockedReason === 'subscription_limit' && typeof existing.blockedUntil === 'number';
  const stats = usageStatsAfterSuccess(existing);
  if (keptBlock) {
    for (const k of ['blockedUntil', 'blockedReason', 'blockedSource', 'blockedModel', 'blockedScope'] as const)
      if (existing[k] !== undefined) (stats as Record<string, unknown>)[k] = existing[k];
  }
  return { stats, keptBlock };
}
