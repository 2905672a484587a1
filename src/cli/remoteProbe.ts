/**
 * `openclaw-auth probe --gateway URL`: live probes run by the gateway on its own host through
 * `models.probe` (one request per provider, or per --profile), in the shape of the local
 * `probe --json` (openclaw's auth.probes) where the data allows, plus `gateway` and the gateway's
 * per-provider rollup in `providers`.
 *
 * openclaw's models.probe does not bound itself by the `timeoutMs` it is given (offline it took
 * ~83 s), so every request has our own hard bound (--timeout, default 30 s): past it, each target
 * of that request reads "timeout" with "no answer from the gateway within N ms", the answer that
 * may come later is ignored, and the command ends.
 */
import { GatewayConnectionError, GatewayError } from '../gateway/client';
import type { AuthStatus, ModelsProbeResult } from '../gateway/protocol';
import { normalizeProviderId } from '../auth/providerId';
import type { RemoteSession } from './remote';

/** The bound of one models.probe request when --timeout is not given. */
export const DEFAULT_REMOTE_PROBE_TIMEOUT_MS = 30_000;

export interface RemoteProbeRow {
  provider: string;
  model?: string;
  profileId?: string;
  label: string;
  source?: 'profile' | 'env' | 'models.json';
  status: string;
  error?: string;
  latencyMs?: number;
  /** Ours: the gateway did not answer within the bound, so this target's outcome is unknown. */
  gatewayTimeout?: true;
}

export interface RemoteProbeSummary {
  gateway: string;
  agentId: string | null;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  totalTargets: number;
  options: { provider?: string; profileIds: string[]; timeoutMs: number; concurrency: number };
  /** The gateway's rollup per provider (models.probe's own status, latency and error). */
  providers: Array<{ provider: string; status: string; latencyMs?: number; error?: string }>;
  results: RemoteProbeRow[];
}

/** One request: a provider, or one profile of it. */
interface Job {
  provider: string;
  profileId?: string;
}

/**
 * The gateway's label ("Profile <id> · <provider>/<model>", "Environment credential (<VAR>) · …",
 * "Configured credential", "Provider configuration") as the local probe's label, source and model.
 */
export function parseProbeLabel(label: string): Pick<RemoteProbeRow, 'label' | 'source' | 'model'> {
  const dot = label.lastIndexOf(' · ');
  const owner = dot >= 0 ? label.slice(0, dot) : label;
  const model = dot >= 0 ? label.slice(dot + 3).trim() || undefined : undefined;
  const withModel = <T extends object>(o: T) => (model ? { ...o, model } : o);
  let m: RegExpExecArray | null;
  if ((m = /^Profile (.+)$/.exec(owner))) return withModel({ label: m[1] as string, source: 'profile' as const });
  if ((m = /^Environment credential \((.+)\)$/.exec(owner)))
    return withModel({ label: m[1] as string, source: 'env' as const });
  if (owner === 'Configured credential') return withModel({ label: 'config', source: 'models.json' as const });
  if (owner === 'Provider configuration') return withModel({ label: 'models.json', source: 'models.json' as const });
  return withModel({ label });
}

function rowsOf(r: ModelsProbeResult): RemoteProbeRow[] {
  return r.results.map((x) => {
    const parsed = parseProbeLabel(x.label ?? x.profileId ?? r.provider);
    return {
      provider: r.provider,
      ...(parsed.model ? { model: parsed.model } : {}),
      ...(x.profileId ? { profileId: x.profileId } : {}),
      label: parsed.label,
      ...(parsed.source ? { source: parsed.source } : {}),
      status: String(x.status),
      ...(x.error ? { error: x.error } : {}),
      ...(x.latencyMs !== undefined ? { latencyMs: x.latencyMs } : {}),
    };
  });
}

/** The targets a request that was not answered stood for: its profile, or the provider's profiles. */
function unansweredRows(job: Job, status: AuthStatus, fields: Partial<RemoteProbeRow>): RemoteProbeRow[] {
  const p = status.providers.find((x) => normalizeProviderId(x.provider) === job.provider);
  const ids = job.profileId ? [job.profileId] : (p?.profiles.map((x) => x.profileId) ?? []);
  const base = { provider: p?.provider ?? job.provider, status: 'unknown', ...fields };
  if (!ids.length) return [{ ...base, label: base.provider }];
  return ids.map((id) => ({ ...base, profileId: id, label: id, source: 'profile' as const }));
}

