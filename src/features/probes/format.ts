/**
 * Presentation of probe results, pure (no vscode import) so it is unit-tested in Node: the short
 * badge a profile row shows, a live countdown, the status bar's probe line, and the report: one
 * aligned table for every provider whose first column is the profile's health in plain words
 * (from the one health model, src/auth/health.ts, with the probe fed in), codes after it, errors
 * cut to one line (the JSON export keeps them whole). The HTML uses theme colours through VS
 * Code's CSS variables and a strict CSP with a nonce, no script.
 */
import type { ProbeResult } from '../../auth/probePlan';
import type { ProbeSummary } from '../../auth/probeRun';
import { sortProbeResults } from '../../auth/probePlan';
import type { AgentView, ProfileView } from '../../auth/view';
import {
  agentHealth,
  probeHealth,
  profileHealth,
  type HealthLevel,
  type HealthOptions,
  type ProbeEvidence,
} from '../../auth/health';

/** 1h 02m, 4m 05s, 12s: a countdown that changes every second below one hour. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  if (h >= 24) return `${Math.floor(h / 24)}d ${h % 24}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function formatAgo(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export interface StoredProbe {
  result: ProbeResult;
  at: number;
  /** The profile's masked credential hint when it was probed (src/auth/health.ts ignores a probe of a replaced credential). */
  hint?: string;
}

/** "probe ok · 120 ms · 3m ago" */
export function probeBadge(p: StoredProbe, now: number): string {
  const r = p.result;
  const what = r.reasonCode && r.reasonCode !== r.status ? `${r.status} (${r.reasonCode})` : r.status;
  return `probe ${what}${r.latencyMs !== undefined ? ` · ${formatLatency(r.latencyMs)}` : ''} · ${formatAgo(p.at, now)}`;
}

/**
 * The last live probe as one status bar tooltip line ("Last live probe: 4 of 5 ok (1 auth)");
 * undefined before any. `warning` when every probed target of a provider in use (`inUse`)
 * failed. The item's text and colour come from the health model, which the probe feeds.
 */
export function probeStatusText(
  results: readonly ProbeResult[],
  inUse: readonly string[] = [],
): { text: string; failed: number; tooltip: string; warning: boolean } | undefined {
  const live = results.filter((r) => r.latencyMs !== undefined);
  if (!live.length) return undefined;
  const ok = live.filter((r) => r.status === 'ok').length;
  const failed = live.length - ok;
  const byStatus = new Map<string, number>();
  for (const r of live) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const dead = inUse.filter((p) => {
    const rows = live.filter((r) => r.provider === p);
    return rows.length > 0 && rows.every((r) => r.status !== 'ok');
  });
  const others = [...byStatus].filter(([s]) => s !== 'ok').map(([s, n]) => `${n} ${s}`);
  const tooltip = [
    `Last live probe: ${ok} of ${live.length} ok${others.length ? ` (${others.join(', ')})` : ''}`,
    ...dead.map((p) => `$(error) Every probed credential of **${p}** (in use) failed.`),
  ].join('\n\n');
  return { text: `$(pulse) ${ok}/${live.length}`, failed, tooltip, warning: dead.length > 0 };
}

const escHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** One row of the report, as the user reads it. */
export interface ReportRow {
  /** 'unknown' when there is nothing to judge yet (an env key not probed). */
  level: HealthLevel | 'unknown';
  /** Plain words, capitalised: "Cooling down until 21:05 (timeout)". */
  health: string;
  profile: string;
  provider: string;
  /** The model without the provider prefix the Provider column already shows ("openrouter/auto"). */
  model: string;
  /** openclaw's status or reason code: "auth", "excluded_by_auth_order", "not probed". */
  code: string;
  latency: string;
  /** The error on one line, at most ERROR_CHARS characters; '' for ok and not-probed rows. */
  error: string;
  /** The whole error, when `error` had to be cut. */
  fullError?: string;
  /** Keys a rate-limit rotation tried (masked). */
  tried?: string;
}

export const ERROR_CHARS = 80;

/** One line of at most `max` characters: the most specific line of an openclaw error ("↳ Auth reason …"). */
export function oneLine(text: string, max = ERROR_CHARS): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*↳\s*/, '').trim())
    .filter(Boolean);
  const line = (lines[lines.length - 1] ?? '').replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** "openrouter/openrouter/auto" under provider openrouter reads "openrouter/auto". */
