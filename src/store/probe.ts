/**
 * Probes on a real OpenClaw home: the plan from an agent snapshot, the live run, and recording
 * the outcome in the auth state (lastProbeAt, failures, cooldowns: openclaw's math) when no
 * gateway runs. While a gateway runs, the gateway owns that state and nothing is written.
 */
import { planProbes, type ProbeOptions, type ProbePlan, type ProbePlanInput } from '../auth/probePlan';
import { runProbes, type ProbeSummary, type RunContext, type RunProbesOptions } from '../auth/probeRun';
import { nextUsageStatsAfterFailure, usageStatsAfterSuccess } from '../auth/cooldownMath';
import { formatRef, resolveSecretRef, resolveSecretRefs, type ResolveContext, type SecretRef } from '../auth/secretRef';
import { coerceUsageStats, readJson, type UsageStats } from '../auth/schemas';
import { configAgents } from './config';
import { mutateDb, readCell, writeCell } from './dbWriter';
import { credentialOwner } from './mutations';
import { readSnapshot, type AgentSnapshot, type SnapshotOptions } from './snapshot';

function resolveContext(s: AgentSnapshot): ResolveContext {
  return {
    env: s.env,
    secretsConfig: (s.config.data as Record<string, unknown>).secrets,
    readStoreSecret: (name) => s.sharedDb.secretStore.get(name),
  };
}

/**
 * A SecretRef resolver for one probe: each ref (by `source:provider:id`) resolves once, and what
 * `prefetch` resolved (concurrently, within one deadline) is answered from memory. The memory
 * lives as long as the resolver: one plan and its run.
 */
export interface ProbeResolver {
  (ref: SecretRef): Promise<string>;
  /** Resolves refs not seen yet together (4 at a time, one overall deadline, see resolveSecretRefs). */
  prefetch(refs: Iterable<SecretRef>, signal?: AbortSignal): Promise<void>;
}

export function probeResolver(s: AgentSnapshot): ProbeResolver {
  const ctx = resolveContext(s);
  const memo = new Map<string, Promise<string>>();
  const resolve = ((ref: SecretRef) => {
    const k = formatRef(ref);
    let p = memo.get(k);
    if (!p) {
      p = resolveSecretRef(ref, ctx);
      p.catch(() => undefined); // awaited by the caller; never an unhandled rejection here
      memo.set(k, p);
    }
    return p;
  }) as ProbeResolver;
  resolve.prefetch = async (refs, signal) => {
    const fresh = [...refs].filter((r) => !memo.has(formatRef(r)));
    if (!fresh.length) return;
    const done = resolveSecretRefs(fresh, ctx, { signal });
    for (const r of fresh) {
      const k = formatRef(r);
      if (memo.has(k)) continue;
      const p = done.then((m) => {
        const o = m.get(k);
        if (!o) throw new Error('SecretRef was not resolved.');
        if (!o.ok) throw o.error;
        return o.value;
      });
      p.catch(() => undefined);
      memo.set(k, p);
    }
    await done;
  };
  return resolve;
}

export function probePlanInput(
  s: AgentSnapshot,
  now = Date.now(),
  resolveRef: ProbePlanInput['resolveRef'] = probeResolver(s),
): ProbePlanInput {
  const agentModel = configAgents(s.config.data).entries.find((e) => e.id === s.agentId)?.model;
  return {
    store: s.store,
    state: s.state,
    meta: s.meta,
    config: s.config.data as Record<string, unknown>,
    env: s.env,
    agentModel,
    now,
    resolveRef,
  };
}

export function probeRunContext(s: AgentSnapshot, resolveRef: RunContext['resolveRef'] = probeResolver(s)): RunContext {
  return { config: s.config.data as Record<string, unknown>, env: s.env, resolveRef };
}

