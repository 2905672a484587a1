/**
 * Probe, rotation, cooldown and pinning commands, and the state they keep: the last probe result
 * of every profile (memory + globalState, per state dir and agent), the report panel, and a
 * one-second tick that runs only while a cooldown countdown is visible.
 */
import * as vscode from 'vscode';
import crypto from 'node:crypto';
import type { AgentEntry, FeatureContext } from '../context';
import { target, type Target } from '../../ui/target';
import { liveProbeSummary, localProbeSummary, recordProbeResults } from '../../store/probe';
import { isGatewayRunning } from '../../gateway/live';
import type { AgentSnapshot } from '../../store/snapshot';
import { type ProbeOptions, type ProbeResult } from '../../auth/probePlan';
import type { ProbeSummary } from '../../auth/probeRun';
import { probeBadge, probeReportHtml, probeStatusText, type StoredProbe } from './format';
import type { StatusProbeInput } from '../../ui/statusBar';

export const REPORT_VIEW_TYPE = 'openclawAuth.probeReport';
const COST_ACK_KEY = 'openclawAuth.probe.costAcknowledged';
const RESULTS_KEY = 'openclawAuth.probe.lastResults';

export class ProbeController implements vscode.Disposable {
  private results = new Map<string, StoredProbe>();
  private last: { summary: ProbeSummary & { local?: boolean }; agentId: string } | undefined;
  private panel: vscode.WebviewPanel | undefined;
  /** The scope of the last Check Credentials, re-run when the store changes while its report is open. */
  private lastCheck: { agentId: string; provider?: string; profileIds: string[] } | undefined;
  private checkGeneration = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Running probe (one at a time). */
  running: Thenable<unknown> | undefined;
  private abort: AbortController | undefined;

  constructor(
    private readonly o: FeatureContext,
    /** Whether a gateway this window supervises (started or adopted) is up: it owns the cooldown state then. */
    private readonly supervisedGatewayUp: () => boolean = () => false,
  ) {
    const saved = o.context.globalState.get<Record<string, StoredProbe>>(RESULTS_KEY) ?? {};
    for (const [k, v] of Object.entries(saved))
      if (v && typeof v.at === 'number' && v.result && typeof v.result.status === 'string') this.results.set(k, v);
    o.onDidChange(() => this.updateTicker(), this, this.disposables);
  }

  private key(agentId: string, profileId: string): string {
    return `${this.o.paths?.stateDir ?? ''}\u0000${agentId}\u0000${profileId}`;
  }

  /** The last probe of a profile, as the tree shows it. */
  probeInfo(
    agentId: string,
    profileId: string,
  ): { badge: string; result: ProbeResult; at: number; hint?: string } | undefined {
    const p = this.results.get(this.key(agentId, profileId));
    return p ? { badge: probeBadge(p, Date.now()), result: p.result, at: p.at, hint: p.hint } : undefined;
  }

  /**
   * For the status bar: the current agent's last live probe of each profile (it feeds the health
   * model, src/auth/health.ts) and a tooltip line about the last live probe.
   */
  statusSuffix(): StatusProbeInput {
    const agentId = this.o.current()?.agentId ?? this.o.currentAgent;
    const probeOf = (profileId: string) => this.probeInfo(agentId, profileId);
    if (!this.last || this.last.agentId !== agentId || this.last.summary.local) return { probeOf };
    const inUse = (this.o.current()?.view.providers ?? []).filter((p) => p.inUse).map((p) => p.provider);
    return { probeOf, tooltip: probeStatusText(this.last.summary.results, inUse)?.tooltip };
  }

  /**
   * Rows show a cooldown's end time ("until 14:32"), not a per-second countdown; one timer
   * re-derives the views when the earliest cooldown ends, so its row turns ok on time.
   */
  private tickerAt = 0;
  private updateTicker(): void {
    const now = Date.now();
    const ends = this.o.agents
      .flatMap((a) => a.view.providers.flatMap((p) => p.profiles.map((x) => x.unusable?.until ?? 0)))
      .filter((t) => t > now);
    const next = ends.length ? Math.min(...ends) : 0;
    if (next === this.tickerAt) return;
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = undefined;
    this.tickerAt = next;
    // Timers past ~24.8 days overflow; the owner's 30 s re-derive covers anything that far anyway.
    if (next && next - now < 86_400_000)
      this.ticker = setTimeout(
        () => {
          this.ticker = undefined;
          this.tickerAt = 0;
          this.o.rederive();
        },
        next - now + 50,
      );
  }

  get countdownActive(): boolean {
    return this.ticker !== undefined;
  }

  private async store(agentId: string, s: ProbeSummary): Promise<void> {
    const at = s.finishedAt;
    // The masked hint of the credential probed: a probe of a credential replaced since no longer counts.
    const hints = new Map(
      (this.o.agent(agentId)?.view.providers ?? []).flatMap((p) =>
        p.profiles.map((x) => [x.id, x.credentialHint] as const),
      ),
    );
    for (const r of s.results)
      if (r.profileId)
        this.results.set(this.key(agentId, r.profileId), { result: r, at, hint: hints.get(r.profileId) });
    await this.o.context.globalState.update(RESULTS_KEY, Object.fromEntries([...this.results].slice(-500)));
  }

