/**
 * Presentation of probe results, pure (no vscode import) so it is unit-tested in Node: the short
 * badge a profile row shows, a live countdown, the status bar suffix and the report's HTML
 * (theme colours through VS Code's CSS variables, a strict CSP with a nonce, no script).
 */
import type { ProbeResult } from '../auth/probePlan';
import type { ProbeSummary } from '../auth/probeRun';
import { sortProbeResults } from '../auth/probePlan';

/** 1h 02m, 4m 05s, 12s: a countdown that changes every second below one hour. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
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
}

/** "probe ok · 120 ms · 3m ago" */
export function probeBadge(p: StoredProbe, now: number): string {
  const r = p.result;
  const what = r.reasonCode && r.reasonCode !== r.status ? `${r.status} (${r.reasonCode})` : r.status;
  return `probe ${what}${r.latencyMs !== undefined ? ` · ${formatLatency(r.latencyMs)}` : ''} · ${formatAgo(p.at, now)}`;
}

/**
 * The status bar suffix: "$(pulse) 4/5" after a live probe; undefined before any. `warning` when
 * every probed target of a provider in use (`inUse`) failed: that provider has no usable credential.
 */
export function probeStatusText(results: readonly ProbeResult[], inUse: readonly string[] = []): { text: string; failed: number; tooltip: string; warning: boolean } | undefined {
  const live = results.filter((r) => r.latencyMs !== undefined);
  if (!live.length) return undefined;
  const ok = live.filter((r) => r.status === 'ok').length;
  const failed = live.length - ok;
  const byStatus = new Map<string, number>();
  for (const r of live) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const dead = inUse.filter((p) => { const rows = live.filter((r) => r.provider === p); return rows.length > 0 && rows.every((r) => r.status !== 'ok'); });
  const tooltip = [`Last probe: ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ')}`, ...dead.map((p) => `$(error) Every probed credential of **${p}** (in use) failed.`)].join('\n\n');
  return { text: `$(pulse) ${ok}/${live.length}`, failed, tooltip, warning: dead.length > 0 };
}

const escHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STATUS_CLASS: Record<string, string> = { ok: 'ok', auth: 'bad', billing: 'bad', rate_limit: 'warn', timeout: 'warn', format: 'bad', unknown: 'muted', no_model: 'muted' };

/** The report page: one table per provider (profile, model, status, latency, error). */
export function probeReportHtml(s: ProbeSummary & { local?: boolean }, opts: { nonce: string; cspSource: string; title: string; agentId: string }): string {
  const byProvider = new Map<string, ProbeResult[]>();
  for (const r of sortProbeResults(s.results)) (byProvider.get(r.provider) ?? byProvider.set(r.provider, []).get(r.provider))?.push(r);
  const live = s.results.filter((r) => r.latencyMs !== undefined);
  const ok = live.filter((r) => r.status === 'ok').length;
  const head = s.local
    ? `Local checks (no request sent): ${s.results.length} rows, ${s.totalTargets} target(s) would be probed live.`
    : `${ok} of ${live.length} live target(s) ok · ${s.totalTargets} probed in ${formatLatency(s.durationMs)} · timeout ${formatLatency(s.options.timeoutMs)}, concurrency ${s.options.concurrency}, max tokens ${s.options.maxTokens}${s.cancelled ? ' · cancelled' : ''}`;
  const sections = [...byProvider].map(([provider, rows]) => {
    const body = rows.map((r) => {
      const pending = (r as { pending?: boolean }).pending;
      const status = pending ? 'not probed' : r.reasonCode && r.reasonCode !== r.status ? `${r.status} · ${r.reasonCode}` : r.status;
      const cls = pending ? 'muted' : STATUS_CLASS[r.status] ?? 'muted';
      const tried = r.attempts && r.attempts.length > 1 ? `<div class="tried">keys tried: ${r.attempts.map((a) => `${escHtml(a.source)} ${escHtml(a.key)} → ${escHtml(a.status)}`).join(', ')}</div>` : '';
      return `<tr><td>${escHtml(r.profileId ?? r.label)}</td><td>${escHtml(r.source)}</td><td>${escHtml(r.model ?? '-')}</td><td><span class="st ${cls}">${escHtml(status)}</span></td><td class="num">${escHtml(formatLatency(r.latencyMs))}</td><td class="err">${r.error && r.status !== 'ok' && !pending ? escHtml(r.error) : ''}${tried}</td></tr>`;
    }).join('\n');
    return `<section><h2>${escHtml(provider)}</h2><table><thead><tr><th scope="col">Profile</th><th scope="col">Source</th><th scope="col">Model</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Error</th></tr></thead><tbody>\n${body}\n</tbody></table></section>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource} 'nonce-${opts.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escHtml(opts.title)}</title>
<style nonce="${opts.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
h1 { font-size: 1.3em; font-weight: 600; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
.summary { color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border)); vertical-align: top; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.err { white-space: pre-wrap; font-family: var(--vscode-editor-font-family); font-size: .9em; }
.tried { color: var(--vscode-descriptionForeground); margin-top: 2px; }
.st { padding: 0 6px; border-radius: 3px; white-space: nowrap; }
.ok { color: var(--vscode-testing-iconPassed); } .bad { color: var(--vscode-errorForeground); }
.warn { color: var(--vscode-editorWarning-foreground); } .muted { color: var(--vscode-descriptionForeground); }
</style></head>
<body>
<h1>${escHtml(opts.title)} — agent ${escHtml(opts.agentId)}</h1>
<p class="summary">${escHtml(head)} · ${escHtml(new Date(s.finishedAt).toLocaleString())}</p>
${sections || '<p>No probe targets.</p>'}
</body></html>`;
}
