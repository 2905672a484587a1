/**
 * The profiles tree: agent → provider (with its resolved order and where the order comes from)
 * → profile, in the order openclaw would try them. Nodes are plain typed objects; getTreeItem
 * builds the presentation. contextValue flags drive the menus (`viewItem =~ /…/`). Drag and drop
 * reorders profiles within a provider (a pure `move`, then one setOrder mutation).
 *
 * Node objects are kept per id across refreshes and updated in place; a model change fires
 * onDidChangeTreeData only for the rows whose rendering changed (or their parent when the set of
 * children changed), so an open tooltip or a context menu keeps its row while other things change.
 */
import * as vscode from 'vscode';
import type { AgentView, DisplayStatus, ProfileView, ProviderView } from '../auth/view';
export { dropOrder, orderableIds } from './reorder';
import { formatRemainingShort } from '../auth/eligibility';
import { agentHealth, profileHealth, providerHealth, type HealthOptions } from '../auth/health';
import { dropOrder, orderableIds } from './reorder';
import {
  LOCAL_GATEWAY_ID,
  remoteChildren,
  remoteDrop,
  renderLocalGateway,
  renderRemoteAgent,
  renderRemoteGateway,
  renderRemoteProfile,
  renderRemoteProvider,
  type GatewayNode,
  type RemoteNode,
  type RemoteProfileNode,
  type RemoteProviderNode,
} from './remoteRows';
import type { RemoteGateway } from '../gateway/remote';
import type { AgentSnapshot } from '../store/snapshot';
import { providerEndpoint } from '../store/config';
import {
  clockTime,
  extraCode,
  orderSourceWords,
  profileDescription,
  providerDescription,
  sourceWords,
  STATUS_WORDS,
  typeWords,
} from './rowText';

export const VIEW_ID = 'openclawAuth.profiles';
export const DND_MIME = 'application/vnd.code.tree.openclawauth.profiles';

export type Node =
  | { kind: 'agent'; id: string; agentId: string; isCurrent: boolean; view: AgentView; snapshot: AgentSnapshot }
  | { kind: 'provider'; id: string; agentId: string; provider: ProviderView; parent: Node; snapshot: AgentSnapshot }
  | { kind: 'profile'; id: string; agentId: string; provider: ProviderView; profile: ProfileView; parent: Node }
  | {
      kind: 'warning';
      id: string;
      message: string;
      reason?: string;
      parent?: Node;
      action?: vscode.Command;
      /** Codicon and theme colour, when not the warning sign. */
      icon?: [string, string?];
    }
  | RemoteNode;

export interface TreeModel {
  readonly agents: ReadonlyArray<{ agentId: string; snapshot: AgentSnapshot; view: AgentView }>;
  readonly currentAgent: string;
  /** Show only the current (status bar) agent. */
  readonly oneAgent?: boolean;
  readonly onDidChange: vscode.Event<void>;
  setOrder(agentId: string, provider: string, ids: string[]): Promise<void>;
  /** The last probe of a profile (status, latency, when), when there is one. */
  probeInfo?(agentId: string, profileId: string): { badge: string } | undefined;
  /** The health model's options for an agent (warning window, last live probes): src/auth/health.ts. */
  healthOptions?(agentId: string): HealthOptions;
  /** Gateways on other machines: with any, each gateway (this machine first) is a root. */
  readonly remotes?: readonly RemoteGateway[];
  /** Saves a remote provider's order (drag and drop on a remote's rows). */
  setRemoteOrder?(gatewayId: string, agentId: string, provider: string, ids: string[]): Promise<void>;
}

/**
 * Icons and colours. The `charts.*` colours are defined by every built-in theme (light, dark and
 * high contrast) and stay apart from each other, unlike list.warningForeground, which is close to
 * the ok green in some light themes.
 */
const STATUS_ICON: Record<DisplayStatus, [string, string | undefined]> = {
  ok: ['pass', 'charts.green'],
  static: ['key', undefined],
  expiring: ['watch', 'charts.orange'],
  expired: ['error', 'charts.red'],
  'expired-refreshable': ['history', 'charts.orange'],
  missing: ['circle-slash', 'charts.red'],
  'unresolved-ref': ['link', 'charts.red'],
  excluded: ['eye-closed', 'descriptionForeground'],
  cooldown: ['clock', 'charts.orange'],
  disabled: ['stop-circle', 'charts.red'],
};

