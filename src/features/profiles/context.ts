/** What the profile commands need besides the shared context (src/features/context.ts). */
import type { FeatureContext } from '../context';

export interface ProfilesContext extends FeatureContext {
  /**
   * Runs `create` as the one write allowed to start a store in a folder that holds no OpenClaw
   * state ("Create OpenClaw State"); every other write there is refused.
   */
  allowStateCreation<T>(create: () => Promise<T>): Promise<T>;
  /** The agent the status bar shows (until the setting written next to it is read back). */
  setCurrentAgent(agentId: string): void;
}
