/**
 * Inside the real VS Code extension host (code-server): activation, the tree, every management
 * command against a temp state dir with the files checked afterwards, drag and drop, Undo, an
 * external change reaching the tree and status bar, and bad input. The user is scripted through
 * the owner's UI facade; everything else is the real extension.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import type { Ui } from '../../src/ui/ui';
import type { Node } from '../../src/ui/profilesTree';
import { readSnapshot, applyMutation } from '../../src/store';
import { mutateDb, writeCell } from '../../src/store/dbWriter';
import { waitFor } from '../helpers/wait';
import { shiftFixtureClock } from '../helpers/clock';

const EXT_ID = 'openclaw-auth.openclaw-auth';
const KEY = 'sk-host-fake-0123456789abcdef0123456789abcdef';

let owner: OpenClawAuth;
let extPath: string;
const temps: string[] = [];

function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oca-host-${name}-`));
  temps.push(dir);
  fs.cpSync(
    path.join(extPath, 'test', 'fixtures', 'openclaw-2026.9.6', name, 'home', '.openclaw'),
    path.join(dir, '.openclaw'),
    { recursive: true },
  );
  for (const f of walk(dir)) fs.chmodSync(f, 0o600);
  shiftFixtureClock(dir, name); // as at capture, seen from now (the extension uses the real clock)
  return path.join(dir, '.openclaw');
}

function walk(d: string): string[] {
  return fs
    .readdirSync(d, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? (fs.chmodSync(path.join(d, e.name), 0o700), walk(path.join(d, e.name)))
        : [path.join(d, e.name)],
    );
}

async function useState(dir: string): Promise<void> {
  await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
  await waitFor(() => owner.paths?.stateDir === dir, `state dir ${dir}`);
}

/** A scripted user: answers are consumed in order; messages are recorded. */
function script(answers: Array<string | undefined>): { ui: Ui; messages: string[]; validation: string[] } {
  const messages: string[] = [];
  const validation: string[] = [];
  const next = () => answers.shift();
  const ui: Ui = {
    showInputBox: async (o) => {
      const a = next();
      if (a === undefined) return undefined;
      const v = await o.validateInput?.(a);
      const msg =
        typeof v === 'string' ? v : v && v.severity === vscode.InputBoxValidationSeverity.Error ? v.message : undefined;
      if (msg) {
        // VS Code would not accept it
        validation.push(msg);
        return undefined;
      }
      return a;
    },
    showQuickPick: async (items, _o) => {
      const a = next();
      return items.find((i) => i.label === a);
    },
    pickOrType: async () => next(),
    showWarningMessage: async (m, _o, ..._items) => {
      messages.push(m);
      return next();
    },
    showInformationMessage: async (m, ..._items) => {
      messages.push(m);
      return _items.length ? next() : undefined;
    },
    showErrorMessage: async (m) => {
      messages.push(m);
      return undefined;
    },
    showOpenDialog: async () => undefined,
  };
  return { ui, messages, validation };
}

function allFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walk(dir))
    if (!f.endsWith('.lock')) out[path.relative(dir, f)] = fs.readFileSync(f).toString('base64');
  return out;
}

function profileNode(agentId: string, id: string): Extract<Node, { kind: 'profile' }> {
  const tree = owner.tree;
  assert.ok(tree);
  for (const a of tree.getChildren())
    for (const p of tree.getChildren(a))
      for (const x of tree.getChildren(p))
        if (x.kind === 'profile' && x.agentId === agentId && x.profile.id === id) return x;
  throw new Error(`no tree node for ${agentId}/${id}`);
}

