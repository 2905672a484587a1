/**
 * What the credentials status bar item shows for a view: pure, so it is unit-tested without VS
 * Code. Every number and word comes from the one health model (src/auth/health.ts), the same one
 * the badge, the tree rows and the probe report use.
 */
import type { AgentView } from '../auth/view';
import { agentHealth, type AgentHealth, type HealthCause, type ProbeEvidence } from '../auth/health';

export interface StatusSummary {
  /** "$(key) OpenClaw: 4 ok, 3 need attention (1 failing)" */
  text: string;
  /** Words only, for screen readers: "OpenClaw credentials, agent main: 4 ok, 3 need attention". */
  accessibilityLabel: string;
  /** Warning background: something needs attention. */
  warning: boolean;
  tooltip: string;
  /** One Markdown line per problem, failing first. */
  attention: string[];
  /** The health the text was made from (the badge reads `badgeCount(health)`). */
  health?: AgentHealth;
}

export interface SummaryOptions {
  expiryWarningMs: number;
  /** The last live probe of a profile of this agent. */
  probeOf?: (profileId: string) => ProbeEvidence | undefined;
  /** One tooltip line about the last live probe ("Last live probe: 4 of 5 ok, 3m ago"). */
  probeNote?: string;
}

const arg = (v: unknown) => encodeURIComponent(JSON.stringify([v]));
const ICON: Partial<Record<HealthCause, string>> = {
  expiring: '$(watch)',
  cooldown: '$(clock)',
  blocked: '$(clock)',
  refreshes: '$(history)',
  setup: '$(debug-pause)',
};

/** Pure: what the item shows for a view (tested without the UI). */
export function summarize(view: AgentView | undefined, opts: SummaryOptions): StatusSummary {
  if (!view) {
    return {
      text: '$(key) OpenClaw: no state',
      accessibilityLabel: 'OpenClaw credentials: no OpenClaw state found',
      warning: false,
      tooltip: 'No OpenClaw state found. Open the OpenClaw view to create one or pick a state dir.',
      attention: [],
    };
  }
  const h = agentHealth(view, { expiryWarningMs: opts.expiryWarningMs, probeOf: opts.probeOf });
  const attention: string[] = [];
  const problems = h.providers.flatMap((p) =>
    p.profiles.filter((x) => x.health.level === 'failing' || x.health.level === 'attention'),
  );
  problems.sort((a, b) => (a.health.level === b.health.level ? 0 : a.health.level === 'failing' ? -1 : 1));
  for (const { profile: x, health } of problems) {
    const icon = health.level === 'failing' ? '$(error)' : (ICON[health.cause] ?? '$(warning)');
    let action = '';
    if (
      health.cause === 'expired' ||
      health.cause === 'expiring' ||
      health.cause === 'refreshes' ||
      health.cause === 'rejected'
    ) {
      action =
        x.type === 'oauth'
          ? ` — [Sign in again](command:openclawAuth.signIn?${arg({ provider: x.provider, profileId: x.id })})`
          : x.type === 'aws-sdk'
            ? ''
            : ` — [Replace](command:openclawAuth.replaceCredential?${arg({ agentId: view.agentId, profileId: x.id })})`;
    } else if (health.cause === 'missing' || health.cause === 'malformed' || health.cause === 'invalid-expiry') {
      action = ` — [Replace](command:openclawAuth.replaceCredential?${arg({ agentId: view.agentId, profileId: x.id })})`;
    }
    attention.push(`${icon} ${x.id} ${health.words}${action}`);
  }
  for (const p of h.providers) {
    if (p.stranded && p.counts.attention + p.counts.failing === 0) {
      attention.push(
        `$(error) **${p.provider}** is in use but has no usable credential — [Add API key](command:openclawAuth.addApiKey?${arg({ provider: p.provider, agentId: view.agentId })})`,
      );
    }
  }
  const off = h.off ? ` · ${h.off} left out of the order` : '';
  const tooltip = [
    `**OpenClaw credentials — agent ${view.agentId}**`,
    `${h.label}${off}`,
    ...(attention.length ? attention.slice(0, 12) : ['$(pass) Nothing needs attention.']),
    ...(attention.length > 12 ? [`…and ${attention.length - 12} more in the OpenClaw view.`] : []),
    ...(opts.probeNote ? [opts.probeNote] : []),
  ].join('\n\n');
  return {
    text: `$(key) OpenClaw: ${h.label}`,
    accessibilityLabel: `OpenClaw credentials, agent ${view.agentId}: ${h.label}`,
    warning: h.problems > 0,
    tooltip,
    attention,
    health: h,
  };
}
