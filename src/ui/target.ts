/** What a command was invoked on: a tree node (agent, provider, profile) or plain ids (tests, links). */
import type { Node } from './profilesTree';
import type { Ui } from './ui';

export type Target = { agentId?: string; provider?: string; profileId?: string };

export function target(arg: unknown): Target {
  if (!arg || typeof arg !== 'object') return {};
  const node = arg as Node;
  if (node.kind === 'profile')
    return { agentId: node.agentId, provider: node.provider.provider, profileId: node.profile.id };
  if (node.kind === 'provider') return { agentId: node.agentId, provider: node.provider.provider };
  if (node.kind === 'agent') return { agentId: node.agentId };
  if (node.kind === 'remoteProfile')
    return { agentId: node.agentId, provider: node.provider.provider, profileId: node.profile.profileId };
  if (node.kind === 'remoteProvider') return { agentId: node.agentId, provider: node.provider.provider };
  const n = arg as Record<string, unknown>;
  return {
    agentId: typeof n.agentId === 'string' ? n.agentId : undefined,
    provider: typeof n.provider === 'string' ? n.provider : undefined,
    profileId: typeof n.profileId === 'string' ? n.profileId : undefined,
  };
}

/**
 * Commands that only make sense on a profile row (the manifest hides them from the palette):
 * without an argument they act on the selected row, or say where they work.
 */
export const ROW_ONLY_COMMANDS: readonly string[] = [
  'openclawAuth.moveUp',
  'openclawAuth.moveDown',
  'openclawAuth.copyProfileId',
  'openclawAuth.copyPinCommand',
  'openclawAuth.revealDatabase',
  'openclawAuth.copyDatabasePath',
  'openclawAuth.openDatabaseFolder',
];

/** Commands bound to a key in the view that also have a palette flow (they ask when nothing is selected). */
const KEYBOUND_COMMANDS = ['openclawAuth.removeProfile'];

/**
 * Without an argument (a keybinding such as Alt+Up or Delete, or a row command run another way)
 * a row command acts on the view's selected row, as Explorer's commands do (the keybindings select
 * the focused row first; see `contributes.keybindings`). `titles` names commands in the message.
 */
export function withRowArguments<T extends Record<string, (arg?: unknown) => unknown>>(
  table: T,
  env: { selectedRow(): Node | undefined; ui(): Ui; titles: ReadonlyMap<string, string> },
): T {
  const out: Record<string, (arg?: unknown) => unknown> = { ...table };
  for (const id of [...ROW_ONLY_COMMANDS, ...KEYBOUND_COMMANDS]) {
    const run = table[id];
    if (!run) continue;
    const rowOnly = ROW_ONLY_COMMANDS.includes(id);
    out[id] = (a) => {
      const arg = a ?? env.selectedRow();
      if (rowOnly && !target(arg).profileId) {
        void env
          .ui()
          .showInformationMessage(
            `"${env.titles.get(id) ?? id}" works on a profile row of the OpenClaw view: select one first.`,
          );
        return undefined;
      }
      return run(arg);
    };
  }
  return out as T;
}
