/**
 * Probes, rotation keys, cooldowns and pinning inside the real extension host, against a loopback
 * provider started by the test (OpenAI-compatible wire format). The user is scripted through the
 * owner's UI facade; files and the auth state are read back from disk.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import type { Ui } from '../../src/ui/ui';
import type { Node } from '../../src/ui/profilesTree';
import { applyMutation, readSnapshot } from '../../src/store';
import { setUsageStats } from '../../src/store/probe';
import { maskSecret } from '../../src/auth/mask';
import { fakeKey, startProviderServer, type ProviderServer } from '../helpers/providerServer';
import { waitFor } from '../helpers/wait';
import { shiftFixtureClock } from '../helpers/clock';

const EXT_ID = 'openclaw-auth.openclaw-auth';
let owner: OpenClawAuth;
let srv: ProviderServer;
let stateDir: string;
const temps: string[] = [];

function script(answers: Array<string | undefined>): { ui: Ui; messages: string[] } {
  const messages: string[] = [];
  const next = () => answers.shift();
  const ui: Ui = {
    showInputBox: async (o) => {
      const a = next();
      if (a === undefined) return undefined;
      const v = await o.validateInput?.(a);
      return v ? undefined : a;
    },
    showQuickPick: async (items) => {
      const a = next();
      return items.find((i) => i.label === a);
    },
    pickOrType: async () => next(),
    showWarningMessage: async (m) => {
      messages.push(m);
      return next();
    },
    showInformationMessage: async (m, ...items) => {
      messages.push(m);
      return items.length ? next() : undefined;
    },
    showErrorMessage: async (m) => {
      messages.push(m);
      return undefined;
    },
    showOpenDialog: async () => undefined,
  };
  return { ui, messages };
}

function profileNode(id: string): Extract<Node, { kind: 'profile' }> {
  const tree = owner.tree!;
  for (const a of tree.getChildren())
    for (const p of tree.getChildren(a))
      for (const x of tree.getChildren(p)) if (x.kind === 'profile' && x.profile.id === id) return x;
  throw new Error(`no tree node for ${id}`);
}
const desc = (id: string) => String(owner.tree!.getTreeItem(profileNode(id)).description);
const tip = (id: string) => {
  const t = owner.tree!.getTreeItem(profileNode(id)).tooltip;
  return (typeof t === 'string' ? t : (t?.value ?? '')).replace(/\\(.)/g, '$1');
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const KEYS = {
  ok: fakeKey('ok', 31),
  bad: fakeKey('401', 32),
  out: fakeKey('ok', 33),
  slow1: fakeKey('slow300', 34),
  slow2: fakeKey('slow300', 35),
  slow3: fakeKey('slow300', 36),
};

describe('OpenClaw Auth probes in the extension host', function () {
  this.timeout(30000);

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext);
    owner = await (await ext.activate()).ready;
    srv = await startProviderServer();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-probe-'));
    temps.push(home);
    stateDir = path.join(home, '.openclaw');
    // Start from a real openclaw home (its DBs), emptied of its own profiles and .env.
    fs.cpSync(
      path.join(ext.extensionPath, 'test', 'fixtures', 'openclaw-2026.9.6', 'basic', 'home', '.openclaw'),
      stateDir,
      { recursive: true },
    );
    shiftFixtureClock(stateDir, 'basic');
    fs.rmSync(path.join(stateDir, '.env'), { force: true });
    const opts = { stateDirSetting: stateDir, env: { HOME: home } };
    for (const id of Object.keys(readSnapshot(opts).store.profiles))
      await applyMutation(opts, { kind: 'removeProfile', profileId: id });
    for (const [name, key] of Object.entries({ ok: KEYS.ok, bad: KEYS.bad, out: KEYS.out }))
      await applyMutation(opts, {
        kind: 'upsertProfile',
        profileId: `openai:${name}`,
        credential: { type: 'api_key', provider: 'openai', key },
      });
    for (const n of [1, 2, 3])
      await applyMutation(opts, {
        kind: 'upsertProfile',
        profileId: `groq:s${n}`,
        credential: { type: 'api_key', provider: 'groq', key: KEYS[`slow${n}` as 'slow1'] },
      });
    const cfgPath = path.join(stateDir, 'openclaw.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as Record<string, Record<string, unknown>>;
    cfg.auth = { ...(cfg.auth ?? {}), order: { openai: ['openai:ok', 'openai:bad'] } };
    cfg.agents = {
      defaults: {
        model: { primary: 'openai/gpt-fake-mini', fallbacks: ['groq/fake-groq'] },
        models: { 'openai/gpt-fake-mini': { alias: 'Mini' } },
      },
    };
    cfg.models = {
      providers: {
        openai: { baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions' },
        groq: { baseUrl: `${srv.baseUrl}/v1`, api: 'openai-completions' },
      },
    };
    cfg.gateway = { port: await freePort() };
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
    await owner.context.globalState.update('openclawAuth.probe.costAcknowledged', undefined);
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', stateDir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === stateDir && owner.agents.length > 0, 'state dir');
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration('openclawAuth.probe')
      .update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await srv.close();
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('Check Credentials: local verdicts in a report page (CSP, no script, no key), no request sent', async () => {
    srv.reset();
    await vscode.commands.executeCommand('openclawAuth.checkCredentials');
    const html = owner.probes.reportHtml ?? '';
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src [^"]*'nonce-/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /openai:out<\/td>.*excluded_by_auth_order/);
    assert.match(html, /openai:ok<\/td>.*not probed/);
    for (const k of Object.values(KEYS)) assert.ok(!html.includes(k));
    assert.equal(srv.requests.length, 0);
  });

  it('the open credential check follows the store: a stored order that lists openai:out clears its verdict, clearing it brings it back', async () => {
    srv.reset();
    await vscode.commands.executeCommand('openclawAuth.checkCredentials');
    assert.match(owner.probes.reportHtml ?? '', /openai:out<\/td>.*excluded_by_auth_order/);
    const opts = { stateDirSetting: stateDir, env: { HOME: path.dirname(stateDir) } };
    // An outside write (as the openclaw CLI would make it): the watcher reloads, the check re-runs.
    await applyMutation(opts, { kind: 'setOrder', provider: 'openai', profileIds: ['openai:ok', 'openai:out'] });
    await waitFor(
      () => /openai:out<\/td>.*not probed/.test(owner.probes.reportHtml ?? ''),
      'the report to drop excluded_by_auth_order for openai:out',
    );
    assert.match(owner.probes.reportHtml ?? '', /openai:bad<\/td>.*excluded_by_auth_order/);
    await applyMutation(opts, { kind: 'setOrder', provider: 'openai', profileIds: null });
    await waitFor(
      () => /openai:out<\/td>.*excluded_by_auth_order/.test(owner.probes.reportHtml ?? ''),
      'the report to show excluded_by_auth_order again',
    );
    assert.equal(srv.requests.length, 0);
  });

  it('Probe All: cost warning once, live results on the rows and in the status bar, outcome recorded, report and JSON export', async () => {
    srv.reset();
    const s = script(['Run Probes', 'Show Report']);
    owner.ui = s.ui;
    const summary = await vscode.commands.executeCommand<{ results: Array<{ profileId?: string; status: string }> }>(
      'openclawAuth.probeAll',
    );
    assert.ok(summary);
    assert.match(s.messages[0] ?? '', /one real request per profile/);
    const st = Object.fromEntries(summary.results.map((r) => [r.profileId, r.status]));
    assert.equal(st['openai:ok'], 'ok');
    assert.equal(st['openai:bad'], 'auth');
    assert.match(
      desc('openai:ok'),
      /probe ok · \d+ ms$/,
      'the row keeps the result; "just now" would change every minute',
    );
    assert.match(tip('openai:ok'), /probe ok · \d+ ms · just now/);
    assert.match(desc('openai:bad'), /probe auth/);
    // One health model: the rejected key is failing in the status bar (in words), the report and its line agree.
    assert.equal(owner.lastStatus?.text, '$(key) OpenClaw: 4 ok, 1 needs attention (1 failing)');
    assert.equal(
      owner.lastStatus?.accessibilityLabel,
      'OpenClaw credentials, agent main: 4 ok, 1 needs attention (1 failing)',
    );
    assert.match(owner.lastStatus?.tooltip ?? '', /Last live probe: 4 of 5 ok \(1 auth\)/);
    const u = readSnapshot({ stateDirSetting: stateDir, env: { HOME: path.dirname(stateDir) } }).state.usageStats ?? {};
    assert.equal(u['openai:bad']?.cooldownReason, 'auth');
    assert.equal(typeof u['openai:ok']?.lastProbeAt, 'number');
    await waitFor(() => /openai:bad<\/td>.*auth/.test(owner.probes.reportHtml ?? ''), 'report shows the live rows');
    assert.match(owner.probes.reportHtml ?? '', /Rejected by the provider[^<]*<\/span><\/td><td>openai:bad<\/td>/);
    assert.ok(
      (owner.probes.reportHtml ?? '').includes('Agent main: 4 ok, 1 needs attention (1 failing)'),
      'the report says what the status bar says',
    );
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('openclawAuth.exportProbeJson');
    const j = JSON.parse(doc.getText()) as { totalTargets: number; options: { concurrency: number } };
    assert.equal(j.totalTargets, 5);
    for (const k of Object.values(KEYS)) assert.ok(!doc.getText().includes(k));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    // The second probe does not ask again.
    const s2 = script([]);
    owner.ui = s2.ui;
    await vscode.commands.executeCommand('openclawAuth.probeProfile', { profileId: 'openai:ok' });
    assert.ok(!s2.messages.some((m) => /one real request/.test(m)));
  });

  it('the concurrency setting bounds the requests in flight', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('openclawAuth.probe')
      .update('concurrency', 1, vscode.ConfigurationTarget.Global);
    srv.reset();
    owner.ui = script([]).ui;
    const s = await vscode.commands.executeCommand<{ results: Array<{ status: string }> }>(
      'openclawAuth.probeProvider',
      { provider: 'groq' },
    );
    assert.equal(s.results.filter((r) => r.status === 'ok').length, 3);
    assert.equal(srv.maxInFlight, 1);
  });

  it('Cancel Probe stops a probe stuck on a provider that never answers, well before its timeout', async () => {
    const home = path.dirname(stateDir);
    await applyMutation(
      { stateDirSetting: stateDir, env: { HOME: home } },
      {
        kind: 'upsertProfile',
        profileId: 'groq:hang',
        credential: { type: 'api_key', provider: 'groq', key: fakeKey('hang', 51) },
      },
    );
    await vscode.commands.executeCommand('openclawAuth.refresh');
    await vscode.workspace
      .getConfiguration('openclawAuth.probe')
      .update('timeout', 20000, vscode.ConfigurationTarget.Global);
    srv.reset();
    const s = script([]);
    owner.ui = s.ui;
    const t0 = Date.now();
    const pending = vscode.commands.executeCommand<{
      cancelled?: boolean;
      results: Array<{ profileId?: string; error?: string }>;
    }>('openclawAuth.probeProfile', { profileId: 'groq:hang' });
    await waitFor(() => srv.requests.length === 1, 'the request reached the provider');
    assert.equal(await vscode.commands.executeCommand('openclawAuth.cancelProbe'), true);
    const summary = await pending;
    assert.ok(Date.now() - t0 < 10000, 'ended long before the 20 s timeout');
    assert.equal(summary.cancelled, true);
    assert.equal(summary.results.find((r) => r.profileId === 'groq:hang')?.error, 'Probe cancelled.');
    assert.ok(
      s.messages.some((m) => /^Probe cancelled/.test(m)),
      s.messages.join(' | '),
    );
    await vscode.workspace
      .getConfiguration('openclawAuth.probe')
      .update('timeout', undefined, vscode.ConfigurationTarget.Global);
    await applyMutation(
      { stateDirSetting: stateDir, env: { HOME: home } },
      { kind: 'removeProfile', profileId: 'groq:hang' },
    );
    await vscode.commands.executeCommand('openclawAuth.refresh');
  });

  it('rotation chain: add a key to .env (private), see it masked, remove it again', async () => {
    const envFile = path.join(stateDir, '.env');
    fs.writeFileSync(envFile, '# keep me\nOTHER=1\n');
    const key = fakeKey('ok', 41);
    owner.ui = script(['openai', key]).ui;
    await vscode.commands.executeCommand('openclawAuth.addRotationKey', {});
    assert.equal(fs.readFileSync(envFile, 'utf8'), `# keep me\nOTHER=1\nOPENAI_API_KEY_1=${key}\n`);
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
    await waitFor(() => owner.current()?.snapshot.dotenv.OPENAI_API_KEY_1 === key, 'reload');
    const s = script([`1. ${maskSecret(key)}`, 'Remove']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.showRotationChain', { provider: 'openai' });
    assert.equal(fs.readFileSync(envFile, 'utf8'), '# keep me\nOTHER=1\n');
    assert.ok(
      s.messages.some((m) => /Removed OPENAI_API_KEY_1/.test(m)),
      s.messages.join(' | '),
    );
  });

  it('a cooldown shows its end time on the row and the tree stays quiet while it is visible; Reset Cooldown clears it, Undo brings it back', async () => {
    const home = path.dirname(stateDir);
    const until = Date.now() + 90_000;
    await setUsageStats(
      { stateDirSetting: stateDir, env: { HOME: home } },
      'openai:ok',
      {
        cooldownUntil: until,
        cooldownReason: 'overloaded',
        errorCount: 1,
        failureCounts: { overloaded: 1 },
        lastFailureAt: Date.now(),
      },
      async () => false,
    );
    await vscode.commands.executeCommand('openclawAuth.refresh');
    await vscode.commands.executeCommand('openclawAuth.profiles.focus');
    await waitFor(
      () => /^cooling down until \d\d:\d\d \(overloaded\) · API key/.test(desc('openai:ok')),
      'the end time on the row',
    );
    assert.match(tip('openai:ok'), /Cooling down until \d\d:\d\d: overloaded/);
    // No per-second rebuild: while the row is visible, nothing in the tree changes by itself, so
    // a tooltip or a context menu keeps its row. First let the file watcher's reload of the write
    // above land (under load it can come after the explicit refresh): a second with no reload.
    for (let last = owner.lastReloadAt, quietSince = Date.now(); Date.now() - quietSince < 1000;) {
      await new Promise((r) => setTimeout(r, 100));
      if (owner.lastReloadAt !== last) [last, quietSince] = [owner.lastReloadAt, Date.now()];
    }
    let events = 0;
    const sub = owner.tree!.onDidChangeTreeData(() => {
      events++;
    });
    await new Promise((r) => setTimeout(r, 2500));
    sub.dispose();
    assert.equal(events, 0, 'no tree refresh while nothing changed');
    const s = script(['Undo']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.resetCooldown', profileNode('openai:ok'));
    const read = () => readSnapshot({ stateDirSetting: stateDir, env: { HOME: home } }).state.usageStats?.['openai:ok'];
    await waitFor(() => read()?.cooldownUntil === until, 'Undo restored the cooldown');
    assert.ok(
      s.messages.some((m) =>
        /Reset the cooldown of openai:ok\. It moved from \d+ up to position 1 of openai's order\./.test(m),
      ),
      s.messages.join(' | '),
    );
  });

  it("Copy Pin Command uses the alias of the provider's model", async () => {
    owner.ui = script([]).ui;
    const cmd = await vscode.commands.executeCommand<string>('openclawAuth.copyPinCommand', profileNode('openai:bad'));
    assert.equal(cmd, '/model Mini@openai:bad -s');
    assert.equal(await vscode.env.clipboard.readText(), cmd);
  });
});
