/**
 * What a feature (src/features/<name>/) may use of the extension: the log, the window calls, the
 * settings, the model's reads, and `apply` for writes. The owner (src/owner.ts) implements it and
 * hands itself to each feature; no feature imports the owner or another feature, and the owner
 * alone assembles them (test/unit/layers.test.ts checks both).
 */
import type * as vscode from 'vscode';
import type { Log } from '../ui/log';
import type { Ui } from '../ui/ui';
import type { Settings } from '../config/settings';
import type { ResolvedPaths } from '../store/paths';
import type { AgentSnapshot, Mutation, MutationResult, SnapshotOptions } from '../store';
import type { AgentView } from '../auth/view';

/** One agent as the model holds it: its snapshot from disk and the view derived from it now. */
export interface AgentEntry {
  agentId: string;
  snapshot: AgentSnapshot;
  view: AgentView;
}

/** A feature's commands by id; the owner merges every feature's table into one. */
export type CommandTable = Record<string, (arg?: unknown) => unknown>;

export interface ApplyOptions {
  /** The message shown (and logged) when the write is done. */
  done: string;
  /** When given and the write has an undo, the message offers Undo. */
  undoLabel?: string;
  /** Values that must never reach the log (the key being saved). */
  secrets?: string[];
}

export interface FeatureContext {
  readonly log: Log;
  /** Window calls (host tests swap in a scripted user). */
  readonly ui: Ui;
  /** `openclawAuth.*`, parsed and clamped once per change (src/config/settings.ts). */
  readonly settings: Settings;
  /** The state dir's paths, resolved once per reload; undefined before the first read. */
  readonly paths: ResolvedPaths | undefined;
  readonly agents: readonly AgentEntry[];
  readonly currentAgent: string;
  readonly defaultAgent: string;
  /** Secret storage (the gateway token), global state (probe results) and the manifest. */
  readonly context: Pick<vscode.ExtensionContext, 'secrets' | 'globalState' | 'extension'>;
  /** Fires after every model change (reload, re-derive, settings). */
  readonly onDidChange: vscode.Event<void>;
  current(): AgentEntry | undefined;
  agent(agentId: string | undefined): AgentEntry | undefined;
  /** What the store needs to read or write one agent. */
  snapshotOptions(agentId?: string): SnapshotOptions;
  /** Re-reads every agent from disk and refreshes the views. */
  reload(): void;
  /** Re-derives the views for the current time, without I/O. */
  rederive(): void;
  /** One write, routed (gateway or local store), with progress, logging, Undo and errors shown. */
  apply(agentId: string, m: Mutation, opts: ApplyOptions): Promise<MutationResult | undefined>;
}

/**
 * Where a write goes. While a gateway is connected, writes it has a method for go through its
 * control plane; the rest go to the local store. The gateway feature implements it; the owner
 * is given one and asks it before every local write.
 */
export interface WriteRoute {
  /** Performs the write through the gateway, or returns undefined to let the store do it. */
  tryApply(agentId: string, m: Mutation): Promise<{ result: MutationResult; message?: string } | undefined>;
  /** Tells the gateway about a write the store made (it reloads what it keeps in memory). */
  afterLocalWrite(agentId: string): Promise<void>;
  /** A clearer message for a failed write, when the route knows why (a busy store, a refused method). */
  explainWriteFailure(e: unknown): string | undefined;
}
