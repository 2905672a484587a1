/**
 * Recording a live probe in a real home's auth state (sql.js on a fixture copy): openclaw's math,
 * model scope, success resets; cancelled rows and a running gateway leave the state alone.
 */
import { strict as assert } from 'node:assert';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { readSnapshot } from '../../../src/store';
import { recordProbeResults, setUsageStats, GatewayOwnsStateError } from '../../../src/store/probe';
import type { ProbeSummary } from '../../../src/auth/probeRun';

const summary = (results: ProbeSummary['results']): ProbeSummary => ({
  startedAt: 0,
  finishedAt: 1,
  durationMs: 1,
  totalTargets: results.length,
  options: { profileIds: [], timeoutMs: 8000, concurrency: 2, maxTokens: 8 },
  results,
});
const T = 1_800_000_000_000;

describe('recording probe outcomes in the auth state', () => {
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));
  const home = () => {
    const h = copyHome('basic');
    homes.push(h);
    return h;
  };
  const noGateway = async () => false;

  it('rate limits are model-scoped with the 30 s first window; auth is not; success resets', async () => {
    const h = home();
    const opts = { env: { HOME: h } };
    await recordProbeResults(
      opts,
      summary([
        {
          provider: 'anthropic',
          profileId: 'anthropic:manual',
          label: 'anthropic:manual',
          source: 'profile',
          model: 'anthropic/claude-haiku-4-5',
          status: 'rate_limit',
          failureReason: 'rate_limit',
          latencyMs: 10,
        },
        {
          provider: 'openrouter',
          profileId: 'openrouter:manual',
          label: 'openrouter:manual',
          source: 'profile',
          model: 'openrouter/openrouter/auto',
          status: 'auth',
          failureReason: 'auth',
          latencyMs: 10,
        },
        {
          provider: 'openrouter',
          profileId: 'openrouter:backup',
          label: 'openrouter:backup',
          source: 'profile',
          status: 'unknown',
          error: 'Probe cancelled.',
          latencyMs: 3,
        },
        {
          provider: 'openrouter',
          profileId: 'openrouter:default',
          label: 'openrouter:default',
          source: 'profile',
          status: 'unknown',
          reasonCode: 'excluded_by_auth_order',
        },
      ]),
      T,
      noGateway,
    );
    const u = readSnapshot(opts).state.usageStats ?? {};
    assert.deepEqual(
      { ...u['anthropic:manual'] },
      {
        errorCount: 1,
        failureCounts: { rate_limit: 1 },
        lastFailureAt: T,
        cooldownUntil: T + 30_000,
        cooldownReason: 'rate_limit',
        cooldownModel: 'claude-haiku-4-5',
        lastProbeAt: T,
      },
    );
    assert.equal(u['openrouter:manual']?.cooldownReason, 'auth');
    assert.equal(u['openrouter:manual']?.cooldownModel, undefined);
    assert.equal(u['openrouter:backup'], undefined, 'a cancelled probe is not an outcome');
    assert.equal(u['openrouter:default'], undefined, 'a local verdict is not a probe');
    // A second rate limit inside the window: counted, window kept.
    await recordProbeResults(
      opts,
      summary([
        {
          provider: 'anthropic',
          profileId: 'anthropic:manual',
          label: 'a',
          source: 'profile',
          model: 'anthropic/claude-haiku-4-5',
          status: 'rate_limit',
          failureReason: 'rate_limit',
          latencyMs: 10,
        },
      ]),
      T + 5_000,
      noGateway,
    );
    const again = readSnapshot(opts).state.usageStats?.['anthropic:manual'];
    assert.equal(again?.failureCounts?.rate_limit, 2);
    assert.equal(again?.cooldownUntil, T + 30_000);
    await recordProbeResults(
      opts,
      summary([
        {
          provider: 'anthropic',
          profileId: 'anthropic:manual',
          label: 'a',
          source: 'profile',
          status: 'ok',
          latencyMs: 10,
        },
      ]),
      T + 60_000,
      noGateway,
    );
    assert.deepEqual(
      { ...readSnapshot(opts).state.usageStats?.['anthropic:manual'] },
      { errorCount: 0, lastFailureAt: T + 5_000, lastProbeAt: T + 60_000 },
    );
    // The rest of the state (order, lastGood) is untouched.
    assert.deepEqual(readSnapshot(opts).state.order, readSnapshot({ env: { HOME: home() } }).state.order);
  });

  it('with a gateway running nothing is written; a cooldown reset is refused with what to do', async () => {
    const h = home();
    const opts = { env: { HOME: h } };
    const r = await recordProbeResults(
      opts,
      summary([
        {
          provider: 'anthropic',
          profileId: 'anthropic:manual',
          label: 'a',
          source: 'profile',
          status: 'auth',
          failureReason: 'auth',
          latencyMs: 1,
        },
      ]),
      T,
      async () => true,
    );
    assert.equal(r.written, false);
    assert.match(r.skipped ?? '', /gateway is running/);
    assert.equal(readSnapshot(opts).state.usageStats?.['anthropic:manual'], undefined);
    await assert.rejects(
      setUsageStats(opts, 'anthropic:manual', undefined, async () => true),
      GatewayOwnsStateError,
    );
    const set = await setUsageStats(
      opts,
      'anthropic:manual',
      { cooldownUntil: T, cooldownReason: 'timeout' },
      noGateway,
    );
    assert.equal(set.previous, undefined);
    const back = await setUsageStats(opts, 'anthropic:manual', undefined, noGateway);
    assert.deepEqual({ ...back.previous }, { cooldownUntil: T, cooldownReason: 'timeout' });
    assert.equal(readSnapshot(opts).state.usageStats?.['anthropic:manual'], undefined);
  });
});
