/** The gateway's commands (merged into the owner's table). */
import type { CommandTable, FeatureContext } from '../context';
import type { GatewayController } from './controller';
import { confirmRemoval } from '../../ui/ui';

/** The gateway's command table entries (merged into the owner's table). */
export function gatewayCommands(o: FeatureContext, g: GatewayController): CommandTable {
  return {
    'openclawAuth.startGateway': () => g.start(),
    'openclawAuth.stopGateway': () => g.stop(),
    'openclawAuth.restartGateway': () => g.restart(),
    'openclawAuth.showGatewayLogs': () => g.channel.show(true),
    'openclawAuth.connectGateway': () => g.connect(),
    'openclawAuth.setGatewayToken': () => g.setToken(),
    'openclawAuth.gatewayActions': () => g.actions(),
    'openclawAuth.removeProviderAuth': (a) => removeProviderAuth(o, g, a),
  };
}

async function removeProviderAuth(o: FeatureContext, g: GatewayController, arg: unknown): Promise<void> {
  const n = (arg ?? {}) as { kind?: string; agentId?: string; provider?: string | { provider: string } };
  const agentId = n.agentId ?? o.currentAgent;
  let provider = typeof n.provider === 'string' ? n.provider : n.provider?.provider;
  if (!provider)
    provider = (
      await o.ui.showQuickPick(
        (o.agent(agentId)?.view.providers ?? []).map((p) => ({ label: p.provider })),
        { title: 'Remove all credentials of which provider?' },
      )
    )?.label;
  if (!provider) return;
  const ids = Object.entries(o.agent(agentId)?.snapshot.store.profiles ?? {})
    .filter(([, c]) => c.provider === provider)
    .map(([id]) => id);
  // The safe choice first: Enter or Escape keeps the credentials.
  const ok = await confirmRemoval(o.ui, {
    title: `Remove all ${provider} credentials?`,
    what: `every ${provider} profile`,
    description: `${ids.length} profile(s)${g.connected ? '; runs using it are stopped' : ''}`,
    detail: `${ids.join(', ') || 'none saved'}. Nothing is revoked at the provider.`,
  });
  if (!ok) return;
  try {
    const msg = await g.writes.removeProviderAuth(agentId, provider);
    if (msg !== undefined) {
      o.reload();
      void o.ui.showInformationMessage(msg);
      return;
    }
  } catch (e) {
    void o.ui.showErrorMessage(o.log.scrub((e as Error).message));
    return;
  }
  for (const id of ids) await o.apply(agentId, { kind: 'removeProfile', profileId: id }, { done: `Removed ${id}.` });
}
