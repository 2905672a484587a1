/**
 * The remote gateways' commands: add, remove, set token, reconnect, the status bar's actions, and
 * what the tree's row commands do on a remote's rows (the owner routes a remote row here): add or
 * replace an API key, remove a profile, remove a provider's auth (with the runs it stopped), Move
 * Up/Down. What the protocol cannot do on a remote says why and sends nothing.
 */
import * as vscode from 'vscode';
import { checkGatewayUrl } from '../../gateway/targets';
import { describeConnection, peerFingerprint, type RemoteGateway } from '../../gateway/remote';
import { normalizeProviderId } from '../../auth/providerId';
import { confirmRemoval } from '../../ui/ui';
import { NOT_ON_A_REMOTE, type RemoteNode } from '../../ui/remoteRows';
import { remoteMoveOrder, remoteTried } from '../../ui/reorder';
import type { CommandTable, FeatureContext } from '../context';
import type { RemotesController } from './controller';

/** The gateway a command was run on: a remote row, a gateway id (links, tests), else the selected one. */
function gatewayOf(r: RemotesController, arg: unknown): RemoteGateway | undefined {
  if (typeof arg === 'string') return r.get(arg);
  const n = arg as Partial<RemoteNode> | undefined;
  if (n && typeof n.gatewayId === 'string') return r.get(n.gatewayId);
  return undefined;
}

async function pickGateway(o: FeatureContext, r: RemotesController, arg: unknown, title: string) {
  const g = gatewayOf(r, arg);
  if (g) return g;
  if (!r.gateways.length) {
    void o.ui.showInformationMessage('No remote gateway is listed. Add one with "OpenClaw: Add Remote Gateway".');
    return undefined;
  }
  if (r.gateways.length === 1) return r.gateways[0];
  const pick = await o.ui.showQuickPick(
    r.gateways.map((x) => ({
      label: x.config.name,
      description: x.config.url,
      detail: describeConnection(x.connection),
      id: x.id,
    })),
    { title },
  );
  return pick ? r.get(pick.id) : undefined;
}

/** The checked URL of a settings entry (the remote's id), if it has one. */
function urlOf(x: unknown): string | undefined {
  const raw = x && typeof x === 'object' ? (x as { url?: unknown }).url : undefined;
  const c = typeof raw === 'string' ? checkGatewayUrl(raw) : undefined;
  return c?.ok ? c.url : undefined;
}

async function listUpdate(fn: (list: unknown[]) => unknown[]): Promise<void> {
  const c = vscode.workspace.getConfiguration('openclawAuth');
  const now = (c.inspect<unknown[]>('remoteGateways')?.globalValue ?? []) as unknown[];
  await c.update('remoteGateways', fn(Array.isArray(now) ? now : []), vscode.ConfigurationTarget.Global);
}

async function askToken(o: FeatureContext, name: string, step?: { step: number; totalSteps: number }) {
  return o.ui.showInputBox({
    title: step ? 'Add Remote Gateway' : `Set Token for ${name}`,
    step,
    password: true,
    ignoreFocusOut: true,
    prompt: `The token of ${name} (its gateway.auth.token). Kept in VS Code's secret storage, never in settings or logs. Leave empty if it needs none.`,
    validateInput: (v) => (/\s/.test(v.trim()) ? 'The token contains whitespace.' : undefined),
  });
}

/** Waits until a remote has left "connecting" (or the time is up), for the message after Add or Set Token. */
function settled(g: RemoteGateway, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      off();
      resolve();
    };
    const t = setTimeout(done, ms);
    const off = g.onDidChange(() => {
      if (g.connection.kind !== 'connecting' && g.connection.kind !== 'stopped') done();
    });
    if (g.connection.kind === 'connected') done();
  });
}

