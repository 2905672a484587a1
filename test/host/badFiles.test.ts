/**
 * Bad files as the editor shows them (the real extension host): an openclaw.json that cannot be
 * read is a warning row that opens the file, not a silently dropped order; an oversized .env is
 * named; and a write on top of either changes nothing on disk.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import type { Ui } from '../../src/ui/ui';
import { waitFor } from '../helpers/wait';
import { shiftFixtureClock } from '../helpers/clock';

const KEY = 'sk-host-fake-badfiles-0123456789abcdef0123456789';
let owner: OpenClawAuth;
const temps: string[] = [];

function copyFixture(ext: string, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oca-host-bad-${name}-`));
  temps.push(dir);
  fs.cpSync(
    path.join(ext, 'test', 'fixtures', 'openclaw-2026.9.6', name, 'home', '.openclaw'),
    path.join(dir, '.openclaw'),
    { recursive: true },
  );
  shiftFixtureClock(dir, name);
  return path.join(dir, '.openclaw');
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('.lock')) out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

function script(answers: Array<string | undefined>): { ui: Ui; messages: string[] } {
  const messages: string[] = [];
  const next = () => answers.shift();
  const ui: Ui = {
    ...owner.ui,
    showInputBox: async () => next(),
    showQuickPick: async (items) => {
      const a = next();
      return items.find((i) => i.label === a);
    },
    pickOrType: async () => next(),
    showWarningMessage: async (m) => {
      messages.push(m);
      return next();
    },
    showInformationMessage: async (m) => {
      messages.push(m);
      return undefined;
    },
    showErrorMessage: async (m) => {
      messages.push(m);
      return undefined;
    },
  } as Ui;
  return { ui, messages };
}

describe('OpenClaw Auth with bad files in the extension host', function () {
  this.timeout(30000);
  let extPath: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>('openclaw-auth.openclaw-auth');
    assert.ok(ext);
    extPath = ext.extensionPath;
    owner = await (await ext.activate()).ready;
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('an openclaw.json that cannot be read is a warning row that opens it; Add API Key is refused and nothing changes', async () => {
    const dir = copyFixture(extPath, 'basic');
    fs.writeFileSync(
      path.join(dir, 'openclaw.json'),
      '{ "auth": { "order": { "openrouter": [ "openrouter:manual" ] } ',
    );
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir, 'state dir');
    const tree = owner.tree!;
    const main = tree.getChildren()[0]!;
    const warning = tree
      .getChildren(main)
      .find((n) => n.kind === 'warning' && /openclaw\.json/.test(n.message) && /could not be read/.test(n.message));
    assert.ok(warning, 'a warning row names the config');
    assert.equal(
      tree.getTreeItem(warning).command?.command,
      'openclawAuth.revealConfig',
      'Enter on the row opens the file',
    );
    const before = files(dir);
    const s = script(['groq', 'groq:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    assert.ok(
      s.messages.some((m) => /openclaw\.json/.test(m) && /nothing was changed/i.test(m)),
      s.messages.join(' | '),
    );
    assert.ok(!s.messages.some((m) => m.includes(KEY)));
    assert.deepEqual(files(dir), before);
  });

  it("a .env over openclaw's 1 MiB cap is named in the tree and Add Rotation Key leaves it as it was", async () => {
    const dir = copyFixture(extPath, 'basic');
    fs.writeFileSync(path.join(dir, '.env'), `# big\n${'X'.repeat(1_100_000)}\n`);
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir, 'state dir');
    const tree = owner.tree!;
    const main = tree.getChildren()[0]!;
    assert.ok(
      tree.getChildren(main).some((n) => n.kind === 'warning' && /\.env at .* is 1,100,\d{3} bytes/.test(n.message)),
      'the .env is named with its size',
    );
    const before = files(dir);
    const s = script([KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addRotationKey', { agentId: 'main', provider: 'openrouter' });
    assert.ok(
      s.messages.some((m) => /\.env at .* reads at most 1 MB/.test(m)),
      s.messages.join(' | '),
    );
    assert.deepEqual(files(dir), before);
  });
});
