/**
 * Auth semantics as openclaw 2026.9.6 applies them: eligibility and health reason codes, cooldown
 * scoping, order resolution, the agent view, env key lists, masking, token/duration rules, ids and
 * the tolerant store/state loaders. Pure functions only: a fixed clock, no files.
 *
 * Every secret below is fake. Assertions that involve a raw secret use assert.ok(cond, message) so a
 * failure prints the message, never the value.
 */
import { strict as assert } from 'node:assert';
import {
  EXPIRING_WARN_MS,
  credentialEligibility,
  credentialHealth,
  formatRemainingShort,
  isOAuthRefreshFence,
} from '../../../src/auth/eligibility';
import { clearExpiredWindows, describeUnusable, isInCooldown, recoveryHint } from '../../../src/auth/cooldown';
import { move, resolveOrder, type AuthConfigMeta } from '../../../src/auth/order';
import { buildAgentView, listRows, type AgentViewInput } from '../../../src/auth/view';
import { envKeyList, providerEnvCredential } from '../../../src/auth/envKeys';
import { maskSecret, redact } from '../../../src/auth/mask';
import { normalizeSetupToken, parseDuration, validateSetupToken } from '../../../src/auth/tokens';
import { defaultProfileId, normalizeProviderId, validateProfileId } from '../../../src/auth/providerId';
import {
  loadAuthState,
  loadAuthStore,
  parseCredentialEntry,
  type AuthState,
  type AuthStore,
  type Credential,
  type UsageStats,
} from '../../../src/auth/schemas';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// Fake secrets (long enough to be masked 8...8).
const API_KEY = 'sk-fake-semantics-apikey-0123456789abcdef0123456789';
const TOKEN = 'sk-ant-oat01-fake-semantics-token-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123';
const ACCESS = 'fake-oauth-access-semantics-0123456789abcdefghij';
const REFRESH = 'fake-oauth-refresh-semantics-0123456789abcdefghij';
const ENV_SECRET = 'sk-or-v1-fake-semantics-env-0123456789abcdef0123456789';

/** A credential as the store loader produces it (so tests see what a real read gives). */
function cred(raw: Record<string, unknown>): Credential {
  const r = parseCredentialEntry(raw);
  if (!r.ok) throw new Error(`fixture credential rejected: ${r.reason}`);
  return r.credential;
}
/** A credential the loader would never produce (e.g. NaN expiry), for the pure rules. */
function rawCred(raw: Record<string, unknown>): Credential {
  return raw as unknown as Credential;
}
function storeOf(profiles: Record<string, Record<string, unknown>>): AuthStore {
  return { version: 1, profiles: Object.fromEntries(Object.entries(profiles).map(([id, c]) => [id, cred(c)])) };
}
function stateOf(parts: Partial<AuthState> = {}): AuthState {
  return { version: 1, ...parts };
}

const apiKey = (provider = 'anthropic', extra: Record<string, unknown> = {}) => ({
  type: 'api_key',
  provider,
  key: API_KEY,
  ...extra,
});
const token = (expires?: number, provider = 'anthropic') => ({
  type: 'token',
  provider,
  token: TOKEN,
  ...(expires === undefined ? {} : { expires }),
});
const oauth = (expires: number, withRefresh = true, provider = 'anthropic') => ({
  type: 'oauth',
  provider,
  access: ACCESS,
  ...(withRefresh ? { refresh: REFRESH } : {}),
  expires,
});

const CLAIM = '0123456789abcdef0123456789abcdef';
const OTHER_CLAIM = 'fedcba9876543210fedcba9876543210';
const DIGEST = 'ab'.repeat(32);
const fenceAccess = (claim = CLAIM, failed = true) =>
  `openclaw-oauth-refresh-fence:v1:${claim}:${failed ? 'failed:' : ''}access:${DIGEST}`;
const fenceRefresh = (claim = CLAIM, failed = true) =>
  `openclaw-oauth-refresh-fence:v1:${claim}:${failed ? 'failed:' : ''}refresh:${DIGEST}`;

