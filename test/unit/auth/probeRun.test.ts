import assert from 'node:assert/strict';
import { planProbes, type ProbePlanInput } from '../../../src/auth/probePlan';
import { runProbes, type ProbeSummary } from '../../../src/auth/probeRun';
import type { Credential } from '../../../src/auth/schemas';
import { startProviderServer, fakeKey, type ProviderServer } from '../../helpers/providerServer';

type Api = 'openai' | 'anthropic' | 'google';
const MODEL: Record<Api, string> = {
  openai: 'gpt-fake-mini',
  anthropic: 'claude-haiku-4-5',
  google: 'gemini-fake-flash',
};

function baseUrl(srv: ProviderServer, api: Api): string {
  return api === 'openai' ? `${srv.baseUrl}/v1` : api === 'google' ? `${srv.baseUrl}/v1beta` : srv.baseUrl;
}

function input(
  srv: ProviderServer,
  opts: {
    api?: Api;
    profiles?: Record<string, Credential>;
    env?: Record<string, string>;
    order?: Record<string, string[]>;
    config?: Record<string, unknown>;
    state?: ProbePlanInput['state'];
  } = {},
): ProbePlanInput {
  const api = opts.api ?? 'openai';
  const config: Record<string, unknown> = opts.config ?? {
    agents: { defaults: { model: { primary: `${api}/${MODEL[api]}` } } },
    models: { providers: { [api]: { baseUrl: baseUrl(srv, api) } } },
  };
  return {
    store: { version: 1, profiles: opts.profiles ?? {} },
    state: opts.state ?? { version: 1, ...(opts.order ? { order: opts.order } : {}) },
    meta: {},
    config,
    env: opts.env ?? {},
    now: Date.now(),
    resolveRef: async (ref) => {
      const v = opts.env?.[ref.id];
      if (!v) throw new Error('unresolved');
      return v;
    },
  };
}

async function probe(
  srv: ProviderServer,
  inp: ProbePlanInput,
  o: { timeoutMs?: number; concurrency?: number; maxTokens?: number; signal?: AbortSignal } = {},
): Promise<ProbeSummary> {
  const plan = await planProbes(inp, {});
  return runProbes(
    plan,
    { config: inp.config, env: inp.env, resolveRef: inp.resolveRef },
    { timeoutMs: o.timeoutMs ?? 3000, concurrency: o.concurrency ?? 2, maxTokens: o.maxTokens ?? 8 },
    { signal: o.signal },
  );
}

const key = (provider: string, k: string): Credential => ({ type: 'api_key', provider, key: k }) as Credential;

