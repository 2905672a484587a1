/**
 * The migration plan as a readable Markdown diff for the editor's preview: who refuses to run,
 * profiles added / renamed / moved / skipped (with why), order and health entries, config
 * changes, files left in place. Pure; never contains a secret (masked values and ref labels only).
 */
import type { MigrationPlan } from './legacyMigration';

const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const code = (s: unknown) => (s === undefined || s === '' ? '' : `\`${cell(s)}\``);

export function planMarkdown(plan: MigrationPlan, display: (p: string) => string): string {
  const L: string[] = ['# OpenClaw legacy auth migration: preview', ''];
  L.push(
    plan.needed
      ? 'Nothing has been changed yet. **Apply** backs up every file first, writes the SQLite stores, reads them back and compares them with this plan, and only then archives the originals (`<file>.migrated-<time>-<uuid>`, as `openclaw doctor` names them). Every run can be undone.'
      : 'Nothing to migrate.',
  );
  L.push('');
  if (plan.refusals.length) {
    L.push('## OpenClaw refuses to run until this is migrated', '');
    for (const r of plan.refusals)
      L.push(
        `- agent **${r.agentId}**: ${r.affectedProviders ? `providers ${r.affectedProviders.map(code).join(', ')}` : 'every provider'} (${code(display(r.ownerDb))})`,
      );
    L.push('');
  }
  const groups: Array<[string, (a: string) => boolean]> = [
    ['Profiles added', (a) => a === 'add'],
    ['Profiles renamed', (a) => a === 'rename'],
    ['Moved to openclaw.json', (a) => a === 'move-to-config'],
    ['Kept as stored (already in the store)', (a) => a === 'keep-existing'],
    ['Skipped', (a) => a === 'skip'],
  ];
  for (const [title, match] of groups) {
    const rows = plan.profiles.filter((p) => match(p.action));
    if (!rows.length) continue;
    L.push(
      `## ${title} (${rows.length})`,
      '',
      '| agent | profile | becomes | type | credential | from | into / why |',
      '|---|---|---|---|---|---|---|',
    );
    for (const p of rows) {
      const into =
        p.action === 'skip' || p.action === 'keep-existing'
          ? p.reason
          : `${p.destination ? display(p.destination.replace(/^.*\(([^)]+)\)$/, '$1')) : ''}${p.reason ? ` — ${p.reason}` : ''}`;
      L.push(
        `| ${cell(p.agentId)} | ${code(p.fromId)} | ${p.toId && p.toId !== p.fromId ? code(p.toId) : ''} | ${cell(p.type)} | ${cell(p.secret)} | ${code(display(p.source))} | ${cell(into)} |`,
      );
    }
    L.push('');
  }
  if (plan.state.length) {
    L.push(
      `## Order, lastGood, usageStats (${plan.state.length})`,
      '',
      '| agent | entry | becomes | action | note |',
      '|---|---|---|---|---|',
    );
    for (const s of plan.state)
      L.push(
        `| ${cell(s.agentId)} | ${code(`${s.field}.${s.key}`)} | ${s.toKey ? code(`${s.field}.${s.toKey}`) : ''} | ${s.action} | ${cell(s.reason)} |`,
      );
    L.push('');
  }
  if (plan.config.changes.length) {
    L.push(
      `## Config changes (${code(display(plan.config.path))})`,
      '',
      '| key | before | after | why |',
      '|---|---|---|---|',
    );
    for (const c of plan.config.changes)
      L.push(
        `| ${code(c.path)} | ${c.before === undefined ? '(none)' : code(JSON.stringify(c.before))} | ${c.after === undefined ? '(removed)' : code(JSON.stringify(c.after))} | ${cell(c.reason)} |`,
      );
    if (plan.config.blocked) L.push('', `**Blocked:** ${plan.config.blocked}`);
    L.push('');
  }
  const files = plan.sources;
  if (files.length) {
    L.push('## Legacy files', '');
    for (const s of files)
      L.push(
        `- ${code(display(s.path))} (${s.kind}, agent ${s.agentId}): ${s.status === 'import' ? 'imported, then archived' : s.status === 'archive-only' ? 'archived (already imported by openclaw)' : '**left in place**'}${s.reason ? ` — ${cell(s.reason)}` : ''}`,
      );
    L.push('');
  }
  if (plan.warnings.length) {
    L.push('## Warnings', '');
    for (const w of plan.warnings) L.push(`- ${cell(w)}`);
    L.push('');
  }
  return L.join('\n');
}
