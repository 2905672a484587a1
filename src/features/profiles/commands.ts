/**
 * The profile commands: add, replace, remove, order, sign in, state dir and agent. Each is a
 * plain function of the feature context; arguments come from the tree (a Node: a context menu,
 * an inline button), from a command link (`{ agentId, provider, profileId }`) or from nothing.
 * With nothing, a row command acts on the view's selected row (src/ui/target.ts,
 * `withRowArguments`, applied by the owner to every feature's table); the others ask (the palette).
 *
 * Adding a credential is a multi-step input: one title ("Add API Key"), a step counter and a Back
 * button (`runSteps`); every add offers Undo.
 */
import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandTable, FeatureContext } from '../context';
import type { Node } from '../../ui/profilesTree';
import { orderableIds, VIEW_ID } from '../../ui/profilesTree';
import { KNOWN_PROVIDERS } from '../../auth/providerEnv';
import {
  canonicalProviderForNewProfile,
  defaultProfileId,
  normalizeProviderId,
  quoteId,
  validateProfileId,
  validateProviderId,
} from '../../auth/providerId';
import { normalizeSetupToken, parseDuration, validateSetupToken } from '../../auth/tokens';
import { suggestApiKeyProfileId } from '../../store';
import { checkSecretRef, validateSecretRef, type SecretRef } from '../../auth/secretRef';
import { move } from '../../auth/order';
import { agentDbPath, displayPath } from '../../store/paths';
import { confirmRemoval, isGoBack, type Step } from '../../ui/ui';
import { copyPath, openFolderInNewWindow, revealPath } from '../../ui/reveal';
import { target, type Target } from '../../ui/target';
import { CommandError, findExecutable, resolveCommand, spawnArgs, type ResolvedCommand } from '../../gateway/process';

/** What the profile commands need besides the shared context. */
export interface ProfilesContext extends FeatureContext {
  /**
   * Runs `create` as the one write allowed to start a store in a folder that holds no OpenClaw
   * state ("Create OpenClaw State"); every other write there is refused.
   */
  allowStateCreation<T>(create: () => Promise<T>): Promise<T>;
  /** The agent the status bar shows (until the setting written next to it is read back). */
  setCurrentAgent(agentId: string): void;
}

/** A step of a multi-step input: reads and fills `s`; false cancels the flow. `step` is undefined in a one-step flow. */
type StepFn<S> = (s: S, step: Step | undefined) => Promise<boolean>;

/**
 * Runs the steps of one flow in order. Back (a GoBack rejection of the step's input) shows the
 * previous step again, Escape cancels the whole flow. Steps the caller already knows the answer
 * to (an agent or provider given by the row) are not in `steps`, so the counter matches what is shown
 * (and a flow left with one step shows none).
 */
async function runSteps<S>(s: S, steps: Array<StepFn<S> | false | undefined>): Promise<boolean> {
  const shown = steps.filter((x): x is StepFn<S> => Boolean(x));
  let i = 0;
  while (i < shown.length) {
    try {
      if (!(await shown[i]!(s, shown.length > 1 ? { step: i + 1, totalSteps: shown.length } : undefined))) return false;
      i++;
    } catch (e) {
      if (!isGoBack(e)) throw e;
      i = Math.max(0, i - 1);
    }
  }
  return true;
}

function agentItems(o: ProfilesContext): vscode.QuickPickItem[] {
  return o.agents.map((a) => ({
    label: a.agentId,
    description: a.agentId === o.currentAgent ? 'shown in the status bar' : undefined,
  }));
}

/** The agent step, when the flow has no agent yet and there is more than one. */
function agentStep<S extends { agentId?: string }>(
  o: ProfilesContext,
  t: Target,
  title: string,
): StepFn<S> | undefined {
  if (t.agentId || o.agents.length <= 1) return undefined;
  return async (s, step) => {
    const pick = await o.ui.showQuickPick(agentItems(o), { title, placeHolder: 'Which agent?', step });
    if (!pick) return false;
    s.agentId = pick.label;
    return true;
  };
}