/**
 * The plan, with every SecretRef it needs resolved together first: a dry plan (every ref
 * "resolves") names the refs the real plan checks and the run sends (profile refs and
 * models.providers apiKey refs of the targets, after the provider/profile filters and the order),
 * those resolve concurrently within one deadline, and the real plan reads the results. N slow exec
 * refs cost one exec timeout, not N, and none is run twice.
 */
export async function planForSnapshot(
  s: AgentSnapshot,
  options: ProbeOptions = {},
  now = Date.now(),
  resolver: ProbeResolver = probeResolver(s),
  signal?: AbortSignal,
): Promise<ProbePlan> {
  const wanted: SecretRef[] = [];
  const dry = await planProbes(
    probePlanInput(s, now, async (ref) => {
      wanted.push(ref);
      return '';
    }),
    options,
  );
  for (const t of dry.targets) if (t.credential.kind === 'config' && t.credential.ref) wanted.push(t.credential.ref);
  await resolver.prefetch(wanted, signal);
  return planProbes(probePlanInput(s, now, resolver), options);
}

/** Local checks only: the rows that need no request, plus the targets marked as not probed. */
export async function localProbeSummary(
  s: AgentSnapshot,
  options: ProbeOptions = {},
): Promise<ProbeSummary & { local: true }> {
  const startedAt = Date.now();
  const resolver = probeResolver(s);
  const plan = await planForSnapshot(s, options, startedAt, resolver);
  const summary = await runProbes({ targets: [], results: plan.results }, probeRunContext(s, resolver), options);
  const pending = plan.targets.map((t) => ({
    provider: t.provider,
    model: `${t.model.provider}/${t.model.id}`,
    ...(t.profileId ? { profileId: t.profileId } : {}),
    label: t.label,
    source: t.source,
    mode: t.mode,
    status: 'unknown' as const,
    error: 'Not probed: local checks only (run a live probe to call the provider).',
    pending: true,
  }));
  const finishedAt = Date.now();
  return {
    ...summary,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    totalTargets: plan.targets.length,
    results: [...plan.results, ...pending],
    local: true,
  };
}

