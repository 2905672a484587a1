/**
 * The gateway in the editor: one controller owning the supervisor, the control-plane client, the
 * gateway status bar item and the "OpenClaw Gateway" log; the gateway commands; and the routing of
 * management writes through the control plane while connected (models.authSetApiKey,
 * models.authOrderSet, models.authLogout; local write + models.authRefresh for what the protocol
 * has no method for). Every start/stop/restart is verified with a /readyz probe before it is
 * reported done.
 */
import * as vscode from 'vscode';
import crypto from 'node:crypto';
import type { FeatureContext } from '../context';
import { GatewayWriteRoute } from './writeRoute';
import { GatewaySupervisor, type GatewayState, type LaunchOptions } from '../../gateway/supervisor';
import { GatewayClient, type ClientState } from '../../gateway/client';
import { probeGateway } from '../../gateway/health';
import { chooseToken, loadGatewayConfig, type TokenChoice } from '../../gateway/token';
import type { AuthStatus } from '../../gateway/protocol';
import {
  ACTION_LABELS,
  describeAuthView,
  describeGateway,
  GatewayStatusItem,
  reconcileAuthView,
  type GatewayAction,
  type GatewayStatusView,
} from './statusItem';
import type { GatewaySettings } from '../../config/settings';

export const TOKEN_SECRET_KEY = 'openclawAuth.gatewayToken';

