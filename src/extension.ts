/**
 * Thin activation: the owner object and the UI arrive with the next issue. Activation is lazy
 * (on the view or a command); nothing is read before the user asks.
 */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const out = vscode.window.createOutputChannel('OpenClaw Auth', { log: true });
  context.subscriptions.push(out);
  context.subscriptions.push(
    vscode.commands.registerCommand('openclawAuth.showStatus', async () => {
      const { loadView } = await import('./store');
      const { setSqlWasmPath } = await import('./store/sqljs');
      setSqlWasmPath(vscode.Uri.joinPath(context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath);
      const { view } = loadView({});
      const c = view.counts;
      void vscode.window.showInformationMessage(`OpenClaw credentials: ${c.ok + c.static} ok, ${c.expiring} expiring, ${c.expired + c.missing + c['unresolved-ref']} need attention.`);
    }),
  );
}

export function deactivate(): void {}
