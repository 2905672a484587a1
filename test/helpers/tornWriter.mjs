// Concurrent writer for test/unit/store/sqliteReader.torn.test.ts, run by a Node with `node:sqlite` (>= 22.13).
// Usage: node tornWriter.mjs <db> <maxMs> <pauseMs>   (pause between commits: random 0..2x pauseMs)
// Holds one connection on <db> (WAL mode, wal_autocheckpoint=4) and, until stdin closes or
// maxMs passes, commits one generation N per transaction: every auth row and every profile in
// them carries `gen: N`, rows are padded past the page size (overflow chains whose length
// changes with N), the store row is re-inserted (new rowid) and a per-generation key replaces
// the previous one. Checkpoints: PASSIVE after most commits (autocheckpoint), RESTART and
// TRUNCATE every few. Prints "ready" after generation 1, and a JSON summary when it stops.
import { DatabaseSync } from 'node:sqlite';

const [db, maxMsArg, pauseMsArg] = process.argv.slice(2);
const maxMs = Number(maxMsArg ?? 30000);
const pauseMs = Number(pauseMsArg ?? 0);
const PROFILES = 50;

const con = new DatabaseSync(db);
con.exec(
  'PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 4; PRAGMA synchronous = NORMAL',
);

function store(n) {
  const profiles = {};
  for (let i = 0; i < PROFILES; i++) {
    profiles[`provider${i}:key${i}`] = {
      type: 'api_key',
      provider: `provider${i}`,
      key: `sk-${n}-${i}`,
      gen: n,
      pad: 'x'.repeat(40 + ((n * 7 + i) % 60)),
    };
  }
  return JSON.stringify({ version: 1, gen: n, profiles });
}
function state(n) {
  return JSON.stringify({
    version: 1,
    gen: n,
    order: { provider0: ['provider0:key0'] },
    pad: 'y'.repeat(1000 + (n % 4) * 2500),
  });
}

const upsertStore = con.prepare(
  "INSERT OR REPLACE INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('authProfiles.store', ?, ?)",
);
const updateState = con.prepare(
  "UPDATE config_machine_state SET value_json = ?, updated_at_ms = ? WHERE state_key = 'authProfiles.state'",
);
const insertState = con.prepare(
  "INSERT OR IGNORE INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('authProfiles.state', ?, ?)",
);
const dropGen = con.prepare("DELETE FROM config_machine_state WHERE state_key LIKE 'authProfiles.gen.%'");
const addGen = con.prepare('INSERT INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES (?, ?, ?)');
const upsertPrimary = con.prepare(
  "INSERT OR REPLACE INTO auth_profile_store (store_key, store_json, updated_at) VALUES ('primary', ?, ?)",
);

let gen = 0;
let checkpoints = 0;
function commitOne() {
  gen++;
  const s = store(gen);
  con.exec('BEGIN IMMEDIATE');
  try {
    upsertStore.run(s, gen);
    insertState.run(state(gen), gen);
    updateState.run(state(gen), gen);
    dropGen.run();
    addGen.run(`authProfiles.gen.${gen}`, JSON.stringify({ gen }), gen);
    upsertPrimary.run(s, gen);
    con.exec('COMMIT');
  } catch (e) {
    con.exec('ROLLBACK');
    throw e;
  }
  if (gen % 7 === 0) {
    con.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    checkpoints++;
  } else if (gen % 5 === 0) {
    con.exec('PRAGMA wal_checkpoint(RESTART)');
    checkpoints++;
  }
}

commitOne();
process.stdout.write('ready\n');

const t0 = Date.now();
let stop = false;
process.stdin.on('end', () => {
  stop = true;
});
process.stdin.on('error', () => {
  stop = true;
});
process.stdin.resume();

function finish() {
  con.close();
  process.stdout.write(`${JSON.stringify({ gens: gen, checkpoints, ms: Date.now() - t0 })}\n`);
}
function loop() {
  if (stop || Date.now() - t0 > maxMs) return finish();
  commitOne();
  // A jittered pause (0..2x pauseMs), so commits do not fall into step with the reader.
  if (pauseMs > 0) setTimeout(loop, Math.random() * 2 * pauseMs);
  else setImmediate(loop);
}
loop();