async function pickAgent(o: ProfilesContext, t: Target, title: string): Promise<string | undefined> {
  if (t.agentId) return t.agentId;
  if (o.agents.length <= 1) return o.currentAgent;
  return (await o.ui.showQuickPick(agentItems(o), { title, placeHolder: 'Which agent?' }))?.label;
}

/**
 * The provider step: known providers first (the agent's configured ones, then the ones OpenClaw
 * ships), the typed text last as a custom provider, which must be confirmed (a typo would
 * otherwise become a provider of its own). "Back to the provider list" shows the list again
 * with the text still typed.
 */
function providerStep<S extends { agentId?: string; provider?: string }>(
  o: ProfilesContext,
  t: Target,
  title: string,
  placeholder = 'Pick a provider, or type to filter',
): StepFn<S> | undefined {
  if (t.provider) return undefined;
  return async (s, step) => {
    const inUse = new Set((o.agent(s.agentId)?.view ?? o.current()?.view)?.providers.map((p) => p.provider));
    const known = new Set([...inUse, ...KNOWN_PROVIDERS].filter((p) => p !== 'openai-codex'));
    const items: vscode.QuickPickItem[] = [...known].map((p) => ({
      label: p,
      description: inUse.has(p) ? 'configured' : undefined,
    }));
    let value: string | undefined;
    for (;;) {
      const typed = await o.ui.pickOrType(items, {
        title,
        placeholder,
        customDescription: 'not a known provider (asks first)',
        normalize: normalizeProviderId,
        step,
        value,
      });
      if (!typed) return false;
      const p = canonicalProviderForNewProfile(typed);
      const err = validateProviderId(p);
      if (err) {
        void o.ui.showErrorMessage(err);
        value = typed;
        continue;
      }
      if (normalizeProviderId(typed) === 'openai-codex')
        void o.ui.showInformationMessage(
          'OpenAI credentials now use the canonical "openai" provider; the profile is saved under openai.',
        );
      if (known.has(p)) {
        s.provider = p;
        return true;
      }
      const back: vscode.QuickPickItem = {
        label: 'Back to the provider list',
        description: 'pick a known provider',
        iconPath: new vscode.ThemeIcon('arrow-left'),
      };
      const use: vscode.QuickPickItem = {
        label: `Use custom provider ${quoteId(p)}`,
        description: 'a provider id OpenClaw does not ship',
        detail: 'Only models of a provider with exactly this id use it; check the spelling.',
      };
      const pick = await o.ui.showQuickPick([back, use], {
        title,
        placeHolder: `${quoteId(p)} is not a provider OpenClaw knows. Use it anyway?`,
        step,
      });
      if (!pick) return false;
      if (pick === use) {
        s.provider = p;
        return true;
      }
      value = typed;
    }
  };
}

/** Provider of a flow that was not asked (given by the row or link), as a new profile must use it. */
function givenProvider(t: Target): string | undefined {
  return t.provider ? canonicalProviderForNewProfile(t.provider) : undefined;
}

function profileIdStep<S extends { agentId?: string; provider?: string; profileId?: string }>(
  o: ProfilesContext,
  title: string,
  suggest: (s: S) => string,
): StepFn<S> {
  return async (s, step) => {
    const agentId = s.agentId ?? o.currentAgent;
    const provider = s.provider ?? '';
    const exists = (id: string) => Boolean(o.agent(agentId)?.snapshot.store.profiles[id]);
    const v = await o.ui.showInputBox({
      title,
      step,
      // The ID given before (Back, or the row) unless the provider changed since.
      value: s.profileId && !validateProfileId(s.profileId, provider) ? s.profileId : suggest(s),
      prompt: `Profile ID for agent ${agentId}: ${provider}:<name>. An existing ID is replaced in place.`,
      validateInput: (x) =>
        validateProfileId(x.trim(), provider) ??
        (exists(x.trim())
          ? { message: `${x.trim()} exists and will be replaced.`, severity: vscode.InputBoxValidationSeverity.Warning }
          : undefined),
    });
    if (v === undefined) return false;
    s.profileId = v.trim();
    return true;
  };
}

