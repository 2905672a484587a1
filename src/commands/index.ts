/**
 * The command table. Every command is a plain function of the owner; arguments come from the
 * tree (a Node), from a command link (`{ agentId, provider, profileId }`) or from nothing (the
 * palette, which then asks).
 */
import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import type { OpenClawAuth } from '../owner';
import type { Node } from '../views/profilesTree';
import { orderableIds, VIEW_ID } from '../views/profilesTree';
import { KNOWN_PROVIDERS } from '../auth/providerEnv';
import { canonicalProviderForNewProfile, defaultProfileId, normalizeProviderId, validateProfileId, validateProviderId } from '../auth/providerId';
import { normalizeSetupToken, parseDuration, validateSetupToken } from '../auth/tokens';
import { suggestApiKeyProfileId } from '../store';
import { checkSecretRef, validateSecretRef, type SecretRef } from '../auth/secretRef';
import { move } from '../auth/order';
import { agentDbPath } from '../store/paths';
import { probeCommands } from './probe';
import { target, type Target } from './target';


async function pickString(o: OpenClawAuth, items: string[], title: string): Promise<string | undefined> {
  return (await o.ui.showQuickPick(items.map((label) => ({ label })), { title }))?.label;
}

async function pickAgent(o: OpenClawAuth, t: Target): Promise<string | undefined> {
  if (t.agentId) return t.agentId;
  if (o.agents.length <= 1) return o.currentAgent;
  const pick = await o.ui.showQuickPick(o.agents.map((a) => ({ label: a.agentId, description: a.agentId === o.currentAgent ? 'current' : undefined })), { title: 'Agent', placeHolder: 'Which agent?' });
  return pick?.label;
}

async function pickProvider(o: OpenClawAuth, t: Target, title: string): Promise<string | undefined> {
  if (t.provider) return canonicalProviderForNewProfile(t.provider);
  const inUse = new Set(o.current()?.view.providers.map((p) => p.provider));
  const items: vscode.QuickPickItem[] = [...new Set([...inUse, ...KNOWN_PROVIDERS])].filter((p) => p !== 'openai-codex').map((p) => ({ label: p, description: inUse.has(p) ? 'configured' : undefined }));
  const typed = await o.ui.pickOrType(items, { title, placeholder: 'Pick a provider or type its id', customDescription: 'custom provider', normalize: normalizeProviderId });
  if (!typed) return undefined;
  const p = canonicalProviderForNewProfile(typed);
  const err = validateProviderId(p);
  if (err) { void o.ui.showErrorMessage(err); return undefined; }
  if (normalizeProviderId(typed) === 'openai-codex') void o.ui.showInformationMessage('OpenAI credentials now use the canonical "openai" provider; the profile is saved under openai.');
  return p;
}

async function askProfileId(o: OpenClawAuth, agentId: string, provider: string, suggested: string): Promise<string | undefined> {
  const exists = (id: string) => Boolean(o.agent(agentId)?.snapshot.store.profiles[id]);
  return o.ui.showInputBox({
    title: 'Profile id',
    value: suggested,
    prompt: `Saved for agent ${agentId}. An existing id is replaced in place.`,
    validateInput: (v) => validateProfileId(v.trim(), provider) ?? (exists(v.trim()) ? { message: `${v.trim()} exists and will be replaced.`, severity: vscode.InputBoxValidationSeverity.Warning } : undefined),
  }).then((v) => v?.trim());
}

async function addApiKey(o: OpenClawAuth, arg: unknown): Promise<void> {
  const t = target(arg);
  const agentId = await pickAgent(o, t); if (!agentId) return;
  const provider = await pickProvider(o, t, 'Add API key: provider'); if (!provider) return;
  const entry = o.agent(agentId);
  const profileId = await askProfileId(o, agentId, provider, t.profileId ?? (entry ? suggestApiKeyProfileId(entry.snapshot, provider) : defaultProfileId(provider))); if (!profileId) return;
  const key = await o.ui.showInputBox({ title: `API key for ${profileId}`, password: true, ignoreFocusOut: true, prompt: 'Stored in OpenClaw\'s auth store; never shown or logged.', validateInput: (v) => (v.trim() ? (/\s/.test(v.trim()) ? 'The key contains whitespace.' : undefined) : 'Enter the key.') });
  if (!key) return;
  await o.apply(agentId, { kind: 'upsertProfile', profileId, credential: { type: 'api_key', provider, key: key.trim() } }, { done: `Saved API key ${profileId}.`, secrets: [key.trim()] });
}

