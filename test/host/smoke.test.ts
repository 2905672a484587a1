/**
 * First test in a real VS Code extension host (code-server 4.139 = VS Code 1.139, Node host):
 * the extension activates and its status command runs.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'openclaw-auth.openclaw-auth';

describe('extension in a real VS Code host', () => {
  it('runs in the Node extension host with the real vscode API', () => {
    assert.equal(typeof process.versions.node, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    // The harness starts code-server with an isolated HOME; the host inherits it.
    assert.equal(process.env.OPENCLAW_AUTH_HOST_TEST, '1');
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('runs openclawAuth.showStatus without throwing', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('openclawAuth.showStatus'), 'command not registered');
    await vscode.commands.executeCommand('openclawAuth.showStatus');
  });
});