type AddState = { agentId?: string; provider?: string; profileId?: string; key?: string };

async function addApiKey(
  o: ProfilesContext,
  arg: unknown,
  opts: { title?: string; done?: (id: string) => string } = {},
): Promise<void> {
  const t = target(arg);
  const title = opts.title ?? 'Add API Key';
  const s: AddState = { agentId: t.agentId, provider: givenProvider(t), profileId: t.profileId };
  const ok = await runSteps(s, [
    agentStep(o, t, title),
    providerStep(o, t, title),
    profileIdStep<AddState>(o, title, (x) => {
      const entry = o.agent(x.agentId);
      return entry ? suggestApiKeyProfileId(entry.snapshot, x.provider ?? '') : defaultProfileId(x.provider ?? '');
    }),
    async (x, step) => {
      const key = await o.ui.showInputBox({
        title,
        step,
        password: true,
        ignoreFocusOut: true,
        prompt: `API key for ${x.profileId}. Stored in OpenClaw's auth store; never shown or logged.`,
        validateInput: (v) =>
          v.trim() ? (/\s/.test(v.trim()) ? 'The key contains whitespace.' : undefined) : 'Enter the key.',
      });
      if (!key) return false;
      x.key = key.trim();
      return true;
    },
  ]);
  if (!ok || !s.provider || !s.profileId || !s.key) return;
  const agentId = s.agentId ?? o.currentAgent;
  const replacing = Boolean(o.agent(agentId)?.snapshot.store.profiles[s.profileId]);
  await o.apply(
    agentId,
    {
      kind: 'upsertProfile',
      profileId: s.profileId,
      credential: { type: 'api_key', provider: s.provider, key: s.key },
    },
    {
      done: opts.done?.(s.profileId) ?? `Saved API key ${s.profileId}.`,
      undoLabel: replacing ? `key replacement of ${s.profileId}` : `adding ${s.profileId}`,
      secrets: [s.key],
    },
  );
}

type TokenState = { agentId?: string; provider?: string; profileId?: string; token?: string; expires?: number };