async function report(o: FeatureContext, g: RemoteGateway): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Connecting to ${g.config.name}…` },
    () => settled(g, 12_000),
  );
  const c = g.connection;
  if (c.kind === 'connected') void o.ui.showInformationMessage(`${g.config.name}: ${describeConnection(c)}.`);
  else void o.ui.showWarningMessage(`${g.config.name}: ${describeConnection(c)}`, {});
}

async function addRemoteGateway(o: FeatureContext, r: RemotesController): Promise<void> {
  const url = await o.ui.showInputBox({
    title: 'Add Remote Gateway',
    step: { step: 1, totalSteps: 3 },
    ignoreFocusOut: true,
    placeHolder: 'ws://127.0.0.1:28789',
    prompt:
      'The gateway URL: ws:// to a loopback port forwarded with ssh -L, a private-network, .local or .ts.net host; wss:// otherwise.',
    validateInput: (v) => {
      if (!v.trim()) return 'Enter the gateway URL.';
      const c = checkGatewayUrl(v);
      if (!c.ok) return c.message;
      return r.get(c.url) ? `${c.url} is already listed.` : undefined;
    },
  });
  if (!url) return;
  const checked = checkGatewayUrl(url);
  if (!checked.ok) return;
  const name = await o.ui.showInputBox({
    title: 'Add Remote Gateway',
    step: { step: 2, totalSteps: 3 },
    ignoreFocusOut: true,
    value: checked.host,
    prompt: 'A name for the tree and the status bar (e.g. "home server").',
    validateInput: (v) => (v.trim() ? undefined : 'Enter a name.'),
  });
  if (!name) return;
  const token = await askToken(o, name.trim(), { step: 3, totalSteps: 3 });
  if (token === undefined) return;
  if (token.trim()) await r.setToken(checked.url, token.trim());
  await listUpdate((list) => [...list, { name: name.trim(), url: checked.url }]);
  o.log.info(`Added the remote gateway ${name.trim()} (${checked.url}).`);
  // The settings change reaches the controller through onDidChangeConfiguration; make sure it is there.
  r.sync();
  const g = r.get(checked.url);
  if (g) {
    await r.select(g.id);
    await report(o, g);
  }
}

async function removeRemoteGateway(o: FeatureContext, r: RemotesController, arg: unknown): Promise<void> {
  const g = await pickGateway(o, r, arg, 'Remove which remote gateway?');
  if (!g) return;
  if (g.config.source === 'openclaw.json') {
    void o.ui.showInformationMessage(
      `${g.config.url} comes from openclaw.json (gateway.mode "remote", gateway.remote.url); change it there.`,
    );
    return;
  }
  const ok = await confirmRemoval(o.ui, {
    title: `Remove ${g.config.name} from the list?`,
    what: 'the gateway',
    description: g.config.url,
    detail: 'Deletes its token saved here; the gateway is not changed.',
  });
  if (!ok) return;
  await listUpdate((list) => list.filter((x) => urlOf(x) !== g.id));
  await r.forget(g.id);
  r.sync();
  void o.ui.showInformationMessage(`Removed ${g.config.name} from the remote gateways.`);
}

async function setToken(o: FeatureContext, r: RemotesController, arg: unknown): Promise<void> {
  const g = await pickGateway(o, r, arg, 'Set the token of which remote gateway?');
  if (!g) return;
  const token = await askToken(o, g.config.name);
  if (token === undefined) return;
  await r.setToken(g.id, token.trim() || undefined);
  await report(o, g);
}

/**
 * Trusts a wss:// gateway's certificate after the user has compared its fingerprint: the
 * fingerprint is pinned in its settings entry (openclaw's gateway.remote.tlsFingerprint for a
 * remote from openclaw.json goes in a settings entry of the same URL, which takes precedence).
 */
async function trustCertificate(o: FeatureContext, r: RemotesController, arg: unknown): Promise<void> {
  const g = await pickGateway(o, r, arg, 'Trust the certificate of which remote gateway?');
  if (!g) return;
  if (!g.config.url.startsWith('wss:')) {
    void o.ui.showInformationMessage(`${g.config.name} uses ws://: there is no certificate to trust.`);
    return;
  }
  const fp =
    (g.connection.kind === 'untrusted-certificate' ? g.connection.fingerprint : undefined) ??
    (await peerFingerprint(g.config.url));
  if (!fp) {
    void o.ui.showWarningMessage(`${g.config.name} (${g.config.url}) presented no certificate: is it reachable?`, {});
    return;
  }
  const keep = { label: "Don't Trust", description: 'nothing is sent to this gateway (Enter or Escape)' };
  const trust = {
    label: 'Trust This Certificate',
    description: `pin SHA-256 ${fp.slice(0, 23)}…`,
    detail: `SHA-256 ${fp}. Compare it with the gateway host's: openssl x509 -in ~/.openclaw/gateway/tls/gateway-cert.pem -noout -fingerprint -sha256`,
  };
  const pick = await o.ui.showQuickPick([keep, trust], {
    title: `Trust the certificate of ${g.config.name} (${g.config.url})?`,
    placeHolder: 'Enter keeps it untrusted',
  });
  if (pick !== trust) return;
  await listUpdate((list) => {
    const at = list.findIndex((x) => urlOf(x) === g.id);
    const entry = {
      ...(at >= 0 ? (list[at] as object) : { name: g.config.name, url: g.config.url }),
      tlsFingerprint: fp,
    };
    return at >= 0 ? list.map((x, i) => (i === at ? entry : x)) : [...list, entry];
  });
  o.log.info(`Pinned the certificate of ${g.config.name} (${g.config.url}): SHA-256 ${fp}.`);
  r.sync();
  const now = r.get(g.id);
  if (now) await report(o, now);
}

