/**
 * The tree's gateway roots and a remote gateway's rows. With remote gateways listed, the view has
 * one root per gateway: "This machine" (the local state dir's agents, as without remotes) and each
 * remote, whose agents, providers and profiles come from its models.authStatus (its files are never
 * read). A remote that is not connected shows its state as its only child, with what to do.
 */
import * as vscode from 'vscode';
import type { AuthStatusProfile, AuthStatusProvider } from '../gateway/protocol';
import { CONNECTION_WORDS, describeConnection, type RemoteAgent, type RemoteGateway } from '../gateway/remote';
import { remoteDropOrder, remoteOrder, remoteTried } from './reorder';

export type GatewayNode = { kind: 'gateway'; id: string; gatewayId: string; remote?: RemoteGateway };
export type RemoteAgentNode = {
  kind: 'remoteAgent';
  id: string;
  gatewayId: string;
  remote: RemoteGateway;
  agent: RemoteAgent;
  parent: GatewayNode;
};
export type RemoteProviderNode = {
  kind: 'remoteProvider';
  id: string;
  gatewayId: string;
  remote: RemoteGateway;
  agentId: string;
  provider: AuthStatusProvider;
  parent: RemoteAgentNode;
};
export type RemoteProfileNode = {
  kind: 'remoteProfile';
  id: string;
  gatewayId: string;
  remote: RemoteGateway;
  agentId: string;
  provider: AuthStatusProvider;
  profile: AuthStatusProfile;
  parent: RemoteProviderNode;
};
export type RemoteNode = GatewayNode | RemoteAgentNode | RemoteProviderNode | RemoteProfileNode;

export const LOCAL_GATEWAY_ID = 'local';

/** What the protocol cannot do on a remote gateway, and why (shown in its tooltip; the commands say the same). */
export const NOT_ON_A_REMOTE: Readonly<Record<string, string>> = {
  'openclawAuth.pasteToken':
    'the gateway protocol has no setup-token method; run `openclaw models auth paste-token` on its host',
  'openclawAuth.addSecretRef':
    "SecretRefs name env vars and files on the gateway's host, which the protocol does not expose",
  'openclawAuth.replaceCredential':
    "replace a key with Add API Key on its provider (the gateway saves it on the provider's API-key profile)",
  'openclawAuth.signIn':
    'OAuth sign-in runs a browser flow on the gateway host; run `openclaw models auth login` there',
  'openclawAuth.signInForce':
    'OAuth sign-in runs a browser flow on the gateway host; run `openclaw models auth login` there',
  'openclawAuth.clearOrder':
    'use Move Up/Down or drag and drop; clearing goes through `openclaw-auth order clear --gateway`',
  'openclawAuth.previewMigration': "legacy auth files are on the gateway's host; run `openclaw-auth doctor` there",
  'openclawAuth.addRotationKey': "rotation keys live in the gateway host's .env, which the protocol does not expose",
  'openclawAuth.showRotationChain': "rotation keys live in the gateway host's .env, which the protocol does not expose",
  'openclawAuth.resetCooldown': 'the protocol has no cooldown reset',
  'openclawAuth.copyPinCommand': 'pin from a chat on that gateway: /model <model>@<profile id>',
  'openclawAuth.revealDatabase': "the remote's files are on its host",
  'openclawAuth.copyDatabasePath': "the remote's files are on its host",
  'openclawAuth.openDatabaseFolder': "the remote's files are on its host",
};

export function isRemoteNode(arg: unknown): arg is RemoteNode {
  const k = (arg as { kind?: unknown } | undefined)?.kind;
  return (
    (k === 'gateway' && (arg as GatewayNode).gatewayId !== LOCAL_GATEWAY_ID) ||
    k === 'remoteAgent' ||
    k === 'remoteProvider' ||
    k === 'remoteProfile'
  );
}

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

const STATUS_ICON: Record<string, [string, string | undefined]> = {
  ok: ['pass', 'charts.green'],
  static: ['key', undefined],
  expiring: ['watch', 'charts.orange'],
  expired: ['error', 'charts.red'],
  missing: ['circle-slash', 'charts.red'],
};