async function pasteToken(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const title = 'Paste Setup Token';
  // Setup tokens are Anthropic's unless the row or link names another provider.
  const s: TokenState = { agentId: t.agentId, provider: givenProvider(t) ?? 'anthropic', profileId: t.profileId };
  const ok = await runSteps(s, [
    agentStep(o, t, title),
    profileIdStep<TokenState>(o, title, (x) => defaultProfileId(x.provider ?? 'anthropic')),
    async (x, step) => {
      const token = await o.ui.showInputBox({
        title,
        step,
        password: true,
        ignoreFocusOut: true,
        prompt:
          x.provider === 'anthropic'
            ? `Setup token for ${x.profileId}, from \`claude setup-token\` (starts with sk-ant-oat01-).`
            : `Token for ${x.profileId}.`,
        validateInput: (v) => validateSetupToken(x.provider ?? '', v),
      });
      if (!token) return false;
      x.token = token;
      return true;
    },
    async (x, step) => {
      const exp = await o.ui.showInputBox({
        title,
        step,
        prompt: 'Expires in (optional): e.g. 30d, 12h; leave empty for no expiry.',
        validateInput: (v) => {
          if (!v.trim()) return undefined;
          try {
            parseDuration(v);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (exp === undefined) return false;
      x.expires = exp.trim() ? Date.now() + parseDuration(exp) : undefined;
      return true;
    },
  ]);
  if (!ok || !s.provider || !s.profileId || !s.token) return;
  const agentId = s.agentId ?? o.currentAgent;
  const clean = normalizeSetupToken(s.provider, s.token);
  const replacing = Boolean(o.agent(agentId)?.snapshot.store.profiles[s.profileId]);
  await o.apply(
    agentId,
    {
      kind: 'upsertProfile',
      profileId: s.profileId,
      credential: { type: 'token', provider: s.provider, token: clean, expires: s.expires },
    },
    {
      done: `Saved token ${s.profileId}${s.expires ? `, expires ${new Date(s.expires).toLocaleString()}` : ''}.`,
      undoLabel: replacing ? `token replacement of ${s.profileId}` : `adding ${s.profileId}`,
      secrets: [clean, s.token],
    },
  );
}

type RefState = {
  agentId?: string;
  provider?: string;
  kind?: 'api_key' | 'token';
  source?: string;
  alias?: string;
  id?: string;
  profileId?: string;
};

const SOURCE_HELP: Record<string, string> = {
  env: 'environment variable',
  file: 'secrets.providers file (JSON pointer or "value")',
  exec: 'secrets.providers command',
  store: 'OpenClaw secret store',
};

async function addSecretRef(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const title = 'Add SecretRef Profile';
  const s: RefState = { agentId: t.agentId, provider: givenProvider(t) };
  const ok = await runSteps(s, [
    agentStep(o, t, title),
    providerStep(o, t, title),
    async (x, step) => {
      const kind = await o.ui.showQuickPick(
        [
          { label: 'api_key', description: 'keyRef' },
          { label: 'token', description: 'tokenRef' },
          { label: 'oauth', description: 'not allowed' },
        ],
        { title, step, placeHolder: 'Credential type' },
      );
      if (!kind) return false;
      if (kind.label === 'oauth') {
        void o.ui.showErrorMessage(
          'OAuth profiles cannot use SecretRefs (openclaw refuses keyRef/tokenRef/oauthRef on OAuth credentials). Use Sign In instead.',
        );
        return false;
      }
      x.kind = kind.label as 'api_key' | 'token';
      return true;
    },
    async (x, step) => {
      const source = await o.ui.showQuickPick(
        Object.entries(SOURCE_HELP).map(([label, description]) => ({ label, description })),
        { title, step, placeHolder: 'Where the secret lives (SecretRef source)' },
      );
      if (!source) return false;
      x.source = source.label;
      return true;
    },
    async (x, step) => {
      const alias = await o.ui.showInputBox({
        title,
        step,
        value: x.alias ?? 'default',
        prompt:
          'Secret provider alias: secrets.providers.<alias> in openclaw.json ("default" for the built-in env provider).',
      });
      if (!alias) return false;
      x.alias = alias;
      return true;
    },
    async (x, step) => {
      const id = await o.ui.showInputBox({
        title,
        step,
        value: x.id,
        prompt:
          x.source === 'file'
            ? 'Secret ID: a JSON pointer like /providers/openai/key, or "value".'
            : x.source === 'exec'
              ? 'Secret ID: the ID the command resolves.'
              : 'Secret ID: an UPPER_CASE name.',
        validateInput: (v) => {
          const r = validateSecretRef({ source: x.source, provider: x.alias, id: v });
          return r.ok ? undefined : r.message;
        },
      });
      if (!id) return false;
      x.id = id;
      return true;
    },
    profileIdStep<RefState>(o, title, (x) => `${x.provider}:${x.source === 'env' ? 'env' : 'ref'}`),
  ]);
  if (!ok || !s.provider || !s.kind || !s.source || !s.alias || !s.id || !s.profileId) return;
  const agentId = s.agentId ?? o.currentAgent;
  const { provider, profileId } = s;
  const ref = { source: s.source, provider: s.alias, id: s.id } as SecretRef;
  // Resolve it once now (value never shown) so a ref to a missing file or variable is caught here.
  const snap = o.agent(agentId)?.snapshot;
  const check = await checkSecretRef(ref, {
    env: snap?.env ?? process.env,
    secretsConfig: snap?.config.data.secrets,
    readStoreSecret: (name) => snap?.sharedDb.secretStore.get(name),
  });
  if (!check.ok) {
    const go = await o.ui.showWarningMessage(
      `The SecretRef ${s.source}:${s.alias}:${s.id} does not resolve: ${check.message}`,
      { modal: true, detail: 'OpenClaw will report this profile as unresolved_ref until it does.' },
      'Save Anyway',
    );
    if (go !== 'Save Anyway') return;
  }
  const replacing = Boolean(snap?.store.profiles[profileId]);
  const credential =
    s.kind === 'api_key'
      ? { type: 'api_key' as const, provider, keyRef: ref }
      : { type: 'token' as const, provider, tokenRef: ref };
  await o.apply(
    agentId,
    { kind: 'upsertProfile', profileId, credential },
    {
      done: `Saved ${profileId} backed by ${s.source}:${s.alias}:${s.id}.`,
      undoLabel: replacing ? `replacement of ${profileId}` : `adding ${profileId}`,
    },
  );
}

/** The agent and profile a command acts on: from the tree or a link, else asked for (within the row's provider, if any). */
async function pickProfile(
  o: ProfilesContext,
  arg: unknown,
  title: string,
  placeHolder: string,
  step?: Step,
): Promise<{ agentId: string; profileId: string } | undefined> {
  const t = target(arg);
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return undefined;
  if (t.profileId) return { agentId, profileId: t.profileId };
  const ids = Object.entries(o.agent(agentId)?.snapshot.store.profiles ?? {})
    .filter(([, c]) => !t.provider || normalizeProviderId(c.provider) === normalizeProviderId(t.provider))
    .map(([id]) => id)
    .sort();
  if (!ids.length) {
    void o.ui.showInformationMessage(`Agent ${agentId} has no saved ${t.provider ? `${t.provider} ` : ''}profiles.`);
    return undefined;
  }
  const profileId = (
    await o.ui.showQuickPick(
      ids.map((label) => ({ label })),
      { title, placeHolder, step },
    )
  )?.label;
  return profileId ? { agentId, profileId } : undefined;
}

async function replaceCredential(o: ProfilesContext, arg: unknown): Promise<void> {
  const title = 'Replace Credential';
  const asked = !target(arg).profileId;
  const picked = await pickProfile(
    o,
    arg,
    title,
    'Which profile gets a new credential?',
    asked ? { step: 1, totalSteps: 2 } : undefined,
  );
  if (!picked) return;
  const { agentId, profileId } = picked;
  const entry = o.agent(agentId);
  const c = entry?.snapshot.store.profiles[profileId];
  if (!c) {
    void o.ui.showErrorMessage(`No profile ${profileId} for agent ${agentId}.`);
    return;
  }
  if (c.type === 'oauth') {
    await signIn(o, { provider: c.provider, profileId });
    return;
  }
  if (c.type === 'token') {
    await pasteToken(o, { agentId, provider: c.provider, profileId });
    return;
  }
  let key: string | undefined;
  try {
    key = await o.ui.showInputBox({
      title,
      step: asked ? { step: 2, totalSteps: 2 } : undefined,
      password: true,
      ignoreFocusOut: true,
      prompt: `New API key for ${profileId}. Replaces the key in place; order, fields and config stay.`,
      validateInput: (v) => (v.trim() ? undefined : 'Enter the key.'),
    });
  } catch (e) {
    if (isGoBack(e)) return replaceCredential(o, arg);
    throw e;
  }
  if (!key) return;
  await o.apply(
    agentId,
    { kind: 'upsertProfile', profileId, credential: { type: 'api_key', provider: c.provider, key: key.trim() } },
    { done: `Replaced the key of ${profileId}.`, undoLabel: 'key replacement', secrets: [key.trim()] },
  );
}

async function removeProfile(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  // Delete on an agent row: nothing to remove there (a provider row narrows the picker to its profiles).
  if (arg && (arg as Node).kind === 'agent') {
    void o.ui.showInformationMessage(
      'Remove Profile works on a profile row: move to one (arrow keys) and press Delete again.',
    );
    return;
  }
  const picked = await pickProfile(o, t, 'Remove Profile', 'Which profile?');
  if (!picked) return;
  const { agentId, profileId } = picked;
  const entry = o.agent(agentId);
  const inherited = entry?.snapshot.location[profileId] === 'inherited';
  const ok = await confirmRemoval(o.ui, {
    title: `Remove ${profileId} (agent ${agentId})?`,
    what: profileId,
    description: `${profileId} from the store, every order and openclaw.json`,
    detail: inherited
      ? 'In the shared store: every agent that inherits it loses it. Undo is offered.'
      : 'Nothing is revoked at the provider. Undo is offered.',
  });
  if (!ok) return;
  await o.apply(
    agentId,
    { kind: 'removeProfile', profileId },
    { done: `Removed ${profileId}.`, undoLabel: `removal of ${profileId}` },
  );
}

async function moveProfile(o: ProfilesContext, arg: unknown, delta: number): Promise<void> {
  const n = arg as Node | undefined;
  const keys = delta < 0 ? 'Alt+Up' : 'Alt+Down';
  if (!n || n.kind !== 'profile') {
    void o.ui.showInformationMessage(
      `Move ${delta < 0 ? 'Up' : 'Down'} works on a profile row of the OpenClaw view: move to one (arrow keys) and press ${keys}.`,
    );
    return;
  }
  const ids = orderableIds(n.provider);
  if (!ids.includes(n.profile.id)) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is not in ${n.provider.provider}'s order, so it has no place to move from. Drag it onto a profile of the order to add it there.`,
    );
    return;
  }
  if (ids.length < 2) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is ${n.provider.provider}'s only profile in the order; there is nothing to move it past.`,
    );
    return;
  }
  const from = ids.indexOf(n.profile.id);
  const to = from + delta;
  if (to < 0 || to >= ids.length) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is already ${delta < 0 ? 'first' : 'last'} in ${n.provider.provider}'s order.`,
    );
    return;
  }
  await saveOrder(o, n.agentId, n.provider.provider, move(ids, from, to));
}

