/** Removing a profile and changing a provider's order (Move Up/Down, drag and drop, Clear Order), with Undo. */
import * as vscode from 'vscode';
import type { FeatureContext } from '../context';
import type { Node } from '../../ui/profilesTree';
import { orderableIds } from '../../ui/profilesTree';
import { move } from '../../auth/order';
import { confirmRemoval } from '../../ui/ui';
import { target } from '../../ui/target';
import type { ProfilesContext } from './context';
import { pickAgent, pickProfile } from './steps';

export async function removeProfile(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  // Delete on an agent row: nothing to remove there (a provider row narrows the picker to its profiles).
  if (arg && (arg as Node).kind === 'agent') {
    void o.ui.showInformationMessage(
      'Remove Profile works on a profile row: move to one (arrow keys) and press Delete again.',
    );
    return;
  }
  const picked = await pickProfile(o, t, 'Remove Profile', 'Which profile?');
  if (!picked) return;
  const { agentId, profileId } = picked;
  const entry = o.agent(agentId);
  const inherited = entry?.snapshot.location[profileId] === 'inherited';
  const ok = await confirmRemoval(o.ui, {
    title: `Remove ${profileId} (agent ${agentId})?`,
    what: profileId,
    description: `${profileId} from the store, every order and openclaw.json`,
    detail: inherited
      ? 'In the shared store: every agent that inherits it loses it. Undo is offered.'
      : 'Nothing is revoked at the provider. Undo is offered.',
  });
  if (!ok) return;
  await o.apply(
    agentId,
    { kind: 'removeProfile', profileId },
    { done: `Removed ${profileId}.`, undoLabel: `removal of ${profileId}` },
  );
}

export async function moveProfile(o: ProfilesContext, arg: unknown, delta: number): Promise<void> {
  const n = arg as Node | undefined;
  const keys = delta < 0 ? 'Alt+Up' : 'Alt+Down';
  if (!n || n.kind !== 'profile') {
    void o.ui.showInformationMessage(
      `Move ${delta < 0 ? 'Up' : 'Down'} works on a profile row of the OpenClaw view: move to one (arrow keys) and press ${keys}.`,
    );
    return;
  }
  const ids = orderableIds(n.provider);
  if (!ids.includes(n.profile.id)) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is not in ${n.provider.provider}'s order, so it has no place to move from. Drag it onto a profile of the order to add it there.`,
    );
    return;
  }
  if (ids.length < 2) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is ${n.provider.provider}'s only profile in the order; there is nothing to move it past.`,
    );
    return;
  }
  const from = ids.indexOf(n.profile.id);
  const to = from + delta;
  if (to < 0 || to >= ids.length) {
    void o.ui.showInformationMessage(
      `${n.profile.id} is already ${delta < 0 ? 'first' : 'last'} in ${n.provider.provider}'s order.`,
    );
    return;
  }
  await saveOrder(o, n.agentId, n.provider.provider, move(ids, from, to));
}

export async function clearOrder(o: ProfilesContext, arg: unknown): Promise<void> {
  const t = target(arg);
  const title = 'Clear Stored Order';
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return;
  const stored = Object.keys(o.agent(agentId)?.snapshot.state.order ?? {});
  if (!t.provider && !stored.length) {
    void o.ui.showInformationMessage(`Agent ${agentId} has no stored order; config or default order applies already.`);
    return;
  }
  const provider =
    t.provider ??
    (
      await o.ui.showQuickPick(
        stored.map((label) => ({ label })),
        { title, placeHolder: 'Clear the stored order of which provider?' },
      )
    )?.label;
  if (!provider) return;
  const configOrder = o.agent(agentId)?.snapshot.meta.order?.[provider];
  const then = configOrder
    ? `the order in openclaw.json applies (${configOrder.join(' → ') || 'empty: provider disabled'})`
    : "openclaw's default order applies";
  await o.apply(
    agentId,
    { kind: 'setOrder', provider, profileIds: null },
    {
      done: `Cleared the stored order for ${provider}; ${then}. Running chats keep their profile until /new or /reset.`,
      undoLabel: 'order clear',
    },
  );
}

export async function saveOrder(o: FeatureContext, agentId: string, provider: string, ids: string[]): Promise<void> {
  const r = await o.apply(
    agentId,
    { kind: 'setOrder', provider, profileIds: ids },
    {
      done: `Order for ${provider}: ${ids.join(' → ')}. Running chats keep their profile until /new or /reset.`,
      undoLabel: 'order change',
    },
  );
  // The walkthrough's "Choose the order" step completes on an order that was saved.
  if (r) void vscode.commands.executeCommand('setContext', 'openclawAuth.orderChanged', true);
}
