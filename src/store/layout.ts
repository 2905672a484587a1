/**
 * The SQLite layout of openclaw's stores: every table, key and column this project reads or
 * writes, and the SQL built from them. No other module spells a table, column or key name; they
 * import it from here. openclaw owns these DBs: everything below copies its schema (see the
 * templates in ./templates), nothing is invented here.
 *
 * Two layouts (DbKind):
 *   - 'shared', the state DB (`state/openclaw.sqlite`): the shared credentials are cells of
 *     `config_machine_state` under `authProfiles.store` / `authProfiles.state`, with the
 *     `auth.sharedStore` marker row beside them; the same DB holds openclaw's team secret store
 *     (`secret_store_entries`) and its legacy-import receipts (`migration_sources`,
 *     `migration_runs`).
 *   - 'agent', an agent DB (`<agentDir>/openclaw-agent.sqlite`): the `primary` rows of
 *     `auth_profile_store` and `auth_profile_state`.
 * An older install without the marker keeps the shared credentials in the main agent DB: that DB
 * still has the agent layout. Which DB plays which role is decided in snapshot.ts (and
 * legacy.ts's detection); this file only says where a DB of each layout keeps things.
 *
 * Who uses it:
 *   - authCells.ts, the one reader of auth cells, team secrets and receipts (snapshot and migration);
 *   - dbWriter.ts readCell/writeCell, the one reader-writer of a cell inside a write transaction
 *     (mutations, probe records, migration), and createDb (schema_meta and the marker of a new DB);
 *   - legacy.ts, which writes and puts back receipt rows.
 *
 * Where do I add a store table?
 *   1. Copy its exact definition from openclaw (the table must also be in templates/<kind>.sqlite.gz
 *      if a DB we create needs it).
 *   2. A one-row-per-key JSON table like the auth ones: add a `cellTable(...)` descriptor below and
 *      put it in CELL_TABLES; readCell/writeCell then read and upsert it, and create it with that
 *      definition where it is missing. Name its cells as CellAddress constants (as AUTH_CELLS does).
 *   3. Any other table: a descriptor with `name`, `col` (column names by role) and, when rows are
 *      inserted whole, `columns` in openclaw's order (insertOrReplaceSql / rowValues use it).
 *   4. Read it in authCells.ts (extract), inside the read transaction the snapshot and the migration
 *      share; write it only through dbWriter.mutateDb.
 */
import type { SqlValue } from './sqliteReader';

/** A DB's layout: the state DB ('shared') or an agent DB ('agent'). */
export type DbKind = 'shared' | 'agent';

// ---------------------------------------------------------------- SQLite's own catalog

/** Whether a table exists (params: 'table', name). */
export const HAS_TABLE_SQL = 'SELECT 1 AS x FROM sqlite_schema WHERE type = ? AND name = ?';
/** A cheap read that fails on a file SQLite cannot open. */
export const COUNT_SCHEMA_SQL = 'SELECT count(*) FROM sqlite_schema';

// ---------------------------------------------------------------- key/JSON cell tables

/** A table of one JSON cell per key, as openclaw's auth code keeps them. */
function cellTable<N extends string, K extends string, V extends string, U extends string>(
  name: N,
  key: K,
  value: V,
  updated: U,
) {
  return {
    name,
    /** The primary-key column, the JSON text column, the last-change time column. */
    key,
    value,
    updated,
    columns: [key, value, updated] as const,
    /** openclaw's exact definition (an older agent DB may lack the auth tables). */
    ddl: `CREATE TABLE ${name} (${key} TEXT NOT NULL PRIMARY KEY, ${value} TEXT NOT NULL, ${updated} INTEGER NOT NULL) STRICT`,
  } as const;
}

/** State DB: machine state cells (the shared auth store, its state and the marker among them). */
export const CONFIG_MACHINE_STATE = cellTable('config_machine_state', 'state_key', 'value_json', 'updated_at_ms');
/** Agent DB: the agent's credentials (row `primary`). */
export const AUTH_PROFILE_STORE = cellTable('auth_profile_store', 'store_key', 'store_json', 'updated_at');
/** Agent DB: the agent's order / lastGood / usageStats (row `primary`). */
export const AUTH_PROFILE_STATE = cellTable('auth_profile_state', 'state_key', 'state_json', 'updated_at');

export const CELL_TABLES = {
  [CONFIG_MACHINE_STATE.name]: CONFIG_MACHINE_STATE,
  [AUTH_PROFILE_STORE.name]: AUTH_PROFILE_STORE,
  [AUTH_PROFILE_STATE.name]: AUTH_PROFILE_STATE,
} as const;
export type CellTableName = keyof typeof CELL_TABLES;

/** One JSON cell: a table of CELL_TABLES and the key of its row. */
export interface CellAddress {
  table: CellTableName;
  key: string;
}

/** config_machine_state keys of the state DB. */
export const SHARED_STORE_KEY = 'authProfiles.store';
export const SHARED_STATE_KEY = 'authProfiles.state';
export const SHARED_MARKER_KEY = 'auth.sharedStore';
/** The one row key of the agent DB's auth tables (and of schema_meta). */
export const PRIMARY_ROW_KEY = 'primary';

