/**
 * Where a write goes while the gateway is connected (src/features/context.ts, WriteRoute): API
 * keys, order and removals through its control plane; setup tokens through openclaw's own CLI (the
 * protocol has no method for them); everything else to the local store, followed by
 * models.authRefresh so the gateway reloads what it keeps in memory.
 */
import * as vscode from 'vscode';
import type { FeatureContext, WriteRoute } from '../context';
import { stoppedRunsMessage, type GatewayClient } from '../../gateway/client';
import { resolveCommand, runOpenclawCli } from '../../gateway/process';
import { StoreBusyError, type Mutation, type MutationResult } from '../../store';

/** What the write route needs of the gateway feature: its control-plane client and its log. */
export interface ControlPlane {
  readonly client: GatewayClient | undefined;
  readonly connected: boolean;
  readonly channel: vscode.LogOutputChannel;
  refreshAuthStatus(): Promise<unknown>;
}

export class GatewayWriteRoute implements WriteRoute {
  constructor(
    private readonly o: FeatureContext,
    private readonly gw: ControlPlane,
  ) {}

  /**
   * While connected, applies a management write through the gateway; returns undefined when the
   * protocol has no method for it (tokens, SecretRefs, restores: the owner writes the files and
   * then calls afterLocalWrite, which asks the gateway to reload with models.authRefresh).
   */
  async tryApply(agentId: string, m: Mutation): Promise<{ result: MutationResult; message: string } | undefined> {
    const c = this.gw.client;
    if (!c || !this.gw.connected) return undefined;
    const scope = agentId !== this.o.defaultAgent ? { agentId } : {};
    // models.authSetApiKey takes no profile id: the gateway saves to the configured profile or
    // <provider>:manual. Only that id goes through it; other ids are written locally + authRefresh.
    const cred = m.kind === 'upsertProfile' ? m.credential : undefined;
    if (
      m.kind === 'upsertProfile' &&
      cred?.type === 'api_key' &&
      'key' in cred &&
      cred.key &&
      m.profileId === `${cred.provider}:manual`
    ) {
      const r = await c.authSetApiKey({ provider: cred.provider, apiKey: cred.key, ...scope });
      const renamed =
        r.profileId !== m.profileId
          ? ` The gateway saved it as ${r.profileId} (models.authSetApiKey chooses the profile id).`
          : '';
      return {
        result: { files: [], profileId: r.profileId },
        message: `Saved API key ${r.profileId} through the gateway.${renamed}`,
      };
    }
    if (m.kind === 'upsertProfile' && cred?.type === 'token' && 'token' in cred && cred.token) {
      return this.saveTokenWithCli(agentId, m.profileId, cred.provider, cred.token, cred.expires);
    }
    if (m.kind === 'setOrder') {
      const before = this.o.agent(agentId)?.snapshot.state.order?.[m.provider];
      await c.authOrderSet({ provider: m.provider, profileIds: m.profileIds, ...scope });
      return {
        result: {
          files: [],
          undo: { kind: 'setOrder', provider: m.provider, profileIds: before ? [...before] : null },
        },
        message: '',
      };
    }
    if (m.kind === 'removeProfile') {
      const provider = this.o.agent(agentId)?.snapshot.store.profiles[m.profileId]?.provider;
      if (!provider) return undefined;
      const r = await c.authLogout({ provider, profileIds: [m.profileId], ...scope });
      // The gateway deletes the credential; it has no restore method, so no Undo here.
      return {
        result: { files: [], profileId: m.profileId },
        message: `Removed ${r.removedProfiles.join(', ')} through the gateway (no Undo: the gateway has no restore method).`,
      };
    }
    return undefined;
  }

