/**
 * The plan over all agents: refusals, per-agent planning, the config's openai-codex renames and
 * whether the config can be rewritten; publicPlan is the plan without credential material.
 */
import { isObj } from '../obj';
import type { ConfigChange, MigrationPlan, PlanInput } from './types';
import { renameOrder, renameProfiles } from './codexRename';
import { refusalFor } from './refusal';
import type { Ctx } from './run';
import { planAgent } from './agent';

/** openclaw.json: openai-codex ids and providers in auth.profiles / auth.order. */
function planConfigRenames(ctx: Ctx): void {
  const auth = ctx.config.auth;
  if (!isObj(auth)) return;
  const map = new Map(ctx.idMap);
  if (isObj(auth.profiles)) {
    const before = JSON.stringify(auth.profiles);
    const snapshot = structuredClone(auth.profiles);
    renameProfiles(auth.profiles, map);
    if (JSON.stringify(auth.profiles) !== before) {
      ctx.configChanged = true;
      for (const [from, to] of map)
        if (Object.hasOwn(snapshot, from))
          ctx.plan.config.changes.push({
            path: `auth.profiles.${from}`,
            before: snapshot[from],
            after: undefined,
            reason: `renamed to auth.profiles.${to} (openai-codex is now openai)`,
          });
    }
  }
  if (isObj(auth.order)) {
    const before = structuredClone(auth.order);
    renameOrder(auth.order, map);
    if (JSON.stringify(auth.order) !== JSON.stringify(before)) {
      ctx.configChanged = true;
      for (const k of new Set([...Object.keys(before), ...Object.keys(auth.order)])) {
        if (JSON.stringify(before[k]) !== JSON.stringify(auth.order[k]))
          ctx.plan.config.changes.push({
            path: `auth.order.${k}`,
            before: before[k],
            after: auth.order[k],
            reason: 'openai-codex is now openai',
          });
      }
    }
  }
}

export function planMigration(input: PlanInput, display: (p: string) => string = (p) => p): MigrationPlan {
  const plan: MigrationPlan = {
    needed: false,
    refusals: [],
    sources: [],
    profiles: [],
    state: [],
    config: { path: input.configPath, changes: [] },
    targets: [],
    archivesFound: [],
    warnings: [],
  };
  const ctx: Ctx = { plan, config: structuredClone(input.config), configChanged: false, idMap: new Map() };
  for (const a of input.agents) {
    const r = refusalFor(a, display(a.ownerDb ?? a.targetDb));
    if (r) plan.refusals.push(r);
    plan.archivesFound.push(...a.archives);
    planAgent(a, ctx);
  }
  planConfigRenames(ctx);
  if (ctx.configChanged) {
    plan.config.after = ctx.config;
    if (!input.configWritable)
      plan.config.blocked =
        input.configError ??
        `${input.configPath} has comments or is not plain JSON, so it cannot be rewritten without losing them; edit it by hand or let openclaw doctor do it.`;
  }
  plan.targets = plan.targets.filter((t) => t.changed);
  plan.needed = plan.targets.length > 0 || ctx.configChanged;
  return plan;
}

/** The plan without credential material: safe to print, log or show. */
export function publicPlan(plan: MigrationPlan): Omit<MigrationPlan, 'targets' | 'config'> & {
  config: { path: string; changes: ConfigChange[]; blocked?: string };
  targets: { agentId: string; dbPath: string; kind: string; profiles: number; importedIds: string[] }[];
} {
  return {
    ...plan,
    config: {
      path: plan.config.path,
      changes: plan.config.changes,
      ...(plan.config.blocked ? { blocked: plan.config.blocked } : {}),
    },
    targets: plan.targets.map((t) => ({
      agentId: t.agentId,
      dbPath: t.dbPath,
      kind: t.kind,
      profiles: Object.keys(t.store.profiles).length,
      importedIds: t.importedIds,
    })),
  };
}