async function pasteToken(o: OpenClawAuth, arg: unknown): Promise<void> {
  const t = target(arg);
  const agentId = await pickAgent(o, t); if (!agentId) return;
  const provider = await pickProvider(o, { ...t, provider: t.provider ?? 'anthropic' }, 'Paste setup token: provider'); if (!provider) return;
  const profileId = await askProfileId(o, agentId, provider, t.profileId ?? defaultProfileId(provider)); if (!profileId) return;
  const token = await o.ui.showInputBox({ title: `Setup token for ${profileId}`, password: true, ignoreFocusOut: true, prompt: provider === 'anthropic' ? 'From `claude setup-token` (starts with sk-ant-oat01-).' : 'The token.', validateInput: (v) => validateSetupToken(provider, v) });
  if (!token) return;
  const exp = await o.ui.showInputBox({ title: 'Expires in (optional)', prompt: 'e.g. 30d, 12h; leave empty for no expiry', validateInput: (v) => { if (!v.trim()) return undefined; try { parseDuration(v); return undefined; } catch (e) { return (e as Error).message; } } });
  if (exp === undefined) return;
  const expires = exp.trim() ? Date.now() + parseDuration(exp) : undefined;
  const clean = normalizeSetupToken(provider, token);
  await o.apply(agentId, { kind: 'upsertProfile', profileId, credential: { type: 'token', provider, token: clean, expires } }, { done: `Saved token ${profileId}${expires ? `, expires ${new Date(expires).toLocaleString()}` : ''}.`, secrets: [clean, token] });
}

async function addSecretRef(o: OpenClawAuth, arg: unknown): Promise<void> {
  const t = target(arg);
  const agentId = await pickAgent(o, t); if (!agentId) return;
  const provider = await pickProvider(o, t, 'Add SecretRef profile: provider'); if (!provider) return;
  const kind = await o.ui.showQuickPick([{ label: 'api_key', description: 'keyRef' }, { label: 'token', description: 'tokenRef' }, { label: 'oauth', description: 'not allowed' }], { title: 'Credential type' });
  if (!kind) return;
  if (kind.label === 'oauth') { void o.ui.showErrorMessage('OAuth profiles cannot use SecretRefs (openclaw refuses keyRef/tokenRef/oauthRef on OAuth credentials). Use Sign In instead.'); return; }
  const source = await o.ui.showQuickPick(['env', 'file', 'exec', 'store'].map((s) => ({ label: s, description: s === 'env' ? 'environment variable' : s === 'file' ? 'secrets.providers file (JSON pointer or "value")' : s === 'exec' ? 'secrets.providers command' : 'OpenClaw secret store' })), { title: 'SecretRef source' });
  if (!source) return;
  const alias = await o.ui.showInputBox({ title: 'Secret provider alias', value: 'default', prompt: 'secrets.providers.<alias> in openclaw.json ("default" for the built-in env provider)' });
  if (!alias) return;
  const id = await o.ui.showInputBox({ title: 'Secret id', prompt: source.label === 'file' ? 'A JSON pointer like /providers/openai/key, or "value"' : source.label === 'exec' ? 'The id the command resolves' : 'UPPER_CASE name', validateInput: (v) => { const r = validateSecretRef({ source: source.label, provider: alias, id: v }); return r.ok ? undefined : r.message; } });
  if (!id) return;
  const ref = { source: source.label, provider: alias, id } as SecretRef;
  const profileId = await askProfileId(o, agentId, provider, `${provider}:${source.label === 'env' ? 'env' : 'ref'}`); if (!profileId) return;
  // Resolve it once now (value never shown) so a ref to a missing file or variable is caught here.
  const snap = o.agent(agentId)?.snapshot;
  const check = await checkSecretRef(ref, { env: snap?.env ?? process.env, secretsConfig: snap?.config.data.secrets, readStoreSecret: (name) => snap?.sharedDb.secretStore.get(name) });
  if (!check.ok) {
    const go = await o.ui.showWarningMessage(`The SecretRef ${source.label}:${alias}:${id} does not resolve: ${check.message}`, { modal: true, detail: 'OpenClaw will report this profile as unresolved_ref until it does.' }, 'Save Anyway');
    if (go !== 'Save Anyway') return;
  }
  const credential = kind.label === 'api_key' ? { type: 'api_key' as const, provider, keyRef: ref } : { type: 'token' as const, provider, tokenRef: ref };
  await o.apply(agentId, { kind: 'upsertProfile', profileId, credential }, { done: `Saved ${profileId} backed by ${source.label}:${alias}:${id}.` });
}