  /**
   * The protocol has no method for setup tokens, and the gateway keeps the auth database open (so
   * our own writer refuses). openclaw's CLI writes it safely next to the running gateway
   * (`models auth paste-token`, token on stdin); then models.authRefresh makes the gateway reload.
   */
  private async saveTokenWithCli(
    agentId: string,
    profileId: string,
    provider: string,
    token: string,
    expires: number | undefined,
  ): Promise<{ result: MutationResult; message: string }> {
    const cmd = resolveCommand({
      setting: this.o.settings.openclawPath,
      nodePath: this.o.settings.gateway.nodePath,
      env: process.env,
    });
    const args = ['models', 'auth', 'paste-token', '--provider', provider, '--profile-id', profileId];
    if (expires) args.push('--expires-in', `${Math.max(1000, expires - Date.now())}ms`);
    if (agentId !== this.o.defaultAgent) args.push('--agent', agentId);
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (this.o.settings.stateDir) env.OPENCLAW_STATE_DIR = this.o.settings.stateDir;
    this.gw.channel.info(
      `Saving ${profileId} with openclaw's CLI (the gateway has no token method): ${[cmd.file, ...cmd.prefixArgs, ...args].join(' ')} (token on stdin)`,
    );
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Saving ${profileId} with openclaw's CLI…` },
      () => runOpenclawCli(cmd, args, { env, input: `${token}\n`, timeoutMs: 180_000 }),
    );
    if (r.code !== 0) {
      const why = this.o.log.scrub(
        (r.stderr || r.stdout)
          .trim()
          .split('\n')
          .filter((l) => !/^Warning:|could not be verified/.test(l))
          .pop() ?? `exit ${r.code}`,
      );
      throw new Error(`openclaw models auth paste-token failed: ${why}`);
    }
    await this.afterLocalWrite(agentId);
    return {
      result: { files: [], profileId },
      message: `Saved token ${profileId} with openclaw's CLI (the gateway has no token method) and reloaded the gateway.`,
    };
  }

  /** A local write refused because the running gateway holds the database: say what to do. */
  explainWriteFailure(e: unknown): string | undefined {
    if (!(e instanceof StoreBusyError) || !this.gw.connected) return undefined;
    return `${(e as Error).message} The running gateway keeps the auth database open and its control plane has no method for this change (SecretRef profiles, restoring a removed profile). Stop the gateway ("OpenClaw: Stop Gateway"), make the change, then start it again.`;
  }

  /** After a local write while connected: the gateway reloads credentials (models.authRefresh). */
  async afterLocalWrite(agentId: string): Promise<void> {
    if (!this.gw.client || !this.gw.connected) return;
    try {
      await this.gw.client.authRefresh({
        operation: 'update',
        ...(agentId !== this.o.defaultAgent ? { agentId } : {}),
      });
      this.gw.channel.info('Asked the gateway to reload credentials (models.authRefresh).');
    } catch (e) {
      this.gw.channel.warn(`models.authRefresh after a local write: ${(e as Error).message}`);
    }
    await this.gw.refreshAuthStatus();
  }

  /** Removes every credential of a provider; through the gateway this stops the provider's runs. */
  async removeProviderAuth(agentId: string, provider: string): Promise<string | undefined> {
    if (!this.gw.client || !this.gw.connected) return undefined;
    const r = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Removing ${provider} credentials through the gateway…`,
      },
      () => this.gw.client!.logoutProvider({ provider, ...(agentId !== this.o.defaultAgent ? { agentId } : {}) }),
    );
    const stopped = stoppedRunsMessage(r.stopped);
    const msg = `Removed ${r.removedProfiles.length} ${provider} profile${r.removedProfiles.length === 1 ? '' : 's'}${r.removedProfiles.length ? ` (${r.removedProfiles.join(', ')})` : ''}. ${stopped ? `${stopped}.` : 'No runs were using it.'}`;
    this.gw.channel.info(msg + (r.stopped.length ? ` Runs: ${r.stopped.map((x) => x.runId).join(', ')}.` : ''));
    await this.gw.refreshAuthStatus();
    return msg;
  }
}
