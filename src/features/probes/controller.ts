/**
 * Probe, rotation, cooldown and pinning commands, and the state they keep: the last probe result
 * of every profile (memory + globalState, per state dir and agent), the report panel, and a
 * one-second tick that runs only while a cooldown countdown is visible.
 */
import * as vscode from 'vscode';
import crypto from 'node:crypto';
import type { CommandTable, FeatureContext } from '../context';
import { target, type Target } from '../../ui/target';
import {
  liveProbeSummary,
  localProbeSummary,
  recordProbeResults,
  setUsageStats,
  GatewayOwnsStateError,
} from '../../store/probe';
import { isGatewayRunning } from '../../gateway/live';
import type { AgentSnapshot } from '../../store/snapshot';
import { addRotationKey, removeRotationKey, rotationChain } from '../../store/rotationKeys';
import { resetCooldown } from '../../auth/cooldownMath';
import { buildPinCommand, PinError } from '../../auth/pin';
import { confirmRemoval } from '../../ui/ui';
import { modelCandidates, parseModelRef, type ProbeOptions, type ProbeResult } from '../../auth/probePlan';
import type { ProbeSummary } from '../../auth/probeRun';
import { normalizeProviderId } from '../../auth/providerId';
import { probeBadge, probeReportHtml, probeStatusText, formatCountdown, type StoredProbe } from './format';
import type { StatusProbeInput } from '../../ui/statusBar';

