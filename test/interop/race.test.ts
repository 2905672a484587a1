/**
 * Our CLI writing in a loop while the real openclaw writes the same home, on both engines (our
 * CLI runs on Node 24: `native` is its node:sqlite, `sqljs` is forced with
 * OPENCLAW_AUTH_SQLITE_ENGINE=sqljs):
 * - openclaw's own `models auth paste-api-key` and `models auth order set` commands, several runs;
 *   none may fail (it used to report "SQLite database pathname changed while its worker owner is
 *   active … config write was rolled back" when we renamed a file over the DB it had open);
 * Afterwards every profile openclaw saved and every one we reported saved is there (read by
 * openclaw itself), the stored order is openclaw's last one, and integrity_check is ok.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFixtureHome, ensureOpenclaw, REPO_ROOT, runOpenclaw, type OpenclawInstall } from './openclaw';
import { ourLoop, prepareOurIds } from '../helpers/ourLoop';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const OPENCLAW_RUNS = Number(process.env.OPENCLAW_AUTH_RACE_OPENCLAW_RUNS ?? 1);

describe('our writes beside the real openclaw CLI writing the same home', function () {
  this.timeout(600_000);
  let oc: OpenclawInstall;
  const homes: string[] = [];
  before(async function () {
    oc = await ensureOpenclaw();
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  after(() => {
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });

  for (const engine of ['native', 'sqljs'] as const) {
    it(`openclaw paste-api-key and order set never fail, and nothing is lost (${engine})`, async () => {
      const home = copyFixtureHome('basic');
      homes.push(home);
      // openclaw refuses to start when openclaw.json changes during its start-up ("migration inputs
      // changed during startup"), whoever changes it. Our ids' metadata is written beforehand, so
      // during the race our writes touch the DBs only, which is what this test is about.
      prepareOurIds(path.join(home, '.openclaw'));
      const loop = ourLoop(oc.node, CLI, home, engine);
      const theirs: string[] = [];
      let lastOrder: string[] = [];
      const failures: string[] = [];
      try {
        for (let i = 0; i < OPENCLAW_RUNS; i++) {
          const id = `groq:oc${i}`;
          const r = await runOpenclaw(
            home,
            ['models', 'auth', 'paste-api-key', '--provider', 'groq', '--profile-id', id],
            { input: `gsk-fake-openclaw-${String(i).padStart(20, '0')}\n` },
          );
          if (r.code !== 0) {
            failures.push(`paste-api-key run ${i}: ${r.stderr.slice(-600)}`);
            continue;
          }
          theirs.push(id);
          lastOrder = i % 2 ? ['openrouter:manual', 'openrouter:backup'] : ['openrouter:backup', 'openrouter:manual'];
          const o = await runOpenclaw(home, [
            'models',
            'auth',
            'order',
            'set',
            '--provider',
            'openrouter',
            ...lastOrder,
          ]);
          if (o.code !== 0) failures.push(`order set run ${i}: ${o.stderr.slice(-600)}`);
        }
      } finally {
        const { saved, refused } = await loop.stop();
        console.log(
          `      ${engine}: openclaw ${theirs.length} keys + ${theirs.length} orders; ours ${saved.length} saved, ${refused.length} refused`,
        );
        assert.deepEqual(failures, [], `${engine}: openclaw commands failed beside our writes`);
        const list = await runOpenclaw(home, ['models', 'auth', 'list', '--json']);
        const ids = new Set(
          ((list.json as { profiles?: Array<{ id?: string; profileId?: string }> } | undefined)?.profiles ?? []).map(
            (p) => p.profileId ?? p.id,
          ),
        );
        for (const id of theirs)
          assert.ok(ids.has(id), `${engine}: openclaw's ${id} is missing: ${[...ids].join(', ')}`);
        for (const id of saved) assert.ok(ids.has(id), `${engine}: our saved ${id} is missing`);
        if (engine === 'native') assert.ok(saved.length > 0, 'native: our writes went through beside openclaw');
        const order = await runOpenclaw(home, ['models', 'auth', 'order', 'get', '--provider', 'openrouter', '--json']);
        assert.deepEqual(
          (order.json as { order?: string[] } | undefined)?.order,
          lastOrder,
          `${engine}: openclaw's last order`,
        );
        for (const db of [
          path.join(home, '.openclaw/state/openclaw.sqlite'),
          path.join(home, '.openclaw/agents/main/agent/openclaw-agent.sqlite'),
        ]) {
          if (!fs.existsSync(db)) continue;
          // openclaw's agent schema uses functions newer than Debian's sqlite3 CLI knows: check with Node 24's SQLite.
          const ic = spawnSync(
            oc.node,
            [
              '-e',
              "const{DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(process.argv[1],{readOnly:true});console.log(d.prepare('PRAGMA integrity_check').get().integrity_check)",
              db,
            ],
            { encoding: 'utf8' },
          );
          assert.equal(ic.stdout.trim(), 'ok', `${db} integrity: ${ic.stderr}`);
        }
      }
    });
  }
});
