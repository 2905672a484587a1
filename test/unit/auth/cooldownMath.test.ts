import assert from 'node:assert/strict';
import {
  nextUsageStatsAfterFailure,
  usageStatsAfterSuccess,
  resetCooldown,
  rateLimitCooldownMs,
  billingDisableMs,
  authPermanentDisableMs,
  transientCooldownMs,
  HOUR,
  MINUTE,
} from '../../../src/auth/cooldownMath';
import { isInCooldown } from '../../../src/auth/cooldown';
import type { UsageStats } from '../../../src/auth/schemas';

const T0 = 1_800_000_000_000;

describe('cooldown math (openclaw computeNextProfileUsageStats)', () => {
  it('rate_limit: 30 s doubling per rate-limit failure, capped at 24 h', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(rateLimitCooldownMs), [30_000, 60_000, 120_000, 240_000, 480_000]);
    assert.equal(rateLimitCooldownMs(12), 30_000 * 2 ** 11, '17 h 4 min, still under the cap');
    assert.equal(rateLimitCooldownMs(13), 24 * HOUR, '30 s × 2^12 > 24 h is capped');
    assert.equal(rateLimitCooldownMs(100), 24 * HOUR);
    let s: UsageStats = {};
    s = nextUsageStatsAfterFailure(s, 'rate_limit', T0, 'gpt-x');
    assert.equal(s.cooldownUntil, T0 + 30_000);
    assert.equal(s.cooldownReason, 'rate_limit');
    assert.equal(s.cooldownModel, 'gpt-x', 'model-scoped');
    // After the window, the rate-limit count survives the reset: the next window doubles.
    s = nextUsageStatsAfterFailure(s, 'rate_limit', T0 + 31_000, 'gpt-x');
    assert.equal(s.errorCount, 1, 'aggregate counter reset');
    assert.equal(s.failureCounts?.rate_limit, 2);
    assert.equal(s.cooldownUntil, T0 + 31_000 + 60_000);
  });

  it('other transient reasons: 30 s, 60 s, then 5 min by the aggregate count', () => {
    assert.deepEqual([1, 2, 3, 4].map(transientCooldownMs), [30_000, 60_000, 300_000, 300_000]);
    let s: UsageStats = {};
    s = nextUsageStatsAfterFailure(s, 'overloaded', T0);
    assert.equal(s.cooldownUntil, T0 + 30_000);
    assert.equal(s.cooldownModel, undefined, 'overloaded is not model-scoped');
    // A second failure inside the active window keeps the window (never extended) but counts.
    s = nextUsageStatsAfterFailure(s, 'timeout', T0 + 10_000, 'm1');
    assert.equal(s.cooldownUntil, T0 + 30_000);
    assert.equal(s.errorCount, 2);
    assert.equal(s.cooldownReason, 'timeout');
  });

  it('billing disables for 10 min doubling to 24 h; auth_permanent to 1 h', () => {
    assert.deepEqual([1, 2, 3].map(billingDisableMs), [10 * MINUTE, 20 * MINUTE, 40 * MINUTE]);
    assert.equal(billingDisableMs(9), 24 * HOUR);
    assert.equal(billingDisableMs(50), 24 * HOUR);
    assert.deepEqual([1, 2, 3, 4].map(authPermanentDisableMs), [10 * MINUTE, 20 * MINUTE, 40 * MINUTE, HOUR]);
    const s = nextUsageStatsAfterFailure({}, 'billing', T0);
    assert.equal(s.disabledUntil, T0 + 10 * MINUTE);
    assert.equal(s.disabledReason, 'billing');
    assert.equal(s.cooldownUntil, undefined);
    // Inside the window: counted, the window is kept (not extended).
    const again = nextUsageStatsAfterFailure(s, 'billing', T0 + MINUTE);
    assert.equal(again.failureCounts?.billing, 2);
    assert.equal(again.disabledUntil, T0 + 10 * MINUTE);
    // After the window ended the counters reset: the next disable is 10 min again.
    const after = nextUsageStatsAfterFailure(again, 'billing', T0 + 11 * MINUTE);
    assert.equal(after.failureCounts?.billing, 1);
    assert.equal(after.disabledUntil, T0 + 21 * MINUTE);
  });

  it('counters reset after 24 h without failures', () => {
    let s = nextUsageStatsAfterFailure({}, 'overloaded', T0);
    s = nextUsageStatsAfterFailure(s, 'overloaded', T0 + 1000);
    assert.equal(s.errorCount, 2);
    s = { ...s, cooldownUntil: T0 + 48 * HOUR }; // still "active", but the failure window passed
    const later = nextUsageStatsAfterFailure(s, 'overloaded', T0 + 25 * HOUR);
    assert.equal(later.errorCount, 1);
  });

  it('model scope: a rate-limited model leaves sibling models usable', () => {
    const stats = nextUsageStatsAfterFailure({}, 'rate_limit', T0, 'gpt-a');
    const state = { version: 1, usageStats: { 'openai:k': stats } };
    assert.equal(isInCooldown(state, 'openai', 'openai:k', T0 + 1000, 'gpt-a'), true);
    assert.equal(isInCooldown(state, 'openai', 'openai:k', T0 + 1000, 'gpt-b'), false);
    // A non-scoped reason in the window clears the model scope.
    const widened = nextUsageStatsAfterFailure(stats, 'overloaded', T0 + 2000, 'gpt-a');
    assert.equal(widened.cooldownModel, undefined);
  });

  it('success resets the failure state and keeps lastUsed; Reset Cooldown keeps a subscription block', () => {
    const failed = nextUsageStatsAfterFailure({ lastUsed: 5 }, 'billing', T0);
    const ok = usageStatsAfterSuccess(failed, { lastProbeAt: T0 + 1 });
    assert.deepEqual(ok, { lastUsed: 5, errorCount: 0, lastFailureAt: T0, lastProbeAt: T0 + 1 });
    const blocked: UsageStats = {
      ...failed,
      blockedUntil: T0 + HOUR,
      blockedReason: 'subscription_limit',
      blockedSource: 'wham',
    };
    const r = resetCooldown(blocked);
    assert.equal(r.keptBlock, true);
    assert.equal(r.stats.blockedUntil, T0 + HOUR);
    assert.equal(r.stats.disabledUntil, undefined);
  });

  it('a rate limit inside an active subscription block changes nothing', () => {
    const s: UsageStats = { blockedUntil: T0 + HOUR, blockedReason: 'subscription_limit' };
    assert.equal(nextUsageStatsAfterFailure(s, 'rate_limit', T0), s);
  });
});
