/**
 * Durable file replacement: every byte written and read back before the rename, a full disk or a
 * refused check leaves the old file byte-identical and no temp file, symlinks, modes and owners
 * are kept, a writer killed at any moment leaves the old or the new file (and temp files that
 * cleanStaleTemps removes), and the lock serialises processes with a clear error when it times out.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  atomicWrite,
  cleanStaleTemps,
  FileLockError,
  FileWriteError,
  withLock,
  withLockAsync,
} from '../../../src/store/fileio';

const TSX = require.resolve('tsx/cjs');
const FILEIO = path.resolve(__dirname, '../../../src/store/fileio.ts');
const isRoot = process.getuid?.() === 0;

const sha = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');
/** Deterministic bytes that differ per `seed` (so a mix of two versions is never equal to either). */
function bytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = crypto.createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = crypto.createHash('sha256').update(block).digest();
  }
  return out;
}
/** Names in `dir` that look like temp files (ours or anyone's). */
const temps = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Runs `code` in a child node with tsx; `FILEIO` in the code is the path of src/store/fileio.ts. */
function child(code: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--require', TSX, '-e', code.replace(/FILEIO/g, JSON.stringify(FILEIO)), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  let err = '';
  c.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    c.on('error', reject);
    c.on('exit', (code, signal) => resolve({ code, signal, err }));
  });
}

/** Resolves when the child has printed `marker`. */
function printed(c: ChildProcess, marker: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) {
        c.stdout?.off('data', onData);
        resolve();
      }
    };
    c.stdout?.on('data', onData);
    c.on('exit', () => reject(new Error(`child exited before printing ${marker}`)));
  });
}