async function clearOrder(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const title = 'Clear Stored Order';
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return;
  const stored = Object.keys(o.agent(agentId)?.snapshot.state.order ?? {});
  if (!t.provider && !stored.length) {
    void o.ui.showInformationMessage(`Agent ${agentId} has no stored order; config or default order applies already.`);
    return;
  }
  const provider =
    t.provider ??
    (
      await o.ui.showQuickPick(
        stored.map((label) => ({ label })),
        { title, placeHolder: 'Clear the stored order of which provider?' },
      )
    )?.label;
  if (!provider) return;
  const configOrder = o.agent(agentId)?.snapshot.meta.order?.[provider];
  const then = configOrder
    ? `the order in openclaw.json applies (${configOrder.join(' → ') || 'empty: provider disabled'})`
    : "openclaw's default order applies";
  await o.apply(
    agentId,
    { kind: 'setOrder', provider, profileIds: null },
    {
      done: `Cleared the stored order for ${provider}; ${then}. Running chats keep their profile until /new or /reset.`,
      undoLabel: 'order clear',
    },
  );
}

function runInTerminal(o: ProfilesContext, exe: string, args: string[], name: string, shown = exe): void {
  const env: Record<string, string> = {};
  if (o.settings.stateDir) env.OPENCLAW_STATE_DIR = o.settings.stateDir;
  const term = vscode.window.createTerminal({ name, shellPath: exe, shellArgs: args, env });
  term.show();
  o.log.info(`Opened a terminal: ${path.basename(shown)} ${args.join(' ')}`);
}

