/**
 * The legacy migration in the real extension host, on a copy of the `legacy` fixture (before):
 * the notification and the tree badge appear, Preview opens a readable diff (no secrets) with
 * Apply / Cancel, Cancel changes nothing, Apply migrates with the real doctor's result and offers
 * Undo and the backups, Undo restores the original bytes. The user is scripted through the
 * owner's UI facade.
 */
import { strict as assert } from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import type { Ui } from '../../src/ui/ui';
import { PREVIEW_SCHEME } from '../../src/features/migration/controller';
import { waitFor } from '../helpers/wait';
import { homeView } from '../helpers/legacy';
import { shiftFixtureClock } from '../helpers/clock';

const EXT_ID = 'openclaw-auth.openclaw-auth';
const SECRETS = [
  'sk-ant-api03-fake-legacy-public-0123456789abcdef',
  'fake-access-openai-codex-public-0123456789abcdef',
  'sk-or-v1-fake-legacy-flat-work-5555555555555555',
];

let owner: OpenClawAuth;
let extPath: string;
const temps: string[] = [];

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (rel.startsWith('openclaw-auth') || e.name.endsWith('.lock')) continue;
      if (e.isDirectory()) walk(p);
      else out[rel] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function legacyCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-legacy-'));
  temps.push(dir);
  fs.cpSync(
    path.join(extPath, 'test', 'fixtures', 'openclaw-2026.9.6', 'legacy', 'before', 'home', '.openclaw'),
    path.join(dir, '.openclaw'),
    { recursive: true },
  );
  shiftFixtureClock(dir, 'legacy/before'); // as at capture, seen from now (the extension uses the real clock)
  return path.join(dir, '.openclaw');
}

/** Scripted answers by message pattern; every message is recorded with the buttons offered. */
function user(answers: Array<[RegExp, string | undefined]>): { ui: Ui; messages: string[] } {
  const messages: string[] = [];
  const answer = (m: string, items: string[]) => {
    messages.push(`${m} [${items.join('|')}]`);
    const i = answers.findIndex(([re]) => re.test(m));
    if (i < 0) return undefined;
    const [, a] = answers.splice(i, 1)[0] as [RegExp, string | undefined];
    return a;
  };
  const ui: Ui = {
    showInputBox: async () => undefined,
    showQuickPick: async () => undefined,
    pickOrType: async () => undefined,
    showWarningMessage: async (m, _o, ...items) => answer(m, items),
    showInformationMessage: async (m, ...items) => answer(m, items),
    showErrorMessage: async (m, ...items) => answer(m, items),
    showOpenDialog: async () => undefined,
  };
  return { ui, messages };
}

describe('legacy migration in the editor', function () {
  this.timeout(30000);
  let savedUi: Ui;

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext);
    extPath = ext.extensionPath;
    owner = await (await ext.activate()).ready;
    savedUi = owner.ui;
  });

  after(async () => {
    owner.ui = savedUi;
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('notifies and badges legacy files; Preview shows a readable diff; Cancel changes nothing', async () => {
    const dir = legacyCopy();
    const before = hashes(dir);
    const u = user([[/Apply this migration/, 'Cancel']]);
    owner.ui = u.ui;
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir, 'state dir');
    await waitFor(() => u.messages.some((m) => m.startsWith('Legacy OpenClaw auth files found')), 'the notification');
    const note = u.messages.find((m) => m.startsWith('Legacy OpenClaw auth files found')) ?? '';
    assert.match(note, /OpenClaw refuses auth for agent main \(all providers\), agent work \(openrouter\)/);
    assert.match(note, /\[Preview Migration\]$/);
    assert.ok((owner.treeView?.badge?.value ?? 0) > 0, 'tree badge');
    assert.match(String(owner.treeView?.badge?.tooltip), /legacy auth files/);
    assert.match(String(owner.treeView?.message), /Preview Migration/);

    const res = await vscode.commands.executeCommand('openclawAuth.previewMigration');
    assert.equal(res, undefined, 'cancelled');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === PREVIEW_SCHEME);
    assert.ok(doc, 'the preview document is open');
    assert.equal(doc.languageId, 'markdown');
    const text = doc.getText();
    assert.match(text, /## Profiles added \(4\)/);
    assert.match(text, /\| main \| `openai-codex:default` \| `openai:default` \| oauth \|/);
    assert.match(text, /## Moved to openclaw.json \(1\)[\s\S]*`amazon-bedrock:default`/);
    assert.match(text, /## Config changes[\s\S]*`auth.order.openai`/);
    assert.match(text, /OpenClaw refuses to run until this is migrated/);
    for (const s of SECRETS) assert.ok(!text.includes(s), 'no secret in the preview');
    assert.ok(u.messages.some((m) => /Apply this migration\? .*\[Apply\|Cancel\]/.test(m)));
    assert.deepEqual(hashes(dir), before, 'Cancel changed nothing');
  });

  it('Apply migrates with progress, the tree shows the result, Undo restores the legacy files byte for byte and the previous auth cells', async () => {
    const dir = legacyCopy();
    const before = homeView(dir);
    const u = user([
      [/Apply this migration/, 'Apply'],
      [/^Migrated \d+ profile/, undefined],
    ]);
    owner.ui = u.ui;
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir, 'state dir');
    const res = await owner.migration?.preview();
    assert.ok(res?.changed, 'applied');
    const done = u.messages.find((m) => m.startsWith('Migrated '));
    assert.match(
      done ?? '',
      /Migrated 5 profile\(s\) into SQLite and archived 3 legacy file\(s\) \(run \S+\)\. \[Undo\|Show Backups\]/,
    );
    assert.ok(fs.existsSync(res.runDir ?? ''), 'backups exist');
    await waitFor(
      () => owner.agents.find((a) => a.agentId === 'main')?.snapshot.store.profiles['openai:default'] !== undefined,
      'the tree to show the migrated profiles',
    );
    assert.deepEqual(
      Object.keys(owner.agents.find((a) => a.agentId === 'main')?.snapshot.store.profiles ?? {}).sort(),
      ['anthropic:manual', 'anthropic:pro', 'openai:default', 'openrouter:env'],
    );
    assert.equal(owner.migration?.attention, 0);
    assert.equal(owner.treeView?.message, undefined);
    assert.ok(await owner.migration?.undo(res.runId));
    assert.deepEqual(
      homeView(dir),
      before,
      'Undo restored the legacy files byte for byte and the auth cells as they were',
    );
    await waitFor(() => (owner.migration?.attention ?? 0) > 0, 'the badge to come back');
  });
});
