/**
 * Probes on a real OpenClaw home: the plan from an agent snapshot, the live run, and recording
 * the outcome in the auth state (lastProbeAt, failures, cooldowns: openclaw's math) when no
 * gateway runs. While a gateway runs, the gateway owns that state and nothing is written.
 */
import { planProbes, type ProbeOptions, type ProbePlan, type ProbePlanInput } from '../auth/probePlan';
import { runProbes, type ProbeSummary, type RunContext, type RunProbesOptions } from '../auth/probeRun';
import { nextUsageStatsAfterFailure, usageStatsAfterSuccess } from '../auth/cooldownMath';
import { resolveSecretRef, type SecretRef } from '../auth/secretRef';
import { coerceUsageStats, type UsageStats } from '../auth/schemas';
import { configAgents } from './config';
import { mutateDb, readCell, writeCell } from './dbWriter';
import { credentialOwner } from './mutations';
import { readSnapshot, type AgentSnapshot, type SnapshotOptions } from './snapshot';
import { isGatewayRunning } from './gatewayLive';

export function probeResolver(s: AgentSnapshot): (ref: SecretRef) => Promise<string> {
  return (ref) => resolveSecretRef(ref, {
    env: s.env,
    secretsConfig: (s.config.data as Record<string, unknown>).secrets,
    readStoreSecret: (name) => s.sharedDb.secretStore.get(name),
  });
}

export function probePlanInput(s: AgentSnapshot, now = Date.now()): ProbePlanInput {
  const agentModel = configAgents(s.config.data).entries.find((e) => e.id === s.agentId)?.model;
  return { store: s.store, state: s.state, meta: s.meta, config: s.config.data as Record<string, unknown>, env: s.env, agentModel, now, resolveRef: probeResolver(s) };
}

export function probeRunContext(s: AgentSnapshot): RunContext {
  return { config: s.config.data as Record<string, unknown>, env: s.env, resolveRef: probeResolver(s) };
}

export async function planForSnapshot(s: AgentSnapshot, options: ProbeOptions = {}, now = Date.now()): Promise<ProbePlan> {
  return planProbes(probePlanInput(s, now), options);
}

/** Local checks only: the rows that need no request, plus the targets marked as not probed. */
export async function localProbeSummary(s: AgentSnapshot, options: ProbeOptions = {}): Promise<ProbeSummary & { local: true }> {
  const startedAt = Date.now();
  const plan = await planForSnapshot(s, options, startedAt);
  const summary = await runProbes({ targets: [], results: plan.results }, probeRunContext(s), options);
  const pending = plan.targets.map((t) => ({
    provider: t.provider, model: `${t.model.provider}/${t.model.id}`, ...(t.profileId ? { profileId: t.profileId } : {}),
    label: t.label, source: t.source, mode: t.mode, status: 'unknown' as const, error: 'Not probed: local checks only (run a live probe to call the provider).', pending: true,
  }));
  const finishedAt = Date.now();
  return { ...summary, startedAt, finishedAt, durationMs: finishedAt - startedAt, totalTargets: plan.targets.length, results: [...plan.results, ...pending], local: true };
}

export async function liveProbeSummary(s: AgentSnapshot, options: ProbeOptions = {}, run: RunProbesOptions = {}): Promise<ProbeSummary> {
  const startedAt = Date.now();
  const plan = await planForSnapshot(s, options, startedAt);
  const summary = await runProbes(plan, probeRunContext(s), options, run);
  return { ...summary, startedAt, durationMs: summary.finishedAt - startedAt };
}

export interface RecordOutcome {
  written: boolean;
  /** Why nothing was written (gateway running, nothing to record). */
  skipped?: string;
  profiles: string[];
}

/**
 * Records a live probe in the state as openclaw's runtime does: a success resets the failure
 * state and sets `lastProbeAt`; a failure goes through openclaw's cooldown math (model-scoped for
 * rate_limit/timeout/model_not_found) and sets `lastProbeAt`. Cancelled rows are not recorded.
 */
