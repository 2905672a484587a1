/**
 * The profiles tree: agent → provider (with its resolved order and where the order comes from)
 * → profile, in the order openclaw would try them. Nodes are plain typed objects; getTreeItem
 * builds the presentation. contextValue flags drive the menus (`viewItem =~ /…/`). Drag and drop
 * reorders profiles within a provider (a pure `move`, then one setOrder mutation).
 */
import * as vscode from 'vscode';
import type { AgentView, DisplayStatus, ProfileView, ProviderView } from '../auth/view';
export { dropOrder, orderableIds } from './reorder';
import { formatRemainingShort } from '../auth/eligibility';
import { dropOrder } from './reorder';
import type { AgentSnapshot } from '../store/snapshot';
import { providerEndpoint } from '../store/config';
import { formatCountdown } from './probeFormat';

export const VIEW_ID = 'openclawAuth.profiles';
export const DND_MIME = 'application/vnd.code.tree.openclawauth.profiles';

export type Node =
  | { kind: 'agent'; id: string; agentId: string; isCurrent: boolean; view: AgentView; snapshot: AgentSnapshot }
  | { kind: 'provider'; id: string; agentId: string; provider: ProviderView; parent: Node; snapshot: AgentSnapshot }
  | { kind: 'profile'; id: string; agentId: string; provider: ProviderView; profile: ProfileView; parent: Node }
  | { kind: 'warning'; id: string; message: string; parent?: Node };

export interface TreeModel {
  readonly agents: ReadonlyArray<{ agentId: string; snapshot: AgentSnapshot; view: AgentView }>;
  readonly currentAgent: string;
  readonly onDidChange: vscode.Event<void>;
  setOrder(agentId: string, provider: string, ids: string[]): Promise<void>;
  /** The last probe of a profile (status, latency, when), when there is one. */
  probeInfo?(agentId: string, profileId: string): { badge: string } | undefined;
}

const STATUS_ICON: Record<DisplayStatus, [string, string | undefined]> = {
  ok: ['pass', 'testing.iconPassed'],
  static: ['key', undefined],
  expiring: ['watch', 'list.warningForeground'],
  expired: ['error', 'list.errorForeground'],
  'expired-refreshable': ['history', 'list.warningForeground'],
  missing: ['circle-slash', 'list.errorForeground'],
  'unresolved-ref': ['link', 'list.errorForeground'],
  excluded: ['eye-closed', 'disabledForeground'],
  cooldown: ['clock', 'list.warningForeground'],
  disabled: ['debug-pause', 'list.errorForeground'],
};

const STATUS_TEXT: Record<DisplayStatus, string> = {
  ok: 'ok', static: 'ok', expiring: 'expiring', expired: 'expired', 'expired-refreshable': 'expired (refreshable)',
  missing: 'missing', 'unresolved-ref': 'unresolved ref', excluded: 'excluded by order', cooldown: 'cooling down', disabled: 'disabled',
};

const ORDER_SOURCE: Record<string, string> = { stored: 'stored order', config: 'order from config', 'config-profiles': 'config profiles order', default: 'default order' };

function md(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text, true);
  m.isTrusted = { enabledCommands: ['openclawAuth.addApiKey', 'openclawAuth.pasteToken', 'openclawAuth.signIn', 'openclawAuth.replaceCredential'] };
  return m;
}

