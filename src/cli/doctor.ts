/**
 * `openclaw-auth doctor`: the legacy auth migration from the command line.
 *   doctor [--json]          print the plan, change nothing (exit 0 nothing to do, 3 needed)
 *   doctor --fix [--json]    apply it (backups, verify, archive); print the result and backups
 *   doctor --undo RUN_ID     restore the originals and the previous store of one run
 *   doctor --runs [--json]   list migration runs
 * Secrets never appear: the plan shows masked values and SecretRef labels only.
 */
import {
  applyLegacyMigration,
  listRuns,
  planLegacyMigration,
  undoLegacyMigration,
  MigrationError,
  type LegacyOptions,
} from '../store/legacy';
import { publicPlan, type MigrationPlan } from '../auth/legacyMigration';
import { displayPath, resolvePaths } from '../store/paths';

export interface DoctorArgs {
  stateDirSetting?: string;
  json: boolean;
  fix: boolean;
  undo?: string;
  runs: boolean;
  force: boolean;
}

type Write = (s: string) => void;

/** Human-readable plan: what is added, renamed, moved, skipped and why; config changes. */
export function formatPlan(plan: MigrationPlan, home: string): string {
  const d = (p: string) => displayPath(p, home);
  const lines: string[] = [];
  if (plan.refusals.length) {
    lines.push('OpenClaw refuses to run until this is migrated:');
    for (const r of plan.refusals)
      lines.push(
        `  - agent ${r.agentId}: ${r.affectedProviders ? `providers ${r.affectedProviders.join(', ')}` : 'all providers'} (${d(r.ownerDb)})`,
      );
  }
  if (plan.sources.length) {
    lines.push('Legacy files:');
    for (const s of plan.sources)
      lines.push(
        `  - ${d(s.path)} [${s.kind}, agent ${s.agentId}]: ${s.status === 'import' ? 'import, then archive' : s.status === 'archive-only' ? 'archive only' : 'left in place'}${s.reason ? ` (${s.reason})` : ''}`,
      );
  }
  if (plan.profiles.length) {
    lines.push('Profiles:');
    for (const p of plan.profiles) {
      const arrow = p.toId && p.toId !== p.fromId ? ` -> ${p.toId}` : '';
      const where = p.destination
        ? ` into ${p.destination.replace(/\(([^)]+)\)/, (_m, x: string) => `(${d(x)})`)}`
        : '';
      lines.push(
        `  ${p.action.padEnd(14)} ${p.fromId}${arrow}${p.type ? ` [${p.type}]` : ''}${p.secret ? ` ${p.secret}` : ''}${p.action === 'skip' || p.action === 'keep-existing' ? '' : where}${p.reason ? ` — ${p.reason}` : ''}`,
      );
    }
  }
  if (plan.state.length) {
    lines.push('Order, lastGood, usageStats:');
    for (const s of plan.state)
      lines.push(
        `  ${s.action.padEnd(14)} ${s.field}.${s.key}${s.toKey ? ` -> ${s.field}.${s.toKey}` : ''}${s.reason ? ` — ${s.reason}` : ''}`,
      );
  }
  if (plan.config.changes.length) {
    lines.push(`Config (${d(plan.config.path)}):`);
    for (const c of plan.config.changes)
      lines.push(
        `  ${c.path}: ${c.before === undefined ? '(none)' : JSON.stringify(c.before)} -> ${c.after === undefined ? '(removed)' : JSON.stringify(c.after)} — ${c.reason}`,
      );
    if (plan.config.blocked) lines.push(`  BLOCKED: ${plan.config.blocked}`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  if (plan.archivesFound.length) lines.push(`Archives of earlier migrations: ${plan.archivesFound.map(d).join(', ')}`);
  lines.push(plan.needed ? 'A migration is needed: run `openclaw-auth doctor --fix`.' : 'Nothing to migrate.');
  // Paths inside reasons too are shown the way openclaw prints them (~/...).
  return lines.join('\n').split(`${home}/`).join('~/') + '\n';
}

export async function runDoctor(a: DoctorArgs, write: Write = (s) => process.stdout.write(s)): Promise<number> {
  const opts: LegacyOptions & { force?: boolean } = { stateDirSetting: a.stateDirSetting, force: a.force };
  const home = resolvePaths({ stateDirSetting: a.stateDirSetting }).home;
  const out = (v: unknown) => write(JSON.stringify(v, null, 2) + '\n');
  if (a.runs) {
    const runs = listRuns(opts).map((j) => ({
      runId: j.runId,
      status: j.status,
      createdAt: j.createdAt,
      finishedAt: j.finishedAt,
      sources: j.sources.map((s) => ({ original: s.path, archive: s.archivePath })),
    }));
    if (a.json) out({ runs });
    else
      write(
        runs.length
          ? runs.map((r) => `${r.runId}  ${r.status}  ${r.sources.length} file(s)`).join('\n') + '\n'
          : 'No migration runs.\n',
      );
    return 0;
  }
  if (a.undo) {
    const r = await undoLegacyMigration(a.undo, opts);
    if (a.json) out(r);
    else
      write(
        `Undid migration ${r.runId}; restored:\n${r.restored.map((p) => `  ${displayPath(p, home)}`).join('\n')}\n`,
      );
    return 0;
  }
  if (!a.fix) {
    // Read-only: an interrupted run is only reported here; --fix finishes or rolls it back.
    const { plan, interrupted } = planLegacyMigration({ ...opts, recover: false });
    if (a.json) out({ needed: plan.needed || interrupted.length > 0, interrupted, plan: publicPlan(plan) });
    else
      write(
        (interrupted.length
          ? `Interrupted migration run(s) ${interrupted.join(', ')}: \`openclaw-auth doctor --fix\` finishes or rolls them back first.\n`
          : '') + formatPlan(plan, home),
      );
    return plan.needed || plan.refusals.length > 0 || interrupted.length > 0 ? 3 : 0;
  }
  const res = await applyLegacyMigration({
    ...opts,
    onProgress: a.json ? undefined : (m, i, n) => process.stderr.write(`[${i}/${n}] ${m}\n`),
  });
  if (a.json) {
    out({
      changed: res.changed,
      runId: res.runId ?? null,
      runDir: res.runDir ?? null,
      backups: res.backups,
      configBackup: res.configBackup ?? null,
      recovered: res.recovered,
      plan: publicPlan(res.plan),
    });
  } else if (!res.changed) {
    write(formatPlan(res.plan, home));
  } else {
    write(formatPlan(res.plan, home).replace(/A migration is needed.*\n$/, ''));
    write(
      `Migrated (run ${res.runId}). Originals archived:\n${res.backups.map((b) => `  ${displayPath(b.original, home)} -> ${displayPath(b.archive, home)}`).join('\n')}\n`,
    );
    write(
      `Backups (stores, config, originals): ${res.runDir ? displayPath(res.runDir, home) : ''}\nUndo: openclaw-auth doctor --undo ${res.runId}\n`,
    );
  }
  return 0;
}

export { MigrationError };