// ---------------------------------------------------------------------------------------------
describe('eligibility: credentialEligibility and credentialHealth', () => {
  describe('api_key', () => {
    it('a stored key is eligible and reads as static', () => {
      const c = cred(apiKey());
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      assert.deepEqual(credentialHealth(c, NOW), { status: 'static' });
    });

    it('a keyRef without a value is eligible (the ref is resolved later) and static', () => {
      const c = cred({
        type: 'api_key',
        provider: 'openrouter',
        keyRef: { source: 'env', provider: 'default', id: 'OPENROUTER_API_KEY' },
      });
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      assert.equal(credentialHealth(c, NOW).status, 'static');
    });

    it('neither key nor keyRef (or a blank key) is missing_credential', () => {
      for (const c of [
        cred({ type: 'api_key', provider: 'openai' }),
        cred({ type: 'api_key', provider: 'openai', key: '   ' }),
      ]) {
        assert.deepEqual(credentialEligibility(c, NOW), { eligible: false, reasonCode: 'missing_credential' });
        assert.deepEqual(credentialHealth(c, NOW), { status: 'missing', reasonCode: 'missing_credential' });
      }
    });

    it('an onboard command pasted as the key is malformed_api_key (any case, "=" or space after --auth-choice)', () => {
      for (const key of [
        'openclaw onboard --auth-choice openrouter-api-key',
        'OpenClaw  onboard --non-interactive --auth-choice=apiKey',
        'openclaw onboard --auth-choice',
      ]) {
        const c = cred({ type: 'api_key', provider: 'openrouter', key });
        assert.deepEqual(credentialEligibility(c, NOW), { eligible: false, reasonCode: 'malformed_api_key' }, key);
        assert.deepEqual(credentialHealth(c, NOW), { status: 'missing', reasonCode: 'malformed_api_key' }, key);
      }
      // Not the onboard command: a key that merely mentions it, or a different flag.
      for (const key of ['sk-openclaw onboard --auth-choice x', 'openclaw onboard --auth-choicex']) {
        assert.equal(
          credentialEligibility(cred({ type: 'api_key', provider: 'openrouter', key }), NOW).reasonCode,
          'ok',
          key,
        );
      }
    });
  });

  describe('token', () => {
    it('a token expiring after the 24 h window is ok, with expiresAt and remainingMs', () => {
      const c = cred(token(NOW + 3 * DAY));
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      assert.deepEqual(credentialHealth(c, NOW), { status: 'ok', expiresAt: NOW + 3 * DAY, remainingMs: 3 * DAY });
    });

    it('a token past its expiry (or expiring exactly now) is expired and not eligible', () => {
      for (const expires of [NOW - 1, NOW - 30 * DAY, NOW]) {
        const c = cred(token(expires));
        assert.deepEqual(credentialEligibility(c, NOW), { eligible: false, reasonCode: 'expired' });
        assert.deepEqual(credentialHealth(c, NOW), { status: 'expired', reasonCode: 'expired' });
      }
    });

    it('expires 0, negative, NaN, Infinity or beyond the Date range is invalid_expires (missing)', () => {
      for (const expires of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1, '2026-12-01']) {
        const c = rawCred({ type: 'token', provider: 'anthropic', token: TOKEN, expires });
        assert.deepEqual(
          credentialEligibility(c, NOW),
          { eligible: false, reasonCode: 'invalid_expires' },
          String(expires),
        );
        assert.deepEqual(
          credentialHealth(c, NOW),
          { status: 'missing', reasonCode: 'invalid_expires' },
          String(expires),
        );
      }
      // The loader keeps a bad stored expiry as 0, which then reads as invalid_expires.
      for (const expires of [-5, 'soon', null]) {
        const c = cred({ type: 'token', provider: 'anthropic', token: TOKEN, expires });
        assert.equal(credentialEligibility(c, NOW).reasonCode, 'invalid_expires', String(expires));
      }
      // The last Date-valid millisecond is still a valid expiry.
      assert.equal(
        credentialEligibility(rawCred({ type: 'token', provider: 'anthropic', token: TOKEN, expires: 8.64e15 }), NOW)
          .reasonCode,
        'ok',
      );
    });

    it('a token within 24 h is expiring with remainingMs; the window edge is inclusive', () => {
      const c = cred(token(NOW + 2 * HOUR));
      assert.deepEqual(credentialHealth(c, NOW), {
        status: 'expiring',
        expiresAt: NOW + 2 * HOUR,
        remainingMs: 2 * HOUR,
      });
      assert.equal(credentialEligibility(c, NOW).eligible, true, 'an expiring token is still usable');
      assert.equal(credentialHealth(cred(token(NOW + EXPIRING_WARN_MS)), NOW).status, 'expiring');
      assert.equal(credentialHealth(cred(token(NOW + EXPIRING_WARN_MS + 1)), NOW).status, 'ok');
    });

    it('a token without expires never expires: static, no expiry fields', () => {
      const c = cred(token());
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      assert.deepEqual(credentialHealth(c, NOW), { status: 'static' });
    });

    it('neither token nor tokenRef is missing_credential; a tokenRef alone is eligible', () => {
      assert.deepEqual(
        credentialEligibility(cred({ type: 'token', provider: 'anthropic', expires: NOW + DAY * 2 }), NOW),
        { eligible: false, reasonCode: 'missing_credential' },
      );
      const ref = cred({
        type: 'token',
        provider: 'anthropic',
        tokenRef: { source: 'env', provider: 'default', id: 'ANTHROPIC_TOKEN' },
      });
      assert.deepEqual(credentialEligibility(ref, NOW), { eligible: true, reasonCode: 'ok' });
    });
  });

  describe('oauth', () => {
    it('a valid access token is ok with expiry', () => {
      const c = cred(oauth(NOW + 3 * DAY));
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      assert.deepEqual(credentialHealth(c, NOW), { status: 'ok', expiresAt: NOW + 3 * DAY, remainingMs: 3 * DAY });
    });

    it('an expired access token with a refresh token stays eligible and reads expired + refreshable', () => {
      const c = cred(oauth(NOW - HOUR, true));
      assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' });
      const h = credentialHealth(c, NOW);
      assert.equal(h.status, 'expired');
      assert.equal(h.refreshable, true);
      assert.equal(h.remainingMs, -HOUR);
      assert.equal(h.reasonCode, undefined, 'openclaw gives no reason code to a time-expired OAuth token');
    });

    it('an expired access token without a refresh token is expired and not refreshable', () => {
      const h = credentialHealth(cred(oauth(NOW - HOUR, false)), NOW);
      assert.equal(h.status, 'expired');
      assert.equal(h.refreshable, false);
    });

    it('models status warns 24 h ahead for OAuth too, refresh token or not (checked against the CLI)', () => {
      for (const withRefresh of [true, false]) {
        assert.equal(
          credentialHealth(cred(oauth(NOW + 2 * HOUR, withRefresh)), NOW).status,
          'expiring',
          `refresh=${withRefresh}, 2 h left`,
        );
        assert.equal(
          credentialHealth(cred(oauth(NOW + 4 * MIN, withRefresh)), NOW).status,
          'expiring',
          `refresh=${withRefresh}, 4 min left`,
        );
        assert.equal(
          credentialHealth(cred(oauth(NOW + 30 * HOUR, withRefresh)), NOW).status,
          'ok',
          `refresh=${withRefresh}, 30 h left`,
        );
      }
      // A smaller window still never goes below openclaw's 5-minute refresh margin.
      assert.equal(credentialHealth(cred(oauth(NOW + 4 * MIN)), NOW, 0).status, 'expiring');
      assert.equal(credentialHealth(cred(oauth(NOW + 6 * MIN)), NOW, 0).status, 'ok');
    });

    it('an OAuth access token without expires (or expires 0) reads missing without a reason code', () => {
      assert.deepEqual(
        credentialHealth(cred({ type: 'oauth', provider: 'anthropic', access: ACCESS, refresh: REFRESH }), NOW),
        { status: 'missing' },
      );
      assert.deepEqual(
        credentialHealth(cred({ type: 'oauth', provider: 'anthropic', access: ACCESS, expires: -3 }), NOW),
        { status: 'missing' },
      );
    });

    it('a refresh fence (failed or pending) is expired and not eligible', () => {
      for (const failed of [true, false]) {
        const c = cred({
          type: 'oauth',
          provider: 'openai',
          access: fenceAccess(CLAIM, failed),
          refresh: fenceRefresh(CLAIM, failed),
          expires: 1,
        });
        assert.equal(isOAuthRefreshFence(c), true);
        assert.deepEqual(credentialEligibility(c, NOW), { eligible: false, reasonCode: 'expired' });
        assert.deepEqual(credentialHealth(c, NOW), { status: 'expired', reasonCode: 'expired' });
      }
    });

    it('only the exact fence shape counts: matching claim, matching state, expires 1', () => {
      const notFences = [
        { access: fenceAccess(), refresh: REFRESH, expires: 1 }, // refresh is a real token
        { access: fenceAccess(CLAIM), refresh: fenceRefresh(OTHER_CLAIM), expires: 1 }, // different claims
        { access: fenceAccess(CLAIM, true), refresh: fenceRefresh(CLAIM, false), expires: 1 }, // failed vs pending
        { access: fenceAccess(), refresh: fenceRefresh(), expires: 2 },
        { access: fenceAccess().toUpperCase(), refresh: fenceRefresh(), expires: 1 },
      ];
      for (const [i, f] of notFences.entries()) {
        const c = cred({ type: 'oauth', provider: 'openai', ...f });
        assert.equal(isOAuthRefreshFence(c), false, `case ${i}`);
        // Not a fence: it has an access value, so it stays eligible (expired by time only).
        assert.deepEqual(credentialEligibility(c, NOW), { eligible: true, reasonCode: 'ok' }, `case ${i}`);
        assert.equal(credentialHealth(c, NOW).status, 'expired', `case ${i}`);
      }
    });

    it('neither access nor refresh is missing_credential; with a legacy oauthRef it is unresolved_ref', () => {
      const none = cred({ type: 'oauth', provider: 'openai-codex', expires: NOW + DAY });
      assert.deepEqual(credentialEligibility(none, NOW), { eligible: false, reasonCode: 'missing_credential' });
      assert.deepEqual(credentialHealth(none, NOW), { status: 'missing', reasonCode: 'missing_credential' });
      const withRef = cred({
        type: 'oauth',
        provider: 'openai-codex',
        oauthRef: { source: 'openclaw-credentials', provider: 'openai-codex', id: 'a'.repeat(32) },
      });
      assert.deepEqual(credentialEligibility(withRef, NOW), { eligible: false, reasonCode: 'unresolved_ref' });
      assert.deepEqual(credentialHealth(withRef, NOW), { status: 'missing', reasonCode: 'unresolved_ref' });
    });
  });

  it('a saved setup replacement is inactive: missing / setup_inactive whatever the credential', () => {
    const setup = { replacement: true, modelRef: 'anthropic/claude-sonnet-4-6', configJson: '{}' };
    for (const raw of [
      apiKey('anthropic', { setup }),
      { ...token(NOW + 3 * DAY), setup },
      { ...oauth(NOW + 3 * DAY), setup },
    ]) {
      assert.deepEqual(
        credentialHealth(cred(raw), NOW),
        { status: 'missing', reasonCode: 'setup_inactive' },
        String(raw.type),
      );
    }
    // replacement: false is an ordinary credential.
    assert.deepEqual(credentialHealth(cred(apiKey('anthropic', { setup: { ...setup, replacement: false } })), NOW), {
      status: 'static',
    });
  });

  it('formatRemainingShort prints openclaw compact durations', () => {
    const cases: Array<[number | undefined, string]> = [
      [undefined, 'unknown'],
      [Number.NaN, 'unknown'],
      [0, '0m'],
      [-5 * MIN, '0m'],
      [10_000, '1m'],
      [29_999, '1m'],
      [90_000, '2m'],
      [45 * MIN, '45m'],
      [59 * MIN, '59m'],
      [59.5 * MIN, '1h'],
      [90 * MIN, '2h'],
      [12 * HOUR, '12h'],
      [47 * HOUR, '47h'],
      [48 * HOUR, '2d'],
      [30 * DAY, '30d'],
    ];
    for (const [ms, want] of cases) assert.equal(formatRemainingShort(ms), want, String(ms));
  });
});

