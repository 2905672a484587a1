/**
 * Probe response bodies: read as a stream up to 64 KB, the request aborted at the cap (the socket
 * closes), the timeout covering the body, and a body cut at the cap still classified. Real
 * loopback servers streaming hundreds of MB, memory measured in this process.
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { planProbes, type ProbePlanInput } from '../../../src/auth/probePlan';
import { errorDetails, runProbes, MAX_BODY_BYTES, type ProbeSummary } from '../../../src/auth/probeRun';
import type { Credential } from '../../../src/auth/schemas';
import { echoedPiece, fakeKey, startProviderServer, type ProviderServer } from '../../helpers/providerServer';
import { waitFor } from '../../helpers/wait';

type Api = 'openai' | 'anthropic' | 'google';
const MODEL: Record<Api, string> = {
  openai: 'gpt-fake-mini',
  anthropic: 'claude-haiku-4-5',
  google: 'gemini-fake-flash',
};
const MB = 1024 * 1024;

function input(srv: ProviderServer, profiles: Record<string, Credential>, api: Api = 'openai'): ProbePlanInput {
  const base = api === 'openai' ? `${srv.baseUrl}/v1` : api === 'google' ? `${srv.baseUrl}/v1beta` : srv.baseUrl;
  return {
    store: { version: 1, profiles },
    state: { version: 1 },
    meta: {},
    config: {
      agents: { defaults: { model: { primary: `${api}/${MODEL[api]}` } } },
      models: { providers: { [api]: { baseUrl: base } } },
    },
    env: {},
    now: Date.now(),
    resolveRef: async () => {
      throw new Error('no refs here');
    },
  };
}

async function probe(inp: ProbePlanInput, timeoutMs: number, concurrency = 2): Promise<ProbeSummary> {
  const plan = await planProbes(inp, {});
  return runProbes(
    plan,
    { config: inp.config, env: inp.env, resolveRef: inp.resolveRef },
    { timeoutMs, concurrency, maxTokens: 8 },
  );
}

const key = (provider: string, k: string): Credential => ({ type: 'api_key', provider, key: k }) as Credential;

/**
 * This process's memory: its RSS, or where that cannot be read (RSS comes from /proc on Linux,
 * hidden in the unit-native suite) the V8 heap plus memory held outside it (buffers, which is
 * where a response body lands).
 */
function memoryNow(): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    const h = v8.getHeapStatistics() as v8.HeapInfo & { external_memory?: number };
    return h.total_heap_size + (h.external_memory ?? 0) + h.malloced_memory;
  }
}

/** Runs `fn` while sampling this process's memory every 10 ms; returns the result and the peak growth. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  if (global.gc) global.gc();
  const before = memoryNow();
  let peak = before;
  const t = setInterval(() => {
    peak = Math.max(peak, memoryNow());
  }, 10);
  try {
    const value = await fn();
    peak = Math.max(peak, memoryNow());
    return { value, growth: peak - before };
  } finally {
    clearInterval(t);
  }
}

/** Every 12-character piece of `secret` that occurs in `text` (none may). */
function leakedPieces(text: string, secret: string): number {
  let n = 0;
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) n++;
  return n;
}

