/**
 * Parity with the real `openclaw models status --probe --json` (one openclaw run per home, they
 * are slow): the same rows with the same reason codes and statuses as our probe of the same home.
 * Homes: the `basic` fixture with its provider pointed at a loopback OpenAI-compatible server, and
 * a home built here with profiles whose fake keys make the loopback provider answer ok, 401, 402
 * and 404 in each wire format, plus local verdicts (order exclusion, expired, unresolved ref,
 * no model) and an env credential.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtureHome, ensureOpenclaw, makeEmptyHome, runOpenclaw } from './openclaw';
import { applyMutation, readSnapshot } from '../../src/store';
import { liveProbeSummary } from '../../src/store/probe';
import type { ProbeResult } from '../../src/auth/probePlan';
import { fakeKey, startProviderServer, type ProviderServer } from '../helpers/providerServer';

type Row = [string, string, string, string | null];
const rowKey = (r: Pick<ProbeResult, 'provider' | 'profileId' | 'label'>) => `${r.provider} ${r.profileId ?? r.label}`;
function rows(results: ProbeResult[]): Row[] {
  return results
    .map((r): Row => [r.provider, r.profileId ?? r.label, r.status, r.reasonCode ?? null])
    .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
}

function editConfig(home: string, edit: (cfg: Record<string, unknown>) => void): void {
  const p = path.join(home, '.openclaw', 'openclaw.json');
  const cfg = (fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : {}) as Record<string, unknown>;
  edit(cfg);
  fs.writeFileSync(p, JSON.stringify(cfg, null, 2));
}

const model = (id: string) => ({
  id,
  name: id,
  reasoning: false,
  input: ['text'],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 128000,
  maxTokens: 4096,
});

async function both(
  home: string,
  agentId?: string,
): Promise<{ theirs: ProbeResult[]; ours: ProbeResult[]; stderr: string }> {
  const oc = await runOpenclaw(
    home,
    [
      'models',
      'status',
      '--probe',
      '--json',
      '--probe-timeout',
      '8000',
      '--probe-concurrency',
      '4',
      ...(agentId ? ['--agent', agentId] : []),
    ],
    { timeoutMs: 170_000 },
  );
  const doc = oc.json as { auth?: { probes?: { results: ProbeResult[] } } } | undefined;
  assert.ok(doc?.auth?.probes, `openclaw printed auth.probes (exit ${oc.code}): ${oc.stderr.slice(-2000)}`);
  const s = readSnapshot({ env: { HOME: home }, agentId });
  const ours = await liveProbeSummary(s, { timeoutMs: 8000, concurrency: 4 });
  return { theirs: doc.auth.probes.results, ours: ours.results, stderr: oc.stderr };
}

describe('probe parity with openclaw models status --probe', function () {
  this.timeout(400_000);
  let srv: ProviderServer;
  const homes: string[] = [];
  const fixtureHome = (name: string) => {
    const h = copyFixtureHome(name);
    homes.push(h);
    return h;
  };
  before(async () => {
    await ensureOpenclaw();
    srv = await startProviderServer();
  });
  after(async () => {
    await srv?.close();
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });

  it('basic fixture with openrouter on a loopback server: same rows, reason codes and statuses', async () => {
    const home = fixtureHome('basic');
    editConfig(home, (cfg) => {
      cfg.models = {
        providers: {
          openrouter: { baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions', models: [model('openrouter/auto')] },
        },
      };
    });
    const { theirs, ours } = await both(home);
    assert.deepEqual(rows(ours), rows(theirs));
    assert.ok(
      theirs.some((r) => r.status === 'ok'),
      'the loopback provider was reached',
    );
    // Live rows name the same model.
    const m = new Map(theirs.map((r) => [rowKey(r), r.model]));
    for (const r of ours) if (r.latencyMs !== undefined) assert.equal(r.model, m.get(rowKey(r)));
  });

  it('expiry fixture (expired and expiring tokens, no model for copilot) with anthropic on a loopback server', async () => {
    const home = fixtureHome('expiry');
    editConfig(home, (cfg) => {
      cfg.models = {
        providers: {
          anthropic: { baseUrl: srv.baseUrl, api: 'anthropic-messages', models: [model('claude-sonnet-4-6')] },
        },
      };
    });
    const { theirs, ours } = await both(home);
    assert.deepEqual(rows(ours), rows(theirs));
    // copyFixtureHome shifted the times: anthropic:soon has its ~12 h left, as at capture.
    const st = new Map(ours.map((r) => [r.profileId, r]));
    assert.equal(st.get('anthropic:soon')?.status, 'ok', 'the expiring token is still sent');
    // Expired: openclaw resolves no credential for it ("… is not configured for anthropic.").
    assert.equal(st.get('anthropic:old')?.status, 'unknown', 'an expired token is refused, not sent');
    assert.match(st.get('anthropic:old')?.error ?? '', /not configured/);
    assert.equal(st.get('github-copilot:ci')?.status, 'no_model');
  });

  it('multi-agent fixture, agent work (inherited and local profiles, per-agent order), openrouter on a loopback server', async () => {
    const home = fixtureHome('multi-agent');
    editConfig(home, (cfg) => {
      cfg.models = {
        providers: {
          openrouter: { baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions', models: [model('openrouter/auto')] },
        },
      };
    });
    const { theirs, ours } = await both(home, 'work');
    assert.deepEqual(rows(ours), rows(theirs));
    assert.ok(ours.length >= 2);
  });

  it('a built home: ok, 401, 402, 404 in three wire formats, order exclusion, expired, unresolved ref, no model, env credential', async () => {
    // One profile per live provider: openclaw's probe falls back to another profile of the same
    // provider when the probed one fails (it then reports that profile's result), so a provider
    // with two live profiles would not compare the same credential.
    const home = makeEmptyHome('openclaw-auth-probe-');
    homes.push(home);
    const opts = { env: { HOME: home } };
    const add = (profileId: string, provider: string, key: string) =>
      applyMutation(opts, { kind: 'upsertProfile', profileId, credential: { type: 'api_key', provider, key } });
    await add('openai:ok', 'openai', fakeKey('ok', 1));
    await add('openai:out', 'openai', fakeKey('ok', 5));
    await applyMutation(opts, {
      kind: 'upsertProfile',
      profileId: 'openai:ref',
      credential: {
        type: 'api_key',
        provider: 'openai',
        keyRef: { source: 'env', provider: 'default', id: 'FAKE_MISSING_KEY' },
      },
    });
    await applyMutation(opts, {
      kind: 'upsertProfile',
      profileId: 'openai:old',
      credential: { type: 'token', provider: 'openai', token: fakeKey('ok', 6), expires: Date.now() - 3_600_000 },
    });
    await add('groq:bad', 'groq', fakeKey('401', 2));
    await add('mistral:broke', 'mistral', fakeKey('402', 3));
    await add('deepseek:gone', 'deepseek', fakeKey('404', 4));
    await add('anthropic:ok', 'anthropic', fakeKey('ok', 7));
    await add('google:ok', 'google', fakeKey('ok', 9));
    await add('perplexity:m', 'perplexity', fakeKey('ok', 11));
    fs.writeFileSync(path.join(home, '.openclaw', '.env'), `TOGETHER_API_KEY=${fakeKey('ok', 12)}\n`, { mode: 0o600 });
    const compat = (id: string) => ({ baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions', models: [model(id)] });
    editConfig(home, (cfg) => {
      const auth = (cfg.auth ?? {}) as Record<string, unknown>;
      auth.order = { openai: ['openai:ok', 'openai:ref', 'openai:old'] };
      cfg.auth = auth;
      cfg.agents = {
        defaults: {
          model: {
            primary: 'openai/gpt-fake-mini',
            fallbacks: [
              'anthropic/claude-haiku-4-5',
              'google/gemini-fake-flash',
              'groq/fake-a',
              'mistral/fake-b',
              'deepseek/fake-c',
              'together/fake-d',
            ],
          },
        },
      };
      cfg.models = {
        providers: {
          openai: compat('gpt-fake-mini'),
          groq: compat('fake-a'),
          mistral: compat('fake-b'),
          deepseek: compat('fake-c'),
          together: compat('fake-d'),
          anthropic: { baseUrl: srv.baseUrl, api: 'anthropic-messages', models: [model('claude-haiku-4-5')] },
          google: {
            baseUrl: `${srv.baseUrl}/v1beta`,
            api: 'google-generative-ai',
            models: [model('gemini-fake-flash')],
          },
        },
      };
    });
    const { theirs, ours } = await both(home);
    assert.deepEqual(rows(ours), rows(theirs));
    const st = new Map(rows(ours).map((r) => [`${r[0]} ${r[1]}`, [r[2], r[3]]]));
    // The cases the home was built for are really there (not an empty comparison).
    assert.deepEqual(st.get('openai openai:ok'), ['ok', null]);
    assert.deepEqual(st.get('groq groq:bad'), ['auth', null]);
    assert.deepEqual(st.get('mistral mistral:broke'), ['billing', null]);
    assert.deepEqual(st.get('deepseek deepseek:gone'), ['format', null]);
    assert.deepEqual(st.get('anthropic anthropic:ok'), ['ok', null]);
    assert.deepEqual(st.get('google google:ok'), ['ok', null]);
    assert.deepEqual(st.get('together env'), ['ok', null]);
    assert.deepEqual(st.get('openai openai:out'), ['unknown', 'excluded_by_auth_order']);
    assert.deepEqual(st.get('openai openai:ref'), ['unknown', 'unresolved_ref']);
    assert.deepEqual(st.get('openai openai:old'), ['unknown', 'expired']);
    assert.deepEqual(st.get('perplexity perplexity:m'), ['no_model', 'no_model']);
  });
});
