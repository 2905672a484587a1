/**
 * What the status bar item shows for a view: pure, so it is unit-tested without VS Code.
 */
import type { AgentView } from '../auth/view';
import { formatRemainingShort } from '../auth/eligibility';

export interface StatusSummary {
  text: string;
  warning: boolean;
  tooltip: string;
  attention: string[];
}

/** Pure: what the item shows for a view (tested without the UI). */
export function summarize(view: AgentView | undefined, expiryWarningMs: number): StatusSummary {
  if (!view) return { text: '$(key) OpenClaw: no state', warning: false, tooltip: 'No OpenClaw state found. Open the OpenClaw view to create one or pick a state dir.', attention: [] };
  const c = view.counts;
  const good = c.ok + c.static;
  const bad = c.expired + c.missing + c['unresolved-ref'] + c.disabled;
  const attention: string[] = [];
  for (const m of view.missingProvidersInUse) attention.push(`$(error) **${m}** is in use but has no usable credential — [Add API key](command:openclawAuth.addApiKey?${encodeURIComponent(JSON.stringify([{ provider: m, agentId: view.agentId }]))})`);
  let expiringSoon = false;
  for (const p of view.providers) {
    for (const x of p.profiles) {
      if (x.remainingMs !== undefined && x.remainingMs > 0 && x.remainingMs <= expiryWarningMs && (x.health === 'ok' || x.health === 'expiring')) {
        expiringSoon = true;
        attention.push(`$(watch) ${x.id} expires in ${formatRemainingShort(x.remainingMs)} — [Replace](command:openclawAuth.replaceCredential?${encodeURIComponent(JSON.stringify([{ agentId: view.agentId, profileId: x.id }]))})`);
      } else if (x.display === 'expired' || x.display === 'expired-refreshable') {
        attention.push(`$(error) ${x.id} expired — ${x.type === 'oauth' ? `[Sign in again](command:openclawAuth.signIn?${encodeURIComponent(JSON.stringify([{ provider: x.provider, profileId: x.id }]))})` : `[Paste a new token](command:openclawAuth.replaceCredential?${encodeURIComponent(JSON.stringify([{ agentId: view.agentId, profileId: x.id }]))})`}`);
      } else if (x.display === 'missing' || x.display === 'unresolved-ref') {
        attention.push(`$(error) ${x.id}: ${x.display === 'unresolved-ref' ? 'its SecretRef does not resolve' : 'no credential stored'}`);
      } else if (x.display === 'cooldown' || x.display === 'disabled') {
        attention.push(`$(clock) ${x.id} ${x.display === 'disabled' ? 'disabled' : 'cooling down'}${x.unusable?.reason ? ` (${x.unusable.reason})` : ''}, ${formatRemainingShort(x.unusable?.remainingMs)} left`);
      }
    }
  }
  const warning = view.missingProvidersInUse.length > 0 || expiringSoon || view.checkCode !== 0;
  const parts = [`$(key) ${good}`];
  if (c.expiring) parts.push(`$(watch) ${c.expiring}`);
  if (c.cooldown) parts.push(`$(clock) ${c.cooldown}`);
  if (bad) parts.push(`$(error) ${bad}`);
  const tooltip = [`**OpenClaw credentials — agent ${view.agentId}**`, `${good} ok · ${c.expiring} expiring · ${c.cooldown} cooling down · ${bad} need attention · ${c.excluded} excluded by order`, ...(attention.length ? attention.slice(0, 12) : ['$(pass) Nothing needs attention.'])].join('\n\n');
  return { text: parts.join(' '), warning, tooltip, attention };
}

