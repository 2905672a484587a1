/**
 * `openclaw-auth probe` and `openclaw-auth rotation`: the probe cores from the command line.
 *   probe [--json] [--provider P] [--profile ID]... [--timeout MS] [--concurrency N] [--max-tokens N] [--local] [--no-record]
 *   rotation --provider P [--json]
 *   rotation add --provider P          (key on stdin)
 *   rotation remove --provider P --var NAME [--masked M | --index N]
 * Probe JSON is openclaw's `auth.probes` document. Exit code: 0 when every live target is ok (or
 * with --local), 1 when any failed.
 */
import { readSnapshot, type SnapshotOptions } from '../store';
import { liveProbeSummary, localProbeSummary, recordProbeResults } from '../store/probe';
import { isGatewayRunning } from '../gateway/live';
import { addRotationKey, removeRotationKey, rotationChain } from '../store/rotationKeys';
import { sortProbeResults, type ProbeOptions } from '../auth/probePlan';
import type { ProbeSummary } from '../auth/probeRun';
import { normalizeProviderId } from '../auth/providerId';

export class ProbeUsageError extends Error {}

export interface ProbeArgs {
  flags: Map<string, string | true>;
  /** Every value of a repeatable flag, in order (for --profile). */
  all: (name: string) => string[];
  positional: string[];
}

function num(a: ProbeArgs, name: string): number | undefined {
  const v = a.flags.get(name);
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new ProbeUsageError(`--${name} needs a positive number.`);
  return n;
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function text(summary: ProbeSummary, local: boolean): string {
  const lines: string[] = [];
  let provider = '';
  for (const r of sortProbeResults(summary.results)) {
    if (r.provider !== provider) {
      provider = r.provider;
      lines.push(provider);
    }
    const status = (r as { pending?: boolean }).pending
      ? 'not probed'
      : r.reasonCode
        ? `${r.status} (${r.reasonCode})`
        : r.status;
    lines.push(`  ${r.label.padEnd(28)} ${(r.model ?? '-').padEnd(34)} ${status.padEnd(24)} ${fmtMs(r.latencyMs)}`);
    if (r.error && r.status !== 'ok' && !(r as { pending?: boolean }).pending)
      lines.push(`    ↳ ${r.error.split('\n').join('\n    ')}`);
  }
  lines.push(
    summary.totalTargets === 0 && !local
      ? 'No probe targets.'
      : local
        ? `Local checks: ${summary.results.length} row(s), ${summary.totalTargets} target(s) would be probed live.`
        : `Probed ${summary.totalTargets} target${summary.totalTargets === 1 ? '' : 's'} in ${fmtMs(summary.durationMs)}${summary.cancelled ? ' (cancelled)' : ''}`,
  );
  return lines.join('\n') + '\n';
}

export async function probeCommand(
  a: ProbeArgs,
  opts: SnapshotOptions,
  json: boolean,
  write: (s: string) => void,
  warn: (s: string) => void,
): Promise<number> {
  const options: ProbeOptions = {
    provider: typeof a.flags.get('provider') === 'string' ? (a.flags.get('provider') as string) : undefined,
    profileIds: a
      .all('profile')
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean),
    timeoutMs: num(a, 'timeout'),
    concurrency: num(a, 'concurrency'),
    maxTokens: num(a, 'max-tokens'),
  };
  const s = readSnapshot(opts);
  for (const w of s.warnings) warn(`warning: ${w.message}\n`);
  const local = a.flags.has('local');
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  let summary: ProbeSummary;
  try {
    summary = local ? await localProbeSummary(s, options) : await liveProbeSummary(s, options, { signal: ac.signal });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (!local && !a.flags.has('no-record')) {
    try {
      const rec = await recordProbeResults(opts, summary, Date.now(), isGatewayRunning);
      if (!rec.written && rec.skipped && !json) warn(`${rec.skipped}\n`);
    } catch (e) {
      warn(`warning: the probe outcome was not recorded in the auth state: ${(e as Error).message}\n`);
    }
  }
  write(json ? JSON.stringify(summary, null, 2) + '\n' : text(summary, local));
  if (summary.cancelled) return 130;
  if (local) return 0;
  return summary.results.some((r) => r.latencyMs !== undefined && r.status !== 'ok') ? 1 : 0;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new ProbeUsageError(
      'Pipe the key on stdin (for example: printf "%s\\n" "$KEY" | openclaw-auth rotation add --provider P).',
    );
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export async function rotationCommand(
  a: ProbeArgs,
  opts: SnapshotOptions,
  json: boolean,
  write: (s: string) => void,
): Promise<number> {
  const raw = a.flags.get('provider');
  if (typeof raw !== 'string' || !raw.trim()) throw new ProbeUsageError('--provider is required.');
  const provider = normalizeProviderId(raw);
  const sub = a.positional[0];
  const s = readSnapshot(opts);
  const processEnv = opts.env ?? process.env;
  if (sub === 'add') {
    const key = await readStdin();
    const r = addRotationKey(s.paths.envFile, provider, key, processEnv);
    write(
      json
        ? JSON.stringify({ provider, added: r.variable, masked: r.masked, envFile: s.paths.envFile }, null, 2) + '\n'
        : `Added ${r.masked} as ${r.variable} in ${s.paths.envFile}. A running gateway reads it when it restarts.\n`,
    );
    return 0;
  }
  if (sub === 'remove') {
    const v = a.flags.get('var');
    if (typeof v !== 'string')
      throw new ProbeUsageError('rotation remove needs --var NAME (see `openclaw-auth rotation --provider P`).');
    const m = a.flags.get('masked');
    const idx = a.flags.get('index');
    const r = removeRotationKey(
      s.paths.envFile,
      provider,
      v,
      { masked: typeof m === 'string' ? m : undefined, index: typeof idx === 'string' ? Number(idx) : undefined },
      processEnv,
    );
    write(
      json
        ? JSON.stringify({ provider, removed: r.removed }, null, 2) + '\n'
        : `Removed ${r.removed} from ${s.paths.envFile}. A running gateway reads it when it restarts.\n`,
    );
    return 0;
  }
  if (sub !== undefined) throw new ProbeUsageError(`Unknown rotation command "${sub}" (use add or remove).`);
  const chain = rotationChain(provider, processEnv, s.dotenv);
  if (json) write(JSON.stringify({ provider, envFile: s.paths.envFile, keys: chain }, null, 2) + '\n');
  else if (!chain.length) write(`No rotation keys for ${provider}.\n`);
  else
    for (const e of chain)
      write(`${e.position}. ${e.masked}  ${e.source}  (${e.origin === 'dotenv' ? '.env' : 'environment'})\n`);
  return 0;
}