function liveCountdown(x: ProfileView): string | undefined {
  const u = x.unusable;
  if (!u) return undefined;
  const what = `${u.kind === 'disabled' ? 'disabled' : 'cooling down'}${u.reason ? ` (${u.reason}${u.model ? `, ${u.model}` : ''})` : ''}`;
  return `${x.type === 'api_key' ? 'api key' : x.type} · ${what} ${formatCountdown(u.until - Date.now())} · ${x.source}`;
}

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export class ProfilesTree implements vscode.TreeDataProvider<Node>, vscode.TreeDragAndDropController<Node>, vscode.Disposable {
  readonly dropMimeTypes = [DND_MIME];
  readonly dragMimeTypes = [DND_MIME];
  private readonly emitter = new vscode.EventEmitter<Node | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor(private readonly model: TreeModel) {
    model.onDidChange(() => this.emitter.fire(), this, this.disposables);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return this.model.agents.map((a): Node => ({ kind: 'agent', id: `agent:${a.agentId}`, agentId: a.agentId, isCurrent: a.agentId === this.model.currentAgent, view: a.view, snapshot: a.snapshot }));
    }
    if (node.kind === 'agent') {
      const out: Node[] = [];
      for (const w of node.snapshot.warnings.slice(0, 5)) out.push({ kind: 'warning', id: `${node.id}/warn:${w.source}:${w.key ?? ''}:${w.reason}`, message: w.message, parent: node });
      for (const p of node.view.providers) out.push({ kind: 'provider', id: `${node.id}/provider:${p.provider}`, agentId: node.agentId, provider: p, parent: node, snapshot: node.snapshot });
      return out;
    }
    if (node.kind === 'provider') {
      return node.provider.profiles.map((profile): Node => ({ kind: 'profile', id: `${node.id}/profile:${profile.id}`, agentId: node.agentId, provider: node.provider, profile, parent: node }));
    }
    return [];
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'agent' ? undefined : node.parent;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'agent': {
        const item = new vscode.TreeItem(`Agent ${node.agentId}`, node.isCurrent || this.model.agents.length === 1 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        const v = node.view;
        const attention = v.counts.expired + v.counts.missing + v.counts['unresolved-ref'] + v.counts.disabled;
        item.description = `${node.isCurrent ? 'current · ' : ''}${v.providers.length} providers${attention ? ` · ${attention} need attention` : ''}`;
        item.iconPath = new vscode.ThemeIcon(v.checkCode === 1 ? 'warning' : 'account', v.checkCode === 1 ? new vscode.ThemeColor('list.warningForeground') : undefined);
        item.contextValue = `agent${node.isCurrent ? ' current' : ''}`;
        item.tooltip = md(`**Agent ${esc(node.agentId)}**\n\n${esc(node.snapshot.agentDir)}${v.missingProvidersInUse.length ? `\n\n$(warning) No usable credential for: ${v.missingProvidersInUse.map(esc).join(', ')} — [Add API key](command:openclawAuth.addApiKey)` : ''}`);
        return item;
      }
      case 'provider': {
        const p = node.provider;
        const item = new vscode.TreeItem(p.provider, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        const usable = p.order.profileIds.length;
        item.description = `${p.order.disabled ? 'disabled by empty order' : ORDER_SOURCE[p.order.source] ?? p.order.source} · ${usable}/${p.profiles.length} usable${p.inUse ? ' · in use' : ''}`;
        const bad = p.inUse && usable === 0 && !p.envCredential;
        item.iconPath = new vscode.ThemeIcon(bad ? 'warning' : 'server', bad ? new vscode.ThemeColor('list.warningForeground') : undefined);
        item.contextValue = `provider${p.order.source === 'stored' ? ' storedOrder' : ''}`;
        const ep = providerEndpoint(node.snapshot.config.data, p.provider);
        const lines = [`**${esc(p.provider)}** — ${esc(p.status)}`, `Order (${esc(ORDER_SOURCE[p.order.source] ?? p.order.source)}): ${p.order.profileIds.map(esc).join(' → ') || '(none usable)'}`];
        if (ep) lines.push(`Endpoint (models.providers): ${esc(ep.baseUrl ?? 'default')}${ep.api ? ` · ${esc(ep.api)}` : ''}${ep.headers?.length ? ` · headers: ${ep.headers.map(esc).join(', ')}` : ''}`);
        if (p.envCredential) lines.push(`Env credential: ${esc(p.envCredential.source)} = ${esc(p.envCredential.masked)}`);
        if (p.keyChain.length) lines.push(`Rotation keys: ${p.keyChain.map((k) => `${esc(k.source)} ${esc(k.masked)}`).join(', ')}`);
        if (bad) lines.push(`$(warning) No usable credential — [Add API key](command:openclawAuth.addApiKey?${encodeURIComponent(JSON.stringify([{ provider: p.provider, agentId: node.agentId }]))})`);
        item.tooltip = md(lines.join('\n\n'));
        return item;
      }
      case 'profile': {
        const x = node.profile;
        const item = new vscode.TreeItem(x.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        const rank = x.rank !== undefined ? `${x.rank + 1}. ` : '';
        // A cooldown counts down live (the probe controller ticks the tree each second while one is visible).
        const live = (x.display === 'cooldown' || x.display === 'disabled') && x.unusable && x.unusable.until > Date.now() ? liveCountdown(x) : undefined;
        const probe = this.model.probeInfo?.(node.agentId, x.id);
        item.description = `${rank}${live ?? x.summary}${probe ? ` · ${probe.badge}` : ''}`;
        const [icon, color] = STATUS_ICON[x.display];
        item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
        const flags = ['profile', `type-${x.type}`, `source-${x.source}`, `status-${x.display}`];
        if (x.type !== 'aws-sdk') flags.push('removable', 'replaceable');
        if (x.rank !== undefined || node.provider.order.explicit) flags.push('movable');
        item.contextValue = flags.join(' ');
        const lines = [
          `**${esc(x.id)}** — ${esc(x.type)} · ${esc(STATUS_TEXT[x.display])}${x.reasonCode && x.reasonCode !== 'ok' ? ` (\`${x.reasonCode}\`)` : ''}`,
          `Credential: \`${x.credentialHint.replace(/`/g, '')}\`${x.ref ? ` (SecretRef \`${x.ref}\`)` : ''}`,
          `Saved: ${x.source === 'local' ? 'locally for this agent' : x.source === 'inherited' ? 'in the shared store (inherited)' : x.source === 'config' ? 'config only (openclaw.json)' : x.source}`,
        ];
        if (x.expiresAt) lines.push(`Expires: ${new Date(x.expiresAt).toLocaleString()}${x.remainingMs !== undefined ? ` (${x.remainingMs > 0 ? `in ${formatRemainingShort(x.remainingMs)}` : 'passed'})` : ''}`);
        if (x.unusable) lines.push(`${x.unusable.kind === 'disabled' ? 'Disabled' : 'Cooling down'}: ${esc(x.unusable.reason ?? 'unknown')}${x.unusable.model ? ` for model ${esc(x.unusable.model)}` : ''}, ${formatRemainingShort(x.unusable.remainingMs)} left`);
        if (probe) lines.push(`Last ${esc(probe.badge)}`);
        if (x.lastUsed) lines.push(`Last used: ${new Date(x.lastUsed).toLocaleString()}${x.lastGood ? ' (last good)' : ''}`);
        if (x.display === 'expired' || x.display === 'expiring' || x.display === 'expired-refreshable') {
          lines.push(x.type === 'oauth' ? `[Sign in again](command:openclawAuth.signIn?${encodeURIComponent(JSON.stringify([{ provider: x.provider, profileId: x.id }]))})` : `[Paste a new token](command:openclawAuth.replaceCredential?${encodeURIComponent(JSON.stringify([{ agentId: node.agentId, profileId: x.id }]))})`);
        }
        item.tooltip = md(lines.join('\n\n'));
        return item;
      }
      case 'warning': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.tooltip = node.message;
        item.contextValue = 'warning';
        return item;
      }
    }
  }

  handleDrag(source: readonly Node[], data: vscode.DataTransfer): void {
    const p = source.find((n): n is Extract<Node, { kind: 'profile' }> => n.kind === 'profile');
    if (p) data.set(DND_MIME, new vscode.DataTransferItem(JSON.stringify({ agentId: p.agentId, provider: p.provider.provider, profileId: p.profile.id })));
  }

  async handleDrop(target: Node | undefined, data: vscode.DataTransfer): Promise<void> {
    const raw = data.get(DND_MIME);
    if (!raw || !target || (target.kind !== 'profile' && target.kind !== 'provider')) return;
    let payload: { agentId: string; provider: string; profileId: string };
    try {
      const v = JSON.parse(typeof raw.value === 'string' ? raw.value : await raw.asString()) as unknown;
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (typeof o.agentId !== 'string' || typeof o.provider !== 'string' || typeof o.profileId !== 'string') return;
      payload = { agentId: o.agentId, provider: o.provider, profileId: o.profileId };
    } catch { return; }
    const provider = target.provider;
    if (target.agentId !== payload.agentId || provider.provider !== payload.provider) {
      void vscode.window.showWarningMessage('A profile can only be reordered within its own provider and agent.');
      return;
    }
    const ids = dropOrder(provider, payload.profileId, target.kind === 'profile' ? target.profile.id : undefined);
    if (ids) await this.model.setOrder(payload.agentId, provider.provider, ids);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

