/**
 * The per-agent planner: the agent's sources in openclaw's order, then the openai-codex renames
 * over the resulting store, then the target plan (what the cells become and whether they change).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Obj } from '../obj';
import type { AgentInput } from './types';
import { canonicalProvider, renameKeys, renameLastGood, renameOrder, renameProfiles } from './codexRename';
import { type AgentRun, type Ctx, readTarget, startRun } from './run';
import { planSource } from './importers';

export function planAgent(a: AgentInput, ctx: Ctx): void {
  const target = readTarget(a, ctx.plan);
  if (!target) return;
  const run = startRun(a, ctx, target.existing, target.existingState);
  // auth.json (flat, older) first: auth-profiles.json wins on the same id, as in openclaw.
  for (const kind of ['legacy-auth', 'auth-profiles', 'auth-state', 'legacy-oauth'] as const) {
    const src = a.sources.find((s) => s.kind === kind);
    if (!src) continue;
    planSource(run, kind, src);
  }
  renameCodexIds(run);
  pushTarget(run);
}

/** Renames openai-codex ids and providers in the target, and turns the plan's matching items into renames. */
function renameCodexIds(run: AgentRun): void {
  const { a, ctx, plan, profiles, state, importedIds } = run;
  // openai-codex -> openai over the whole resulting store (openclaw's second pass).
  const map = new Map<string, string>();
  const before = new Set(Object.keys(profiles));
  renameProfiles(profiles, map);
  if (state.order) renameOrder(state.order, map);
  if (state.usageStats) renameKeys(state.usageStats, map);
  if (state.lastGood) renameLastGood(state.lastGood, map);
  for (const [from, to] of map) {
    ctx.idMap.set(from, to);
    const item = [...run.imported.values()].find((x) => x.fromId === from && x.action === 'add');
    if (item) {
      item.toId = to;
      item.action = 'rename';
      item.provider = 'openai';
      item.reason = 'openai-codex is now openai';
    } else if (before.has(from))
      plan.profiles.push({
        agentId: a.agentId,
        source: a.targetDb,
        sourceKind: 'store',
        fromId: from,
        toId: to,
        provider: 'openai',
        action: 'rename',
        destination: run.dest,
        reason: 'openai-codex is now openai',
      });
    const idx = importedIds.indexOf(from);
    if (idx >= 0) importedIds[idx] = to;
  }
  for (const it of plan.state)
    if (it.agentId === a.agentId) {
      const m = map.get(it.key);
      if (m && it.field === 'usageStats') {
        it.toKey = m;
        it.action = it.action === 'add' ? 'rename' : it.action;
      }
      if (it.field !== 'usageStats' && canonicalProvider(it.key) !== it.key) {
        it.toKey = canonicalProvider(it.key);
        it.action = it.action === 'add' ? 'rename' : it.action;
      }
    }
}

/** The target plan: the store and state the agent ends with, and whether they differ from the cells as read. */
function pushTarget(run: AgentRun): void {
  const { a, plan, existing, existingState, existingProfiles, profiles, state, importing, importedIds } = run;
  // Providers of renamed profiles are fixed even without an id change.
  // Every other key of the stored documents is kept as it was.
  const storeAfter = { ...existing, version: Math.max(1, Number(existing.version) || 1), profiles };
  const stateAfter: Obj = { ...(existingState ?? {}), version: existingState?.version ?? 1 };
  for (const f of ['order', 'lastGood', 'usageStats'] as const)
    if (state[f] && Object.keys(state[f]).length) stateAfter[f] = state[f];
  const hasState = Object.keys(stateAfter).some((k) => k !== 'version');
  // Compared as values: the same entries in another key order (as openclaw or we wrote them) are no change.
  const storeChanged =
    !isDeepStrictEqual(storeAfter.profiles, existingProfiles) ||
    (a.storeText === undefined && Object.keys(profiles).length > 0);
  const stateChanged = hasState && !isDeepStrictEqual(stateAfter, existingState ?? null);
  const changed = storeChanged || stateChanged || importing.length > 0;
  plan.targets.push({
    agentId: a.agentId,
    dbPath: a.targetDb,
    kind: a.targetKind,
    changed,
    store: storeAfter,
    state: hasState ? stateAfter : existingState,
    storeTextBefore: a.storeText,
    stateTextBefore: a.stateText,
    sources: importing,
    importedIds,
  });
}