export const REPORT_VIEW_TYPE = 'openclawAuth.probeReport';
const COST_ACK_KEY = 'openclawAuth.probe.costAcknowledged';
const RESULTS_KEY = 'openclawAuth.probe.lastResults';
const RESTART_COMMAND = 'openclawAuth.restartGateway';

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
    if (!(await this.confirmCost())) return undefined;
    const options: ProbeOptions = {
      ...this.o.settings.probe,
      provider: scope === 'all' ? undefined : provider,
      profileIds: scope === 'profile' && profileId ? [profileId] : [],
    };
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
    let summary: ProbeSummary;
    try {
      summary = await run;
    } finally {
      this.running = undefined;
      this.abort = undefined;
      void vscode.commands.executeCommand('setContext', 'openclawAuth.probeRunning', false);
    }
    await this.store(entry.agentId, summary);
    this.checkGeneration++;
    this.last = { summary, agentId: entry.agentId };
    void vscode.commands.executeCommand('setContext', 'openclawAuth.hasProbeResults', true);
    if (!summary.cancelled) {
      try {
        const rec = await recordProbeResults(this.o.snapshotOptions(entry.agentId), summary, Date.now(), (s) =>
          this.gatewayRuns(s),
        );
        if (rec.written)
          this.o.log.info(`Recorded the probe outcome of ${rec.profiles.length} profile(s) in the auth state.`);
        else if (rec.skipped) this.o.log.info(rec.skipped);
      } catch (e) {
        this.o.log.warn(`The probe outcome was not recorded: ${this.o.log.scrub((e as Error).message)}`);
      }
    }
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

  private async pickProvider(t: Target, title: string): Promise<{ agentId: string; provider: string } | undefined> {
    const entry = this.o.agent(t.agentId);
    if (!entry) return undefined;
    if (t.provider) return { agentId: entry.agentId, provider: normalizeProviderId(t.provider) };
    const p = (
      await this.o.ui.showQuickPick(
        entry.view.providers.map((x) => ({ label: x.provider, description: `${x.keyChain.length} rotation key(s)` })),
        { title },
      )
    )?.label;
    return p ? { agentId: entry.agentId, provider: p } : undefined;
  }

  async showRotationChain(arg?: unknown): Promise<void> {
    const t = await this.pickProvider(target(arg), 'Show rotation chain: provider');
    if (!t) return;
    const snap = this.o.agent(t.agentId)?.snapshot;
    if (!snap) return;
    const chain = rotationChain(t.provider, process.env, snap.dotenv);
    const items = [
      ...chain.map((c) => ({
        label: `${c.position}. ${c.masked}`,
        description: c.source,
        detail: c.origin === 'dotenv' ? `from ${snap.paths.envFile}` : 'from the environment VS Code was started with',
      })),
      { label: '$(add) Add rotation key…', description: '' },
    ];
    const pick = await this.o.ui.showQuickPick(items, {
      title: `${t.provider}: keys a rate-limited request rotates through (in order)`,
      placeHolder: chain.length ? 'Pick a key to remove it from .env' : 'No rotation keys yet',
    });
    if (!pick) return;
    if (pick.label.startsWith('$(add)')) {
      await this.addRotationKey({ ...t });
      return;
    }
    const entry = chain.find((c) => pick.label === `${c.position}. ${c.masked}`);
    if (entry)
      await this.removeRotationKey({ ...t, source: entry.source, masked: entry.masked, position: entry.position });
  }

  /** A gateway this window supervises (started or adopted), else one answering on openclaw.json's port. */
  private async gatewayRuns(s: AgentSnapshot): Promise<boolean> {
    return this.supervisedGatewayUp() || isGatewayRunning(s);
  }

  private async afterEnvChange(done: string): Promise<void> {
    this.o.reload();
    const snap = this.o.current()?.snapshot;
    const running = snap ? await this.gatewayRuns(snap) : false;
    if (!running) {
      void this.o.ui.showInformationMessage(done);
      return;
    }
    const pick = await this.o.ui.showInformationMessage(
      `${done} The running gateway reads .env only when it starts.`,
      'Restart Gateway',
    );
    if (pick === 'Restart Gateway') await vscode.commands.executeCommand(RESTART_COMMAND);
  }

  async addRotationKey(arg?: unknown): Promise<void> {
    const t = await this.pickProvider(target(arg), 'Add rotation key: provider');
    if (!t) return;
    const snap = this.o.agent(t.agentId)?.snapshot;
    if (!snap) return;
    const key = await this.o.ui.showInputBox({
      title: `Rotation key for ${t.provider}`,
      password: true,
      ignoreFocusOut: true,
      prompt: `Saved in ${snap.paths.envFile} as the next ${t.provider.toUpperCase()}_API_KEY_<n>; never shown or logged.`,
      validateInput: (v) =>
        !v.trim()
          ? 'Enter the key.'
          : /[\s,;]/.test(v.trim())
            ? 'A key cannot contain spaces, commas or semicolons.'
            : undefined,
    });
    if (!key) return;
    this.o.log.rememberSecrets([key.trim()]);
    try {
      const r = addRotationKey(snap.paths.envFile, t.provider, key.trim(), process.env);
      this.o.log.info(`Added rotation key ${r.masked} as ${r.variable} in ${snap.paths.envFile}.`);
      await this.afterEnvChange(`Added ${r.masked} as ${r.variable}.`);
    } catch (e) {
      void this.o.ui.showErrorMessage(this.o.log.scrub((e as Error).message));
    }
  }

  async removeRotationKey(arg?: unknown): Promise<void> {
    const a = (arg ?? {}) as Target & { source?: string; masked?: string; position?: number };
    let source = a.source,
      masked = a.masked;
    const t = await this.pickProvider(target(arg), 'Remove rotation key: provider');
    if (!t) return;
    const snap = this.o.agent(t.agentId)?.snapshot;
    if (!snap) return;
    const chain = rotationChain(t.provider, process.env, snap.dotenv);
    if (!source) {
      const pick = await this.o.ui.showQuickPick(
        chain.map((c) => ({ label: `${c.position}. ${c.masked}`, description: c.source })),
        { title: `Remove a ${t.provider} rotation key` },
      );
      const c = chain.find((x) => pick?.label === `${x.position}. ${x.masked}`);
      if (!c) return;
      source = c.source;
      masked = c.masked;
      a.position = c.position;
    }
    // Position within a list variable, so look-alike masks are told apart.
    const inVar = chain.filter((c) => c.source === source);
    const index =
      /_KEYS$/.test(source) && a.position !== undefined
        ? inVar.findIndex((c) => c.position === a.position) + 1
        : undefined;
    // The safe choice first: Enter or Escape keeps the key.
    const ok = await confirmRemoval(this.o.ui, {
      title: `Remove ${masked ?? source} from the rotation?`,
      what: 'the key',
      description: `${source} in .env`,
      detail: snap.paths.envFile,
    });
    if (!ok) return;
    try {
      const r = removeRotationKey(
        snap.paths.envFile,
        t.provider,
        source,
        /_KEYS$/.test(source)
          ? { index: index && index > 0 ? index : undefined, masked: index ? undefined : masked }
          : undefined,
        process.env,
      );
      this.o.log.info(`Removed rotation key ${r.removed} from ${snap.paths.envFile}.`);
      await this.afterEnvChange(`Removed ${r.removed}.`);
    } catch (e) {
      void this.o.ui.showErrorMessage(this.o.log.scrub((e as Error).message));
    }
  }

  async resetCooldown(arg?: unknown): Promise<void> {
    const t = target(arg);
    const entry = this.o.agent(t.agentId);
    const profile =
      entry?.view.providers.flatMap((p) => p.profiles).find((x) => x.id === t.profileId) ??
      (entry ? await this.pickCooling(entry.agentId) : undefined);
    if (!entry || !profile) return;
    const stats = entry.snapshot.state.usageStats?.[profile.id];
    if (!stats) {
      void this.o.ui.showInformationMessage(`${profile.id} has no cooldown to reset.`);
      return;
    }
    const { stats: next, keptBlock } = resetCooldown(stats);
    try {
      const r = await setUsageStats(this.o.snapshotOptions(entry.agentId), profile.id, next, (s) =>
        this.gatewayRuns(s),
      );
      this.o.log.info(`Reset the cooldown of ${profile.id} (wrote ${r.file}).`);
      this.o.reload();
      const previous = r.previous;
      // A profile back from a cooldown usually moves up the order (cooling ones go last): say so.
      const after = this.o
        .agent(entry.agentId)
        ?.view.providers.find((p) => p.provider === profile.provider)
        ?.profiles.find((x) => x.id === profile.id);
      const moved =
        after?.rank !== undefined && after.rank !== profile.rank
          ? ` It moved ${profile.rank === undefined ? 'into the order' : `from ${profile.rank + 1}${after.rank < profile.rank ? ' up' : ' down'}`} to position ${after.rank + 1} of ${profile.provider}'s order.`
          : '';
      const msg = `Reset the cooldown of ${profile.id}.${moved}${keptBlock ? " Its subscription-limit block stays: openclaw lifts it from the provider's usage data." : ''}`;
      void this.o.ui.showInformationMessage(msg, 'Undo').then(async (p) => {
        if (p !== 'Undo') return;
        await setUsageStats(this.o.snapshotOptions(entry.agentId), profile.id, previous, (s) => this.gatewayRuns(s));
        this.o.reload();
      });
    } catch (e) {
      void this.o.ui.showErrorMessage(
        e instanceof GatewayOwnsStateError ? e.message : this.o.log.scrub((e as Error).message),
      );
    }
  }

  private async pickCooling(agentId: string) {
    const entry = this.o.agent(agentId);
    const items = (entry?.view.providers ?? []).flatMap((p) => p.profiles).filter((x) => x.unusable);
    if (!items.length) {
      void this.o.ui.showInformationMessage('No profile is cooling down or disabled.');
      return undefined;
    }
    const pick = await this.o.ui.showQuickPick(
      items.map((x) => ({
        label: x.id,
        description: `${x.unusable?.reason ?? ''} · ${formatCountdown((x.unusable?.until ?? 0) - Date.now())} left`,
      })),
      { title: 'Reset cooldown' },
    );
    return items.find((x) => x.id === pick?.label);
  }

  /** The pin command for a profile: its provider's model in use (alias when there is one). */
  async copyPinCommand(arg?: unknown): Promise<string | undefined> {
    const t = target(arg);
    const entry = this.o.agent(t.agentId);
    if (!entry || !t.profileId) {
      void this.o.ui.showInformationMessage('Pick a profile in the OpenClaw view to copy its pin command.');
      return undefined;
    }
    const provider = normalizeProviderId(t.provider ?? entry.snapshot.store.profiles[t.profileId]?.provider);
    const { refs, aliases } = modelCandidates(entry.snapshot.config.data as Record<string, unknown>);
    const aliasOf = new Map(Object.entries(aliases).map(([alias, ref]) => [ref, alias]));
    const models = [
      ...new Set(refs.filter((r) => parseModelRef(r, aliases)?.provider === provider).map((r) => aliases[r] ?? r)),
    ];
    let model: string | undefined = models[0] ? (aliasOf.get(models[0]) ?? models[0]) : undefined;
    if (!model || models.length > 1) {
      const items = models.map((m) => ({ label: aliasOf.get(m) ?? m, description: aliasOf.has(m) ? m : undefined }));
      model = items.length
        ? (await this.o.ui.showQuickPick(items, { title: `Model to pin ${t.profileId} to` }))?.label
        : await this.o.ui.showInputBox({
            title: `Model for the pin (${provider}/…)`,
            value: `${provider}/`,
            validateInput: (v) => (v.trim() && !/\s/.test(v.trim()) ? undefined : 'Enter provider/model or an alias.'),
          });
      if (!model) return undefined;
    }
    try {
      const cmd = buildPinCommand(model.trim(), t.profileId);
      await vscode.env.clipboard.writeText(cmd);
      void this.o.ui.showInformationMessage(
        `Copied "${cmd}". Paste it in an OpenClaw chat; the pin survives /new and /reset, and "/model default -s" clears it.`,
      );
      return cmd;
    } catch (e) {
      void this.o.ui.showErrorMessage(e instanceof PinError ? e.message : (e as Error).message);
      return undefined;
    }
  }

  dispose(): void {
    if (this.ticker) clearTimeout(this.ticker);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export function probeCommands(c: ProbeController): CommandTable {
  return {
    'openclawAuth.checkCredentials': (a) => c.check(a),
    'openclawAuth.probeAll': (a) => c.probe(a, 'all'),
    'openclawAuth.probeProvider': (a) => c.probe(a, 'provider'),
    'openclawAuth.probeProfile': (a) => c.probe(a, 'profile'),
    'openclawAuth.showProbeReport': () => c.showReport(),
    'openclawAuth.cancelProbe': () => c.cancel(),
    'openclawAuth.exportProbeJson': () => c.exportJson(),
    'openclawAuth.showRotationChain': (a) => c.showRotationChain(a),
    'openclawAuth.addRotationKey': (a) => c.addRotationKey(a),
    'openclawAuth.removeRotationKey': (a) => c.removeRotationKey(a),
    'openclawAuth.resetCooldown': (a) => c.resetCooldown(a),
    'openclawAuth.copyPinCommand': (a) => c.copyPinCommand(a),
  };
}