export function modelWithoutProvider(model: string | undefined, provider: string): string {
  if (!model) return '-';
  return model.startsWith(`${provider}/`) ? model.slice(provider.length + 1) : model;
}

const capital = (s: string) =>
  s === 'ok' || s.startsWith('ok,') ? `OK${s.slice(2)}` : s.charAt(0).toUpperCase() + s.slice(1);
const isPending = (r: ProbeResult) => Boolean((r as { pending?: boolean }).pending);
const isCancelled = (r: ProbeResult) => r.latencyMs === undefined && r.error === 'Probe cancelled.';

/** Health of a row that has no profile in the view (an env key, models.json, a profile removed since). */
function rowOnlyHealth(r: ProbeResult): { level: ReportRow['level']; words: string } {
  if (isPending(r)) return { level: 'unknown', words: 'not probed yet' };
  if (isCancelled(r)) return { level: 'unknown', words: 'probe cancelled' };
  if (r.latencyMs !== undefined) {
    const h = probeHealth(r);
    return h ? { level: h.level, words: h.words } : { level: 'usable', words: 'ok' };
  }
  switch (r.reasonCode) {
    case 'excluded_by_auth_order':
      return { level: 'off', words: 'left out of the order' };
    case 'expired':
      return { level: 'failing', words: 'expired' };
    case 'missing_credential':
      return { level: 'failing', words: 'no credential stored' };
    case 'invalid_expires':
      return { level: 'failing', words: 'invalid expiry date' };
    case 'unresolved_ref':
      return { level: 'failing', words: 'reference not found' };
    case 'ineligible_profile':
      return { level: 'failing', words: 'not usable' };
    case 'no_model':
      return { level: 'unknown', words: 'no model to probe with' };
    default:
      return { level: 'unknown', words: r.status };
  }
}

export interface ReportOptions extends Pick<HealthOptions, 'expiryWarningMs' | 'timeOf'> {
  /** The agent's view: profile rows then show the same health as the tree and the status bar. */
  view?: AgentView;
  /** Earlier live probes (the tree's), for rows this summary did not probe live. */
  probeOf?: (profileId: string) => ProbeEvidence | undefined;
  now?: number;
}

function evidenceFor(s: ProbeSummary, opts: ReportOptions): (id: string) => ProbeEvidence | undefined {
  const live = new Map<string, ProbeResult>();
  for (const r of s.results) if (r.profileId && r.latencyMs !== undefined) live.set(r.profileId, r);
  return (id) => {
    const r = live.get(id);
    return r ? { result: r, at: s.finishedAt } : opts.probeOf?.(id);
  };
}

/** The report's rows: provider, then profile, each with its health first and its code second. */
export function reportRows(s: ProbeSummary, opts: ReportOptions = {}): ReportRow[] {
  const now = opts.now ?? opts.view?.now ?? s.finishedAt;
  const profiles = new Map<string, ProfileView>();
  for (const p of opts.view?.providers ?? []) for (const x of p.profiles) profiles.set(x.id, x);
  const probeOf = evidenceFor(s, opts);
  return sortProbeResults(s.results).map((r) => {
    const pending = isPending(r);
    const profile = r.profileId ? profiles.get(r.profileId) : undefined;
    const h = profile
      ? profileHealth(profile, { now, expiryWarningMs: opts.expiryWarningMs, timeOf: opts.timeOf, probeOf })
      : undefined;
    const { level, words } = h ? { level: h.level, words: h.words } : rowOnlyHealth(r);
    const code = pending
      ? 'not probed'
      : isCancelled(r)
        ? 'cancelled'
        : r.latencyMs !== undefined
          ? r.failureReason && r.failureReason !== r.status && r.status !== 'ok'
            ? `${r.status} (${r.failureReason})`
            : r.status
          : (r.reasonCode ?? r.status);
    const showError = Boolean(r.error) && r.status !== 'ok' && !pending;
    const error = showError ? oneLine(r.error ?? '') : '';
    const row: ReportRow = {
      level,
      health: capital(words),
      profile: r.profileId ?? r.label,
      provider: r.provider,
      model: modelWithoutProvider(r.model, r.provider),
      code,
      latency: formatLatency(r.latencyMs),
      error,
    };
    if (showError && r.error && error !== r.error) row.fullError = r.error;
    if (r.attempts && r.attempts.length > 1)
      row.tried = r.attempts.map((a) => `${a.source} ${a.key} → ${a.status}`).join(', ');
    return row;
  });
}

