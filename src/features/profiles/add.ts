/** Adding and replacing credentials: API key, setup token, SecretRef, replace; every add offers Undo. */
import { defaultProfileId } from '../../auth/providerId';
import { normalizeSetupToken, parseDuration, validateSetupToken } from '../../auth/tokens';
import { suggestApiKeyProfileId } from '../../store';
import { checkSecretRef, validateSecretRef, type SecretRef } from '../../auth/secretRef';
import { isGoBack } from '../../ui/ui';
import { target } from '../../ui/target';
import type { ProfilesContext } from './context';
import { agentStep, givenProvider, pickProfile, profileIdStep, providerStep, runSteps, type StepFn } from './steps';
import { signIn } from './signIn';

type AddState = { agentId?: string; provider?: string; profileId?: string; key?: string };

export async function addApiKey(
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

export async function pasteToken(o: ProfilesContext, arg: unknown): Promise<void> {
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

/** The credential type of a SecretRef profile (OAuth cannot use one). */
function refKindStep(o: ProfilesContext, title: string): StepFn<RefState> {
  return async (x, step) => {
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
  };
}

/** Where the secret lives: env, file, exec or the secret store. */
function refSourceStep(o: ProfilesContext, title: string): StepFn<RefState> {
  return async (x, step) => {
    const source = await o.ui.showQuickPick(
      Object.entries(SOURCE_HELP).map(([label, description]) => ({ label, description })),
      { title, step, placeHolder: 'Where the secret lives (SecretRef source)' },
    );
    if (!source) return false;
    x.source = source.label;
    return true;
  };
}

/** The secrets.providers alias the ref names. */
function refAliasStep(o: ProfilesContext, title: string): StepFn<RefState> {
  return async (x, step) => {
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
  };
}

/** The secret's id, checked as openclaw checks it for the chosen source. */
function refIdStep(o: ProfilesContext, title: string): StepFn<RefState> {
  return async (x, step) => {
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
  };
}

export async function addSecretRef(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const title = 'Add SecretRef Profile';
  const s: RefState = { agentId: t.agentId, provider: givenProvider(t) };
  const ok = await runSteps(s, [
    agentStep(o, t, title),
    providerStep(o, t, title),
    refKindStep(o, title),
    refSourceStep(o, title),
    refAliasStep(o, title),
    refIdStep(o, title),
    profileIdStep<RefState>(o, title, (x) => `${x.provider}:${x.source === 'env' ? 'env' : 'ref'}`),
  ]);
  if (!ok || !s.provider || !s.kind || !s.source || !s.alias || !s.id || !s.profileId) return;
  const agentId = s.agentId ?? o.currentAgent;
  const { provider, profileId } = s;
  await saveSecretRef(o, agentId, {
    provider,
    profileId,
    kind: s.kind,
    ref: { source: s.source, provider: s.alias, id: s.id } as SecretRef,
  });
}

/** Checks that the ref resolves (the value is never shown), asks before saving one that does not, then saves with Undo. */
async function saveSecretRef(
  o: ProfilesContext,
  agentId: string,
  r: { provider: string; profileId: string; kind: 'api_key' | 'token'; ref: SecretRef },
): Promise<void> {
  const { provider, profileId, ref } = r;
  // Resolve it once now (value never shown) so a ref to a missing file or variable is caught here.
  const snap = o.agent(agentId)?.snapshot;
  const check = await checkSecretRef(ref, {
    env: snap?.env ?? process.env,
    secretsConfig: snap?.config.data.secrets,
    readStoreSecret: (name) => snap?.sharedDb.secretStore.get(name),
  });
  if (!check.ok) {
    const go = await o.ui.showWarningMessage(
      `The SecretRef ${ref.source}:${ref.provider}:${ref.id} does not resolve: ${check.message}`,
      { modal: true, detail: 'OpenClaw will report this profile as unresolved_ref until it does.' },
      'Save Anyway',
    );
    if (go !== 'Save Anyway') return;
  }
  const replacing = Boolean(snap?.store.profiles[profileId]);
  const credential =
    r.kind === 'api_key'
      ? { type: 'api_key' as const, provider, keyRef: ref }
      : { type: 'token' as const, provider, tokenRef: ref };
  await o.apply(
    agentId,
    { kind: 'upsertProfile', profileId, credential },
    {
      done: `Saved ${profileId} backed by ${ref.source}:${ref.provider}:${ref.id}.`,
      undoLabel: replacing ? `replacement of ${profileId}` : `adding ${profileId}`,
    },
  );
}

/** The agent and profile a command acts on: from the tree or a link, else asked for (within the row's provider, if any). */
export async function replaceCredential(o: ProfilesContext, arg: unknown): Promise<void> {
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
