/**
 * Activation, kept tiny so it costs almost nothing: it registers a stub for every contributed
 * command and returns at once; the rest of the extension (dist/main.js: the owner, the store,
 * the tree) loads right after, outside the activation path. A command run before that finishes
 * waits for it. The owner is tied to the extension's lifetime through context.subscriptions.
 */
import * as vscode from 'vscode';
import type { OpenClawAuth } from './owner';

export interface OpenClawAuthApi {
  /** Resolves to the owner once it has started (tests and other extensions wait on this). */
  readonly ready: Promise<OpenClawAuth>;
}

type OwnerModule = { OpenClawAuth: new (context: vscode.ExtensionContext) => OpenClawAuth };

export function activate(context: vscode.ExtensionContext): OpenClawAuthApi {
  let resolveReady!: (o: OpenClawAuth) => void;
  let rejectReady!: (e: unknown) => void;
  const ready = new Promise<OpenClawAuth>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(
    (e: unknown) => void vscode.window.showErrorMessage(`OpenClaw Auth failed to start: ${(e as Error).message}`),
  );

  const contributed =
    (context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes
      ?.commands ?? [];
  for (const { command } of contributed) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, async (arg?: unknown) => (await ready).runCommand(command, arg)),
    );
  }

  setImmediate(() => {
    try {
      // A separate bundle, loaded after activate() has returned (esbuild leaves this require alone).
      const mainPath = './main.js';
      const t0 = performance.now();
      const { OpenClawAuth } = require(mainPath) as OwnerModule;
      const owner = new OpenClawAuth(context);
      owner.mainLoadMs = performance.now() - t0;
      context.subscriptions.push(owner);
      owner.start().then(() => resolveReady(owner), rejectReady);
    } catch (e) {
      rejectReady(e);
    }
  });
  return { ready };
}

export function deactivate(): void {}