/**
 * The openclaw command as the gateway runs it (src/gateway/process.ts resolveCommand: the
 * setting or PATH, and a Node that openclaw accepts), or undefined after saying what is missing.
 */
function openclawCommand(o: ProfilesContext): ResolvedCommand | undefined {
  try {
    return resolveCommand({
      setting: o.settings.openclawPath,
      nodePath: o.settings.gateway.nodePath,
      env: process.env,
    });
  } catch (e) {
    const notFound = !(e instanceof CommandError) || e.kind === 'not-found';
    const setting = notFound ? 'openclawAuth.openclawPath' : 'openclawAuth.gateway.nodePath';
    void o.ui
      .showErrorMessage(
        notFound
          ? `The openclaw CLI was not found. Install it with \`npm install -g openclaw\` (needs Node 24.16 or newer), or set openclawAuth.openclawPath. (${(e as Error).message})`
          : (e as Error).message,
        'Open Settings',
      )
      .then((p) => {
        if (p) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
      });
    return undefined;
  }
}

async function signIn(
  o: ProfilesContext,
  arg: unknown,
  opts: { force?: boolean; method?: string } = {},
): Promise<void> {
  const t = target(arg);
  const cmd = openclawCommand(o);
  if (!cmd) return;
  const title = opts.force ? 'Sign In Again' : opts.method === 'cli' ? 'Reuse Claude CLI Sign-In' : 'Sign In (OAuth)';
  const s: { agentId?: string; provider?: string } = {
    agentId: t.agentId,
    provider: opts.method === 'cli' ? 'anthropic' : givenProvider(t),
  };
  if (!(await runSteps(s, [opts.method !== 'cli' && providerStep(o, t, title)]))) return;
  const provider = s.provider;
  if (!provider) return;
  if (opts.force) {
    const ok = await confirmRemoval(o.ui, {
      title: `Sign in to ${provider} again, deleting its saved profiles first?`,
      what: `${provider}'s saved profiles`,
      action: 'Delete and Sign In',
      description: `${provider}'s saved profiles for this agent, then sign in`,
      detail: 'For main: also the shared ones, their order and health. Nothing is revoked at the provider.',
    });
    if (!ok) return;
  }
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return;
  const args = ['models', 'auth', 'login', '--provider', provider];
  if (opts.method) args.push('--method', opts.method);
  if (t.profileId) args.push('--profile-id', t.profileId);
  if (opts.force) args.push('--force');
  if (agentId !== o.defaultAgent) args.push('--agent', agentId);
  const run = spawnArgs(cmd, args, process.env);
  runInTerminal(o, run.file, run.args, `OpenClaw sign-in: ${provider}`, cmd.openclaw);
}

