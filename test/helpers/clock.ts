/**
 * Makes a copied fixture home relative to the real clock. The fixtures were written by the real
 * openclaw on 2026-11-25 and hold epoch-ms times (token `expires`, `cooldownUntil`, `lastUsed`, …);
 * a test that runs something with the real clock on them (openclaw itself, our CLI as a process,
 * the extension host) would see them age. `shiftFixtureClock` moves every such time by
 * (now - capture time of the scenario), so the copy looks as it did at capture, seen from now.
 *
 * Only the auth cells change: `config_machine_state` rows `authProfiles.store` / `authProfiles.state`
 * of state/openclaw.sqlite, `auth_profile_store` / `auth_profile_state` row `primary` of each
 * openclaw-agent.sqlite, and the legacy JSON files (auth-profiles.json, auth-state.json, auth.json,
 * credentials/oauth.json; `*.migrated-*` archives are left as they are: openclaw's receipts hold
 * their hashes). The cells are written by a real SQLite engine, so a DB whose committed rows live
 * only in its -wal (the `wal` scenario) is read and written through it. The WAL is left as found:
 * a DB copied with a -wal that holds frames is not checkpointed (its main file stays as it was, the
 * new values are appended to the -wal); any other DB is checkpointed on close as usual, so no
 * -wal with committed changes appears where there was none.
 * Engine: `node:sqlite` when the running Node has it (Node >= 22.13, e.g. the extension host),
 * else the `sqlite3` CLI (.ci/run installs it).
 *
 * Tests that compare with the captured outputs under a frozen clock (test/unit/store/snapshot.fixtures.test.ts)
 * must NOT use this.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** When each scenario's home was captured (the first line of its README.md). */
export const CAPTURED_AT: Readonly<Record<string, number>> = {
  basic: Date.parse('2026-11-25T20:52:00Z'),
  'multi-agent': Date.parse('2026-11-25T20:56:00Z'),
  // expiresAt - remainingMs of anthropic:soon in expected/models-status.main.json (21:00:54Z).
  expiry: 1795640454363,
  cooldown: Date.parse('2026-11-25T21:04:24Z'),
  wal: Date.parse('2026-11-25T21:14:53Z'),
  // "captured 2026-11-25T21:08–21:11Z": the generator and both doctor passes ran within it.
  'legacy/before': Date.parse('2026-11-25T21:08:00Z'),
  'legacy/after-pass1': Date.parse('2026-11-25T21:08:00Z'),
  'legacy/after': Date.parse('2026-11-25T21:08:00Z'),
};

const MIN_TS = 1.7e12;
const MAX_TS = 1.9e12;

/** Every number in [1.7e12, 1.9e12] at any depth, moved by `delta`. */
export function shiftTimes(value: unknown, delta: number): unknown {
  if (typeof value === 'number') return value >= MIN_TS && value <= MAX_TS ? value + delta : value;
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, delta));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimes(v, delta)]));
  return value;
}

/** The auth cells of one DB file: [table, key column, value column, row keys]. */
const CELLS: Record<string, [string, string, string, string[]][]> = {
  'openclaw.sqlite': [
    ['config_machine_state', 'state_key', 'value_json', ['authProfiles.store', 'authProfiles.state']],
  ],
  'openclaw-agent.sqlite': [
    ['auth_profile_store', 'store_key', 'store_json', ['primary']],
    ['auth_profile_state', 'state_key', 'state_json', ['primary']],
  ],
};
const LEGACY_JSON = new Set(['auth-profiles.json', 'auth-state.json', 'auth.json', 'oauth.json']);

interface Sql {
  all(sql: string): Array<Record<string, unknown>>;
  exec(sql: string): void;
  close(): void;
}

interface NodeSqlite {
  DatabaseSync: new (
    file: string,
    opts?: { readOnly?: boolean },
  ) => {
    prepare(sql: string): { all(): unknown[] };
    exec(sql: string): void;
    close(): void;
  };
}

function nodeSqlite(): NodeSqlite | undefined {
  try {
    const p = process as unknown as { getBuiltinModule?: (id: string) => unknown };
    return p.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
  } catch {
    return undefined;
  }
}

