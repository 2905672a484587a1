/**
 * The platform decisions (src/os/platform.ts, the state dir resolver, the DB replace check) for
 * Linux, macOS and Windows, decided on this Linux machine: each function takes the platform as an
 * argument. Windows plans (taskkill, .cmd shims, cmd.exe quoting) are checked as plans; running
 * them needs Windows.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cmdQuoteArg,
  cmdShellSpawn,
  cmdShimTarget,
  commandCandidates,
  commandSpawnPlan,
  companionsInUse,
  DEFAULT_PATHEXT,
  descendantSource,
  ownProcessGroup,
  parsePsTable,
  pathFor,
  posixPermissions,
  ppidFromProcStat,
  replaceDecision,
  shellQuote,
  treeKillPlan,
  type Platform,
} from '../../../src/os/platform';
import { descendantsIn } from '../../../src/os/procTree';
import { spawnArgs } from '../../../src/gateway/process';
import { displayPath, resolvePaths, stateDirFor } from '../../../src/store/paths';
import { holderText, sqliteCompanions } from '../../../src/store/dbWriter';
import { processesHoldingAny } from '../../../src/store/fileio';

const ALL: Platform[] = ['linux', 'darwin', 'win32'];

/** npm's cmd-shim output for `openclaw` (npm 10/11), as installed by `npm install -g openclaw` on Windows. */
const NPM_SHIM = [
  '@ECHO off',
  'GOTO start',
  ':find_dp0',
  'SET dp0=%~dp0',
  'EXIT /b',
  ':start',
  'SETLOCAL',
  'CALL :find_dp0',
  '',
  'IF EXIST "%dp0%\\node.exe" (',
  '  SET "_prog=%dp0%\\node.exe"',
  ') ELSE (',
  '  SET "_prog=node"',
  '  SET PATHEXT=%PATHEXT:;.JS;=;%',
  ')',
  '',
  'endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\node_modules\\openclaw\\openclaw.mjs" %*',
  '',
].join('\r\n');

