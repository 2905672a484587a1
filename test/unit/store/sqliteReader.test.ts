import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  SqliteBusyError,
  SqliteChangedError,
  SqliteFormatError,
  SqliteReader,
  SqliteUnsupportedError,
  type SqlValue,
} from '../../../src/store/sqliteReader';

const SQLITE3 = '/usr/bin/sqlite3';
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'openclaw-2026.9.6');
const SCENARIOS = ['basic', 'multi-agent', 'expiry', 'cooldown', 'wal'];
const AUTH_TABLES = [
  'config_machine_state',
  'auth_profile_store',
  'auth_profile_state',
  'schema_meta',
  'secret_store_entries',
];
const SIDE_SUFFIXES = ['-wal', '-shm'];

// ---------------------------------------------------------------- helpers

const tempDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-reader-test-'));
  tempDirs.push(d);
  return d;
}

/** Copies a DB together with its -wal/-shm (unless withSide is false) into a fresh dir. */
function copyDb(src: string, withSide = true): string {
  const dest = path.join(tmpDir(), path.basename(src));
  fs.copyFileSync(src, dest);
  fs.chmodSync(dest, 0o644);
  if (withSide) {
    for (const suf of SIDE_SUFFIXES) {
      if (fs.existsSync(src + suf)) {
        fs.copyFileSync(src + suf, dest + suf);
        fs.chmodSync(dest + suf, 0o644);
      }
    }
  }
  return dest;
}

type Row = Record<string, SqlValue>;

/** Runs the sqlite3 CLI in JSON mode. Callers pass a copy: the CLI may checkpoint. */
function cliJson(db: string, sql: string): Row[] {
  const out = execFileSync(SQLITE3, ['-json', db, sql], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return out.trim() === '' ? [] : (JSON.parse(out) as Row[]);
}

/** Builds a database with the sqlite3 CLI from a script (dot-commands allowed). */
function buildDb(script: string, name = 'gen.db'): string {
  const db = path.join(tmpDir(), name);
  // Dot-commands must start at column 0.
  execFileSync(SQLITE3, [db], { input: script.replace(/^[ \t]+/gm, ''), maxBuffer: 64 * 1024 * 1024 });
  return db;
}

function withReader<T>(db: string, fn: (r: SqliteReader) => T): T {
  const r = SqliteReader.open(db);
  try {
    return fn(r);
  } finally {
    r.close();
  }
}

/** CLI view of a DB via its own copy, so the reader's copy is never touched by SQLite. */
function cliRows(db: string, sql: string): Row[] {
  return cliJson(copyDb(db), sql);
}

interface FileState {
  sha256: string;
  mtimeNs: bigint;
  size: number;
}
/** sha256 + mtime of every file in a directory, to prove the reader wrote nothing. */
function dirState(dir: string): Map<string, FileState> {
  const m = new Map<string, FileState>();
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    const st = fs.statSync(p, { bigint: true });
    if (!st.isFile()) continue;
    m.set(f, {
      sha256: crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'),
      mtimeNs: st.mtimeNs,
      size: Number(st.size),
    });
  }
  return m;
}

function findSqliteFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findSqliteFiles(p));
    else if (e.name.endsWith('.sqlite')) out.push(p);
  }
  return out.sort();
}

/**
 * Dumps every table with python3's sqlite3 module, tagging each value with its
 * storage class so integers (incl. 64-bit), reals and blobs compare exactly.
 */
const PY_DUMP = `
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.text_factory = lambda b: b.decode('utf-8', 'replace')
def tag(v):
    if v is None: return None
    if isinstance(v, int): return 'I:' + str(v)
    if isinstance(v, float): return 'R:' + repr(v)
    if isinstance(v, str): return 'T:' + v
    return 'B:' + bytes(v).hex()
out = {'user_version': con.execute('PRAGMA user_version').fetchone()[0], 'tables': {}}
for name, sql in con.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").fetchall():
    entry = {'columns': [r[1] for r in con.execute('SELECT * FROM pragma_table_xinfo(?)', (name,))]}
    if (sql or '').upper().startswith('CREATE VIRTUAL'):
        entry['skip'] = 'virtual'
    else:
        try:
            cur = con.execute('SELECT * FROM "%s" ORDER BY rowid' % name.replace('"', '""'))
            entry['rows'] = [[tag(v) for v in row] for row in cur]
        except sqlite3.OperationalError:
            entry['skip'] = 'without rowid'
    out['tables'][name] = entry
print(json.dumps(out))
`;

interface PyDump {
  user_version: number;
  tables: Record<string, { columns: string[]; rows?: Array<Array<string | null>>; skip?: string }>;
}

function pyDump(db: string): PyDump {
  const out = execFileSync('python3', ['-c', PY_DUMP, copyDb(db)], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(out) as PyDump;
}

function sameTagged(tagged: string | null, v: SqlValue): boolean {
  if (tagged === null) return v === null;
  const body = tagged.slice(2);
  switch (tagged.slice(0, 2)) {
    case 'I:':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint'
        ? BigInt(v) === BigInt(body)
        : false;
    case 'R:': {
      const expected = body === 'inf' ? Infinity : body === '-inf' ? -Infinity : Number(body);
      return typeof v === 'number' && (v === expected || (Number.isNaN(v) && Number.isNaN(expected)));
    }
    case 'T:':
      return v === body;
    case 'B:':
      return v instanceof Uint8Array && Buffer.from(v).toString('hex') === body;
    default:
      return false;
  }
}

/** Asserts the reader sees exactly what python's sqlite3 sees, for every rowid table. */
function assertMatchesPython(db: string): void {
  const dump = pyDump(db);
  withReader(db, (r) => {
    assert.equal(r.info.userVersion, dump.user_version);
    assert.deepEqual([...r.tableNames()].sort(), Object.keys(dump.tables).sort());
    for (const [table, expected] of Object.entries(dump.tables)) {
      if (expected.skip === 'virtual') {
        assert.throws(() => r.rows(table), SqliteUnsupportedError);
        continue;
      }
      assert.deepEqual(r.columns(table), expected.columns, `columns of ${table}`);
      if (expected.skip === 'without rowid') {
        assert.throws(() => r.rows(table), SqliteUnsupportedError, `${table} is WITHOUT ROWID`);
        continue;
      }
      const rows = r.rows(table);
      const exp = expected.rows ?? [];
      assert.equal(rows.length, exp.length, `row count of ${table}`);
      rows.forEach((row, i) => {
        expected.columns.forEach((col, j) => {
          const want = exp[i]?.[j] ?? null;
          assert.ok(
            sameTagged(want, row[col] ?? null),
            `${table} row ${i} column ${col}: got ${String(row[col])}, want ${want}`,
          );
        });
      });
    }
  });
}

function readU32(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off);
}

/** Independent WAL checksum for building test WALs (fileformat2 §4.2). */
function walChecksum(
  buf: Buffer,
  start: number,
  end: number,
  bigEndian: boolean,
  s: [number, number],
): [number, number] {
  let [s0, s1] = s;
  for (let i = start; i < end; i += 8) {
    const a = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const b = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + a + s1) >>> 0;
    s1 = (s1 + b + s0) >>> 0;
  }
  return [s0, s1];
}

/** Re-signs a WAL in place: edited header, checksums recomputed (for all whole frames too, if asked). */
function resignWal(walPath: string, edit: (hdr: Buffer) => void, bigEndian: boolean, frames = true): void {
  const wal = fs.readFileSync(walPath);
  edit(wal);
  let s = walChecksum(wal, 0, 24, bigEndian, [0, 0]);
  wal.writeUInt32BE(s[0], 24);
  wal.writeUInt32BE(s[1], 28);
  if (!frames) {
    fs.writeFileSync(walPath, wal);
    return;
  }
  const pageSize = readU32(wal, 8);
  const frameSize = 24 + pageSize;
  for (let off = 32; off + frameSize <= wal.length; off += frameSize) {
    s = walChecksum(wal, off, off + 8, bigEndian, s);
    s = walChecksum(wal, off + 24, off + frameSize, bigEndian, s);
    wal.writeUInt32BE(s[0], off + 16);
    wal.writeUInt32BE(s[1], off + 20);
  }
  fs.writeFileSync(walPath, wal);
}