describe('probes: live requests against loopback providers', function () {
  this.timeout(20000);
  let srv: ProviderServer;
  before(async () => {
    srv = await startProviderServer();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => srv.reset());

  for (const api of ['openai', 'anthropic', 'google'] as const) {
    it(`${api}: every answer gets openclaw's status, in the provider's wire format`, async () => {
      const cases: Array<[string, string]> = [
        ['ok', 'ok'],
        ['401', 'auth'],
        ['402', 'billing'],
        ['404', 'format'],
        ['429', 'rate_limit'],
        ['429ra1', 'rate_limit'],
        ['hang', 'timeout'],
        ['reset', 'timeout'],
        ['badjson', 'format'],
        ['empty', 'format'],
        ['500', 'unknown'],
      ];
      const profiles: Record<string, Credential> = {};
      for (const [b] of cases) profiles[`${api}:${b}`] = key(api, fakeKey(b));
      const s = await probe(srv, input(srv, { api, profiles }), { timeoutMs: 800, concurrency: 11, maxTokens: 5 });
      for (const [b, want] of cases) {
        const r = s.results.find((x) => x.profileId === `${api}:${b}`);
        assert.ok(r, `row for ${b}`);
        assert.equal(r.status, want, `${api} ${b}: ${r.error ?? ''}`);
        assert.equal(r.model, `${api}/${MODEL[api]}`);
        assert.equal(r.source, 'profile');
        assert.equal(typeof r.latencyMs, 'number');
        assert.equal(r.reasonCode, undefined, 'a live result has no reason code');
        if (want !== 'ok') assert.ok(r.error && r.error.length > 0);
      }
      // The wire format: auth header, model and token bound as the provider expects.
      const seen = srv.requests.find((q) => q.key === fakeKey('ok'));
      assert.ok(seen);
      assert.equal(seen.api, api);
      assert.equal(seen.model, MODEL[api]);
      const body = seen.body as Record<string, unknown>;
      if (api === 'anthropic') {
        assert.equal(body.max_tokens, 5);
        assert.equal(seen.headers['anthropic-version'], '2023-06-01');
      } else if (api === 'google') assert.deepEqual(body.generationConfig, { maxOutputTokens: 5 });
      else {
        assert.equal(body.max_tokens, 5);
        assert.match(String(seen.headers.authorization), /^Bearer sk-fake-ok-/);
      }
    });
  }

  it('never shows a key in an error, even when the provider echoes it', async () => {
    const k = fakeKey('401', 7);
    const s = await probe(srv, input(srv, { profiles: { 'openai:a': key('openai', k) } }));
    const r = s.results[0];
    assert.equal(r?.status, 'auth');
    assert.ok(!JSON.stringify(s).includes(k), 'the raw key is not in the summary');
    assert.match(r?.error ?? '', /sk-fake-\.\.\.|\.\.\./);
  });

  it('anthropic setup tokens go as a bearer token with the OAuth beta header', async () => {
    const tok = `sk-ant-oat01-${fakeKey('ok', 3)}`;
    await probe(
      srv,
      input(srv, {
        api: 'anthropic',
        profiles: { 'anthropic:manual': { type: 'token', provider: 'anthropic', token: tok } as Credential },
      }),
    );
    const q = srv.requests[0];
    assert.equal(q?.headers.authorization, `Bearer ${tok}`);
    assert.equal(q?.headers['x-api-key'], undefined);
    assert.equal(q?.headers['anthropic-beta'], 'oauth-2025-04-20');
  });

  it('the timeout is a hard bound on a target that never answers', async () => {
    const t0 = Date.now();
    const s = await probe(srv, input(srv, { profiles: { 'openai:h': key('openai', fakeKey('hang')) } }), {
      timeoutMs: 600,
    });
    const took = Date.now() - t0;
    assert.equal(s.results[0]?.status, 'timeout');
    assert.match(s.results[0]?.error ?? '', /timed out after 600 ms/);
    assert.ok(took < 1200, `ended within twice the timeout (took ${took} ms)`);
  });

  it('runs at most `concurrency` requests at once', async () => {
    const profiles: Record<string, Credential> = {};
    for (let i = 0; i < 9; i++) profiles[`openai:p${i}`] = key('openai', fakeKey('slow150', i));
    const s = await probe(srv, input(srv, { profiles }), { concurrency: 3 });
    assert.equal(s.results.filter((r) => r.status === 'ok').length, 9);
    assert.equal(srv.requests.length, 9);
    assert.ok(srv.maxInFlight <= 3, `max in flight ${srv.maxInFlight}`);
    assert.ok(srv.maxInFlight >= 2, `requests did overlap (${srv.maxInFlight})`);
    assert.equal(s.options.concurrency, 3);
    assert.equal(s.totalTargets, 9);
  });

  it('cancellation stops in-flight requests and starts no new ones', async () => {
    const profiles: Record<string, Credential> = {};
    for (let i = 0; i < 6; i++) profiles[`openai:h${i}`] = key('openai', fakeKey('hang', i));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    const s = await probe(srv, input(srv, { profiles }), { concurrency: 2, timeoutMs: 20000, signal: ac.signal });
    assert.ok(Date.now() - t0 < 3000, 'ended soon after the cancel');
    assert.equal(s.cancelled, true);
    assert.equal(s.results.length, 6);
    assert.ok(s.results.every((r) => r.status === 'unknown' && r.error === 'Probe cancelled.'));
    assert.ok(srv.requests.length <= 2, `only the in-flight requests were sent (${srv.requests.length})`);
  });
});

describe('probes: key rotation on rate limits', function () {
  this.timeout(20000);
  let srv: ProviderServer;
  before(async () => {
    srv = await startProviderServer();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => srv.reset());

  const envTarget = (env: Record<string, string>) => input(srv, { env });

  it('a rate-limited env key rotates to the next key of the chain', async () => {
    const s = await probe(srv, envTarget({ OPENAI_API_KEY: fakeKey('429', 1), OPENAI_API_KEY_2: fakeKey('ok', 2) }));
    const r = s.results[0];
    assert.equal(r?.source, 'env');
    assert.equal(r?.status, 'ok');
    assert.deepEqual(
      srv.requests.map((q) => q.key),
      [fakeKey('429', 1), fakeKey('ok', 2)],
    );
    assert.deepEqual(
      r?.attempts?.map((a) => [a.source, a.status]),
      [
        ['OPENAI_API_KEY', 'rate_limit'],
        ['OPENAI_API_KEY_2', 'ok'],
      ],
    );
  });

  it('other errors never rotate', async () => {
    for (const b of ['401', '402', '404', '500']) {
      srv.reset();
      const s = await probe(srv, envTarget({ OPENAI_API_KEY: fakeKey(b, 1), OPENAI_API_KEY_2: fakeKey('ok', 2) }));
      assert.notEqual(s.results[0]?.status, 'ok', b);
      assert.equal(srv.requests.length, 1, `${b}: one request only`);
    }
  });

  it('a rate-limit message without a 429 rotates too', async () => {
    const s = await probe(
      srv,
      envTarget({
        OPENAI_API_KEY: fakeKey('throttle', 1),
        OPENAI_API_KEYS: `${fakeKey('throttle', 1)},${fakeKey('ok', 5)}`,
      }),
    );
    assert.equal(s.results[0]?.status, 'ok');
    assert.deepEqual(
      s.results[0]?.attempts?.map((a) => [a.httpStatus, a.status]),
      [
        [400, 'rate_limit'],
        [200, 'ok'],
      ],
    );
  });

  it('duplicate keys are tried once, and when all fail the last error wins', async () => {
    const s = await probe(
      srv,
      envTarget({
        OPENAI_API_KEY: fakeKey('429', 1),
        OPENAI_API_KEYS: `${fakeKey('429', 1)} ${fakeKey('429', 2)};${fakeKey('429', 1)}`,
        OPENAI_API_KEY_9: fakeKey('402', 3),
      }),
    );
    assert.deepEqual(
      srv.requests.map((q) => q.key),
      [fakeKey('429', 1), fakeKey('429', 2), fakeKey('402', 3)],
    );
    assert.equal(s.results[0]?.status, 'billing', 'the last error is the result');
  });

  it('Retry-After is waited out on the last key when it fits in the timeout', async () => {
    const s = await probe(srv, envTarget({ OPENAI_API_KEY: fakeKey('429then1', 1) }), { timeoutMs: 5000 });
    assert.equal(s.results[0]?.status, 'ok');
    assert.equal(srv.requests.length, 2);
    const gap = (srv.requests[1]?.at ?? 0) - (srv.requests[0]?.at ?? 0);
    assert.ok(gap >= 900, `second request after Retry-After (gap ${gap} ms)`);
  });

  it('a Retry-After longer than the timeout is not waited for', async () => {
    const t0 = Date.now();
    const s = await probe(srv, envTarget({ OPENAI_API_KEY: fakeKey('429ra30', 1) }), { timeoutMs: 2000 });
    assert.equal(s.results[0]?.status, 'rate_limit');
    assert.equal(srv.requests.length, 1);
    assert.ok(Date.now() - t0 < 2000, 'ended within the timeout');
  });

  it('without Retry-After a single rate-limited key is reported at once', async () => {
    const s = await probe(srv, envTarget({ OPENAI_API_KEY: fakeKey('429', 1) }));
    assert.equal(s.results[0]?.status, 'rate_limit');
    assert.equal(srv.requests.length, 1);
  });

  it('profile targets probe their own credential only', async () => {
    const s = await probe(
      srv,
      input(srv, {
        profiles: { 'openai:a': key('openai', fakeKey('429', 1)) },
        env: { OPENAI_API_KEY_2: fakeKey('ok', 2) },
      }),
    );
    assert.equal(s.results[0]?.status, 'rate_limit');
    assert.equal(srv.requests.length, 1);
  });
});

describe('probes: local verdicts (no request)', function () {
  let srv: ProviderServer;
  before(async () => {
    srv = await startProviderServer();
  });
  after(async () => {
    await srv.close();
  });

  it('order exclusion, ineligible credentials, unresolved refs and no_model, as openclaw reports them', async () => {
    const now = Date.now();
    const inp = input(srv, {
      profiles: {
        'openai:in': key('openai', fakeKey('ok')),
        'openai:out': key('openai', fakeKey('ok', 1)),
        'openai:old': { type: 'token', provider: 'openai', token: fakeKey('ok', 2), expires: now - 1000 } as Credential,
        'openai:ref': {
          type: 'api_key',
          provider: 'openai',
          keyRef: { source: 'env', provider: 'default', id: 'MISSING_FAKE_KEY' },
        } as Credential,
        'mistral:m': key('mistral', fakeKey('ok', 3)),
      },
      order: { openai: ['openai:in', 'openai:old', 'openai:ref'] },
    });
    const plan = await planProbes(inp, {});
    const byId = Object.fromEntries(plan.results.map((r) => [r.profileId, r]));
    assert.equal(byId['openai:out']?.reasonCode, 'excluded_by_auth_order');
    assert.equal(byId['openai:out']?.error, 'Excluded by auth.order for this provider.');
    assert.equal(byId['openai:old']?.reasonCode, 'expired');
    assert.match(
      byId['openai:old']?.error ?? '',
      /^Auth profile credentials are missing or expired\.\n↳ Auth reason \[expired\]/,
    );
    assert.equal(byId['openai:ref']?.reasonCode, 'unresolved_ref');
    assert.match(byId['openai:ref']?.error ?? '', /could not resolve SecretRef "env:default:MISSING_FAKE_KEY"/);
    assert.equal(byId['mistral:m']?.status, 'no_model');
    assert.equal(byId['mistral:m']?.model, undefined);
    assert.deepEqual(
      plan.targets.map((t) => t.profileId),
      ['openai:in'],
    );
    for (const r of plan.results) assert.equal(r.latencyMs, undefined);
  });

  it('filters by provider and profile id; env and models.json targets appear only without profiles', async () => {
    const inp = input(srv, {
      profiles: { 'openai:a': key('openai', fakeKey('ok')) },
      env: { OPENAI_API_KEY: fakeKey('ok', 1), XAI_API_KEY: fakeKey('ok', 2) },
    });
    const all = await planProbes(inp, {});
    assert.deepEqual(
      all.targets.map((t) => [t.provider, t.source]),
      [['openai', 'profile']],
    );
    assert.deepEqual(
      all.results.map((r) => [r.provider, r.source, r.label, r.status]),
      [['xai', 'env', 'env', 'no_model']],
    );
    const onlyXai = await planProbes(inp, { provider: 'XAI' });
    assert.deepEqual(
      onlyXai.results.map((r) => r.provider),
      ['xai'],
    );
    assert.equal(onlyXai.targets.length, 0);
    const byProfile = await planProbes(inp, { profileIds: ['openai:a'] });
    assert.deepEqual(
      [...byProfile.targets.map((t) => t.profileId), ...byProfile.results.map((r) => r.profileId)],
      ['openai:a'],
    );
    const cfgKey = input(srv, {
      config: {
        agents: { defaults: { model: 'local/fake-model' } },
        models: {
          providers: {
            local: { baseUrl: `${srv.baseUrl}/v1`, apiKey: fakeKey('ok', 4), models: [{ id: 'fake-model' }] },
          },
        },
      },
    });
    const p = await planProbes(cfgKey, {});
    assert.deepEqual(
      p.targets.map((t) => [t.provider, t.source, t.label, `${t.model.provider}/${t.model.id}`]),
      [['local', 'models.json', 'models.json', 'local/fake-model']],
    );
  });

  it('the probe model: first configured candidate, else the catalog with cheap Anthropic models first', async () => {
    const inp = input(srv, {
      profiles: { 'anthropic:k': key('anthropic', fakeKey('ok')) },
      config: {
        models: {
          providers: {
            anthropic: {
              baseUrl: srv.baseUrl,
              models: [
                { id: 'claude-opus-4-1' },
                { id: 'claude-3-haiku' },
                { id: 'claude-haiku-4-5' },
                { id: 'claude-haiku-4-5-20251001', status: 'deprecated' },
              ],
            },
          },
        },
      },
    });
    const plan = await planProbes(inp, {});
    assert.equal(plan.targets[0]?.model.id, 'claude-haiku-4-5');
    const withDefault = await planProbes(
      {
        ...inp,
        config: {
          ...inp.config,
          agents: {
            defaults: { model: { primary: 'Opus' }, models: { 'anthropic/claude-opus-4-1': { alias: 'Opus' } } },
          },
        },
      },
      {},
    );
    assert.equal(withDefault.targets[0]?.model.id, 'claude-opus-4-1');
  });
});

describe('probes: what is never sent', function () {
  let srv: ProviderServer;
  before(async () => {
    srv = await startProviderServer();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => srv.reset());

  it('an expired token without an explicit order is refused as openclaw refuses it, without a request', async () => {
    const s = await probe(
      srv,
      input(srv, {
        profiles: {
          'openai:old': {
            type: 'token',
            provider: 'openai',
            token: fakeKey('ok', 1),
            expires: Date.now() - 1000,
          } as Credential,
        },
      }),
    );
    assert.equal(s.results[0]?.status, 'unknown');
    assert.equal(s.results[0]?.error, 'Auth profile "openai:old" is not configured for openai.');
    assert.equal(srv.requests.length, 0);
  });

  it('a local custom provider without a key is probed without a credential', async () => {
    const config = {
      agents: { defaults: { model: 'llama/fake-llama' } },
      models: {
        providers: {
          llama: { baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions', models: [{ id: 'fake-llama' }] },
        },
      },
    };
    const s = await probe(srv, input(srv, { config }));
    assert.deepEqual(
      s.results.map((r) => [r.provider, r.source, r.status]),
      [['llama', 'models.json', 'ok']],
    );
    assert.equal(srv.requests[0]?.headers.authorization, undefined);
    // Not on a local address: no target.
    const remote = await planProbes(
      input(srv, {
        config: {
          ...config,
          models: {
            providers: { llama: { ...config.models.providers.llama, baseUrl: 'https://llm.example.invalid/v1' } },
          },
        },
      }),
      {},
    );
    assert.equal(remote.targets.length + remote.results.length, 0);
  });
});