export class GatewayController implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('OpenClaw Gateway', { log: true });
  private readonly item = new GatewayStatusItem();
  supervisor: GatewaySupervisor;
  client: GatewayClient | undefined;
  /** The gateway's own auth view (models.authStatus), the source of truth while connected. */
  authStatus: AuthStatus | undefined;
  /** Differences between models.authStatus and what the store reader shows (empty when they agree). */
  mismatch: string[] = [];
  /** What the status item shows now (tests and the benchmark read it). */
  lastView: GatewayStatusView | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private token: TokenChoice | undefined;
  private disposables: vscode.Disposable[] = [this.channel, this.item];
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly stateListeners = new Set<(v: GatewayStatusView) => void>();

  /** Writes through the control plane while connected (the owner's write route). */
  readonly writes: GatewayWriteRoute;

  constructor(private readonly o: FeatureContext) {
    this.supervisor = this.makeSupervisor();
    this.writes = new GatewayWriteRoute(o, this);
  }

  /** `openclawAuth.gateway.*`, as the owner last read them. */
  get settings(): GatewaySettings {
    return this.o.settings.gateway;
  }

  /** The owner read a change to a setting the gateway uses (src/config/settings.ts, effect 'gateway'). */
  settingsChanged(): void {
    if (this.supervisor.state.kind === 'stopped' || this.supervisor.state.kind === 'failed') {
      this.supervisor.dispose();
      this.supervisor = this.makeSupervisor();
      this.render();
    } else this.channel.info('Gateway settings changed; they apply at the next start.');
  }

  /** Called once by the owner after start: render, then autostart or attach to a running gateway. */
  async init(): Promise<void> {
    this.render();
    if (this.settings.autoStart) {
      await this.start({ quiet: true });
      return;
    }
    const p = await probeGateway(this.settings.port, { timeoutMs: 1000 });
    if (p.kind === 'gateway') {
      this.supervisor.adopt(p);
      await this.connectClient();
    }
  }

  onDidRender(l: (v: GatewayStatusView) => void): vscode.Disposable {
    this.stateListeners.add(l);
    return new vscode.Disposable(() => this.stateListeners.delete(l));
  }

  private makeSupervisor(): GatewaySupervisor {
    const sup = new GatewaySupervisor({
      port: this.settings.port,
      commandSetting: this.o.settings.openclawPath,
      nodePath: this.settings.nodePath,
      env: process.env,
      log: {
        info: (m) => this.channel.info(this.o.log.scrub(m)),
        warn: (m) => this.channel.warn(this.o.log.scrub(m)),
        error: (m) => this.channel.error(this.o.log.scrub(m)),
        output: (l) => this.channel.info(`[gateway] ${this.o.log.scrub(l)}`),
      },
    });
    sup.onState((s) => this.onSupervisorState(s));
    return sup;
  }

  private onSupervisorState(s: GatewayState): void {
    clearInterval(this.ticker);
    // "restarting in N s" counts down.
    if (s.kind === 'crashed' || s.kind === 'starting') this.ticker = setInterval(() => this.render(), 1000);
    if (s.kind === 'ready' && this.client?.state !== 'connected' && this.client?.state !== 'auth-failed')
      this.client?.start();
    if (s.kind === 'ready' && !this.client) void this.connectClient();
    this.render();
  }

  get connected(): boolean {
    return this.client?.state === 'connected';
  }

  /** Whether the gateway this window supervises (started or adopted) is up or coming up: it owns the state then. */
  get supervisedUp(): boolean {
    const k = this.supervisor.state.kind;
    return k === 'ready' || k === 'degraded' || k === 'starting';
  }

  render(): void {
    const mismatch = this.mismatch.length ? `Gateway view differs from the files: ${this.mismatch.join('; ')}` : '';
    const gw = describeAuthView(this.authStatus);
    const v = describeGateway(this.supervisor.state, {
      port: this.settings.port,
      client: this.client?.state ?? 'idle',
      clientError: this.client?.lastError,
      adopted: this.supervisor.adopted,
      now: Date.now(),
      extra: [gw, mismatch].filter(Boolean).join('\n'),
    });
    this.lastView = v;
    this.item.update(v, true);
    // Palette: Stop/Restart/Start Gateway only when the status item offers them.
    void vscode.commands.executeCommand('setContext', 'openclawAuth.gatewayRunning', v.actions.includes('stop'));
    void vscode.commands.executeCommand('setContext', 'openclawAuth.gatewayRestartable', v.actions.includes('restart'));
    for (const l of this.stateListeners) l(v);
  }

  /** The token to start/connect with (config's gateway.auth.token, else SecretStorage, else env). */
  private async resolveToken(opts: { generate: boolean }): Promise<TokenChoice> {
    const cfg = loadGatewayConfig(this.o.paths?.configPath);
    const stored = await this.o.context.secrets.get(TOKEN_SECRET_KEY);
    const snap = this.o.current()?.snapshot;
    let choice = await chooseToken(cfg, {
      stored,
      env: process.env,
      resolve: {
        env: snap?.env ?? process.env,
        secretsConfig: snap?.config.data.secrets,
        readStoreSecret: (n) => snap?.sharedDb.secretStore.get(n),
      },
    });
    if (!choice.token && opts.generate) {
      const token = crypto.randomBytes(24).toString('base64url');
      await this.o.context.secrets.store(TOKEN_SECRET_KEY, token);
      this.channel.info(
        "No gateway token was configured; generated one and saved it in VS Code's secret storage (never in settings).",
      );
      choice = {
        token,
        source: 'secret-storage',
        describe: 'a token generated and saved in secret storage',
        fromConfig: false,
      };
    }
    this.o.log.rememberSecrets([choice.token]);
    this.token = choice;
    return choice;
  }

  private connecting: Promise<boolean> | undefined;

  /** Connects the control plane; joins a connect already in flight unless `force` (a new token). */
  private connectClient(force = false): Promise<boolean> {
    if (!force && this.client?.state === 'connected') return Promise.resolve(true);
    if (!force && this.connecting) return this.connecting;
    const p = this.connectClientOnce();
    this.connecting = p;
    const clear = () => {
      if (this.connecting === p) this.connecting = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async connectClientOnce(): Promise<boolean> {
    let choice: TokenChoice;
    try {
      choice = await this.resolveToken({ generate: false });
    } catch (e) {
      this.channel.error((e as Error).message);
      return false;
    }
    this.client?.close();
    const client = new GatewayClient({
      url: this.supervisor.url,
      token: async () => (this.token ?? choice).token,
      clientVersion: String(
        (this.o.context.extension?.packageJSON as { version?: string } | undefined)?.version ?? '0.1.0',
      ),
      log: (lvl, m) =>
        lvl === 'warn'
          ? this.channel.warn(this.o.log.scrub(m))
          : lvl === 'info'
            ? this.channel.info(this.o.log.scrub(m))
            : this.channel.debug(this.o.log.scrub(m)),
    });
    this.client = client;
    client.onState((s: ClientState) => {
      if (s === 'connected') void this.refreshAuthStatus();
      if (s === 'auth-failed') this.channel.error(client.lastError ?? 'The gateway rejected the token.');
      this.render();
    });
    client.onEvent((e) => {
      if (e.event === 'chat.metadata.changed' || e.event === 'config.changed') {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(() => void this.refreshAuthStatus(), 300);
      }
    });
    try {
      await client.connect();
      return true;
    } catch (e) {
      this.channel.warn(`Connecting to the gateway: ${this.o.log.scrub((e as Error).message)}`);
      return false;
    }
  }

  private statusSeq = 0;

  /** Fetches models.authStatus for the current agent and reconciles it with the store reader's view. */
  async refreshAuthStatus(): Promise<AuthStatus | undefined> {
    if (!this.client || !this.connected) return undefined;
    // Answers can arrive out of order (the gateway serves requests concurrently): only the answer
    // to the latest request is kept, so a slow early one never overwrites a newer view.
    const mine = ++this.statusSeq;
    try {
      const agentId = this.o.currentAgent !== this.o.defaultAgent ? this.o.currentAgent : undefined;
      const st = await this.client.authStatus(agentId ? { agentId } : {});
      if (mine !== this.statusSeq) return this.authStatus;
      this.authStatus = st;
    } catch (e) {
      this.channel.warn(`models.authStatus: ${(e as Error).message}`);
      return undefined;
    }
    this.reconcile();
    this.render();
    return this.authStatus;
  }

  reconcile(): void {
    const view = this.o.current()?.view;
    const gw = this.authStatus;
    if (!gw || !view) {
      this.mismatch = [];
      return;
    }
    const out = reconcileAuthView(view, gw);
    if (out.join() !== this.mismatch.join()) {
      if (out.length)
        this.channel.warn(
          `models.authStatus and the files differ: ${out.join('; ')} (the gateway's view is authoritative while it runs).`,
        );
      this.mismatch = out;
    }
  }

  private showError(message: string): void {
    void this.o.ui.showErrorMessage(this.o.log.scrub(message), 'Show Gateway Logs').then((p) => {
      if (p) this.channel.show(true);
    });
  }

  // ---- commands -------------------------------------------------------------------------------

  async start(opts: { quiet?: boolean } = {}): Promise<boolean> {
    const cfg = loadGatewayConfig(this.o.paths?.configPath);
    if (cfg.mode === 'remote') {
      this.showError(
        'openclaw.json sets gateway.mode to "remote": the gateway runs on another machine, so none is started here. Use "Connect to Running Gateway" for a local one.',
      );
      return false;
    }
    let choice: TokenChoice;
    try {
      choice = await this.resolveToken({ generate: true });
    } catch (e) {
      this.showError((e as Error).message);
      return false;
    }
    if (
      this.supervisor.state.kind !== 'stopped' &&
      this.supervisor.state.kind !== 'failed' &&
      !this.supervisor.owned &&
      !this.supervisor.adopted
    ) {
      /* crashed/unreachable: start anew */
    }
    const launch: LaunchOptions = {
      token: choice.token,
      allowUnconfigured: !cfg.mode,
      stateDir: this.o.settings.stateDir || undefined,
      commandSetting: this.o.settings.openclawPath,
    };
    this.channel.info(`Gateway token: ${choice.describe}.`);
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Starting the OpenClaw gateway on port ${this.settings.port}…`,
          cancellable: false,
        },
        () => this.supervisor.start(launch),
      );
    } catch (e) {
      this.showError((e as Error).message);
      return false;
    }
    // Verified by a readiness probe of our own, not by the word of the start.
    const p = await probeGateway(this.settings.port);
    if (p.kind !== 'gateway') {
      this.showError(
        `The gateway was reported started but port ${this.settings.port} does not answer as a gateway (${p.kind === 'down' ? p.error : p.detail}).`,
      );
      return false;
    }
    await this.connectClient();
    const what = this.supervisor.adopted
      ? `A gateway was already running on port ${this.settings.port}; attached to it (it is not stopped when this window closes).`
      : `Gateway ${p.ready ? 'ready' : `running but not ready (${p.failing.join(', ')})`} on port ${this.settings.port} (pid ${this.supervisor.pid}).`;
    if (!opts.quiet || this.supervisor.adopted) void this.o.ui.showInformationMessage(what);
    if (this.client?.state === 'auth-failed')
      this.showError(this.client.lastError ?? 'The gateway rejected the token.');
    return true;
  }

  async stop(): Promise<boolean> {
    this.client?.close();
    this.client = undefined;
    this.authStatus = undefined;
    this.mismatch = [];
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Stopping the OpenClaw gateway…' },
      () => this.supervisor.stop(),
    );
    const p = await probeGateway(this.settings.port);
    if (r.stopped && p.kind === 'gateway') {
      this.showError(`${r.message} Port ${this.settings.port} still answers as a gateway.`);
      return false;
    }
    void this.o.ui.showInformationMessage(r.message);
    this.render();
    return true;
  }

  async restart(): Promise<boolean> {
    if (this.supervisor.adopted) {
      this.showError(
        `The gateway on port ${this.settings.port} was not started by this window, so it is not restarted from here. Restart it where it runs, or stop it there and use Start Gateway.`,
      );
      return false;
    }
    if (this.supervisor.owned) {
      this.client?.close();
      this.client = undefined;
      await this.supervisor.stop();
    }
    return this.start();
  }

  async connect(): Promise<boolean> {
    const p = await probeGateway(this.settings.port);
    if (p.kind !== 'gateway') {
      const pick = await this.o.ui.showErrorMessage(
        p.kind === 'down'
          ? `No gateway answers on port ${this.settings.port}.`
          : `Port ${this.settings.port} is held by another program, not an OpenClaw gateway (${p.detail}).`,
        'Start Gateway',
      );
      if (pick === 'Start Gateway') return this.start();
      return false;
    }
    if (!this.supervisor.owned) this.supervisor.adopt(p);
    const ok = await this.connectClient();
    if (ok)
      void this.o.ui.showInformationMessage(
        `Connected to the gateway on port ${this.settings.port} (openclaw ${this.client?.hello?.server.version ?? '?'})${this.supervisor.adopted ? '; it was not started by this window, so it keeps running when the window closes' : ''}.`,
      );
    else this.showError(this.client?.lastError ?? 'Could not connect to the gateway.');
    return ok;
  }

  async setToken(): Promise<void> {
    const cfg = loadGatewayConfig(this.o.paths?.configPath);
    const token = await this.o.ui.showInputBox({
      title: 'Gateway token',
      password: true,
      ignoreFocusOut: true,
      prompt: "Saved in VS Code's secret storage (never in settings); used to start and connect to the gateway.",
      validateInput: (v) =>
        v.trim() ? (/\s/.test(v.trim()) ? 'The token contains whitespace.' : undefined) : 'Enter the token.',
    });
    if (!token) return;
    await this.o.context.secrets.store(TOKEN_SECRET_KEY, token.trim());
    this.o.log.rememberSecrets([token.trim()]);
    this.channel.info('Gateway token saved in secret storage.');
    if (cfg.tokenLiteral || cfg.tokenRef)
      void this.o.ui.showWarningMessage(
        'Saved, but openclaw.json sets gateway.auth.token, which the gateway uses instead; the saved token is used only when that is removed.',
        {},
      );
    else void this.o.ui.showInformationMessage('Gateway token saved.');
    if (this.supervisor.state.kind === 'ready' || this.supervisor.state.kind === 'degraded')
      await this.connectClient(true);
  }

  async actions(): Promise<void> {
    const v =
      this.lastView ??
      describeGateway(this.supervisor.state, {
        port: this.settings.port,
        client: this.client?.state ?? 'idle',
        adopted: this.supervisor.adopted,
        now: Date.now(),
      });
    const pick = await this.o.ui.showQuickPick(
      v.actions.map((a) => ({ label: ACTION_LABELS[a], action: a })),
      {
        title: `OpenClaw gateway: ${v.text.replace(/\$\([^)]+\)/g, '').trim()}`,
        placeHolder: v.tooltip.split('\n')[0],
      },
    );
    if (pick) await this.run(pick.action);
  }

  run(a: GatewayAction): Promise<unknown> {
    switch (a) {
      case 'start':
        return this.start();
      case 'stop':
        return this.stop();
      case 'restart':
        return this.restart();
      case 'connect':
        return this.connect();
      case 'setToken':
        return this.setToken();
      case 'showLogs':
        this.channel.show(true);
        return Promise.resolve();
    }
  }

  dispose(): void {
    clearInterval(this.ticker);
    clearTimeout(this.refreshTimer);
    this.client?.close();
    // Closing the window stops only a gateway this window started.
    this.supervisor.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