describe('atomicWrite', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-fileio-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the exact bytes; a new file is 0600 (or opts.mode); an existing file keeps its mode, never wider than opts.mode', () => {
    const f = path.join(dir, 'sub', 'openclaw.json');
    atomicWrite(f, '{"a":1}\n');
    assert.equal(fs.readFileSync(f, 'utf8'), '{"a":1}\n');
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(f)).mode & 0o777, 0o700, 'a created directory is private');

    const g = path.join(dir, 'g.bin');
    const data = bytes(300_000, 'g');
    atomicWrite(g, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { mode: 0o640 });
    assert.equal(sha(fs.readFileSync(g)), sha(data));
    assert.equal(fs.statSync(g).mode & 0o777, 0o640);

    // An existing file keeps its bits when no mode is asked for...
    fs.chmodSync(f, 0o644);
    atomicWrite(f, 'w');
    assert.equal(fs.statSync(f).mode & 0o777, 0o644);
    // ...and with one, keeps them limited to it: a secret written into a 0644 file makes it 0600...
    atomicWrite(f, 'x', { mode: 0o600 });
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    // ...but a wider mode never widens what was there.
    fs.chmodSync(f, 0o400);
    atomicWrite(f, 'y', { mode: 0o666 });
    assert.equal(fs.statSync(f).mode & 0o777, 0o400, 'never widened');
    assert.equal(fs.readFileSync(f, 'utf8'), 'y');
    assert.deepEqual(temps(dir), []);
    assert.deepEqual(temps(path.dirname(f)), []);
  });

  it('loops on short writes, fsyncs the temp file before the rename and the directory after it', () => {
    const f = path.join(dir, 'state.sqlite');
    const data = bytes(100_000, 'short');
    const calls: string[] = [];
    const orig = { writeSync: fs.writeSync, fsyncSync: fs.fsyncSync, openSync: fs.openSync, renameSync: fs.renameSync };
    const dirFds = new Set<number>();
    const m = fs as unknown as Record<string, unknown>;
    m.writeSync = (fd: number, buf: Buffer, off: number, len: number) =>
      orig.writeSync(fd, buf, off, Math.min(len, 777));
    m.openSync = (p: string, ...rest: unknown[]) => {
      const fd = (orig.openSync as (...a: unknown[]) => number)(p, ...rest);
      if (p === dir) dirFds.add(fd);
      else dirFds.delete(fd); // fd numbers are reused once closed
      return fd;
    };
    m.fsyncSync = (fd: number) => {
      calls.push(dirFds.has(fd) ? 'fsync dir' : 'fsync file');
      orig.fsyncSync(fd);
    };
    m.renameSync = (a: string, b: string) => {
      calls.push('rename');
      orig.renameSync(a, b);
    };
    try {
      atomicWrite(f, data);
    } finally {
      Object.assign(fs, orig);
    }
    assert.equal(sha(fs.readFileSync(f)), sha(data), 'every byte despite 777-byte writes');
    assert.deepEqual(calls, ['fsync file', 'rename', 'fsync dir']);
  });

  it('tolerates a file system that cannot fsync a directory; an I/O error there says the file was replaced', () => {
    const f = path.join(dir, 'a.json');
    const orig = { fsyncSync: fs.fsyncSync, openSync: fs.openSync };
    const m = fs as unknown as Record<string, unknown>;
    let code = 'EINVAL';
    const dirFds = new Set<number>();
    m.openSync = (p: string, ...rest: unknown[]) => {
      const fd = (orig.openSync as (...a: unknown[]) => number)(p, ...rest);
      if (p === dir) dirFds.add(fd);
      else dirFds.delete(fd); // fd numbers are reused once closed
      return fd;
    };
    m.fsyncSync = (fd: number) => {
      if (dirFds.has(fd)) throw Object.assign(new Error(`${code}: fsync`), { code });
      orig.fsyncSync(fd);
    };
    try {
      atomicWrite(f, 'one');
      assert.equal(fs.readFileSync(f, 'utf8'), 'one');
      code = 'EIO';
      assert.throws(
        () => atomicWrite(f, 'two'),
        (e: FileWriteError) => e instanceof FileWriteError && e.code === 'EIO' && /was replaced, but/.test(e.message),
      );
    } finally {
      Object.assign(fs, orig);
    }
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
  });

  it('a symlinked target stays a symlink and its real file gets the change', () => {
    const realDir = path.join(dir, 'real');
    fs.mkdirSync(realDir);
    const real = path.join(realDir, 'openclaw.json');
    fs.writeFileSync(real, 'old', { mode: 0o640 });
    const linkDir = path.join(dir, 'home');
    fs.mkdirSync(linkDir);
    const link = path.join(linkDir, 'openclaw.json');
    fs.symlinkSync('../real/openclaw.json', link);
    const link2 = path.join(dir, 'chain.json');
    fs.symlinkSync(link, link2);

    atomicWrite(link2, 'new');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.ok(fs.lstatSync(link2).isSymbolicLink());
    assert.equal(fs.readlinkSync(link), '../real/openclaw.json');
    assert.equal(fs.readFileSync(real, 'utf8'), 'new');
    assert.equal(fs.statSync(real).mode & 0o777, 0o640);
    assert.deepEqual([...temps(realDir), ...temps(linkDir), ...temps(dir)], []);

    // A dangling link: the file is created where it points, the link stays.
    const dangling = path.join(linkDir, '.env');
    fs.symlinkSync('../real/.env', dangling);
    atomicWrite(dangling, 'K=1\n');
    assert.ok(fs.lstatSync(dangling).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(realDir, '.env'), 'utf8'), 'K=1\n');
  });

  it('a failing verify hook leaves the target byte-identical and no temp file; the hook sees the full temp copy', () => {
    const f = path.join(dir, 'openclaw.sqlite');
    const old = bytes(50_000, 'old');
    fs.writeFileSync(f, old, { mode: 0o600 });
    const data = bytes(80_000, 'new');
    let seen: string | undefined;
    assert.throws(
      () =>
        atomicWrite(f, data, {
          verify: (tmp) => {
            seen = tmp;
            assert.match(
              path.basename(tmp),
              new RegExp(`^\\.openclaw\\.sqlite\\.openclaw-auth-${process.pid}-[0-9a-f]+\\.tmp$`),
            );
            assert.equal(path.dirname(tmp), dir);
            assert.equal(sha(fs.readFileSync(tmp)), sha(data));
            throw new Error('integrity_check: page 3 is never used');
          },
        }),
      (e: FileWriteError) => {
        assert.ok(e instanceof FileWriteError);
        assert.equal(e.code, 'EVERIFY');
        assert.match(
          e.message,
          /^Could not write .*openclaw\.sqlite: the written copy failed its check \(integrity_check: page 3 is never used\)\. The file was not changed\.$/,
        );
        return true;
      },
    );
    assert.ok(seen);
    assert.equal(sha(fs.readFileSync(f)), sha(old));
    assert.deepEqual(temps(dir), []);
  });

  it('a throwing beforeRename is rethrown as is, with the target unchanged and no temp file', () => {
    const f = path.join(dir, 'x.json');
    fs.writeFileSync(f, 'old');
    class Conflict extends Error {}
    const err = new Conflict('changed');
    assert.throws(
      () =>
        atomicWrite(f, 'new', {
          beforeRename: () => {
            throw err;
          },
        }),
      (e) => e === err,
    );
    assert.equal(fs.readFileSync(f, 'utf8'), 'old');
    assert.deepEqual(temps(dir), []);
  });

  it('a write error or a short read-back names the file, the reason and keeps the target', () => {
    // Under the home directory the message says "~/..." (os.homedir() follows $HOME).
    const home = process.env.HOME;
    process.env.HOME = dir;
    const f = path.join(dir, 'openclaw.json');
    fs.writeFileSync(f, 'old');
    const orig = { writeSync: fs.writeSync, fstatSync: fs.fstatSync };
    const m = fs as unknown as Record<string, unknown>;
    try {
      let n = 0;
      m.writeSync = (fd: number, buf: Buffer, off: number, len: number) => {
        if (n++ > 0) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', errno: -5 });
        return orig.writeSync(fd, buf, off, Math.min(len, 10));
      };
      assert.throws(
        () => atomicWrite(f, 'new content that is long'),
        (e: FileWriteError) => {
          assert.equal(e.code, 'EIO');
          assert.equal(
            e.message,
            `Could not write ~/openclaw.json: input/output error (the disk reported a failure) (EIO). The file was not changed.`,
          );
          return true;
        },
      );
      m.writeSync = orig.writeSync;
      // The data "went out" but the file holds less (what a lying or full device can do).
      m.fstatSync = (fd: number) => {
        const s = orig.fstatSync(fd);
        return Object.assign(s, { size: s.size - 1 });
      };
      assert.throws(
        () => atomicWrite(f, 'new'),
        (e: FileWriteError) => e.code === 'EVERIFY' && /has 2 of 3 bytes.*The file was not changed\./.test(e.message),
      );
    } finally {
      Object.assign(fs, orig);
      process.env.HOME = home;
    }
    assert.equal(fs.readFileSync(f, 'utf8'), 'old');
    assert.deepEqual(temps(dir), []);
  });

  describe('on a nearly full disk (a real 256 KiB tmpfs)', () => {
    let mnt: string | undefined;
    before(function () {
      if (!isRoot) this.skip(); // mounting needs root
      mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-tmpfs-'));
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
      if (r.status !== 0) {
        fs.rmdirSync(mnt);
        mnt = undefined;
        console.log(`      (skipped: cannot mount a tmpfs here: ${(r.stderr || r.error?.message || '').trim()})`);
        this.skip(); // no tmpfs mount allowed here (e.g. a container without CAP_SYS_ADMIN): the disk-full sweep needs a real small file system
      }
    });
    after(() => {
      if (!mnt) return;
      spawnSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    });

    it('for every amount of free space the new file is complete or the old one byte-identical, and no temp file stays', () => {
      const m = mnt as string;
      const target = path.join(m, 'openclaw.sqlite');
      const filler = path.join(m, 'filler');
      const old = bytes(50 * 1024, 'old');
      const next = bytes(100 * 1024 + 123, 'next');
      const page = fs.statfsSync(m).bsize;
      const outcomes: { free: number; ok: boolean }[] = [];
      for (let pages = 0; pages <= 32; pages++) {
        fs.rmSync(filler, { force: true });
        fs.writeFileSync(target, old, { mode: 0o600 });
        const avail = fs.statfsSync(m).bavail * page;
        const free = pages * page;
        if (avail < free) break;
        fs.writeFileSync(filler, Buffer.alloc(avail - free));
        assert.equal(fs.statfsSync(m).bavail * page, free, 'the filler leaves exactly the planned free space');
        let ok = true;
        try {
          atomicWrite(target, next);
        } catch (e) {
          ok = false;
          assert.ok(e instanceof FileWriteError, String(e));
          assert.equal(e.code, 'ENOSPC');
          assert.equal(
            e.message,
            `Could not write ${target}: no space left on device (ENOSPC). The file was not changed.`,
          );
        }
        const now = fs.readFileSync(target);
        assert.equal(sha(now), sha(ok ? next : old), `free ${free}: ${ok ? 'new content exact' : 'old content kept'}`);
        assert.deepEqual(fs.readdirSync(m).sort(), ['filler', 'openclaw.sqlite'], `free ${free}: no temp file`);
        outcomes.push({ free, ok });
      }
      fs.rmSync(filler, { force: true });
      // Below the size of the new file it must fail, with room to spare it must succeed, and the
      // sweep crossed the boundary.
      for (const o of outcomes) {
        if (o.free < next.length) assert.equal(o.ok, false, `free ${o.free} < ${next.length} cannot succeed`);
        if (o.free >= next.length + 2 * page) assert.equal(o.ok, true, `free ${o.free} is enough`);
      }
      assert.ok(outcomes.some((o) => o.ok) && outcomes.some((o) => !o.ok), JSON.stringify(outcomes));
    });
  });

  describe('as root', () => {
    before(function () {
      if (!isRoot) this.skip(); // chown to another uid, and keeping a user's owner, need root
    });

    it('an existing file keeps its owner and mode', () => {
      const f = path.join(dir, '.env');
      fs.writeFileSync(f, 'A=1\n');
      fs.chownSync(f, 12345, 12345);
      fs.chmodSync(f, 0o640);
      atomicWrite(f, 'A=2\n');
      const s = fs.statSync(f);
      assert.equal(s.uid, 12345);
      assert.equal(s.gid, 12345);
      assert.equal(s.mode & 0o777, 0o640);
      atomicWrite(f, 'A=3\n', { mode: 0o600 });
      assert.equal(fs.statSync(f).uid, 12345);
      assert.equal(fs.statSync(f).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(f, 'utf8'), 'A=3\n');
    });

    it('a new file in a directory owned by another user belongs to that user', () => {
      const home = path.join(dir, 'user');
      fs.mkdirSync(home, { mode: 0o700 });
      fs.chownSync(home, 12345, 23456);
      const f = path.join(home, 'openclaw.json');
      atomicWrite(f, '{}');
      const s = fs.statSync(f);
      assert.equal(s.uid, 12345);
      assert.equal(s.gid, 23456);
      assert.equal(s.mode & 0o777, 0o600);
    });
  });
});