  private async confirmCost(): Promise<boolean> {
    if (this.o.context.globalState.get<boolean>(COST_ACK_KEY)) return true;
    const pick = await this.o.ui.showWarningMessage(
      'Live probes send one real request per profile to the provider with its credential.',
      {
        modal: true,
        detail:
          'Each request uses a few tokens (max tokens from the openclawAuth.probe.maxTokens setting) and counts against rate limits. This question is asked once.',
      },
      'Run Probes',
    );
    if (pick !== 'Run Probes') return false;
    await this.o.context.globalState.update(COST_ACK_KEY, true);
    return true;
  }

  /** Check Credentials: the free local checks, shown in the report. */
  async check(arg?: unknown): Promise<ProbeSummary | undefined> {
    const t = target(arg);
    const entry = this.o.agent(t.agentId);
    if (!entry) {
      void this.o.ui.showErrorMessage('No OpenClaw state to check.');
      return undefined;
    }
    this.lastCheck = { agentId: entry.agentId, provider: t.provider, profileIds: t.profileId ? [t.profileId] : [] };
    const generation = ++this.checkGeneration;
    const s = await localProbeSummary(entry.snapshot, { provider: t.provider, profileIds: this.lastCheck.profileIds });
    if (generation !== this.checkGeneration) return s;
    this.last = { summary: s, agentId: entry.agentId };
    void vscode.commands.executeCommand('setContext', 'openclawAuth.hasProbeResults', true);
    const problems = s.results.filter((r) => r.reasonCode);
    this.showReport();
    // The walkthrough's "Check health" step completes on a check that ran, not on a view focus.
    void vscode.commands.executeCommand('setContext', 'openclawAuth.healthChecked', true);
    this.o.log.info(
      `Checked credentials of agent ${entry.agentId}: ${problems.length} with a reason code, ${s.totalTargets} live target(s).`,
    );
    return s;
  }

  /** Probe All / Provider / Profile: live, with progress, cancellation and bounded concurrency. */
  async probe(arg: unknown, scope: 'all' | 'provider' | 'profile'): Promise<ProbeSummary | undefined> {
    if (this.running) {
      void this.o.ui.showInformationMessage('A probe is already running.');
      return undefined;
    }
    const t = target(arg);
    const entry = this.o.agent(t.agentId);
    if (!entry) {
      void this.o.ui.showErrorMessage('No OpenClaw state to probe.');
      return undefined;
    }
    const scoped = await this.pickScope(entry, t, scope);
    if (!scoped) return undefined;
    const { provider, profileId } = scoped;
    if (!(await this.confirmCost())) return undefined;
    const options: ProbeOptions = {
      ...this.o.settings.probe,
      provider: scope === 'all' ? undefined : provider,
      profileIds: scope === 'profile' && profileId ? [profileId] : [],
    };
    const summary = await this.runWithProgress(entry, options);
    await this.store(entry.agentId, summary);
    this.checkGeneration++;
    this.last = { summary, agentId: entry.agentId };
    void vscode.commands.executeCommand('setContext', 'openclawAuth.hasProbeResults', true);
    if (!summary.cancelled) await this.record(entry.agentId, summary);
    this.o.reload();
    const live = summary.results.filter((r) => r.latencyMs !== undefined);
    const ok = live.filter((r) => r.status === 'ok').length;
    const msg = summary.cancelled
      ? `Probe cancelled: ${ok} ok of ${live.length} finished.`
      : summary.totalTargets === 0
        ? 'No probe targets (see the report for why).'
        : `Probed ${summary.totalTargets} target(s): ${ok} ok, ${summary.totalTargets - ok} failed.`;
    this.o.log.info(msg);
    void this.o.ui.showInformationMessage(msg, 'Show Report').then((p) => {
      if (p === 'Show Report') this.showReport();
    });
    return summary;
  }

  /** The provider or profile a scoped probe is for: from the row, else asked for; undefined when cancelled. */
  private async pickScope(
    entry: AgentEntry,
    t: Target,
    scope: 'all' | 'provider' | 'profile',
  ): Promise<{ provider?: string; profileId?: string } | undefined> {
    let provider = t.provider;
    let profileId = t.profileId;
    if (scope === 'provider' && !provider) {
      provider = (
        await this.o.ui.showQuickPick(
          entry.view.providers.map((p) => ({ label: p.provider })),
          { title: 'Probe provider' },
        )
      )?.label;
      if (!provider) return undefined;
    }
    if (scope === 'profile' && !profileId) {
      const items = entry.view.providers.flatMap((p) =>
        p.profiles.map((x) => ({ label: x.id, description: p.provider })),
      );
      profileId = (await this.o.ui.showQuickPick(items, { title: 'Probe profile' }))?.label;
      if (!profileId) return undefined;
    }
    return { provider, profileId };
  }

