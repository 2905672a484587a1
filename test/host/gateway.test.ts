/**
 * The gateway commands and status bar item inside the real VS Code extension host, with the real
 * openclaw 2026.9.6 gateway (the Node 24 that runs code-server also runs openclaw): start from the
 * status item's actions (verified by /readyz), a key saved through the control plane, a provider
 * removal through it, a SIGKILL shown as "crashed, restarting", stop with no process left, the
 * token in SecretStorage, and a clear message when nothing answers.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import { readSnapshot } from '../../src/store';
import { engineName } from '../../src/store/engine';
import { probeGateway } from '../../src/gateway/health';
import { descendants, alive } from '../../src/gateway/process';
import { ACTION_LABELS } from '../../src/features/gateway/statusItem';
import { TOKEN_SECRET_KEY } from '../../src/features/gateway/controller';
import { waitFor } from '../helpers/wait';
import { freePort, script } from '../helpers/hostScript';

const EXT_ID = 'openclaw-auth.openclaw-auth';
const KEY = 'gsk_host_fake_gateway_0123456789abcdef';
const TOKEN = 'host-gw-token-fake-0123456789abcdef';

describe('gateway in the extension host (real openclaw)', function () {
  this.timeout(180_000);
  let owner: OpenClawAuth;
  let dir: string;
  let port: number;
  const cfg = () => vscode.workspace.getConfiguration('openclawAuth');

  before(async function () {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext);
    owner = await (await ext.activate()).ready;
    // code-server runs on <cache>/node24/node_modules/node/bin/node (or node18 for VS Code 1.82);
    // openclaw and the Node 24 it needs are installed next to it.
    const cache = path.resolve(path.dirname(process.execPath), '..', '..', '..', '..');
    const node = path.join(cache, 'node24', 'node_modules', 'node', 'bin', 'node');
    const openclaw = path.join(cache, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
    if (!fs.existsSync(openclaw))
      throw new Error(`openclaw not found at ${openclaw} (run scripts/install-openclaw.mjs)`);
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-gw-')), '.openclaw');
    fs.mkdirSync(dir, { recursive: true });
    port = await freePort();
    await cfg().update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await cfg().update('openclawPath', openclaw, vscode.ConfigurationTarget.Global);
    await cfg().update('gateway.nodePath', node, vscode.ConfigurationTarget.Global);
    await cfg().update('gateway.port', port, vscode.ConfigurationTarget.Global);
    await waitFor(
      () => owner.gateway?.settings.port === port && owner.paths?.stateDir === dir,
      'settings applied',
      5000,
    );
    await owner.context.secrets.store(TOKEN_SECRET_KEY, TOKEN);
  });

  after(async () => {
    if (owner.gateway?.supervisor.owned) await owner.gateway.supervisor.stop();
    await owner.context.secrets.delete(TOKEN_SECRET_KEY);
    for (const k of ['stateDir', 'openclawPath', 'gateway.nodePath', 'gateway.port'])
      await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('stopped: the status item offers Start; Start from it is reported once /readyz says ready, and connects', async () => {
    const g = owner.gateway!;
    assert.equal(g.lastView?.kind, 'stopped');
    assert.ok(g.lastView?.actions.includes('start'));
    const s = script([ACTION_LABELS.start]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.gatewayActions');
    const p = await probeGateway(port);
    assert.ok(p.kind === 'gateway' && p.ready, 'ready by /readyz');
    assert.equal(g.lastView?.kind, 'ready');
    assert.match(g.lastView?.text ?? '', /Gateway/);
    assert.ok(
      s.messages.some((m) => new RegExp(`Gateway ready on port ${port} \\(pid \\d+\\)`).test(m)),
      s.messages.join('\n'),
    );
    await waitFor(() => g.connected, 'control plane connected', 20_000);
    assert.deepEqual(g.lastView?.actions, ['restart', 'stop', 'setToken', 'showLogs']);
  });

  it('Add API Key goes through models.authSetApiKey; models.authStatus then shows it and agrees with the files', async () => {
    const g = owner.gateway!;
    const s = script(['groq:manual', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', { agentId: 'main', provider: 'groq' });
    assert.ok(
      s.messages.some((m) => /Saved API key groq:manual through the gateway/.test(m)),
      s.messages.join('\n'),
    );
    const snap = readSnapshot({ stateDirSetting: dir });
    assert.equal((snap.store.profiles['groq:manual'] as { key?: string } | undefined)?.key, KEY);
    await waitFor(
      () => g.authStatus?.providers.some((p) => p.provider === 'groq'),
      'groq in models.authStatus',
      20_000,
    );
    await waitFor(
      () => owner.agent('main')?.view.providers.some((p) => p.provider === 'groq'),
      'groq in the tree',
      10_000,
    );
    g.reconcile();
    assert.deepEqual(g.mismatch, []);
    // An order change (Move Up/Down, drag and drop) goes through models.authOrderSet, with Undo.
    const o = script([]);
    owner.ui = o.ui;
    await owner.setOrder('main', 'groq', ['groq:manual']);
    assert.deepEqual(readSnapshot({ stateDirSetting: dir }).state.order?.groq, ['groq:manual']);
    assert.ok(
      o.messages.some((m) => /^Order for groq: groq:manual\./.test(m)),
      o.messages.join('\n'),
    );
    await waitFor(
      () => /Gateway auth view: .*groq/.test(g.lastView?.tooltip ?? '') && !/differs/.test(g.lastView?.tooltip ?? ''),
      'the tooltip shows the gateway view, in agreement',
      20_000,
    );
  });

  it('Remove Provider Auth through the gateway reports the runs it stopped (none here) and the view follows', async () => {
    const s = script(['Remove']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.removeProviderAuth', { agentId: 'main', provider: 'groq' });
    assert.ok(
      s.messages.some((m) => /^Removed 1 groq profile \(groq:manual\)\. No runs were using it\./.test(m)),
      s.messages.join('\n'),
    );
    assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles['groq:manual'], undefined);
    await waitFor(
      () => !owner.agent('main')?.view.providers.some((p) => p.provider === 'groq'),
      'groq gone from the tree',
      10_000,
    );
  });

  it('while connected, a setup token is saved with openclaw\'s CLI and reloaded; a SecretRef profile is written in place beside the gateway (node:sqlite) and reloaded, or gets "stop the gateway first" (sql.js)', async () => {
    const g = owner.gateway!;
    const tok = `sk-ant-oat01-fake-host-gateway-${'x'.repeat(70)}`;
    const s = script(['anthropic:manual', tok, '']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.pasteToken', { agentId: 'main', provider: 'anthropic' });
    assert.ok(
      s.messages.some((m) => /Saved token anthropic:manual with openclaw's CLI .*reloaded the gateway/.test(m)),
      s.messages.join('\n'),
    );
    assert.equal(
      (readSnapshot({ stateDirSetting: dir }).store.profiles['anthropic:manual'] as { token?: string } | undefined)
        ?.token,
      tok,
    );
    await waitFor(
      () => g.authStatus?.providers.some((p) => p.provider === 'anthropic'),
      'anthropic in models.authStatus',
      20_000,
    );
    const s2 = script([]);
    owner.ui = s2.ui;
    await owner.apply(
      'main',
      {
        kind: 'upsertProfile',
        profileId: 'openai:ref',
        credential: {
          type: 'api_key',
          provider: 'openai',
          keyRef: { source: 'env', provider: 'default', id: 'OPENAI_API_KEY' },
        },
      },
      { done: 'Saved openai:ref.' },
    );
    if (engineName() === 'native') {
      // A real SQLite connection writes in place beside the gateway; the gateway is asked to reload.
      assert.ok(
        s2.messages.some((m) => /Saved openai:ref\./.test(m)),
        s2.messages.join('\n'),
      );
      assert.ok(
        readSnapshot({ stateDirSetting: dir }).store.profiles['openai:ref'],
        'written beside the running gateway',
      );
      await waitFor(
        () => g.authStatus?.providers.some((p) => p.provider === 'openai'),
        'openai in models.authStatus after the reload',
        20_000,
      );
      // Its env var is unset here: a gateway started on this store would not be ready. Remove it for the next tests.
      await owner.apply('main', { kind: 'removeProfile', profileId: 'openai:ref' }, { done: 'Removed openai:ref.' });
      assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles['openai:ref'], undefined);
    } else {
      assert.ok(
        s2.messages.some((m) => /keeps the auth database open.*Stop the gateway/.test(m)),
        s2.messages.join('\n'),
      );
      assert.equal(readSnapshot({ stateDirSetting: dir }).store.profiles['openai:ref'], undefined, 'nothing written');
    }
  });

  it('SIGKILL of the gateway shows "crashed, restarting in N s" within 2 s, then ready again', async () => {
    const g = owner.gateway!;
    const pid = g.supervisor.pid;
    assert.ok(pid);
    const seen: string[] = [];
    const sub = g.onDidRender((v) => seen.push(v.text));
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => g.lastView?.kind === 'crashed', 'crashed in the status item', 2000);
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(
      seen.some((t) => /Gateway: crashed, restarting in \d+ s/.test(t)),
      seen.join('\n'),
    );
    await waitFor(() => g.lastView?.kind === 'ready', 'ready again', 150_000);
    sub.dispose();
    assert.notEqual(g.supervisor.pid, pid);
  });

  it('Restart Gateway: a new process, reported only once /readyz says ready again', async () => {
    const g = owner.gateway!;
    const before = g.supervisor.pid;
    const s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.restartGateway');
    assert.ok(
      s.messages.some((m) => new RegExp(`Gateway ready on port ${port}`).test(m)),
      s.messages.join('\n'),
    );
    assert.ok(g.supervisor.pid && g.supervisor.pid !== before, 'a new gateway process');
    assert.ok(before && !alive(before), 'the old one is gone');
    // Our own /readyz agrees. A gateway that just started can be too busy to answer one probe on a
    // loaded machine ("silent"), so ask a few times; it must never answer "not ready" or be down.
    let p = await probeGateway(port);
    for (let i = 0; i < 5 && p.kind === 'silent'; i++) p = await probeGateway(port);
    assert.ok(p.kind === 'gateway' && p.ready, JSON.stringify(p));
    assert.equal(g.lastView?.kind, 'ready');
  });

  it('Stop Gateway is reported after the port stops answering, and leaves no process behind', async () => {
    const g = owner.gateway!;
    const pid = g.supervisor.pid!;
    const tree = descendants(pid);
    const s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.stopGateway');
    assert.ok(
      s.messages.some((m) => /Gateway stopped \(pid \d+\)/.test(m)),
      s.messages.join('\n'),
    );
    assert.equal((await probeGateway(port)).kind, 'down');
    assert.deepEqual([pid, ...tree].filter(alive), []);
    assert.equal(g.lastView?.kind, 'stopped');
  });

  it('Connect to Running Gateway with nothing on the port says so; Set Gateway Token saves to SecretStorage', async () => {
    const s = script([undefined, 'host-gw-token-fake-new-0123456789']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.connectGateway');
    assert.ok(
      s.messages.some((m) => new RegExp(`No gateway answers on port ${port}`).test(m)),
      s.messages.join('\n'),
    );
    await vscode.commands.executeCommand('openclawAuth.setGatewayToken');
    assert.equal(await owner.context.secrets.get(TOKEN_SECRET_KEY), 'host-gw-token-fake-new-0123456789');
    assert.ok(s.messages.includes('Gateway token saved.'));
    assert.ok(!JSON.stringify(cfg()).includes('host-gw-token-fake'), 'the token is not in settings');
  });
});
