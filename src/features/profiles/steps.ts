/**
 * The steps of the profile flows: a multi-step input with one title, a step counter and a Back
 * button (`runSteps`), and the agent, provider, profile id and profile pickers they share.
 */
import * as vscode from 'vscode';
import { KNOWN_PROVIDERS } from '../../auth/providerEnv';
import {
  canonicalProviderForNewProfile,
  normalizeProviderId,
  quoteId,
  validateProfileId,
  validateProviderId,
} from '../../auth/providerId';
import { isGoBack, type Step } from '../../ui/ui';
import { target, type Target } from '../../ui/target';
import type { ProfilesContext } from './context';

/** A step of a multi-step input: reads and fills `s`; false cancels the flow. `step` is undefined in a one-step flow. */
export type StepFn<S> = (s: S, step: Step | undefined) => Promise<boolean>;

/**
 * Runs the steps of one flow in order. Back (a GoBack rejection of the step's input) shows the
 * previous step again, Escape cancels the whole flow. Steps the caller already knows the answer
 * to (an agent or provider given by the row) are not in `steps`, so the counter matches what is shown
 * (and a flow left with one step shows none).
 */
export async function runSteps<S>(s: S, steps: Array<StepFn<S> | false | undefined>): Promise<boolean> {
  const shown = steps.filter((x): x is StepFn<S> => Boolean(x));
  let i = 0;
  while (i < shown.length) {
    try {
      if (!(await shown[i]!(s, shown.length > 1 ? { step: i + 1, totalSteps: shown.length } : undefined))) return false;
      i++;
    } catch (e) {
      if (!isGoBack(e)) throw e;
      i = Math.max(0, i - 1);
    }
  }
  return true;
}

export function agentItems(o: ProfilesContext): vscode.QuickPickItem[] {
  return o.agents.map((a) => ({
    label: a.agentId,
    description: a.agentId === o.currentAgent ? 'shown in the status bar' : undefined,
  }));
}

/** The agent step, when the flow has no agent yet and there is more than one. */
export function agentStep<S extends { agentId?: string }>(
  o: ProfilesContext,
  t: Target,
  title: string,
): StepFn<S> | undefined {
  if (t.agentId || o.agents.length <= 1) return undefined;
  return async (s, step) => {
    const pick = await o.ui.showQuickPick(agentItems(o), { title, placeHolder: 'Which agent?', step });
    if (!pick) return false;
    s.agentId = pick.label;
    return true;
  };
}

export async function pickAgent(o: ProfilesContext, t: Target, title: string): Promise<string | undefined> {
  if (t.agentId) return t.agentId;
  if (o.agents.length <= 1) return o.currentAgent;
  return (await o.ui.showQuickPick(agentItems(o), { title, placeHolder: 'Which agent?' }))?.label;
}

/**
 * The provider step: known providers first (the agent's configured ones, then the ones OpenClaw
 * ships), the typed text last as a custom provider, which must be confirmed (a typo would
 * otherwise become a provider of its own). "Back to the provider list" shows the list again
 * with the text still typed.
 */
export function providerStep<S extends { agentId?: string; provider?: string }>(
  o: ProfilesContext,
  t: Target,
  title: string,
  placeholder = 'Pick a provider, or type to filter',
): StepFn<S> | undefined {
  if (t.provider) return undefined;
  return async (s, step) => {
    const inUse = new Set((o.agent(s.agentId)?.view ?? o.current()?.view)?.providers.map((p) => p.provider));
    const known = new Set([...inUse, ...KNOWN_PROVIDERS].filter((p) => p !== 'openai-codex'));
    const items: vscode.QuickPickItem[] = [...known].map((p) => ({
      label: p,
      description: inUse.has(p) ? 'configured' : undefined,
    }));
    let value: string | undefined;
    for (;;) {
      const typed = await o.ui.pickOrType(items, {
        title,
        placeholder,
        customDescription: 'not a known provider (asks first)',
        normalize: normalizeProviderId,
        step,
        value,
      });
      if (!typed) return false;
      const p = canonicalProviderForNewProfile(typed);
      const err = validateProviderId(p);
      if (err) {
        void o.ui.showErrorMessage(err);
        value = typed;
        continue;
      }
      if (normalizeProviderId(typed) === 'openai-codex')
        void o.ui.showInformationMessage(
          'OpenAI credentials now use the canonical "openai" provider; the profile is saved under openai.',
        );
      if (known.has(p)) {
        s.provider = p;
        return true;
      }
      const back: vscode.QuickPickItem = {
        label: 'Back to the provider list',
        description: 'pick a known provider',
        iconPath: new vscode.ThemeIcon('arrow-left'),
      };
      const use: vscode.QuickPickItem = {
        label: `Use custom provider ${quoteId(p)}`,
        description: 'a provider id OpenClaw does not ship',
        detail: 'Only models of a provider with exactly this id use it; check the spelling.',
      };
      const pick = await o.ui.showQuickPick([back, use], {
        title,
        placeHolder: `${quoteId(p)} is not a provider OpenClaw knows. Use it anyway?`,
        step,
      });
      if (!pick) return false;
      if (pick === use) {
        s.provider = p;
        return true;
      }
      value = typed;
    }
  };
}

/** Provider of a flow that was not asked (given by the row or link), as a new profile must use it. */
export function givenProvider(t: Target): string | undefined {
  return t.provider ? canonicalProviderForNewProfile(t.provider) : undefined;
}

export function profileIdStep<S extends { agentId?: string; provider?: string; profileId?: string }>(
  o: ProfilesContext,
  title: string,
  suggest: (s: S) => string,
): StepFn<S> {
  return async (s, step) => {
    const agentId = s.agentId ?? o.currentAgent;
    const provider = s.provider ?? '';
    const exists = (id: string) => Boolean(o.agent(agentId)?.snapshot.store.profiles[id]);
    const v = await o.ui.showInputBox({
      title,
      step,
      // The ID given before (Back, or the row) unless the provider changed since.
      value: s.profileId && !validateProfileId(s.profileId, provider) ? s.profileId : suggest(s),
      prompt: `Profile ID for agent ${agentId}: ${provider}:<name>. An existing ID is replaced in place.`,
      validateInput: (x) =>
        validateProfileId(x.trim(), provider) ??
        (exists(x.trim())
          ? { message: `${x.trim()} exists and will be replaced.`, severity: vscode.InputBoxValidationSeverity.Warning }
          : undefined),
    });
    if (v === undefined) return false;
    s.profileId = v.trim();
    return true;
  };
}

export async function pickProfile(
  o: ProfilesContext,
  arg: unknown,
  title: string,
  placeHolder: string,
  step?: Step,
): Promise<{ agentId: string; profileId: string } | undefined> {
  const t = target(arg);
  const agentId = await pickAgent(o, t, title);
  if (!agentId) return undefined;
  if (t.profileId) return { agentId, profileId: t.profileId };
  const ids = Object.entries(o.agent(agentId)?.snapshot.store.profiles ?? {})
    .filter(([, c]) => !t.provider || normalizeProviderId(c.provider) === normalizeProviderId(t.provider))
    .map(([id]) => id)
    .sort();
  if (!ids.length) {
    void o.ui.showInformationMessage(`Agent ${agentId} has no saved ${t.provider ? `${t.provider} ` : ''}profiles.`);
    return undefined;
  }
  const profileId = (
    await o.ui.showQuickPick(
      ids.map((label) => ({ label })),
      { title, placeHolder, step },
    )
  )?.label;
  return profileId ? { agentId, profileId } : undefined;
}
