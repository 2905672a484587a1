import { strict as assert } from 'node:assert';
import { formatCountdown, formatAgo, probeBadge, probeReportHtml, probeStatusText } from '../../src/views/probeFormat';
import type { ProbeSummary } from '../../src/auth/probeRun';

describe('probe presentation', () => {
  it('countdowns tick by the second under an hour, then by the minute', () => {
    assert.equal(formatCountdown(65_000), '1m 05s');
    assert.equal(formatCountdown(64_001), '1m 05s', 'rounded up: never shows 0 while time is left');
    assert.equal(formatCountdown(9_000), '9s');
    assert.equal(formatCountdown(3_725_000), '1h 02m');
    assert.equal(formatCountdown(30 * 3_600_000), '1d 6h');
    assert.equal(formatCountdown(-5), '0s');
    assert.equal(formatAgo(1_000, 50_000), 'just now');
    assert.equal(formatAgo(0, 3 * 3_600_000 + 5), '3h ago');
  });

  it('a row badge and the status bar summary name status, latency and age', () => {
    assert.equal(probeBadge({ result: { provider: 'openai', label: 'a', source: 'profile', status: 'auth', latencyMs: 1234 }, at: 0 }, 120_000), 'probe auth · 1.2 s · 2m ago');
    assert.equal(probeBadge({ result: { provider: 'openai', label: 'a', source: 'profile', status: 'unknown', reasonCode: 'expired' }, at: 0 }, 0), 'probe unknown (expired) · just now');
    assert.equal(probeStatusText([{ provider: 'x', label: 'a', source: 'profile', status: 'no_model', reasonCode: 'no_model' }]), undefined, 'local rows alone are not a probe');
    const st = probeStatusText([
      { provider: 'x', label: 'a', source: 'profile', status: 'ok', latencyMs: 5 },
      { provider: 'x', label: 'b', source: 'profile', status: 'rate_limit', latencyMs: 5 },
      { provider: 'x', label: 'c', source: 'profile', status: 'unknown', reasonCode: 'excluded_by_auth_order' },
    ]);
    assert.deepEqual(st, { text: '$(pulse) 1/2', failed: 1, tooltip: 'Last probe: 1 ok, 1 rate_limit', warning: false });
    const dead = probeStatusText([
      { provider: 'openai', label: 'a', source: 'profile', status: 'auth', latencyMs: 5 },
      { provider: 'openai', label: 'b', source: 'profile', status: 'billing', latencyMs: 5 },
      { provider: 'groq', label: 'c', source: 'profile', status: 'auth', latencyMs: 5 },
    ], ['openai']);
    assert.equal(dead?.warning, true, 'every probed credential of the provider in use failed');
    assert.match(dead?.tooltip ?? '', /\*\*openai\*\* \(in use\) failed/);
    assert.equal(probeStatusText([{ provider: 'groq', label: 'c', source: 'profile', status: 'auth', latencyMs: 5 }], ['openai'])?.warning, false, 'a provider not in use does not warn');
  });

  it('the report: a table per provider, escaped text, a CSP with the nonce and no script', () => {
    const s: ProbeSummary = {
      startedAt: 0, finishedAt: 1000, durationMs: 1000, totalTargets: 2, options: { profileIds: [], timeoutMs: 8000, concurrency: 2, maxTokens: 8 },
      results: [
        { provider: 'openai', profileId: 'openai:<b>', label: 'openai:<b>', source: 'profile', status: 'auth', latencyMs: 40, error: 'HTTP 401: <script>alert(1)</script>' },
        { provider: 'anthropic', profileId: 'anthropic:a', label: 'anthropic:a', source: 'profile', status: 'ok', latencyMs: 30, model: 'anthropic/claude-haiku-4-5' },
        { provider: 'openai', label: 'env', source: 'env', status: 'ok', latencyMs: 20, attempts: [{ key: 'sk-fake-...0001', source: 'OPENAI_API_KEY', status: 'rate_limit', httpStatus: 429 }, { key: 'sk-fake-...0002', source: 'OPENAI_API_KEY_2', status: 'ok', httpStatus: 200 }] },
      ],
    };
    const html = probeReportHtml(s, { nonce: 'N0nce', cspSource: 'vscode-resource:', title: 'Report', agentId: 'main' });
    assert.match(html, /content="default-src 'none'; style-src vscode-resource: 'nonce-N0nce';"/);
    assert.match(html, /<style nonce="N0nce">/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.deepEqual([...html.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]), ['anthropic', 'openai']);
    assert.match(html, /keys tried: OPENAI_API_KEY sk-fake-\.\.\.0001 → rate_limit, OPENAI_API_KEY_2 sk-fake-\.\.\.0002 → ok/);
    assert.match(html, /2 of 3 live target\(s\) ok/);
    assert.match(html, /var\(--vscode-foreground\)/);
  });
});