function md(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text, true);
  m.isTrusted = {
    enabledCommands: [
      'openclawAuth.addApiKey',
      'openclawAuth.pasteToken',
      'openclawAuth.signIn',
      'openclawAuth.replaceCredential',
    ],
  };
  return m;
}

function ordinal(n: number): string {
  const t = n % 100;
  return `${n}${t >= 11 && t <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
}

/**
 * ThemeColor's `id` is typed only from @types/vscode 1.9x on; the class has carried it since long
 * before 1.82 (the oldest VS Code this extension supports).
 */
function themeColorId(c: vscode.ThemeColor | undefined): string {
  return (c as { id?: unknown } | undefined)?.id?.toString() ?? '';
}

/** What VS Code would draw for an item: a row is refreshed only when this changes. */
function signature(item: vscode.TreeItem): string {
  const icon =
    item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}:${themeColorId(item.iconPath.color)}` : '';
  const tip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
  return JSON.stringify([item.label, item.description, icon, item.contextValue, tip]);
}

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The words a provider's health has, for the tooltip's first line. */
const PROVIDER_STATUS: Record<string, string> = {
  ok: 'ok',
  static: 'ok',
  expiring: 'expiring soon',
  expired: 'expired',
  missing: 'no usable credential',
};

type AgentNode = Extract<Node, { kind: 'agent' }>;
type ProviderNode = Extract<Node, { kind: 'provider' }>;
type ProfileNode = Extract<Node, { kind: 'profile' }>;
type WarningNode = Extract<Node, { kind: 'warning' }>;