describe('atomicWrite killed at random moments, then cleanStaleTemps', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-kill-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Writes A, B, A, B... over the target forever; with "pause" it stops in the verify hook
  // (temp file complete, not renamed yet) and says so, to be killed exactly there.
  const WRITER = `
    const { atomicWrite } = require(FILEIO);
    const [target, size, pause] = process.argv.slice(1);
    const a = Buffer.alloc(Number(size), 'a'), b = Buffer.alloc(Number(size), 'b');
    process.stdout.write('start');
    for (let i = 0; ; i++) {
      atomicWrite(target, i % 2 ? b : a, pause === 'pause' && i === 1 ? { verify: () => { process.stdout.write('verify'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000); } } : {});
      if (i === 0) process.stdout.write('wrote');
    }`;

  it("the target is always the old or a new content; dead writers' temps are removed, others kept", async () => {
    const size = 4 * 1024 * 1024;
    const target = path.join(dir, 'openclaw.sqlite');
    fs.writeFileSync(target, Buffer.alloc(size, 'o'), { mode: 0o600 });
    const allowed = new Map([
      [sha(Buffer.alloc(size, 'o')), 'old'],
      [sha(Buffer.alloc(size, 'a')), 'a'],
      [sha(Buffer.alloc(size, 'b')), 'b'],
    ]);
    const deadPids: number[] = [];
    const seen = new Set<string>();
    for (let run = 0; run < 8; run++) {
      const pause = run % 2 === 1;
      const c = child(WRITER, [target, String(size), pause ? 'pause' : '']);
      const done = exited(c);
      if (pause) await printed(c, 'verify');
      else {
        await printed(c, 'start');
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      }
      c.kill('SIGKILL');
      const r = await done;
      assert.equal(r.signal, 'SIGKILL', r.err);
      deadPids.push(c.pid as number);
      const which = allowed.get(sha(fs.readFileSync(target)));
      assert.ok(which, `run ${run}: the target is a mix (or truncated)`);
      seen.add(which);
      assert.ok(fs.lstatSync(target).isFile());
    }
    const leftovers = temps(dir);
    assert.ok(
      leftovers.length >= 4,
      `the writers killed in their verify hook left temp files (${leftovers.join(', ')})`,
    );
    for (const n of leftovers) assert.match(n, /^\.openclaw\.sqlite\.openclaw-auth-(\d+)-[0-9a-f]+\.tmp$/);
    assert.ok(leftovers.every((n) => deadPids.includes(Number(/-(\d+)-/.exec(n)?.[1]))));

    // Ours-alive temp, a lock of a live process, and files that only look similar stay.
    const mine = `.openclaw.json.openclaw-auth-${process.pid}-0a1b2c.tmp`;
    const keep = [
      mine,
      'notes.tmp',
      '.x.tmp',
      `.y.openclaw-auth-${deadPids[0]}-nothex.tmp`,
      'openclaw.json.bak',
      'live.openclaw-auth.lock',
      'symlink.openclaw-auth.lock',
      `.dir.openclaw-auth-${deadPids[0]}-ab.tmp`,
    ];
    for (const n of keep.slice(0, 5)) fs.writeFileSync(path.join(dir, n), 'secret');
    fs.writeFileSync(path.join(dir, 'live.openclaw-auth.lock'), String(process.pid));
    fs.symlinkSync('/nonexistent', path.join(dir, 'symlink.openclaw-auth.lock'));
    fs.mkdirSync(path.join(dir, `.dir.openclaw-auth-${deadPids[0]}-ab.tmp`));
    // Removed: a lock of a dead process, a temp of an earlier version's naming, and one of a live
    // pid that is older than the bound (a reused pid).
    const gone = [
      'dead.openclaw-auth.lock',
      `.old.json.${deadPids[1]}.0123abcd.tmp`,
      `.aged.json.openclaw-auth-${process.pid}-ff.tmp`,
    ];
    fs.writeFileSync(path.join(dir, gone[0] as string), String(deadPids[1]));
    fs.writeFileSync(path.join(dir, gone[1] as string), 'secret');
    fs.writeFileSync(path.join(dir, gone[2] as string), 'secret');
    const past = new Date(Date.now() - 11 * 60_000);
    fs.utimesSync(path.join(dir, gone[2] as string), past, past);

    const removed = cleanStaleTemps(dir)
      .map((p) => path.basename(p))
      .sort();
    assert.deepEqual(removed, [...leftovers, ...gone].sort());
    assert.deepEqual(fs.readdirSync(dir).sort(), ['openclaw.sqlite', ...keep].sort());
    assert.ok(allowed.has(sha(fs.readFileSync(target))));
    assert.deepEqual(cleanStaleTemps(path.join(dir, 'missing')), [], 'a missing directory is no error');
  });
});