const TYPE_WORDS: Record<string, string> = { api_key: 'API key', token: 'token', oauth: 'OAuth' };

export function renderLocalGateway(id: string, agents: number): vscode.TreeItem {
  const item = new vscode.TreeItem('This machine', vscode.TreeItemCollapsibleState.Expanded);
  item.id = id;
  item.description = `local state dir · ${agents} agent${agents === 1 ? '' : 's'}`;
  item.iconPath = new vscode.ThemeIcon('vm');
  item.contextValue = 'gateway local';
  item.tooltip = 'The OpenClaw state dir on this machine (openclawAuth.stateDir) and its gateway.';
  return item;
}

export function renderRemoteGateway(node: GatewayNode): vscode.TreeItem {
  const r = node.remote!;
  const c = r.connection;
  const item = new vscode.TreeItem(r.config.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  const profiles = r.agents.reduce(
    (n, a) => n + (a.status?.providers.reduce((m, p) => m + p.profiles.length, 0) ?? 0),
    0,
  );
  item.description =
    c.kind === 'connected'
      ? `${r.config.url} · connected · ${profiles} profile${profiles === 1 ? '' : 's'}`
      : `${r.config.url} · ${CONNECTION_WORDS[c.kind]}`;
  const [icon, color] =
    c.kind === 'connected'
      ? ['cloud', undefined]
      : c.kind === 'connecting'
        ? ['loading~spin', undefined]
        : ['debug-disconnect', c.kind === 'unreachable' ? 'charts.orange' : 'charts.red'];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `gateway remote state-${c.kind}${r.config.source === 'settings' ? ' listed' : ''}`;
  const notHere = [
    'Setup tokens, SecretRef profiles, OAuth sign-in, rotation keys, cooldown resets, the database commands and migration are not available on a remote gateway: the protocol has no method for them, and its files are on its host.',
  ];
  const m = new vscode.MarkdownString(
    [
      `**${esc(r.config.name)}** — remote gateway ${esc(r.config.url)}${r.config.source === 'openclaw.json' ? ' (gateway.remote.url in openclaw.json)' : ''}`,
      `Connection: ${esc(describeConnection(c))}`,
      r.refreshedAt ? `Read at ${new Date(r.refreshedAt).toLocaleTimeString()}` : '',
      ...notHere,
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  item.tooltip = m;
  return item;
}

/** The only child of a remote that is not connected: its state, and what to do about it. */
export function remoteStateRow(
  r: RemoteGateway,
): { message: string; action?: vscode.Command; icon: [string, string?] } | undefined {
  const c = r.connection;
  if (c.kind === 'connected') return undefined;
  if (c.kind === 'token-rejected')
    return {
      message: 'Token rejected: set this gateway’s token',
      icon: ['key', 'charts.red'],
      action: { command: 'openclawAuth.setRemoteGatewayToken', title: 'Set Remote Gateway Token', arguments: [r.id] },
    };
  if (c.kind === 'protocol-mismatch')
    return { message: `Protocol mismatch: ${c.message}`, icon: ['error', 'charts.red'] };
  if (c.kind === 'untrusted-certificate')
    return {
      message: `Certificate not trusted${c.fingerprint ? ` (SHA-256 ${c.fingerprint.slice(0, 23)}…)` : ''}: check and trust it`,
      icon: ['shield', 'charts.red'],
      action: {
        command: 'openclawAuth.trustRemoteGatewayCertificate',
        title: 'Trust Remote Gateway Certificate',
        arguments: [r.id],
      },
    };
  if (c.kind === 'unreachable')
    return {
      message: `Unreachable, retrying: ${c.message}`,
      icon: ['warning', 'charts.orange'],
      action: { command: 'openclawAuth.reconnectRemoteGateway', title: 'Reconnect Now', arguments: [r.id] },
    };
  return c.kind === 'connecting'
    ? { message: 'Connecting…', icon: ['loading~spin'] }
    : { message: 'Not connected', icon: ['debug-disconnect'] };
}

export function renderRemoteAgent(node: RemoteAgentNode): vscode.TreeItem {
  const a = node.agent;
  const item = new vscode.TreeItem(`Agent ${a.agentId}`, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  const providers = a.status?.providers ?? [];
  const bad = providers.filter((p) => p.status === 'expired' || p.status === 'missing').length;
  item.description = a.error
    ? `cannot read: ${a.error}`
    : a.status?.unavailable
      ? `auth status unavailable: ${a.status.unavailable.message ?? a.status.unavailable.code ?? ''}`
      : `${providers.length} providers${bad ? ` · ${bad} need attention` : ''}${a.isDefault ? ' · default' : ''}`;
  item.iconPath = new vscode.ThemeIcon(
    a.error || bad ? 'warning' : 'account',
    a.error || bad ? new vscode.ThemeColor('charts.orange') : undefined,
  );
  item.contextValue = 'remoteAgent';
  item.tooltip = `Agent ${a.agentId} on ${node.remote.config.name} (${node.remote.config.url}), from models.authStatus.`;
  return item;
}

export function renderRemoteProvider(node: RemoteProviderNode): vscode.TreeItem {
  const p = node.provider;
  const item = new vscode.TreeItem(p.provider, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  const lock = p.profileOrderLocked;
  const tried = remoteTried(p).length;
  item.description = `${p.status === 'static' ? 'ok' : String(p.status)} · ${tried} of ${p.profiles.length} tried${p.profileOrderStored ? ' · order stored' : lock ? ' · order from openclaw.json' : ''}`;
  const bad = p.status === 'expired' || p.status === 'missing';
  item.iconPath = new vscode.ThemeIcon(
    bad ? 'warning' : 'server',
    bad ? new vscode.ThemeColor('charts.orange') : undefined,
  );
  item.contextValue = `remoteProvider${p.profileOrderStored ? ' storedOrder' : ''}`;
  item.tooltip = new vscode.MarkdownString(
    [
      `**${esc(p.displayName ?? p.provider)}** on ${esc(node.remote.config.name)} — ${esc(String(p.status))}`,
      `Order: ${remoteTried(p).map(esc).join(' → ') || '(none)'}${lock ? ` (locked by ${esc(String(lock === true ? 'openclaw.json' : lock))})` : ''}`,
      p.apiKey
        ? `API key from ${esc(String(p.apiKey.source))}${p.apiKey.envVar ? ` (${esc(p.apiKey.envVar)})` : ''}`
        : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  return item;
}

export function renderRemoteProfile(node: RemoteProfileNode): vscode.TreeItem {
  const x = node.profile;
  const item = new vscode.TreeItem(x.profileId, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const type = TYPE_WORDS[String(x.type)] ?? String(x.type);
  const probe = node.remote.probeOf(node.agentId, x.profileId);
  const tried = remoteTried(node.provider);
  const at = tried.indexOf(x.profileId);
  const status = at < 0 ? 'left out of the order' : x.status === 'static' ? 'ok' : String(x.status);
  // As the local rows: the status first, then how long is left, then the type.
  item.description = `${status}${x.expiry?.label && at >= 0 ? `, ${x.expiry.label} left` : ''}${x.reasonCode ? ` (${x.reasonCode})` : ''} · ${type}${probe ? ` · probe ${probe.status}${probe.latencyMs !== undefined ? ` ${probe.latencyMs} ms` : ''}` : ''}`;
  const [icon, color] =
    at < 0
      ? ['eye-closed', 'descriptionForeground']
      : probe && probe.status !== 'ok'
        ? probe.status === 'auth' || probe.status === 'billing'
          ? ['error', 'charts.red']
          : ['warning', 'charts.orange']
        : (STATUS_ICON[String(x.status)] ?? ['question', undefined]);
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  const flags = ['remoteProfile', 'removable'];
  // Moves list every profile (the gateway wants them all), so a left-out one moves too.
  const all = remoteOrder(node.provider);
  const pos = all.indexOf(x.profileId);
  if (!node.provider.profileOrderLocked && all.length > 1) {
    flags.push('movable');
    if (pos === 0) flags.push('first');
    if (pos === all.length - 1) flags.push('last');
  }
  item.contextValue = flags.join(' ');
  item.tooltip = new vscode.MarkdownString(
    [
      `**${esc(x.profileId)}** — ${esc(type)} · ${esc(String(x.status))} on ${esc(node.remote.config.name)}`,
      `${at >= 0 ? `Tried ${at + 1} of ${tried.length}` : "Not tried: the gateway's order leaves it out (a new order through the gateway lists every profile, so moving any profile includes it)"}${x.source ? ` · ${esc(String(x.source))}` : ''}`,
      x.expiry?.at ? `Expires: ${new Date(x.expiry.at).toLocaleString()}` : '',
      x.email ? `Account: ${esc(x.email)}` : '',
      probe
        ? `Last live probe (models.probe on the gateway): ${esc(String(probe.status))}${probe.latencyMs !== undefined ? `, ${probe.latencyMs} ms` : ''}${probe.error ? ` — ${esc(probe.error)}` : ''}, ${new Date(probe.at).toLocaleTimeString()}`
        : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  return item;
}

/** The row a remote that is not connected shows instead of its agents. */
export type RemoteStateNode = {
  kind: 'warning';
  id: string;
  message: string;
  reason: 'remote';
  parent: GatewayNode;
  action?: vscode.Command;
  icon?: [string, string?];
};

/** A remote row's children, as fresh node objects (the tree keeps them by id). */
export function remoteChildren(node: RemoteNode): Array<RemoteNode | RemoteStateNode> {
  if (node.kind === 'gateway') {
    const r = node.remote!;
    const state = remoteStateRow(r);
    if (state)
      return [
        {
          kind: 'warning',
          id: `${node.id}/state`,
          message: state.message,
          reason: 'remote',
          parent: node,
          action: state.action,
        },
      ];
    return r.agents.map((agent) => ({
      kind: 'remoteAgent',
      id: `${node.id}/agent:${agent.agentId}`,
      gatewayId: r.id,
      remote: r,
      agent,
      parent: node,
    }));
  }
  if (node.kind === 'remoteAgent')
    return (node.agent.status?.providers ?? []).map((provider) => ({
      kind: 'remoteProvider',
      id: `${node.id}/provider:${provider.provider}`,
      gatewayId: node.gatewayId,
      remote: node.remote,
      agentId: node.agent.agentId,
      provider,
      parent: node,
    }));
  if (node.kind === 'remoteProvider') {
    const byId = new Map(node.provider.profiles.map((x) => [x.profileId, x]));
    return remoteOrder(node.provider).map((id) => ({
      kind: 'remoteProfile',
      id: `${node.id}/profile:${id}`,
      gatewayId: node.gatewayId,
      remote: node.remote,
      agentId: node.agentId,
      provider: node.provider,
      profile: byId.get(id)!,
      parent: node,
    }));
  }
  return [];
}

/** What a drop of `payload` (handleDrag's JSON) onto a remote row does: the new order, or why not. */
export function remoteDrop(
  target: RemoteProviderNode | RemoteProfileNode,
  payload: unknown,
): { ids: string[] | undefined } | { refused: string } {
  const o = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  if (o.gatewayId !== target.gatewayId || o.agentId !== target.agentId || o.provider !== target.provider.provider)
    return { refused: 'A profile can only be reordered within its own provider, agent and gateway.' };
  if (target.provider.profileOrderLocked)
    return {
      refused: `The order of ${target.provider.provider} on this gateway comes from its openclaw.json and cannot be changed here.`,
    };
  return {
    ids: remoteDropOrder(
      target.provider,
      String(o.profileId),
      target.kind === 'remoteProfile' ? target.profile.profileId : undefined,
    ),
  };
}
