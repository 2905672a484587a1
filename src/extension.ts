/**
 * Thin activation: build the owner, let it start, tie it to the extension's lifetime.
 */
import * as vscode from 'vscode';
import { OpenClawAuth } from './owner';

let owner: OpenClawAuth | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<OpenClawAuth | undefined> {
  try {
    owner = new OpenClawAuth(context);
    context.subscriptions.push(owner);
    await owner.start();
    return owner;
  } catch (e) {
    void vscode.window.showErrorMessage(`OpenClaw Auth failed to start: ${(e as Error).message}`);
    return undefined;
  }
}

export function deactivate(): void {
  owner = undefined;
}