/** An agent row: expanded when current (or alone), its health words, and a warning icon when something fails. */
function renderAgent(node: AgentNode, model: TreeModel): vscode.TreeItem {
  const item = new vscode.TreeItem(
    `Agent ${node.agentId}`,
    node.isCurrent || model.agents.length === 1
      ? vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = node.id;
  const v = node.view;
  // The status bar's words and numbers (src/auth/health.ts): "4 ok, 3 need attention (1 failing)".
  const h = agentHealth(v, model.healthOptions?.(node.agentId));
  item.description = `${h.label} · ${v.providers.length} providers${node.isCurrent && model.agents.length > 1 ? ' · in status bar' : ''}`;
  item.iconPath = new vscode.ThemeIcon(
    h.failing ? 'warning' : 'account',
    h.failing ? new vscode.ThemeColor('charts.orange') : undefined,
  );
  item.contextValue = `agent${node.isCurrent ? ' current' : ''}`;
  item.tooltip = md(
    `**Agent ${esc(node.agentId)}**${node.snapshot.isDefaultAgent ? ' (default: its profiles are shared with every agent)' : ''}\n\n${esc(node.snapshot.agentDir)}${h.missingInUse.length ? `\n\n$(warning) No usable credential for: ${h.missingInUse.map(esc).join(', ')} — [Add API key](command:openclawAuth.addApiKey)` : ''}`,
  );
  return item;
}

/** A provider row: collapsed when it only repeats the default agent's profiles, flagged for the order menus. */
function renderProvider(node: ProviderNode, model: TreeModel, defaultAgent: string, now: number): vscode.TreeItem {
  const p = node.provider;
  // A provider whose profiles all come from the default agent's shared store starts collapsed
  // in other agents: the rows are the same as there.
  const inheritedOnly =
    !node.snapshot.isDefaultAgent &&
    p.profiles.length > 0 &&
    p.profiles.every((x) => x.source === 'inherited') &&
    p.order.source !== 'stored';
  const item = new vscode.TreeItem(
    p.provider,
    inheritedOnly ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
  );
  item.id = node.id;
  const ph = providerHealth(p, { ...model.healthOptions?.(node.agentId), now });
  item.description = providerDescription(p, inheritedOnly, defaultAgent, ph);
  const bad = ph.stranded;
  item.iconPath = new vscode.ThemeIcon(
    bad ? 'warning' : 'server',
    bad ? new vscode.ThemeColor('charts.orange') : undefined,
  );
  const flags = ['provider'];
  if (p.order.source === 'stored') flags.push('storedOrder');
  if (p.profiles.length > 1) flags.push('multi');
  item.contextValue = flags.join(' ');
  item.tooltip = md(providerTooltip(node, bad).join('\n\n'));
  return item;
}

/** A provider's tooltip paragraphs: status, order, endpoint, env and rotation keys, and a fix when stranded. */
function providerTooltip(node: ProviderNode, bad: boolean): string[] {
  const p = node.provider;
  const ep = providerEndpoint(node.snapshot.config.data, p.provider);
  const lines = [
    `**${esc(p.provider)}** — ${esc(PROVIDER_STATUS[p.status] ?? p.status)}`,
    `Order ${esc(orderSourceWords(p.order.source))}: ${p.order.profileIds.map(esc).join(' → ') || '(none usable)'}`,
  ];
  if (ep)
    lines.push(
      `Endpoint (models.providers): ${esc(ep.baseUrl ?? 'default')}${ep.api ? ` · ${esc(ep.api)}` : ''}${ep.headers?.length ? ` · headers: ${ep.headers.map(esc).join(', ')}` : ''}`,
    );
  if (p.envCredential)
    lines.push(`Environment variable: ${esc(p.envCredential.source)} = ${esc(p.envCredential.masked)}`);
  if (p.keyChain.length)
    lines.push(`Rotation keys: ${p.keyChain.map((k) => `${esc(k.source)} ${esc(k.masked)}`).join(', ')}`);
  if (bad)
    lines.push(
      `$(warning) No usable credential — [Add API key](command:openclawAuth.addApiKey?${encodeURIComponent(JSON.stringify([{ provider: p.provider, agentId: node.agentId }]))})`,
    );
  return lines;
}

/** A profile row: description, an icon from its status or its last live probe, and its menu flags. */
function renderProfile(node: ProfileNode, model: TreeModel, defaultAgent: string, now: number): vscode.TreeItem {
  const x = node.profile;
  const item = new vscode.TreeItem(x.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const probe = model.probeInfo?.(node.agentId, x.id);
  const health = profileHealth(x, { ...model.healthOptions?.(node.agentId), now });
  item.description = profileDescription(x, now, probe?.badge, health);
  // A failed live probe shows on the icon too (the stored state alone may still say ok).
  const [icon, color] = health.byProbe
    ? health.level === 'failing'
      ? ['error', 'charts.red']
      : ['warning', 'charts.orange']
    : STATUS_ICON[x.display];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = profileFlags(node).join(' ');
  item.tooltip = md(profileTooltip(node, probe, defaultAgent, now).join('\n\n'));
  return item;
}

/** The contextValue flags of a profile row: which of remove, replace and move its menus offer. */
function profileFlags(node: ProfileNode): string[] {
  const x = node.profile;
  const flags = ['profile', `type-${x.type}`, `source-${x.source}`, `status-${x.display}`];
  if (x.type !== 'aws-sdk') flags.push('removable', 'replaceable');
  // Up/Down only where there is something to move past, and never on a row left out of the order.
  const ids = orderableIds(node.provider);
  const at = ids.indexOf(x.id);
  if (at >= 0 && ids.length > 1 && x.display !== 'excluded') {
    flags.push('movable');
    if (at === 0) flags.push('first');
    if (at === ids.length - 1) flags.push('last');
  }
  return flags;
}

/** A profile's tooltip paragraphs: what it is, where it stands in the order, expiry, cooldown, probe, and a fix link. */
function profileTooltip(
  node: ProfileNode,
  probe: { badge: string } | undefined,
  defaultAgent: string,
  now: number,
): string[] {
  const x = node.profile;
  const code = extraCode(x);
  const n = node.provider.order.profileIds.length;
  const lines = [
    `**${esc(x.id)}** — ${esc(typeWords(x.type))} · ${esc(STATUS_WORDS[x.display])}${code ? ` (\`${code}\`)` : ''}`,
    `Credential: \`${(x.displayHint ?? x.credentialHint).replace(/`/g, '')}\`${x.ref ? ` (SecretRef \`${x.ref.replace(/`/g, '')}\`)` : ''}`,
    `${esc(sourceWords(x.source, defaultAgent))}${x.rank !== undefined ? ` · tried ${ordinal(x.rank + 1)} of ${n}` : ' · not in the order'}`,
  ];
  if (x.expiresAt)
    lines.push(
      `Expires: ${new Date(x.expiresAt).toLocaleString()}${x.remainingMs !== undefined ? ` (${x.remainingMs > 0 ? `in ${formatRemainingShort(x.remainingMs)}` : 'passed'})` : ''}`,
    );
  if (x.unusable)
    lines.push(
      `${x.unusable.kind === 'disabled' ? 'Disabled' : 'Cooling down'} until ${clockTime(x.unusable.until, now)}: ${esc(x.unusable.reason ?? 'unknown reason')}${x.unusable.model ? ` for model ${esc(x.unusable.model)}` : ''}`,
    );
  if (probe) lines.push(`Last ${esc(probe.badge)}`);
  if (x.lastUsed) lines.push(`Last used: ${new Date(x.lastUsed).toLocaleString()}${x.lastGood ? ' (last good)' : ''}`);
  const arg = (o: unknown) => encodeURIComponent(JSON.stringify([o]));
  if (x.display === 'expired' || x.display === 'expiring' || x.display === 'expired-refreshable') {
    lines.push(
      x.type === 'oauth'
        ? `[Sign in again](command:openclawAuth.signIn?${arg({ provider: x.provider, profileId: x.id })})`
        : `[Paste a new token](command:openclawAuth.replaceCredential?${arg({ agentId: node.agentId, profileId: x.id })})`,
    );
  }
  if (x.display === 'unresolved-ref')
    lines.push(
      `The SecretRef points at nothing that exists. [Replace the credential](command:openclawAuth.replaceCredential?${arg({ agentId: node.agentId, profileId: x.id })}) or set what it refers to.`,
    );
  return lines;
}

/** A snapshot warning row; an unreadable config opens on click. */
function renderWarning(node: WarningNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.orange'));
  item.tooltip = node.message;
  item.contextValue = 'warning';
  // A config that could not be read opens on click (Enter), where it can be fixed.
  if (node.reason === 'invalid_config')
    item.command = { command: 'openclawAuth.revealConfig', title: 'Open openclaw.json' };
  if (node.action) item.command = node.action;
  if (node.icon)
    item.iconPath = new vscode.ThemeIcon(node.icon[0], node.icon[1] ? new vscode.ThemeColor(node.icon[1]) : undefined);
  return item;
}

export class ProfilesTree
  implements vscode.TreeDataProvider<Node>, vscode.TreeDragAndDropController<Node>, vscode.Disposable
{
  readonly dropMimeTypes = [DND_MIME];
  readonly dragMimeTypes = [DND_MIME];
  private readonly emitter = new vscode.EventEmitter<Node | Node[] | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Stable node objects by id (VS Code knows elements by identity). */
  private readonly nodes = new Map<string, Node>();
  /**
   * Each node's rendering and children ids, as last given to VS Code. `children` is undefined
   * until VS Code asks for them: a collapsed row's children are fetched only when it is expanded,
   * so a change in them needs no refresh (it used to look like one on every reload, re-rendering
   * collapsed rows and the rows below them).
   */
  private readonly shown = new Map<string, { children: string[] | undefined; sig: string }>();
  private rootIds: string[] | undefined;

  constructor(private readonly model: TreeModel) {
    model.onDidChange(() => this.refresh(), this, this.disposables);
  }

  /** Fires a change only for what renders differently (or whose children changed) since last shown. */
  refresh(): void {
    const seen = new Set<string>();
    const roots = this.build(undefined, seen);
    if (!this.rootIds || roots.map((n) => n.id).join('\n') !== this.rootIds.join('\n')) {
      this.forget(seen);
      this.emitter.fire();
      return;
    }
    const changed: Node[] = [];
    const walk = (n: Node) => {
      const before = this.shown.get(n.id);
      const kids = this.build(n, seen);
      const childrenChanged =
        before?.children !== undefined && before.children.join('\n') !== kids.map((k) => k.id).join('\n');
      if (before && (before.sig !== signature(this.renderItem(n)) || childrenChanged)) {
        changed.push(n);
        return; // refreshing an element re-reads its subtree
      }
      kids.forEach(walk);
    };
    roots.forEach(walk);
    this.forget(seen);
    if (changed.length) this.emitter.fire(changed);
  }

  private forget(seen: Set<string>): void {
    for (const id of [...this.nodes.keys()])
      if (!seen.has(id)) {
        this.nodes.delete(id);
        this.shown.delete(id);
      }
  }

  /** The node with this id, updated in place when it already exists. */
  private keep<T extends Node>(fresh: T, seen?: Set<string>): T {
    seen?.add(fresh.id);
    const old = this.nodes.get(fresh.id);
    if (old && old.kind === fresh.kind) {
      Object.assign(old, fresh);
      return old as T;
    }
    this.nodes.set(fresh.id, fresh);
    return fresh;
  }

  private build(node: Node | undefined, seen?: Set<string>, local = false): Node[] {
    const remotes = this.model.remotes ?? [];
    if (!node && !local && remotes.length) {
      return [
        this.keep<Node>({ kind: 'gateway', id: `gateway:${LOCAL_GATEWAY_ID}`, gatewayId: LOCAL_GATEWAY_ID }, seen),
        ...remotes.map((r) =>
          this.keep<Node>({ kind: 'gateway', id: `gateway:${r.id}`, gatewayId: r.id, remote: r }, seen),
        ),
      ];
    }
    if (node?.kind === 'gateway' && !node.remote) return this.build(undefined, seen, true);
    if (node && node.kind !== 'agent' && node.kind !== 'provider' && node.kind !== 'profile' && node.kind !== 'warning')
      return this.buildRemote(node, seen);
    // The local agents: the roots without remotes, the children of "This machine" with them.
    if (!node) {
      const agents =
        this.model.oneAgent && this.model.agents.length > 1
          ? this.model.agents.filter((a) => a.agentId === this.model.currentAgent)
          : this.model.agents;
      return agents.map((a) =>
        this.keep<Node>(
          {
            kind: 'agent',
            id: `agent:${a.agentId}`,
            agentId: a.agentId,
            isCurrent: a.agentId === this.model.currentAgent,
            view: a.view,
            snapshot: a.snapshot,
          },
          seen,
        ),
      );
    }
    if (node.kind === 'agent') {
      const out: Node[] = [];
      for (const w of node.snapshot.warnings.slice(0, 5))
        out.push(
          this.keep<Node>(
            {
              kind: 'warning',
              id: `${node.id}/warn:${w.source}:${w.key ?? ''}:${w.reason}`,
              message: w.message,
              reason: w.reason,
              parent: node,
            },
            seen,
          ),
        );
      for (const p of node.view.providers)
        out.push(
          this.keep<Node>(
            {
              kind: 'provider',
              id: `${node.id}/provider:${p.provider}`,
              agentId: node.agentId,
              provider: p,
              parent: node,
              snapshot: node.snapshot,
            },
            seen,
          ),
        );
      return out;
    }
    if (node.kind === 'provider') {
      return node.provider.profiles.map((profile) =>
        this.keep<Node>(
          {
            kind: 'profile',
            id: `${node.id}/profile:${profile.id}`,
            agentId: node.agentId,
            provider: node.provider,
            profile,
            parent: node,
          },
          seen,
        ),
      );
    }
    return [];
  }

  getChildren(node?: Node): Node[] {
    const kids = this.build(node);
    if (!node) this.rootIds = kids.map((k) => k.id);
    else
      this.shown.set(node.id, {
        children: kids.map((k) => k.id),
        sig: this.shown.get(node.id)?.sig ?? signature(this.renderItem(node)),
      });
    return kids;
  }

  /** A remote gateway's children (src/ui/remoteRows.ts), kept by id like the local rows. */
  private buildRemote(node: RemoteNode, seen?: Set<string>): Node[] {
    return remoteChildren(node).map((n) => this.keep<Node>(n, seen));
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'gateway') return undefined;
    if (node.kind === 'agent')
      return this.model.remotes?.length ? this.nodes.get(`gateway:${LOCAL_GATEWAY_ID}`) : undefined;
    return node.parent;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = this.renderItem(node);
    const prev = this.shown.get(node.id);
    this.shown.set(node.id, { children: prev?.children, sig: signature(item) });
    return item;
  }

  private defaultAgent(): string {
    return this.model.agents.find((a) => a.snapshot.isDefaultAgent)?.agentId ?? 'main';
  }

  private renderItem(node: Node): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'agent':
        return renderAgent(node, this.model);
      case 'provider':
        return renderProvider(node, this.model, this.defaultAgent(), now);
      case 'profile':
        return renderProfile(node, this.model, this.defaultAgent(), now);
      case 'warning':
        return renderWarning(node);
      case 'gateway':
        return node.remote
          ? renderRemoteGateway(node as GatewayNode)
          : renderLocalGateway(node.id, this.model.agents.length);
      case 'remoteAgent':
        return renderRemoteAgent(node);
      case 'remoteProvider':
        return renderRemoteProvider(node);
      case 'remoteProfile':
        return renderRemoteProfile(node);
    }
  }

  handleDrag(source: readonly Node[], data: vscode.DataTransfer): void {
    const rp = source.find((n) => n.kind === 'remoteProfile');
    if (rp?.kind === 'remoteProfile') {
      data.set(
        DND_MIME,
        new vscode.DataTransferItem(
          JSON.stringify({
            gatewayId: rp.gatewayId,
            agentId: rp.agentId,
            provider: rp.provider.provider,
            profileId: rp.profile.profileId,
          }),
        ),
      );
      return;
    }
    const p = source.find((n): n is Extract<Node, { kind: 'profile' }> => n.kind === 'profile');
    if (p)
      data.set(
        DND_MIME,
        new vscode.DataTransferItem(
          JSON.stringify({ agentId: p.agentId, provider: p.provider.provider, profileId: p.profile.id }),
        ),
      );
  }

  async handleDrop(target: Node | undefined, data: vscode.DataTransfer): Promise<void> {
    const raw = data.get(DND_MIME);
    if (!raw || !target) return;
    if (target.kind === 'remoteProfile' || target.kind === 'remoteProvider') return this.dropRemote(target, raw);
    if (target.kind !== 'profile' && target.kind !== 'provider') return;
    let payload: { agentId: string; provider: string; profileId: string };
    try {
      const v = JSON.parse(typeof raw.value === 'string' ? raw.value : await raw.asString()) as unknown;
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (typeof o.agentId !== 'string' || typeof o.provider !== 'string' || typeof o.profileId !== 'string') return;
      if (o.gatewayId !== undefined) {
        void vscode.window.showWarningMessage(
          'A profile can only be reordered within its own provider, agent and gateway.',
        );
        return;
      }
      payload = { agentId: o.agentId, provider: o.provider, profileId: o.profileId };
    } catch {
      return;
    }
    const provider = target.provider;
    if (target.agentId !== payload.agentId || provider.provider !== payload.provider) {
      void vscode.window.showWarningMessage('A profile can only be reordered within its own provider and agent.');
      return;
    }
    const ids = dropOrder(provider, payload.profileId, target.kind === 'profile' ? target.profile.id : undefined);
    if (ids) await this.model.setOrder(payload.agentId, provider.provider, ids);
  }

  /** A drop on a remote's provider or profile: the new order goes to that gateway (models.authOrderSet). */
  private async dropRemote(
    target: RemoteProviderNode | RemoteProfileNode,
    raw: vscode.DataTransferItem,
  ): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(typeof raw.value === 'string' ? raw.value : await raw.asString());
    } catch {
      return;
    }
    const r = remoteDrop(target, payload);
    if ('refused' in r) void vscode.window.showWarningMessage(r.refused);
    else if (r.ids)
      await this.model.setRemoteOrder?.(target.gatewayId, target.agentId, target.provider.provider, r.ids);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
