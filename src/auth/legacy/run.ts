/**
 * One agent's run: the target as read (readTarget), the working copies (startRun), and how an
 * imported profile or state entry is recorded against it (addProfile, skipProfile, addState);
 * an entry the target already has is kept.
 */
import { readJson } from '../schemas';
import { isObj, type Obj } from '../obj';
import type { AgentInput, MigrationPlan, ProfileItem, SourceFileInput } from './types';
import { REASON_TEXT, secretPreview } from './credential';
import { normalizeState } from './state';

export interface Ctx {
  plan: MigrationPlan;
  config: Obj;
  configChanged: boolean;
  idMap: Map<string, string>;
}

type StateParts = { order?: Obj; lastGood?: Obj; usageStats?: Obj };

/** One agent's planning: its target as read, what the target becomes, and what has been imported so far. */
export interface AgentRun {
  a: AgentInput;
  ctx: Ctx;
  plan: MigrationPlan;
  /** The target as the plan names it. */
  dest: string;
  existing: Obj;
  existingState: Obj | undefined;
  existingProfiles: Obj;
  existingIds: Set<string>;
  exState: StateParts;
  profiles: Obj;
  state: StateParts;
  importing: SourceFileInput[];
  importedIds: string[];
  imported: Map<string, ProfileItem>;
}

/** The target's store and state cells, or undefined (every source left in place) when they cannot be merged into. */
export function readTarget(
  a: AgentInput,
  plan: MigrationPlan,
): { existing: Obj; existingState: Obj | undefined } | undefined {
  if (a.targetError) {
    for (const s of a.sources)
      plan.sources.push({
        agentId: a.agentId,
        kind: s.kind,
        path: s.path,
        size: s.size,
        sha256: s.sha256,
        status: 'left-in-place',
        reason: `the target store cannot be read (${a.targetError})`,
      });
    return undefined;
  }
  let existing: Obj = { version: 1, profiles: {} };
  let existingState: Obj | undefined;
  // A target cell that does not parse (or nests too deep) is never merged into: repair it first.
  let problem: string | undefined;
  if (a.storeText !== undefined) {
    const r = readJson(a.storeText);
    if (!r.ok) problem = `the target store ${r.detail}`;
    else if (!isObj(r.value) || !isObj(r.value.profiles)) problem = 'the target store has no profiles object';
    else existing = r.value;
  }
  if (!problem && a.stateText !== undefined) {
    const r = readJson(a.stateText);
    if (!r.ok) problem = `the target auth state ${r.detail}`;
    else if (!isObj(r.value)) problem = 'the target auth state is not an object';
    else existingState = r.value;
  }
  if (problem) {
    for (const s of a.sources)
      plan.sources.push({
        agentId: a.agentId,
        kind: s.kind,
        path: s.path,
        size: s.size,
        sha256: s.sha256,
        status: 'left-in-place',
        reason: `${problem}; repair it first`,
      });
    return undefined;
  }
  return { existing, existingState };
}

/** The agent's run, starting from copies of the target's profiles and state. */
export function startRun(a: AgentInput, ctx: Ctx, existing: Obj, existingState: Obj | undefined): AgentRun {
  const existingProfiles = existing.profiles as Obj;
  return {
    a,
    ctx,
    plan: ctx.plan,
    dest: `${a.targetKind === 'shared' ? 'shared store' : `agent ${a.agentId} store`} (${a.targetDb})`,
    existing,
    existingState,
    existingProfiles,
    existingIds: new Set(Object.keys(existingProfiles)),
    exState: normalizeState(existingState),
    profiles: { ...existingProfiles },
    state: {
      ...(existingState
        ? {
            order: isObj(existingState.order) ? { ...existingState.order } : undefined,
            lastGood: isObj(existingState.lastGood) ? { ...existingState.lastGood } : undefined,
            usageStats: isObj(existingState.usageStats) ? { ...existingState.usageStats } : undefined,
          }
        : {}),
    },
    importing: [],
    importedIds: [],
    imported: new Map(),
  };
}

/** Adds an imported credential, unless the target already has its id; a later source replaces an earlier one. */
export function addProfile(run: AgentRun, id: string, c: Obj, src: SourceFileInput): void {
  const item: ProfileItem = {
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    toId: id,
    provider: c.provider as string,
    type: c.type as string,
    action: 'add',
    secret: secretPreview(c),
    destination: run.dest,
  };
  if (run.existingIds.has(id)) {
    item.action = 'keep-existing';
    item.toId = undefined;
    item.reason = 'the store already has this id; the stored credential is kept';
    run.plan.profiles.push(item);
    return;
  }
  const prev = run.imported.get(id);
  if (prev) {
    prev.action = 'skip';
    prev.reason = `replaced by the same id from ${src.path}`;
    prev.toId = undefined;
  }
  run.profiles[id] = c;
  run.imported.set(id, item);
  if (!run.importedIds.includes(id)) run.importedIds.push(id);
  run.plan.profiles.push(item);
}

/** Records an entry that is not imported, with its reason in words. */
export function skipProfile(
  run: AgentRun,
  src: SourceFileInput,
  id: string,
  reason: string,
  extra: Partial<ProfileItem> = {},
): void {
  run.plan.profiles.push({
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    action: 'skip',
    reason: REASON_TEXT[reason] ?? reason,
    ...extra,
  });
}

/** Merges a source's order / lastGood / usageStats entries; an entry the target already has is kept. */
export function addState(run: AgentRun, raw: unknown, src: SourceFileInput): void {
  const incoming = normalizeState(raw);
  for (const field of ['order', 'lastGood', 'usageStats'] as const) {
    const inc = incoming[field];
    if (!inc) continue;
    const target = (run.state[field] ??= {});
    for (const [k, v] of Object.entries(inc)) {
      if (run.exState[field] && Object.hasOwn(run.exState[field], k)) {
        run.plan.state.push({
          agentId: run.a.agentId,
          source: src.path,
          field,
          key: k,
          action: 'keep-existing',
          reason: 'the store already has this entry; it is kept',
        });
        continue;
      }
      target[k] = v;
      run.plan.state.push({
        agentId: run.a.agentId,
        source: src.path,
        field,
        key: k,
        action: 'add',
        destination: run.dest,
      });
    }
  }
}