function open(file: string): Sql {
  const keepWal = (fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0;
  const mod = nodeSqlite();
  if (mod) {
    // keepWal: a read-only connection stays open while the writer closes, so the writer is not
    // the last one and does not checkpoint; the read-only one cannot checkpoint.
    const guard = keepWal ? new mod.DatabaseSync(file, { readOnly: true }) : undefined;
    guard?.prepare('SELECT count(*) FROM sqlite_master').all();
    const db = new mod.DatabaseSync(file);
    return {
      all: (sql) => db.prepare(sql).all() as Array<Record<string, unknown>>,
      exec: (sql) => db.exec(sql),
      close: () => {
        db.close();
        guard?.close();
      },
    };
  }
  const cli = (sql: string, json: boolean): string => {
    const args = [
      '-bail',
      ...(json ? ['-json'] : []),
      ...(keepWal ? ['-cmd', '.dbconfig no_ckpt_on_close on'] : []),
      file,
    ];
    const r = spawnSync('sqlite3', args, { input: sql, encoding: 'utf8' });
    if (r.error)
      throw new Error(
        `sqlite3 CLI not usable (${r.error.message}); install it (apt-get install -y sqlite3) or run on Node >= 22.13`,
      );
    if (r.status !== 0) throw new Error(`sqlite3 ${file} failed (exit ${r.status}): ${r.stderr}`);
    return r.stdout.replace(/^\s*no_ckpt_on_close\s+on\n/, ''); // what .dbconfig prints
  };
  return {
    all: (sql) => JSON.parse(cli(sql, true).trim() || '[]') as Array<Record<string, unknown>>,
    exec: (sql) => void cli(sql, false),
    close: () => undefined,
  };
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

function shiftDb(file: string, cells: [string, string, string, string[]][], delta: number): void {
  const db = open(file);
  try {
    const tables = new Set(db.all("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name));
    const updates: string[] = [];
    for (const [table, keyCol, valCol, keys] of cells) {
      if (!tables.has(table)) continue;
      for (const row of db.all(
        `SELECT ${keyCol} AS k, ${valCol} AS v FROM ${table} WHERE ${keyCol} IN (${keys.map(q).join(', ')})`,
      )) {
        const text = String(row.v);
        const next = JSON.stringify(shiftTimes(JSON.parse(text), delta));
        if (next !== text)
          updates.push(`UPDATE ${table} SET ${valCol} = ${q(next)} WHERE ${keyCol} = ${q(String(row.k))};`);
      }
    }
    if (updates.length) db.exec(`BEGIN;\n${updates.join('\n')}\nCOMMIT;`);
  } finally {
    db.close();
  }
}

function shiftJsonFile(file: string, delta: number): void {
  const text = fs.readFileSync(file, 'utf8');
  const next = JSON.stringify(shiftTimes(JSON.parse(text), delta), null, 2) + (text.endsWith('\n') ? '\n' : '');
  if (next !== text) fs.writeFileSync(file, next);
}

/**
 * Shifts the auth times of a copied fixture home (`dir` is the HOME holding `.openclaw`, or the
 * `.openclaw` dir itself) captured as `scenario` (e.g. 'expiry', 'legacy/before'), so that they
 * are as far from `now` as they were from the capture. Returns the shift in ms.
 */
export function shiftFixtureClock(dir: string, scenario: string, now = Date.now()): number {
  const capturedAt = CAPTURED_AT[scenario];
  if (capturedAt === undefined) throw new Error(`shiftFixtureClock: no capture time for scenario "${scenario}"`);
  const root = fs.existsSync(path.join(dir, '.openclaw')) ? path.join(dir, '.openclaw') : dir;
  const delta = now - capturedAt;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.isFile()) continue;
      else if (CELLS[e.name]) shiftDb(p, CELLS[e.name] ?? [], delta);
      else if (LEGACY_JSON.has(e.name) && (e.name !== 'oauth.json' || path.basename(d) === 'credentials'))
        shiftJsonFile(p, delta);
    }
  };
  walk(root);
  return delta;
}
