/**
 * Probe presentation: row badges, countdowns, the status bar's probe line, and the Check
 * Credentials / probe report: one aligned table whose Health column (plain words, from the one
 * health model) agrees with the tree and the status bar. Report rows on real fixture homes are
 * planned by the real planner (localProbeSummary), with the home's times moved to now.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import {
  formatCountdown,
  formatAgo,
  oneLine,
  probeBadge,
  probeReportHtml,
  probeStatusText,
  reportRows,
  type ReportRow,
} from '../../../../src/features/probes/format';
import type { ProbeSummary } from '../../../../src/auth/probeRun';
import type { ProbeResult } from '../../../../src/auth/probePlan';
import { deriveView, readSnapshot } from '../../../../src/store';
import { localProbeSummary } from '../../../../src/store/probe';
import { summarize } from '../../../../src/ui/statusSummary';
import { copyHome, rmrf } from '../../../helpers/fixtures';
import { shiftFixtureClock } from '../../../helpers/clock';

const OPTIONS = { profileIds: [], timeoutMs: 8000, concurrency: 2, maxTokens: 8 };
const summaryOf = (results: ProbeResult[], finishedAt = 1000): ProbeSummary => ({
  startedAt: 0,
  finishedAt,
  durationMs: 1000,
  totalTargets: results.length,
  options: OPTIONS,
  results,
});
const cols = (rows: ReportRow[]) => Object.fromEntries(rows.map((r) => [r.profile, [r.health, r.model, r.code]]));

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

  it('a row badge and the status bar probe line name status, latency and age', () => {
    assert.equal(
      probeBadge(
        { result: { provider: 'openai', label: 'a', source: 'profile', status: 'auth', latencyMs: 1234 }, at: 0 },
        120_000,
      ),
      'probe auth · 1.2 s · 2m ago',
    );
    assert.equal(
      probeBadge(
        {
          result: { provider: 'openai', label: 'a', source: 'profile', status: 'unknown', reasonCode: 'expired' },
          at: 0,
        },
        0,
      ),
      'probe unknown (expired) · just now',
    );
    assert.equal(
      probeStatusText([{ provider: 'x', label: 'a', source: 'profile', status: 'no_model', reasonCode: 'no_model' }]),
      undefined,
      'local rows alone are not a probe',
    );
    const st = probeStatusText([
      { provider: 'x', label: 'a', source: 'profile', status: 'ok', latencyMs: 5 },
      { provider: 'x', label: 'b', source: 'profile', status: 'rate_limit', latencyMs: 5 },
      { provider: 'x', label: 'c', source: 'profile', status: 'unknown', reasonCode: 'excluded_by_auth_order' },
    ]);
    assert.equal(st?.tooltip, 'Last live probe: 1 of 2 ok (1 rate_limit)');
    assert.equal(st?.warning, false);
    const dead = probeStatusText(
      [
        { provider: 'openai', label: 'a', source: 'profile', status: 'auth', latencyMs: 5 },
        { provider: 'openai', label: 'b', source: 'profile', status: 'billing', latencyMs: 5 },
        { provider: 'groq', label: 'c', source: 'profile', status: 'auth', latencyMs: 5 },
      ],
      ['openai'],
    );
    assert.equal(dead?.warning, true, 'every probed credential of the provider in use failed');
    assert.match(dead?.tooltip ?? '', /\*\*openai\*\* \(in use\) failed/);
    assert.equal(
      probeStatusText([{ provider: 'groq', label: 'c', source: 'profile', status: 'auth', latencyMs: 5 }], ['openai'])
        ?.warning,
      false,
      'a provider not in use does not warn',
    );
  });

  it('the report: one table for every provider, health first, escaped text, a CSP with the nonce and no script', () => {
    const s = summaryOf([
      {
        provider: 'openai',
        profileId: 'openai:<b>',
        label: 'openai:<b>',
        source: 'profile',
        status: 'auth',
        latencyMs: 40,
        error: 'HTTP 401: <script>alert(1)</script>',
      },
      {
        provider: 'anthropic',
        profileId: 'anthropic:a',
        label: 'anthropic:a',
        source: 'profile',
        status: 'ok',
        latencyMs: 30,
        model: 'anthropic/claude-haiku-4-5',
      },
      {
        provider: 'openai',
        label: 'env',
        source: 'env',
        status: 'ok',
        latencyMs: 20,
        attempts: [
          { key: 'sk-fake-...0001', source: 'OPENAI_API_KEY', status: 'rate_limit', httpStatus: 429 },
          { key: 'sk-fake-...0002', source: 'OPENAI_API_KEY_2', status: 'ok', httpStatus: 200 },
        ],
      },
    ]);
    const html = probeReportHtml(s, {
      nonce: 'N0nce',
      cspSource: 'vscode-resource:',
      title: 'Report',
      agentId: 'main',
    });
    assert.match(html, /content="default-src 'none'; style-src vscode-resource: 'nonce-N0nce';"/);
    assert.match(html, /<style nonce="N0nce">/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.equal(html.match(/<table/g)?.length, 1, 'one table, so every column lines up');
    assert.deepEqual(
      [...html.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]),
      ['Health', 'Profile', 'Provider', 'Model', 'Code', 'Latency', 'Error'],
    );
    assert.match(
      html,
      /keys tried: OPENAI_API_KEY sk-fake-\.\.\.0001 → rate_limit, OPENAI_API_KEY_2 sk-fake-\.\.\.0002 → ok/,
    );
    assert.match(html, /2 of 3 live target\(s\) ok/);
    assert.match(html, /var\(--vscode-foreground\)/);
    assert.deepEqual(
      reportRows(s).map((r) => [r.health, r.profile, r.provider, r.model, r.code]),
      [
        ['OK', 'anthropic:a', 'anthropic', 'claude-haiku-4-5', 'ok'],
        ['OK', 'env', 'openai', '-', 'ok'],
        ['Rejected by the provider at the last probe', 'openai:<b>', 'openai', '-', 'auth'],
      ],
    );
  });

  it("errors read on one line of at most 80 characters (the most specific line of openclaw's text); the whole text stays in the row", () => {
    const unresolved =
      'Auth profile credentials are missing or expired.\n↳ Auth reason [unresolved_ref]: could not resolve SecretRef "env:default:OPENROUTER_API_KEY".';
    assert.equal(
      oneLine(unresolved),
      'Auth reason [unresolved_ref]: could not resolve SecretRef "env:default:OPENROUT…',
    );
    assert.equal(oneLine(unresolved).length, 80);
    const long = `HTTP 400: ${'the model refused this request because '.repeat(6)}`;
    const s = summaryOf([
      {
        provider: 'openrouter',
        model: 'openrouter/openrouter/auto',
        profileId: 'openrouter:manual',
        label: 'openrouter:manual',
        source: 'profile',
        status: 'format',
        latencyMs: 200,
        error: long,
        failureReason: 'model_not_found',
      },
    ]);
    const [row] = reportRows(s) as [ReportRow];
    assert.equal(row.model, 'openrouter/auto', 'the Provider column already says openrouter');
    assert.equal(row.code, 'format (model_not_found)');
    assert.ok(row.error.length <= 80 && !row.error.includes('\n'), row.error);
    assert.equal(row.fullError, long);
    assert.match(
      probeReportHtml(s, { nonce: 'n', cspSource: 'c', title: 'T', agentId: 'main' }),
      /title="HTTP 400: the model refused/,
    );
  });
});

describe('Check Credentials report on fixture homes: the Health column says what the tree says', () => {
  const homes: string[] = [];
  after(() => {
    for (const h of homes) rmrf(h);
  });
  /** A home whose stored times are moved so that it looks, from now (+ margin), as it did at capture. */
  const home = (scenario: string, marginMs = 0) => {
    const h = copyHome(scenario);
    homes.push(h);
    shiftFixtureClock(h, scenario, Date.now() + marginMs);
    return h;
  };

  it('basic: an order that leaves a profile out reads "Left out of the order"; the model has no doubled provider prefix; usable rows are not probed yet', async () => {
    const h = home('basic');
    const snap = readSnapshot({ env: { HOME: h } });
    const s = await localProbeSummary(snap);
    const rows = reportRows(s, { view: deriveView(snap, Date.now()) });
    assert.deepEqual(cols(rows)['openrouter:default'], [
      'Left out of the order',
      'openrouter/auto',
      'excluded_by_auth_order',
    ]);
    assert.deepEqual(cols(rows)['openrouter:manual'], ['OK', 'openrouter/auto', 'not probed']);
    assert.match(cols(rows)['anthropic:manual']?.[0] ?? '', /^OK, \d+d left$/);
    assert.ok(rows.every((r) => !r.model.startsWith(`${r.provider}/${r.provider}/`)));
  });

  it('expiry: an expired token reads "Expired" (not a grey no_model), an expiring one "Expires in …"', async () => {
    const h = home('expiry');
    const snap = readSnapshot({ env: { HOME: h }, agentId: 'main' });
    const rows = reportRows(await localProbeSummary(snap), { view: deriveView(snap, Date.now()) });
    const c = cols(rows);
    // github-copilot has no model for agent main: the code says so, the health says what is wrong.
    assert.deepEqual(c['github-copilot:ci'], ['Expired', '-', 'no_model']);
    assert.equal(rows.find((r) => r.profile === 'github-copilot:ci')?.level, 'failing');
    assert.equal(c['anthropic:old']?.[0], 'Expired');
    assert.match(c['anthropic:soon']?.[0] ?? '', /^Expires in 1[23]h$/);
  });

  it('cooldown: cooling profiles read "Cooling down until …", not just "not probed"', async () => {
    // Ten minutes of margin: the captured cooldowns end 18 s after capture.
    const h = home('cooldown', 10 * 60_000);
    const snap = readSnapshot({ env: { HOME: h } });
    const rows = reportRows(await localProbeSummary(snap), { view: deriveView(snap, Date.now()) });
    for (const id of ['anthropic:manual', 'anthropic:spare']) {
      const r = rows.find((x) => x.profile === id);
      assert.match(r?.health ?? '', /^Cooling down until (\w{3} )?\d\d:\d\d \(timeout, claude-sonnet-4-6\)$/, id);
      assert.equal(r?.code, 'not probed');
      assert.equal(r?.level, 'attention');
    }
  });

  it('after a failed live probe the rows, the agent line and the status bar say the same', () => {
    const h = home('basic');
    fs.rmSync(path.join(h, '.openclaw', '.env'));
    const now = Date.now();
    const view = deriveView(readSnapshot({ env: { HOME: h } }), now);
    const live = summaryOf(
      [
        {
          provider: 'openrouter',
          model: 'openrouter/openrouter/auto',
          profileId: 'openrouter:backup',
          label: 'openrouter:backup',
          source: 'profile',
          status: 'unknown',
          latencyMs: 900,
          error: 'HTTP 503: upstream unavailable',
        },
        {
          provider: 'openrouter',
          model: 'openrouter/openrouter/auto',
          profileId: 'openrouter:manual',
          label: 'openrouter:manual',
          source: 'profile',
          status: 'auth',
          latencyMs: 120,
          error: 'HTTP 401: invalid key',
          failureReason: 'auth',
        },
      ],
      now,
    );
    const rows = reportRows(live, { view });
    assert.deepEqual(cols(rows)['openrouter:backup'], ['Failed at the last probe', 'openrouter/auto', 'unknown']);
    assert.deepEqual(cols(rows)['openrouter:manual'], [
      'Rejected by the provider at the last probe',
      'openrouter/auto',
      'auth',
    ]);
    // The status bar, fed the same probe, counts the same problems as the report's agent line.
    const probeOf = (id: string) => {
      const r = live.results.find((x) => x.profileId === id);
      return r ? { result: r, at: live.finishedAt } : undefined;
    };
    const bar = summarize(view, { expiryWarningMs: 86_400_000, probeOf });
    const html = probeReportHtml(live, { nonce: 'n', cspSource: 'c', title: 'T', agentId: 'main', view });
    const label = bar.text.replace('$(key) OpenClaw: ', '');
    assert.match(label, /need attention/);
    assert.ok(html.includes(`Agent main: ${label}`), `${label} in the report`);
  });
});
