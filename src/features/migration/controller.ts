/**
 * The legacy migration in the editor: a notification and a tree badge when legacy auth files are
 * present or openclaw would refuse to run; "Preview Migration" opens a readable diff (a Markdown
 * document, read-only) with Apply and Cancel; Apply runs with progress; the result links to Undo
 * and to the backups. The work itself is src/store/legacy.ts.
 */
import * as vscode from 'vscode';
import {
  detectLegacy,
  applyLegacyMigration,
  undoLegacyMigration,
  listRuns,
  type ApplyResult,
} from '../../store/legacy';
import { planMigration, type MigrationPlan } from '../../auth/legacyMigration';
import { planMarkdown } from '../../auth/legacyReport';
import { displayPath } from '../../store/paths';
import type { CommandTable, FeatureContext } from '../context';
import { revealPath } from '../../ui/reveal';

export const PREVIEW_SCHEME = 'openclaw-auth-migration';

export class MigrationController implements vscode.Disposable {
  /** The plan of the last check (no secrets leave it except through the store writer). */
  plan: MigrationPlan | undefined;
  /** Badge count: profiles waiting plus agents openclaw refuses. */
  attention = 0;
  private notifiedFor = '';
  private previewText = '';
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** The last Apply result (host tests read it). */
  lastResult: ApplyResult | undefined;
  /** Whether a finished run can be undone (the palette shows Undo Legacy Migration only then). */
  private hasRuns: boolean | undefined;

