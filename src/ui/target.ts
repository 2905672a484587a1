/** What a command was invoked on: a tree node (agent, provider, profile) or plain ids (tests, links). */
import type { Node } from './profilesTree';

export type Target = { agentId?: string; provider?: string; profileId?: string };

export function target(arg: unknown): Target {
  if (!arg || typeof arg !== 'object') return {};
  const node = arg as Node;
  if (node.kind === 'profile')
    return { agentId: node.agentId, provider: node.provider.provider, profileId: node.profile.id };
  if (node.kind === 'provider') return { agentId: node.agentId, provider: node.provider.provider };
  if (node.kind === 'agent') return { agentId: node.agentId };
  const n = arg as Record<string, unknown>;
  return {
    agentId: typeof n.agentId === 'string' ? n.agentId : undefined,
    provider: typeof n.provider === 'string' ? n.provider : undefined,
    profileId: typeof n.profileId === 'string' ? n.profileId : undefined,
  };
}
