/**
 * Reordering as pure functions of a provider's view (drag and drop, Move Up/Down).
 */
import type { ProviderView } from '../auth/view';
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
