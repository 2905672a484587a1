/** The state dir and the agent: pick a folder, create state there, show an agent, open its files. */
import * as vscode from 'vscode';
import fs from 'node:fs';
import { agentDbPath, displayPath } from '../../store/paths';
import { target } from '../../ui/target';
import type { ProfilesContext } from './context';
import { agentItems } from './steps';
import { addApiKey } from './add';

export async function pickStateDir(o: ProfilesContext): Promise<void> {
  const uri = await o.ui.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    title: 'OpenClaw state dir (the folder holding openclaw.json and state/)',
  });
  if (!uri?.[0]) return;
  await vscode.workspace
    .getConfiguration('openclawAuth')
    .update('stateDir', uri[0].fsPath, vscode.ConfigurationTarget.Global);
}

export async function selectAgent(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const id =
    t.agentId ??
    (
      await o.ui.showQuickPick(agentItems(o), {
        title: 'Show Agent in Status Bar',
        placeHolder: "Which agent's credential health does the status bar show?",
      })
    )?.label;
  if (!id) return;
  o.setCurrentAgent(id);
  await vscode.workspace.getConfiguration('openclawAuth').update('agent', id, vscode.ConfigurationTarget.Global);
}

export function shown(o: ProfilesContext, file: string): string {
  return o.paths ? displayPath(file, o.paths.home) : file;
}

/** The DB a profile row's credential lives in: the agent's own DB for a local profile of another agent, else the shared store. */
export function databaseOf(o: ProfilesContext, arg: unknown): string | undefined {
  const t = target(arg);
  const entry = o.agent(t.agentId);
  const file =
    t.profileId && entry?.snapshot.location[t.profileId] === 'local' && !entry.snapshot.isDefaultAgent
      ? agentDbPath(entry.snapshot.agentDir)
      : o.paths?.sharedDb;
  if (!file || !fs.existsSync(file)) {
    void o.ui.showWarningMessage(`${file ? shown(o, file) : 'The database'} does not exist yet.`, {});
    return undefined;
  }
  return file;
}

export async function openConfig(o: ProfilesContext): Promise<void> {
  const file = o.paths?.configPath;
  if (!file || !fs.existsSync(file)) {
    void o.ui.showWarningMessage(`${file ? shown(o, file) : 'openclaw.json'} does not exist yet.`, {});
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

export async function createState(o: ProfilesContext): Promise<void> {
  // The one write allowed to start a store in a folder that holds no OpenClaw state (never a file or /).
  const where = o.paths ? shown(o, o.paths.stateDir) : 'the state dir';
  await o.allowStateCreation(() =>
    addApiKey(o, undefined, {
      title: `Create OpenClaw State in ${where}`,
      done: (id) => `Created OpenClaw state in ${where} and saved API key ${id}.`,
    }),
  );
  o.reload();
}

/** The profile commands' handlers by id (the owner merges them with the other features'). */