async function claudeSetupToken(o: ProfilesContext): Promise<void> {
  const exe = findExecutable('claude', { setting: o.settings.claudePath, env: process.env });
  if (!exe) {
    void o.ui.showErrorMessage(
      'The claude CLI was not found. Install Claude Code (`npm install -g @anthropic-ai/claude-code`) or set openclawAuth.claudePath; then paste the token with "Paste Setup Token".',
    );
    return;
  }
  runInTerminal(o, exe, ['setup-token'], 'claude setup-token');
  void o.ui
    .showInformationMessage('When claude prints the token, run "OpenClaw: Paste Setup Token".', 'Paste Setup Token')
    .then((p) => {
      if (p) void vscode.commands.executeCommand('openclawAuth.pasteToken', { provider: 'anthropic' });
    });
}

async function pickStateDir(o: ProfilesContext): Promise<void> {
  const uri = await o.ui.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    title: 'OpenClaw state dir (the folder holding openclaw.json and state/)',
  });
  if (!uri?.[0]) return;
  await vscode.workspace
    .getConfiguration('openclawAuth')
    .update('stateDir', uri[0].fsPath, vscode.ConfigurationTarget.Global);
}

async function selectAgent(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const id =
    t.agentId ??
    (
      await o.ui.showQuickPick(agentItems(o), {
        title: 'Show Agent in Status Bar',
        placeHolder: "Which agent's credential health does the status bar show?",
      })
    )?.label;
  if (!id) return;
  o.setCurrentAgent(id);
  await vscode.workspace.getConfiguration('openclawAuth').update('agent', id, vscode.ConfigurationTarget.Global);
}