  /** Runs the live probe under a cancellable progress notification; one at a time. */
  private async runWithProgress(entry: AgentEntry, options: ProbeOptions): Promise<ProbeSummary> {
    const ac = new AbortController();
    this.abort = ac;
    const run = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Probing credentials', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => ac.abort());
        let done = 0;
        const s = await liveProbeSummary(entry.snapshot, options, {
          signal: ac.signal,
          onProgress: (p) => {
            if (p.completed > done) {
              progress.report({ increment: ((p.completed - done) / Math.max(1, p.total)) * 100 });
              done = p.completed;
            }
            if (p.label) progress.report({ message: `${p.label} (${p.completed}/${p.total})` });
          },
        });
        return s;
      },
    );
    this.running = run;
    // Palette: Cancel Probe only while a probe runs, Show Report / Export once there are results.
    void vscode.commands.executeCommand('setContext', 'openclawAuth.probeRunning', true);
    try {
      return await run;
    } finally {
      this.running = undefined;
      this.abort = undefined;
      void vscode.commands.executeCommand('setContext', 'openclawAuth.probeRunning', false);
    }
  }

  /** Records the outcome in the auth state as openclaw's runtime does, unless a gateway owns it. */
  private async record(agentId: string, summary: ProbeSummary): Promise<void> {
    try {
      const rec = await recordProbeResults(this.o.snapshotOptions(agentId), summary, Date.now(), (s) =>
        this.gatewayRuns(s),
      );
      if (rec.written)
        this.o.log.info(`Recorded the probe outcome of ${rec.profiles.length} profile(s) in the auth state.`);
      else if (rec.skipped) this.o.log.info(rec.skipped);
    } catch (e) {
      this.o.log.warn(`The probe outcome was not recorded: ${this.o.log.scrub((e as Error).message)}`);
    }
  }

  /** Cancel Probe (the progress notification's Cancel does the same). */
  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }

  /**
   * The local checks are free: while their report is open, every store change (a reload) re-runs
   * them on the new snapshot and refreshes the page in place (without taking focus).
   */
  onStoreChanged(): void {
    const c = this.lastCheck;
    if (!this.panel || !c || !this.last?.summary.local || this.last.agentId !== c.agentId) return;
    const entry = this.o.agent(c.agentId);
    if (!entry) return;
    const generation = ++this.checkGeneration;
    localProbeSummary(entry.snapshot, { provider: c.provider, profileIds: c.profileIds }).then(
      (s) => {
        if (generation !== this.checkGeneration || !this.panel || !this.last?.summary.local) return;
        this.last = { summary: s, agentId: c.agentId };
        this.renderReport();
      },
      (e: unknown) =>
        this.o.log.warn(`Re-running the credential check failed: ${this.o.log.scrub((e as Error).message)}`),
    );
  }

  showReport(): void {
    if (!this.last) {
      void this.o.ui.showInformationMessage('No probe yet. Run Check Credentials or a probe first.');
      return;
    }
    const title = this.last.summary.local ? 'OpenClaw credential check' : 'OpenClaw probe report';
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        REPORT_VIEW_TYPE,
        title,
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
        { enableScripts: false, enableFindWidget: true, localResourceRoots: [] },
      );
      this.panel.onDidDispose(
        () => {
          this.panel = undefined;
        },
        this,
        this.disposables,
      );
    }
    this.renderReport();
    this.panel.reveal(undefined, true);
  }

  /** The HTML the report shows now (host tests read it). */
  private renderReport(): void {
    if (!this.panel || !this.last) return;
    const title = this.last.summary.local ? 'OpenClaw credential check' : 'OpenClaw probe report';
    this.panel.title = title;
    const agentId = this.last.agentId;
    // Profile rows show the same health as the tree and the status bar (same view, same probes).
    this.panel.webview.html = probeReportHtml(this.last.summary, {
      nonce: crypto.randomBytes(16).toString('base64'),
      cspSource: this.panel.webview.cspSource,
      title,
      agentId,
      view: this.o.agent(agentId)?.view,
      expiryWarningMs: this.o.settings.expiryWarningHours * 3_600_000,
      probeOf: (id) => this.probeInfo(agentId, id),
    });
  }

  get reportHtml(): string | undefined {
    return this.panel?.webview.html;
  }

  async exportJson(): Promise<vscode.TextDocument | undefined> {
    if (!this.last) {
      void this.o.ui.showInformationMessage('No probe yet. Run a probe first.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({
      language: 'json',
      content: `${JSON.stringify(this.last.summary, null, 2)}\n`,
    });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  /** A gateway this window supervises (started or adopted), else one answering on openclaw.json's port. */
  private async gatewayRuns(s: AgentSnapshot): Promise<boolean> {
    return this.supervisedGatewayUp() || isGatewayRunning(s);
  }

  dispose(): void {
    if (this.ticker) clearTimeout(this.ticker);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