/** Where each layout keeps the auth store and the auth state (shared by every caller, so frozen). */
export const AUTH_CELLS: Readonly<Record<DbKind, { readonly store: CellAddress; readonly state: CellAddress }>> =
  Object.freeze({
    shared: Object.freeze({
      store: Object.freeze({ table: CONFIG_MACHINE_STATE.name, key: SHARED_STORE_KEY }),
      state: Object.freeze({ table: CONFIG_MACHINE_STATE.name, key: SHARED_STATE_KEY }),
    }),
    agent: Object.freeze({
      store: Object.freeze({ table: AUTH_PROFILE_STORE.name, key: PRIMARY_ROW_KEY }),
      state: Object.freeze({ table: AUTH_PROFILE_STATE.name, key: PRIMARY_ROW_KEY }),
    }),
  });

/** The `auth.sharedStore` marker cell of the state DB. */
export const MARKER_CELL: CellAddress = Object.freeze({ table: CONFIG_MACHINE_STATE.name, key: SHARED_MARKER_KEY });
/** The marker value that says the shared credentials are in the state DB. */
export const STATE_DB_MARKER = '{"location":"state-db"}';
/** The store cell openclaw keeps beside an agent's state cell when it has no credentials of its own. */
export const EMPTY_STORE_TEXT = '{"version":1,"profiles":{}}';

// ---------------------------------------------------------------- other tables

/** State DB: openclaw's secret store; `store` SecretRefs resolve against its live team rows. */
export const SECRET_STORE_ENTRIES = {
  name: 'secret_store_entries',
  col: { scope: 'scope_kind', name: 'name', value: 'value', deletedAt: 'deleted_at_ms' },
  /** The scope of the entries shared by every agent. */
  teamScope: 'team',
} as const;

/** State DB: one receipt per imported legacy source (openclaw skips a source with a completed one). */
export const MIGRATION_SOURCES = {
  name: 'migration_sources',
  col: { key: 'source_key', kind: 'migration_kind', lastRunId: 'last_run_id', status: 'status' },
  columns: [
    'source_key',
    'migration_kind',
    'source_path',
    'target_table',
    'source_sha256',
    'source_size_bytes',
    'source_record_count',
    'last_run_id',
    'status',
    'imported_at',
    'removed_source',
    'report_json',
  ],
} as const;

/** State DB: the run a receipt points at (`migration_sources.last_run_id`). */
export const MIGRATION_RUNS = {
  name: 'migration_runs',
  col: { id: 'id' },
  columns: ['id', 'started_at', 'finished_at', 'status', 'report_json'],
} as const;

/** `migration_sources.migration_kind` of openclaw's auth-profile JSON import. */
export const RECEIPT_KIND = 'auth-profile-json-to-sqlite-v2';
/** `status` of a finished receipt and run. */
export const RECEIPT_COMPLETED = 'completed';
/**
 * The `target_table` / `targetTable` and `targetStoreKey` openclaw writes in a receipt. They name
 * openclaw's own import targets (the shared store is `auth_profile_stores` key `shared` there),
 * not tables of this layout: copied as openclaw writes them.
 */
export const RECEIPT_TARGET = {
  sharedStoreTable: 'auth_profile_stores',
  agentStoreTable: AUTH_PROFILE_STORE.name,
  stateTable: AUTH_PROFILE_STATE.name,
  sharedStoreKey: 'shared',
  agentStoreKey: PRIMARY_ROW_KEY,
} as const;

/** Both DBs: which openclaw schema wrote the file (one row, `primary`). */
export const SCHEMA_META = {
  name: 'schema_meta',
  columns: ['meta_key', 'role', 'schema_version', 'agent_id', 'app_version', 'created_at', 'updated_at'],
  /** `role` and `schema_version` of the DBs our templates create. */
  role: { shared: 'global', agent: 'agent' },
  version: { shared: 18, agent: 23 },
} as const;

// ---------------------------------------------------------------- SQL

/** Receipts: the run id a receipt points at. */
export const SELECT_RECEIPT_RUN_SQL = `SELECT ${MIGRATION_SOURCES.col.lastRunId} FROM ${MIGRATION_SOURCES.name} WHERE ${MIGRATION_SOURCES.col.key} = ?`;
export const DELETE_RECEIPT_SQL = `DELETE FROM ${MIGRATION_SOURCES.name} WHERE ${MIGRATION_SOURCES.col.key} = ?`;
export const DELETE_RUN_SQL = `DELETE FROM ${MIGRATION_RUNS.name} WHERE ${MIGRATION_RUNS.col.id} = ?`;

/** A table whose rows are inserted whole, with its columns in openclaw's order. */
interface RowTable {
  readonly name: string;
  readonly columns: readonly string[];
}
type RowOf<T extends RowTable, V> = { [C in T['columns'][number]]: V };

/** `INSERT OR REPLACE INTO t (every column) VALUES (?,...)`; its params come from rowValues. */
export function insertOrReplaceSql(t: RowTable): string {
  return `INSERT OR REPLACE INTO ${t.name} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(',')})`;
}

/** The params of insertOrReplaceSql(t) for one row, in column order. */
export function rowValues<T extends RowTable, V extends SqlValue>(t: T, row: RowOf<T, V>): V[] {
  return t.columns.map((c) => (row as Record<string, V>)[c] as V);
}

/** SELECT / DELETE / upsert of one cell by key (the statements readCell and writeCell run). */
export function cellSql(table: CellTableName): { select: string; delete: string; upsert: string } {
  const { name, key, value, updated } = CELL_TABLES[table];
  return {
    select: `SELECT ${value} AS v FROM ${name} WHERE ${key} = ?`,
    delete: `DELETE FROM ${name} WHERE ${key} = ?`,
    upsert: `INSERT INTO ${name} (${key}, ${value}, ${updated}) VALUES (?,?,?) ON CONFLICT(${key}) DO UPDATE SET ${value} = excluded.${value}, ${updated} = excluded.${updated}`,
  };
}