describe('probes: response bodies are capped, and the timeout covers them', function () {
  this.timeout(60000);
  let srv: ProviderServer;
  before(async () => {
    srv = await startProviderServer();
    // Warm up fetch (undici loads on first use) so its memory is not counted below.
    await probe(input(srv, { 'openai:w': key('openai', fakeKey('ok', 99)) }), 5000);
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => srv.reset());

  it('a 200 MB answer: the probe ends with ok, memory stays small, and the connection is closed at the cap', async () => {
    const { value: s, growth } = await peakRssGrowth(() =>
      probe(input(srv, { 'openai:big': key('openai', fakeKey('big200')) }), 30000),
    );
    const r = s.results[0];
    assert.equal(r?.status, 'ok', r?.error);
    assert.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB reading a 200 MB body (limit 50 MB)`);
    await waitFor(() => srv.bodies[0]?.closed === true, 'the server to see the connection closed', 10000);
    const b = srv.bodies[0];
    assert.ok(b?.closedEarly, 'the client closed the connection before the body ended');
    assert.ok(
      (b?.sent ?? Infinity) < 50 * MB,
      `the server wrote ${((b?.sent ?? 0) / MB).toFixed(1)} MB of 200 MB before the client hung up`,
    );
  });

  it('a 200 MB body that is not JSON is format, with a message that says it was cut', async () => {
    const { value: s, growth } = await peakRssGrowth(() =>
      probe(input(srv, { 'openai:t': key('openai', fakeKey('bigtext200')) }), 30000),
    );
    const r = s.results[0];
    assert.equal(r?.status, 'format');
    assert.match(r?.error ?? '', /not valid JSON \(more than 64 KB; the rest was not read\)/);
    assert.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
  });

  for (const api of ['openai', 'anthropic', 'google'] as const) {
    it(`${api}: error bodies of 200 MB whose message never ends keep their status class`, async () => {
      const profiles: Record<string, Credential> = {};
      const cases: Array<[string, string]> = [
        ['bigerr401', 'auth'],
        ['bigerr429', 'rate_limit'],
        ['bigerr500', 'unknown'],
        ['bigerr402', 'billing'],
      ];
      for (const [b] of cases) profiles[`${api}:${b}`] = key(api, fakeKey(b));
      const { value: s, growth } = await peakRssGrowth(() => probe(input(srv, profiles, api), 30000, 4));
      for (const [b, want] of cases) {
        const r = s.results.find((x) => x.profileId === `${api}:${b}`);
        assert.equal(r?.status, want, `${b}`);
        assert.match(r?.error ?? '', new RegExp(`^HTTP ${b.slice(6)}: `), `${b}: the error names the status`);
        assert.ok((r?.error ?? '').length <= 501, `${b}: the error is bounded`);
      }
      assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB for four 200 MB bodies`);
      // The echoed piece of the 401's key is not shown, and no 12-character piece of any key is.
      const out = JSON.stringify(s);
      for (const [b] of cases)
        assert.equal(leakedPieces(out, fakeKey(b)), 0, `${b}: no piece of the key in the summary`);
      assert.match(
        s.results.find((x) => x.profileId === `${api}:bigerr401`)?.error ?? '',
        /Incorrect API key provided: \[redacted\]/,
      );
    });
  }

  it('headers then a body that trickles forever: the probe ends at its timeout with "timed out", and the socket is closed', async () => {
    const s = await probe(input(srv, { 'openai:tr': key('openai', fakeKey('trickle')) }), 800);
    const r = s.results[0];
    assert.equal(r?.status, 'timeout');
    assert.equal(r?.failureReason, 'timeout');
    assert.match(r?.error ?? '', /timed out after 800 ms/);
    await waitFor(() => srv.bodies[0]?.closed === true, 'the server to see the connection closed', 10000);
    assert.ok(srv.bodies[0]?.closedEarly);
  });

  it('a provider echoing a piece of the key in a small error: the piece is redacted', async () => {
    const k = fakeKey('401part', 3);
    const s = await probe(input(srv, { 'openai:p': key('openai', k) }), 5000);
    const r = s.results[0];
    assert.equal(r?.status, 'auth');
    assert.ok(!JSON.stringify(s).includes(echoedPiece(k)), 'the echoed piece of the key is not in the summary');
    assert.equal(leakedPieces(JSON.stringify(s), k), 0, 'no 12-character piece of the key in the summary');
    assert.match(r?.error ?? '', /^HTTP 401: Incorrect API key provided: sk-…\[redacted\]…/);
  });
});

describe('probes: errorDetails on a body cut at the cap', () => {
  it('takes message and code from the prefix, without throwing, whatever the cut', () => {
    const full = JSON.stringify({
      error: { type: 'rate_limit_error', message: 'Rate limit \\"reached\\" \u00e9 for requests' },
    });
    for (let cut = 0; cut <= full.length; cut++) {
      const d = errorDetails(full.slice(0, cut), true);
      assert.ok(d.message === undefined || typeof d.message === 'string');
    }
    assert.deepEqual(errorDetails('{"error":{"type":"rate_limit_error","message":"Rate limit reached for requ', true), {
      message: 'Rate limit reached for requ',
      code: 'rate_limit_error',
    });
    assert.deepEqual(errorDetails('{"error":{"status":"UNAUTHENTICATED","message":"bad \\u00', true), {
      message: 'bad ',
      code: 'UNAUTHENTICATED',
    });
    assert.deepEqual(errorDetails('<html>' + 'x'.repeat(MAX_BODY_BYTES), true).message?.length, 300);
    assert.deepEqual(errorDetails('   ', true), { message: undefined });
  });
});