export async function recordProbeResults(opts: SnapshotOptions, summary: ProbeSummary, now = Date.now(), gatewayCheck: (s: AgentSnapshot) => Promise<boolean> = isGatewayRunning): Promise<RecordOutcome> {
  const s = readSnapshot(opts);
  if (await gatewayCheck(s)) return { written: false, skipped: 'A gateway is running for this state directory; it records probe outcomes itself.', profiles: [] };
  // Only outcomes of a request: ok, or a classified failure (not a cancel or a refused profile).
  const rows = summary.results.filter((r) => r.profileId && r.latencyMs !== undefined && (r.status === 'ok' || r.failureReason) && s.store.profiles[r.profileId]);
  if (!rows.length) return { written: false, skipped: 'No live profile probe to record.', profiles: [] };
  const byTarget = new Map<string, { t: ReturnType<typeof credentialOwner>; rows: typeof rows }>();
  for (const r of rows) {
    const t = credentialOwner(s, r.profileId as string);
    const e = byTarget.get(t.path) ?? byTarget.set(t.path, { t, rows: [] }).get(t.path);
    e?.rows.push(r);
  }
  for (const { t, rows: list } of byTarget.values()) {
    await mutateDb(t.path, (db) => {
      const text = readCell(db, t.state);
      let state: Record<string, unknown> = { version: 1 };
      if (text !== undefined) {
        try { const v = JSON.parse(text) as unknown; if (v && typeof v === 'object' && !Array.isArray(v)) state = v as Record<string, unknown>; else throw new Error('not an object'); }
        catch { throw new Error(`The auth state in ${t.path} is not valid JSON, so the probe outcome was not recorded.`); }
      }
      const usage = (state.usageStats && typeof state.usageStats === 'object' ? state.usageStats : {}) as Record<string, unknown>;
      for (const r of list) {
        const id = r.profileId as string;
        const existing: UsageStats = coerceUsageStats(usage[id]).stats ?? {};
        const model = r.model?.slice(r.model.indexOf('/') + 1);
        const next = r.status === 'ok'
          ? usageStatsAfterSuccess(existing, { lastProbeAt: now })
          : { ...nextUsageStatsAfterFailure(existing, r.failureReason ?? 'unknown', now, model), lastProbeAt: now };
        usage[id] = JSON.parse(JSON.stringify(next)) as unknown;
      }
      state.usageStats = usage;
      writeCell(db, t.state, JSON.stringify(state), now);
      if (readCell(db, t.store) === undefined && t.kind === 'agent') writeCell(db, t.store, '{"version":1,"profiles":{}}', now);
    }, { kind: t.kind, agentId: s.agentId });
  }
  return { written: true, profiles: rows.map((r) => r.profileId as string) };
}

export class GatewayOwnsStateError extends Error {}

/**
 * Replaces one profile's usage stats (undefined removes them) in the DB that owns the profile,
 * and returns what was there (for Undo). Refused while a gateway runs: it owns that state and
 * would overwrite the change from memory.
 */
export async function setUsageStats(opts: SnapshotOptions, profileId: string, stats: UsageStats | undefined, gatewayCheck: (s: AgentSnapshot) => Promise<boolean> = isGatewayRunning): Promise<{ previous?: UsageStats; file: string }> {
  const s = readSnapshot(opts);
  if (!s.store.profiles[profileId]) throw new Error(`No profile "${profileId}" for agent ${s.agentId}.`);
  if (await gatewayCheck(s)) throw new GatewayOwnsStateError('A gateway is running for this state directory and keeps cooldowns in memory; stop it (or let the window run out) and try again.');
  const t = credentialOwner(s, profileId);
  let previous: UsageStats | undefined;
  await mutateDb(t.path, (db) => {
    const text = readCell(db, t.state);
    let state: Record<string, unknown> = { version: 1 };
    if (text !== undefined) {
      try { const v = JSON.parse(text) as unknown; if (v && typeof v === 'object' && !Array.isArray(v)) state = v as Record<string, unknown>; else throw new Error('x'); }
      catch { throw new Error(`The auth state in ${t.path} is not valid JSON; nothing was changed.`); }
    }
    const usage = (state.usageStats && typeof state.usageStats === 'object' ? { ...(state.usageStats as Record<string, unknown>) } : {});
    previous = coerceUsageStats(usage[profileId]).stats;
    if (stats && Object.keys(stats).length) usage[profileId] = JSON.parse(JSON.stringify(stats)) as unknown; else delete usage[profileId];
    if (Object.keys(usage).length) state.usageStats = usage; else delete state.usageStats;
    writeCell(db, t.state, Object.keys(state).some((k) => k !== 'version') ? JSON.stringify(state) : undefined, Date.now());
  }, { kind: t.kind, agentId: s.agentId });
  return { previous, file: t.path };
}
