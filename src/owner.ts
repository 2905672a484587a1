/**
 * The extension's one owner object: settings, the log, the model (snapshot + derived view per
 * agent), the file watcher, the tree, the status bar and the command table. It is Disposable and
 * pushed into context.subscriptions; everything it creates is tied to its lifetime.
 */
import * as vscode from 'vscode';
import fs from 'node:fs';
import { defaultSettings, effectsOf, readSettings, type SettingKey, type Settings } from './config/settings';
import { Log } from './ui/log';
import { ProfilesTree, VIEW_ID, type TreeModel } from './ui/profilesTree';
import { StatusBar } from './ui/statusBar';
import type { StatusSummary } from './ui/statusSummary';
import { engineName } from './store/engine';
import {
  deriveView,
  listAgents,
  newSnapshotCache,
  readSnapshot,
  applyMutation,
  type Mutation,
  type MutationResult,
} from './store';
import { agentHealth, badgeCount, type HealthOptions, type ProbeEvidence } from './auth/health';
import { StoreWatcher, type WatchTarget } from './store/watcher';
import { setSqlWasmPath } from './store/sqljs';
import { profileCommands, saveOrder, type ProfilesContext } from './features/profiles/commands';
import { windowUi, type Ui } from './ui/ui';
import { displayPath, resolvePaths, type ResolvedPaths } from './store/paths';
import { assertStateDir, classifyStateDir, type StateDirKind } from './store/stateDir';
import { MigrationController, migrationCommands } from './features/migration/controller';
import { ProbeController } from './features/probes/controller';
import { CredentialActions } from './features/probes/actions';
import { probeCommands } from './features/probes/commands';
import { GatewayController } from './features/gateway/controller';
import { gatewayCommands } from './features/gateway/commands';
import { RemotesController } from './features/remotes/controller';
import { remoteCommands, remoteRowCommands } from './features/remotes/commands';
import { isRemoteNode } from './ui/remoteRows';
import type { RemoteGateway } from './gateway/remote';
import { watchWalkthroughShown } from './ui/walkthrough';
import { withRowArguments } from './ui/target';
import type { AgentEntry, ApplyOptions, CommandTable, WriteRoute } from './features/context';

const ONE_AGENT_KEY = 'openclawAuth.oneAgent';

export type { AgentEntry } from './features/context';

/**
 * Assembles the features: it is the context each one is given (src/features/context.ts), and it
 * merges their command tables. Nothing imports it but the activation stub.
 */