function rowsOf(db: string, table: string): Row[] {
  return withReader(db, (r) => r.rows(table));
}

after(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------- fixtures

describe('SqliteReader: OpenClaw fixtures', function () {
  this.timeout(60000);
  const dbs = SCENARIOS.flatMap((s) => findSqliteFiles(path.join(FIXTURES, s, 'home', '.openclaw')));

  it('finds the fixture databases', () => {
    assert.ok(dbs.length >= 9, `found ${dbs.length} fixture DBs`);
  });

  for (const fixture of dbs) {
    const rel = path.relative(FIXTURES, fixture);

    it(`${rel}: auth tables and user_version equal the sqlite3 CLI`, () => {
      const cliDb = copyDb(fixture);
      const readerDb = copyDb(fixture);
      const present = new Set(
        cliJson(cliDb, "SELECT name FROM sqlite_schema WHERE type = 'table'").map((r) => r.name as string),
      );
      const userVersion = cliJson(cliDb, 'PRAGMA user_version')[0]?.user_version;
      withReader(readerDb, (r) => {
        assert.equal(r.info.userVersion, userVersion);
        let checked = 0;
        for (const table of AUTH_TABLES) {
          assert.equal(r.hasTable(table), present.has(table), `hasTable(${table})`);
          if (!present.has(table)) continue;
          const expected = cliJson(cliDb, `SELECT * FROM ${table} ORDER BY rowid`);
          assert.deepEqual(r.rows(table), expected, table);
          checked++;
        }
        assert.ok(checked >= 2, 'at least two auth tables present');
      });
    });

    it(`${rel}: every rowid table equals python sqlite3 (exact types)`, () => {
      assertMatchesPython(copyDb(fixture));
    });
  }
});

describe('SqliteReader: wal fixture', function () {
  this.timeout(60000);
  const home = path.join(FIXTURES, 'wal', 'home', '.openclaw');
  const stateDb = path.join(home, 'state', 'openclaw.sqlite');
  const agentDb = path.join(home, 'agents', 'main', 'agent', 'openclaw-agent.sqlite');

  function profileIds(db: string): string[] {
    const row = rowsOf(db, 'config_machine_state').find((r) => r.state_key === 'authProfiles.store');
    assert.ok(row, 'authProfiles.store row');
    return Object.keys((JSON.parse(row.value_json as string) as { profiles: object }).profiles);
  }

  it('with -wal: 4 profiles incl. xai:manual, and the agent order from the WAL', () => {
    const state = copyDb(stateDb);
    const agent = copyDb(agentDb);
    const before = [dirState(path.dirname(state)), dirState(path.dirname(agent))];
    assert.deepEqual(profileIds(state), ['openrouter:manual', 'openrouter:backup', 'anthropic:manual', 'xai:manual']);
    withReader(state, (r) => {
      assert.equal(r.info.walCommitted, true);
      assert.ok(r.info.walFramesApplied > 0);
    });
    withReader(agent, (r) => {
      assert.equal(r.info.walCommitted, true);
      const rows = r.rows('auth_profile_state');
      assert.equal(rows.length, 1);
      const row = rows[0] as Row;
      assert.equal(row.state_key, 'primary');
      const order = (JSON.parse(row.state_json as string) as { order: Record<string, string[]> }).order;
      assert.deepEqual(order.openrouter, ['openrouter:backup', 'openrouter:manual']);
    });
    const after = [dirState(path.dirname(state)), dirState(path.dirname(agent))];
    assert.deepEqual(after, before, 'reader must not modify, create or delete any file');
    assert.deepEqual(
      [...(after[0] as Map<string, FileState>).keys()],
      ['openclaw.sqlite', 'openclaw.sqlite-shm', 'openclaw.sqlite-wal'],
    );
  });

  it('without -wal: 3 profiles, and the agent DB has no tables', () => {
    const state = copyDb(stateDb, false);
    const agent = copyDb(agentDb, false);
    const before = [dirState(path.dirname(state)), dirState(path.dirname(agent))];
    assert.deepEqual(profileIds(state), ['openrouter:manual', 'openrouter:backup', 'anthropic:manual']);
    withReader(agent, (r) => {
      assert.equal(r.info.walCommitted, false);
      assert.deepEqual(r.tableNames(), []);
      assert.equal(r.hasTable('auth_profile_state'), false);
    });
    const after = [dirState(path.dirname(state)), dirState(path.dirname(agent))];
    assert.deepEqual(after, before, 'no -wal/-shm may be created');
  });

  it('never modifies the fixture files themselves', () => {
    const dirs = [path.dirname(stateDb), path.dirname(agentDb)];
    const before = dirs.map(dirState);
    // Read twice through copies and once through a reader that is closed twice.
    profileIds(copyDb(stateDb));
    const r = SqliteReader.open(copyDb(agentDb));
    r.close();
    r.close();
    assert.deepEqual(dirs.map(dirState), before);
  });
});

// ---------------------------------------------------------------- generated databases

describe('SqliteReader: generated databases', function () {
  this.timeout(60000);
  it('20k rows across multi-level interior pages (page sizes 512 and 4096)', () => {
    for (const pageSize of [512, 4096]) {
      const db = buildDb(`
        PRAGMA page_size = ${pageSize};
        CREATE TABLE many(id INTEGER, label TEXT, pad TEXT);
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000)
        INSERT INTO many SELECT n, 'row-' || n, substr(hex(randomblob(100)), 1, 150) FROM s;
        DELETE FROM many WHERE id % 7 = 0;
      `);
      const depth = cliRows(
        db,
        "SELECT max(length(path) - length(replace(path, '/', ''))) AS d FROM dbstat WHERE name = 'many'",
      )[0]?.d;
      assert.ok(typeof depth === 'number' && depth >= 3, `tree depth for page size ${pageSize} is ${String(depth)}`);
      const expected = cliRows(db, 'SELECT * FROM many ORDER BY rowid');
      const rows = rowsOf(copyDb(db), 'many');
      assert.equal(rows.length, 20000 - Math.floor(20000 / 7));
      assert.deepEqual(rows, expected);
    }
  });

  it('all integer widths, 64-bit values, floats and NULLs', () => {
    const ints: Array<[string, number | bigint]> = [
      ['0', 0],
      ['1', 1],
      ['-1', -1],
      ['2', 2],
      ['127', 127],
      ['128', 128],
      ['-128', -128],
      ['-129', -129],
      ['32767', 32767],
      ['32768', 32768],
      ['-32768', -32768],
      ['-32769', -32769],
      ['8388607', 8388607],
      ['8388608', 8388608],
      ['-8388608', -8388608],
      ['-8388609', -8388609],
      ['2147483647', 2147483647],
      ['2147483648', 2147483648],
      ['-2147483648', -2147483648],
      ['-2147483649', -2147483649],
      ['140737488355327', 140737488355327],
      ['140737488355328', 140737488355328],
      ['-140737488355328', -140737488355328],
      ['-140737488355329', -140737488355329],
      ['9007199254740991', 9007199254740991],
      ['-9007199254740991', -9007199254740991],
      ['9007199254740992', 9007199254740992n],
      ['-9007199254740993', -9007199254740993n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
    ];
    const floats = [0.5, -1.25, 3.141592653589793, 1e300, -2.5e-300, 123456.789];
    const db = buildDb(`
      CREATE TABLE v(i, f, n);
      ${ints.map(([lit]) => `INSERT INTO v(i) VALUES (${lit});`).join('\n')}
      ${floats.map((f) => `INSERT INTO v(f) VALUES (${f.toExponential(17)});`).join('\n')}
      INSERT INTO v VALUES (NULL, NULL, NULL);
    `);
    const rows = rowsOf(copyDb(db), 'v');
    const expected: Row[] = [
      ...ints.map(([, v]) => ({ i: v, f: null, n: null })),
      ...floats.map((f) => ({ i: null, f, n: null })),
      { i: null, f: null, n: null },
    ];
    assert.deepEqual(rows, expected);
    // Storage classes as SQLite sees them (1..6 byte ints, 8-byte float, 0/1 constants).
    assertMatchesPython(db);
  });

  it('large TEXT and BLOB values spanning overflow chains', () => {
    const db = buildDb(`
      CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT, b BLOB);
      INSERT INTO big VALUES (1, substr(hex(randomblob(60000)), 1, 100000), randomblob(100000));
      INSERT INTO big VALUES (2, 'small', x'00ff10');
      INSERT INTO big VALUES (3, '', x'');
      INSERT INTO big VALUES (4, replace(printf('%.300000c', 'x'), 'x', 'héllo '), randomblob(1048576));
    `);
    const expected = cliRows(db, 'SELECT id, t, hex(b) AS b FROM big ORDER BY id');
    const rows = rowsOf(copyDb(db), 'big');
    assert.equal(rows.length, 4);
    rows.forEach((row, i) => {
      const exp = expected[i] as Row;
      assert.equal(row.id, exp.id);
      assert.equal(row.t, exp.t);
      assert.ok(row.b instanceof Uint8Array && !Buffer.isBuffer(row.b));
      assert.equal(Buffer.from(row.b).toString('hex').toUpperCase(), exp.b);
    });
    assert.equal((rows[0] as Row).t?.toString().length, 100000);
  });

  it('every payload size around the local/overflow boundaries (page size 512)', () => {
    // U=512: X=477, M=39, overflow page capacity 508 -> sizes up to 2100 cover 0..4 overflow pages
    const db = buildDb(`
      PRAGMA page_size = 512;
      CREATE TABLE p(n INTEGER PRIMARY KEY, b BLOB);
      WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 2100)
      INSERT INTO p SELECT n, randomblob(n) FROM s;
    `);
    const expected = cliRows(db, 'SELECT n, hex(b) AS b FROM p ORDER BY n');
    const rows = rowsOf(copyDb(db), 'p');
    assert.equal(rows.length, expected.length);
    rows.forEach((row, i) => {
      assert.equal(row.n, i);
      assert.equal(
        Buffer.from(row.b as Uint8Array)
          .toString('hex')
          .toUpperCase(),
        (expected[i] as Row).b,
      );
    });
  });

  for (const enc of ['UTF-16le', 'UTF-16be']) {
    it(`${enc} database (text and schema decoded per encoding)`, () => {
      const db = buildDb(`
        PRAGMA encoding = '${enc}';
        CREATE TABLE "tëxt ☃"(id INTEGER PRIMARY KEY, "naïve" TEXT, other TEXT);
        INSERT INTO "tëxt ☃" VALUES (1, 'héllo 世界 🎉', 'plain');
        INSERT INTO "tëxt ☃" VALUES (2, '', NULL);
        INSERT INTO "tëxt ☃" VALUES (3, replace(printf('%.20000c', 'x'), 'x', 'ü'), 'long');
      `);
      withReader(copyDb(db), (r) => {
        assert.equal(r.info.textEncoding, enc.toLowerCase().replace('-', ''));
        assert.deepEqual(r.tableNames(), ['tëxt ☃']);
        assert.deepEqual(r.columns('tëxt ☃'), ['id', 'naïve', 'other']);
        assert.deepEqual(r.rows('tëxt ☃'), cliRows(db, 'SELECT * FROM "tëxt ☃" ORDER BY id'));
        assert.equal(r.rows('tëxt ☃')[0]?.['naïve'], 'héllo 世界 🎉');
      });
    });
  }

  it('page size 65536 (stored as 1 in the header)', () => {
    const db = buildDb(`
      PRAGMA page_size = 65536;
      CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
      WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)
      INSERT INTO t SELECT n, hex(randomblob(n % 50 + 1)) FROM s;
      INSERT INTO t VALUES (100000, substr(hex(randomblob(150000)), 1, 250000));
    `);
    assert.equal(fs.readFileSync(db).readUInt16BE(16), 1);
    withReader(copyDb(db), (r) => {
      assert.equal(r.info.pageSize, 65536);
      assert.deepEqual(r.rows('t'), cliRows(db, 'SELECT * FROM t ORDER BY id'));
    });
  });

  it('reserved bytes at the end of each page', function () {
    const db = buildDb(`
      .filectrl reserve_bytes 32
      CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, b BLOB);
      WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
      INSERT INTO t SELECT n, hex(randomblob(n % 700)), randomblob(n * 3) FROM s;
    `);
    // Header byte 20 = reserved bytes per page: a sqlite3 CLI built without .filectrl reserve_bytes leaves it 0 and cannot make this case.
    if (fs.readFileSync(db)[20] !== 32) this.skip();
    assertMatchesPython(db);
  });

  it('INTEGER PRIMARY KEY is the rowid (incl. negative and 64-bit), other PK forms are not', () => {
    const db = buildDb(`
      CREATE TABLE ipk(id INTEGER PRIMARY KEY, v TEXT);
      INSERT INTO ipk VALUES (-5, 'neg'), (0, 'zero'), (1, 'one'), (9007199254740993, 'big'), (9223372036854775807, 'max');
      CREATE TABLE tpk(v TEXT, id integer, PRIMARY KEY (id DESC));
      INSERT INTO tpk VALUES ('a', 7), ('b', -9223372036854775808);
      CREATE TABLE desc_pk(id INTEGER PRIMARY KEY DESC, v TEXT);
      INSERT INTO desc_pk VALUES (3, 'x'), (1, 'y');
      CREATE TABLE int_pk(id INT PRIMARY KEY, v TEXT);
      INSERT INTO int_pk VALUES (42, 'z');
    `);
    withReader(copyDb(db), (r) => {
      assert.deepEqual(r.rows('ipk'), [
        { id: -5, v: 'neg' },
        { id: 0, v: 'zero' },
        { id: 1, v: 'one' },
        { id: 9007199254740993n, v: 'big' },
        { id: 9223372036854775807n, v: 'max' },
      ]);
      assert.deepEqual(r.rows('tpk'), [
        { v: 'b', id: -9223372036854775808n },
        { v: 'a', id: 7 },
      ]);
      assert.deepEqual(r.rows('desc_pk'), [
        { id: 3, v: 'x' },
        { id: 1, v: 'y' },
      ]);
      assert.deepEqual(r.rows('int_pk'), [{ id: 42, v: 'z' }]);
    });
    assertMatchesPython(db);
  });

  it('ALTER TABLE ADD COLUMN: old (shorter) rows get NULL or the literal default', () => {
    const db = buildDb(`
      CREATE TABLE t(a INTEGER, b TEXT);
      INSERT INTO t VALUES (1, 'old');
      ALTER TABLE t ADD COLUMN c TEXT;
      ALTER TABLE t ADD COLUMN d INTEGER DEFAULT 7;
      ALTER TABLE t ADD COLUMN e TEXT DEFAULT 'it''s';
      ALTER TABLE t ADD COLUMN f REAL DEFAULT -1.5;
      ALTER TABLE t ADD COLUMN g INTEGER DEFAULT '8';
      ALTER TABLE t ADD COLUMN h TEXT DEFAULT 3.0;
      ALTER TABLE t ADD COLUMN i BLOB DEFAULT x'41ff';
      ALTER TABLE t ADD COLUMN j DEFAULT NULL;
      ALTER TABLE t ADD COLUMN k DEFAULT TRUE;
      ALTER TABLE t ADD COLUMN l INTEGER DEFAULT (-1);
      ALTER TABLE t ADD COLUMN m DEFAULT 0x10;
      INSERT INTO t(a, b, c) VALUES (2, 'new', 'c2');
    `);
    withReader(copyDb(db), (r) => {
      assert.deepEqual(r.columns('t'), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm']);
      const [old, fresh] = r.rows('t');
      assert.deepEqual(old, {
        a: 1,
        b: 'old',
        c: null,
        d: 7,
        e: "it's",
        f: -1.5,
        g: 8,
        h: '3.0',
        i: Uint8Array.from([0x41, 0xff]),
        j: null,
        k: 1,
        l: -1,
        m: 16,
      });
      assert.equal(fresh?.c, 'c2');
    });
    assertMatchesPython(db);

    // ADD COLUMN refuses expression defaults when rows exist, so forge the schema to reach that case.
    const exprDb = buildDb(`
      CREATE TABLE t(a);
      INSERT INTO t VALUES (1);
      PRAGMA writable_schema = ON;
      UPDATE sqlite_schema SET sql = 'CREATE TABLE t(a, x DEFAULT (1 + 1))' WHERE name = 't';
    `);
    withReader(copyDb(exprDb), (r) => {
      assert.deepEqual(r.columns('t'), ['a', 'x']);
      assert.throws(() => r.rows('t'), SqliteUnsupportedError);
    });
  });

  it('column names with quoting, comments, table constraints, STRICT', () => {
    const db = buildDb(`
      CREATE TABLE "we""ird" (
        [col one] TEXT, -- a comment, with a comma
        \`back\`\`tick\` INT /* block, comment */ NOT NULL DEFAULT 0,
        "dq""col" VARCHAR(10, 2) CHECK ("dq""col" <> ','),
        'sq' TEXT COLLATE NOCASE,
        plain,
        CONSTRAINT pk PRIMARY KEY ("dq""col"),
        UNIQUE (plain, 'sq'),
        CHECK (plain IS NOT NULL OR "col one" IN ('a', 'b')),
        FOREIGN KEY (plain) REFERENCES other(x) ON DELETE CASCADE
      );
      INSERT INTO "we""ird" VALUES ('one', 2, 'three', 'four', 5.5);
      CREATE TABLE strict_t (id INTEGER PRIMARY KEY, payload ANY, n INTEGER NOT NULL CHECK (n >= 0)) STRICT;
      INSERT INTO strict_t VALUES (10, x'0102', 3);
      CREATE TABLE IF NOT EXISTS [Mixed Case](Id INTEGER, PRIMARY KEY(id));
      INSERT INTO [Mixed Case] VALUES (99);
    `);
    withReader(copyDb(db), (r) => {
      assert.deepEqual(r.columns('we"ird'), ['col one', 'back`tick', 'dq"col', 'sq', 'plain']);
      assert.equal(r.hasTable('MIXED case'), true);
      assert.deepEqual(r.rows('mixed case'), [{ Id: 99 }]);
      assert.deepEqual(r.rows('strict_t'), [{ id: 10, payload: Uint8Array.from([1, 2]), n: 3 }]);
    });
    assertMatchesPython(db);
  });

  it('WITHOUT ROWID, virtual tables and VIRTUAL generated columns are unsupported; STORED ones work', () => {
    const db = buildDb(`
      CREATE TABLE wr(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
      INSERT INTO wr VALUES ('a', 1);
      CREATE TABLE opts(k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;
      CREATE VIRTUAL TABLE ft USING fts5(body);
      INSERT INTO ft VALUES ('hello');
      CREATE TABLE gv(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT);
      INSERT INTO gv(a, c) VALUES (1, 'x');
      CREATE TABLE gs(a INTEGER, b INTEGER AS (a * 3) STORED, c TEXT);
      INSERT INTO gs(a, c) VALUES (2, 'y');
      CREATE TABLE ok(v);
    `);
    withReader(copyDb(db), (r) => {
      assert.deepEqual(r.columns('wr'), ['k', 'v']);
      assert.throws(() => r.rows('wr'), SqliteUnsupportedError);
      assert.throws(() => r.rows('opts'), SqliteUnsupportedError);
      assert.throws(() => r.rows('ft'), SqliteUnsupportedError);
      assert.throws(() => r.rows('gv'), SqliteUnsupportedError);
      assert.deepEqual(r.rows('gs'), [{ a: 2, b: 6, c: 'y' }]);
      assert.deepEqual(r.rows('ok'), []);
      assert.throws(() => r.rows('nope'), /no such table: nope/);
      assert.ok(r.rows('sqlite_schema').some((row) => row.name === 'gs' && typeof row.rootpage === 'number'));
    });
  });

  it('reads only the pages of the requested table (~20 MB of other data)', () => {
    const db = buildDb(`
      CREATE TABLE transcripts(id INTEGER PRIMARY KEY, body TEXT);
      WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000)
      INSERT INTO transcripts SELECT n, hex(randomblob(500)) FROM s;
      CREATE TABLE auth_profile_store(store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
      INSERT INTO auth_profile_store VALUES ('primary', '{"version":1}', 1);
    `);
    assert.ok(fs.statSync(db).size > 20e6, 'non-auth data is ~20 MB');
    withReader(copyDb(db), (r) => {
      assert.deepEqual(r.rows('auth_profile_store'), [
        { store_key: 'primary', store_json: '{"version":1}', updated_at: 1 },
      ]);
      assert.ok(r.info.pageCount > 5000);
      assert.ok(r.pagesRead < 50, `read ${r.pagesRead} pages`);
    });
  });
});

// ---------------------------------------------------------------- WAL

/** Python keeps the WAL DB open and copies db+wal+shm itself, so nothing checkpoints the copies. */
const PY_WAL = `
import json, os, shutil, sqlite3, sys
base = sys.argv[1]
def snap(db, name):
    d = os.path.join(base, name); os.makedirs(d)
    for suf in ('', '-wal', '-shm'):
        if os.path.exists(db + suf): shutil.copyfile(db + suf, os.path.join(d, 'w.db' + suf))
    return os.path.getsize(db + '-wal')
src = os.path.join(base, 'src'); os.makedirs(src)
db = os.path.join(src, 'w.db')
con = sqlite3.connect(db, isolation_level=None)
con.execute('CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT, n INTEGER)')
con.execute("INSERT INTO kv VALUES ('base', 'in-main-file', 0)")
con.execute('PRAGMA journal_mode=WAL')
con.execute('PRAGMA wal_autocheckpoint=0')
sizes = {}
con.execute('BEGIN')
con.execute("INSERT INTO kv VALUES ('a', 'tx1', 1)")
con.execute("INSERT INTO kv VALUES ('b', 'tx1', 1)")
con.execute('COMMIT')
sizes['tx1'] = snap(db, 'tx1')
con.execute('BEGIN')
con.execute("UPDATE kv SET v = 'tx2', n = 2 WHERE k = 'a'")
con.execute('CREATE TABLE big(x)')
con.executemany('INSERT INTO big VALUES (?)', [('y' * 500,) for _ in range(200)])
con.execute('COMMIT')
sizes['tx2'] = snap(db, 'tx2')
# A tiny cache makes SQLite spill this open transaction's pages into the WAL:
# real uncommitted frames with valid checksums.
con.execute('PRAGMA cache_size = 2')
con.execute('BEGIN')
con.execute("UPDATE kv SET v = 'uncommitted' WHERE k = 'b'")
con.executemany('INSERT INTO big VALUES (?)', [('z' * 500,) for _ in range(2000)])
sizes['open'] = snap(db, 'open')
con.execute('ROLLBACK')
con.close()
fdb = os.path.join(src, 'f.db')
fcon = sqlite3.connect(fdb, isolation_level=None)
fcon.execute('PRAGMA journal_mode=WAL')
fcon.execute('PRAGMA wal_autocheckpoint=0')
fcon.execute('CREATE TABLE t(a)')
fcon.execute("INSERT INTO t VALUES ('only-in-wal')")
sizes['fresh'] = snap(fdb, 'fresh')
fcon.close()
print(json.dumps(sizes))
`;

describe('SqliteReader: WAL overlay', function () {
  this.timeout(60000);
  let base = '';
  let sizes: Record<'tx1' | 'tx2' | 'open' | 'fresh', number>;
  const FRAME = 24 + 4096;
  const TX1_KV = [
    { k: 'base', v: 'in-main-file', n: 0 },
    { k: 'a', v: 'tx1', n: 1 },
    { k: 'b', v: 'tx1', n: 1 },
  ];
  const TX2_KV = [
    { k: 'base', v: 'in-main-file', n: 0 },
    { k: 'a', v: 'tx2', n: 2 },
    { k: 'b', v: 'tx1', n: 1 },
  ];

  before(() => {
    base = tmpDir();
    sizes = JSON.parse(execFileSync('python3', ['-c', PY_WAL, base], { encoding: 'utf8' })) as typeof sizes;
  });

  /** Fresh copy of a snapshot dir (db + wal + shm), optionally edited. */
  function snapshot(name: string): string {
    return copyDb(path.join(base, name, 'w.db'));
  }

  it('committed transactions are visible; the newest version of an updated row wins', () => {
    const tx1 = snapshot('tx1');
    const before = dirState(path.dirname(tx1));
    withReader(tx1, (r) => {
      assert.equal(r.info.walCommitted, true);
      assert.equal(r.info.walFramesApplied, (sizes.tx1 - 32) / FRAME);
      assert.deepEqual(r.rows('kv'), TX1_KV);
      assert.equal(r.hasTable('big'), false);
    });
    assert.deepEqual(dirState(path.dirname(tx1)), before);
    withReader(snapshot('tx2'), (r) => {
      assert.deepEqual(r.rows('kv'), TX2_KV);
      assert.equal(r.rows('big').length, 200);
    });
    assert.deepEqual(rowsOf(snapshot('tx2'), 'kv'), cliRows(snapshot('tx2'), 'SELECT * FROM kv ORDER BY rowid'));
  });

  it('an open transaction spilled into the WAL (valid but uncommitted frames) is invisible', () => {
    assert.ok(sizes.open > sizes.tx2 + 10 * FRAME, 'the open transaction spilled frames into the WAL');
    const db = snapshot('open');
    withReader(db, (r) => {
      assert.equal(r.info.walFramesApplied, (sizes.tx2 - 32) / FRAME);
      assert.deepEqual(r.rows('kv'), TX2_KV);
      assert.equal(r.rows('big').length, 200);
    });
    assert.deepEqual(rowsOf(db, 'kv'), cliRows(db, 'SELECT * FROM kv ORDER BY rowid'));
  });

  it('a WAL truncated inside the last transaction falls back to the previous commit', () => {
    const halfway = sizes.tx1 + Math.floor((sizes.tx2 - sizes.tx1) / FRAME / 2) * FRAME;
    for (const len of [halfway, sizes.tx2 - 100, sizes.tx1 + 10]) {
      const db = snapshot('tx2');
      fs.truncateSync(`${db}-wal`, len);
      withReader(db, (r) => {
        assert.equal(r.info.walFramesApplied, (sizes.tx1 - 32) / FRAME, `WAL truncated to ${len}`);
        assert.deepEqual(r.rows('kv'), TX1_KV);
        assert.equal(r.hasTable('big'), false);
      });
    }
  });

  it('a corrupt frame (checksum or salt) ends the valid WAL prefix', () => {
    const lastFrame = sizes.tx2 - FRAME;
    const edits: Array<[string, (wal: Buffer) => void]> = [
      [
        'page data bit flip in the commit frame',
        (w) => {
          w[lastFrame + 24 + 1000] = (w[lastFrame + 24 + 1000] ?? 0) ^ 1;
        },
      ],
      ['frame checksum', (w) => w.writeUInt32BE((w.readUInt32BE(lastFrame + 20) + 1) >>> 0, lastFrame + 20)],
      [
        'salt in the first tx2 frame',
        (w) => w.writeUInt32BE((w.readUInt32BE(sizes.tx1 + 8) ^ 0xffff) >>> 0, sizes.tx1 + 8),
      ],
      ['commit flag cleared', (w) => w.writeUInt32BE(0, lastFrame + 4)],
    ];
    for (const [what, edit] of edits) {
      const db = snapshot('tx2');
      const wal = fs.readFileSync(`${db}-wal`);
      edit(wal);
      fs.writeFileSync(`${db}-wal`, wal);
      assert.deepEqual(rowsOf(db, 'kv'), TX1_KV, what);
    }
  });

  it('garbage appended after the last commit is ignored', () => {
    const db = snapshot('tx2');
    fs.appendFileSync(`${db}-wal`, crypto.randomBytes(3 * FRAME + 17));
    assert.deepEqual(rowsOf(db, 'kv'), TX2_KV);
  });

  it('a WAL with a bad header checksum is ignored with a warning', () => {
    const db = snapshot('tx2');
    const wal = fs.readFileSync(`${db}-wal`);
    wal[25] = (wal[25] ?? 0) ^ 0x10;
    fs.writeFileSync(`${db}-wal`, wal);
    withReader(db, (r) => {
      assert.equal(r.info.walCommitted, false);
      assert.equal(r.info.walFramesApplied, 0);
      assert.match(r.info.warnings.join('\n'), /header checksum/);
      assert.deepEqual(r.rows('kv'), [{ k: 'base', v: 'in-main-file', n: 0 }]);
      assert.equal(r.hasTable('big'), false);
    });
  });

  it('frames from an older WAL generation (salt mismatch) are ignored', () => {
    const db = snapshot('tx2');
    resignWal(`${db}-wal`, (w) => w.writeUInt32BE((w.readUInt32BE(16) + 1) >>> 0, 16), false);
    withReader(db, (r) => {
      assert.equal(r.info.walCommitted, false);
      assert.deepEqual(r.rows('kv'), [{ k: 'base', v: 'in-main-file', n: 0 }]);
    });
  });

  it('a WAL whose page size differs from the database is ignored with a warning', () => {
    const db = snapshot('tx2');
    resignWal(`${db}-wal`, (w) => w.writeUInt32BE(8192, 8), false, false);
    withReader(db, (r) => {
      assert.equal(r.info.walCommitted, false);
      assert.match(r.info.warnings.join('\n'), /page size 8192 differs/);
      assert.deepEqual(r.rows('kv'), [{ k: 'base', v: 'in-main-file', n: 0 }]);
    });
  });

  it('big-endian checksums (magic 0x377f0683) are verified too', () => {
    const db = snapshot('tx2');
    resignWal(`${db}-wal`, (w) => w.writeUInt32BE(0x377f0683, 0), true);
    withReader(db, (r) => {
      assert.equal(r.info.walFramesApplied, (sizes.tx2 - 32) / FRAME);
      assert.deepEqual(r.rows('kv'), TX2_KV);
    });
    // SQLite agrees that the re-signed WAL is valid.
    assert.deepEqual(cliRows(db, 'SELECT * FROM kv ORDER BY rowid'), TX2_KV);
  });

  it('a zero-length main file with a valid WAL is read from the WAL alone', () => {
    const db = snapshot('fresh');
    fs.truncateSync(db, 0);
    withReader(db, (r) => {
      assert.equal(r.info.pageSize, 4096);
      assert.deepEqual(r.rows('t'), [{ a: 'only-in-wal' }]);
    });
    // Without the WAL the same empty file is an empty database, as in SQLite.
    const alone = copyDb(db, false);
    withReader(alone, (r) => {
      assert.equal(r.info.walCommitted, false);
      assert.equal(r.info.pageCount, 0);
      assert.deepEqual(r.tableNames(), []);
    });
  });

  it('a WAL reset by a writer after open() is detected instead of read as the old snapshot', () => {
    const db = snapshot('tx2');
    const r = SqliteReader.open(db);
    try {
      // A restarted WAL reuses the file from the start with new salts in every frame.
      const wal = fs.readFileSync(`${db}-wal`);
      for (let off = 32; off + FRAME <= wal.length; off += FRAME)
        wal.writeUInt32BE((wal.readUInt32BE(off + 8) + 1) >>> 0, off + 8);
      fs.writeFileSync(`${db}-wal`, wal);
      assert.throws(
        () => r.rows('kv'),
        (e: unknown) => e instanceof SqliteFormatError && /reset/.test(e.message),
      );
    } finally {
      r.close();
    }
  });

  it('the -shm file is not needed', () => {
    const db = snapshot('tx2');
    fs.rmSync(`${db}-shm`);
    assert.deepEqual(rowsOf(db, 'kv'), TX2_KV);
    assert.equal(fs.existsSync(`${db}-shm`), false);
  });

  it('WAL index cache: a second open reads only the frames appended since the first', () => {
    const db = snapshot('tx1');
    const tx2Wal = fs.readFileSync(path.join(base, 'tx2', 'w.db-wal'));
    const tx1Frames = (sizes.tx1 - 32) / FRAME;
    const tx2Frames = (sizes.tx2 - 32) / FRAME;
    withReader(db, (r) => {
      assert.equal(r.info.walFramesScanned, tx1Frames, 'first open checksums every frame');
      assert.deepEqual(r.rows('kv'), TX1_KV);
    });
    withReader(db, (r) => {
      assert.equal(r.info.walFramesScanned, 0, 'unchanged WAL: nothing to read again');
      assert.equal(r.info.walFramesApplied, tx1Frames);
      assert.deepEqual(r.rows('kv'), TX1_KV);
    });
    // The writer appends tx2 (same WAL generation: same header, more frames).
    fs.appendFileSync(`${db}-wal`, tx2Wal.subarray(sizes.tx1));
    withReader(db, (r) => {
      assert.equal(r.info.walFramesScanned, tx2Frames - tx1Frames, 'only the new frames are checksummed');
      assert.equal(r.info.walFramesApplied, tx2Frames);
      assert.deepEqual(r.rows('kv'), TX2_KV);
      assert.equal(r.rows('big').length, 200);
    });
    assert.equal(
      SqliteReader.read(db, (r) => r.info.walFramesScanned),
      0,
    );
    // Garbage after the last commit is read again each time but never cached.
    fs.appendFileSync(`${db}-wal`, crypto.randomBytes(FRAME));
    withReader(db, (r) => assert.equal(r.info.walFramesScanned, 0));

    // A new WAL generation (salts changed, as after a checkpoint restart) resets the index.
    resignWal(
      `${db}-wal`,
      (w) => {
        w.writeUInt32BE((w.readUInt32BE(16) + 1) >>> 0, 16);
        for (let off = 32; off + FRAME <= w.length; off += FRAME)
          w.writeUInt32BE((w.readUInt32BE(off + 8) + 1) >>> 0, off + 8);
      },
      false,
    );
    withReader(db, (r) => {
      assert.equal(r.info.walFramesScanned, tx2Frames, 'all frames again');
      assert.deepEqual(r.rows('kv'), TX2_KV);
    });
    // So does a different main file (new inode) next to the same WAL.
    const copy = `${db}.tmp`;
    fs.copyFileSync(db, copy);
    fs.renameSync(copy, db);
    withReader(db, (r) => assert.equal(r.info.walFramesScanned, tx2Frames));
    // And a truncated WAL (shorter than what was indexed).
    fs.truncateSync(`${db}-wal`, sizes.tx1);
    withReader(db, (r) => {
      assert.equal(r.info.walFramesScanned, tx1Frames);
      assert.deepEqual(r.rows('kv'), TX1_KV);
    });
  });

  it('open(): a change that leaves the returned data intact is followed; one that alters it throws SqliteChangedError', () => {
    const db = snapshot('tx1');
    const tx2Wal = fs.readFileSync(path.join(base, 'tx2', 'w.db-wal'));
    const r = SqliteReader.open(db);
    try {
      assert.equal(r.hasTable('kv'), true);
      assert.deepEqual(r.rows('kv'), TX1_KV);
      // The main file is touched (as a checkpoint does) without changing what was read.
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(db, later, later);
      assert.equal(r.hasTable('big'), false, 'new snapshot, replayed results still agree');
      // Now a commit that changes kv lands and the main file is written again.
      fs.appendFileSync(`${db}-wal`, tx2Wal.subarray(sizes.tx1));
      const evenLater = new Date(Date.now() + 10000);
      fs.utimesSync(db, evenLater, evenLater);
      assert.throws(
        () => r.rows('kv'),
        (e: unknown) =>
          e instanceof SqliteChangedError &&
          e instanceof SqliteFormatError &&
          e.message.includes(db) &&
          /out of date/.test(e.message),
      );
    } finally {
      r.close();
    }
    // A fresh read sees tx2.
    assert.deepEqual(
      SqliteReader.read(db, (x) => x.rows('kv')),
      TX2_KV,
    );
  });
});

// ---------------------------------------------------------------- bad input

describe('SqliteReader: bad input', function () {
  this.timeout(60000);
  function writeTemp(name: string, data: Buffer | string): string {
    const p = path.join(tmpDir(), name);
    fs.writeFileSync(p, data);
    return p;
  }

  function assertHeaderMissing(p: string): void {
    assert.throws(
      () => SqliteReader.open(p),
      (e: unknown) => e instanceof SqliteFormatError && e.message === `${p} is not a SQLite database (header missing)`,
    );
  }

  function pageOf(db: string, table: string): { root: number; pageSize: number } {
    const root = cliRows(db, `SELECT rootpage FROM sqlite_schema WHERE name = '${table}'`)[0]?.rootpage as number;
    return { root, pageSize: fs.readFileSync(db).readUInt16BE(16) };
  }

  function manyRowsDb(): string {
    return buildDb(`
      PRAGMA page_size = 512;
      CREATE TABLE many(id INTEGER PRIMARY KEY, v TEXT);
      WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)
      INSERT INTO many SELECT n, hex(randomblob(n % 40)) FROM s;
      INSERT INTO many VALUES (5000, hex(randomblob(3000)));
    `);
  }

  it('text file, random bytes, tiny and empty files -> SqliteFormatError naming the file', () => {
    assertHeaderMissing(writeTemp('notes.txt', 'hello, this is not a database\n'.repeat(50)));
    assertHeaderMissing(writeTemp('random.bin', crypto.randomBytes(8192)));
    assertHeaderMissing(writeTemp('tiny.db', Buffer.from('SQLite format 3\0')));
    // A zero-length file is an empty database (SQLite agrees), not an error.
    withReader(writeTemp('empty.db', Buffer.alloc(0)), (r) => assert.deepEqual(r.tableNames(), []));
  });

  it('a truncated database -> SqliteFormatError', () => {
    const db = manyRowsDb();
    const full = fs.readFileSync(db);
    assertHeaderMissing(writeTemp('trunc50.db', full.subarray(0, 50)));
    const cut = writeTemp('trunc.db', full.subarray(0, Math.floor(full.length / 2)));
    assert.throws(() => withReader(cut, (r) => r.rows('many')), SqliteFormatError);
  });

  it('corrupted interior page pointers -> SqliteFormatError (no hang)', () => {
    const db = manyRowsDb();
    const { root, pageSize } = pageOf(db, 'many');
    const original = fs.readFileSync(db);
    const rootOff = (root - 1) * pageSize;
    assert.equal(original[rootOff], 0x05, 'root is an interior table page');
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['right-most pointer out of range', (b) => b.writeUInt32BE(0xffffffff, rootOff + 8), /out of range/],
      ['right-most pointer to itself', (b) => b.writeUInt32BE(root, rootOff + 8), /cycle/],
      ['cell count too large', (b) => b.writeUInt16BE(0xffff, rootOff + 3), /more than fit/],
      [
        'page type byte',
        (b) => {
          b[rootOff] = 0x0a;
        },
        /not a table b-tree page/,
      ],
      ['cell offset beyond page', (b) => b.writeUInt16BE(0xfff0, rootOff + 12), /offset .* out of range/],
      ['child pointer zero', (b) => b.writeUInt32BE(0, b.readUInt16BE(rootOff + 12) + rootOff), /out of range/],
    ];
    for (const [what, corrupt, msg] of cases) {
      const buf = Buffer.from(original);
      corrupt(buf);
      const p = writeTemp('corrupt.db', buf);
      assert.throws(
        () => withReader(p, (r) => r.rows('many')),
        (e: unknown) => e instanceof SqliteFormatError && msg.test(e.message),
        what,
      );
    }
  });

  it('a corrupted overflow chain -> SqliteFormatError', () => {
    const db = buildDb(`
      CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);
      INSERT INTO t VALUES (1, randomblob(20000));
    `);
    const buf = fs.readFileSync(db);
    const pageSize = buf.readUInt16BE(16);
    const pageCount = buf.length / pageSize;
    // Point every overflow page's "next" at itself: a cycle within the chain.
    for (let pg = 3; pg <= pageCount; pg++) {
      const off = (pg - 1) * pageSize;
      if (buf.readUInt32BE(off) !== 0) buf.writeUInt32BE(pg, off);
    }
    const p = writeTemp('ovfl.db', buf);
    assert.throws(() => withReader(p, (r) => r.rows('t')), /overflow chain/);
  });

  it('random corruption never hangs or throws anything but SqliteFormatError', function () {
    this.timeout(60000);
    const db = manyRowsDb();
    const original = fs.readFileSync(db);
    const pageSize = 512;
    const pages = original.length / pageSize;
    const dir = tmpDir();
    let rng = 12345;
    const rand = (n: number): number => {
      rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
      return rng % n;
    };
    let formatErrors = 0;
    for (let iter = 0; iter < 300; iter++) {
      const buf = Buffer.from(original);
      const page = 1 + rand(pages);
      for (let k = 0, n = 1 + rand(16); k < n; k++) buf[(page - 1) * pageSize + rand(pageSize)] = rand(256);
      const p = path.join(dir, `fuzz${iter}.db`);
      fs.writeFileSync(p, buf);
      try {
        withReader(p, (r) => {
          for (const t of r.tableNames()) r.rows(t);
        });
      } catch (e) {
        if (e instanceof SqliteFormatError || e instanceof SqliteUnsupportedError) formatErrors++;
        else assert.fail(`iteration ${iter} (page ${page}) threw ${String(e)}`);
      }
      fs.rmSync(p);
    }
    assert.ok(formatErrors > 0, 'some corruptions were detected');
  });

  it('close() is idempotent and later reads fail cleanly', () => {
    const r = SqliteReader.open(manyRowsDb());
    r.close();
    r.close();
    assert.throws(() => r.rows('many'), /closed/);
  });
});

// ---------------------------------------------------------------- consistency, busy files, limits

describe('SqliteReader: read(), busy files and limits', function () {
  this.timeout(60000);

  function writeTemp(name: string, data: Buffer | string): string {
    const p = path.join(tmpDir(), name);
    fs.writeFileSync(p, data);
    return p;
  }

  /** Largest Buffer.alloc/allocUnsafe request while fn runs. */
  function maxAllocDuring(fn: () => void): number {
    const { alloc, allocUnsafe } = Buffer;
    let max = 0;
    Buffer.alloc = ((n: number, ...rest: unknown[]) => {
      max = Math.max(max, n);
      return (alloc as (...a: unknown[]) => Buffer)(n, ...rest);
    }) as typeof Buffer.alloc;
    Buffer.allocUnsafe = ((n: number) => {
      max = Math.max(max, n);
      return allocUnsafe(n);
    }) as typeof Buffer.allocUnsafe;
    try {
      fn();
    } finally {
      Buffer.alloc = alloc;
      Buffer.allocUnsafe = allocUnsafe;
    }
    return max;
  }

  it('read() returns the callback result for several tables in one validated pass', () => {
    const db = buildDb(`
      CREATE TABLE a(k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE b(k TEXT PRIMARY KEY, v TEXT);
      INSERT INTO a VALUES ('x', 'one');
      INSERT INTO b VALUES ('y', 'two');
    `);
    const before = dirState(path.dirname(db));
    const got = SqliteReader.read(db, (r) => ({
      a: r.rows('a'),
      b: r.rowsWhere('b', 'k', (v) => v === 'y'),
      n: r.tableNames(),
      wal: r.info.walCommitted,
    }));
    assert.deepEqual(got, { a: [{ k: 'x', v: 'one' }], b: [{ k: 'y', v: 'two' }], n: ['a', 'b'], wal: false });
    assert.deepEqual(dirState(path.dirname(db)), before, 'read() never writes');
  });

  it('read(): errors that repeat on unchanged files are thrown as they are', () => {
    const db = buildDb('CREATE TABLE a(k);');
    assert.throws(() => SqliteReader.read(db, (r) => r.rows('nope')), /no such table: nope/);
    let calls = 0;
    assert.throws(
      () =>
        SqliteReader.read(db, () => {
          calls++;
          throw new Error('callback failed');
        }),
      /callback failed/,
    );
    assert.equal(calls, 2, 'tried once more, then thrown');
    const notDb = writeTemp('notes.txt', 'not a database\n'.repeat(20));
    assert.throws(
      () => SqliteReader.read(notDb, (r) => r.tableNames()),
      (e: unknown) => e instanceof SqliteFormatError && !(e instanceof SqliteChangedError),
    );
  });

  it('read(): files that change under every pass -> SqliteChangedError "kept changing", within the time bound', () => {
    const db = buildDb('CREATE TABLE a(k); INSERT INTO a VALUES (1);');
    let tick = 0;
    const t0 = Date.now();
    assert.throws(
      () =>
        SqliteReader.read(db, (r) => {
          const rows = r.rows('a');
          // Stands in for a writer: every pass sees the main file rewritten (new mtime).
          const t = new Date(Date.UTC(2030, 0, 1) + 1000 * ++tick);
          fs.utimesSync(db, t, t);
          return rows;
        }),
      (e: unknown) =>
        e instanceof SqliteChangedError && e.message.startsWith(`${db} kept changing while it was read; try again`),
    );
    const ms = Date.now() - t0;
    assert.ok(ms < 2500, `gave up after ${ms} ms (budget: about 1 s)`);
    assert.ok(tick >= 10 && tick <= 20, `${tick} attempts (at most 20, within the time budget)`);
    // A bounded budget is honoured too.
    tick = 0;
    assert.throws(
      () =>
        SqliteReader.read(
          db,
          () => {
            const t = new Date(Date.UTC(2031, 0, 1) + 1000 * ++tick);
            fs.utimesSync(db, t, t);
          },
          { maxAttempts: 3 },
        ),
      SqliteChangedError,
    );
    assert.equal(tick, 3);
  });

  it('a hot rollback journal (writer mid-transaction) -> SqliteBusyError; the journal is left alone', () => {
    const dir = tmpDir();
    // A real one: a rollback-mode writer whose cache spilled dirty pages into the database file.
    execFileSync('python3', [
      '-c',
      `
import os, shutil, sqlite3, sys
d = sys.argv[1]
src = os.path.join(d, 'src.db')
con = sqlite3.connect(src, isolation_level=None)
con.execute('PRAGMA journal_mode=DELETE')
con.execute('CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT)')
con.executemany('INSERT INTO kv VALUES (?, ?)', [('k%d' % i, 'v' * 200) for i in range(2000)])
con.execute('PRAGMA cache_size=2')
con.execute('BEGIN')
con.execute("UPDATE kv SET v = 'half-written'")
for suf in ('', '-journal'):
    shutil.copyfile(src + suf, os.path.join(d, 'hot.db' + suf))
con.execute('ROLLBACK')
`,
      dir,
    ]);
    const db = path.join(dir, 'hot.db');
    assert.ok(fs.statSync(`${db}-journal`).size > 0);
    const before = dirState(dir);
    const t0 = Date.now();
    assert.throws(
      () => SqliteReader.open(db),
      (e: unknown) => e instanceof SqliteBusyError && e.message.includes(db) && /hot rollback journal/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 2000);
    assert.throws(() => SqliteReader.read(db, (r) => r.rows('kv'), { maxWaitMs: 20 }), SqliteBusyError);
    assert.deepEqual(dirState(dir), before, 'the hot journal is neither rolled back nor deleted');

    // Journals that are not hot: empty (TRUNCATE mode) or with a zeroed header (PERSIST mode).
    for (const journal of [Buffer.alloc(0), Buffer.alloc(4096)]) {
      const clean = buildDb('CREATE TABLE kv(k); INSERT INTO kv VALUES (1);');
      fs.writeFileSync(`${clean}-journal`, journal);
      assert.deepEqual(rowsOf(clean, 'kv'), [{ k: 1 }]);
    }
    // SQLite rolls the hot journal back, after which the copy reads fine.
    const rolled = copyDb(db);
    fs.copyFileSync(`${db}-journal`, `${rolled}-journal`);
    assert.equal(cliJson(rolled, "SELECT count(*) AS n FROM kv WHERE v = 'half-written'")[0]?.n, 0);
    assert.equal(
      SqliteReader.read(rolled, (r) => r.rows('kv').length),
      2000,
    );
  });

  it('a zero-length main file is an empty database, also with a -wal without commits', () => {
    const db = writeTemp('zero.db', Buffer.alloc(0));
    const check = (r: SqliteReader): void => {
      assert.equal(r.info.pageCount, 0);
      assert.equal(r.info.walCommitted, false);
      assert.deepEqual(r.tableNames(), []);
      assert.equal(r.hasTable('auth_profile_store'), false);
      assert.equal(r.hasTable('sqlite_schema'), true);
      assert.deepEqual(r.rows('sqlite_schema'), []);
    };
    withReader(db, check);
    SqliteReader.read(db, check);
    // A -wal with only a header (SQLite just opened the DB) or empty.
    const hdr = Buffer.alloc(32);
    hdr.writeUInt32BE(0x377f0682, 0);
    hdr.writeUInt32BE(3007000, 4);
    hdr.writeUInt32BE(4096, 8);
    const sum = walChecksum(hdr, 0, 24, false, [0, 0]);
    hdr.writeUInt32BE(sum[0], 24);
    hdr.writeUInt32BE(sum[1], 28);
    for (const wal of [Buffer.alloc(0), hdr]) {
      fs.writeFileSync(`${db}-wal`, wal);
      withReader(db, check);
    }
    // SQLite agrees: no tables.
    assert.deepEqual(cliJson(copyDb(db), 'SELECT name FROM sqlite_schema'), []);
  });

  it('sqlite_schema rows must name the table their CREATE statement creates, with a root page inside the DB', () => {
    const names = buildDb(`
      CREATE TABLE plain(a);
      CREATE TABLE [br acket](a);
      CREATE TABLE 'single'(a);
      CREATE TABLE \`back\`\`tick\`(a);
      CREATE TABLE IF NOT EXISTS "Dq""Mixed"(a);
      CREATE TABLE main.qualified(a);
      CREATE TEMP TABLE ignored_temp(a);
      CREATE VIRTUAL TABLE ft USING fts5(body);
    `);
    withReader(copyDb(names), (r) => {
      for (const t of ['plain', 'br acket', 'single', 'back`tick', 'dq"mixed', 'qualified', 'ft_data'])
        assert.ok(r.hasTable(t), t);
      assert.deepEqual(r.rows('plain'), []);
    });

    const renamed = buildDb(`
      CREATE TABLE t(a);
      INSERT INTO t VALUES (1);
      CREATE TABLE other(b);
      PRAGMA writable_schema = ON;
      UPDATE sqlite_schema SET name = 'auth_profile_store', tbl_name = 'auth_profile_store' WHERE name = 't';
    `);
    assert.throws(
      () => withReader(renamed, (r) => r.hasTable('auth_profile_store')),
      (e: unknown) =>
        e instanceof SqliteFormatError &&
        /row of table "auth_profile_store" holds the CREATE TABLE statement of "t"/.test(e.message),
    );
    const notCreate = buildDb(`
      CREATE TABLE t(a);
      PRAGMA writable_schema = ON;
      UPDATE sqlite_schema SET sql = 'SELECT 1' WHERE name = 't';
    `);
    assert.throws(() => withReader(notCreate, (r) => r.tableNames()), /holds no CREATE TABLE statement/);
    for (const root of [99999, 1, -3]) {
      const badRoot = buildDb(`
        CREATE TABLE t(a);
        PRAGMA writable_schema = ON;
        UPDATE sqlite_schema SET rootpage = ${root} WHERE name = 't';
      `);
      assert.throws(
        () => withReader(badRoot, (r) => r.tableNames()),
        new RegExp(`table "t" has root page ${root} \\(database has \\d+ pages\\)`),
      );
    }
  });

  it('a header declaring more pages than the file holds -> clear error, no allocation from the declared size', () => {
    const db = buildDb('CREATE TABLE t(a); INSERT INTO t VALUES (1);');
    const buf = fs.readFileSync(db);
    assert.equal(buf.readUInt32BE(92), buf.readUInt32BE(24), 'the in-header size is trusted');
    buf.writeUInt32BE(0x7fffffff, 28);
    const p = writeTemp('huge-count.db', buf);
    const max = maxAllocDuring(() => {
      assert.throws(
        () => SqliteReader.open(p),
        (e: unknown) =>
          e instanceof SqliteFormatError && /declares 2147483647 pages but the file holds only 2/.test(e.message),
      );
    });
    assert.ok(max <= 65536, `largest allocation ${max} bytes`);
    // SQLite calls it malformed too.
    assert.throws(() => execFileSync(SQLITE3, [copyDb(p), 'SELECT * FROM t'], { stdio: 'pipe' }), /malformed/);
  });

  it('a cell declaring a huge payload on a small file -> clear error, no allocation from the declared size', () => {
    const db = buildDb(`
      CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);
      INSERT INTO t VALUES (1, zeroblob(3000000));
    `);
    const buf = fs.readFileSync(db);
    const pageSize = buf.readUInt16BE(16);
    const root = cliRows(db, "SELECT rootpage FROM sqlite_schema WHERE name = 't'")[0]?.rootpage as number;
    const pageOff = (root - 1) * pageSize;
    assert.equal(buf[pageOff], 0x0d, 'root is a leaf');
    const cell = pageOff + buf.readUInt16BE(pageOff + 8);
    // The payload size is a 4-byte varint; grow it by whole overflow pages (the local part stays
    // the same) to ~268 MB, on a ~3 MB file.
    const decode = (at: number): number =>
      (((buf[at] ?? 0) & 0x7f) << 21) |
      (((buf[at + 1] ?? 0) & 0x7f) << 14) |
      (((buf[at + 2] ?? 0) & 0x7f) << 7) |
      ((buf[at + 3] ?? 0) & 0x7f);
    const P = decode(cell);
    assert.ok(P > 3000000 && P < 2 ** 28);
    const huge = P + Math.floor((2 ** 28 - 1 - P) / (pageSize - 4)) * (pageSize - 4);
    buf[cell] = 0x80 | (huge >>> 21);
    buf[cell + 1] = 0x80 | ((huge >>> 14) & 0x7f);
    buf[cell + 2] = 0x80 | ((huge >>> 7) & 0x7f);
    buf[cell + 3] = huge & 0x7f;
    assert.equal(decode(cell), huge);
    const p = writeTemp('huge-payload.db', buf);
    const max = maxAllocDuring(() => {
      assert.throws(
        () => withReader(p, (r) => r.rows('t')),
        (e: unknown) =>
          e instanceof SqliteFormatError &&
          /payload of \d+ bytes needs \d+ overflow pages, more than the database holds/.test(e.message),
      );
    });
    assert.ok(max < 4 * 1024 * 1024, `largest allocation ${max} bytes`);
  });

  it('a table b-tree deeper than SQLite allows -> SqliteFormatError', () => {
    const db = buildDb(`
      PRAGMA page_size = 512;
      CREATE TABLE many(id INTEGER PRIMARY KEY, v TEXT);
      WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)
      INSERT INTO many SELECT n, hex(randomblob(20)) FROM s;
    `);
    const buf = fs.readFileSync(db);
    const pageSize = 512;
    const root = cliRows(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'many'")[0]?.rootpage as number;
    const pages = buf.length / pageSize;
    // A chain of 25 interior pages without cells, each pointing at the next.
    const chain = [root, ...Array.from({ length: 25 }, (_, i) => pages - i)];
    chain.forEach((pg, i) => {
      const off = (pg - 1) * pageSize;
      buf.fill(0, off, off + pageSize);
      const last = i === chain.length - 1;
      buf[off] = last ? 0x0d : 0x05;
      buf.writeUInt16BE(pageSize, off + 5);
      if (!last) buf.writeUInt32BE(chain[i + 1] as number, off + 8);
    });
    const p = writeTemp('deep.db', buf);
    assert.throws(() => withReader(p, (r) => r.rows('many')), /b-tree deeper than 20 levels/);
  });
});
