/**
 * The gateway's status bar item, next to the credential health: stopped, starting, ready,
 * degraded (with /readyz's failing checks), crashed and restarting in N s, unreachable, failed,
 * plus the control-plane connection (token rejected ...). Its click offers the actions that fit
 * the state (openclawAuth.gatewayActions). `describeGateway` is pure so it is easy to test.
 */
import * as vscode from 'vscode';
import { gatewayAccessibilityLabel, type GatewayStatusView } from '../../gateway/statusView';
import { STATUS_ITEM_ALIGNMENT, STATUS_ITEM_PRIORITY } from '../../ui/statusBar';

export {
  ACTION_LABELS,
  describeAuthView,
  describeGateway,
  reconcileAuthView,
  type GatewayAction,
  type GatewayStatusView,
} from '../../gateway/statusView';

export class GatewayStatusItem implements vscode.Disposable {
  // Right after the credentials item: same side, the next priority, so the two stay together.
  private readonly item = vscode.window.createStatusBarItem(
    'openclawAuth.gateway',
    STATUS_ITEM_ALIGNMENT,
    STATUS_ITEM_PRIORITY - 1,
  );

  constructor() {
    this.item.name = 'OpenClaw Gateway';
    this.item.command = 'openclawAuth.gatewayActions';
  }

  update(v: GatewayStatusView, visible: boolean): void {
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.backgroundColor =
      v.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : v.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = { label: gatewayAccessibilityLabel(v), role: 'button' };
    if (visible) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
