/**
 * Reordering as pure functions of a provider's view (drag and drop, Move Up/Down).
 */
import type { ProviderView } from '../auth/view';
import type { AuthStatusProvider } from '../gateway/protocol';
import { move } from '../auth/order';

/** The order after dropping `dragged` onto `onto` (its place), or at the top when dropped on the provider. */
export function dropOrder(provider: ProviderView, dragged: string, onto: string | undefined): string[] | undefined {
  const ids = orderableIds(provider);
  if (!ids.includes(dragged)) ids.push(dragged); // dragging an excluded profile into the order includes it
  const from = ids.indexOf(dragged);
  const to = onto === undefined ? 0 : ids.indexOf(onto);
  if (to < 0 || to === from) return undefined;
  return move(ids, from, to);
}

/**
 * The list a reorder starts from: the explicit order when there is one (so profiles it names that
 * are expired or cooling keep their place), else the order openclaw resolves now.
 */
export function orderableIds(provider: ProviderView): string[] {
  return [...(provider.order.explicit ?? provider.order.profileIds)];
}

/**
 * A remote provider's profile ids as the tree lists them: the ones its gateway tries, in that
 * order (`profileOrder`), then the ones it leaves out. Without an order, every profile as listed.
 */
export function remoteOrder(p: AuthStatusProvider): string[] {
  const listed = p.profiles.map((x) => x.profileId);
  return [...new Set([...remoteTried(p), ...listed])];
}

/** The ids the gateway tries: its order (ids it names that are gone dropped), else every profile. */
export function remoteTried(p: AuthStatusProvider): string[] {
  const listed = p.profiles.map((x) => x.profileId);
  if (!p.profileOrder) return listed;
  return [...new Set(p.profileOrder.filter((id) => listed.includes(id)))];
}

/**
 * dropOrder for a remote provider. The gateway's models.authOrderSet wants every profile of the
 * provider in the order, so a new order lists them all: the ones it tries, then the ones it left
 * out. Onto a profile takes its place, onto the provider goes first.
 */
export function remoteDropOrder(
  p: AuthStatusProvider,
  dragged: string,
  onto: string | undefined,
): string[] | undefined {
  const ids = remoteOrder(p);
  const from = ids.indexOf(dragged);
  const to = onto === undefined ? 0 : ids.indexOf(onto);
  if (from < 0 || to < 0 || to === from) return undefined;
  return move(ids, from, to);
}

/** Move Up (-1) or Down (+1) on a remote provider (every profile listed, as the gateway wants); undefined at an end. */
export function remoteMoveOrder(p: AuthStatusProvider, profileId: string, delta: -1 | 1): string[] | undefined {
  const ids = remoteOrder(p);
  const from = ids.indexOf(profileId);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= ids.length) return undefined;
  return move(ids, from, to);
}