function shown(o: ProfilesContext, file: string): string {
  return o.paths ? displayPath(file, o.paths.home) : file;
}

/** The DB a profile row's credential lives in: the agent's own DB for a local profile of another agent, else the shared store. */
function databaseOf(o: ProfilesContext, arg: unknown): string | undefined {
  const t = target(arg);
  const entry = o.agent(t.agentId);
  const file =
    t.profileId && entry?.snapshot.location[t.profileId] === 'local' && !entry.snapshot.isDefaultAgent
      ? agentDbPath(entry.snapshot.agentDir)
      : o.paths?.sharedDb;
  if (!file || !fs.existsSync(file)) {
    void o.ui.showWarningMessage(`${file ? shown(o, file) : 'The database'} does not exist yet.`, {});
    return undefined;
  }
  return file;
}

async function openConfig(o: ProfilesContext): Promise<void> {
  const file = o.paths?.configPath;
  if (!file || !fs.existsSync(file)) {
    void o.ui.showWarningMessage(`${file ? shown(o, file) : 'openclaw.json'} does not exist yet.`, {});
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

async function createState(o: ProfilesContext): Promise<void> {
  // The one write allowed to start a store in a folder that holds no OpenClaw state (never a file or /).
  const where = o.paths ? shown(o, o.paths.stateDir) : 'the state dir';
  await o.allowStateCreation(() =>
    addApiKey(o, undefined, {
      title: `Create OpenClaw State in ${where}`,
      done: (id) => `Created OpenClaw state in ${where} and saved API key ${id}.`,
    }),
  );
  o.reload();
}

/** The profile commands' handlers by id (the owner merges them with the other features'). */
export function profileCommands(o: ProfilesContext): CommandTable {
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
    'openclawAuth.copyProfileId': async (a) => {
      const t = target(a);
      if (t.profileId) {
        await vscode.env.clipboard.writeText(t.profileId);
        vscode.window.setStatusBarMessage(`Copied ${t.profileId}`, 2000);
      }
    },
    'openclawAuth.revealDatabase': async (a) => {
      const f = databaseOf(o, a);
      if (f) await revealPath(o.ui, f, shown(o, f));
    },
    'openclawAuth.copyDatabasePath': async (a) => {
      const f = databaseOf(o, a);
      if (f) await copyPath(f);
    },
    'openclawAuth.openDatabaseFolder': async (a) => {
      const f = databaseOf(o, a);
      if (f) await openFolderInNewWindow(path.dirname(f));
    },
    'openclawAuth.revealConfig': () => openConfig(o),
    'openclawAuth.selectAgent': (a) => selectAgent(o, a),
    'openclawAuth.pickStateDir': () => pickStateDir(o),
    'openclawAuth.createState': () => createState(o),
    'openclawAuth.showLogs': () => o.log.show(),
    'openclawAuth.signIn': (a) => signIn(o, a),
    'openclawAuth.signInForce': (a) => signIn(o, a, { force: true }),
    'openclawAuth.reuseClaudeCli': (a) => signIn(o, a, { method: 'cli' }),
    'openclawAuth.claudeSetupToken': () => claudeSetupToken(o),
    'openclawAuth.showStatus': () => vscode.commands.executeCommand(`${VIEW_ID}.focus`),
  };
}

/** Saves a provider's order (the tree's drag and drop, Move Up/Down) with Undo. */
export async function saveOrder(o: FeatureContext, agentId: string, provider: string, ids: string[]): Promise<void> {
  const r = await o.apply(
    agentId,
    { kind: 'setOrder', provider, profileIds: ids },
    {
      done: `Order for ${provider}: ${ids.join(' → ')}. Running chats keep their profile until /new or /reset.`,
      undoLabel: 'order change',
    },
  );
  // The walkthrough's "Choose the order" step completes on an order that was saved.
  if (r) void vscode.commands.executeCommand('setContext', 'openclawAuth.orderChanged', true);
}