describe('OpenClaw Auth in the extension host', function () {
  this.timeout(20000);

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext, 'extension is installed');
    extPath = ext.extensionPath;
    owner = await (await ext.activate()).ready;
    assert.ok(owner && owner.tree, 'the API resolves to the started owner');
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('the tree shows agents, providers in resolved order, profiles with status, source and context values; no secret anywhere', async () => {
    const dir = copyFixture('multi-agent');
    await useState(dir);
    const tree = owner.tree!;
    const agents = tree.getChildren();
    assert.deepEqual(
      agents.map((a) => a.kind === 'agent' && a.agentId),
      ['main', 'work'],
    );
    const work = agents[1]!;
    const providers = tree.getChildren(work).filter((n) => n.kind === 'provider');
    const openrouter = providers.find((p) => p.kind === 'provider' && p.provider.provider === 'openrouter')!;
    const profiles = tree.getChildren(openrouter);
    assert.deepEqual(
      profiles.map((p) => p.kind === 'profile' && p.profile.id),
      ['openrouter:work', 'openrouter:manual'],
    );
    const item = tree.getTreeItem(profiles[1]!);
    assert.match(String(item.contextValue), /\bprofile\b.*\bremovable\b/);
    assert.match(String(item.contextValue), /source-inherited/);
    const text = (t: vscode.TreeItem['tooltip']) =>
      (typeof t === 'string' ? t : (t?.value ?? '')).replace(/\\(.)/g, '$1');
    assert.match(
      String(item.description),
      /^(ok|expires in \d+[mhd]|ok, \d+[mhd] left) · API key/,
      'status first, then the type',
    );
    assert.match(text(item.tooltip), /Shared: saved for agent main, used here too · tried 2nd of 2/);
    const pItem = tree.getTreeItem(openrouter);
    assert.match(String(pItem.description), /^2 of 2 usable/);
    assert.match(text(pItem.tooltip), /Order set here \(stored order\): openrouter:work → openrouter:manual/);
    assert.match(String(pItem.contextValue), /storedOrder/);
    const secrets = Object.values(readSnapshot({ stateDirSetting: dir, agentId: 'work' }).store.profiles)
      .map((c) => (c.type === 'api_key' ? c.key : c.type === 'token' ? c.token : undefined))
      .filter((x): x is string => Boolean(x));
    for (const n of [work, ...providers, ...profiles]) {
      const ti = tree.getTreeItem(n);
      const text = [ti.label, ti.description, typeof ti.tooltip === 'string' ? ti.tooltip : ti.tooltip?.value].join(
        '\n',
      );
      for (const s of secrets) assert.ok(!text.includes(s), 'no secret in tree text');
    }
    assert.match(owner.lastStatus?.text ?? '', /^\$\(key\) OpenClaw: \d+ ok/);
    assert.match(owner.lastStatus?.accessibilityLabel ?? '', /^OpenClaw credentials, agent main: \d+ ok/);
  });

  it('Add API Key writes the profile and openclaw.json; the tree shows it', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const s = script(['groq', 'groq:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    const snap = readSnapshot({ stateDirSetting: dir });
    assert.ok((snap.store.profiles['groq:manual'] as { key?: string } | undefined)?.key === KEY, 'stored exactly');
    assert.deepEqual((snap.config.data.auth as { profiles: Record<string, unknown> }).profiles['groq:manual'], {
      provider: 'groq',
      mode: 'api_key',
    });
    await waitFor(
      () => Boolean(owner.agent('main')?.view.providers.some((p) => p.provider === 'groq')),
      'groq in the tree',
    );
    assert.ok(s.messages.some((m) => /Saved API key groq:manual/.test(m)));
    assert.ok(!s.messages.join('\n').includes(KEY));
  });

  it("Paste Setup Token refuses a bad token with openclaw's message and changes nothing on disk", async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const before = allFiles(dir);
    const s = script(['anthropic:manual', 'sk-ant-oat01-short']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.pasteToken', { agentId: 'main', provider: 'anthropic' });
    assert.deepEqual(s.validation, ['Token looks too short; paste the full setup-token']);
    assert.deepEqual(allFiles(dir), before);
  });

  it('Add SecretRef Profile with a ref to a missing file warns and, when cancelled, changes nothing', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const cfgPath = path.join(dir, 'openclaw.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    cfg.secrets = {
      providers: { vaultfile: { source: 'file', path: path.join(dir, 'missing-secrets.json'), mode: 'json' } },
    };
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
    await waitFor(() => true, 'noop');
    const before = allFiles(dir);
    const s = script(['api_key', 'file', 'vaultfile', '/providers/xai/key', 'xai:ref', undefined]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addSecretRef', { agentId: 'main', provider: 'xai' });
    assert.ok(
      s.messages.some((m) => /does not resolve/.test(m)),
      s.messages.join(' | '),
    );
    assert.deepEqual(allFiles(dir), before);
  });

  it('Remove Profile confirms, removes from store, order and config; Undo restores it', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const node = profileNode('main', 'openrouter:backup');
    const s = script(['Remove', 'Undo']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.removeProfile', node);
    await waitFor(
      () =>
        (!readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:backup'] &&
          s.messages.some((m) => /Undid/.test(m))) ||
        Boolean(
          readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:backup'] &&
          s.messages.some((m) => /Undid/.test(m)),
        ),
      'remove then undo',
      5000,
    );
    const after = readSnapshot({ stateDirSetting: dir });
    assert.ok(after.store.profiles['openrouter:backup'], 'restored by Undo');
    assert.deepEqual(after.state.order?.openrouter, ['openrouter:backup', 'openrouter:manual']);
    assert.ok(s.messages.some((m) => /^Removed openrouter:backup/.test(m)));
  });

  it('Move Down (keyboard) and drag and drop change the stored order; the tree follows', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    owner.ui = script([]).ui;
    await vscode.commands.executeCommand('openclawAuth.moveDown', profileNode('main', 'openrouter:backup'));
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).state.order?.openrouter, [
      'openrouter:manual',
      'openrouter:backup',
    ]);
    await waitFor(
      () =>
        owner.agent('main')?.view.providers.find((p) => p.provider === 'openrouter')?.order.profileIds[0] ===
        'openrouter:manual',
      'tree order',
    );
    const dragged = profileNode('main', 'openrouter:backup');
    const onto = profileNode('main', 'openrouter:manual');
    const dt = new vscode.DataTransfer();
    owner.tree!.handleDrag([dragged], dt);
    await owner.tree!.handleDrop(onto, dt);
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).state.order?.openrouter, [
      'openrouter:backup',
      'openrouter:manual',
    ]);
    await vscode.commands.executeCommand('openclawAuth.clearOrder', { agentId: 'main', provider: 'openrouter' });
    assert.equal(readSnapshot({ stateDirSetting: dir }).state.order?.openrouter, undefined);
  });

  it('Paste Setup Token (success), Replace Credential with Undo, Copy Profile Id, Select Agent', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const tok = 'sk-ant-oat01-host-fake-' + 'T'.repeat(70);
    const before = Date.now();
    let s = script(['anthropic:second', tok, '12h']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.pasteToken', { agentId: 'main', provider: 'anthropic' });
    const t = readSnapshot({ stateDirSetting: dir }).store.profiles['anthropic:second'] as
      { type: string; token?: string; expires?: number } | undefined;
    assert.ok(t?.type === 'token' && t.token === tok, 'token stored exactly');
    assert.ok((t.expires ?? 0) >= before + 12 * 3_600_000 && (t.expires ?? 0) <= Date.now() + 12 * 3_600_000);

    const oldKey = (readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:manual'] as { key?: string }).key;
    s = script([KEY, 'Undo']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.replaceCredential', {
      agentId: 'main',
      profileId: 'openrouter:manual',
    });
    await waitFor(() => s.messages.some((m) => /^Undid: key replacement/.test(m)), 'undo of the replacement');
    assert.ok(
      (readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:manual'] as { key?: string }).key === oldKey,
      'Undo restored the old key',
    );
    assert.ok(s.messages.some((m) => /Replaced the key of openrouter:manual/.test(m)));

    await vscode.commands.executeCommand('openclawAuth.copyProfileId', profileNode('main', 'openrouter:backup'));
    assert.equal(await vscode.env.clipboard.readText(), 'openrouter:backup');

    const multi = copyFixture('multi-agent');
    await useState(multi);
    owner.ui = script([]).ui;
    await vscode.commands.executeCommand('openclawAuth.selectAgent', { agentId: 'work' });
    await waitFor(
      () => owner.currentAgent === 'work' && /agent work/.test(owner.lastStatus?.tooltip ?? ''),
      'status bar follows the selected agent',
    );
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('agent', undefined, vscode.ConfigurationTarget.Global);
  });

  it('endpoint details come from models.providers and aws-sdk routes show as config-only rows', async () => {
    const dir = copyFixture('basic');
    const cfgPath = path.join(dir, 'openclaw.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as {
      models?: unknown;
      auth: { profiles: Record<string, unknown> };
    };
    cfg.models = {
      providers: {
        openrouter: {
          baseUrl: 'https://openrouter.example.test/api/v1',
          api: 'openai-completions',
          headers: { 'X-Title': 'demo' },
        },
        'amazon-bedrock': { auth: 'aws-sdk' },
      },
    };
    cfg.auth.profiles['amazon-bedrock:default'] = { provider: 'amazon-bedrock', mode: 'aws-sdk' };
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
    await useState(dir);
    const tree = owner.tree!;
    const main = tree.getChildren()[0]!;
    const openrouter = tree
      .getChildren(main)
      .find((n) => n.kind === 'provider' && n.provider.provider === 'openrouter')!;
    // The tooltip is Markdown with escaped punctuation; compare what it renders to.
    const tip = (tree.getTreeItem(openrouter).tooltip as vscode.MarkdownString).value.replace(/\\(.)/g, '$1');
    assert.match(
      tip,
      /Endpoint \(models\.providers\): https:\/\/openrouter\.example\.test\/api\/v1 · openai-completions · headers: X-Title/,
    );
    const bedrock = tree
      .getChildren(main)
      .find((n) => n.kind === 'provider' && n.provider.provider === 'amazon-bedrock')!;
    const row = tree.getChildren(bedrock)[0]!;
    const item = tree.getTreeItem(row);
    assert.match(String(item.contextValue), /type-aws-sdk/);
    assert.match(String(item.contextValue), /source-config/);
    assert.doesNotMatch(String(item.contextValue), /removable/, 'a config-only route has no credential to remove');
  });

  it('sign-in flows: a missing openclaw is explained; --force is confirmed first and cancelling opens nothing; a confirmed one opens a terminal', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const conf = vscode.workspace.getConfiguration('openclawAuth');
    await conf.update('openclawPath', path.join(dir, 'no-such-openclaw'), vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.settings.openclawPath.endsWith('no-such-openclaw'), 'setting read');
    let s = script(['openai']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.signIn', { agentId: 'main' });
    assert.ok(
      s.messages.some((m) => /openclaw CLI was not found/.test(m) && /npm install -g openclaw/.test(m)),
      s.messages.join(' | '),
    );
    const fake = path.join(dir, 'fake-openclaw.sh');
    fs.writeFileSync(fake, '#!/bin/sh\nexit 0\n', { mode: 0o700 });
    await conf.update('openclawPath', fake, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.settings.openclawPath === fake, 'setting read');
    const terminalsBefore = vscode.window.terminals.length;
    s = script(['openai', undefined]);
    const asked: string[] = [];
    owner.ui = {
      ...s.ui,
      showQuickPick: (items, o) => {
        asked.push(o.title ?? '');
        return s.ui.showQuickPick(items, o);
      },
    };
    await vscode.commands.executeCommand('openclawAuth.signInForce', { agentId: 'main' });
    assert.ok(
      asked.some((t) => /^Sign in to openai again, deleting its saved profiles first\?$/.test(t)),
      asked.join(' | '),
    );
    assert.equal(vscode.window.terminals.length, terminalsBefore, 'cancelled: no terminal');
    s = script(['openai', 'Delete and Sign In']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.signInForce', { agentId: 'main' });
    await waitFor(() => vscode.window.terminals.some((t) => t.name === 'OpenClaw sign-in: openai'), 'sign-in terminal');
    for (const t of vscode.window.terminals) if (t.name.startsWith('OpenClaw sign-in')) t.dispose();
    await conf.update('openclawPath', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Open openclaw.json and Pick State Directory', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    owner.ui = script([]).ui;
    await vscode.commands.executeCommand('openclawAuth.revealConfig');
    await waitFor(
      () => vscode.window.activeTextEditor?.document.uri.fsPath === path.join(dir, 'openclaw.json'),
      'config opened',
    );
    const other = copyFixture('multi-agent');
    owner.ui = { ...script([]).ui, showOpenDialog: async () => [vscode.Uri.file(other)] };
    await vscode.commands.executeCommand('openclawAuth.pickStateDir');
    await waitFor(() => owner.paths?.stateDir === other && owner.agents.length === 2, 'state dir picked');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('an empty state dir: the welcome view applies, Create OpenClaw State adds the first key and creates the DB openclaw reads', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-empty-'));
    temps.push(empty);
    const dir = path.join(empty, '.openclaw');
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir, 'state dir');
    assert.equal(owner.stateExists, false, 'viewsWelcome shows (openclawAuth.stateFound is false)');
    assert.match(owner.lastStatus?.text ?? '', /no state/);
    const s = script(['openrouter', 'openrouter:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.createState');
    assert.ok(fs.existsSync(path.join(dir, 'state', 'openclaw.sqlite')));
    await waitFor(
      () => owner.stateExists && Boolean(owner.agent('main')?.view.providers.some((p) => p.provider === 'openrouter')),
      'tree shows the first key',
    );
  });

  it('Add SecretRef Profile (env ref that resolves), Move Up, Show Logs, and the Claude CLI flows explain a missing claude', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    let s = script(['api_key', 'env', 'default', 'OPENROUTER_API_KEY', 'openrouter:env2']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addSecretRef', { agentId: 'main', provider: 'openrouter' });
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).store.profiles['openrouter:env2'], {
      type: 'api_key',
      provider: 'openrouter',
      keyRef: { source: 'env', provider: 'default', id: 'OPENROUTER_API_KEY' },
    });
    assert.ok(!s.messages.some((m) => /does not resolve/.test(m)), 'the .env value resolves the ref');
    owner.ui = script([]).ui;
    await vscode.commands.executeCommand('openclawAuth.moveUp', profileNode('main', 'openrouter:manual'));
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).state.order?.openrouter, [
      'openrouter:manual',
      'openrouter:backup',
    ]);
    await vscode.commands.executeCommand('openclawAuth.showLogs');
    const conf = vscode.workspace.getConfiguration('openclawAuth');
    await conf.update('claudePath', path.join(dir, 'no-such-claude'), vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.settings.claudePath.endsWith('no-such-claude'), 'setting read');
    s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.claudeSetupToken');
    assert.ok(
      s.messages.some((m) => /claude CLI was not found/.test(m)),
      s.messages.join(' | '),
    );
    await conf.update('claudePath', undefined, vscode.ConfigurationTarget.Global);
    await conf.update('openclawPath', path.join(dir, 'no-such-openclaw'), vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.settings.openclawPath.endsWith('no-such-openclaw'), 'setting read');
    s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.reuseClaudeCli');
    assert.ok(s.messages.some((m) => /openclaw CLI was not found/.test(m)));
    await conf.update('openclawPath', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a change on disk by another program reaches the tree and the status bar within a second', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const t0 = Date.now();
    await applyMutation(
      { stateDirSetting: dir },
      {
        kind: 'upsertProfile',
        profileId: 'mistral:manual',
        credential: { type: 'api_key', provider: 'mistral', key: 'mistral-fake-host-0123456789' },
      },
    );
    await waitFor(
      () => Boolean(owner.agent('main')?.view.providers.some((p) => p.provider === 'mistral')),
      'external change',
      1500,
    );
    assert.ok(Date.now() - t0 < 1500);
    assert.ok(owner.lastReloadAt >= t0);
  });

  it('bad input: a corrupt DB shows a warning in the tree and writes are refused with a clear message, nothing changed', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    fs.writeFileSync(path.join(dir, 'state', 'openclaw.sqlite'), 'not a database '.repeat(100));
    await vscode.commands.executeCommand('openclawAuth.refresh');
    const main = owner.tree!.getChildren()[0]!;
    assert.ok(
      owner.tree!.getChildren(main).some((n) => n.kind === 'warning' && /not a SQLite database/.test(n.message)),
    );
    const before = allFiles(dir);
    const s = script(['groq', 'groq:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    assert.ok(
      s.messages.some((m) => /not a SQLite database/.test(m) && /Nothing was changed/.test(m)),
      s.messages.join(' | '),
    );
    assert.deepEqual(allFiles(dir), before);
  });
  it('bad input: a stateDir setting that holds no OpenClaw state (or is a file) says so; Add API Key is refused and creates nothing', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-nostate-'));
    temps.push(parent);
    fs.writeFileSync(path.join(parent, 'notes.txt'), 'not openclaw');
    await useState(parent);
    assert.equal(owner.stateExists, false, 'the welcome view applies');
    assert.match(
      owner.treeView?.message ?? '',
      /No OpenClaw state at .*oca-host-nostate-.* \(the openclawAuth\.stateDir setting\)/,
    );
    const before = allFiles(parent);
    const s = script(['groq', 'groq:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main' });
    assert.ok(
      s.messages.some(
        (m) =>
          /No OpenClaw state at/.test(m) && /OpenClaw: Create State/.test(m) && /nothing was read or changed/.test(m),
      ),
      s.messages.join(' | '),
    );
    assert.ok(!s.messages.some((m) => m.includes(KEY)), 'the key is in no message');
    assert.deepEqual(allFiles(parent), before);
    const file = path.join(parent, 'notes.txt');
    await useState(file);
    assert.match(owner.treeView?.message ?? '', /notes\.txt is a file, not an OpenClaw state dir/);
    const s2 = script(['groq', 'groq:manual', KEY]);
    owner.ui = s2.ui;
    await vscode.commands.executeCommand('openclawAuth.createState');
    assert.ok(
      s2.messages.some((m) => /is a file, not an OpenClaw state dir/.test(m)),
      s2.messages.join(' | '),
    );
    assert.deepEqual(allFiles(parent), before);
  });

  it('bad input: an auth store cell that is not valid JSON makes Remove Profile refuse with a clear message, nothing changed', async () => {
    const dir = copyFixture('basic');
    await useState(dir);
    const db = path.join(dir, 'state', 'openclaw.sqlite');
    await mutateDb(
      db,
      (c) =>
        writeCell(
          c,
          { table: 'config_machine_state', key: 'authProfiles.store' },
          '{"version":1,"profiles":{"openrouter:manual":',
          Date.now(),
        ),
      { kind: 'shared', agentId: 'main' },
    );
    await vscode.commands.executeCommand('openclawAuth.refresh');
    const before = allFiles(dir);
    const s = script(['Remove']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.removeProfile', {
      agentId: 'main',
      provider: 'openrouter',
      profileId: 'openrouter:manual',
    });
    assert.ok(
      s.messages.some((m) => /is not valid JSON.*, so nothing was changed/.test(m)),
      s.messages.join(' | '),
    );
    assert.deepEqual(allFiles(dir), before);
  });
});
