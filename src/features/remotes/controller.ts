/**
 * Gateways on other machines in the editor: the list (openclawAuth.remoteGateways, plus
 * openclaw.json's `gateway.remote.url` when `gateway.mode` is "remote"), one RemoteGateway
 * connection each (src/gateway/remote.ts), their tokens (VS Code's SecretStorage only), the status
 * bar item of the selected one, and the writes the protocol allows. Their files are never read.
 */
import * as vscode from 'vscode';
import { CONNECTION_WORDS, RemoteGateway, describeConnection, type RemoteGatewayConfig } from '../../gateway/remote';
import { configRemoteTarget } from '../../gateway/targets';
import { remoteModeToken } from '../../gateway/token';
import type { FeatureContext } from '../context';
import type { RemoteGatewaySetting } from '../../config/settings';

const TOKEN_KEY = (id: string) => `openclawAuth.remoteGatewayToken:${id}`;
const SELECTED_KEY = 'openclawAuth.selectedRemoteGateway';

export class RemotesController implements vscode.Disposable {
  gateways: RemoteGateway[] = [];
  private readonly item = vscode.window.createStatusBarItem(
    'openclawAuth.remoteGateway',
    vscode.StatusBarAlignment.Left,
    0,
  );
  private configError: string | undefined;

  constructor(
    private readonly o: FeatureContext,
    /** Re-renders the tree and status bar after a remote changed. */
    private readonly changed: () => void,
  ) {
    this.item.name = 'OpenClaw Remote Gateway';
    this.item.command = 'openclawAuth.remoteGatewayActions';
  }

  /** The remote gateways wanted now: the settings' list, then openclaw.json's remote (when not listed). */
  private wanted(): RemoteGatewayConfig[] {
    const out: RemoteGatewayConfig[] = this.o.settings.remoteGateways.map((r: RemoteGatewaySetting) => ({
      id: r.url,
      name: r.name,
      url: r.url,
      source: 'settings',
      ...(r.tlsFingerprint ? { tlsFingerprint: r.tlsFingerprint } : {}),
    }));
    const config = this.o.current()?.snapshot.config.data as Record<string, unknown> | undefined;
    const fromConfig = config ? configRemoteTarget(config) : undefined;
    this.configError = fromConfig && 'error' in fromConfig ? fromConfig.error : undefined;
    if (this.configError) this.o.log.warn(this.configError);
    if (
      fromConfig &&
      !('error' in fromConfig) &&
      fromConfig.kind === 'remote' &&
      !out.some((r) => r.url === fromConfig.url)
    )
      out.push({
        id: fromConfig.url,
        name: 'Remote gateway (openclaw.json)',
        url: fromConfig.url,
        source: 'openclaw.json',
        ...(fromConfig.tlsFingerprint ? { tlsFingerprint: fromConfig.tlsFingerprint } : {}),
      });
    return out;
  }

  /** Brings the connections in line with the list: new ones connect, removed ones close, the rest stay. */
  sync(): void {
    const wanted = this.wanted();
    const keep: RemoteGateway[] = [];
    for (const g of this.gateways) {
      const w = wanted.find((x) => x.id === g.id);
      if (w && w.name === g.config.name && w.tlsFingerprint === g.config.tlsFingerprint && w.source === g.config.source)
        keep.push(g);
      else g.dispose();
    }
    const next = wanted.map((w) => keep.find((g) => g.id === w.id) ?? this.connect(w));
    const changed = next.length !== this.gateways.length || next.some((g, i) => g !== this.gateways[i]);
    this.gateways = next;
    // Every reload calls this: the tree and the status bar are redrawn only when the list changed.
    if (!changed) return;
    this.o.log.info(`Remote gateways: ${next.map((g) => `${g.config.name} (${g.config.url})`).join(', ') || 'none'}.`);
    this.update();
  }

