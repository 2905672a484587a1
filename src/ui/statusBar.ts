/**
 * Credential health at a glance, in words: "OpenClaw: 4 ok, 3 need attention (1 failing)" for the
 * current agent (src/ui/statusSummary.ts, from the one health model in src/auth/health.ts), a
 * warning background while anything needs attention, a screen-reader label of words only, and a
 * tooltip listing what needs attention with command links. Click opens the view.
 */
import * as vscode from 'vscode';
import type { AgentView } from '../auth/view';
import type { ProbeEvidence } from '../auth/health';
import { summarize, type StatusSummary } from './statusSummary';

/** Where the credentials item sits; the gateway item takes the next priority on the same side. */
export const STATUS_ITEM_ALIGNMENT = vscode.StatusBarAlignment.Left;
export const STATUS_ITEM_PRIORITY = 50;

/** What the probe controller adds (ProbeController.statusSuffix): the last live probe of each profile, and a tooltip line. */
export interface StatusProbeInput {
  probeOf?: (profileId: string) => ProbeEvidence | undefined;
  tooltip?: string;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'openclawAuth.status',
    STATUS_ITEM_ALIGNMENT,
    STATUS_ITEM_PRIORITY,
  );

  constructor() {
    this.item.name = 'OpenClaw Credentials';
    this.item.command = 'openclawAuth.profiles.focus';
  }

  /** What the item shows now: each property is set only when it changes, so an open tooltip stays open. */
  private shown = { text: '', tooltip: '', warning: false, label: '', enabled: false };

  update(
    view: AgentView | undefined,
    opts: { enabled: boolean; expiryWarningMs: number; probe?: StatusProbeInput },
  ): StatusSummary {
    const s = summarize(view, {
      expiryWarningMs: opts.expiryWarningMs,
      probeOf: opts.probe?.probeOf,
      probeNote: opts.probe?.tooltip,
    });
    const was = this.shown;
    if (s.text !== was.text) this.item.text = s.text;
    if (s.tooltip !== was.tooltip) {
      const md = new vscode.MarkdownString(s.tooltip, true);
      md.isTrusted = {
        enabledCommands: [
          'openclawAuth.addApiKey',
          'openclawAuth.replaceCredential',
          'openclawAuth.signIn',
          'openclawAuth.profiles.focus',
        ],
      };
      this.item.tooltip = md;
    }
    if (s.warning !== was.warning)
      this.item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    if (s.accessibilityLabel !== was.label)
      this.item.accessibilityInformation = { label: s.accessibilityLabel, role: 'button' };
    if (opts.enabled !== was.enabled || !was.text) {
      if (opts.enabled) this.item.show();
      else this.item.hide();
    }
    this.shown = {
      text: s.text,
      tooltip: s.tooltip,
      warning: s.warning,
      label: s.accessibilityLabel,
      enabled: opts.enabled,
    };
    return s;
  }

  dispose(): void {
    this.item.dispose();
  }
}
