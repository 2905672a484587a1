/**
 * The legacy auth migration (openclaw's `doctor --fix` part that imports retired JSON files into
 * SQLite), planned as data. Pure: the caller (src/store/legacy.ts) reads the files and the
 * target cells and hands them in; nothing here touches the disk.
 *
 * Rules follow openclaw 2026.9.6 (dist: doctor-auth-flat-profiles, legacy-flat-credential,
 * persisted, legacy-source-diagnostic):
 * - sources per agent dir: `auth-profiles.json` (canonical `{profiles,…}` or flat
 *   `{provider:{apiKey…}}`), `auth-state.json`, `auth.json` (flat, `<provider>:default`), and for
 *   the default agent `credentials/oauth.json` (`<provider>:default` oauth);
 * - the default agent's data goes to the shared store, other agents' into their own agent DB;
 * - a profile or state entry already in the target wins over the imported one;
 * - `aws-sdk` entries leave the store and become `auth.profiles.<id> = {provider, mode:"aws-sdk"}`;
 * - `openai-codex` ids/providers become `openai` (collision: `openai:chatgpt-<suffix>`, `-2`, …),
 *   in profiles, order, lastGood, usageStats and the config's auth.profiles / auth.order.
 *   openclaw needs a second `doctor --fix` for that rename; we do it in the same run and end in
 *   the same state.
 * Where openclaw would archive a file it could not read ("archived-unparsed"), we leave it in
 * place and report it: nothing we cannot read is moved.
 *
 * The public entry; the code lives in src/auth/legacy/:
 * - types.ts: the input (agents, source files, target cells, config) and the plan's shape;
 * - credential.ts, state.ts: openclaw's normalisation of legacy credentials and state;
 * - sourceText.ts: duplicate keys and sha256 of a source file's text;
 * - codexRename.ts: openai-codex -> openai ids and providers;
 * - refusal.ts: the refusal openclaw gives before the migration ran;
 * - plan.ts: planMigration over all agents (agent.ts plans one: run.ts holds its target and
 *   records, importers.ts reads each legacy format into it), and publicPlan.
 */
export { isObj, type Obj } from './obj';
export {
  type SourceKind,
  SOURCE_FILE,
  type SourceFileInput,
  type AgentInput,
  type PlanInput,
  type ProfileAction,
  type ProfileItem,
  type StateItem,
  type ConfigChange,
  type SourceReport,
  type Refusal,
  type TargetPlan,
  type MigrationPlan,
} from './legacy/types';
export { type Parsed, parseLegacyCredential, REASON_TEXT, secretPreview } from './legacy/credential';
export { duplicateKeys, sha256 } from './legacy/sourceText';
export { allocateId } from './legacy/codexRename';
export { normalizeState } from './legacy/state';
export { refusalFor } from './legacy/refusal';
export { planMigration, publicPlan } from './legacy/plan';
