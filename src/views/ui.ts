/**
 * The few window calls the commands make, behind one facade so host tests can answer them
 * (a scripted user) without driving VS Code's quick input UI.
 */
import * as vscode from 'vscode';

export interface Ui {
  showInputBox(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
  /** A quick pick that also accepts a typed value not in the list (provider ids). */
  pickOrType(items: readonly vscode.QuickPickItem[], options: { title: string; placeholder: string; customDescription: string; normalize: (v: string) => string }): Thenable<string | undefined>;
  showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Thenable<string | undefined>;
  showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showOpenDialog(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
}

/**
 * showInputBox for secrets. vscode.window.showInputBox leaves the accepted text in the workbench's
 * (hidden, reused) quick input <input> until the next quick input replaces it, so a typed key stays
 * in the page's DOM. This box empties itself before it hides.
 */
function secretInputBox(o: vscode.InputBoxOptions): Thenable<string | undefined> {
  const box = vscode.window.createInputBox();
  box.title = o.title;
  box.prompt = o.prompt;
  box.placeholder = o.placeHolder;
  box.password = true;
  box.ignoreFocusOut = o.ignoreFocusOut ?? false;
  box.value = o.value ?? '';
  type Message = string | vscode.InputBoxValidationMessage | undefined | null;
  const validate = async (v: string): Promise<Message> => (o.validateInput ? await o.validateInput(v) : undefined);
  const blocks = (m: Message) => (typeof m === 'string' ? m.length > 0 : Boolean(m && m.severity === vscode.InputBoxValidationSeverity.Error));
  let seq = 0;
  return new Promise<string | undefined>((resolve) => {
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      box.value = '';
      box.hide();
    };
    box.onDidChangeValue(async (v) => {
      const mine = ++seq;
      const m = await validate(v);
      if (mine === seq && !done) box.validationMessage = m ?? undefined;
    });
    box.onDidAccept(async () => {
      const v = box.value;
      const m = await validate(v);
      if (done) return;
      if (blocks(m)) { box.validationMessage = m ?? undefined; return; }
      finish(v);
    });
    box.onDidHide(() => { finish(undefined); box.dispose(); });
    box.show();
  });
}

export const windowUi: Ui = {
  showInputBox: (o) => (o.password ? secretInputBox(o) : vscode.window.showInputBox(o)),
  showQuickPick: (items, o) => vscode.window.showQuickPick(items, o),
  pickOrType: (items, o) => {
    const qp = vscode.window.createQuickPick();
    qp.title = o.title;
    qp.placeholder = o.placeholder;
    qp.items = items;
    return new Promise<string | undefined>((resolve) => {
      qp.onDidChangeValue((v) => {
        const id = o.normalize(v);
        qp.items = id && !items.some((i) => i.label === id) ? [{ label: id, description: o.customDescription }, ...items] : items;
      });
      qp.onDidAccept(() => { resolve(qp.selectedItems[0]?.label ?? qp.value); qp.hide(); });
      qp.onDidHide(() => { resolve(undefined); qp.dispose(); });
      qp.show();
    });
  },
  showWarningMessage: (m, o, ...items) => vscode.window.showWarningMessage(m, o, ...items),
  showInformationMessage: (m, ...items) => vscode.window.showInformationMessage(m, ...items),
  showErrorMessage: (m, ...items) => vscode.window.showErrorMessage(m, ...items),
  showOpenDialog: (o) => vscode.window.showOpenDialog(o),
};
