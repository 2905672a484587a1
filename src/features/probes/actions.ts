/**
 * The credential actions next to the probes: a provider's rotation keys (.env), resetting a
 * cooldown, and copying a pin command. Writes that a running gateway would overwrite from memory
 * are refused while one runs.
 */
import * as vscode from 'vscode';
import type { FeatureContext } from '../context';
import { target, type Target } from '../../ui/target';
import { setUsageStats, GatewayOwnsStateError } from '../../store/probe';
import { isGatewayRunning } from '../../gateway/live';
import type { AgentSnapshot } from '../../store/snapshot';
import { addRotationKey, removeRotationKey, rotationChain } from '../../store/rotationKeys';
import { resetCooldown } from '../../auth/cooldownMath';
import { buildPinCommand, PinError } from '../../auth/pin';
import { confirmRemoval } from '../../ui/ui';
import { modelCandidates, parseModelRef } from '../../auth/probePlan';
import { normalizeProviderId } from '../../auth/providerId';
import { formatCountdown } from './format';

const RESTART_COMMAND = 'openclawAuth.restartGateway';

export class CredentialActions {
  constructor(
    private readonly o: FeatureContext,
    /** Whether a gateway this window supervises (started or adopted) is up: it owns the cooldown state then. */
    private readonly supervisedGatewayUp: () => boolean = () => false,
  ) {}

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
}
