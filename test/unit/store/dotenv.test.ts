/**
 * `~/.openclaw/.env`: reading values the way openclaw's loader (dotenv) reads the common forms, and
 * changing one variable while every other byte of the file stays as the user wrote it.
 * Values below are fake.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DotenvTooLargeError,
  dotenvValues,
  MAX_DOTENV_BYTES,
  readDotenvFile,
  updateDotenv,
} from '../../../src/store/dotenv';

const FILE = [
  '# OpenClaw provider keys',
  '',
  'OPENROUTER_API_KEY=sk-or-v1-fake-dotenv-1111',
  'export ANTHROPIC_API_KEY=sk-ant-fake-dotenv-2222',
  '  # indented comment',
  "SINGLE='single quoted # not a comment'",
  'DOUBLE="line1\\nline2"',
  'INLINE=value-before-comment # trailing note',
  'SPACED = spaced value ',
  'EMPTY=',
  '#DISABLED_KEY=should-not-load',
  'not a variable line',
  'OPENAI_API_KEY=sk-fake-dotenv-3333',
  '',
].join('\n');

describe('dotenv: parse', () => {
  it('reads keys and values: comments and junk skipped, export, quotes, inline comments, spacing', () => {
    assert.deepEqual(dotenvValues(FILE), {
      OPENROUTER_API_KEY: 'sk-or-v1-fake-dotenv-1111',
      ANTHROPIC_API_KEY: 'sk-ant-fake-dotenv-2222',
      SINGLE: 'single quoted # not a comment',
      DOUBLE: 'line1\nline2',
      INLINE: 'value-before-comment',
      SPACED: 'spaced value',
      EMPTY: '',
      OPENAI_API_KEY: 'sk-fake-dotenv-3333',
    });
  });

  it('single quotes keep backslashes literally; double quotes expand \\n', () => {
    assert.deepEqual(dotenvValues('A=\'x\\ny\'\nB="x\\ny"'), { A: 'x\\ny', B: 'x\ny' });
  });

  it('dotenv rules: later duplicates win, # ends an unquoted value, a comment may follow a quoted one', () => {
    assert.deepEqual(dotenvValues('A=1\nA=2'), { A: '2' });
    assert.deepEqual(dotenvValues('A=abc#def'), { A: 'abc' });
    assert.deepEqual(dotenvValues('A="x y" # note'), { A: 'x y' });
    assert.deepEqual(dotenvValues('A.B=1\nA-B=2\n_OK=4'), { 'A.B': '1', 'A-B': '2', _OK: '4' });
  });

  it('CRLF files read the same as LF files', () => {
    assert.deepEqual(dotenvValues(FILE.replace(/\n/g, '\r\n')), dotenvValues(FILE));
  });
});

describe('dotenv: updateDotenv', () => {
  it('changing one key rewrites that line only; every other line stays byte for byte, in order', () => {
    const out = updateDotenv(FILE, { OPENROUTER_API_KEY: 'sk-or-v1-fake-dotenv-9999' });
    const before = FILE.split('\n');
    const after = out.split('\n');
    assert.equal(after.length, before.length);
    for (let i = 0; i < before.length; i++) {
      if (i === 2) assert.equal(after[i], 'OPENROUTER_API_KEY=sk-or-v1-fake-dotenv-9999');
      else assert.equal(after[i], before[i], `line ${i + 1}`);
    }
    assert.equal(dotenvValues(out).OPENROUTER_API_KEY, 'sk-or-v1-fake-dotenv-9999');
  });

  it('a changed export line and a quoted line are found and replaced in place', () => {
    const out = updateDotenv(FILE, { ANTHROPIC_API_KEY: 'new-anthropic', SINGLE: 'plain' });
    const lines = out.split('\n');
    assert.equal(lines[3], 'ANTHROPIC_API_KEY=new-anthropic');
    assert.equal(lines[5], 'SINGLE=plain');
    assert.equal(lines.length, FILE.split('\n').length);
  });

  it('undefined removes the key line and nothing else', () => {
    const out = updateDotenv(FILE, { OPENAI_API_KEY: undefined });
    assert.equal(out, FILE.replace('OPENAI_API_KEY=sk-fake-dotenv-3333\n', ''));
    assert.equal('OPENAI_API_KEY' in dotenvValues(out), false);
    // Removing a key that is not there changes nothing.
    assert.equal(updateDotenv(FILE, { NOT_THERE: undefined }), FILE);
  });

  it('new keys are appended at the end, after the existing content', () => {
    const out = updateDotenv(FILE, { GROQ_API_KEY: 'gsk-fake-1', XAI_API_KEY: 'xai-fake-2' });
    assert.equal(out, `${FILE}GROQ_API_KEY=gsk-fake-1\nXAI_API_KEY=xai-fake-2\n`);
  });

  it('values that need it are quoted so they read back exactly', () => {
    const tricky = ['has space', 'hash # inside', 'x#y', "single'quote", 'a=b'];
    for (const v of tricky) {
      const out = updateDotenv('', { K: v });
      assert.equal(dotenvValues(out).K, v, JSON.stringify(v));
      assert.equal(out.split('\n').length, 2, `${JSON.stringify(v)} stays on one line`);
    }
    assert.equal(
      updateDotenv('', { K: 'sk-or-v1_abc.def:/+=@' }),
      'K=sk-or-v1_abc.def:/+=@\n',
      'plain values are not quoted',
    );
    assert.throws(() => updateDotenv('', { K: 'multi\nline' }), /cannot be written/);
  });

  it('CRLF files: the key is changed in place, line endings kept, no duplicate appended', () => {
    const out = updateDotenv('A=1\r\nB=2\r\n', { A: 'new' });
    assert.equal(out, 'A=new\r\nB=2\r\n');
    assert.equal(dotenvValues(out).A, 'new');
    assert.equal(updateDotenv('A=1\r\nB=2\r\n', { A: undefined }), 'B=2\r\n');
  });

  it('setting a key that appears twice leaves one line, with the new value', () => {
    const out = updateDotenv('A=1\nB=2\nA=3\n', { A: 'x' });
    assert.equal(out, 'A=x\nB=2\n');
  });

  it('trailing newline: kept when present, never doubled, added when appending to a file without one', () => {
    assert.equal(updateDotenv('A=1\n', { A: '2' }), 'A=2\n');
    assert.equal(updateDotenv('A=1\n\n', { A: '2' }), 'A=2\n\n', 'a final blank line is kept');
    assert.equal(updateDotenv('A=1', { B: '2' }), 'A=1\nB=2\n', 'the new key gets its own line');
    assert.equal(updateDotenv('', { A: '1' }), 'A=1\n');
    assert.equal(updateDotenv('A=1\n', { A: undefined }), '');
  });
});

describe('dotenv: size cap (openclaw skips a .env over 1 MiB)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-dotenv-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A .env of exactly `size` bytes whose last line sets LAST (multi-byte padding in a comment). */
  function envOf(size: number): string {
    const tail = '\nLAST=sk-fake-dotenv-last\n';
    const pad = size - Buffer.byteLength(tail) - 2;
    const text = `# ${'é'.repeat(Math.floor(pad / 2))}${pad % 2 ? 'x' : ''}${tail}`;
    assert.equal(Buffer.byteLength(text), size);
    return text;
  }

  it("is openclaw's MAX_DOTENV_FILE_BYTES: exactly 1 MiB is read whole, one byte more is refused naming the file", () => {
    assert.equal(MAX_DOTENV_BYTES, 1_048_576);
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, envOf(MAX_DOTENV_BYTES));
    assert.equal(dotenvValues(readDotenvFile(file), file).LAST, 'sk-fake-dotenv-last');
    fs.writeFileSync(file, envOf(MAX_DOTENV_BYTES + 1));
    assert.throws(
      () => readDotenvFile(file),
      (e: unknown) =>
        e instanceof DotenvTooLargeError &&
        e.message ===
          `.env at ${file} is 1,048,577 bytes; OpenClaw Auth reads at most 1 MB (1,048,576 bytes) of it (openclaw skips a .env this large too), so its variables are not used and it is not changed.`,
    );
    assert.equal(readDotenvFile(path.join(dir, 'missing.env')), '', 'no .env is an empty one');
    assert.throws(() => readDotenvFile(dir), /\.env at .* is not a regular file/);
  });

  it('text over the cap (counted in UTF-8 bytes) is neither parsed nor edited', () => {
    const big = envOf(MAX_DOTENV_BYTES + 1);
    assert.ok(big.length <= MAX_DOTENV_BYTES, 'fewer characters than bytes: the bytes decide');
    assert.throws(() => dotenvValues(big), DotenvTooLargeError);
    assert.throws(() => updateDotenv(big, { A: '1' }), DotenvTooLargeError);
    assert.equal(dotenvValues(envOf(MAX_DOTENV_BYTES)).LAST, 'sk-fake-dotenv-last');
  });
});