// ---------------------------------------------------------------------------------------------
describe('cooldown: model scoping, bypass, describe, clear, hints', () => {
  const P = 'anthropic:work';
  const withStats = (s: UsageStats, id = P): AuthState => stateOf({ usageStats: { [id]: s } });

  it('a rate_limit on model A cools A only; "every model" (null) is not cooling; unscoped (undefined) is', () => {
    const st = withStats({ cooldownUntil: NOW + MIN, cooldownReason: 'rate_limit', cooldownModel: 'model-a' });
    assert.equal(isInCooldown(st, 'anthropic', P, NOW, 'model-a'), true);
    assert.equal(isInCooldown(st, 'anthropic', P, NOW, 'model-b'), false);
    assert.equal(isInCooldown(st, 'anthropic', P, NOW, null), false);
    assert.equal(isInCooldown(st, 'anthropic', P, NOW, undefined), true);
    assert.equal(isInCooldown(st, 'anthropic', P, NOW + MIN, 'model-a'), false, 'ends at cooldownUntil');
  });

  it('timeout and model_not_found are model-scoped too; other reasons cool every model', () => {
    for (const reason of ['timeout', 'model_not_found']) {
      const st = withStats({ cooldownUntil: NOW + MIN, cooldownReason: reason, cooldownModel: 'model-a' });
      assert.equal(isInCooldown(st, 'anthropic', P, NOW, 'model-b'), false, reason);
      assert.equal(isInCooldown(st, 'anthropic', P, NOW, 'model-a'), true, reason);
    }
    for (const reason of ['overloaded', 'auth', 'billing', 'unknown']) {
      const st = withStats({ cooldownUntil: NOW + MIN, cooldownReason: reason, cooldownModel: 'model-a' });
      assert.equal(isInCooldown(st, 'anthropic', P, NOW, 'model-b'), true, reason);
      assert.equal(isInCooldown(st, 'anthropic', P, NOW, null), true, reason);
    }
  });

  it('a disable (billing) applies to every model, even beside a model-scoped cooldown', () => {
    const st = withStats({ disabledUntil: NOW + HOUR, disabledReason: 'billing' });
    for (const m of ['model-a', 'model-b', null, undefined])
      assert.equal(isInCooldown(st, 'anthropic', P, NOW, m), true, String(m));
    const both = withStats({
      cooldownUntil: NOW + MIN,
      cooldownReason: 'rate_limit',
      cooldownModel: 'model-a',
      disabledUntil: NOW + HOUR,
      disabledReason: 'billing',
    });
    assert.equal(isInCooldown(both, 'anthropic', P, NOW, 'model-b'), true);
    assert.equal(isInCooldown(both, 'anthropic', P, NOW + HOUR, 'model-b'), false, 'ends with the disable');
  });

  it('a block scoped to a model blocks that model only; an unscoped block blocks all', () => {
    const st = withStats({
      blockedUntil: NOW + HOUR,
      blockedReason: 'subscription_limit',
      blockedScope: 'model',
      blockedModel: 'model-a',
    });
    assert.equal(isInCooldown(st, 'openai', P, NOW, 'model-a'), true);
    assert.equal(isInCooldown(st, 'openai', P, NOW, 'model-b'), false);
    assert.equal(isInCooldown(st, 'openai', P, NOW, null), false);
    assert.equal(isInCooldown(st, 'openai', P, NOW, undefined), true);
    const all = withStats({ blockedUntil: NOW + HOUR, blockedReason: 'subscription_limit' });
    assert.equal(isInCooldown(all, 'openai', P, NOW, 'model-b'), true);
    // An active block for this model keeps a rate_limit on another model from being bypassed.
    const mixed = withStats({
      cooldownUntil: NOW + MIN,
      cooldownReason: 'rate_limit',
      cooldownModel: 'model-a',
      blockedUntil: NOW + HOUR,
    });
    assert.equal(isInCooldown(mixed, 'openai', P, NOW, 'model-b'), true);
  });

  it('openrouter and kilocode manage their own limits: never cooling, never described', () => {
    const st = withStats({
      cooldownUntil: NOW + HOUR,
      cooldownReason: 'overloaded',
      disabledUntil: NOW + HOUR,
      disabledReason: 'billing',
    });
    for (const provider of ['openrouter', 'OpenRouter', 'kilocode']) {
      assert.equal(isInCooldown(st, provider, P, NOW), false, provider);
      assert.equal(describeUnusable(st, provider, P, NOW), undefined, provider);
    }
    assert.equal(isInCooldown(st, 'anthropic', P, NOW), true);
  });

  it('no stats, or windows that have ended, are not cooling', () => {
    assert.equal(isInCooldown(stateOf(), 'anthropic', P, NOW), false);
    const ended = withStats({
      cooldownUntil: NOW - 1,
      cooldownReason: 'overloaded',
      disabledUntil: NOW,
      blockedUntil: NOW - HOUR,
    });
    assert.equal(isInCooldown(ended, 'anthropic', P, NOW), false);
    assert.equal(describeUnusable(ended, 'anthropic', P, NOW), undefined);
  });

  it('describeUnusable: disabled first, then blocked, then cooldown, with reason, model and remainingMs', () => {
    const all = withStats({
      cooldownUntil: NOW + 10 * MIN,
      cooldownReason: 'rate_limit',
      cooldownModel: 'model-a',
      blockedUntil: NOW + 20 * MIN,
      blockedReason: 'subscription_limit',
      blockedScope: 'model',
      blockedModel: 'model-b',
      disabledUntil: NOW + 30 * MIN,
      disabledReason: 'billing',
    });
    assert.deepEqual(describeUnusable(all, 'anthropic', P, NOW), {
      kind: 'disabled',
      reason: 'billing',
      until: NOW + 30 * MIN,
      remainingMs: 30 * MIN,
    });
    assert.equal(
      describeUnusable(all, 'anthropic', P, NOW + 25 * MIN)?.remainingMs,
      5 * MIN,
      'the disable outlasts the others',
    );
    assert.equal(describeUnusable(all, 'anthropic', P, NOW + 30 * MIN), undefined, 'every window has ended');
    const blocked = withStats({
      blockedUntil: NOW + 20 * MIN,
      blockedReason: 'subscription_limit',
      blockedScope: 'model',
      blockedModel: 'model-b',
    });
    assert.deepEqual(describeUnusable(blocked, 'anthropic', P, NOW), {
      kind: 'blocked',
      reason: 'subscription_limit',
      model: 'model-b',
      until: NOW + 20 * MIN,
      remainingMs: 20 * MIN,
    });
    const cool = withStats({ cooldownUntil: NOW + 10 * MIN, cooldownReason: 'rate_limit', cooldownModel: 'model-a' });
    const d = describeUnusable(cool, 'anthropic', P, NOW);
    assert.equal(d?.kind, 'cooldown');
    assert.equal(d?.model, 'model-a');
    assert.equal(d?.remainingMs, 10 * MIN);
    // A reason that is not model-scoped reports no model even when one is stored.
    const over = withStats({
      cooldownUntil: NOW + 10 * MIN,
      cooldownReason: 'auth',
      cooldownModel: 'model-a',
      cooldownClassification: 'wham_token_expired',
    });
    const o = describeUnusable(over, 'anthropic', P, NOW);
    assert.equal(o?.model, undefined);
    assert.equal(o?.classification, 'wham_token_expired');
  });

  it('clearExpiredWindows drops ended windows, resets errorCount and keeps only the rate_limit count', () => {
    const input = stateOf({
      usageStats: {
        a: {
          cooldownUntil: NOW - 1,
          cooldownReason: 'rate_limit',
          cooldownModel: 'm',
          errorCount: 4,
          failureCounts: { rate_limit: 3, timeout: 2 },
          lastUsed: 7,
        },
        b: { disabledUntil: NOW - 1, disabledReason: 'billing', errorCount: 2, failureCounts: { billing: 2 } },
        c: {
          cooldownUntil: NOW - 1,
          cooldownReason: 'overloaded',
          disabledUntil: NOW + HOUR,
          disabledReason: 'billing',
          errorCount: 5,
          failureCounts: { overloaded: 5 },
        },
        d: { cooldownUntil: NOW + HOUR, cooldownReason: 'overloaded', errorCount: 1 },
      },
    });
    const before = JSON.stringify(input);
    const out = clearExpiredWindows(input, NOW);
    assert.equal(JSON.stringify(input), before, 'the input is not mutated');
    assert.deepEqual(out.usageStats?.a, { errorCount: 0, failureCounts: { rate_limit: 3 }, lastUsed: 7 });
    assert.deepEqual(out.usageStats?.b, { errorCount: 0 });
    // Still disabled: only the ended cooldown goes, the counters stay.
    assert.deepEqual(out.usageStats?.c, {
      disabledUntil: NOW + HOUR,
      disabledReason: 'billing',
      errorCount: 5,
      failureCounts: { overloaded: 5 },
    });
    assert.deepEqual(out.usageStats?.d, { cooldownUntil: NOW + HOUR, cooldownReason: 'overloaded', errorCount: 1 });
  });

  it('recoveryHint: billing disable, credential failures name the login command, otherwise wait', () => {
    assert.equal(recoveryHint('disabled', 'billing'), 'Top up credits (provider billing) or switch provider.');
    assert.equal(recoveryHint('cooldown', 'billing'), 'Wait for cooldown or switch provider.');
    for (const kind of ['cooldown', 'disabled'] as const) {
      for (const reason of ['rate_limit', 'overloaded', 'timeout', undefined]) {
        assert.equal(recoveryHint(kind, reason), 'Wait for cooldown or switch provider.', `${kind} ${reason}`);
      }
    }
    for (const reason of ['auth', 'auth_permanent', 'session_expired']) {
      assert.equal(
        recoveryHint('cooldown', reason, 'anthropic', 'anthropic:work'),
        "Re-authenticate with `openclaw models auth login --provider anthropic --profile-id 'anthropic:work'`.",
        reason,
      );
    }
    if (process.platform !== 'win32') {
      assert.equal(
        recoveryHint('disabled', 'auth', 'openai', "openai:bob's"),
        "Re-authenticate with `openclaw models auth login --provider openai --profile-id 'openai:bob'\\''s'`.",
      );
    }
    assert.equal(recoveryHint('disabled', 'auth'), 'Re-authenticate with `openclaw models auth login`.');
    assert.match(
      recoveryHint('cooldown', 'auth', 'google-gemini-cli', 'google-gemini-cli:x'),
      /^Gemini CLI OAuth cannot be repaired by OpenClaw\./,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('order: resolveOrder', () => {
  const base = () =>
    storeOf({
      'anthropic:key': apiKey(),
      'anthropic:tok': token(NOW + 30 * DAY),
      'anthropic:oa': oauth(NOW + 30 * DAY),
      'openai:x': apiKey('openai'),
    });
  const run = (
    store: AuthStore,
    state: AuthState = stateOf(),
    cfg: AuthConfigMeta = {},
    forModel?: string | null,
    provider = 'anthropic',
  ) => resolveOrder({ store, state, cfg, provider, now: NOW, forModel });

  it('stored override beats config auth.order beats config auth.profiles beats the store, and source says which', () => {
    const store = base();
    const stored = stateOf({ order: { anthropic: ['anthropic:key'] } });
    const cfgOrder: AuthConfigMeta = { order: { anthropic: ['anthropic:tok', 'anthropic:key'] } };
    const cfgProfiles: AuthConfigMeta = {
      profiles: {
        'anthropic:key': { provider: 'anthropic', mode: 'api_key' },
        'anthropic:oa': { provider: 'anthropic', mode: 'oauth' },
      },
    };

    let r = run(store, stored, { ...cfgOrder, ...cfgProfiles });
    assert.equal(r.source, 'stored');
    assert.deepEqual(r.profileIds, ['anthropic:key']);
    assert.deepEqual(r.explicit, ['anthropic:key']);

    r = run(store, stateOf(), { ...cfgOrder, ...cfgProfiles });
    assert.equal(r.source, 'config');
    assert.deepEqual(r.profileIds, ['anthropic:tok', 'anthropic:key']);

    r = run(store, stateOf(), cfgProfiles);
    assert.equal(r.source, 'config-profiles');
    assert.equal(r.explicit, undefined);
    assert.deepEqual(r.profileIds, ['anthropic:oa', 'anthropic:key'], 'only the configured profiles, sorted by mode');

    r = run(store);
    assert.equal(r.source, 'default');
    assert.deepEqual(r.profileIds, ['anthropic:oa', 'anthropic:tok', 'anthropic:key']);
    assert.equal(r.disabled, false);
  });

  it('provider ids match case-insensitively in the store, config and stored order', () => {
    const r = run(
      base(),
      stateOf(),
      { order: { ANTHROPIC: ['anthropic:key', 'anthropic:oa'] } },
      undefined,
      ' Anthropic ',
    );
    assert.equal(r.provider, 'anthropic');
    assert.equal(r.source, 'config');
    assert.deepEqual(r.profileIds, ['anthropic:key', 'anthropic:oa']);
  });

  it('default order: oauth < token < api_key, unexpired OAuth first, oldest lastUsed first, stable ties', () => {
    const store = storeOf({
      'anthropic:k-new': apiKey(),
      'anthropic:k-old': apiKey(),
      'anthropic:k-never': apiKey(),
      'anthropic:oa-expired': oauth(NOW - HOUR),
      'anthropic:tok': token(),
      'anthropic:oa': oauth(NOW + DAY * 2),
    });
    const state = stateOf({
      usageStats: { 'anthropic:k-new': { lastUsed: NOW - MIN }, 'anthropic:k-old': { lastUsed: NOW - DAY } },
    });
    assert.deepEqual(run(store, state).profileIds, [
      'anthropic:oa',
      'anthropic:oa-expired',
      'anthropic:tok',
      'anthropic:k-never',
      'anthropic:k-old',
      'anthropic:k-new',
    ]);
    // Ties keep store order, whatever it is.
    const ties = storeOf({ 'anthropic:z': apiKey(), 'anthropic:a': apiKey(), 'anthropic:m': apiKey() });
    assert.deepEqual(run(ties).profileIds, ['anthropic:z', 'anthropic:a', 'anthropic:m']);
  });

  it('an explicit order keeps its own sequence (no sorting by type or lastUsed)', () => {
    const state = stateOf({ usageStats: { 'anthropic:key': { lastUsed: NOW } } });
    const r = run(base(), state, { order: { anthropic: ['anthropic:key', 'anthropic:oa', 'anthropic:tok'] } });
    assert.deepEqual(r.profileIds, ['anthropic:key', 'anthropic:oa', 'anthropic:tok']);
  });

  it('profiles in cooldown go last, soonest end first, for an explicit and for the default order', () => {
    const state = stateOf({
      usageStats: {
        'anthropic:oa': { cooldownUntil: NOW + 10 * MIN, cooldownReason: 'overloaded' },
        'anthropic:tok': { disabledUntil: NOW + 5 * MIN, disabledReason: 'billing' },
      },
    });
    const explicit = run(base(), state, { order: { anthropic: ['anthropic:oa', 'anthropic:tok', 'anthropic:key'] } });
    assert.deepEqual(explicit.profileIds, ['anthropic:key', 'anthropic:tok', 'anthropic:oa']);
    assert.deepEqual(run(base(), state).profileIds, ['anthropic:key', 'anthropic:tok', 'anthropic:oa']);
    // Once the windows have ended they are cleared and the normal order is back.
    assert.deepEqual(
      resolveOrder({ store: base(), state, cfg: {}, provider: 'anthropic', now: NOW + HOUR }).profileIds,
      ['anthropic:oa', 'anthropic:tok', 'anthropic:key'],
    );
  });

  it('a model-scoped cooldown moves a profile last only for that model', () => {
    const state = stateOf({
      usageStats: {
        'anthropic:oa': { cooldownUntil: NOW + 10 * MIN, cooldownReason: 'rate_limit', cooldownModel: 'claude-x' },
      },
    });
    assert.deepEqual(run(base(), state, {}, 'claude-x').profileIds, ['anthropic:tok', 'anthropic:key', 'anthropic:oa']);
    assert.deepEqual(run(base(), state, {}, 'claude-y').profileIds, ['anthropic:oa', 'anthropic:tok', 'anthropic:key']);
    assert.deepEqual(run(base(), state, {}, null).profileIds, ['anthropic:oa', 'anthropic:tok', 'anthropic:key']);
  });

  it('ineligible profiles are dropped and listed in excluded with their reason', () => {
    const store = storeOf({
      'anthropic:good': apiKey(),
      'anthropic:nokey': { type: 'api_key', provider: 'anthropic' },
      'anthropic:old': token(NOW - 1),
      'anthropic:bad-exp': { type: 'token', provider: 'anthropic', token: TOKEN, expires: -1 },
      'anthropic:pasted': {
        type: 'api_key',
        provider: 'anthropic',
        key: 'openclaw onboard --auth-choice anthropic-api-key',
      },
      'anthropic:setup': apiKey('anthropic', {
        setup: { replacement: true, modelRef: 'anthropic/x', configJson: '{}' },
      }),
    });
    const r = run(store);
    assert.deepEqual(r.profileIds, ['anthropic:good']);
    const reasons = Object.fromEntries(r.excluded.map((e) => [e.profileId, e.reasonCode]));
    assert.deepEqual(reasons, {
      'anthropic:nokey': 'missing_credential',
      'anthropic:old': 'expired',
      'anthropic:bad-exp': 'invalid_expires',
      'anthropic:pasted': 'malformed_api_key',
      'anthropic:setup': 'setup_inactive',
    });
  });

  it('store profiles an explicit list leaves out are excluded_by_auth_order; other providers are not listed', () => {
    const r = run(base(), stateOf({ order: { anthropic: ['anthropic:tok'] } }));
    assert.deepEqual(r.profileIds, ['anthropic:tok']);
    assert.deepEqual(r.excluded.map((e) => `${e.profileId}=${e.reasonCode}`).sort(), [
      'anthropic:key=excluded_by_auth_order',
      'anthropic:oa=excluded_by_auth_order',
    ]);
  });

  it('an explicit [] disables the provider', () => {
    const r = run(base(), stateOf(), { order: { anthropic: [] } });
    assert.equal(r.disabled, true);
    assert.deepEqual(r.profileIds, []);
    assert.equal(r.source, 'config');
  });

  it('an order naming only missing profiles: a stored one falls back to the store, a config one stays empty', () => {
    const stored = run(base(), stateOf({ order: { anthropic: ['anthropic:gone', 'anthropic:also-gone'] } }));
    assert.deepEqual(
      stored.profileIds,
      ['anthropic:oa', 'anthropic:tok', 'anthropic:key'],
      'stored order repaired from the store, sorted by mode',
    );
    assert.equal(stored.disabled, false);
    const configured = run(base(), stateOf(), { order: { anthropic: ['anthropic:gone'] } });
    assert.deepEqual(configured.profileIds, []);
    assert.equal(configured.disabled, false);
    // Config auth.profiles naming only missing ids also falls back.
    const cfgProfiles = run(base(), stateOf(), {
      profiles: { 'anthropic:gone': { provider: 'anthropic', mode: 'api_key' } },
    });
    assert.deepEqual(cfgProfiles.profileIds, ['anthropic:oa', 'anthropic:tok', 'anthropic:key']);
  });

  it('config auth.profiles mode must match the credential (oauth config accepts a token credential)', () => {
    const cfg: AuthConfigMeta = {
      profiles: {
        'anthropic:key': { provider: 'anthropic', mode: 'token' },
        'anthropic:tok': { provider: 'anthropic', mode: 'oauth' },
        'anthropic:oa': { provider: 'anthropic', mode: 'oauth' },
      },
    };
    const r = run(base(), stateOf(), cfg);
    assert.deepEqual(r.profileIds, ['anthropic:oa', 'anthropic:tok']);
    assert.deepEqual(r.excluded, [{ profileId: 'anthropic:key', reasonCode: 'mode_mismatch' }]);
  });

  it('a credential of another provider named in the order is provider_mismatch', () => {
    const r = run(base(), stateOf({ order: { anthropic: ['openai:x', 'anthropic:key'] } }));
    assert.deepEqual(r.profileIds, ['anthropic:key']);
    assert.ok(r.excluded.some((e) => e.profileId === 'openai:x' && e.reasonCode === 'provider_mismatch'));
  });

  it('a config-only aws-sdk profile is eligible only when models.providers.<p>.auth is "aws-sdk"', () => {
    const profiles = { 'amazon-bedrock:default': { provider: 'amazon-bedrock', mode: 'aws-sdk' } };
    const empty: AuthStore = { version: 1, profiles: {} };
    const ok = run(
      empty,
      stateOf(),
      { profiles, providerAuthMode: { 'amazon-bedrock': 'aws-sdk' } },
      undefined,
      'amazon-bedrock',
    );
    assert.deepEqual(ok.profileIds, ['amazon-bedrock:default']);
    assert.deepEqual(run(empty, stateOf(), { profiles }, undefined, 'amazon-bedrock').profileIds, []);
    // Named in an order beside a stored key, it is left out as profile_missing.
    const withKey = storeOf({ 'amazon-bedrock:key': apiKey('amazon-bedrock') });
    const no = run(
      withKey,
      stateOf({ order: { 'amazon-bedrock': ['amazon-bedrock:default', 'amazon-bedrock:key'] } }),
      { profiles },
      undefined,
      'amazon-bedrock',
    );
    assert.deepEqual(no.profileIds, ['amazon-bedrock:key']);
    assert.deepEqual(no.excluded, [{ profileId: 'amazon-bedrock:default', reasonCode: 'profile_missing' }]);
  });

  it('move(): drag and drop semantics', () => {
    const xs = ['a', 'b', 'c', 'd'];
    assert.deepEqual(move(xs, 0, 3), ['b', 'c', 'd', 'a'], 'first to last');
    assert.deepEqual(move(xs, 3, 0), ['d', 'a', 'b', 'c'], 'last to first');
    assert.deepEqual(move(xs, 1, 2), ['a', 'c', 'b', 'd'], 'down one');
    assert.deepEqual(move(xs, 1, 99), ['a', 'c', 'd', 'b'], 'clamped to the end');
    assert.deepEqual(move(xs, 2, -7), ['c', 'a', 'b', 'd'], 'clamped to the start');
    assert.deepEqual(move(xs, 9, 0), xs, 'from out of range: no-op');
    assert.deepEqual(move(xs, -1, 0), xs, 'negative from: no-op');
    assert.deepEqual(xs, ['a', 'b', 'c', 'd'], 'the input is never changed');
    assert.notEqual(move(xs, 9, 0), xs, 'always a new list');
  });
});

// ---------------------------------------------------------------------------------------------
describe('view: buildAgentView and listRows', () => {
  const input = (over: Partial<AgentViewInput>): AgentViewInput => ({
    agentId: 'main',
    store: { version: 1, profiles: {} },
    location: {},
    state: stateOf(),
    meta: {},
    env: {},
    modelsInUse: [],
    now: NOW,
    ...over,
  });
  const profile = (v: ReturnType<typeof buildAgentView>, id: string) => {
    const p = v.providers.flatMap((x) => x.profiles).find((x) => x.id === id);
    assert.ok(p, `profile ${id} in the view`);
    return p;
  };

  it('display statuses: excluded, cooldown (with model), disabled, expired-refreshable, expired, expiring', () => {
    const store = storeOf({
      'anthropic:a': apiKey(),
      'anthropic:b': apiKey(),
      'openai:cool': apiKey('openai'),
      'openai:off': apiKey('openai'),
      'google:oa-r': oauth(NOW - HOUR, true, 'google'),
      'google:oa-n': oauth(NOW - HOUR, false, 'google'),
      'xai:soon': token(NOW + 3 * HOUR, 'xai'),
    });
    const state = stateOf({
      order: { anthropic: ['anthropic:a'] },
      usageStats: {
        'openai:cool': { cooldownUntil: NOW + 5 * MIN, cooldownReason: 'rate_limit', cooldownModel: 'gpt-x' },
        'openai:off': { disabledUntil: NOW + 2 * HOUR, disabledReason: 'billing' },
      },
    });
    const v = buildAgentView(input({ store, state }));
    assert.equal(profile(v, 'anthropic:a').display, 'static');
    const b = profile(v, 'anthropic:b');
    assert.equal(b.display, 'excluded');
    assert.equal(b.reasonCode, 'excluded_by_auth_order');
    const cool = profile(v, 'openai:cool');
    assert.equal(cool.display, 'cooldown');
    assert.equal(cool.unusable?.model, 'gpt-x');
    assert.match(cool.summary, /cooling down \(rate_limit, gpt-x\) 5m/);
    const off = profile(v, 'openai:off');
    assert.equal(off.display, 'disabled');
    assert.match(off.summary, /disabled \(billing\) 2h/);
    assert.equal(profile(v, 'google:oa-r').display, 'expired-refreshable');
    assert.equal(profile(v, 'google:oa-r').refreshable, true);
    assert.equal(profile(v, 'google:oa-n').display, 'expired');
    const soon = profile(v, 'xai:soon');
    assert.equal(soon.display, 'expiring');
    assert.match(soon.summary, /expires in 3h/);
  });

  it('an env keyRef is unresolved-ref while its variable is missing or blank, static once it is set', () => {
    const store = storeOf({
      'openrouter:ref': {
        type: 'api_key',
        provider: 'openrouter',
        keyRef: { source: 'env', provider: 'default', id: 'MY_ROUTER_KEY' },
      },
    });
    for (const env of [{}, { MY_ROUTER_KEY: '  ' }]) {
      const p = profile(buildAgentView(input({ store, env })), 'openrouter:ref');
      assert.equal(p.display, 'unresolved-ref');
      assert.equal(p.reasonCode, 'unresolved_ref');
      assert.equal(p.credentialHint, 'ref(env:MY_ROUTER_KEY)');
    }
    const ok = profile(buildAgentView(input({ store, env: { MY_ROUTER_KEY: ENV_SECRET } })), 'openrouter:ref');
    assert.equal(ok.display, 'static');
    assert.equal(ok.reasonCode, undefined);
    assert.equal(ok.ref, 'env:default:MY_ROUTER_KEY');
    // A store ref is checked through hasStoreSecret.
    const st = storeOf({
      'openai:s': {
        type: 'api_key',
        provider: 'openai',
        keyRef: { source: 'store', provider: 'default', id: 'openai-key' },
      },
    });
    assert.equal(
      profile(buildAgentView(input({ store: st, hasStoreSecret: () => false })), 'openai:s').display,
      'unresolved-ref',
    );
    assert.equal(
      profile(buildAgentView(input({ store: st, hasStoreSecret: (n) => n === 'openai-key' })), 'openai:s').display,
      'static',
    );
  });

  describe('checkCode (models status --check)', () => {
    it('0: the provider in use has a usable api key', () => {
      const v = buildAgentView(
        input({ store: storeOf({ 'anthropic:a': apiKey() }), modelsInUse: ['anthropic/claude-x'] }),
      );
      assert.equal(v.checkCode, 0);
      assert.deepEqual(v.missingProvidersInUse, []);
    });

    it('2: the first usable profile is an expiring token', () => {
      const v = buildAgentView(
        input({ store: storeOf({ 'anthropic:t': token(NOW + 2 * HOUR) }), modelsInUse: ['anthropic/claude-x'] }),
      );
      assert.equal(v.checkCode, 2);
    });

    it('2 also for an OAuth profile with a refresh token that expires within 24 h', () => {
      const v = buildAgentView(
        input({ store: storeOf({ 'xai:oa': oauth(NOW + 2 * HOUR, true, 'xai') }), modelsInUse: ['xai/grok-x'] }),
      );
      assert.equal(v.checkCode, 2);
    });

    it('1: only an expired token; the provider is listed in missingProvidersInUse', () => {
      const v = buildAgentView(
        input({
          store: storeOf({ 'github-copilot:ci': token(NOW - MIN, 'github-copilot') }),
          modelsInUse: ['github-copilot/gpt-5.4'],
        }),
      );
      assert.equal(v.checkCode, 1);
      assert.deepEqual(v.missingProvidersInUse, ['github-copilot']);
    });

    it('1 when every profile is cooling for the model in use; 0 when the cooldown is for another model', () => {
      const store = storeOf({ 'anthropic:a': apiKey(), 'anthropic:b': apiKey() });
      const cooling = (model: string) =>
        stateOf({
          usageStats: {
            'anthropic:a': { cooldownUntil: NOW + MIN, cooldownReason: 'rate_limit', cooldownModel: model },
            'anthropic:b': { cooldownUntil: NOW + MIN, cooldownReason: 'rate_limit', cooldownModel: model },
          },
        });
      const busy = buildAgentView(input({ store, state: cooling('claude-x'), modelsInUse: ['anthropic/claude-x'] }));
      assert.equal(busy.checkCode, 1);
      assert.deepEqual(busy.missingProvidersInUse, ['anthropic']);
      assert.equal(
        buildAgentView(input({ store, state: cooling('claude-other'), modelsInUse: ['anthropic/claude-x'] })).checkCode,
        0,
      );
    });

    it('a provider with no profiles is fine with an env key (0), missing without one (1)', () => {
      const withEnv = buildAgentView(
        input({ env: { OPENROUTER_API_KEY: ENV_SECRET }, modelsInUse: ['openrouter/auto'] }),
      );
      assert.equal(withEnv.checkCode, 0);
      const pv = withEnv.providers.find((p) => p.provider === 'openrouter');
      assert.equal(pv?.envCredential?.source, 'OPENROUTER_API_KEY');
      const without = buildAgentView(input({ modelsInUse: ['openrouter/auto'] }));
      assert.equal(without.checkCode, 1);
      assert.deepEqual(without.missingProvidersInUse, ['openrouter']);
    });

    it('1 when an explicit [] order disables the provider in use, env key or not', () => {
      const v = buildAgentView(
        input({
          store: storeOf({ 'openrouter:a': apiKey('openrouter') }),
          meta: { order: { openrouter: [] } },
          env: { OPENROUTER_API_KEY: ENV_SECRET },
          modelsInUse: ['openrouter/auto'],
        }),
      );
      assert.equal(v.checkCode, 1);
      assert.equal(v.providers.find((p) => p.provider === 'openrouter')?.status, 'missing');
    });

    it('providers not in use do not affect the code; 1 wins over 2', () => {
      const store = storeOf({
        'anthropic:a': apiKey(),
        'xai:old': token(NOW - 1, 'xai'),
        'openai:soon': token(NOW + HOUR, 'openai'),
      });
      assert.equal(buildAgentView(input({ store, modelsInUse: ['anthropic/claude-x'] })).checkCode, 0);
      assert.equal(buildAgentView(input({ store, modelsInUse: ['openai/gpt-x', 'anthropic/claude-x'] })).checkCode, 2);
      assert.equal(buildAgentView(input({ store, modelsInUse: ['openai/gpt-x', 'xai/grok'] })).checkCode, 1);
    });
  });

  it('counts add up per display status', () => {
    const store = storeOf({
      'anthropic:a': apiKey(),
      'anthropic:b': apiKey(),
      'anthropic:old': token(NOW - 1),
      'openai:t': token(NOW + HOUR, 'openai'),
    });
    const v = buildAgentView(input({ store, state: stateOf({ order: { anthropic: ['anthropic:a'] } }) }));
    assert.equal(v.counts.static, 1);
    assert.equal(v.counts.excluded, 1);
    assert.equal(v.counts.expired, 1);
    assert.equal(v.counts.expiring, 1);
    assert.equal(
      Object.values(v.counts).reduce((a, b) => a + b, 0),
      4,
    );
  });

  it('no part of the view (summary, label, credentialHint, key chain, env credential) contains a raw secret', () => {
    const store = storeOf({
      'openrouter:k': apiKey('openrouter'),
      'anthropic:t': token(NOW + 3 * DAY),
      'google:o': { ...oauth(NOW + 3 * DAY, true, 'google'), email: 'someone@example.com' },
    });
    const env = { OPENROUTER_API_KEY: ENV_SECRET, OPENROUTER_API_KEYS: `${ENV_SECRET}x ${ENV_SECRET}y` };
    const v = buildAgentView(input({ store, env, modelsInUse: ['openrouter/auto'] }));
    const text = JSON.stringify(v);
    for (const [name, secret] of Object.entries({
      API_KEY,
      TOKEN,
      ACCESS,
      REFRESH,
      ENV_SECRET,
      list1: `${ENV_SECRET}x`,
    })) {
      assert.ok(!text.includes(secret), `the view must not contain ${name}`);
    }
    const k = profile(v, 'openrouter:k');
    assert.ok(k.credentialHint === maskSecret(API_KEY), 'an api key shows as its mask');
    assert.ok(profile(v, 'anthropic:t').credentialHint.startsWith('token:'));
    assert.equal(profile(v, 'google:o').label, 'google:o (someone@example.com)');
    const chain = v.providers.find((p) => p.provider === 'openrouter')?.keyChain ?? [];
    assert.deepEqual(
      chain.map((e) => e.source),
      ['OPENROUTER_API_KEYS', 'OPENROUTER_API_KEYS', 'OPENROUTER_API_KEY'],
    );
  });

  it('listRows: sorted by provider then id, with every stored window and reason, hint by kind', () => {
    const store = storeOf({
      'zeta:k': apiKey('anthropic'),
      'openai-codex:x': apiKey('openai-codex'),
      'openai:y': { ...apiKey('openai'), displayName: 'Work' },
      'anthropic:t': token(NOW + DAY),
      'anthropic:k': apiKey('anthropic', { email: 'a@example.com' }),
    });
    const state = stateOf({
      usageStats: {
        'openai:y': {
          cooldownUntil: NOW + HOUR,
          cooldownReason: 'rate_limit',
          disabledUntil: NOW + 2 * HOUR,
          disabledReason: 'billing',
        },
        'zeta:k': { cooldownUntil: NOW + MIN, cooldownReason: 'session_expired' },
        'openai-codex:x': { cooldownReason: 'timeout' },
      },
    });
    const rows = listRows(store, state);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['anthropic:k', 'anthropic:t', 'zeta:k', 'openai:y', 'openai-codex:x'],
    );
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual(by['anthropic:k'], {
      id: 'anthropic:k',
      provider: 'anthropic',
      type: 'api_key',
      label: 'anthropic:k (a@example.com)',
      email: 'a@example.com',
    });
    assert.equal(by['anthropic:t']?.expiresAt, new Date(NOW + DAY).toISOString());
    assert.deepEqual(by['openai:y'], {
      id: 'openai:y',
      provider: 'openai',
      type: 'api_key',
      label: 'openai:y (Work)',
      displayName: 'Work',
      cooldownUntil: new Date(NOW + HOUR).toISOString(),
      disabledUntil: new Date(NOW + 2 * HOUR).toISOString(),
      cooldownReason: 'rate_limit',
      disabledReason: 'billing',
      recoveryHint: 'Top up credits (provider billing) or switch provider.',
    });
    assert.equal(
      by['zeta:k']?.recoveryHint,
      "Re-authenticate with `openclaw models auth login --provider anthropic --profile-id 'zeta:k'`.",
    );
    assert.deepEqual(
      by['openai-codex:x'],
      {
        id: 'openai-codex:x',
        provider: 'openai-codex',
        type: 'api_key',
        label: 'openai-codex:x',
        cooldownReason: 'timeout',
      },
      'a reason without a window: no hint',
    );
    assert.deepEqual(
      listRows(store, state, 'OpenAI').map((r) => r.id),
      ['openai:y'],
    );
    assert.ok(!JSON.stringify(rows).includes(API_KEY) && !JSON.stringify(rows).includes(TOKEN), 'rows carry no secret');
  });
});

// ---------------------------------------------------------------------------------------------
describe('envKeys: envKeyList', () => {
  const sources = (provider: string, env: Record<string, string>) => envKeyList(provider, env).map((e) => e.source);
  const values = (provider: string, env: Record<string, string>) => envKeyList(provider, env).map((e) => e.value);

  it('OPENCLAW_LIVE_<P>_KEY alone wins over every other variable', () => {
    const env = { OPENCLAW_LIVE_OPENAI_KEY: ' k-live ', OPENAI_API_KEYS: 'k1 k2', OPENAI_API_KEY: 'k3' };
    assert.deepEqual(sources('openai', env), ['OPENCLAW_LIVE_OPENAI_KEY']);
    assert.deepEqual(values('openai', env), ['k-live']);
    // Blank live key: ignored.
    assert.deepEqual(values('openai', { ...env, OPENCLAW_LIVE_OPENAI_KEY: '  ' }), ['k1', 'k2', 'k3']);
  });

  it('list var (spaces, commas, semicolons), then <P>_API_KEY, then <P>_API_KEY_*, then manifest vars, deduplicated', () => {
    const env = {
      ALIBABA_API_KEYS: 'k1, k2;k3\tk4 ;; ,',
      ALIBABA_API_KEY: 'k5',
      ALIBABA_API_KEY_B: 'k6',
      ALIBABA_API_KEY_2: 'k2', // duplicate of a list entry
      MODELSTUDIO_API_KEY: 'k7',
      DASHSCOPE_API_KEY: 'k5', // duplicate of the primary
      QWEN_API_KEY: 'k8',
    };
    assert.deepEqual(values('alibaba', env), ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8']);
    assert.deepEqual(sources('alibaba', env), [
      'ALIBABA_API_KEYS',
      'ALIBABA_API_KEYS',
      'ALIBABA_API_KEYS',
      'ALIBABA_API_KEYS',
      'ALIBABA_API_KEY',
      'ALIBABA_API_KEY_B',
      'MODELSTUDIO_API_KEY',
      'QWEN_API_KEY',
    ]);
  });

  it('google reads GEMINI_* and then GOOGLE_API_KEY; its live key is OPENCLAW_LIVE_GEMINI_KEY', () => {
    const env = {
      GEMINI_API_KEYS: 'g1',
      GEMINI_API_KEY: 'g2',
      GEMINI_API_KEY_X: 'g3',
      GOOGLE_API_KEY: 'g4',
      GOOGLE_API_KEYS: 'ignored',
    };
    assert.deepEqual(values('google', env), ['g1', 'g2', 'g3', 'g4']);
    assert.deepEqual(sources('google', env).at(-1), 'GOOGLE_API_KEY');
    assert.deepEqual(values('google', { ...env, OPENCLAW_LIVE_GEMINI_KEY: 'g-live' }), ['g-live']);
  });

  it('anthropic uses OPENCLAW_LIVE_ANTHROPIC_KEYS as its list; ANTHROPIC_API_KEYS is ignored', () => {
    const env = {
      ANTHROPIC_API_KEYS: 'ignored1 ignored2',
      OPENCLAW_LIVE_ANTHROPIC_KEYS: 'a1,a2',
      ANTHROPIC_API_KEY: 'a3',
      ANTHROPIC_OAUTH_TOKEN: 'a4',
    };
    assert.deepEqual(values('anthropic', env), ['a1', 'a2', 'a3', 'a4']);
    assert.deepEqual(sources('anthropic', env), [
      'OPENCLAW_LIVE_ANTHROPIC_KEYS',
      'OPENCLAW_LIVE_ANTHROPIC_KEYS',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_OAUTH_TOKEN',
    ]);
  });

  it('a provider with dashes maps to underscores (github-copilot -> GITHUB_COPILOT_*), plus its manifest var', () => {
    const env = {
      GITHUB_COPILOT_API_KEYS: 'c1',
      GITHUB_COPILOT_API_KEY: 'c2',
      GITHUB_COPILOT_API_KEY_OLD: 'c3',
      COPILOT_GITHUB_TOKEN: 'c4',
    };
    assert.deepEqual(sources('github-copilot', env), [
      'GITHUB_COPILOT_API_KEYS',
      'GITHUB_COPILOT_API_KEY',
      'GITHUB_COPILOT_API_KEY_OLD',
      'COPILOT_GITHUB_TOKEN',
    ]);
    assert.deepEqual(values('GitHub-Copilot', { OPENCLAW_LIVE_GITHUB_COPILOT_KEY: 'live', ...env }), ['live']);
  });

  it('nothing set: an empty list; providerEnvCredential takes the first manifest variable', () => {
    assert.deepEqual(envKeyList('openai', {}), []);
    assert.equal(
      providerEnvCredential('anthropic', { ANTHROPIC_API_KEY: 'x1', ANTHROPIC_OAUTH_TOKEN: 'x2' })?.source,
      'ANTHROPIC_OAUTH_TOKEN',
    );
    assert.equal(providerEnvCredential('groq', { GROQ_API_KEY: ' g ' })?.value, 'g');
    assert.equal(providerEnvCredential('groq', { GROQ_API_KEY: '  ' }), undefined);
  });

  it('entries carry source and masked; masked never equals nor contains the value', () => {
    const env = { OPENROUTER_API_KEYS: `${ENV_SECRET}-a ${ENV_SECRET}-b`, OPENROUTER_API_KEY: 'short1' };
    const list = envKeyList('openrouter', env);
    assert.equal(list.length, 3);
    for (const e of list) {
      assert.ok(e.source.startsWith('OPENROUTER_API_KEY'));
      assert.ok(e.masked !== e.value && !e.masked.includes(e.value), `masked hides the value of ${e.source}`);
      assert.equal(e.masked, maskSecret(e.value));
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('mask: maskSecret and redact', () => {
  it('masks by length: <=6 one char each side, <=16 two, longer eight', () => {
    assert.equal(maskSecret('a'), 'a...a');
    assert.equal(maskSecret('abcdef'), 'a...f');
    assert.equal(maskSecret('abcdefg'), 'ab...fg');
    assert.equal(maskSecret('0123456789abcdef'), '01...ef');
    assert.equal(maskSecret('0123456789abcdefg'), '01234567...9abcdefg');
    assert.equal(maskSecret(API_KEY), `${API_KEY.slice(0, 8)}...${API_KEY.slice(-8)}`);
  });

  it('strips control characters and trims before measuring; empty is "missing"', () => {
    assert.equal(maskSecret('\u0007ab\ncd\u007fef\u009b'), 'a...f');
    assert.equal(maskSecret('  abcdefg\t'), 'ab...fg');
    for (const v of ['', '   ', '\n\t', undefined, null]) assert.equal(maskSecret(v), 'missing', JSON.stringify(v));
  });

  it('redact replaces every occurrence of every secret (longest first) and leaves short strings', () => {
    const text = `key=${API_KEY}; again ${API_KEY}; token ${TOKEN}; ${API_KEY}-suffix; abc`;
    const out = redact(text, [API_KEY, TOKEN, undefined, 'abc']);
    assert.ok(!out.includes(API_KEY) && !out.includes(TOKEN), 'no secret left');
    assert.equal(out.split(maskSecret(API_KEY)).length - 1, 3);
    assert.equal(out.split(maskSecret(TOKEN)).length - 1, 1);
    assert.ok(out.endsWith('; abc'), 'secrets under 4 characters are not redacted');
    // A secret that contains another is replaced whole.
    const inner = API_KEY.slice(0, 20);
    const nested = redact(`x ${API_KEY} y ${inner} z`, [inner, API_KEY]);
    assert.ok(
      nested === `x ${maskSecret(API_KEY)} y ${maskSecret(inner)} z`,
      'the longer secret is masked whole, then the shorter one',
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('tokens: validateSetupToken and parseDuration', () => {
  const PREFIX = 'sk-ant-oat01-';
  // Rules observed on the real openclaw 2026.9.6 (docs/openclaw-behaviour.md §3).
  it('anthropic setup tokens: prefix and length >= 80 after all whitespace is removed', () => {
    const ok = PREFIX + 'A'.repeat(80 - PREFIX.length);
    assert.equal(validateSetupToken('anthropic', ok), undefined);
    assert.equal(validateSetupToken('Anthropic', `  ${ok}\n`), undefined, 'surrounding whitespace is ignored');
    assert.equal(
      validateSetupToken('anthropic', `${ok.slice(0, 40)} ${ok.slice(40)}`),
      undefined,
      'inner whitespace is removed, as openclaw does',
    );
    assert.ok(
      normalizeSetupToken('anthropic', `${ok.slice(0, 40)} \n${ok.slice(40)}`) === ok,
      'stored without the whitespace',
    );
    assert.equal(validateSetupToken('anthropic', ok.slice(0, 79)), 'Token looks too short; paste the full setup-token');
    assert.equal(
      validateSetupToken('anthropic', 'sk-ant-api03-' + 'A'.repeat(90)),
      'Expected token starting with sk-ant-oat01-',
    );
    assert.equal(validateSetupToken('anthropic', '   '), 'Required');
  });

  it('openai tokens that look like API keys are refused; other providers only need a value', () => {
    assert.match(validateSetupToken('openai', 'sk-proj1234567890abcdef') ?? '', /looks like an OpenAI API key/);
    assert.equal(validateSetupToken('github-copilot', 'ghu_fake'), undefined);
    assert.equal(validateSetupToken('github-copilot', ' '), 'Required');
  });

  it('parseDuration: openclaw grammar (ms/s/m/h/d, composites, a bare number is days)', () => {
    const cases: Array<[string, number]> = [
      ['30d', 30 * DAY],
      ['12h', 12 * HOUR],
      ['90m', 90 * MIN],
      ['1h30m', 90 * MIN],
      ['2d12h', 60 * HOUR],
      ['3600s', HOUR],
      [' 2H ', 2 * HOUR],
      ['1500ms', 1500],
      ['10', 10 * DAY],
      ['1.5d', 36 * HOUR],
    ];
    for (const [s, ms] of cases) assert.equal(parseDuration(s), ms, s);
  });

  it('parseDuration rejects empty, zero, negative, unknown units and out-of-range expiries', () => {
    for (const s of ['', '  ', '-1h', 'abc', '10x', '1w', '1y', 'h', '1h 30m', '1h30']) {
      assert.throws(() => parseDuration(s), /Invalid duration/, JSON.stringify(s));
    }
    for (const s of ['0s', '0h0m', '99999999d']) assert.throws(() => parseDuration(s), /outside Date range/, s);
  });
});

// ---------------------------------------------------------------------------------------------
describe('providerId', () => {
  it('normalizeProviderId trims and lower-cases; non-strings are ""', () => {
    assert.equal(normalizeProviderId('  OpenRouter '), 'openrouter');
    assert.equal(normalizeProviderId(undefined), '');
    assert.equal(normalizeProviderId(42), '');
  });

  it('validateProfileId wants <provider>:<name> with valid parts and the right provider', () => {
    assert.equal(validateProfileId('openai:work'), undefined);
    assert.equal(validateProfileId('openai:me@example.com', 'OpenAI'), undefined);
    for (const bad of ['openai', ':work', 'openai:', ''])
      assert.match(validateProfileId(bad) ?? '', /must look like/, bad);
    assert.match(validateProfileId('open ai:work') ?? '', /invalid provider part/);
    assert.match(validateProfileId('openai:my key') ?? '', /invalid name part/);
    assert.match(validateProfileId('openai:-x') ?? '', /invalid name part/);
    assert.match(validateProfileId('openai:work', 'anthropic') ?? '', /does not belong to provider "anthropic"/);
  });

  it('defaultProfileId is <provider>:manual, with openai-codex renamed to openai', () => {
    assert.equal(defaultProfileId('openai-codex'), 'openai:manual');
    assert.equal(defaultProfileId(' Anthropic '), 'anthropic:manual');
  });
});

// ---------------------------------------------------------------------------------------------
describe('schemas: loadAuthStore and loadAuthState', () => {
  const SRC = 'test-store';
  const load = (profiles: unknown, extra: Record<string, unknown> = {}) =>
    loadAuthStore(JSON.stringify({ version: 1, profiles, ...extra }), SRC);

  it('invalid JSON: a warning, an empty store, valid false (store and state)', () => {
    const s = loadAuthStore('{"version":1,', SRC);
    assert.equal(s.valid, false);
    assert.deepEqual(s.store, { version: 1, profiles: {} });
    assert.equal(s.warnings[0]?.reason, 'invalid_json');
    assert.match(s.warnings[0]?.message ?? '', /^test-store: /);
    const st = loadAuthState('not json', SRC);
    assert.equal(st.valid, false);
    assert.deepEqual(st.state, { version: 1 });
    assert.equal(st.warnings[0]?.reason, 'invalid_json');
    // No cell at all is simply empty and valid.
    assert.deepEqual(loadAuthStore(undefined, SRC), { store: { version: 1, profiles: {} }, warnings: [], valid: true });
  });

  it('JSON without a profiles object is not a store', () => {
    for (const text of ['null', '[]', '42', '"x"', '{}', '{"profiles":[]}']) {
      const r = loadAuthStore(text, SRC);
      assert.equal(r.valid, false, text);
      assert.equal(r.warnings[0]?.reason, 'invalid_store', text);
    }
  });

  it('unknown types are dropped with a warning naming the id and the valid types; the rest is kept', () => {
    const r = load({
      'aws:x': { type: 'aws-sdk', provider: 'amazon-bedrock' },
      'w:y': { type: 'weird', provider: 'w' },
      'openai:ok': apiKey('openai'),
    });
    assert.deepEqual(Object.keys(r.store.profiles), ['openai:ok']);
    assert.equal(r.valid, true);
    assert.equal(r.warnings.length, 2);
    for (const [id, type] of [
      ['aws:x', 'aws-sdk'],
      ['w:y', 'weird'],
    ]) {
      const w = r.warnings.find((x) => x.key === id);
      assert.ok(w, `warning for ${id}`);
      assert.equal(w.reason, 'invalid_type');
      assert.ok(
        w.message.includes(`"${id}"`) &&
          w.message.includes(`"${type}"`) &&
          w.message.includes('valid types: api_key, token, oauth'),
        w.message,
      );
    }
  });

  it('non-object entries and entries without a provider are dropped with their reason', () => {
    const r = load({
      a: 'sk-string',
      b: null,
      c: [1],
      d: { type: 'api_key', key: 'k' },
      e: { type: 'api_key', provider: '  ', key: 'k' },
    });
    assert.deepEqual(r.store.profiles, {});
    assert.deepEqual(Object.fromEntries(r.warnings.map((w) => [w.key, w.reason])), {
      a: 'non_object',
      b: 'non_object',
      c: 'non_object',
      d: 'missing_provider',
      e: 'missing_provider',
    });
  });

  it('legacy aliases: mode for type, apiKey type and field; provider lower-cased', () => {
    const r = load({
      'openai:m': { mode: 'api_key', provider: ' OpenAI ', key: API_KEY },
      'openai:a': { type: 'apiKey', provider: 'openai', apiKey: API_KEY },
      'openai:t': { mode: 'token', provider: 'OPENAI', token: TOKEN },
    });
    assert.deepEqual(r.warnings, []);
    const m = r.store.profiles['openai:m'];
    assert.equal(m?.type, 'api_key');
    assert.equal(m?.provider, 'openai');
    const a = r.store.profiles['openai:a'];
    assert.ok(a?.type === 'api_key' && a.key === API_KEY, 'apiKey alias becomes key');
    assert.equal(r.store.profiles['openai:t']?.type, 'token');
    assert.equal(r.store.profiles['openai:t']?.provider, 'openai');
  });

  it('a SecretRef written into key/token moves to keyRef/tokenRef', () => {
    const ref = { source: 'env', provider: 'default', id: 'OPENAI_API_KEY' };
    const r = load({
      'openai:r': { type: 'api_key', provider: 'openai', key: ref },
      'anthropic:r': { type: 'token', provider: 'anthropic', token: ref },
    });
    const k = r.store.profiles['openai:r'];
    assert.ok(k?.type === 'api_key');
    assert.deepEqual(k.keyRef, ref);
    assert.equal(k.key, undefined);
    const t = r.store.profiles['anthropic:r'];
    assert.ok(t?.type === 'token');
    assert.deepEqual(t.tokenRef, ref);
    assert.equal(t.token, undefined);
  });

  it('usage stats: wrong-typed fields are dropped with a warning naming them, the rest is kept', () => {
    const r = loadAuthState(
      JSON.stringify({
        version: 1,
        usageStats: {
          'a:1': { cooldownUntil: NOW + HOUR, cooldownReason: 'overloaded', errorCount: '3' },
          'a:2': { cooldownUntil: 'soon', errorCount: 'x' },
          'a:3': 'nope',
          'a:4': {
            lastUsed: 5,
            cooldownReason: 'made_up',
            blockedScope: 'provider',
            failureCounts: { rate_limit: 2, nonsense: 1, timeout: -1 },
          },
          'a:5': { lastUsed: NOW },
        },
      }),
      SRC,
    );
    assert.equal(r.valid, true);
    assert.deepEqual(r.state.usageStats, {
      'a:1': { cooldownUntil: NOW + HOUR, cooldownReason: 'overloaded' },
      'a:4': { lastUsed: 5, failureCounts: { rate_limit: 2 } },
      'a:5': { lastUsed: NOW },
    });
    const by = Object.fromEntries(r.warnings.map((w) => [w.key, w.message]));
    assert.deepEqual(Object.keys(by).sort(), ['a:1', 'a:2', 'a:3', 'a:4']);
    assert.match(by['a:1'] ?? '', /errorCount/);
    assert.match(by['a:2'] ?? '', /cooldownUntil, errorCount/);
    assert.match(by['a:4'] ?? '', /cooldownReason/);
    assert.ok(r.warnings.every((w) => w.reason === 'invalid_usage_stats'));
    // A profile whose stats had a bad field still cools down.
    assert.equal(isInCooldown(r.state, 'anthropic', 'a:1', NOW), true);
  });

  it('every valid usage stats field round-trips', () => {
    const stats = {
      lastUsed: NOW - HOUR,
      lastProbeAt: NOW - MIN,
      cooldownUntil: NOW + MIN,
      cooldownReason: 'auth',
      cooldownClassification: 'wham_token_expired',
      cooldownModel: 'gpt-5.4',
      disabledUntil: NOW + HOUR,
      disabledReason: 'billing',
      blockedUntil: NOW + DAY,
      blockedReason: 'subscription_limit',
      blockedSource: 'codex_rate_limits',
      blockedModel: 'gpt-5.4',
      blockedScope: 'model',
      errorCount: 3,
      failureCounts: { auth: 1, rate_limit: 2 },
      lastFailureAt: NOW - 2 * MIN,
    };
    const r = loadAuthState(JSON.stringify({ version: 1, usageStats: { 'openai:x': stats } }), SRC);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.state.usageStats?.['openai:x'], stats);
  });

  it('stored order: provider keys normalised, blanks dropped, an empty list ignored (it does not disable)', () => {
    const r = loadAuthState(
      JSON.stringify({
        version: 1,
        order: { OpenAI: [' openai:a ', '', 7, 'openai:b'], anthropic: [], xai: 'x' },
        lastGood: { openai: 'openai:a', bad: 3 },
      }),
      SRC,
    );
    assert.deepEqual(r.state.order, { openai: ['openai:a', 'openai:b'] });
    assert.deepEqual(r.state.lastGood, { openai: 'openai:a' });
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]?.reason, 'invalid_order');
    const order = resolveOrder({
      store: storeOf({ 'anthropic:a': apiKey() }),
      state: r.state,
      cfg: {},
      provider: 'anthropic',
      now: NOW,
    });
    assert.equal(order.disabled, false);
    assert.deepEqual(order.profileIds, ['anthropic:a']);
  });

  it('never throws: one-character input, odd JSON, a huge store', () => {
    for (const text of [
      '{',
      '}',
      'x',
      '',
      ' ',
      '\u0000',
      '[',
      '1e999',
      '{"profiles":{"a":{"type":"api_key","provider":{"x":1}}}}',
    ]) {
      assert.doesNotThrow(() => loadAuthStore(text, SRC), JSON.stringify(text));
      assert.doesNotThrow(() => loadAuthState(text, SRC), JSON.stringify(text));
    }
    const profiles: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++)
      profiles[`openai:k${i}`] =
        i % 3 === 0 ? { type: 'weird' } : { type: 'api_key', provider: 'openai', key: `fake-${i}` };
    const r = loadAuthStore(JSON.stringify({ version: 1, profiles }), SRC);
    assert.equal(Object.keys(r.store.profiles).length, 20_000 - Math.ceil(20_000 / 3));
    assert.equal(r.warnings.length, Math.ceil(20_000 / 3));
  });
});
