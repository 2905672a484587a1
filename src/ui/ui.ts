/**
 * The few window calls the commands make, behind one facade so host tests can answer them
 * (a scripted user) without driving VS Code's quick input UI.
 *
 * Multi-step flows (Add API Key, Paste Setup Token, …) pass `step` to every input: VS Code shows
 * "Title (2/4)" and, from step 2 on, a Back button. Back rejects the input's promise with a
 * `GoBack` error, which `runSteps` (src/features/profiles/commands.ts) turns into the previous step, as in
 * VS Code's multi-step input sample. Escape resolves to undefined and cancels the flow.
 */
import * as vscode from 'vscode';

/** Where an input sits in a multi-step flow. */
export interface Step {
  step: number;
  totalSteps: number;
}

/** Rejection of a stepped input whose Back button was pressed. Tested by name, so a test's own copy counts too. */
export class GoBack extends Error {
  constructor() {
    super('Back');
    this.name = 'GoBack';
  }
}
export const isGoBack = (e: unknown): boolean => e instanceof Error && e.name === 'GoBack';

export interface PickOrTypeOptions {
  title: string;
  placeholder: string;
  /** Description of the extra item that offers the typed text itself (it is always listed last). */
  customDescription: string;
  normalize: (v: string) => string;
  step?: Step;
  /** Text already typed (the picker is shown again after "Back to the provider list"). */
  value?: string;
}

export interface Ui {
  showInputBox(options: vscode.InputBoxOptions & { step?: Step }): Thenable<string | undefined>;
  showQuickPick<T extends vscode.QuickPickItem>(
    items: readonly T[],
    options: vscode.QuickPickOptions & { step?: Step },
  ): Thenable<T | undefined>;
  /**
   * A quick pick that also accepts a typed value not in the list (provider ids). The list keeps
   * its order while filtering (a typed "mistr" leaves "mistral" first and active); the typed value
   * is offered as the last item.
   */
  pickOrType(items: readonly vscode.QuickPickItem[], options: PickOrTypeOptions): Thenable<string | undefined>;
  showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Thenable<string | undefined>;
  showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showOpenDialog(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
}

function applyStep(
  input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] },
  step: Step | undefined,
): void {
  if (!step) return;
  input.step = step.step;
  input.totalSteps = step.totalSteps;
  if (step.step > 1) input.buttons = [vscode.QuickInputButtons.Back];
}

/**
 * An input box for secrets and for the steps of a flow. vscode.window.showInputBox leaves the
 * accepted text in the workbench's (hidden, reused) quick input <input> until the next quick input
 * replaces it, so a typed key stays in the page's DOM; this box empties itself before it hides.
 * It also carries the step counter and the Back button, which showInputBox has not.
 */

/**
 * The one way an input flow ends: the first call wins, a GoBack rejects (the flow steps back),
 * anything else resolves; `close` hides the input afterwards. `settled` says whether it has ended.
 */
function settleOnce<T>(
  resolve: (v: T | undefined) => void,
  reject: (e: GoBack) => void,
  close: () => void,
): ((v: T | undefined | GoBack) => void) & { readonly settled: boolean } {
  let done = false;
  const finish = (v: T | undefined | GoBack) => {
    if (done) return;
    done = true;
    if (v instanceof GoBack) reject(v);
    else resolve(v);
    close();
  };
  return Object.defineProperty(finish, 'settled', { get: () => done }) as typeof finish & { readonly settled: boolean };
}

function inputBox(o: vscode.InputBoxOptions & { step?: Step }): Thenable<string | undefined> {
  const box = vscode.window.createInputBox();
  box.title = o.title;
  box.prompt = o.prompt;
  box.placeholder = o.placeHolder;
  box.password = o.password ?? false;
  box.ignoreFocusOut = o.ignoreFocusOut ?? false;
  box.value = o.value ?? '';
  if (o.valueSelection) box.valueSelection = o.valueSelection;
  applyStep(box, o.step);
  type Message = string | vscode.InputBoxValidationMessage | undefined | null;
  const validate = async (v: string): Promise<Message> => (o.validateInput ? await o.validateInput(v) : undefined);
  const blocks = (m: Message) =>
    typeof m === 'string' ? m.length > 0 : Boolean(m && m.severity === vscode.InputBoxValidationSeverity.Error);
  let seq = 0;
  return new Promise<string | undefined>((resolve, reject) => {
    const finish = settleOnce<string>(resolve, reject, () => {
      box.value = '';
      box.hide();
    });
    box.onDidChangeValue(async (v) => {
      const mine = ++seq;
      const m = await validate(v);
      if (mine === seq && !finish.settled) box.validationMessage = m ?? undefined;
    });
    // The suggested value (a profile id) is validated before the first keystroke too.
    if (box.value)
      void validate(box.value).then((m) => {
        if (!finish.settled && seq === 0) box.validationMessage = m ?? undefined;
      });
    box.onDidAccept(async () => {
      const v = box.value;
      const m = await validate(v);
      if (finish.settled) return;
      if (blocks(m)) {
        box.validationMessage = m ?? undefined;
        return;
      }
      finish(v);
    });
    box.onDidTriggerButton((b) => {
      if (b === vscode.QuickInputButtons.Back) finish(new GoBack());
    });
    box.onDidHide(() => {
      finish(undefined);
      box.dispose();
    });
    box.show();
  });
}

