/**
 * One agent at a time (real extension host): with several agents, "Show Only the Status Bar
 * Agent" leaves the tree to the agent the status bar shows, following it when it changes; "Show
 * All Agents" brings the others back. The choice is remembered.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenClawAuth } from '../../src/owner';
import type { OpenClawAuthApi } from '../../src/extension';
import { waitFor } from '../helpers/wait';
import { shiftFixtureClock } from '../helpers/clock';

describe('OpenClaw Auth shows one agent at a time', function () {
  this.timeout(30000);
  let owner: OpenClawAuth;
  let dir: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<OpenClawAuthApi>('openclaw-auth.openclaw-auth');
    assert.ok(ext);
    owner = await (await ext.activate()).ready;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-host-one-'));
    fs.cpSync(
      path.join(ext.extensionPath, 'test', 'fixtures', 'openclaw-2026.9.6', 'multi-agent', 'home', '.openclaw'),
      path.join(home, '.openclaw'),
      { recursive: true },
    );
    shiftFixtureClock(home, 'multi-agent');
    dir = path.join(home, '.openclaw');
    await vscode.workspace.getConfiguration('openclawAuth').update('stateDir', dir, vscode.ConfigurationTarget.Global);
    await waitFor(() => owner.paths?.stateDir === dir && owner.agents.length === 2, 'two agents');
  });

  after(async () => {
    await vscode.commands.executeCommand('openclawAuth.showAllAgents');
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('agent', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration('openclawAuth')
      .update('stateDir', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  const roots = () => owner.tree!.getChildren().map((n) => (n.kind === 'agent' ? n.agentId : n.kind));

  it('Show Only the Status Bar Agent narrows the tree to it and follows it; Show All Agents restores both', async () => {
    assert.deepEqual(roots(), ['main', 'work']);
    await vscode.commands.executeCommand('openclawAuth.showOneAgent');
    assert.equal(owner.oneAgent, true, 'remembered');
    assert.deepEqual(roots(), ['main']);
    await vscode.commands.executeCommand('openclawAuth.selectAgent', { agentId: 'work' });
    await waitFor(() => owner.currentAgent === 'work', 'status bar agent is work');
    await waitFor(() => roots().join() === 'work', 'the tree follows the status bar agent');
    await vscode.commands.executeCommand('openclawAuth.showAllAgents');
    assert.deepEqual(roots(), ['main', 'work']);
    assert.equal(owner.oneAgent, false);
  });

  it('a reload with nothing changed on disk refreshes no row, collapsed inherited providers included', async () => {
    await vscode.commands.executeCommand('openclawAuth.showAllAgents');
    await vscode.commands.executeCommand('openclawAuth.profiles.focus');
    // Agent work's providers hold only main's profiles: they start collapsed, so VS Code never asks for their children.
    const work = owner.tree!.getChildren().find((n) => n.kind === 'agent' && n.agentId === 'work');
    assert.ok(work);
    const collapsed = owner
      .tree!.getChildren(work)
      .filter((n) => owner.tree!.getTreeItem(n).collapsibleState === vscode.TreeItemCollapsibleState.Collapsed);
    assert.ok(collapsed.length > 0, 'agent work has a collapsed inherited provider');
    await new Promise((r) => setTimeout(r, 1000)); // VS Code renders the visible rows
    let events = 0;
    const sub = owner.tree!.onDidChangeTreeData(() => {
      events++;
    });
    owner.reload();
    owner.reload();
    await new Promise((r) => setTimeout(r, 300));
    sub.dispose();
    assert.equal(
      events,
      0,
      'a reload that changes nothing fires no tree refresh (each one re-rendered the collapsed rows and shifted the rows below)',
    );
  });
});