/** The agent and profile a command acts on: from the tree or a link, else asked for. */
async function pickProfile(o: OpenClawAuth, arg: unknown, title: string): Promise<{ agentId: string; profileId: string } | undefined> {
  const t = target(arg);
  const agentId = await pickAgent(o, t); if (!agentId) return undefined;
  const profileId = t.profileId ?? (await pickString(o, Object.keys(o.agent(agentId)?.snapshot.store.profiles ?? {}).sort(), title));
  return profileId ? { agentId, profileId } : undefined;
}

async function replaceCredential(o: OpenClawAuth, arg: unknown): Promise<void> {
  const picked = await pickProfile(o, arg, 'Replace which credential?'); if (!picked) return;
  const { agentId, profileId } = picked;
  const entry = o.agent(agentId);
  const c = entry?.snapshot.store.profiles[profileId];
  if (!c) { void o.ui.showErrorMessage(`No profile ${profileId} for agent ${agentId}.`); return; }
  if (c.type === 'oauth') { await signIn(o, { provider: c.provider, profileId }); return; }
  if (c.type === 'token') { await pasteToken(o, { agentId, provider: c.provider, profileId }); return; }
  const key = await o.ui.showInputBox({ title: `New API key for ${profileId}`, password: true, ignoreFocusOut: true, prompt: 'Replaces the key in place; order, fields and config stay.', validateInput: (v) => (v.trim() ? undefined : 'Enter the key.') });
  if (!key) return;
  await o.apply(agentId, { kind: 'upsertProfile', profileId, credential: { type: 'api_key', provider: c.provider, key: key.trim() } }, { done: `Replaced the key of ${profileId}.`, undoLabel: 'key replacement', secrets: [key.trim()] });
}

async function removeProfile(o: OpenClawAuth, arg: unknown): Promise<void> {
  const picked = await pickProfile(o, arg, 'Remove which profile?'); if (!picked) return;
  const { agentId, profileId } = picked;
  const entry = o.agent(agentId);
  const inherited = entry?.snapshot.location[profileId] === 'inherited';
  const ok = await o.ui.showWarningMessage(`Remove ${profileId}?`, { modal: true, detail: `${inherited ? 'It is saved in the shared store, so every agent that inherits it loses it. ' : ''}It is also removed from every order and from openclaw.json. Nothing is revoked at the provider. You can undo this right after.` }, 'Remove');
  if (ok !== 'Remove') return;
  await o.apply(agentId, { kind: 'removeProfile', profileId }, { done: `Removed ${profileId}.`, undoLabel: `removal of ${profileId}` });
}

