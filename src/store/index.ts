/**
 * The store's public face: read one agent's snapshot and derive its view in one call.
 */
import { buildAgentView, listRows, type AgentView } from '../auth/view';
import { configAgents, providerEndpoint } from './config';
import { resolveOrder } from '../auth/order';
import { canonicalProviderForNewProfile } from '../auth/providerId';
import { displayPath } from './paths';
import { readSnapshot, type AgentSnapshot, type SnapshotOptions } from './snapshot';

export * from './snapshot';
export * from './mutations';
export { resolvePaths, displayPath, DEFAULT_AGENT_ID } from './paths';
export { StoreBusyError, StoreConflictError, StoreCorruptError } from './dbWriter';

/**
 * The profile id openclaw's paste-api-key picks when none is given: `<p>:manual` when the
 * provider has a `models.providers` entry; else the first inline-key api_key profile in the
 * effective order (it is replaced); else `<p>:manual`.
 */
export function suggestApiKeyProfileId(s: AgentSnapshot, provider: string): string {
  const p = canonicalProviderForNewProfile(provider);
  if (providerEndpoint(s.config.data, p)) return `${p}:manual`;
  const order = resolveOrder({ store: s.store, state: s.state, cfg: s.meta, provider: p, now: Date.now() });
  const first = order.profileIds.find((id) => {
    const c = s.store.profiles[id];
    return c?.type === 'api_key' && !c.keyRef;
  });
  return first ?? `${p}:manual`;
}

/**
 * The model openclaw 2026.9.6 uses when openclaw.json names none (its `models status` prints
 * "Default : openai/gpt-6-astra" on an empty state, and `--check` exits 1 for missing openai auth).
 */
export const OPENCLAW_BUILTIN_DEFAULT_MODEL = 'openai/gpt-6-astra';

/** Models the agent uses: its own model or the default (openclaw's built-in one when none is configured), then fallbacks; aliases resolved. */
export function modelsInUse(s: AgentSnapshot): string[] {
  const a = configAgents(s.config.data);
  const own = a.entries.find((e) => e.id === s.agentId)?.model;
  const refs = [own ?? a.defaultModel ?? OPENCLAW_BUILTIN_DEFAULT_MODEL, ...a.fallbacks].filter((x): x is string =>
    Boolean(x),
  );
  return refs.map((r) => a.aliases[r] ?? r);
}

export function deriveView(s: AgentSnapshot, now: number): AgentView {
  return buildAgentView({
    agentId: s.agentId,
    store: s.store,
    location: s.location,
    state: s.state,
    meta: s.meta,
    env: s.env,
    modelsInUse: modelsInUse(s),
    now,
    hasStoreSecret: (name) => s.sharedDb.secretStore.has(name),
  });
}

export function loadView(opts: SnapshotOptions, now = Date.now()): { snapshot: AgentSnapshot; view: AgentView } {
  const snapshot = readSnapshot(opts);
  return { snapshot, view: deriveView(snapshot, now) };
}

/** The same document as `openclaw models auth list --json`. */
export function listDocument(s: AgentSnapshot, provider?: string): Record<string, unknown> {
  return {
    agentId: s.agentId,
    agentDir: displayPath(s.agentDir, s.paths.home, s.env),
    authStatePath: displayPath(s.authStatePath, s.paths.home, s.env),
    provider: provider ?? null,
    profiles: listRows(s.store, s.state, provider),
  };
}

/** The same document as `openclaw models auth order get --json`. */
export function orderDocument(s: AgentSnapshot, provider: string): Record<string, unknown> {
  const p = provider.trim().toLowerCase();
  const order = Object.entries(s.state.order ?? {}).find(([k]) => k.toLowerCase() === p)?.[1] ?? null;
  return {
    agentId: s.agentId,
    agentDir: s.agentDir,
    provider: p,
    authStatePath: displayPath(s.authStatePath, s.paths.home, s.env),
    order,
  };
}
