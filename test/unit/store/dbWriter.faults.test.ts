/**
 * Faults while the store is written, on whichever engine this Node has (npm test runs the unit
 * suite on Node 20 = sql.js and Node 24 = node:sqlite):
 * - SIGKILL at random moments: the store holds the old or the new version only (every write that
 *   returned is there, at most the one in flight besides), integrity_check ok, and after the next
 *   run no temp file of ours (a copy with credentials) is left;
 * - a full disk (a small tmpfs, free space swept from none to more than a write needs): every run
 *   either saves a valid store or changes nothing, with a clear message.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { bundleChild } from '../../helpers/bundleChild';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { applyMutation, readSnapshot } from '../../../src/store';
import { engineName } from '../../../src/store/engine';

const KILLS = Number(process.env.OPENCLAW_AUTH_KILLS ?? 8);

function storeIds(db: string): string[] {
  const r = spawnSync(
    'sqlite3',
    [db, "SELECT value_json FROM config_machine_state WHERE state_key='authProfiles.store'"],
    // The store cell can pass 1 MB (spawnSync's default buffer: ENOBUFS once in a full run).
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(
    r.status,
    0,
    `sqlite3 read of ${db}: ${r.stderr || ''}${r.signal ? ` signal ${r.signal}` : ''}${r.error ? ` error ${r.error.message}` : ''}`,
  );
  return Object.keys((JSON.parse(r.stdout) as { profiles: Record<string, unknown> }).profiles);
}
const integrity = (db: string) =>
  spawnSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).stdout.trim();
const ourTemps = (dir: string) => fs.readdirSync(dir).filter((n) => /\.tmp$|openclaw-auth\.lock$/.test(n));

describe(`store faults (engine: ${engineName()})`, function () {
  this.timeout(180_000);

  let dir: string;
  let script: string;
  before(async () => {
    // The child is bundled once (as the extension and CLI are), so each start costs milliseconds.
    ({ dir, script } = await bundleChild(path.join(__dirname, '..', '..', 'helpers', 'killWriter.ts'), 'killWriter'));
  });
  after(() => rmrf(dir));

  it(`SIGKILL during writes (${KILLS} kills): old or new version only, nothing that returned is lost, no temp copy left after the next run`, async () => {
    const h = copyHome('basic');
    const stateDir = path.join(h, '.openclaw', 'state');
    const db = path.join(stateDir, 'openclaw.sqlite');
    let next = 0;
    let landedMidWrite = 0;
    try {
      for (let k = 0; k < KILLS; k++) {
        const p = spawn(process.execPath, [script, h, String(next)], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env },
        });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        // Wait for the first write so the kill lands among writes, not in the start-up.
        for (let i = 0; i < 400 && !out.includes('saved'); i++) await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
        const saved = [...out.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
        const last = saved.length ? Math.max(...saved) : next - 1;
        assert.equal(integrity(db), 'ok', `kill ${k}: integrity`);
        const ids = new Set(storeIds(db));
        for (let i = 0; i <= last; i++)
          assert.ok(ids.has(`kill:p${i}`), `kill ${k}: kill:p${i} returned saved but is missing`);
        const extra = [...ids].filter((id) => id.startsWith('kill:') && Number(id.slice(6)) > last);
        assert.ok(extra.length <= 1, `kill ${k}: only the write in flight may have landed: ${extra.join(', ')}`);
        if (ourTemps(stateDir).length) landedMidWrite++;
        next = last + 1 + extra.length;
      }
      // The next run (a write) removes what the killed writers left.
      await applyMutation(
        { env: { HOME: h } },
        {
          kind: 'upsertProfile',
          profileId: 'kill:after',
          credential: { type: 'api_key', provider: 'kill', key: 'k-kill-fake-after-000000' },
        },
      );
      assert.deepEqual(ourTemps(stateDir), [], 'no temp copy or lock of ours is left');
      console.log(
        `      ${KILLS} kills, ${next} writes returned; ${landedMidWrite} kills left a temp file behind (removed by the next run)`,
      );
    } finally {
      rmrf(h);
    }
  });

  it('a full disk, free space swept from none to more than a write needs: a valid new store or nothing changed', async function () {
    if (process.getuid?.() !== 0) this.skip(); // mounting a tmpfs needs root (CI and npm test here run as root)
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-full-'));
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]).status !== 0) {
      fs.rmdirSync(mnt);
      this.skip(); // no tmpfs mount allowed here (a container without CAP_SYS_ADMIN): the sweep needs a real small file system
    }
    const outcomes = { saved: 0, refused: 0 };
    try {
      const src = copyHome('basic');
      // Free space steps: none, a few KB, then up to beyond a whole copy of the DB (the sql.js engine needs one).
      const steps = [0, 4, 16, 64, 256, 512, 1024, 1536, 2048, 3072].map((kb) => kb * 1024);
      for (const [i, free] of steps.entries()) {
        const h = path.join(mnt, `h${i}`);
        fs.cpSync(src, h, { recursive: true });
        const db = path.join(h, '.openclaw', 'state', 'openclaw.sqlite');
        const cfg = path.join(h, '.openclaw', 'openclaw.json');
        const beforeIds = storeIds(db);
        const beforeCfg = fs.readFileSync(cfg);
        // Fill the file system, leaving `free` bytes.
        const filler = path.join(mnt, 'filler');
        const st = fs.statfsSync(mnt);
        const avail = st.bavail * st.bsize;
        if (avail > free) fs.writeFileSync(filler, Buffer.alloc(avail - free));
        let err: Error | undefined;
        try {
          await applyMutation(
            { env: { HOME: h } },
            {
              kind: 'upsertProfile',
              profileId: 'full:new',
              credential: { type: 'api_key', provider: 'full', key: `k-full-fake-${'y'.repeat(4000)}` },
            },
          );
        } catch (e) {
          err = e as Error;
        }
        fs.rmSync(filler, { force: true });
        assert.equal(integrity(db), 'ok', `free ${free}: integrity (${err?.message ?? 'saved'})`);
        const ids = storeIds(db);
        if (err) {
          outcomes.refused++;
          assert.match(
            err.message,
            /nothing was changed|not changed/i,
            `free ${free}: the message says nothing changed: ${err.message}`,
          );
          assert.doesNotMatch(err.message, /k-full-fake/, 'no secret in the message');
          assert.deepEqual(ids, beforeIds, `free ${free}: the store is unchanged`);
          assert.deepEqual(fs.readFileSync(cfg), beforeCfg, `free ${free}: openclaw.json is unchanged`);
        } else {
          outcomes.saved++;
          assert.ok(ids.includes('full:new'), `free ${free}: reported saved, so it is there`);
          assert.ok(readSnapshot({ env: { HOME: h } }).store.profiles['full:new'], 'and our reader sees it');
        }
        assert.deepEqual(ourTemps(path.dirname(db)), [], `free ${free}: no temp file left`);
        rmrf(h);
      }
      rmrf(src);
      assert.ok(
        outcomes.saved > 0 && outcomes.refused > 0,
        `the sweep covered both outcomes: ${JSON.stringify(outcomes)}`,
      );
      console.log(`      full-disk sweep: ${JSON.stringify(outcomes)}`);
    } finally {
      spawnSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});