async function moveProfile(o: OpenClawAuth, arg: unknown, delta: number): Promise<void> {
  const n = (arg && typeof arg === 'object' && (arg as Node).kind === 'profile' ? arg : o.treeView?.selection[0]) as Node | undefined;
  if (!n || n.kind !== 'profile') { void o.ui.showInformationMessage('Select a profile in the OpenClaw view first.'); return; }
  const ids = orderableIds(n.provider);
  if (!ids.includes(n.profile.id)) ids.push(n.profile.id);
  const from = ids.indexOf(n.profile.id);
  const to = from + delta;
  if (to < 0 || to >= ids.length) return;
  await o.setOrder(n.agentId, n.provider.provider, move(ids, from, to));
}

async function clearOrder(o: OpenClawAuth, arg: unknown): Promise<void> {
  const t = target(arg);
  const agentId = await pickAgent(o, t); if (!agentId) return;
  const stored = Object.keys(o.agent(agentId)?.snapshot.state.order ?? {});
  const provider = t.provider ?? (await pickString(o, stored, 'Clear the stored order of which provider?'));
  if (!provider) return;
  await o.apply(agentId, { kind: 'setOrder', provider, profileIds: null }, { done: `Cleared the stored order for ${provider}; config or default order applies. Running chats keep their profile until /new or /reset.`, undoLabel: 'order clear' });
}

function resolveExecutable(setting: string, name: string): string | undefined {
  if (setting) return fs.existsSync(setting) ? setting : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

function runInTerminal(o: OpenClawAuth, exe: string, args: string[], name: string): void {
  const env: Record<string, string> = {};
  if (o.settings.stateDir) env.OPENCLAW_STATE_DIR = o.settings.stateDir;
  const term = vscode.window.createTerminal({ name, shellPath: exe, shellArgs: args, env });
  term.show();
  o.log.info(`Opened a terminal: ${path.basename(exe)} ${args.join(' ')}`);
}

async function signIn(o: OpenClawAuth, arg: unknown, opts: { force?: boolean; method?: string } = {}): Promise<void> {
  const t = target(arg);
  const exe = resolveExecutable(o.settings.openclawPath, 'openclaw');
  if (!exe) {
    void o.ui.showErrorMessage('The openclaw CLI was not found. Install it with `npm install -g openclaw` (needs Node 24.16 or newer), or set openclawAuth.openclawPath.', 'Open Settings').then((p) => { if (p) void vscode.commands.executeCommand('workbench.action.openSettings', 'openclawAuth.openclawPath'); });
    return;
  }
  const provider = opts.method === 'cli' ? 'anthropic' : await pickProvider(o, t, 'Sign in: provider');
  if (!provider) return;
  if (opts.force) {
    const ok = await o.ui.showWarningMessage(`Sign in to ${provider} with --force?`, { modal: true, detail: `--force first deletes ${provider}'s saved profiles for this agent (for the main agent that includes the shared credentials, order and health). It revokes nothing at the provider.` }, 'Delete and Sign In');
    if (ok !== 'Delete and Sign In') return;
  }
  const agentId = await pickAgent(o, t); if (!agentId) return;
  const args = ['models', 'auth', 'login', '--provider', provider];
  if (opts.method) args.push('--method', opts.method);
  if (t.profileId) args.push('--profile-id', t.profileId);
  if (opts.force) args.push('--force');
  if (agentId !== o.defaultAgent) args.push('--agent', agentId);
  runInTerminal(o, exe, args, `OpenClaw sign-in: ${provider}`);
}

async function claudeSetupToken(o: OpenClawAuth): Promise<void> {
  const exe = resolveExecutable(o.settings.claudePath, 'claude');
  if (!exe) { void o.ui.showErrorMessage('The claude CLI was not found. Install Claude Code (`npm install -g @anthropic-ai/claude-code`) or set openclawAuth.claudePath; then paste the token with "Paste Setup Token".'); return; }
  runInTerminal(o, exe, ['setup-token'], 'claude setup-token');
  void o.ui.showInformationMessage('When claude prints the token, run "OpenClaw: Paste Setup Token".', 'Paste Setup Token').then((p) => { if (p) void vscode.commands.executeCommand('openclawAuth.pasteToken', { provider: 'anthropic' }); });
}

async function pickStateDir(o: OpenClawAuth): Promise<void> {
  const uri = await o.ui.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'OpenClaw state dir (the folder holding openclaw.json and state/)' });
  if (!uri?.[0]) return;
  await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', uri[0].fsPath, vscode.ConfigurationTarget.Global);
}

