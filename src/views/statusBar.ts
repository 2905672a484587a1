/**
 * Credential health at a glance: counts by status for the current agent, a warning background
 * when a provider in use has no usable profile or a token expires within the warning window,
 * and a tooltip listing what needs attention with command links. Click opens the view.
 */
import * as vscode from 'vscode';
import type { AgentView } from '../auth/view';
import { summarize, type StatusSummary } from './statusSummary';

/** Where the credentials item sits; the gateway item takes the next priority on the same side. */
export const STATUS_ITEM_ALIGNMENT = vscode.StatusBarAlignment.Left;
export const STATUS_ITEM_PRIORITY = 50;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('openclawAuth.status', STATUS_ITEM_ALIGNMENT, STATUS_ITEM_PRIORITY);

  constructor() {
    this.item.name = 'OpenClaw Credentials';
    this.item.command = 'openclawAuth.profiles.focus';
  }

  update(view: AgentView | undefined, opts: { enabled: boolean; expiryWarningMs: number; probe?: { text: string; failed: number; tooltip: string; warning?: boolean } }): StatusSummary {
    const s = summarize(view, opts.expiryWarningMs);
    // The last live probe, when there is one (src/views/probeFormat.ts).
    if (opts.probe) { s.text = `${s.text} ${opts.probe.text}`; s.tooltip = `${s.tooltip}\n\n${opts.probe.tooltip}`; if (opts.probe.warning) s.warning = true; }
    this.item.text = s.text;
    const md = new vscode.MarkdownString(s.tooltip, true);
    md.isTrusted = { enabledCommands: ['openclawAuth.addApiKey', 'openclawAuth.replaceCredential', 'openclawAuth.signIn', 'openclawAuth.profiles.focus'] };
    this.item.tooltip = md;
    this.item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: `OpenClaw credentials: ${s.text.replace(/\$\([^)]+\)/g, '').trim()}${s.warning ? ', needs attention' : ''}` };
    if (opts.enabled) this.item.show(); else this.item.hide();
    return s;
  }

  dispose(): void {
    this.item.dispose();
  }
}
