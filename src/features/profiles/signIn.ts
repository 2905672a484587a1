/**
 * Sign-in flows that run a CLI in a terminal: `openclaw models auth login` (OAuth, the Claude CLI
 * reuse, --force) and `claude setup-token`.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import { confirmRemoval } from '../../ui/ui';
import { target } from '../../ui/target';
import { CommandError, findExecutable, resolveCommand, spawnArgs, type ResolvedCommand } from '../../gateway/process';
import type { ProfilesContext } from './context';
import { givenProvider, pickAgent, providerStep, runSteps } from './steps';

function runInTerminal(o: ProfilesContext, exe: string, args: string[], name: string, shown = exe): void {
  const env: Record<string, string> = {};
  if (o.settings.stateDir) env.OPENCLAW_STATE_DIR = o.settings.stateDir;
  const term = vscode.window.createTerminal({ name, shellPath: exe, shellArgs: args, env });
  term.show();
  o.log.info(`Opened a terminal: ${path.basename(shown)} ${args.join(' ')}`);
}

/**
 * The openclaw command as the gateway runs it (src/gateway/process.ts resolveCommand: the
 * setting or PATH, and a Node that openclaw accepts), or undefined after saying what is missing.
 */
function openclawCommand(o: ProfilesContext): ResolvedCommand | undefined {
  try {
    return resolveCommand({
      setting: o.settings.openclawPath,
      nodePath: o.settings.gateway.nodePath,
      env: process.env,
    });
  } catch (e) {
    const notFound = !(e instanceof CommandError) || e.kind === 'not-found';
    const setting = notFound ? 'openclawAuth.openclawPath' : 'openclawAuth.gateway.nodePath';
    void o.ui
      .showErrorMessage(
        notFound
          ? `The openclaw CLI was not found. Install it with \`npm install -g openclaw\` (needs Node 24.16 or newer), or set openclawAuth.openclawPath. (${(e as Error).message})`
          : (e as Error).message,
        'Open Settings',
      )
      .then((p) => {
        if (p) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
      });
    return undefined;
  }
}

export async function signIn(
  o: ProfilesContext,
  arg: unknown,
  opts: { force?: boolean; method?: string } = {},
): Promise<void> {
  const t = target(arg);
  const cmd = openclawCommand(o);
  if (!cmd) return;
  const title = opts.force ? 'Sign In Again' : opts.method === 'cli' ? 'Reuse Claude CLI Sign-In' : 'Sign In (OAuth)';
  const s: { agentId?: string; provider?: string } = {
    agentId: t.agentId,
    provider: opts.method === 'cli' ? 'anthropic' : givenProvider(t),
  };
  if (!(await runSteps(s, [opts.method !== 'cli' && providerStep(o, t, title)]))) return;
  const provider = s.provider;
  if (!provider) return;
  if (opts.force) {
    const ok = await confirmRemoval(o.ui, {
      title: `Sign in to ${provider} again, deleting its saved profiles first?`,
      what: `${provider}'s saved profiles`,
      action: 'Delete and Sign In',
      description: `${provider}'s saved profiles for this agent, then sign in`,
      detail: 'For main: also the shared ones, their order and health. Nothing is revoked at the provider.',
    });
    if (!ok) return;
  }
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return;
  const args = ['models', 'auth', 'login', '--provider', provider];
  if (opts.method) args.push('--method', opts.method);
  if (t.profileId) args.push('--profile-id', t.profileId);
  if (opts.force) args.push('--force');
  if (agentId !== o.defaultAgent) args.push('--agent', agentId);
  const run = spawnArgs(cmd, args, process.env);
  runInTerminal(o, run.file, run.args, `OpenClaw sign-in: ${provider}`, cmd.openclaw);
}

export async function claudeSetupToken(o: ProfilesContext): Promise<void> {
  const exe = findExecutable('claude', { setting: o.settings.claudePath, env: process.env });
  if (!exe) {
    void o.ui.showErrorMessage(
      'The claude CLI was not found. Install Claude Code (`npm install -g @anthropic-ai/claude-code`) or set openclawAuth.claudePath; then paste the token with "Paste Setup Token".',
    );
    return;
  }
  runInTerminal(o, exe, ['setup-token'], 'claude setup-token');
  void o.ui
    .showInformationMessage('When claude prints the token, run "OpenClaw: Paste Setup Token".', 'Paste Setup Token')
    .then((p) => {
      if (p) void vscode.commands.executeCommand('openclawAuth.pasteToken', { provider: 'anthropic' });
    });
}