async function actions(o: FeatureContext, r: RemotesController): Promise<void> {
  const g = r.selected;
  if (!g) return;
  const items = [
    { label: '$(refresh) Reconnect Now', id: 'reconnect' },
    { label: '$(key) Set Token…', id: 'token' },
    ...(g.connection.kind === 'untrusted-certificate'
      ? [{ label: '$(shield) Check and Trust Its Certificate…', id: 'trust' }]
      : []),
    ...(r.gateways.length > 1
      ? [{ label: '$(arrow-swap) Show Another Gateway in the Status Bar…', id: 'select' }]
      : []),
    { label: '$(add) Add Remote Gateway…', id: 'add' },
    ...(g.config.source === 'settings' ? [{ label: '$(trash) Remove From the List…', id: 'remove' }] : []),
  ];
  const pick = await o.ui.showQuickPick(items, {
    title: `${g.config.name} (${g.config.url}): ${describeConnection(g.connection)}`,
  });
  if (!pick) return;
  if (pick.id === 'reconnect') g.reconnect();
  else if (pick.id === 'token') await setToken(o, r, g.id);
  else if (pick.id === 'add') await addRemoteGateway(o, r);
  else if (pick.id === 'trust') await trustCertificate(o, r, g.id);
  else if (pick.id === 'remove') await removeRemoteGateway(o, r, g.id);
  else if (pick.id === 'select') {
    const other = await o.ui.showQuickPick(
      r.gateways.map((x) => ({ label: x.config.name, description: x.config.url, id: x.id })),
      { title: 'Show which remote gateway in the status bar?' },
    );
    if (other) await r.select(other.id);
  }
}

/** Runs a write on a remote with progress; its message (or error) is shown; the tree follows from the refresh. */
async function write(o: FeatureContext, g: RemoteGateway, title: string, fn: () => Promise<string>): Promise<boolean> {
  try {
    const msg = await vscode.window.withProgress({ location: { viewId: 'openclawAuth.profiles' }, title }, fn);
    o.log.info(msg);
    void o.ui.showInformationMessage(msg);
    return true;
  } catch (e) {
    const msg = o.log.scrub((e as Error).message);
    o.log.error(`Failed: ${title}`, new Error(msg));
    void o.ui.showErrorMessage(msg);
    return false;
  }
}