  private connect(config: RemoteGatewayConfig): RemoteGateway {
    const g = new RemoteGateway(config, {
      token: () => this.token(config),
      log: (level, msg) => this.o.log[level](msg),
    });
    g.onDidChange(() => this.update());
    if (config.url.startsWith('wss:'))
      this.o.log.info(
        `${config.name}: wss:// ${config.tlsFingerprint ? 'accepting only the pinned certificate' : "with the system's trusted certificates"}.`,
      );
    g.start();
    return g;
  }

  /** A remote's token: the one saved for it, else (openclaw.json's remote) gateway.remote.token or OPENCLAW_GATEWAY_TOKEN. */
  private async token(config: RemoteGatewayConfig): Promise<string | undefined> {
    const saved = await this.o.context.secrets.get(TOKEN_KEY(config.id));
    if (saved) {
      this.o.log.rememberSecrets([saved]);
      return saved;
    }
    if (config.source !== 'openclaw.json') return undefined;
    const s = this.o.current()?.snapshot;
    if (!s) return undefined;
    try {
      const t = await remoteModeToken(s.config.data, process.env, {
        env: s.env,
        secretsConfig: s.config.data.secrets,
        readStoreSecret: (n) => s.sharedDb.secretStore.get(n),
      });
      this.o.log.rememberSecrets([t]);
      return t;
    } catch (e) {
      this.o.log.warn(`${config.name}: the token in openclaw.json does not resolve`, e);
      return undefined;
    }
  }

  async setToken(id: string, token: string | undefined): Promise<void> {
    if (token) {
      this.o.log.rememberSecrets([token]);
      await this.o.context.secrets.store(TOKEN_KEY(id), token);
    } else await this.o.context.secrets.delete(TOKEN_KEY(id));
    this.get(id)?.reconnect();
  }

  async forget(id: string): Promise<void> {
    await this.o.context.secrets.delete(TOKEN_KEY(id));
  }

  get(id: string | undefined): RemoteGateway | undefined {
    return this.gateways.find((g) => g.id === id);
  }

  /** The remote the status bar shows: the one last selected in the tree or picked, else the first. */
  get selected(): RemoteGateway | undefined {
    return this.get(this.o.context.globalState.get<string>(SELECTED_KEY)) ?? this.gateways[0];
  }

  async select(id: string): Promise<void> {
    if (!this.get(id) || this.selected?.id === id) return;
    await this.o.context.globalState.update(SELECTED_KEY, id);
    this.render();
  }

  /** A remote changed (or the list did): the status bar item, then the tree. */
  private update(): void {
    this.render();
    this.changed();
  }

  /** The status bar item and the palette's context key, from the selected remote (no I/O). */
  render(): void {
    void vscode.commands.executeCommand('setContext', 'openclawAuth.hasRemoteGateways', this.gateways.length > 0);
    const g = this.selected;
    if (!g) this.item.hide();
    else {
      const c = g.connection;
      const state = CONNECTION_WORDS[c.kind];
      const icon =
        c.kind === 'connected' ? '$(cloud)' : c.kind === 'connecting' ? '$(loading~spin)' : '$(debug-disconnect)';
      this.item.text = `${icon} ${g.config.name}: ${state}`;
      this.item.tooltip = `Remote OpenClaw gateway ${g.config.name} (${g.config.url}): ${describeConnection(c)}.${this.gateways.length > 1 ? `\n${this.gateways.length} remote gateways; click to pick another or act on this one.` : '\nClick for its actions.'}`;
      this.item.backgroundColor =
        c.kind === 'token-rejected' || c.kind === 'protocol-mismatch' || c.kind === 'untrusted-certificate'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : c.kind === 'unreachable'
            ? new vscode.ThemeColor('statusBarItem.warningBackground')
            : undefined;
      this.item.accessibilityInformation = {
        label: `OpenClaw remote gateway ${g.config.name}: ${state}`,
        role: 'button',
      };
      if (this.o.settings.statusBar) this.item.show();
      else this.item.hide();
    }
  }

  dispose(): void {
    for (const g of this.gateways) g.dispose();
    this.gateways = [];
    this.item.dispose();
  }
}