function steppedQuickPick<T extends vscode.QuickPickItem>(
  items: readonly T[],
  o: vscode.QuickPickOptions & { step?: Step },
): Thenable<T | undefined> {
  const qp = vscode.window.createQuickPick<T>();
  qp.title = o.title;
  qp.placeholder = o.placeHolder;
  qp.ignoreFocusOut = o.ignoreFocusOut ?? false;
  qp.matchOnDescription = o.matchOnDescription ?? false;
  qp.matchOnDetail = o.matchOnDetail ?? false;
  qp.items = items;
  applyStep(qp, o.step);
  return new Promise<T | undefined>((resolve, reject) => {
    const finish = settleOnce<T>(resolve, reject, () => qp.hide());
    qp.onDidAccept(() => {
      if (qp.selectedItems[0]) finish(qp.selectedItems[0]);
    });
    qp.onDidTriggerButton((b) => {
      if (b === vscode.QuickInputButtons.Back) finish(new GoBack());
    });
    qp.onDidHide(() => {
      finish(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

export const windowUi: Ui = {
  showInputBox: (o) => (o.password || o.step ? inputBox(o) : vscode.window.showInputBox(o)),
  showQuickPick: (items, o) => (o.step ? steppedQuickPick(items, o) : vscode.window.showQuickPick(items, o)),
  pickOrType: (items, o) => {
    const qp = vscode.window.createQuickPick();
    qp.title = o.title;
    qp.placeholder = o.placeholder;
    applyStep(qp, o.step);
    // The typed text is offered by an item whose label is only an icon: the filter never matches
    // it, so VS Code (which sorts matches by how well their label matches, an exact "mistr" above
    // "mistral") keeps it below every known item that matches; alwaysShow keeps it listed.
    let typed: vscode.QuickPickItem | undefined;
    const withTyped = (v: string): vscode.QuickPickItem[] => {
      const id = o.normalize(v);
      typed =
        id && !items.some((i) => i.label === id)
          ? { label: '$(add)', description: `${id}: ${o.customDescription}`, alwaysShow: true }
          : undefined;
      return typed ? [...items, typed] : [...items];
    };
    qp.items = withTyped(o.value ?? '');
    qp.value = o.value ?? '';
    return new Promise<string | undefined>((resolve, reject) => {
      const finish = settleOnce<string>(resolve, reject, () => qp.hide());
      qp.onDidChangeValue((v) => {
        qp.items = withTyped(v);
      });
      qp.onDidAccept(() => {
        const pick = qp.selectedItems[0];
        const v = pick && pick !== typed ? pick.label : o.normalize(qp.value);
        if (v) finish(v);
      });
      qp.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) finish(new GoBack());
      });
      qp.onDidHide(() => {
        finish(undefined);
        qp.dispose();
      });
      qp.show();
    });
  },
  showWarningMessage: (m, o, ...items) => vscode.window.showWarningMessage(m, o, ...items),
  showInformationMessage: (m, ...items) => vscode.window.showInformationMessage(m, ...items),
  showErrorMessage: (m, ...items) => vscode.window.showErrorMessage(m, ...items),
  showOpenDialog: (o) => vscode.window.showOpenDialog(o),
};

/**
 * Asks before something is removed, with the safe answer as the default: a quick pick whose first
 * (active) item is "Keep", so Enter and Escape both keep; "Remove" must be chosen. A modal
 * showWarningMessage cannot do this: VS Code focuses its first button and always puts Cancel
 * last, so Enter would remove. `description` and `detail` stay short: the quick pick cuts a line
 * at about 90 characters.
 */
export async function confirmRemoval(
  ui: Ui,
  o: { title: string; what: string; description: string; detail: string; action?: string },
): Promise<boolean> {
  const keep: vscode.QuickPickItem = {
    label: 'Keep',
    description: `${o.what} stays as it is (Enter or Escape)`,
    iconPath: new vscode.ThemeIcon('check'),
  };
  const remove: vscode.QuickPickItem = {
    label: o.action ?? 'Remove',
    description: o.description,
    detail: o.detail,
    iconPath: new vscode.ThemeIcon('trash'),
  };
  const pick = await ui.showQuickPick([keep, remove], { title: o.title, placeHolder: `Enter keeps ${o.what}` });
  return pick === remove;
}