async function selectAgent(o: OpenClawAuth, arg: unknown): Promise<void> {
  const t = target(arg);
  const id = t.agentId ?? (await o.ui.showQuickPick(o.agents.map((a) => ({ label: a.agentId, description: a.agentId === o.currentAgent ? 'current' : undefined })), { title: 'Agent shown in the status bar' }))?.label;
  if (!id) return;
  o.currentAgent = id;
  await vscode.workspace.getConfiguration('openclawAuth').update('agent', id, vscode.ConfigurationTarget.Global);
}

async function reveal(o: OpenClawAuth, what: 'db' | 'config', arg: unknown): Promise<void> {
  const t = target(arg);
  const entry = o.agent(t.agentId);
  const file = what === 'config' ? o.paths?.configPath : t.profileId && entry?.snapshot.location[t.profileId] === 'local' && !entry.snapshot.isDefaultAgent ? agentDbPath(entry.snapshot.agentDir) : o.paths?.sharedDb;
  if (!file || !fs.existsSync(file)) { void o.ui.showWarningMessage(`${file ?? 'The file'} does not exist yet.`, {}); return; }
  if (what === 'config') await vscode.window.showTextDocument(vscode.Uri.file(file));
  else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file));
}

async function createState(o: OpenClawAuth): Promise<void> {
  // The one write allowed to start a store in a folder that holds no OpenClaw state (never a file or /).
  o.creatingState = true;
  try {
    await addApiKey(o, undefined);
  } finally {
    o.creatingState = false;
  }
  o.reload();
}

export type CommandTable = Record<string, (arg?: unknown) => unknown>;

/** Every command's handler; the extension's entry registers them (see src/extension.ts). */
export function commandTable(o: OpenClawAuth): CommandTable {
  return {
    'openclawAuth.refresh': () => o.reload(),
    'openclawAuth.addApiKey': (a) => addApiKey(o, a),
    'openclawAuth.pasteToken': (a) => pasteToken(o, a),
    'openclawAuth.addSecretRef': (a) => addSecretRef(o, a),
    'openclawAuth.replaceCredential': (a) => replaceCredential(o, a),
    'openclawAuth.removeProfile': (a) => removeProfile(o, a),
    'openclawAuth.moveUp': (a) => moveProfile(o, a, -1),
    'openclawAuth.moveDown': (a) => moveProfile(o, a, +1),
    'openclawAuth.clearOrder': (a) => clearOrder(o, a),
    'openclawAuth.copyProfileId': async (a) => { const t = target(a); if (t.profileId) { await vscode.env.clipboard.writeText(t.profileId); void vscode.window.setStatusBarMessage(`Copied ${t.profileId}`, 2000); } },
    'openclawAuth.revealDatabase': (a) => reveal(o, 'db', a),
    'openclawAuth.revealConfig': (a) => reveal(o, 'config', a),
    'openclawAuth.selectAgent': (a) => selectAgent(o, a),
    'openclawAuth.pickStateDir': () => pickStateDir(o),
    'openclawAuth.createState': () => createState(o),
    'openclawAuth.showLogs': () => o.log.show(),
    'openclawAuth.signIn': (a) => signIn(o, a),
    'openclawAuth.signInForce': (a) => signIn(o, a, { force: true }),
    'openclawAuth.reuseClaudeCli': (a) => signIn(o, a, { method: 'cli' }),
    'openclawAuth.claudeSetupToken': () => claudeSetupToken(o),
    'openclawAuth.showStatus': () => vscode.commands.executeCommand(`${VIEW_ID}.focus`),
    'openclawAuth.previewMigration': () => o.migration?.preview(),
    'openclawAuth.undoMigration': (a) => o.migration?.undo(typeof a === 'string' ? a : undefined),
    ...probeCommands(o),
  };
}