export async function liveProbeSummary(
  s: AgentSnapshot,
  options: ProbeOptions = {},
  run: RunProbesOptions = {},
): Promise<ProbeSummary> {
  const startedAt = Date.now();
  const resolver = probeResolver(s);
  const plan = await planForSnapshot(s, options, startedAt, resolver, run.signal);
  const summary = await runProbes(plan, probeRunContext(s, resolver), options, run);
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
export async function recordProbeResults(
  opts: SnapshotOptions,
  summary: ProbeSummary,
  now = Date.now(),
  /** Whether a gateway owns this state (src/gateway/live.ts isGatewayRunning); the store asks, it does not probe. */
  gatewayCheck: (s: AgentSnapshot) => Promise<boolean>,
): Promise<RecordOutcome> {
  const s = readSnapshot(opts);
  if (await gatewayCheck(s))
    return {
      written: false,
      skipped: 'A gateway is running for this state directory; it records probe outcomes itself.',
      profiles: [],
    };
  // Only outcomes of a request: ok, or a classified failure (not a cancel or a refused profile).
  const rows = summary.results.filter(
    (r) =>
      r.profileId &&
      r.latencyMs !== undefined &&
      (r.status === 'ok' || r.failureReason) &&
      s.store.profiles[r.profileId],
  );
  if (!rows.length) return { written: false, skipped: 'No live profile probe to record.', profiles: [] };
  const byTarget = new Map<string, { t: ReturnType<typeof credentialOwner>; rows: typeof rows }>();
  for (const r of rows) {
    const t = credentialOwner(s, r.profileId as string);
    const e = byTarget.get(t.path) ?? byTarget.set(t.path, { t, rows: [] }).get(t.path);
    e?.rows.push(r);
  }
  for (const { t, rows: list } of byTarget.values()) {
    await mutateDb(
      t.path,
      (db) => {
        const text = readCell(db, t.state);
        let state: Record<string, unknown> = { version: 1 };
        if (text !== undefined) {
          const r = readJson(text); // depth-capped: a hostile cell cannot overflow the stack
          if (!r.ok || !r.value || typeof r.value !== 'object' || Array.isArray(r.value))
            throw new Error(
              `The auth state in ${t.path} ${r.ok ? 'is not a JSON object' : r.detail}, so the probe outcome was not recorded.`,
            );
          state = r.value as Record<string, unknown>;
        }
        const usage = (state.usageStats && typeof state.usageStats === 'object' ? state.usageStats : {}) as Record<
          string,
          unknown
        >;
        for (const r of list) {
          const id = r.profileId as string;
          const existing: UsageStats = coerceUsageStats(usage[id]).stats ?? {};
          const model = r.model?.slice(r.model.indexOf('/') + 1);
          const next =
            r.status === 'ok'
              ? usageStatsAfterSuccess(existing, { lastProbeAt: now })
              : { ...nextUsageStatsAfterFailure(existing, r.failureReason ?? 'unknown', now, model), lastProbeAt: now };
          usage[id] = JSON.parse(JSON.stringify(next)) as unknown;
        }
        state.usageStats = usage;
        writeCell(db, t.state, JSON.stringify(state), now);
        if (readCell(db, t.store) === undefined && t.kind === 'agent')
          writeCell(db, t.store, '{"version":1,"profiles":{}}', now);
      },
      { kind: t.kind, agentId: s.agentId },
    );
  }
  return { written: true, profiles: rows.map((r) => r.profileId as string) };
}

export class GatewayOwnsStateError extends Error {}

/**
 * Replaces one profile's usage stats (undefined removes them) in the DB that owns the profile,
 * and returns what was there (for Undo). Refused while a gateway runs: it owns that state and
 * would overwrite the change from memory.
 */
export async function setUsageStats(
  opts: SnapshotOptions,
  profileId: string,
  stats: UsageStats | undefined,
  /** Whether a gateway owns this state (src/gateway/live.ts isGatewayRunning); the store asks, it does not probe. */
  gatewayCheck: (s: AgentSnapshot) => Promise<boolean>,
): Promise<{ previous?: UsageStats; file: string }> {
  const s = readSnapshot(opts);
  if (!s.store.profiles[profileId]) throw new Error(`No profile "${profileId}" for agent ${s.agentId}.`);
  if (await gatewayCheck(s))
    throw new GatewayOwnsStateError(
      'A gateway is running for this state directory and keeps cooldowns in memory; stop it (or let the window run out) and try again.',
    );
  const t = credentialOwner(s, profileId);
  let previous: UsageStats | undefined;
  await mutateDb(
    t.path,
    (db) => {
      const text = readCell(db, t.state);
      let state: Record<string, unknown> = { version: 1 };
      if (text !== undefined) {
        const r = readJson(text);
        if (!r.ok || !r.value || typeof r.value !== 'object' || Array.isArray(r.value))
          throw new Error(
            `The auth state in ${t.path} ${r.ok ? 'is not a JSON object' : r.detail}; nothing was changed.`,
          );
        state = r.value as Record<string, unknown>;
      }
      const usage =
        state.usageStats && typeof state.usageStats === 'object'
          ? { ...(state.usageStats as Record<string, unknown>) }
          : {};
      previous = coerceUsageStats(usage[profileId]).stats;
      if (stats && Object.keys(stats).length) usage[profileId] = JSON.parse(JSON.stringify(stats)) as unknown;
      else delete usage[profileId];
      if (Object.keys(usage).length) state.usageStats = usage;
      else delete state.usageStats;
      writeCell(
        db,
        t.state,
        Object.keys(state).some((k) => k !== 'version') ? JSON.stringify(state) : undefined,
        Date.now(),
      );
    },
    { kind: t.kind, agentId: s.agentId },
  );
  return { previous, file: t.path };
}