async function addApiKey(o: FeatureContext, g: RemoteGateway, n: RemoteNode): Promise<void> {
  const agentId =
    n.kind === 'gateway'
      ? (g.agents.find((a) => a.isDefault)?.agentId ?? 'main')
      : n.kind === 'remoteAgent'
        ? n.agent.agentId
        : n.agentId;
  let provider = n.kind === 'remoteProvider' || n.kind === 'remoteProfile' ? n.provider.provider : undefined;
  const title = `Add API Key on ${g.config.name}`;
  if (!provider) {
    const caps = g.agent(agentId)?.status?.providerCapabilities ?? [];
    provider = await o.ui.pickOrType(
      caps.filter((c) => c.apiKeySupported !== false).map((c) => ({ label: c.provider })),
      {
        title,
        placeholder: 'Provider (the gateway lists the ones it can take an API key for)',
        customDescription: 'a provider id the gateway knows',
        normalize: normalizeProviderId,
        step: { step: 1, totalSteps: 2 },
      },
    );
    if (!provider) return;
  }
  const key = await o.ui.showInputBox({
    title,
    step: {
      step: provider && n.kind !== 'remoteProvider' && n.kind !== 'remoteProfile' ? 2 : 1,
      totalSteps: n.kind === 'remoteProvider' || n.kind === 'remoteProfile' ? 1 : 2,
    },
    password: true,
    ignoreFocusOut: true,
    prompt: `API key for ${provider} on ${g.config.name} (agent ${agentId}); the gateway saves it on the provider's API-key profile (${normalizeProviderId(provider)}:manual when it has none), replacing the key there. Never shown or logged.`,
    validateInput: (v) =>
      v.trim() ? (/\s/.test(v.trim()) ? 'The key contains whitespace.' : undefined) : 'Enter the key.',
  });
  if (!key) return;
  o.log.rememberSecrets([key.trim()]);
  const p = provider;
  await write(o, g, `Saving the ${p} key on ${g.config.name}…`, async () => {
    const r = await g.setApiKey(agentId, p, key.trim());
    return `Saved API key ${r.profileId} on ${g.config.name}.`;
  });
}

async function removeProfile(o: FeatureContext, g: RemoteGateway, n: Extract<RemoteNode, { kind: 'remoteProfile' }>) {
  const id = n.profile.profileId;
  const ok = await confirmRemoval(o.ui, {
    title: `Remove ${id} from ${g.config.name}?`,
    what: 'the profile',
    description: `agent ${n.agentId}`,
    detail: 'Removed on the remote gateway (models.authLogout). Nothing is revoked at the provider.',
  });
  if (!ok) return;
  await write(o, g, `Removing ${id} on ${g.config.name}…`, async () => {
    const removed = await g.removeProfile(n.agentId, n.provider.provider, id);
    return removed.length
      ? `Removed ${removed.join(', ')} on ${g.config.name}.`
      : `${id} was not on ${g.config.name} any more.`;
  });
}

async function removeProviderAuth(o: FeatureContext, g: RemoteGateway, n: RemoteNode): Promise<void> {
  if (n.kind !== 'remoteProvider' && n.kind !== 'remoteProfile') return;
  const provider = n.provider.provider;
  const ok = await confirmRemoval(o.ui, {
    title: `Remove all ${provider} credentials on ${g.config.name}?`,
    what: `every ${provider} profile`,
    description: `${n.provider.profiles.length} profile(s); runs using it are stopped`,
    detail: `${n.provider.profiles.map((x) => x.profileId).join(', ') || 'none saved'}. Nothing is revoked at the provider.`,
  });
  if (!ok) return;
  await write(
    o,
    g,
    `Removing ${provider}'s auth on ${g.config.name}…`,
    async () => (await g.logoutProvider(n.agentId, provider)).message,
  );
}

async function move(o: FeatureContext, g: RemoteGateway, n: RemoteNode, delta: -1 | 1): Promise<void> {
  if (n.kind !== 'remoteProfile') return;
  if (n.provider.profileOrderLocked) {
    void o.ui.showInformationMessage(
      `The order of ${n.provider.provider} on ${g.config.name} comes from its openclaw.json; change it there.`,
    );
    return;
  }
  const ids = remoteMoveOrder(n.provider, n.profile.profileId, delta);
  if (!ids) return;
  await write(o, g, `Saving the ${n.provider.provider} order on ${g.config.name}…`, async () => {
    await g.setOrder(n.agentId, n.provider.provider, ids);
    o.log.info(`${n.provider.provider} on ${g.config.name}: ${ids.join(' → ')}.`);
    const added = ids.filter((id) => !remoteTried(n.provider).includes(id));
    // The gateway takes only an order that lists every profile: one it left out is tried from now on.
    return `Saved the ${n.provider.provider} order on ${g.config.name}${added.length ? `; ${added.join(', ')} now tried too` : ''}.`;
  });
}

