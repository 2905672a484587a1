/**
 * A remote gateway in the real extension host: a second real openclaw 2026.9.6 gateway on its own
 * state dir and port, reached only through its URL (the extension never reads its files; the test
 * does, to check what changed). Add Remote Gateway, the tree with both gateways as roots, a key
 * saved there, Move Down, Remove Profile and Remove Provider Auth on its rows, what the protocol
 * cannot do, a wrong token, and the remote's death, each read back from the right gateway's files.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import type { Node } from '../../src/ui/profilesTree';
import { readSnapshot } from '../../src/store';
import { GatewaySupervisor } from '../../src/gateway/supervisor';
import { waitFor } from '../helpers/wait';
import { freePort, script } from '../helpers/hostScript';
import { shiftFixtureClock } from '../helpers/clock';

const EXT_ID = 'openclaw-auth.openclaw-auth';
const KEY = 'gsk_host_fake_remote_0123456789abcdef';
const TOKEN = 'host-remote-token-fake-0123456789abcdef';

describe('a remote gateway in the extension host (two real openclaw gateways)', function () {
  this.timeout(180_000);
  let owner: OpenClawAuth;
  let localDir: string;
  let remoteHome: string;
  let port: number;
  let sup: GatewaySupervisor;
  /** openclaw's own `models auth list --json` on a home: the profile ids it sees. */
  let openclawList: (home: string) => string[];
  let url: string;
  const cfg = () => vscode.workspace.getConfiguration('openclawAuth');
  const remoteState = () => readSnapshot({ stateDirSetting: path.join(remoteHome, '.openclaw'), env: {} });
  const localIds = () =>
    Object.keys(readSnapshot({ stateDirSetting: localDir, env: {} }).store.profiles)
      .sort()
      .join(',');

  const roots = () => owner.tree!.getChildren();
  const extPath = () => vscode.extensions.getExtension(EXT_ID)!.extensionPath;
  const remoteRoot = () => roots().find((n) => n.kind === 'gateway' && n.gatewayId === url);
  /** The remote's rows under its agent `main`: provider → profile ids, in the tree's order. */
  function remoteRows(): Record<string, string[]> {
    const root = remoteRoot();
    if (!root) return {};
    const agent = owner.tree!.getChildren(root).find((n) => n.kind === 'remoteAgent' && n.agent.agentId === 'main');
    if (!agent) return {};
    const out: Record<string, string[]> = {};
    for (const p of owner.tree!.getChildren(agent))
      if (p.kind === 'remoteProvider')
        out[p.provider.provider] = owner
          .tree!.getChildren(p)
          .map((x) => (x.kind === 'remoteProfile' ? x.profile.profileId : '?'));
    return out;
  }
  function remoteNode(kind: 'remoteProvider' | 'remoteProfile' | 'remoteAgent', id: string): Node {
    const root = remoteRoot()!;
    for (const a of owner.tree!.getChildren(root)) {
      if (kind === 'remoteAgent' && a.kind === 'remoteAgent' && a.agent.agentId === id) return a;
      for (const p of owner.tree!.getChildren(a)) {
        if (kind === 'remoteProvider' && p.kind === 'remoteProvider' && p.provider.provider === id) return p;
        for (const x of owner.tree!.getChildren(p))
          if (kind === 'remoteProfile' && x.kind === 'remoteProfile' && x.profile.profileId === id) return x;
      }
    }
    throw new Error(`no ${kind} ${id} in the remote's rows: ${JSON.stringify(remoteRows())}`);
  }

  before(async function () {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>(EXT_ID);
    assert.ok(ext);
    owner = await (await ext.activate()).ready;
    const cache = path.resolve(path.dirname(process.execPath), '..', '..', '..', '..');
    const node = path.join(cache, 'node24', 'node_modules', 'node', 'bin', 'node');
    const openclaw = path.join(cache, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
    openclawList = (home: string) => {
      const r = spawnSync(node, [openclaw, 'models', 'auth', 'list', '--json'], {
        env: {
          HOME: home,
          PATH: [path.dirname(node), '/usr/bin', '/bin'].join(path.delimiter),
          TMPDIR: os.tmpdir(),
          npm_config_offline: 'true',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { profiles: Array<{ id: string }> };
      return doc.profiles.map((p) => p.id).sort();
    };
    if (!fs.existsSync(openclaw)) throw new Error(`openclaw not found at ${openclaw}`);
    // This machine: an empty state of its own. The remote: the basic fixture, served by its own gateway.
    localDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-local-')), '.openclaw');
    fs.mkdirSync(localDir, { recursive: true });
    remoteHome = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-remote-'));
    fs.cpSync(
      path.join(extPath(), 'test', 'fixtures', 'openclaw-2026.9.6', 'basic', 'home', '.openclaw'),
      path.join(remoteHome, '.openclaw'),
      { recursive: true },
    );
    shiftFixtureClock(remoteHome, 'basic');
    // The fixture's gateway token is a SecretRef into its store; this remote takes the test's token instead.
    const configPath = path.join(remoteHome, '.openclaw', 'openclaw.json');
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as { gateway: { auth: Record<string, unknown> } };
    delete config.gateway.auth.token;
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    fs.mkdirSync(path.join(remoteHome, 'tmp'));
    port = await freePort();
    url = `ws://127.0.0.1:${port}`;
    sup = new GatewaySupervisor({
      port,
      commandSetting: openclaw,
      nodePath: node,
      env: {
        HOME: remoteHome,
        PATH: [path.dirname(node), '/usr/bin', '/bin'].join(path.delimiter),
        TMPDIR: path.join(remoteHome, 'tmp'),
        npm_config_offline: 'true',
      },
      token: TOKEN,
      allowUnconfigured: true,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, output: () => undefined },
      restart: { initialMs: 500, maxAttempts: 0 },
    });
    await sup.start();
    await cfg().update('stateDir', localDir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === localDir, 'local state dir', 5000);
  });

  after(async () => {
    await sup?.stop().catch(() => undefined);
    sup?.dispose();
    await cfg().update('remoteGateways', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    await owner.context.secrets.delete(`openclawAuth.remoteGatewayToken:${url}`);
    fs.rmSync(remoteHome, { recursive: true, force: true });
    fs.rmSync(path.dirname(localDir), { recursive: true, force: true });
  });

  it('Add Remote Gateway: URL, name, token; the tree shows This machine and the remote as roots, the status bar the remote', async () => {
    const s = script([url, 'home server', TOKEN]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addRemoteGateway');
    assert.deepEqual(cfg().get('remoteGateways'), [{ name: 'home server', url }]);
    assert.ok(
      s.messages.some((m) => /^home server: connected \(openclaw 2026\.9\.6, protocol 4\)\.$/.test(m)),
      s.messages.join('\n'),
    );
    await waitFor(() => remoteRows().openrouter?.length, 'the remote rows', 15_000);
    const labels = roots().map((n) => String(owner.tree!.getTreeItem(n).label));
    assert.deepEqual(labels, ['This machine', 'home server']);
    const rootItem = owner.tree!.getTreeItem(remoteRoot()!);
    assert.match(
      String(rootItem.description),
      new RegExp(`^${url.replace(/[.]/g, '\\.')} · connected · \\d+ profiles$`),
    );
    // The fixture's stored openrouter order (openclaw's own `order get` output), as the remote gateway reports it.
    const stored = JSON.parse(
      fs.readFileSync(
        path.join(extPath(), 'test', 'fixtures', 'openclaw-2026.9.6', 'basic', 'expected', 'order.openrouter.json'),
        'utf8',
      ),
    ) as { order: string[] };
    assert.deepEqual(remoteRows().openrouter?.slice(0, stored.order.length), stored.order);
    const tip = (rootItem.tooltip as vscode.MarkdownString).value.replace(/\\(.)/g, '$1');
    assert.ok(!tip.includes(TOKEN), 'no token in the tooltip');
    assert.match(tip, /Setup tokens, SecretRef profiles, OAuth sign-in.*not available on a remote gateway/);
    assert.match(tip, /Connection: connected \(openclaw 2026\.9\.6, protocol 4\)/);
    // The status bar shows the remote just added.
    assert.equal(owner.remoteGateways?.selected?.id, url);
  });

  it('Add API Key on the remote agent saves it on that gateway only (read back from its files; this machine unchanged)', async () => {
    const before = localIds();
    const s = script(['groq', KEY]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.addApiKey', remoteNode('remoteAgent', 'main'));
    assert.ok(s.messages.includes('Saved API key groq:manual on home server.'), s.messages.join('\n'));
    await waitFor(() => remoteRows().groq?.includes('groq:manual'), 'groq:manual in the remote rows', 10_000);
    const c = remoteState().store.profiles['groq:manual'];
    assert.equal(c?.type === 'api_key' ? c.key : undefined, KEY);
    assert.equal(localIds(), before, 'nothing written on this machine');
    // openclaw's own CLI on each home agrees: the key is on the remote's, not on this machine's.
    assert.ok(openclawList(remoteHome).includes('groq:manual'), 'openclaw on the remote home lists groq:manual');
    assert.ok(!openclawList(path.dirname(localDir)).includes('groq:manual'), 'openclaw on this machine does not');
  });

  it('Probe Profile on a remote row runs models.probe there, bounded by our own timeout; the row shows the result', async () => {
    await cfg().update('probe.timeout', 1000, vscode.ConfigurationTarget.Global);
    try {
      const s = script([]);
      owner.ui = s.ui;
      const t0 = Date.now();
      await vscode.commands.executeCommand('openclawAuth.probeProfile', remoteNode('remoteProfile', 'groq:manual'));
      const took = Date.now() - t0;
      const text = s.messages.join('\n');
      // Offline the gateway answers with a failure or not at all: either its answer or our bound (1 s + 5 s).
      assert.match(
        text,
        /^(Probe on home server, groq: groq:manual \w+|home server did not finish probing groq:manual within 6 s)/,
      );
      assert.ok(took < 60_000, `the probe ended (${took} ms)`);
      assert.ok(!text.includes(KEY));
      if (text.startsWith('Probe on')) {
        const row = owner.tree!.getTreeItem(remoteNode('remoteProfile', 'groq:manual'));
        assert.match(String(row.description), / · probe \w+/);
      }
      console.log(`      ${text.split('\n')[0]} (${took} ms)`);
    } finally {
      await cfg().update('probe.timeout', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the CLI shows both: list --gateway URL reads the remote, list --state-dir this machine', async () => {
    const cli = path.join(extPath(), 'dist', 'cli.js');
    const { execFileSync } = await import('node:child_process');
    const run = (args: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [cli, ...args, '--json'], {
          env: { ...process.env, OPENCLAW_GATEWAY_TOKEN: TOKEN, ELECTRON_RUN_AS_NODE: '1' },
          encoding: 'utf8',
        }),
      ) as { gateway?: string; profiles: Array<{ id: string }> };
    const remote = run(['list', '--gateway', url]);
    assert.equal(remote.gateway, url);
    assert.deepEqual(
      remote.profiles
        .map((p) => p.id)
        .filter((id) => id.startsWith('openrouter:') || id === 'groq:manual')
        .sort(),
      [...remoteRows().openrouter!, ...(remoteRows().groq ?? [])].sort(),
    );
    const local = run(['list', '--state-dir', localDir]);
    assert.deepEqual(local.profiles, []);
  });

  it('Move Down, drag and drop and Remove Profile on remote rows change that gateway: its stored order, then the profile gone', async () => {
    const m = script([]);
    owner.ui = m.ui;
    const first = remoteRows().openrouter![0]!;
    await vscode.commands.executeCommand('openclawAuth.moveDown', remoteNode('remoteProfile', first));
    await waitFor(() => remoteRows().openrouter?.[1] === first, `${first} second (${m.messages.join('; ')})`, 10_000);
    // The fixture's stored order left openrouter:default out; the gateway takes only orders that list every profile.
    assert.deepEqual(m.messages, ['Saved the openrouter order on home server; openrouter:default now tried too.']);
    assert.equal(remoteState().state.order?.openrouter?.[1], first);
    // Drag and drop: the second row onto the first takes its place, on that gateway.
    const [top, second] = remoteRows().openrouter!;
    const dt = new vscode.DataTransfer();
    owner.tree!.handleDrag([remoteNode('remoteProfile', second!)], dt);
    await owner.tree!.handleDrop(remoteNode('remoteProfile', top!), dt);
    await waitFor(() => remoteRows().openrouter?.[0] === second, `${second} first after the drop`, 10_000);
    assert.deepEqual(remoteState().state.order?.openrouter?.slice(0, 2), [second, top]);
    // A drop onto this machine's rows is refused: a remote's profile is reordered only within its own gateway.
    const dt2 = new vscode.DataTransfer();
    owner.tree!.handleDrag([remoteNode('remoteProfile', top!)], dt2);
    const localRoot = roots()[0]!;
    await owner.tree!.handleDrop(localRoot, dt2);
    assert.deepEqual(remoteState().state.order?.openrouter?.slice(0, 2), [second, top], 'nothing changed');
    const s = script(['Remove']);
    owner.ui = s.ui;
    await vscode.commands.executeCommand(
      'openclawAuth.removeProfile',
      remoteNode('remoteProfile', 'openrouter:backup'),
    );
    await waitFor(
      () => remoteRows().openrouter && !remoteRows().openrouter!.includes('openrouter:backup'),
      'removed',
      10_000,
    );
    assert.equal(remoteState().store.profiles['openrouter:backup'], undefined);
    assert.ok(s.messages.includes('Removed openrouter:backup on home server.'), s.messages.join('\n'));
  });

  it('what the protocol cannot do on a remote says why and sends nothing; Remove Provider Auth reports the runs stopped', async () => {
    const s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.pasteToken', remoteNode('remoteProvider', 'groq'));
    assert.match(
      s.messages.join('\n'),
      /Not available on the remote gateway home server: the gateway protocol has no setup-token method/,
    );
    const r = script(['Remove']);
    owner.ui = r.ui;
    await vscode.commands.executeCommand('openclawAuth.removeProviderAuth', remoteNode('remoteProvider', 'groq'));
    assert.ok(
      r.messages.includes('Removed 1 groq profile(s) on home server. No runs were using it.'),
      r.messages.join('\n'),
    );
    await waitFor(() => !remoteRows().groq, 'groq gone from the remote rows', 10_000);
    assert.equal(remoteState().store.profiles['groq:manual'], undefined);
  });

  it('a wrong token: "Token rejected" in the tree and the status bar, no token shown; the right one reconnects', async () => {
    const wrong = 'wrong-remote-token-0123456789abcdef';
    owner.ui = script([wrong]).ui;
    await vscode.commands.executeCommand('openclawAuth.setRemoteGatewayToken', url);
    const g = owner.remoteGateways!.get(url)!;
    await waitFor(() => g.connection.kind === 'token-rejected', 'token rejected', 10_000);
    const kids = owner.tree!.getChildren(remoteRoot()!);
    const row = owner.tree!.getTreeItem(kids[0]!);
    assert.match(String(row.label), /^Token rejected: set this gateway’s token$/);
    assert.equal(row.command?.command, 'openclawAuth.setRemoteGatewayToken');
    assert.ok(
      !JSON.stringify(row).includes(wrong) && !JSON.stringify(owner.tree!.getTreeItem(remoteRoot()!)).includes(wrong),
    );
    owner.ui = script([TOKEN]).ui;
    await vscode.commands.executeCommand('openclawAuth.setRemoteGatewayToken', url);
    await waitFor(() => g.connection.kind === 'connected' && remoteRows().openrouter, 'connected again', 15_000);
  });

  it('openclaw.json with gateway.mode "remote": its gateway.remote.url is a root, connected with gateway.remote.token', async () => {
    await owner.context.secrets.delete(`openclawAuth.remoteGatewayToken:${url}`);
    await cfg().update('remoteGateways', undefined, vscode.ConfigurationTarget.Global);
    await waitFor(() => !remoteRoot(), 'the listed remote gone', 10_000);
    fs.writeFileSync(
      path.join(localDir, 'openclaw.json'),
      JSON.stringify({ gateway: { mode: 'remote', remote: { url, token: TOKEN } } }, null, 2),
    );
    owner.reload();
    await waitFor(
      () => remoteRoot() && owner.remoteGateways?.get(url)?.connection.kind === 'connected',
      'connected',
      15_000,
    );
    assert.equal(String(owner.tree!.getTreeItem(remoteRoot()!).label), 'Remote gateway (openclaw.json)');
    await waitFor(() => remoteRows().openrouter?.length, 'its rows', 10_000);
    const s = script([]);
    owner.ui = s.ui;
    await vscode.commands.executeCommand('openclawAuth.removeRemoteGateway', url);
    assert.match(
      s.messages.join('\n'),
      /comes from openclaw\.json \(gateway\.mode "remote", gateway\.remote\.url\); change it there/,
    );
    assert.ok(remoteRoot(), 'still listed');
  });

  it('the remote killed: its root says unreachable within seconds while this machine stays as it was', async () => {
    const g = owner.remoteGateways!.get(url)!;
    const pid = sup.pid!;
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => g.connection.kind === 'unreachable', 'unreachable', 15_000);
    const ms = Date.now() - t0;
    const row = owner.tree!.getTreeItem(owner.tree!.getChildren(remoteRoot()!)[0]!);
    assert.match(String(row.label), /^Unreachable, retrying: /);
    assert.equal(String(owner.tree!.getTreeItem(roots()[0]!).label), 'This machine');
    console.log(`      remote death → "unreachable" in the tree: ${ms} ms`);
  });
});