describe('withLock / withLockAsync', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // N read-modify-write rounds of a counter under the lock, logging enter/leave lines.
  const CONTENDER = `
    const fs = require('fs');
    const { withLock, withLockAsync } = require(FILEIO);
    const [target, log, rounds, kind] = process.argv.slice(1);
    const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const enter = () => { fs.appendFileSync(log, 'in ' + process.pid + '\\n'); return Number(fs.readFileSync(target, 'utf8')); };
    const leave = (n) => { fs.writeFileSync(target, String(n + 1)); fs.appendFileSync(log, 'out ' + process.pid + '\\n'); };
    (async () => {
      for (let i = 0; i < Number(rounds); i++) {
        if (kind === 'async') await withLockAsync(target, async () => { const n = enter(); await new Promise((r) => setTimeout(r, 3)); leave(n); });
        else withLock(target, () => { const n = enter(); pause(3); leave(n); });
      }
    })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;

  async function contend(kinds: string[]): Promise<void> {
    const target = path.join(dir, 'counter');
    const log = path.join(dir, 'log');
    fs.writeFileSync(target, '0');
    fs.writeFileSync(log, '');
    const rounds = 25;
    const results = await Promise.all(kinds.map((k) => exited(child(CONTENDER, [target, log, String(rounds), k]))));
    for (const r of results) assert.equal(r.code, 0, r.err);
    assert.equal(fs.readFileSync(target, 'utf8'), String(rounds * kinds.length), 'no lost update');
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2 * rounds * kinds.length);
    for (let i = 0; i < lines.length; i += 2) {
      const [a, b] = [lines[i]?.split(' '), lines[i + 1]?.split(' ')];
      assert.ok(
        a?.[0] === 'in' && b?.[0] === 'out' && a[1] === b[1],
        `never overlapped (line ${i}: ${lines[i]} / ${lines[i + 1]})`,
      );
    }
    assert.equal(new Set(lines.map((l) => l.split(' ')[1])).size, kinds.length, 'every process ran');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['counter', 'log'], 'the lock is gone afterwards');
  }

  it('two processes (sync and async) both run, never overlapped', () => contend(['sync', 'async']));
  it('two async processes both run, never overlapped', () => contend(['async', 'async']));

  // Holds the lock on argv[1] until killed.
  const HOLDER = `
    const { withLock } = require(FILEIO);
    withLock(process.argv[1], () => { process.stdout.write('held'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000); });`;

  it('a live holder past the bound gives a clear error naming it; once it is killed its lock is taken over', async () => {
    const target = path.join(dir, 'openclaw.json');
    const holder = child(HOLDER, [target]);
    const done = exited(holder);
    try {
      await printed(holder, 'held');
      let ran = false;
      let t0 = Date.now();
      assert.throws(
        () =>
          withLock(
            target,
            () => {
              ran = true;
            },
            { timeoutMs: 400 },
          ),
        (e: FileLockError) => {
          assert.ok(e instanceof FileLockError);
          assert.equal(e.code, 'ELOCKED');
          assert.equal(e.pid, holder.pid);
          assert.match(
            e.message,
            new RegExp(
              `openclaw\\.json is being changed by another OpenClaw Auth process \\(pid ${holder.pid}\\); waited \\d+\\.\\d s for it to finish\\. Nothing was changed; try again`,
            ),
          );
          return true;
        },
      );
      assert.ok(Date.now() - t0 >= 400 && Date.now() - t0 < 2000, `waited ${Date.now() - t0} ms`);
      t0 = Date.now();
      await assert.rejects(
        withLockAsync(
          target,
          async () => {
            ran = true;
          },
          { timeoutMs: 300 },
        ),
        (e: FileLockError) =>
          e instanceof FileLockError && e.pid === holder.pid && /Nothing was changed/.test(e.message),
      );
      assert.ok(Date.now() - t0 >= 300, 'the async variant waited too');
      assert.equal(ran, false);
    } finally {
      holder.kill('SIGKILL');
      await done;
    }
    // The holder died holding the lock: its lock stays, and is taken over at once.
    assert.equal(fs.readFileSync(`${target}.openclaw-auth.lock`, 'utf8'), String(holder.pid));
    const t1 = Date.now();
    assert.equal(
      withLock(target, () => 'ran'),
      'ran',
    );
    assert.ok(Date.now() - t1 < 500);
    assert.ok(!fs.existsSync(`${target}.openclaw-auth.lock`));
  });

  it('a stale lock (dead pid, or older than staleMs) is taken over; a fresh empty one is waited for', async () => {
    const target = path.join(dir, '.env');
    const lock = `${target}.openclaw-auth.lock`;
    fs.writeFileSync(lock, String(deadPid()));
    assert.equal(
      await withLockAsync(target, async () => fs.readFileSync(lock, 'utf8')),
      String(process.pid),
      'we hold it while fn runs',
    );
    assert.ok(!fs.existsSync(lock));

    // A live pid (the test's parent) whose lock is older than the bound: a reused pid.
    fs.writeFileSync(lock, String(process.ppid));
    const old = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(lock, old, old);
    assert.equal(
      withLock(target, () => 1, { staleMs: 60_000 }),
      1,
    );

    // Created a moment ago and not written yet: it may be another writer between open and write.
    fs.writeFileSync(lock, '');
    assert.throws(
      () => withLock(target, () => 1, { timeoutMs: 200 }),
      (e: FileLockError) =>
        e instanceof FileLockError && e.pid === undefined && /another OpenClaw Auth process;/.test(e.message),
    );
    fs.rmSync(lock);
  });

  it('without hard links (linkSync refused) the lock is created then written, and still excludes', async () => {
    const target = path.join(dir, 'openclaw.json');
    const orig = fs.linkSync;
    (fs as unknown as Record<string, unknown>).linkSync = () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    try {
      const order: string[] = [];
      await Promise.all([
        withLockAsync(target, async () => {
          assert.equal(fs.readFileSync(`${target}.openclaw-auth.lock`, 'utf8'), String(process.pid));
          order.push('a in');
          await new Promise((r) => setTimeout(r, 30));
          order.push('a out');
        }),
        withLockAsync(target, async () => {
          order.push('b in');
          order.push('b out');
        }),
      ]);
      assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
    } finally {
      fs.linkSync = orig;
    }
    assert.deepEqual(fs.readdirSync(dir), [], 'no lock and no temp file left');
  });

  it('the lock is released when fn throws, and a lock on a symlink lies next to its real file', async () => {
    const realDir = path.join(dir, 'real');
    fs.mkdirSync(realDir);
    fs.writeFileSync(path.join(realDir, 'openclaw.json'), '{}');
    const link = path.join(dir, 'openclaw.json');
    fs.symlinkSync(path.join(realDir, 'openclaw.json'), link);
    assert.throws(
      () =>
        withLock(link, () => {
          assert.ok(fs.existsSync(path.join(realDir, 'openclaw.json.openclaw-auth.lock')));
          throw new Error('boom');
        }),
      /boom/,
    );
    await assert.rejects(
      withLockAsync(link, () => Promise.reject(new Error('async boom'))),
      /async boom/,
    );
    assert.deepEqual(fs.readdirSync(realDir), ['openclaw.json']);
    // Two sections of the same process exclude each other too.
    const order: string[] = [];
    await Promise.all([
      withLockAsync(link, async () => {
        order.push('a in');
        await new Promise((r) => setTimeout(r, 50));
        order.push('a out');
      }),
      withLockAsync(link, async () => {
        order.push('b in');
        order.push('b out');
      }),
    ]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
  });
});