describe('platform decisions', () => {
  describe('process groups and tree stops', () => {
    it('POSIX spawns in an own group and stops it with one group signal', () => {
      for (const pf of ['linux', 'darwin'] as const) {
        assert.equal(ownProcessGroup(pf), true, pf);
        assert.deepEqual(treeKillPlan(pf, 4242, 'SIGTERM'), { kind: 'group-signal', pid: -4242, signal: 'SIGTERM' });
        assert.deepEqual(treeKillPlan(pf, 4242, 'SIGKILL'), { kind: 'group-signal', pid: -4242, signal: 'SIGKILL' });
      }
    });

    it('Windows spawns without detached and stops the tree with taskkill /PID <pid> /T /F, for any signal', () => {
      assert.equal(ownProcessGroup('win32'), false);
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        assert.deepEqual(treeKillPlan('win32', 4242, sig), {
          kind: 'taskkill',
          file: 'taskkill',
          args: ['/PID', '4242', '/T', '/F'],
        });
      }
    });

    it('descendants come from /proc (Linux), ps (macOS, or Linux with /proc hidden), nothing on Windows', () => {
      assert.equal(descendantSource('linux', true), 'proc');
      assert.equal(descendantSource('linux', false), 'ps');
      assert.equal(descendantSource('darwin', false), 'ps');
      assert.equal(descendantSource('freebsd', false), 'ps');
      assert.equal(descendantSource('win32', false), 'none');
      assert.equal(descendantSource('win32', true), 'none');
    });

    it('reads parent links from /proc stat lines and ps output alike, and walks the tree once per pid', () => {
      assert.equal(ppidFromProcStat('123 (node) S 1 123 123 0 -1'), 1);
      assert.equal(ppidFromProcStat('77 (a) b (c)) R 412 77 77 0'), 412, 'comm with spaces and parens');
      const links = parsePsTable('    1     0\n  412     1\n 4120   412\n 4121   412\n 9999  4120\n');
      assert.deepEqual(descendantsIn(links, 412), [4120, 9999, 4121]);
      assert.deepEqual(descendantsIn(undefined, 412), [], 'Windows: no links, no descendants');
      assert.deepEqual(
        descendantsIn(
          new Map([
            [1, [2]],
            [2, [1]],
          ]),
          1,
        ),
        [2],
        'a cycle (pid reuse in a racy read) ends',
      );
    });

    it('POSIX permission bits are checked on Linux and macOS, not on Windows', () => {
      assert.deepEqual(ALL.map(posixPermissions), [true, true, false]);
    });
  });

  describe('shellQuote (commands we print)', () => {
    it("POSIX: single quotes, a quote as '\\''", () => {
      for (const pf of ['linux', 'darwin'] as const) {
        assert.equal(shellQuote(pf, 'work'), "'work'");
        assert.equal(shellQuote(pf, "Ann's key"), "'Ann'\\''s key'");
        assert.equal(shellQuote(pf, 'a "b" $HOME'), '\'a "b" $HOME\'');
      }
    });

    it('Windows (PowerShell): single quotes, a quote doubled; spaces and double quotes kept', () => {
      assert.equal(shellQuote('win32', "Ann's key"), "'Ann''s key'");
      assert.equal(shellQuote('win32', 'C:\\Program Files\\x "y"'), '\'C:\\Program Files\\x "y"\'');
    });
  });

  describe('finding a command on PATH', () => {
    it('POSIX: <dir>/<name> per PATH entry, empty entries skipped', () => {
      assert.deepEqual(commandCandidates('linux', 'openclaw', { PATH: '/usr/local/bin::/usr/bin' }), [
        '/usr/local/bin/openclaw',
        '/usr/bin/openclaw',
      ]);
      assert.deepEqual(commandCandidates('darwin', 'node', { PATH: '/opt/homebrew/bin:/usr/bin', PATHEXT: '.EXE' }), [
        '/opt/homebrew/bin/node',
        '/usr/bin/node',
      ]);
      assert.deepEqual(commandCandidates('linux', 'openclaw', {}), []);
    });

    it('Windows: ; separated, every PATHEXT extension, never the bare name npm leaves beside the .cmd', () => {
      const env = {
        PATH: 'C:\\Windows\\system32;"C:\\Users\\Ann\\AppData\\Roaming\\npm";;',
        PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.JS',
      };
      const c = commandCandidates('win32', 'openclaw', env);
      assert.deepEqual(c.slice(6), [
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.com',
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.exe',
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.bat',
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.cmd',
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.vbs',
        'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.js',
      ]);
      assert.ok(!c.some((f) => f.endsWith('\\openclaw')), 'no bare name');
      assert.equal(c[0], 'C:\\Windows\\system32\\openclaw.com');
    });

    it('Windows: PATHEXT unset means .COM;.EXE;.BAT;.CMD; `Path` is read when PATH is missing; a name with an extension is tried as is', () => {
      assert.equal(DEFAULT_PATHEXT, '.COM;.EXE;.BAT;.CMD');
      assert.deepEqual(commandCandidates('win32', 'node', { Path: 'C:\\Program Files\\nodejs' }), [
        'C:\\Program Files\\nodejs\\node.com',
        'C:\\Program Files\\nodejs\\node.exe',
        'C:\\Program Files\\nodejs\\node.bat',
        'C:\\Program Files\\nodejs\\node.cmd',
      ]);
      assert.deepEqual(commandCandidates('win32', 'node.exe', { PATH: 'D:\\n' }), ['D:\\n\\node.exe']);
    });
  });

  describe('running the command found', () => {
    const shim = 'C:\\Users\\Ann\\AppData\\Roaming\\npm\\openclaw.cmd';
    const target = 'C:\\Users\\Ann\\AppData\\Roaming\\npm\\node_modules\\openclaw\\openclaw.mjs';

    it('Windows: an npm .cmd shim runs its target script with Node (no shell, no quoting)', () => {
      assert.equal(cmdShimTarget(shim, NPM_SHIM), target);
      assert.deepEqual(commandSpawnPlan('win32', shim, { shimText: NPM_SHIM }), { kind: 'node', script: target });
      // Older cmd-shim wrote `"%~dp0\node_modules\..."`.
      assert.equal(cmdShimTarget(shim, '@"%~dp0\\node_modules\\openclaw\\openclaw.mjs" %*'), target);
    });

    it('Windows: a .cmd/.bat that is not an npm shim goes through cmd.exe; .exe runs directly; .mjs with Node', () => {
      assert.deepEqual(
        commandSpawnPlan('win32', 'D:\\tools\\openclaw.bat', { shimText: '@echo off\r\nD:\\tools\\oc.exe %*' }),
        { kind: 'cmd-shell', file: 'D:\\tools\\openclaw.bat' },
      );
      assert.deepEqual(commandSpawnPlan('win32', shim), { kind: 'cmd-shell', file: shim }, 'unreadable shim');
      assert.deepEqual(commandSpawnPlan('win32', 'C:\\oc\\openclaw.exe'), {
        kind: 'direct',
        file: 'C:\\oc\\openclaw.exe',
      });
      assert.deepEqual(commandSpawnPlan('win32', target), { kind: 'node', script: target });
      assert.deepEqual(commandSpawnPlan('win32', 'C:\\oc\\OPENCLAW.MJS'), {
        kind: 'node',
        script: 'C:\\oc\\OPENCLAW.MJS',
      });
    });

    it('POSIX: a .js/.mjs/.cjs or a node shebang runs with Node, anything else directly; .cmd means nothing there', () => {
      for (const pf of ['linux', 'darwin'] as const) {
        assert.deepEqual(commandSpawnPlan(pf, '/usr/lib/node_modules/openclaw/openclaw.mjs'), {
          kind: 'node',
          script: '/usr/lib/node_modules/openclaw/openclaw.mjs',
        });
        assert.deepEqual(commandSpawnPlan(pf, '/usr/local/bin/openclaw', { nodeShebang: true }), {
          kind: 'node',
          script: '/usr/local/bin/openclaw',
        });
        assert.deepEqual(commandSpawnPlan(pf, '/usr/local/bin/openclaw'), {
          kind: 'direct',
          file: '/usr/local/bin/openclaw',
        });
        assert.deepEqual(commandSpawnPlan(pf, '/x/openclaw.cmd', { shimText: NPM_SHIM }), {
          kind: 'direct',
          file: '/x/openclaw.cmd',
        });
      }
    });

    it('cmd.exe fallback: /d /s /c "<line>" passed verbatim, each argument quoted and its metacharacters escaped', () => {
      // cross-spawn's escaping for .cmd targets: quoted, then every metacharacter escaped twice
      // (once for the /c line, once for the %* inside the .cmd).
      assert.equal(cmdQuoteArg('run'), '^^^"run^^^"');
      assert.equal(cmdQuoteArg('a b'), '^^^"a^^^ b^^^"');
      assert.equal(cmdQuoteArg('say "hi"'), '^^^"say^^^ \\^^^"hi\\^^^"^^^"');
      assert.equal(
        cmdQuoteArg('C:\\dir\\'),
        '^^^"C:\\dir\\\\^^^"',
        'trailing backslash doubled before the closing quote',
      );
      assert.equal(cmdQuoteArg('100%&x'), '^^^"100^^^%^^^&x^^^"', '% and & never reach cmd unescaped');
      const s = cmdShellSpawn(undefined, 'C:\\Program Files\\oc\\openclaw.bat', ['gateway', 'run']);
      assert.equal(s.file, 'cmd.exe');
      assert.equal(s.windowsVerbatimArguments, true);
      assert.deepEqual(s.args.slice(0, 3), ['/d', '/s', '/c']);
      assert.equal(s.args[3], '"C:\\Program^ Files\\oc\\openclaw.bat ^^^"gateway^^^" ^^^"run^^^""');
      assert.equal(cmdShellSpawn('C:\\Windows\\system32\\cmd.exe', 'x.cmd', []).file, 'C:\\Windows\\system32\\cmd.exe');
    });
  });

  describe('spawnArgs (what the supervisor and runOpenclawCli spawn)', () => {
    it('a resolved command: its file with the prefix arguments, no verbatim flag (Linux as before)', () => {
      assert.deepEqual(
        spawnArgs(
          {
            file: '/usr/bin/node',
            prefixArgs: ['/usr/lib/node_modules/openclaw/openclaw.mjs'],
            openclaw: '/usr/bin/openclaw',
          },
          ['gateway', 'run'],
          {},
        ),
        { file: '/usr/bin/node', args: ['/usr/lib/node_modules/openclaw/openclaw.mjs', 'gateway', 'run'] },
      );
    });

    it('a Windows .cmd that is not an npm shim: ComSpec /d /s /c with the quoted line', () => {
      const r = spawnArgs(
        { file: 'D:\\tools\\openclaw.bat', prefixArgs: [], openclaw: 'D:\\tools\\openclaw.bat', cmdShell: true },
        ['--port', '18789'],
        { ComSpec: 'C:\\Windows\\system32\\cmd.exe' },
      );
      assert.deepEqual(r, {
        file: 'C:\\Windows\\system32\\cmd.exe',
        args: ['/d', '/s', '/c', '"D:\\tools\\openclaw.bat ^^^"--port^^^" ^^^"18789^^^""'],
        windowsVerbatimArguments: true,
      });
    });
  });

  describe('state dir (stateDirFor / resolvePaths with a platform)', () => {
    it('Windows: %USERPROFILE%\\.openclaw when HOME is unset', () => {
      const r = stateDirFor({ platform: 'win32', env: { USERPROFILE: 'C:\\Users\\Ann' }, homedir: 'C:\\Users\\Other' });
      assert.equal(r.stateDir, 'C:\\Users\\Ann\\.openclaw');
      assert.equal(r.configPath, 'C:\\Users\\Ann\\.openclaw\\openclaw.json');
      assert.equal(r.source, 'home');
      assert.equal(
        stateDirFor({ platform: 'win32', env: {}, homedir: 'C:\\Users\\Ann' }).stateDir,
        'C:\\Users\\Ann\\.openclaw',
        'os.homedir() last',
      );
    });

    it('Windows: HOME first when a shell sets it, as openclaw reads it (resolveRawOsHomeDir)', () => {
      assert.equal(
        stateDirFor({
          platform: 'win32',
          env: { HOME: 'E:\\home\\ann', USERPROFILE: 'C:\\Users\\Ann' },
          homedir: 'C:\\Users\\Ann',
        }).stateDir,
        'E:\\home\\ann\\.openclaw',
      );
    });

    it('Windows: OPENCLAW_STATE_DIR=D:\\oc as given, drive letters kept, config beside it', () => {
      const r = stateDirFor({
        platform: 'win32',
        env: { USERPROFILE: 'C:\\Users\\Ann', OPENCLAW_STATE_DIR: 'D:\\oc' },
        homedir: 'C:\\Users\\Ann',
      });
      assert.deepEqual(
        [r.stateDir, r.configPath, r.source, r.home],
        ['D:\\oc', 'D:\\oc\\openclaw.json', 'OPENCLAW_STATE_DIR', 'C:\\Users\\Ann'],
      );
      assert.equal(
        stateDirFor({ platform: 'win32', env: { OPENCLAW_STATE_DIR: 'D:/oc/state/' }, homedir: 'C:\\Users\\Ann' })
          .stateDir,
        'D:\\oc\\state',
        'forward slashes normalised',
      );
    });

    it('Windows: ~ and ~\\ expand to the OS home, OPENCLAW_HOME too', () => {
      const env = { USERPROFILE: 'C:\\Users\\Ann' };
      assert.equal(
        stateDirFor({ platform: 'win32', env: { ...env, OPENCLAW_STATE_DIR: '~\\oc' }, homedir: 'C:\\x' }).stateDir,
        'C:\\Users\\Ann\\oc',
      );
      assert.equal(
        stateDirFor({ platform: 'win32', env: { ...env, OPENCLAW_STATE_DIR: '~/oc' }, homedir: 'C:\\x' }).stateDir,
        'C:\\Users\\Ann\\oc',
      );
      const h = stateDirFor({ platform: 'win32', env: { ...env, OPENCLAW_HOME: '~\\work' }, homedir: 'C:\\x' });
      assert.deepEqual(
        [h.stateDir, h.home, h.source],
        ['C:\\Users\\Ann\\work\\.openclaw', 'C:\\Users\\Ann\\work', 'OPENCLAW_HOME'],
      );
      assert.equal(
        stateDirFor({ platform: 'win32', env, homedir: 'C:\\x', setting: 'F:\\backup\\.openclaw' }).home,
        'F:\\backup',
        'a <X>\\.openclaw setting reads ~ as <X>',
      );
    });

    it('macOS and Linux: ~/.openclaw with POSIX paths; the legacy .clawdbot only when it exists', () => {
      for (const pf of ['linux', 'darwin'] as const) {
        assert.equal(
          stateDirFor({ platform: pf, env: { HOME: '/Users/ann' }, homedir: '/nope' }).stateDir,
          '/Users/ann/.openclaw',
        );
        assert.equal(
          stateDirFor({ platform: pf, env: { USERPROFILE: '/home/ann' }, homedir: '/nope' }).stateDir,
          '/home/ann/.openclaw',
        );
        assert.equal(stateDirFor({ platform: pf, env: {}, homedir: '/home/ann' }).stateDir, '/home/ann/.openclaw');
        assert.equal(
          stateDirFor({ platform: pf, env: { HOME: '/h', OPENCLAW_STATE_DIR: '~/oc' }, homedir: '/nope' }).stateDir,
          '/h/oc',
        );
        assert.equal(
          stateDirFor({ platform: pf, env: { HOME: '/h' }, homedir: '/nope', exists: (p) => p === '/h/.clawdbot' })
            .stateDir,
          '/h/.clawdbot',
        );
      }
    });

    it('this machine: the default (no platform) is the real one, as before', () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-platform-'));
      try {
        const a = resolvePaths({ env: { HOME: root } });
        const b = resolvePaths({ env: { HOME: root }, system: { platform: process.platform, homedir: os.homedir } });
        assert.deepEqual(a, b);
        assert.equal(a.stateDir, path.join(root, '.openclaw'));
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it('displayPath: ~/... with / on every platform', () => {
      assert.equal(
        displayPath('C:\\Users\\Ann\\.openclaw\\openclaw.json', 'C:\\Users\\Ann', {}, 'win32'),
        '~/.openclaw/openclaw.json',
      );
      assert.equal(displayPath('D:\\oc', 'C:\\Users\\Ann', {}, 'win32'), 'D:\\oc');
      assert.equal(displayPath('/Users/ann/.openclaw', '/Users/ann', {}, 'darwin'), '~/.openclaw');
    });

    it('pathFor: win32 paths on Windows, posix elsewhere', () => {
      assert.equal(pathFor('win32'), path.win32);
      assert.equal(pathFor('darwin'), path.posix);
      assert.equal(pathFor('linux'), path.posix);
    });
  });

  describe('is a DB open by another connection (no /proc input)', () => {
    const none = { exists: false, size: 0 };
    const file = (size: number) => ({ exists: true, size });
    const id = { exists: true, size: 8192, mtimeMs: 1000, ino: 7 };
    const cases: Array<{
      what: string;
      files: { wal: typeof none; shm: typeof none; journal: typeof none };
      busy: string[];
    }> = [
      { what: 'nothing beside it', files: { wal: none, shm: none, journal: none }, busy: [] },
      {
        what: '-wal and -shm (a WAL connection)',
        files: { wal: file(0), shm: file(32768), journal: none },
        busy: ['x.sqlite-wal', 'x.sqlite-shm'],
      },
      {
        what: 'only -shm (a reader just opened it)',
        files: { wal: none, shm: file(32768), journal: none },
        busy: ['x.sqlite-shm'],
      },
      { what: 'an empty -journal (left behind)', files: { wal: none, shm: none, journal: file(0) }, busy: [] },
      { what: 'a hot -journal', files: { wal: none, shm: none, journal: file(512) }, busy: ['x.sqlite-journal'] },
    ];
    for (const c of cases) {
      it(`${c.what}: the same answer on linux, darwin and win32`, () => {
        for (const pf of ALL) {
          assert.deepEqual(companionsInUse(pf, 'x.sqlite', c.files), c.busy, pf);
          assert.equal(replaceDecision(pf, id, id, c.files), c.busy.length ? 'conflict' : 'replace', pf);
        }
      });
    }

    it('a DB replaced or grown since it was read is a conflict on every platform', () => {
      const files = { wal: none, shm: none, journal: none };
      for (const pf of ALL) {
        assert.equal(replaceDecision(pf, id, { ...id, ino: 8 }, files), 'conflict');
        assert.equal(replaceDecision(pf, id, { ...id, size: 12288 }, files), 'conflict');
        assert.equal(replaceDecision(pf, id, { ...id, mtimeMs: 1001 }, files), 'conflict');
        assert.equal(replaceDecision(pf, id, { exists: false, size: 0, mtimeMs: 0, ino: 0 }, files), 'conflict');
      }
    });

    it('on disk: sqliteCompanions reads the same files; naming a holder without /proc gives nothing, not an error', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-platform-db-'));
      try {
        const db = path.join(dir, 'x.sqlite');
        fs.writeFileSync(db, 'x');
        assert.deepEqual(sqliteCompanions(db), []);
        fs.writeFileSync(`${db}-wal`, '');
        fs.writeFileSync(`${db}-journal`, '');
        assert.deepEqual(sqliteCompanions(db), ['x.sqlite-wal']);
        const noProc = path.join(dir, 'no-proc');
        assert.deepEqual(processesHoldingAny([db, `${db}-wal`], noProc), []);
        assert.equal(holderText(db, noProc), '');
        fs.mkdirSync(path.join(dir, 'empty-proc'));
        assert.equal(holderText(db, path.join(dir, 'empty-proc')), '', 'an empty (hidden) /proc');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