/** Probe Provider / Probe Profile on a remote row: models.probe, bounded by our own timeout. */
async function probe(o: FeatureContext, g: RemoteGateway, n: RemoteNode): Promise<void> {
  if (n.kind !== 'remoteProvider' && n.kind !== 'remoteProfile') return;
  const provider = n.provider.provider;
  const profileId = n.kind === 'remoteProfile' ? n.profile.profileId : undefined;
  const timeoutMs = o.settings.probe.timeoutMs;
  // Each profile may take the whole timeout; the gateway does not bound the request itself.
  const targets = profileId ? 1 : Math.max(1, n.provider.profiles.length);
  const boundMs = Math.min(600_000, timeoutMs * targets + 5_000);
  await write(o, g, `Probing ${profileId ?? provider} on ${g.config.name}…`, async () => {
    const r = await g.probe(n.agentId, provider, { profileId, timeoutMs, boundMs });
    const lines = r.results.map(
      (t) =>
        `${t.profileId ?? t.label ?? '?'} ${t.status}${t.latencyMs !== undefined ? ` (${t.latencyMs} ms)` : ''}${t.status !== 'ok' && t.error ? `: ${t.error}` : ''}`,
    );
    return `Probe on ${g.config.name}, ${provider}: ${lines.join('; ') || `${r.status}${r.error ? `: ${r.error}` : ''}`}`;
  });
}

/** The remote side of the row commands (the owner calls these for a remote row). */
export function remoteRowCommands(o: FeatureContext, r: RemotesController): CommandTable {
  const on =
    (fn: (g: RemoteGateway, n: RemoteNode) => unknown) =>
    (arg?: unknown): unknown => {
      const g = gatewayOf(r, arg);
      if (!g) return undefined;
      return fn(g, arg as RemoteNode);
    };
  const table: CommandTable = {
    'openclawAuth.addApiKey': on((g, n) => addApiKey(o, g, n)),
    'openclawAuth.removeProfile': on((g, n) => (n.kind === 'remoteProfile' ? removeProfile(o, g, n) : undefined)),
    'openclawAuth.removeProviderAuth': on((g, n) => removeProviderAuth(o, g, n)),
    'openclawAuth.moveUp': on((g, n) => move(o, g, n, -1)),
    'openclawAuth.moveDown': on((g, n) => move(o, g, n, 1)),
    'openclawAuth.copyProfileId': on(async (_g, n) => {
      if (n.kind !== 'remoteProfile') return;
      await vscode.env.clipboard.writeText(n.profile.profileId);
      void o.ui.showInformationMessage(`Copied ${n.profile.profileId}.`);
    }),
    'openclawAuth.refresh': on((g) => g.refresh()),
    'openclawAuth.probeProvider': on((g, n) => probe(o, g, n)),
    'openclawAuth.probeProfile': on((g, n) => probe(o, g, n)),
    'openclawAuth.clearOrder': on((g, n) =>
      n.kind === 'remoteProvider' || n.kind === 'remoteProfile'
        ? write(o, g, `Clearing the ${n.provider.provider} order on ${g.config.name}…`, async () => {
            await g.setOrder(n.agentId, n.provider.provider, null);
            return `${n.provider.provider} on ${g.config.name}: stored order cleared; the gateway's default order applies.`;
          })
        : undefined,
    ),
  };
  for (const [id, why] of Object.entries(NOT_ON_A_REMOTE))
    table[id] = on(
      (g) => void o.ui.showInformationMessage(`Not available on the remote gateway ${g.config.name}: ${why}.`),
    );
  return table;
}

export function remoteCommands(o: FeatureContext, r: RemotesController): CommandTable {
  return {
    'openclawAuth.addRemoteGateway': () => addRemoteGateway(o, r),
    'openclawAuth.removeRemoteGateway': (a) => removeRemoteGateway(o, r, a),
    'openclawAuth.setRemoteGatewayToken': (a) => setToken(o, r, a),
    'openclawAuth.reconnectRemoteGateway': async (a) => {
      const g = await pickGateway(o, r, a, 'Reconnect which remote gateway?');
      if (!g) return;
      g.reconnect();
      await report(o, g);
    },
    'openclawAuth.remoteGatewayActions': () => actions(o, r),
    'openclawAuth.trustRemoteGatewayCertificate': (a) => trustCertificate(o, r, a),
  };
}