const LEVEL_CLASS: Record<ReportRow['level'], string> = {
  usable: 'ok',
  attention: 'warn',
  failing: 'bad',
  off: 'muted',
  unknown: 'muted',
};

/** The report page: one table for all providers (health, profile, provider, model, code, latency, error). */
export function probeReportHtml(
  s: ProbeSummary & { local?: boolean },
  opts: { nonce: string; cspSource: string; title: string; agentId: string } & ReportOptions,
): string {
  const rows = reportRows(s, opts);
  const live = s.results.filter((r) => r.latencyMs !== undefined);
  const ok = live.filter((r) => r.status === 'ok').length;
  const head = s.local
    ? `Local checks (no request sent): ${s.results.length} rows, ${s.totalTargets} target(s) would be probed live.`
    : `${ok} of ${live.length} live target(s) ok · ${s.totalTargets} probed in ${formatLatency(s.durationMs)} · timeout ${formatLatency(s.options.timeoutMs)}, concurrency ${s.options.concurrency}, max tokens ${s.options.maxTokens}${s.cancelled ? ' · cancelled' : ''}`;
  const health = opts.view
    ? `Agent ${opts.agentId}: ${agentHealth(opts.view, { now: opts.now, expiryWarningMs: opts.expiryWarningMs, timeOf: opts.timeOf, probeOf: evidenceFor(s, opts) }).label}`
    : '';
  const body = rows
    .map((r) => {
      const err = r.error ? `<span title="${escHtml(r.fullError ?? r.error)}">${escHtml(r.error)}</span>` : '';
      const tried = r.tried ? `<div class="tried">keys tried: ${escHtml(r.tried)}</div>` : '';
      return `<tr><td><span class="st ${LEVEL_CLASS[r.level]}">${escHtml(r.health)}</span></td><td>${escHtml(r.profile)}</td><td>${escHtml(r.provider)}</td><td>${escHtml(r.model)}</td><td class="code">${escHtml(r.code)}</td><td class="num">${escHtml(r.latency)}</td><td class="err">${err}${tried}</td></tr>`;
    })
    .join('\n');
  const table = rows.length
    ? `<table><thead><tr><th scope="col">Health</th><th scope="col">Profile</th><th scope="col">Provider</th><th scope="col">Model</th><th scope="col">Code</th><th scope="col">Latency</th><th scope="col">Error</th></tr></thead><tbody>\n${body}\n</tbody></table>`
    : '<p>No probe targets.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource} 'nonce-${opts.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escHtml(opts.title)}</title>
<style nonce="${opts.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
h1 { font-size: 1.3em; font-weight: 600; }
.summary { color: var(--vscode-descriptionForeground); margin: .2em 0; }
table { border-collapse: collapse; width: 100%; margin-top: .8em; }
/* Every cell on one line; the error (at most 80 characters) takes the width left and ends in an ellipsis where it does not fit (hover shows it whole). */
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border)); vertical-align: top; white-space: nowrap; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.code, td.err { font-family: var(--vscode-editor-font-family); font-size: .9em; }
td.err { color: var(--vscode-descriptionForeground); width: 100%; max-width: 0; overflow: hidden; text-overflow: ellipsis; }
.tried { margin-top: 2px; }
.st { white-space: nowrap; }
.ok { color: var(--vscode-testing-iconPassed); } .bad { color: var(--vscode-errorForeground); }
.warn { color: var(--vscode-editorWarning-foreground); } .muted { color: var(--vscode-descriptionForeground); }
</style></head>
<body>
<h1>${escHtml(opts.title)} — agent ${escHtml(opts.agentId)}</h1>
${health ? `<p class="summary">${escHtml(health)}</p>\n` : ''}<p class="summary">${escHtml(head)} · ${escHtml(new Date(s.finishedAt).toLocaleString())}</p>
${table}
</body></html>`;
}
