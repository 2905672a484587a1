/**
 * Showing a file or folder of the state dir to the user. "Reveal in the file manager"
 * (revealFileInOS) exists only in a desktop window on a local folder: in a browser
 * (code-server, vscode.dev) or a remote window the command is not there ("command
 * 'revealFileInOS' not found"). There the user gets what works: the path copied, or the folder
 * opened in a new VS Code window. The manifest hides Reveal where it cannot work (`isWeb`,
 * `remoteName`); this covers the other ways in (Show Backups, links, old keybindings).
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { Ui } from './ui';

/** Whether revealFileInOS can show a file of this extension host in the user's file manager. */
export function canRevealInOS(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
}

/** Why this window has no file manager, for messages. */
function whyNot(): string {
  return vscode.env.remoteName ? `a remote window (${vscode.env.remoteName})` : 'a browser window';
}

export async function copyPath(file: string): Promise<void> {
  await vscode.env.clipboard.writeText(file);
  vscode.window.setStatusBarMessage(`Copied ${file}`, 3000);
}

/** Opens `dir` as the folder of a new window (the current one stays as it is). */
export async function openFolderInNewWindow(dir: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir), { forceNewWindow: true });
}

/**
 * Reveals `file` in the OS file manager where that exists; elsewhere (or when it fails) says so
 * and offers Copy Path and Open Folder in New Window. `shown` is the path as messages show it.
 */
export async function revealPath(ui: Ui, file: string, shown = file, opts: { isFolder?: boolean } = {}): Promise<void> {
  if (canRevealInOS()) {
    try {
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file));
      return;
    } catch {
      // Not available after all: offer the alternatives below.
    }
  }
  const folder = opts.isFolder ? file : path.dirname(file);
  const pick = await ui.showInformationMessage(
    `${shown}: ${whyNot()} cannot show it in your file manager. Copy its path, or open its folder in a new window.`,
    'Copy Path',
    'Open Folder in New Window',
  );
  if (pick === 'Copy Path') await copyPath(file);
  else if (pick === 'Open Folder in New Window') await openFolderInNewWindow(folder);
}
