/**
 * The profile commands: add, replace, remove, order, sign in, state dir and agent. Each is a
 * plain function of the feature context; arguments come from the tree (a Node: a context menu,
 * an inline button), from a command link (`{ agentId, provider, profileId }`) or from nothing.
 * With nothing, a row command acts on the view's selected row (src/ui/target.ts,
 * `withRowArguments`, applied by the owner to every feature's table); the others ask (the palette).
 *
 * Adding a credential is a multi-step input: one title ("Add API Key"), a step counter and a Back
 * button (`runSteps`); every add offers Undo.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { CommandTable } from '../context';
import { VIEW_ID } from '../../ui/profilesTree';
import { copyPath, openFolderInNewWindow, revealPath } from '../../ui/reveal';
import { target } from '../../ui/target';
import type { ProfilesContext } from './context';
import { addApiKey, addSecretRef, pasteToken, replaceCredential } from './add';
import { clearOrder, moveProfile, removeProfile } from './edit';
import { claudeSetupToken, signIn } from './signIn';
import { createState, databaseOf, openConfig, pickStateDir, selectAgent, shown } from './state';

export type { ProfilesContext } from './context';
export { saveOrder } from './edit';

export function profileCommands(o: ProfilesContext): CommandTable {
  return {
    'openclawAuth.refresh': () => o.reload(),
    'openclawAuth.addApiKey': (a) => addApiKey(o, a),
    'openclawAuth.pasteToken': (a) => pasteToken(o, a),
    'openclawAuth.addSecretRef': (a) => addSecretRef(o, a),
    'openclawAuth.replaceCredential': (a) => replaceCredential(o, a),
    'openclawAuth.removeProfile': (a) => removeProfile(o, a),
    'openclawAuth.moveUp': (a) => moveProfile(o, a, -1),
    'openclawAuth.moveDown': (a) => moveProfile(o, a, +1),
    'openclawAuth.clearOrder': (a) => clearOrder(o, a),
    'openclawAuth.copyProfileId': async (a) => {
      const t = target(a);
      if (t.profileId) {
        await vscode.env.clipboard.writeText(t.profileId);
        vscode.window.setStatusBarMessage(`Copied ${t.profileId}`, 2000);
      }
    },
    'openclawAuth.revealDatabase': async (a) => {
      const f = databaseOf(o, a);
      if (f) await revealPath(o.ui, f, shown(o, f));
    },
    'openclawAuth.copyDatabasePath': async (a) => {
      const f = databaseOf(o, a);
      if (f) await copyPath(f);
    },
    'openclawAuth.openDatabaseFolder': async (a) => {
      const f = databaseOf(o, a);
      if (f) await openFolderInNewWindow(path.dirname(f));
    },
    'openclawAuth.revealConfig': () => openConfig(o),
    'openclawAuth.selectAgent': (a) => selectAgent(o, a),
    'openclawAuth.pickStateDir': () => pickStateDir(o),
    'openclawAuth.createState': () => createState(o),
    'openclawAuth.showLogs': () => o.log.show(),
    'openclawAuth.signIn': (a) => signIn(o, a),
    'openclawAuth.signInForce': (a) => signIn(o, a, { force: true }),
    'openclawAuth.reuseClaudeCli': (a) => signIn(o, a, { method: 'cli' }),
    'openclawAuth.claudeSetupToken': () => claudeSetupToken(o),
    'openclawAuth.showStatus': () => vscode.commands.executeCommand(`${VIEW_ID}.focus`),
  };
}

/** Saves a provider's order (the tree's drag and drop, Move Up/Down) with Undo. */
