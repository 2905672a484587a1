/**
 * The words of the profiles tree, pure (no vscode) so they are unit-tested: a row's description
 * leads with its status so a narrow sidebar still shows it; where it is saved and where its order
 * comes from are in plain words in the tooltip. Times that would change every second ("4m 05s
 * left") are shown as a clock time ("until 14:32"), so a row only re-renders when its state changes.
 */
import type { DisplayStatus, ProfileView, ProviderView } from '../auth/view';
import { formatRemainingShort } from '../auth/eligibility';
import type { ProfileHealth, ProviderHealth } from '../auth/health';

export const STATUS_WORDS: Record<DisplayStatus, string> = {
  ok: 'ok',
  static: 'ok',
  expiring: 'expiring',
  expired: 'expired',
  'expired-refreshable': 'expired, refreshes on next use',
  missing: 'missing',
  'unresolved-ref': 'reference not found',
  excluded: 'left out of the order',
  cooldown: 'cooling down',
  disabled: 'disabled',
};

export function typeWords(type: ProfileView['type']): string {
  return type === 'api_key' ? 'API key' : type === 'token' ? 'token' : type === 'oauth' ? 'OAuth' : 'AWS SDK';
}

/** Where the profile is saved, for the tooltip. */
export function sourceWords(source: ProfileView['source'], defaultAgent: string): string {
  switch (source) {
    case 'local':
      return 'Saved for this agent';
    case 'inherited':
      return `Shared: saved for agent ${defaultAgent}, used here too`;
    case 'config':
      return 'Listed only in openclaw.json';
    default:
      return String(source);
  }
}

/** Where a provider's order comes from, in plain words. */
export function orderSourceWords(source: string): string {
  switch (source) {
    case 'stored':
      return 'set here (stored order)';
    case 'config':
      return 'from openclaw.json (auth.order)';
    case 'config-profiles':
      return 'as listed in openclaw.json (auth.profiles)';
    case 'default':
      return 'default: by type, then least recently used';
    default:
      return source;
  }
}

/** "14:32", or "Tue 14:32" when not today, or a date when further away. */
export function clockTime(at: number, now: number): string {
  const d = new Date(at);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return hm;
  if (at - now < 6 * 86_400_000 && at > now) return `${d.toLocaleDateString('en-US', { weekday: 'short' })} ${hm}`;
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${hm}`;
}

/** The status part of a row: "expires in 10h", "cooling down until 14:32", "ok". */
export function statusPhrase(x: ProfileView, now: number): string {
  const u = x.unusable;
  switch (x.display) {
    case 'expiring':
      return `expires in ${formatRemainingShort(x.remainingMs)}`;
    case 'cooldown':
    case 'disabled':
      return u
        ? `${u.kind === 'disabled' ? 'disabled' : 'cooling down'} until ${clockTime(u.until, now)}`
        : STATUS_WORDS[x.display];
    case 'missing':
      return x.reasonCode === 'invalid_expires' ? 'invalid expiry date' : 'no credential';
    case 'ok':
      return x.remainingMs !== undefined ? `ok, ${formatRemainingShort(x.remainingMs)} left` : 'ok';
    default:
      return STATUS_WORDS[x.display];
  }
}

/** A profile row's description: status first, then the type, then the last probe's short word. */
export function profileDescription(x: ProfileView, now: number, probeBadge?: string, health?: ProfileHealth): string {
  const parts = [health ? health.words : statusPhrase(x, now), typeWords(x.type)];
  // The probe's "3m ago" changes every minute; the row keeps only its result, the tooltip the rest.
  if (probeBadge) parts.push(probeBadge.replace(/ · (just now|\d+[smhd] ago)$/, ''));
  return parts.join(' · ');
}

/** The reason code, when it says more than the status words (no "expired (expired)"). */
export function extraCode(x: ProfileView): string | undefined {
  const code = x.reasonCode;
  if (!code || code === 'ok') return undefined;
  const words = STATUS_WORDS[x.display].toLowerCase();
  const plain = code.replace(/_/g, ' ').toLowerCase();
  if (
    words.includes(plain) ||
    plain === 'unresolved ref' ||
    (plain === 'excluded by auth order' && x.display === 'excluded')
  )
    return undefined;
  return code;
}

/** "2 of 3 usable · in use" (the order's source is in the tooltip). */
export function providerDescription(
  p: ProviderView,
  inheritedOnly: boolean,
  defaultAgent: string,
  health?: ProviderHealth,
): string {
  const usable = p.order.profileIds.length;
  const parts = [
    health
      ? health.label
      : p.order.disabled
        ? 'turned off by an empty order'
        : `${usable} of ${p.profiles.length} usable`,
  ];
  if (p.inUse) parts.push('in use');
  if (inheritedOnly) parts.push(`shared from ${defaultAgent}`);
  return parts.join(' · ');
}