  constructor(private readonly o: FeatureContext) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, {
        onDidChange: this.emitter.event,
        provideTextDocumentContent: () => this.previewText,
      }),
    );
  }

  private opts() {
    return { stateDirSetting: this.o.settings.stateDir || undefined, env: process.env, paths: this.o.paths };
  }

  private display = (p: string) => (this.o.paths ? displayPath(p, this.o.paths.home) : p);

  /** Re-plans (read-only: no recovery, no writes) and notifies once per distinct situation. */
  check(): void {
    try {
      const d = detectLegacy(this.opts());
      this.plan = planMigration(d.input, this.display);
    } catch (e) {
      this.o.log.error('Checking for legacy auth files failed', e);
      this.plan = undefined;
    }
    this.updateRuns();
    const p = this.plan;
    const waiting = p
      ? p.profiles.filter((x) => x.action === 'add' || x.action === 'rename' || x.action === 'move-to-config').length
      : 0;
    this.attention = p && (p.needed || p.refusals.length) ? Math.max(1, waiting + p.refusals.length) : 0;
    if (!p || !this.attention) {
      this.notifiedFor = '';
      return;
    }
    const key = `${this.o.paths?.stateDir}|${p.sources.map((s) => `${s.path}:${s.sha256 ?? ''}`).join(',')}|${p.refusals.length}`;
    if (key === this.notifiedFor) return;
    this.notifiedFor = key;
    const refuse = p.refusals.length
      ? ` OpenClaw refuses auth for ${p.refusals.map((r) => `agent ${r.agentId} (${r.affectedProviders?.join(', ') ?? 'all providers'})`).join(', ')} until they are migrated.`
      : '';
    const msg = p.needed
      ? `Legacy OpenClaw auth files found: ${waiting} profile change(s) to migrate into SQLite.${refuse}`
      : `OpenClaw would refuse to run: legacy auth files could not be migrated automatically.${refuse}`;
    void this.o.ui.showWarningMessage(msg, {}, 'Preview Migration').then((pick) => {
      if (pick === 'Preview Migration') void this.preview();
    });
  }

  private updateRuns(): void {
    let runs = false;
    try {
      runs = listRuns(this.opts()).some((j) => j.status === 'complete');
    } catch {
      /* none readable */
    }
    if (runs === this.hasRuns) return;
    this.hasRuns = runs;
    void vscode.commands.executeCommand('setContext', 'openclawAuth.hasMigrationRuns', runs);
  }

  /** Opens the diff and asks Apply / Cancel; with nothing to migrate, says so in a message instead. */
  async preview(): Promise<ApplyResult | undefined> {
    this.check();
    const plan = this.plan;
    if (!plan) {
      void this.o.ui.showErrorMessage('Could not read the legacy auth files; see the log.', 'Show Logs');
      return undefined;
    }
    if (!plan.needed && !plan.refusals.length && !plan.sources.length && !plan.warnings.length) {
      const where = this.o.paths ? this.display(this.o.paths.stateDir) : 'the state dir';
      void this.o.ui.showInformationMessage(
        `Nothing to migrate: no legacy auth files (auth-profiles.json, auth-state.json, auth.json, credentials/oauth.json) in ${where}. OpenClaw reads its credentials from SQLite already.`,
      );
      return undefined;
    }
    const home = this.o.paths?.home;
    this.previewText = home
      ? planMarkdown(plan, this.display).split(`${home}/`).join('~/')
      : planMarkdown(plan, this.display);
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: '/OpenClaw migration preview.md' });
    this.emitter.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
    if (!plan.needed) {
      void this.o.ui.showInformationMessage('Nothing to migrate.');
      return undefined;
    }
    if (plan.config.blocked) {
      void this.o.ui.showErrorMessage(plan.config.blocked);
      return undefined;
    }
    const pick = await this.o.ui.showWarningMessage(
      'Apply this migration? Every file is backed up first and the run can be undone.',
      {},
      'Apply',
      'Cancel',
    );
    if (pick !== 'Apply') return undefined;
    return this.apply();
  }

  async apply(): Promise<ApplyResult | undefined> {
    try {
      const res = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Migrating legacy auth files', cancellable: false },
        async (progress) => {
          let last = 0;
          return applyLegacyMigration({
            ...this.opts(),
            onProgress: (m, i, n) => {
              progress.report({ message: m, increment: ((i - last) / n) * 100 });
              last = i;
            },
          });
        },
      );
      this.lastResult = res;
      this.o.reload();
      if (!res.changed) {
        void this.o.ui.showInformationMessage('Nothing to migrate.');
        return res;
      }
      this.o.log.info(
        `Legacy migration ${res.runId}: archived ${res.backups.map((b) => this.display(b.original)).join(', ')}; backups in ${res.runDir ? this.display(res.runDir) : ''}`,
      );
      const moved = res.plan.profiles.filter((p) => p.action === 'add' || p.action === 'rename').length;
      void this.o.ui
        .showInformationMessage(
          `Migrated ${moved} profile(s) into SQLite and archived ${res.backups.length} legacy file(s) (run ${res.runId}).`,
          'Undo',
          'Show Backups',
        )
        .then(async (pick) => {
          if (pick === 'Undo') await this.undo(res.runId);
          else if (pick === 'Show Backups' && res.runDir)
            await revealPath(this.o.ui, res.runDir, this.display(res.runDir), { isFolder: true });
        });
      return res;
    } catch (e) {
      const msg = this.o.log.scrub((e as Error).message);
      this.o.log.error('Legacy migration failed', new Error(msg));
      void this.o.ui.showErrorMessage(`Migration not applied: ${msg}`, 'Show Logs').then((p) => {
        if (p) this.o.log.show();
      });
      return undefined;
    }
  }

  async undo(runId?: string): Promise<boolean> {
    let id = runId;
    if (!id) {
      const runs = listRuns(this.opts())
        .filter((j) => j.status === 'complete')
        .reverse();
      if (!runs.length) {
        void this.o.ui.showInformationMessage('No migration run to undo.');
        return false;
      }
      id = (
        await this.o.ui.showQuickPick(
          runs.map((r) => ({ label: r.runId, description: `${r.sources.length} file(s)` })),
          { title: 'Undo which migration run?' },
        )
      )?.label;
      if (!id) return false;
    }
    try {
      const r = await undoLegacyMigration(id, this.opts());
      this.o.log.info(`Undid legacy migration ${id}: restored ${r.restored.map(this.display).join(', ')}`);
      this.o.reload();
      void this.o.ui.showInformationMessage(
        `Undid migration ${id}: the legacy files and the previous stores are back.`,
      );
      return true;
    } catch (e) {
      void this.o.ui.showErrorMessage(this.o.log.scrub((e as Error).message));
      return false;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The migration's commands (the notification and the walkthrough run them too). */
export function migrationCommands(c: MigrationController): CommandTable {
  return {
    'openclawAuth.previewMigration': () => c.preview(),
    'openclawAuth.undoMigration': (a) => c.undo(typeof a === 'string' ? a : undefined),
  };
}
