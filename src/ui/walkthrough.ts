/**
 * The walkthrough's ticks. Its steps complete on context keys ("onContext:…"), but VS Code only
 * ticks a step when its key changes *after* the walkthrough is registered, and it registers
 * walkthroughs lazily, when the Welcome page first opens. A state found at start-up (set before the
 * user ever opens the walkthrough) would then never tick. Every completion expression therefore also
 * needs `openclawAuth.walkthroughShown`, set here once a Welcome page is on screen: by then the
 * walkthrough is registered, so the change ticks every step that is already true.
 */
import * as vscode from 'vscode';

export const WALKTHROUGH_SHOWN = 'openclawAuth.walkthroughShown';

/** Sets `openclawAuth.walkthroughShown` once a Welcome page (a tab VS Code gives no API input for) is open. */
export function watchWalkthroughShown(): vscode.Disposable {
  // The Welcome page is a workbench editor with no API input type; its label is localized, so only the missing input is used.
  const open = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input === undefined));
  let listener: vscode.Disposable | undefined;
  const check = () => {
    if (!open()) return;
    void vscode.commands.executeCommand('setContext', WALKTHROUGH_SHOWN, true);
    listener?.dispose();
    listener = undefined;
  };
  listener = vscode.window.tabGroups.onDidChangeTabs(check);
  check();
  return { dispose: () => listener?.dispose() };
}