/** The provider of each --profile: --provider, else the provider that holds it on the gateway, else its prefix. */
function jobsFor(status: AuthStatus, o: { provider?: string; profileIds: string[] }): Job[] {
  const provider = o.provider ? normalizeProviderId(o.provider) : undefined;
  if (o.profileIds.length)
    return o.profileIds.map((id) => {
      const holder = status.providers.find((p) => p.profiles.some((x) => x.profileId === id))?.provider;
      const prefix = id.includes(':') ? id.slice(0, id.indexOf(':')) : undefined;
      const pr = provider ?? (holder ? normalizeProviderId(holder) : prefix ? normalizeProviderId(prefix) : undefined);
      if (!pr) throw new Error(`No profile "${id}" on the gateway; give --provider with it.`);
      return { provider: pr, profileId: id };
    });
  if (provider) return [{ provider }];
  return [...new Set(status.providers.map((p) => normalizeProviderId(p.provider)))].map((p) => ({ provider: p }));
}

/**
 * Runs the probes with at most `concurrency` requests in flight. A request past `timeoutMs` and a
 * gateway error answer become rows; a connection that closes ends the command (its error is thrown).
 */
export async function remoteProbe(
  s: RemoteSession,
  o: { provider?: string; profileIds: string[]; timeoutMs: number; concurrency: number },
): Promise<RemoteProbeSummary> {
  const startedAt = Date.now();
  const status = await s.client.authStatus(s.scope);
  const jobs = jobsFor(status, o);
  const out: Array<{ rows: RemoteProbeRow[]; rollup?: RemoteProbeSummary['providers'][number] }> = [];
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < jobs.length && failure === undefined) {
      const i = next++;
      const job = jobs[i] as Job;
      const t0 = Date.now();
      try {
        const r = await s.client.probe(
          {
            provider: job.provider,
            ...(job.profileId ? { profileId: job.profileId } : {}),
            timeoutMs: Math.round(o.timeoutMs),
            ...s.scope,
          },
          o.timeoutMs,
        );
        out[i] = {
          rows: rowsOf(r),
          rollup: {
            provider: r.provider,
            status: String(r.status),
            ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
            ...(r.error ? { error: r.error } : {}),
          },
        };
      } catch (e) {
        const latencyMs = Date.now() - t0;
        if (e instanceof GatewayConnectionError && e.kind === 'timeout') {
          const error = `No answer from the gateway within ${o.timeoutMs} ms (it may still be probing; its answer is ignored).`;
          out[i] = {
            rows: unansweredRows(job, status, { status: 'timeout', error, latencyMs, gatewayTimeout: true }),
            rollup: { provider: job.provider, status: 'timeout', error },
          };
        } else if (e instanceof GatewayError) {
          // The gateway answered with an error (unknown provider, probe failed): that request's targets.
          // Its own words: models.probe answers UNAVAILABLE for a probe that failed, not for a gateway starting up.
          const error = `models.probe failed (${e.code}): ${e.shape.message}`;
          out[i] = {
            rows: unansweredRows(job, status, { status: 'unknown', error, latencyMs }),
            rollup: { provider: job.provider, status: 'unknown', error },
          };
        } else failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, jobs.length)) }, worker));
  if (failure !== undefined) throw failure;
  const results = out.flatMap((x) => x.rows);
  const finishedAt = Date.now();
  return {
    gateway: s.target.url,
    agentId: s.scope.agentId ?? null,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    totalTargets: results.length,
    options: {
      ...(o.provider ? { provider: o.provider } : {}),
      profileIds: o.profileIds,
      timeoutMs: o.timeoutMs,
      concurrency: o.concurrency,
    },
    providers: out.flatMap((x) => (x.rollup ? [x.rollup] : [])),
    results,
  };
}

/** Exit code as the local probe's: 1 when any target that was probed (it has a latency) is not ok. */
export function remoteProbeExitCode(sum: RemoteProbeSummary): number {
  return sum.results.some((r) => r.latencyMs !== undefined && r.status !== 'ok') ? 1 : 0;
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** The text report: per provider its targets, then one closing line. */
export function remoteProbeText(sum: RemoteProbeSummary): string {
  const lines: string[] = [];
  let provider = '';
  for (const r of sum.results) {
    if (r.provider !== provider) {
      provider = r.provider;
      lines.push(provider);
    }
    const status = r.gatewayTimeout
      ? `timeout (no answer from the gateway within ${sum.options.timeoutMs} ms)`
      : r.status;
    lines.push(`  ${r.label.padEnd(28)} ${(r.model ?? '-').padEnd(34)} ${status.padEnd(24)} ${fmtMs(r.latencyMs)}`);
    if (r.error && r.status !== 'ok' && !r.gatewayTimeout) lines.push(`    ↳ ${r.error.split('\n').join('\n    ')}`);
  }
  for (const p of sum.providers)
    if (!sum.results.some((r) => normalizeProviderId(r.provider) === normalizeProviderId(p.provider)))
      lines.push(`${p.provider}: ${p.error ?? p.status}`);
  lines.push(
    sum.totalTargets === 0
      ? `No probe targets on the gateway ${sum.gateway}.`
      : `Probed ${sum.totalTargets} target${sum.totalTargets === 1 ? '' : 's'} through the gateway ${sum.gateway} in ${fmtMs(sum.durationMs)}`,
  );
  return lines.join('\n') + '\n';
}
