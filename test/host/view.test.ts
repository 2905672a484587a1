/**
 * "A view people can use" (issue 12) in the real extension host: the provider picker keeps known
 * providers first and asks before a custom one, every add offers Undo, multi-step inputs carry one
 * title with a step counter and Back, a remove confirmation keeps the profile on Enter, commands
 * without an argument act on the selected row, Reveal Database offers what works in a browser
 * window, Preview Migration with nothing to migrate says so, and the manifest keeps row-only and
 * cannot-apply commands out of the palette. Where VS Code's own behaviour is the point (the
 * picker's sorting, Enter in a confirmation) the real quick input is driven with the
 * workbench's accept command; elsewhere the user is scripted through the owner's UI facade.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import { GoBack, windowUi, type Step, type Ui } from '../../src/ui/ui';
import type { Node } from '../../src/ui/profilesTree';
import { ROW_ONLY_COMMANDS } from '../../src/ui/target';
import { PREVIEW_SCHEME } from '../../src/features/migration/controller';
import { readSnapshot } from '../../src/store';
import { waitFor } from '../helpers/wait';
import { shiftFixtureClock } from '../helpers/clock';

const EXT_ID = 'openclaw-auth.openclaw-auth';
const KEY = 'sk-host-fake-view-0123456789abcdef0123456789';
/** Answer that presses Back in a stepped input. */
const BACK = '<back>';

let owner: OpenClawAuth;
let extPath: string;
let savedUi: Ui;
const temps: string[] = [];