export class OpenClawAuth implements vscode.Disposable, TreeModel, ProfilesContext {
  readonly log = new Log();
  /** Window calls of the commands; host tests swap in a scripted user. */
  ui: Ui = windowUi;
  settings: Settings = defaultSettings();
  agents: AgentEntry[] = [];
  currentAgent = 'main';
  defaultAgent = 'main';
  paths: ResolvedPaths | undefined;
  stateExists = false;
  /** What the state dir is (holds state, default and empty, a folder with no state, a file, /). */
  stateKind: StateDirKind = 'default-empty';
  /** Set while "Create OpenClaw State" runs: the one write allowed to start a store in a folder that holds none. */
  private creatingState = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.log, this.changed];
  private watcher: StoreWatcher | undefined;
  tree: ProfilesTree | undefined;
  treeView: vscode.TreeView<import('./ui/profilesTree').Node> | undefined;
  private statusBar: StatusBar | undefined;
  /** What the status bar shows now (tests and the walkthrough read it). */
  lastStatus: StatusSummary | undefined;
  private tick: NodeJS.Timeout | undefined;
  private commands: CommandTable = {};
  /** When the last reload finished (for tests and the benchmark). */
  lastReloadAt = 0;
  /** How long loading dist/main.js took (set by the activation stub; for the start-up log line). */
  mainLoadMs: number | undefined;
  /** Legacy auth files: notification, badge, preview, apply, undo (src/features/migration/controller.ts). */
  migration: MigrationController | undefined;
  /** Probes, rotation keys, cooldown resets, pinning (src/features/probes/controller.ts). */
  probes!: ProbeController;
  /** The gateway (supervisor, control plane, status item); see src/features/gateway/controller.ts. */
  gateway: GatewayController | undefined;
  /** Gateways on other machines (src/features/remotes/controller.ts). */
  remoteGateways: RemotesController | undefined;
  /** Where writes go first (the gateway's control plane while connected); see src/features/context.ts. */
  private writeRoute: WriteRoute | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    setSqlWasmPath(vscode.Uri.joinPath(context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath);
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    this.readSettings();
    this.migration = new MigrationController(this);
    this.disposables.push(this.migration);
    this.probes = new ProbeController(this, () => this.gateway?.supervisedUp ?? false);
    this.disposables.push(this.probes);
    const t1 = performance.now();
    this.reload();
    const t2 = performance.now();
    this.tree = new ProfilesTree(this);
    this.treeView = vscode.window.createTreeView(VIEW_ID, {
      treeDataProvider: this.tree,
      dragAndDropController: this.tree,
      showCollapseAll: true,
      canSelectMany: false,
    });
    this.statusBar = new StatusBar();
    this.disposables.push(this.tree, this.treeView, this.statusBar);
    this.disposables.push(watchWalkthroughShown());
    this.gateway = new GatewayController(this);
    this.writeRoute = this.gateway.writes;
    this.disposables.push(this.gateway);
    this.remoteGateways = new RemotesController(this, () => this.changed.fire());
    this.disposables.push(this.remoteGateways);
    this.remoteGateways.sync();
    this.commands = this.assembleCommands(this.gateway, this.remoteGateways);
    // The status bar follows the gateway whose row is selected.
    this.treeView.onDidChangeSelection(
      (e) => {
        const n = e.selection[0];
        if (isRemoteNode(n)) void this.remoteGateways?.select(n.gatewayId);
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (!e.affectsConfiguration('openclawAuth')) return;
        const effects = effectsOf((key) => e.affectsConfiguration(`openclawAuth.${key}`));
        this.readSettings();
        if (effects.has('reload')) this.reload();
        else if (effects.has('render')) this.updateUi();
        if (effects.has('gateway')) this.gateway?.settingsChanged();
        if (effects.has('remotes')) this.remoteGateways?.sync();
        if (effects.has('render')) this.remoteGateways?.render();
      },
      this,
      this.disposables,
    );
    // Statuses that depend on time (expiring, cooldowns) are re-derived every 30 s without I/O.
    this.tick = setInterval(() => this.rederive(), 30_000);
    this.updateUi();
    const ms = (a: number, b: number) => Math.round(b - a);
    const where = `state dir ${this.paths?.stateDir ?? '(none)'}, agent ${this.currentAgent}`;
    const engine = `store engine ${engineLabel()} on Node ${process.versions.node} (VS Code ${vscode.version})`;
    const load = this.mainLoadMs !== undefined ? `loading main.js ${Math.round(this.mainLoadMs)} ms, ` : '';
    const steps = `settings and controllers ${ms(t0, t1)} ms, reading the state ${ms(t1, t2)} ms, views ${ms(t2, performance.now())} ms`;
    this.log.info(`Activated; ${where}, ${engine} (${load}start ${ms(t0, performance.now())} ms: ${steps}).`);
    void this.gateway.init().catch((e: unknown) => this.log.error('Gateway start-up', e));
  }

  /** Every feature's commands in one table; row commands act on the selected row when run without one. */
  private assembleCommands(gateway: GatewayController, remotes: RemotesController): CommandTable {
    const local: CommandTable = {
      ...profileCommands(this),
      ...probeCommands(this.probes, new CredentialActions(this, () => this.gateway?.supervisedUp ?? false)),
      ...(this.migration ? migrationCommands(this.migration) : {}),
      ...gatewayCommands(this, gateway),
      // Three agents with the same shared profiles make a long tree: show one agent at a time.
      'openclawAuth.showOneAgent': () => this.setOneAgent(true),
      'openclawAuth.showAllAgents': () => this.setOneAgent(false),
      ...remoteCommands(this, remotes),
    };
    // A row command run on a remote gateway's row goes to that gateway (src/features/remotes/commands.ts).
    const remoteRows = remoteRowCommands(this, remotes);
    const table: CommandTable = { ...local };
    for (const [id, run] of Object.entries(remoteRows)) {
      const own = local[id];
      if (own) table[id] = (arg) => (isRemoteNode(arg) ? run(arg) : own(arg));
    }
    const manifest = this.context.extension.packageJSON as {
      contributes?: { commands?: Array<{ command: string; title: string }> };
    };
    return withRowArguments(table, {
      selectedRow: () => (this.treeView?.visible ? this.treeView.selection[0] : undefined),
      ui: () => this.ui,
      titles: new Map((manifest.contributes?.commands ?? []).map((c) => [c.command, c.title])),
    });
  }

  async allowStateCreation<T>(create: () => Promise<T>): Promise<T> {
    this.creatingState = true;
    try {
      return await create();
    } finally {
      this.creatingState = false;
    }
  }

  setCurrentAgent(agentId: string): void {
    this.currentAgent = agentId;
  }

  /** Reads and checks every `openclawAuth.*` setting (src/config/settings.ts); bad values are logged. */
  readSettings(): void {
    const c = vscode.workspace.getConfiguration('openclawAuth');
    const { settings, problems } = readSettings({
      get: (key) => c.get(key),
      isSet: (key: SettingKey) => {
        const i = c.inspect(key);
        return (i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue) !== undefined;
      },
    });
    for (const p of problems) this.log.warn(p);
    this.settings = settings;
  }

  /** What the store needs for one agent: the paths this reload resolved (src/store/paths.ts pathsFor). */
  snapshotOptions(agentId?: string) {
    return { stateDirSetting: this.settings.stateDir || undefined, env: process.env, agentId, paths: this.paths };
  }

  /** The tree shows only the agent of the status bar (remembered across windows). */
  get oneAgent(): boolean {
    return this.context.globalState.get<boolean>(ONE_AGENT_KEY) ?? false;
  }

  async setOneAgent(on: boolean): Promise<void> {
    await this.context.globalState.update(ONE_AGENT_KEY, on);
    this.updateUi();
  }

  /** Re-reads every agent from disk and refreshes the UI. */
  reload(): void {
    try {
      // One refresh reads the state DB and config once, whatever the number of agents.
      const cache = newSnapshotCache();
      // The state dir is resolved once per reload; every read and write until the next one uses it.
      this.paths = undefined;
      this.paths = resolvePaths({ stateDirSetting: this.settings.stateDir || undefined, env: process.env });
      const { paths, agents, defaultAgentId } = listAgents({ ...this.snapshotOptions(), cache });
      this.stateKind = classifyStateDir(paths);
      this.stateExists =
        this.stateKind === 'state' || (this.stateKind === 'default-empty' && fs.existsSync(paths.stateDir));
      this.defaultAgent = defaultAgentId;
      const wanted = this.settings.agent || this.currentAgent;
      this.currentAgent = agents.includes(wanted) ? wanted : defaultAgentId;
      const now = Date.now();
      this.agents = this.stateExists
        ? agents.map((agentId) => {
            const snapshot = readSnapshot({ ...this.snapshotOptions(agentId), cache });
            this.log.rememberSecrets(
              Object.values(snapshot.store.profiles).flatMap((c) =>
                c.type === 'api_key' ? [c.key] : c.type === 'token' ? [c.token] : [c.access, c.refresh],
              ),
            );
            return { agentId, snapshot, view: deriveView(snapshot, now) };
          })
        : [];
      for (const a of this.agents) for (const w of a.snapshot.warnings) this.log.warn(w.message);
      const target: WatchTarget = { paths, agentDirs: this.agents.map((a) => a.snapshot.agentDir) };
      if (this.watcher) this.watcher.retarget(target);
      else
        this.watcher = new StoreWatcher(target, () => {
          this.log.debug('Store changed on disk; reloading.');
          this.reload();
        });
    } catch (e) {
      this.log.error('Reading the OpenClaw state failed', e);
      this.agents = [];
    }
    this.migration?.check();
    this.probes?.onStoreChanged();
    // openclaw.json may have gained or lost its remote gateway.
    this.remoteGateways?.sync();
    this.lastReloadAt = Date.now();
    this.updateUi();
    if (this.gateway?.connected) void this.gateway.refreshAuthStatus();
  }

  /** Re-derives every agent's view for the current time (no I/O): statuses that depend on the clock. */
  rederive(): void {
    const now = Date.now();
    this.agents = this.agents.map((a) => ({ ...a, view: deriveView(a.snapshot, now) }));
    this.updateUi();
  }

  private updateUi(): void {
    void vscode.commands.executeCommand('setContext', 'openclawAuth.stateFound', this.stateExists);
    void vscode.commands.executeCommand('setContext', 'openclawAuth.multipleAgents', this.agents.length > 1);
    void vscode.commands.executeCommand('setContext', 'openclawAuth.oneAgent', this.oneAgent);
    void vscode.commands.executeCommand(
      'setContext',
      'openclawAuth.hasCredentials',
      this.agents.some((a) => a.view.providers.some((p) => p.profiles.length > 0)),
    );
    void vscode.commands.executeCommand(
      'setContext',
      'openclawAuth.legacyPending',
      (this.migration?.attention ?? 0) > 0,
    );
    this.lastStatus = this.statusBar?.update(this.current()?.view, {
      enabled: this.settings.statusBar,
      expiryWarningMs: this.settings.expiryWarningHours * 3_600_000,
      probe: this.probes?.statusSuffix(),
    });
    if (this.treeView) {
      const v = this.current()?.view;
      // The status bar's number: the same health model, the same probes and warning window.
      const health = v ? agentHealth(v, this.healthOptions(v.agentId)) : undefined;
      const attention = health ? badgeCount(health) : 0;
      const legacy = this.migration?.attention ?? 0;
      this.treeView.badge =
        attention + legacy
          ? {
              value: attention + legacy,
              tooltip: [
                health && attention ? `OpenClaw credentials, agent ${health.agentId}: ${health.label}` : '',
                legacy ? 'legacy auth files to migrate (OpenClaw: Preview Migration)' : '',
              ]
                .filter(Boolean)
                .join('; '),
            }
          : undefined;
      const where = this.paths?.stateDir ?? '';
      const wrongDir =
        this.stateKind === 'no-state'
          ? `No OpenClaw state at ${where} (the openclawAuth.stateDir setting). Pick the folder holding openclaw.json and state/, or create state there.`
          : this.stateKind === 'file'
            ? `${where} is a file, not an OpenClaw state dir (the openclawAuth.stateDir setting).`
            : this.stateKind === 'root'
              ? `${where} is the file system root, not an OpenClaw state dir (the openclawAuth.stateDir setting).`
              : // The welcome view's text is static: the folder it looked in is said here.
                !this.stateExists && this.paths
                ? `No OpenClaw state in ${displayPath(where, this.paths.home)} yet.`
                : undefined;
      this.treeView.message =
        wrongDir ??
        (legacy ? 'Legacy auth files found: run "OpenClaw: Preview Migration".' : undefined) ??
        (this.stateExists && this.agents.every((a) => a.view.providers.every((p) => p.profiles.length === 0))
          ? 'No credentials yet. Add an API key or paste a setup token.'
          : undefined);
    }
    this.changed.fire();
  }

  /** Re-renders the tree and status bar from the current model (no I/O). */
  refreshViews(): void {
    this.updateUi();
  }

  /** What the health model (src/auth/health.ts) needs besides a view: the expiry warning window and the agent's last live probes. */
  healthOptions(agentId: string): HealthOptions {
    return {
      expiryWarningMs: this.settings.expiryWarningHours * 3_600_000,
      probeOf: (profileId) => this.probes?.probeInfo(agentId, profileId),
    };
  }

  /** The last probe of a profile, for the tree. */
  probeInfo(agentId: string, profileId: string): ({ badge: string } & ProbeEvidence) | undefined {
    return this.probes?.probeInfo(agentId, profileId);
  }

  current(): AgentEntry | undefined {
    return this.agents.find((a) => a.agentId === this.currentAgent) ?? this.agents[0];
  }

  agent(agentId: string | undefined): AgentEntry | undefined {
    return this.agents.find((a) => a.agentId === (agentId ?? this.currentAgent));
  }

  /**
   * Applies one mutation with progress, logs it (never the secret), re-reads the store, and
   * offers Undo when the mutation has one and `undoLabel` is given.
   */
  async apply(agentId: string, m: Mutation, opts: ApplyOptions): Promise<MutationResult | undefined> {
    this.log.rememberSecrets(opts.secrets ?? []);
    try {
      // A folder that holds no OpenClaw state is never turned into a store by accident.
      if (this.paths)
        assertStateDir(this.paths, {
          create: this.creatingState,
          createHint: 'use "OpenClaw: Create State" to start one there',
        });
      // While the gateway is connected, writes it has a method for go through it (src/features/context.ts, WriteRoute).
      const viaGateway = await this.writeRoute?.tryApply(agentId, m);
      const r =
        viaGateway?.result ??
        (await vscode.window.withProgress({ location: { viewId: VIEW_ID }, title: 'Saving…' }, () =>
          applyMutation({ ...this.snapshotOptions(agentId) }, m),
        ));
      if (viaGateway?.message) opts = { ...opts, done: viaGateway.message };
      this.log.info(
        `${opts.done} (agent ${agentId}; ${viaGateway ? 'through the gateway' : `wrote ${r.files.join(', ') || 'nothing'}`})`,
      );
      this.reload();
      if (!viaGateway) void this.writeRoute?.afterLocalWrite(agentId);
      if (opts.undoLabel && r.undo) {
        const undo = r.undo;
        void this.ui.showInformationMessage(opts.done, 'Undo').then(async (pick) => {
          if (pick !== 'Undo') return;
          await this.apply(agentId, undo, { done: `Undid: ${opts.undoLabel}` });
        });
      } else {
        void this.ui.showInformationMessage(opts.done);
      }
      return r;
    } catch (e) {
      const msg = this.log.scrub(this.writeRoute?.explainWriteFailure(e) ?? (e as Error).message);
      this.log.error(`Failed: ${opts.done}`, new Error(msg));
      void this.ui.showErrorMessage(msg, 'Show Logs').then((p) => {
        if (p) this.log.show();
      });
      return undefined;
    }
  }

  /** The ids the command table handles (the manifest must contribute exactly these). */
  commandIds(): string[] {
    return Object.keys(this.commands);
  }

  /** Runs a command of the table (the entry registered a stub per command that lands here). */
  async runCommand(id: string, arg?: unknown): Promise<unknown> {
    const fn = this.commands[id];
    if (!fn) {
      this.log.warn(`Unknown command ${id}`);
      return undefined;
    }
    try {
      return await fn(arg);
    } catch (e) {
      this.log.error(`${id} failed`, e);
      void this.ui.showErrorMessage(this.log.scrub((e as Error).message));
      return undefined;
    }
  }

  /** The remote gateways, for the tree (each a root beside "This machine"). */
  get remotes(): readonly RemoteGateway[] {
    return this.remoteGateways?.gateways ?? [];
  }

  /** Saves a remote provider's order (drag and drop on a remote's rows). */
  async setRemoteOrder(gatewayId: string, agentId: string, provider: string, ids: string[]): Promise<void> {
    const g = this.remoteGateways?.get(gatewayId);
    if (!g) return;
    try {
      await g.setOrder(agentId, provider, ids);
      this.log.info(`${provider} on ${g.config.name}: order ${ids.join(' → ')}.`);
    } catch (e) {
      const msg = this.log.scrub((e as Error).message);
      this.log.error('Saving a remote order failed', new Error(msg));
      void this.ui.showErrorMessage(msg);
    }
  }

  /** Saves a provider's order (the tree's drag and drop). */
  setOrder(agentId: string, provider: string, ids: string[]): Promise<void> {
    return saveOrder(this, agentId, provider, ids);
  }

  dispose(): void {
    clearInterval(this.tick);
    this.watcher?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** Which SQLite engine the store uses here, for the start-up log line. */
function engineLabel(): string {
  try {
    return engineName() === 'native' ? 'node:sqlite' : 'sql.js';
  } catch (e) {
    return `unavailable (${(e as Error).message})`;
  }
}
