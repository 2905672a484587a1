/**
 * The one LogOutputChannel. Levels follow the user's "Set Log Level"; every message passes
 * through `redact` with the secrets the extension currently knows, so none reaches the log.
 */
import * as vscode from 'vscode';
import { redact } from '../auth/mask';

export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private secrets = new Set<string>();

  constructor() {
    this.channel = vscode.window.createOutputChannel('OpenClaw Auth', { log: true });
  }

  /** Values to scrub from every later message (keys the user typed, values read from stores). */
  rememberSecrets(values: Iterable<string | undefined>): void {
    for (const v of values) if (v && v.length >= 4) this.secrets.add(v);
  }

  private fmt(msg: string, err?: unknown): string {
    const e = err instanceof Error ? `: ${err.message}` : err !== undefined ? `: ${String(err)}` : '';
    return redact(msg + e, this.secrets);
  }

  info(msg: string): void {
    this.channel.info(this.fmt(msg));
  }
  warn(msg: string, err?: unknown): void {
    this.channel.warn(this.fmt(msg, err));
  }
  error(msg: string, err?: unknown): void {
    this.channel.error(this.fmt(msg, err));
  }
  debug(msg: string): void {
    this.channel.debug(this.fmt(msg));
  }
  scrub(text: string): string {
    return redact(text, this.secrets);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