function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oca-view-${name}-`));
  temps.push(dir);
  fs.cpSync(
    path.join(extPath, 'test', 'fixtures', 'openclaw-2026.9.6', name, 'home', '.openclaw'),
    path.join(dir, '.openclaw'),
    { recursive: true },
  );
  shiftFixtureClock(dir, name);
  return path.join(dir, '.openclaw');
}

async function useState(dir: string): Promise<void> {
  await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
  await waitFor(() => owner.paths?.stateDir === dir && owner.lastReloadAt > 0, `state dir ${dir}`);
}

type Asked = {
  kind: 'input' | 'pick' | 'pickOrType';
  title?: string;
  step?: Step;
  prompt?: string;
  placeholder?: string;
  value?: string;
  items?: string[];
};

/**
 * A scripted user that records every question: answers are consumed in order; BACK presses Back;
 * quick picks are answered by label; messages are recorded with the buttons they offered.
 */
function script(answers: Array<string | undefined>) {
  const asked: Asked[] = [];
  const messages: Array<{ text: string; items: string[] }> = [];
  const next = () => answers.shift();
  const answer = (a: string | undefined, step: Step | undefined) => {
    if (a === BACK) {
      assert.ok(step && step.step > 1, 'Back is only offered from step 2 on');
      throw new GoBack();
    }
    return a;
  };
  const ui: Ui = {
    showInputBox: async (o) => {
      asked.push({ kind: 'input', title: o.title, step: o.step, prompt: o.prompt, value: o.value });
      const a = answer(next(), o.step);
      if (a === undefined) return undefined;
      const v = await o.validateInput?.(a);
      const bad =
        typeof v === 'string' ? v : v && v.severity === vscode.InputBoxValidationSeverity.Error ? v.message : undefined;
      return bad ? undefined : a;
    },
    showQuickPick: async (items, o) => {
      asked.push({
        kind: 'pick',
        title: o.title,
        step: o.step,
        placeholder: o.placeHolder,
        items: items.map((i) => i.label),
      });
      const a = answer(next(), o.step);
      return items.find((i) => i.label === a);
    },
    pickOrType: async (items, o) => {
      asked.push({
        kind: 'pickOrType',
        title: o.title,
        step: o.step,
        placeholder: o.placeholder,
        value: o.value,
        items: items.map((i) => i.label),
      });
      return answer(next(), o.step);
    },
    showWarningMessage: async (m, _o, ...items) => {
      messages.push({ text: m, items });
      return next();
    },
    showInformationMessage: async (m, ...items) => {
      messages.push({ text: m, items });
      return items.length ? next() : undefined;
    },
    showErrorMessage: async (m, ...items) => {
      messages.push({ text: m, items });
      return undefined;
    },
    showOpenDialog: async () => undefined,
  };
  return { ui, asked, messages, said: () => messages.map((m) => m.text).join(' | ') };
}

function node(pred: (n: Node) => boolean, what: string): Node {
  const tree = owner.tree!;
  const walk = (n?: Node): Node | undefined => {
    for (const c of tree.getChildren(n)) {
      if (pred(c)) return c;
      const f = walk(c);
      if (f) return f;
    }
    return undefined;
  };
  const found = walk();
  if (!found) throw new Error(`no tree row for ${what}`);
  return found;
}
const profileRow = (agentId: string, id: string) =>
  node((n) => n.kind === 'profile' && n.agentId === agentId && n.profile.id === id, `${agentId}/${id}`);

/**
 * Runs `command` with the real window UI and presses Enter (the workbench's "accept" of the quick
 * input) until the command finishes: what Enter does on the first question is what happens.
 */
async function pressEnterUntilDone<T>(run: () => Thenable<T>): Promise<T> {
  let done = false;
  const p = Promise.resolve(run()).finally(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return p;
}

describe('A view people can use (issue 12)', function () {
  this.timeout(30000);

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext, 'extension is installed');
    extPath = ext.extensionPath;
    owner = await (await ext.activate()).ready;
    savedUi = owner.ui;
  });

  afterEach(async () => {
    owner.ui = savedUi;
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('the provider picker: typing "mistr" leaves mistral first, so Enter saves the key under mistral (the real quick pick)', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const s = script(['mistral:manual', KEY]);
    // The real picker, with "mistr" typed; then Enter. Everything after it is scripted.
    owner.ui = {
      ...s.ui,
      pickOrType: (items, o) => pressEnterUntilDone(() => windowUi.pickOrType(items, { ...o, value: 'mistr' })),
    };
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    const snap = readSnapshot({ stateDirSetting: dir });
    assert.equal(
      snap.store.profiles['mistral:manual']?.provider,
      'mistral',
      `saved under mistral; asked: ${JSON.stringify(s.asked)}`,
    );
    assert.ok(
      !Object.values(snap.store.profiles).some((c) => c.provider === 'mistr'),
      'no provider "mistr" was created',
    );
    assert.equal(s.asked[0]?.value, 'mistral:manual', 'the profile ID step suggests mistral:manual');
  });

  it('a custom provider is confirmed: Back returns to the list with the text typed, Escape saves nothing, "Use" saves it', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const before = readSnapshot({ stateDirSetting: dir }).store.profiles;
    // Typed "mistr", then Back to the list (the text still there), then picked mistral.
    let s = script(['mistr', 'Back to the provider list', 'mistral', 'mistral:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    const confirm = s.asked[1]!;
    assert.equal(confirm.kind, 'pick');
    assert.deepEqual(
      confirm.items,
      ['Back to the provider list', 'Use custom provider "mistr"'],
      'the safe choice comes first',
    );
    assert.match(confirm.placeholder ?? '', /"mistr" is not a provider OpenClaw knows/);
    assert.equal(s.asked[2]?.kind, 'pickOrType');
    assert.equal(s.asked[2]?.value, 'mistr', 'back at the list with the text still typed');
    assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles['mistral:manual']?.provider, 'mistral');

    // Escape at the confirmation: nothing saved.
    s = script(['mistr', undefined]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    assert.ok(
      !Object.values(readSnapshot({ stateDirSetting: dir }).store.profiles).some((c) => c.provider === 'mistr'),
      'cancelled: no mistr provider',
    );
    assert.ok(!s.asked.some((a) => a.kind === 'input'), 'cancelled before the profile ID step');

    // A deliberate custom provider.
    s = script(['my-llm', 'Use custom provider "my-llm"', 'my-llm:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles['my-llm:manual']?.provider, 'my-llm');
    for (const id of Object.keys(before))
      assert.ok(readSnapshot({ stateDirSetting: dir }).store.profiles[id], `${id} untouched`);
  });

  it('every add offers Undo: Add API Key, Paste Setup Token and Add SecretRef Profile; Undo removes the new profile and its openclaw.json entry', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const cfgPath = path.join(dir, 'openclaw.json');
    const flows: Array<[string, Array<string | undefined>, string]> = [
      ['openclawAuth.addApiKey', ['groq', 'groq:manual', KEY, 'Undo'], 'groq:manual'],
      [
        'openclawAuth.pasteToken',
        ['anthropic:second', 'sk-ant-oat01-host-fake-' + 'V'.repeat(70), '', 'Undo'],
        'anthropic:second',
      ],
      [
        'openclawAuth.addSecretRef',
        ['xai', 'api_key', 'env', 'default', 'XAI_VIEW_TEST_UNSET', 'xai:env', 'Save Anyway', 'Undo'],
        'xai:env',
      ],
    ];
    for (const [command, answers, id] of flows) {
      const s = script(answers);
      owner.ui = s.ui;
      await vscode.commands.executeCommand(command, { agentId: 'main' });
      const saved = s.messages.find((m) => m.items.includes('Undo'));
      assert.ok(saved, `${command}: the saved message offers Undo (${s.said()})`);
      await waitFor(() => s.messages.some((m) => m.text === `Undid: adding ${id}`), `${command}: Undo of ${id}`);
      assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles[id], undefined, `${id} is gone after Undo`);
      const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as { auth?: { profiles?: Record<string, unknown> } };
      assert.equal(cfg.auth?.profiles?.[id], undefined, `${id} is gone from openclaw.json after Undo`);
      assert.ok(!s.said().includes(KEY), 'no key in any message');
    }
  });

  it('multi-step input: one title with a step counter (n/4), Back from the key returns to the profile ID; Create OpenClaw State names the folder', async () => {
    const dir = copyFixture('multi-agent');
    await useState(dir);
    const s = script(['work', 'groq', 'groq:one', BACK, 'groq:two', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey');
    assert.deepEqual(
      s.asked.map((a) => `${a.title} (${a.step?.step}/${a.step?.totalSteps})`),
      [
        'Add API Key (1/4)',
        'Add API Key (2/4)',
        'Add API Key (3/4)',
        'Add API Key (4/4)',
        'Add API Key (3/4)',
        'Add API Key (4/4)',
      ],
    );
    const work = readSnapshot({ stateDirSetting: dir, agentId: 'work' });
    assert.ok(
      work.store.profiles['groq:two'] && !work.store.profiles['groq:one'],
      'saved under the ID given after Back',
    );

    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-view-empty-'));
    temps.push(empty);
    const fresh = path.join(empty, '.openclaw');
    await useState(fresh);
    const c = script(['openrouter', 'openrouter:manual', KEY]);
    owner.ui = c.ui;
    await vscode.commands.executeCommand('openclawAuth.createState');
    const shownPath =
      owner.paths && owner.paths.home && fresh.startsWith(owner.paths.home)
        ? `~/${path.relative(owner.paths.home, fresh)}`
        : fresh;
    for (const a of c.asked)
      assert.equal(a.title, `Create OpenClaw State in ${shownPath}`, 'every step says what is created and where');
    assert.ok(
      c.messages.some((m) => m.text === `Created OpenClaw state in ${shownPath} and saved API key openrouter:manual.`),
      c.said(),
    );
    assert.ok(fs.existsSync(path.join(fresh, 'state', 'openclaw.sqlite')));
  });

  it('Remove Profile: Enter on the confirmation keeps the profile (the real quick pick); the safe choice is listed first', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    owner.ui = windowUi;
    await pressEnterUntilDone(() =>
      vscode.commands.executeCommand('openclawAuth.removeProfile', profileRow('main', 'openrouter:backup')),
    );
    assert.ok(
      readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:backup'],
      'Enter kept openrouter:backup',
    );
    // What was asked, and that "Remove" is still one pick away.
    const s = script(['Remove']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.removeProfile', profileRow('main', 'openrouter:backup'));
    assert.deepEqual(s.asked[0]?.items, ['Keep', 'Remove']);
    assert.match(s.asked[0]?.title ?? '', /^Remove openrouter:backup \(agent main\)\?$/);
    await waitFor(
      () => !readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:backup'],
      'removed when Remove is picked',
    );
  });

  it('commands run without an argument act on the selected row (as a keybinding runs them); with no profile row selected they say where they work', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const s = script([undefined]);
    owner.ui = s.ui;
    await owner.treeView!.reveal(profileRow('main', 'openrouter:backup'), { select: true, focus: true });
    await waitFor(
      () => owner.treeView?.selection[0]?.id === profileRow('main', 'openrouter:backup').id,
      'the row selected',
    );
    await vscode.commands.executeCommand('openclawAuth.moveDown');
    assert.deepEqual(
      readSnapshot({ stateDirSetting: dir }).state.order?.openrouter,
      ['openrouter:manual', 'openrouter:backup'],
      'Move Down moved the selected row',
    );
    // The moved row stays selected (VS Code re-resolves the selection after the refresh, asynchronously).
    await waitFor(
      () => owner.treeView?.selection[0]?.id === profileRow('main', 'openrouter:backup').id,
      'the moved row still selected',
    );
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('openclawAuth.copyProfileId');
    assert.equal(await vscode.env.clipboard.readText(), 'openrouter:backup');
    await vscode.commands.executeCommand('openclawAuth.removeProfile');
    assert.match(
      s.asked.find((a) => a.kind === 'pick')?.title ?? '',
      /^Remove openrouter:backup /,
      `Delete asks about the selected row, no agent or profile picker: ${JSON.stringify(s.asked)}`,
    );
    assert.equal(s.asked.length, 1, 'one question only');
    assert.ok(readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:backup'], 'Escape kept it');

    // An agent row selected: the profile commands say where they work and change nothing.
    await owner.treeView!.reveal(
      node((n) => n.kind === 'agent', 'agent main'),
      { select: true, focus: true },
    );
    await waitFor(() => owner.treeView?.selection[0]?.kind === 'agent', 'the agent row selected');
    const r = script([]);
    owner.ui = r.ui;
    await vscode.commands.executeCommand('openclawAuth.moveUp');
    await vscode.commands.executeCommand('openclawAuth.copyPinCommand');
    assert.match(r.said(), /"Move Up" works on a profile row of the OpenClaw view/);
    assert.match(r.said(), /"Copy Pin Command" works on a profile row of the OpenClaw view/);
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).state.order?.openrouter, [
      'openrouter:manual',
      'openrouter:backup',
    ]);
  });

  it('Reveal Database in a browser window: Copy Path and Open Folder instead of "revealFileInOS not found"; the menus show each only where it works', async () => {
    if (vscode.env.uiKind !== vscode.UIKind.Web && !vscode.env.remoteName) {
      // Runs in code-server (a browser window); a desktop host would reveal in the OS instead.
      return;
    }
    const dir = copyFixture('multi-agent');
    await useState(dir);
    const s = script(['Copy Path']);
    owner.ui = s.ui;
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('openclawAuth.revealDatabase', profileRow('work', 'openrouter:work'));
    const m = s.messages[0];
    assert.ok(m, 'a message instead of an error');
    assert.match(m.text, /cannot show it in your file manager/);
    assert.deepEqual(m.items, ['Copy Path', 'Open Folder in New Window']);
    const agentDb = await vscode.env.clipboard.readText();
    assert.ok(
      agentDb.startsWith(path.join(dir, 'agents', 'work')) && agentDb.endsWith('.sqlite'),
      `work's own profile lives in its agent DB: ${agentDb}`,
    );
    await vscode.commands.executeCommand('openclawAuth.copyDatabasePath', profileRow('work', 'openrouter:manual'));
    assert.equal(
      await vscode.env.clipboard.readText(),
      path.join(dir, 'state', 'openclaw.sqlite'),
      'an inherited profile lives in the shared store',
    );

    const menus = (vscode.extensions.getExtension(EXT_ID)!.packageJSON as Manifest).contributes.menus[
      'view/item/context'
    ];
    const when = (cmd: string) => menus.filter((x) => x.command === cmd).map((x) => x.when ?? '');
    assert.deepEqual(
      when('openclawAuth.revealDatabase').map((w) => /!isWeb && !remoteName/.test(w)),
      [true],
    );
    assert.deepEqual(
      when('openclawAuth.openDatabaseFolder').map((w) => /\(isWeb \|\| remoteName\)/.test(w)),
      [true],
    );
    assert.equal(when('openclawAuth.copyDatabasePath').length, 1);
  });

  it('Preview Migration with nothing to migrate says so in a message and opens no document', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.previewMigration');
    assert.match(
      s.said(),
      /^Nothing to migrate: no legacy auth files .* in .*\. OpenClaw reads its credentials from SQLite already\.$/,
    );
    assert.ok(
      !vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === PREVIEW_SCHEME),
      'no preview document is shown',
    );
  });

  it('the manifest contributes exactly the commands the command table handles, and menus name only those', () => {
    const manifest = vscode.extensions.getExtension(EXT_ID)!.packageJSON as Manifest;
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, owner.commandIds().sort());
    const known = new Set(contributed);
    for (const [where, entries] of Object.entries(manifest.contributes.menus)) {
      for (const e of entries)
        if (e.command) assert.ok(known.has(e.command), `menus.${where} names ${e.command}, which is not contributed`);
    }
  });

  it('the palette: row-only commands are hidden, cannot-apply ones wait for a context key, keys work only in the view; titles in title case with "ID" and no CLI flags', async () => {
    const manifest = vscode.extensions.getExtension(EXT_ID)!.packageJSON as Manifest;
    const palette = new Map(manifest.contributes.menus.commandPalette.map((x) => [x.command, x.when]));
    for (const id of ROW_ONLY_COMMANDS)
      assert.equal(palette.get(id), 'false', `${id} acts on a row only, so it is not in the palette`);
    const gated: Record<string, RegExp> = {
      'openclawAuth.stopGateway': /^openclawAuth\.gatewayRunning$/,
      'openclawAuth.restartGateway': /^openclawAuth\.gatewayRestartable$/,
      'openclawAuth.cancelProbe': /^openclawAuth\.probeRunning$/,
      'openclawAuth.exportProbeJson': /^openclawAuth\.hasProbeResults$/,
      'openclawAuth.showProbeReport': /^openclawAuth\.hasProbeResults$/,
      'openclawAuth.undoMigration': /^openclawAuth\.hasMigrationRuns$/,
      'openclawAuth.createState': /^!openclawAuth\.stateFound$/,
    };
    for (const [id, re] of Object.entries(gated)) assert.match(palette.get(id) ?? '(always shown)', re, id);
    // A key bound in the view goes through runCommands (select the focused row, then the command),
    // so the palette shows no key next to a command that works only in the view.
    for (const k of manifest.contributes.keybindings) {
      assert.equal(k.command, 'runCommands', `${k.key} is bound through runCommands`);
      assert.match(k.when, /focusedView == openclawAuth\.profiles && listFocus/);
    }
    const small = new Set([
      'a',
      'an',
      'and',
      'as',
      'at',
      'by',
      'for',
      'from',
      'in',
      'of',
      'on',
      'or',
      'the',
      'to',
      'with',
    ]);
    for (const c of manifest.contributes.commands) {
      assert.doesNotMatch(c.title, /\bId\b/, `${c.command}: "ID", not "Id"`);
      assert.doesNotMatch(c.title, /--/, `${c.command}: no CLI flags in the title`);
      for (const w of c.title
        .replace(/[()…,]/g, ' ')
        .split(/\s+/)
        .filter(Boolean)) {
        if (!w.includes('.') && !small.has(w))
          assert.match(w, /^[A-Z0-9]/, `${c.command}: "${c.title}" is in title case ("${w}")`);
      }
    }
    // With no row, a row-only command explains itself and changes nothing.
    const dir = copyFixture('basic');
    await useState(dir);
    await owner.treeView!.reveal(
      node((n) => n.kind === 'agent', 'agent main'),
      { select: true, focus: true },
    );
    await waitFor(() => owner.treeView?.selection[0]?.kind === 'agent', 'the agent row selected');
    const s = script([]);
    owner.ui = s.ui;
    for (const id of ROW_ONLY_COMMANDS) await vscode.commands.executeCommand(id);
    assert.equal(s.messages.length, ROW_ONLY_COMMANDS.length, s.said());
    for (const m of s.messages) assert.match(m.text, /works on a profile row of the OpenClaw view/);
  });
});

type MenuEntry = { command: string; when?: string; group?: string };
type Manifest = {
  contributes: {
    commands: Array<{ command: string; title: string }>;
    keybindings: Array<{ command: string; key: string; when: string }>;
    menus: { 'view/item/context': MenuEntry[]; commandPalette: MenuEntry[] };
  };
};
