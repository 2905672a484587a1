/**
 * Our writes beside a real second SQLite writer (python3's sqlite3, standing in for an openclaw
 * command and for the gateway), on whichever engine this Node has (npm test runs the unit suite
 * on Node 20 = sql.js and on Node 24 = node:sqlite, and once with /proc hidden):
 * - `loop`: the other writer opens, commits one profile and closes, again and again;
 * - `hold`: it keeps one connection open with a tiny autocheckpoint, as a busy gateway does.
 * Meanwhile we add profiles through applyMutation. Afterwards, read by the real SQLite: every
 * commit of the other writer and every profile we reported saved is there, integrity_check is ok,
 * and the other writer never failed. Refusals (sql.js beside a held DB) must say what to do.
 */
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { applyMutation, StoreBusyError, StoreConflictError } from '../../../src/store';
import { engineName } from '../../../src/store/engine';

const SECONDS = Number(process.env.OPENCLAW_AUTH_RACE_SECONDS ?? 4);
const WRITER = path.join(__dirname, '..', '..', 'helpers', 'raceWriter.py');

interface Outcome {
  savedAt: number[];
  closedAt?: number;
  saved: string[];
  refused: number;
  theirs: string[];
  writerExit: number | null;
  writerErr: string;
  ids: Set<string>;
  integrity: string;
}

async function race(mode: 'loop' | 'hold'): Promise<Outcome> {
  const h = copyHome('basic');
  const db = path.join(h, '.openclaw', 'state', 'openclaw.sqlite');
  try {
    const child = spawn('python3', [WRITER, db, mode, String(SECONDS), 'theirs'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let running = true;
    const exited = new Promise<number | null>((res) =>
      child.once('exit', (code) => {
        running = false;
        res(code);
      }),
    );
    // Start once the other writer has committed at least once (it holds the DB from then on in `hold`).
    for (let i = 0; i < 200 && !out.includes('committed'); i++) await new Promise((r) => setTimeout(r, 25));
    const saved: string[] = [];
    const savedAt: number[] = [];
    let refused = 0;
    const until = Date.now() + SECONDS * 1000;
    for (let i = 0; running && Date.now() < until; i++) {
      const id = `ours:i${i}`;
      try {
        await applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: id,
            credential: { type: 'api_key', provider: 'ours', key: `k-ours-fake-${String(i).padStart(6, '0')}` },
          },
        );
        saved.push(id);
        savedAt.push(Date.now());
      } catch (e) {
        if (!(e instanceof StoreBusyError || e instanceof StoreConflictError)) throw e;
        assert.match((e as Error).message, /nothing was changed/i);
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setImmediate(r));
    }
    const writerExit = await exited;
    const theirs = [...out.matchAll(/^committed (\S+)$/gm)].map((m) => m[1] as string);
    const q = spawnSync(
      'sqlite3',
      [db, "SELECT value_json FROM config_machine_state WHERE state_key='authProfiles.store'"],
      { encoding: 'utf8' },
    );
    const ids = new Set(
      Object.keys((JSON.parse(q.stdout || '{"profiles":{}}') as { profiles: Record<string, unknown> }).profiles),
    );
    const integrity = spawnSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).stdout.trim();
    const closedAt = Number(/^closing (\d+)$/m.exec(out)?.[1] ?? NaN);
    return {
      savedAt,
      closedAt: Number.isFinite(closedAt) ? closedAt : undefined,
      saved,
      refused,
      theirs,
      writerExit,
      writerErr: err,
      ids,
      integrity,
    };
  } finally {
    rmrf(h);
  }
}

function check(o: Outcome, label: string): void {
  assert.equal(o.writerExit, 0, `${label}: the other writer failed: ${o.writerErr.slice(-500)}`);
  assert.equal(o.integrity, 'ok', `${label}: integrity_check`);
  assert.ok(o.theirs.length > 10, `${label}: the other writer committed (${o.theirs.length})`);
  const lostTheirs = o.theirs.filter((id) => !o.ids.has(id));
  const lostOurs = o.saved.filter((id) => !o.ids.has(id));
  assert.deepEqual(lostTheirs, [], `${label}: commits of the other writer lost`);
  assert.deepEqual(lostOurs, [], `${label}: profiles we reported saved are missing`);
}

describe(`store writes beside a second SQLite writer (engine: ${engineName()})`, function () {
  this.timeout(60_000 + SECONDS * 3000);

  it('a writer that opens, commits and closes in a loop: nothing lost on either side', async () => {
    const o = await race('loop');
    check(o, 'loop');
    if (engineName() === 'native')
      assert.ok(o.saved.length > 10, `we saved too (${o.saved.length}, refused ${o.refused})`);
    console.log(`      loop: theirs ${o.theirs.length} commits, ours ${o.saved.length} saved, ${o.refused} refused`);
  });

  it('a writer holding its connection open with a tiny autocheckpoint (a gateway): nothing lost; sql.js refuses every write', async () => {
    const o = await race('hold');
    check(o, 'hold');
    if (engineName() === 'native')
      assert.ok(o.saved.length > 10, `we saved too (${o.saved.length}, refused ${o.refused})`);
    // sql.js never replaces a DB a connection holds: a save can only land once the holder closed it.
    else
      assert.ok(
        o.closedAt !== undefined && o.savedAt.every((t) => t >= o.closedAt!),
        `sql.js saved while the connection was open (saved at ${o.savedAt.join(', ')}, closed at ${o.closedAt})`,
      );
    console.log(`      hold: theirs ${o.theirs.length} commits, ours ${o.saved.length} saved, ${o.refused} refused`);
  });
});
