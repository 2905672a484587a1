import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  SecretRefError,
  SecretRefSchema,
  assertNoRefOnOAuth,
  checkSecretRef,
  defaultProviderAlias,
  formatRef,
  formatRefLabel,
  parseSecretShorthand,
  resolveSecretRef,
  validateSecretRef,
  type ResolveContext,
  type SecretRef,
} from '../../../src/auth/secretRef';

// All secrets below are fake, but they are still treated as secrets: assertions
// compare them with assert.ok(a === b, '...') so a failure never prints them.
const SECRET = 'sk-or-v1-fake-unit-0123456789abcdef0123456789abcdef';

const posix = process.platform !== 'win32';
const isRoot = process.getuid?.() === 0;

function ref(source: SecretRef['source'], provider: string, id: string): SecretRef {
  return { source, provider, id };
}

/** Awaits a rejection, checks its code and that the message does not leak `secrets`. */
async function expectCode(p: Promise<unknown>, code: string, ...secrets: string[]): Promise<SecretRefError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected a SecretRefError with code ${code}, but it resolved`);
  assert.ok(caught instanceof SecretRefError, `expected a SecretRefError, got ${String((caught as Error)?.name)}`);
  assert.equal(caught.code, code, `wrong code; message: ${maskAll(caught.message, secrets)}`);
  for (const s of secrets) assert.ok(!caught.message.includes(s), 'error message leaks the secret');
  return caught;
}

function maskAll(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}

function assertValue(actual: string, expected: string): void {
  assert.ok(actual === expected, 'resolved value does not match the expected secret');
}

let tmpRoot = '';
let counter = 0;
function tmpDir(): string {
  const d = path.join(tmpRoot, `d${counter++}`);
  fs.mkdirSync(d, { mode: 0o700 });
  return d;
}

function writeSecretFile(content: string, mode = 0o600): string {
  const p = path.join(tmpDir(), 'secrets.json');
  fs.writeFileSync(p, content);
  fs.chmodSync(p, mode);
  return p;
}

function writeScript(body: string, mode = 0o700): string {
  const p = path.join(tmpDir(), 'provider');
  fs.writeFileSync(p, body);
  fs.chmodSync(p, mode);
  return p;
}

/** A node script (absolute shebang, so it needs no PATH). */
function nodeScript(js: string, mode = 0o700): string {
  return writeScript(`#!${process.execPath}\n${js}\n`, mode);
}

function fileCtx(cfg: Record<string, unknown>): ResolveContext {
  return { env: {}, secretsConfig: { providers: { filemain: { source: 'file', ...cfg } } } };
}

function execCtx(cfg: Record<string, unknown>, env: Record<string, string | undefined> = {}): ResolveContext {
  return { env, secretsConfig: { providers: { vault: { source: 'exec', ...cfg } } } };
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // An unreaped zombie still answers kill(0); it is dead nonetheless.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return processGone(pid);
}

before(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'secretref-test-'));
});

after(() => {
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe('secretRef: validation', () => {
  const long = (n: number, c = 'A'): string => c.repeat(n);

  const accept: Array<[string, unknown]> = [
    ['env basic', ref('env', 'default', 'OPENROUTER_API_KEY')],
    ['env single letter', ref('env', 'default', 'A')],
    ['env 128 chars', ref('env', 'default', long(128))],
    ['env digits/underscore', ref('env', 'default', 'A1_B2')],
    ['store basic', ref('store', 'default', 'TEAM_KEY')],
    ['provider with dash/underscore', ref('env', 'my-env_2', 'X')],
    ['provider 64 chars', ref('env', 'a' + long(63, 'b'), 'X')],
    ['file pointer', ref('file', 'filemain', '/providers/openai/apiKey')],
    ['file root pointer "/"', ref('file', 'filemain', '/')],
    ['file ~0 ~1 escapes', ref('file', 'filemain', '/a~1b/c~0d')],
    ['file empty segment', ref('file', 'filemain', '/a//b')],
    ['file singleValue id', ref('file', 'filemain', 'value')],
    ['exec path-like', ref('exec', 'vault', 'vault/openai/api-key')],
    ['exec with #:', ref('exec', 'vault', 'aws/secret#json_key:v1')],
    ['exec dots inside segment', ref('exec', 'vault', 'a/.hidden/b..c')],
    ['exec 256 chars', ref('exec', 'vault', 'a' + long(255, 'b'))],
  ];
  for (const [name, value] of accept) {
    it(`accepts ${name}`, () => {
      const r = validateSecretRef(value);
      assert.ok(r.ok, r.ok ? '' : r.message);
    });
  }

  const reject: Array<[string, unknown]> = [
    ['non-object', 'env:default:X'],
    ['null', null],
    ['unknown source', { source: 'vault', provider: 'default', id: 'X' }],
    ['missing id', { source: 'env', provider: 'default' }],
    ['numeric id', { source: 'env', provider: 'default', id: 5 }],
    ['provider uppercase', ref('env', 'Default', 'X')],
    ['provider leading digit', ref('env', '1env', 'X')],
    ['provider empty', ref('env', '', 'X')],
    ['provider 65 chars', ref('env', 'a' + long(64, 'b'), 'X')],
    ['provider with dot', ref('env', 'a.b', 'X')],
    ['env lowercase id', ref('env', 'default', 'openrouter_api_key')],
    ['env leading digit', ref('env', 'default', '1KEY')],
    ['env leading underscore', ref('env', 'default', '_KEY')],
    ['env dash', ref('env', 'default', 'MY-KEY')],
    ['env empty', ref('env', 'default', '')],
    ['env 129 chars', ref('env', 'default', long(129))],
    ['store lowercase', ref('store', 'default', 'team_key')],
    ['store 129 chars', ref('store', 'default', long(129))],
    ['file relative pointer', ref('file', 'filemain', 'providers/openai')],
    ['file empty id', ref('file', 'filemain', '')],
    ['file bad escape ~2', ref('file', 'filemain', '/a~2b')],
    ['file lone ~', ref('file', 'filemain', '/a~')],
    ['file ~ then letter', ref('file', 'filemain', '/~x')],
    ['file "Value" (case)', ref('file', 'filemain', 'Value')],
    ['exec leading dot', ref('exec', 'vault', '.hidden')],
    ['exec leading slash', ref('exec', 'vault', '/abs/path')],
    ['exec .. segment', ref('exec', 'vault', 'a/../b')],
    ['exec trailing .. segment', ref('exec', 'vault', 'a/..')],
    ['exec . segment', ref('exec', 'vault', 'a/./b')],
    ['exec space', ref('exec', 'vault', 'a b')],
    ['exec empty', ref('exec', 'vault', '')],
    ['exec 257 chars', ref('exec', 'vault', 'a' + long(256, 'b'))],
  ];
  for (const [name, value] of reject) {
    it(`rejects ${name}`, () => {
      const r = validateSecretRef(value);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.code, 'invalid_ref');
    });
  }

  it('does not echo an invalid id in the message', () => {
    const r = validateSecretRef(ref('env', 'default', SECRET));
    assert.ok(!r.ok);
    if (!r.ok) assert.ok(!r.message.includes(SECRET), 'validation message leaks the id');
  });

  it('SecretRefSchema parses the bare shape', () => {
    assert.ok(SecretRefSchema.safeParse(ref('exec', 'x', 'y')).success);
    assert.ok(!SecretRefSchema.safeParse({ source: 'env', provider: 1, id: 'X' }).success);
  });
});

describe('secretRef: shorthand and formatting', () => {
  it('parses ${VAR} and $VAR', () => {
    assert.deepEqual(parseSecretShorthand('${OPENROUTER_API_KEY}'), ref('env', 'default', 'OPENROUTER_API_KEY'));
    assert.deepEqual(parseSecretShorthand('$OPENROUTER_API_KEY'), ref('env', 'default', 'OPENROUTER_API_KEY'));
  });
  for (const bad of [
    '${lower}',
    '$lower',
    'OPENROUTER_API_KEY',
    '${}',
    '$',
    '${A',
    '$A}',
    ' ${A}',
    '${A} ',
    '$$A',
    '${A}${B}',
    'x$A',
    '$1A',
  ]) {
    it(`does not parse ${JSON.stringify(bad)}`, () => {
      assert.equal(parseSecretShorthand(bad), undefined);
    });
  }
  it('formats display form and label', () => {
    const r = ref('env', 'default', 'OPENROUTER_API_KEY');
    assert.equal(formatRef(r), 'env:default:OPENROUTER_API_KEY');
    assert.equal(formatRefLabel(r), 'ref(env:OPENROUTER_API_KEY)');
  });
  it('defaultProviderAlias honours secrets.defaults', () => {
    assert.equal(defaultProviderAlias('env', undefined), 'default');
    assert.equal(defaultProviderAlias('env', { defaults: { env: ' myenv ' } }), 'myenv');
    assert.equal(defaultProviderAlias('file', { defaults: { env: 'myenv' } }), 'default');
    assert.equal(defaultProviderAlias('env', 'garbage'), 'default');
  });
});

describe('secretRef: env source', () => {
  const r = ref('env', 'default', 'OPENROUTER_API_KEY');

  it('resolves a present variable via the built-in default provider', async () => {
    assertValue(await resolveSecretRef(r, { env: { OPENROUTER_API_KEY: SECRET } }), SECRET);
  });

  it('missing variable → not_found with the openclaw probe message', async () => {
    const err = await expectCode(resolveSecretRef(r, { env: {} }), 'not_found');
    assert.equal(err.message, 'could not resolve SecretRef "env:default:OPENROUTER_API_KEY".');
    assert.equal(err.ref, 'env:default:OPENROUTER_API_KEY');
  });

  it('undefined variable → not_found', async () => {
    await expectCode(resolveSecretRef(r, { env: { OPENROUTER_API_KEY: undefined } }), 'not_found');
  });

  it('empty variable → empty_value (no fallthrough)', async () => {
    await expectCode(resolveSecretRef(r, { env: { OPENROUTER_API_KEY: '' } }), 'empty_value');
  });

  it('allowlist: allowed var resolves, other var → not_allowed', async () => {
    const ctx: ResolveContext = {
      env: { OPENROUTER_API_KEY: SECRET, OTHER_KEY: SECRET },
      secretsConfig: { providers: { default: { source: 'env', allowlist: ['OPENROUTER_API_KEY'] } } },
    };
    assertValue(await resolveSecretRef(r, ctx), SECRET);
    await expectCode(resolveSecretRef(ref('env', 'default', 'OTHER_KEY'), ctx), 'not_allowed', SECRET);
  });

  it('empty allowlist allows nothing', async () => {
    const ctx: ResolveContext = {
      env: { OPENROUTER_API_KEY: SECRET },
      secretsConfig: { providers: { locked: { source: 'env', allowlist: [] } } },
    };
    await expectCode(resolveSecretRef(ref('env', 'locked', 'OPENROUTER_API_KEY'), ctx), 'not_allowed', SECRET);
  });

  it('unknown alias → unknown_provider with the expected message', async () => {
    const err = await expectCode(
      resolveSecretRef(ref('env', 'vault', 'OPENROUTER_API_KEY'), { env: { OPENROUTER_API_KEY: SECRET } }),
      'unknown_provider',
      SECRET,
    );
    assert.equal(err.message, 'SecretRef provider "vault" is not configured under secrets.providers');
  });

  it('secrets.defaults.env moves the built-in env alias', async () => {
    const ctx: ResolveContext = { env: { OPENROUTER_API_KEY: SECRET }, secretsConfig: { defaults: { env: 'sysenv' } } };
    assertValue(await resolveSecretRef(ref('env', 'sysenv', 'OPENROUTER_API_KEY'), ctx), SECRET);
    await expectCode(resolveSecretRef(r, ctx), 'unknown_provider', SECRET);
  });

  it('provider with a different source → unknown_provider', async () => {
    const ctx: ResolveContext = {
      env: { OPENROUTER_API_KEY: SECRET },
      secretsConfig: { providers: { default: { source: 'file', path: '/nonexistent' } } },
    };
    await expectCode(resolveSecretRef(r, ctx), 'unknown_provider', SECRET);
  });

  it('invalid provider config → invalid_ref', async () => {
    const ctx: ResolveContext = {
      env: { OPENROUTER_API_KEY: SECRET },
      secretsConfig: { providers: { default: { source: 'env', allowlist: 'OPENROUTER_API_KEY' } } },
    };
    await expectCode(resolveSecretRef(r, ctx), 'invalid_ref', SECRET);
  });

  it('invalid ref passed to resolveSecretRef → invalid_ref', async () => {
    await expectCode(resolveSecretRef(ref('env', 'default', 'lower'), { env: {} }), 'invalid_ref');
  });

  it('checkSecretRef reports ok/failure without the value', async () => {
    const ok = await checkSecretRef(r, { env: { OPENROUTER_API_KEY: SECRET } });
    assert.deepEqual(ok, { ok: true });
    const bad = await checkSecretRef(r, { env: {} });
    assert.ok(!bad.ok);
    if (!bad.ok) {
      assert.equal(bad.code, 'not_found');
      assert.equal(bad.message, 'could not resolve SecretRef "env:default:OPENROUTER_API_KEY".');
    }
    const invalid = await checkSecretRef({ source: 'env' }, { env: {} });
    assert.ok(!invalid.ok && invalid.code === 'invalid_ref');
  });
});

describe('secretRef: store source', () => {
  it('resolves through the injected reader', async () => {
    const asked: string[] = [];
    const ctx: ResolveContext = {
      env: {},
      readStoreSecret: (name) => {
        asked.push(name);
        return name === 'TEAM_OPENAI_KEY' ? SECRET : undefined;
      },
    };
    assertValue(await resolveSecretRef(ref('store', 'default', 'TEAM_OPENAI_KEY'), ctx), SECRET);
    assert.deepEqual(asked, ['TEAM_OPENAI_KEY']);
    await expectCode(resolveSecretRef(ref('store', 'default', 'MISSING'), ctx), 'not_found');
  });

  it('empty store value → empty_value', async () => {
    await expectCode(
      resolveSecretRef(ref('store', 'default', 'K'), { env: {}, readStoreSecret: () => '' }),
      'empty_value',
    );
  });

  it('reader errors are reported without their message', async () => {
    const ctx: ResolveContext = {
      env: {},
      readStoreSecret: () => {
        throw new Error(`db exploded near ${SECRET}`);
      },
    };
    await expectCode(resolveSecretRef(ref('store', 'default', 'K'), ctx), 'not_found', SECRET);
  });

  it('no reader → unknown_provider', async () => {
    await expectCode(resolveSecretRef(ref('store', 'default', 'K'), { env: {} }), 'unknown_provider');
  });

  it('configured store alias works, unconfigured non-default alias does not', async () => {
    const ctx: ResolveContext = {
      env: {},
      secretsConfig: { providers: { team: { source: 'store' } } },
      readStoreSecret: () => SECRET,
    };
    assertValue(await resolveSecretRef(ref('store', 'team', 'K'), ctx), SECRET);
    await expectCode(resolveSecretRef(ref('store', 'other', 'K'), ctx), 'unknown_provider', SECRET);
  });
});

describe('secretRef: OAuth refusal', () => {
  const expected =
    'Auth profile "openai-codex:default" is type "oauth" and cannot use SecretRef fields (keyRef/tokenRef/oauthRef are not supported for OAuth credentials).';

  for (const field of ['keyRef', 'tokenRef', 'oauthRef']) {
    it(`refuses ${field} on an oauth profile`, () => {
      let caught: unknown;
      try {
        assertNoRefOnOAuth('openai-codex:default', {
          type: 'oauth',
          provider: 'openai-codex',
          [field]: ref('env', 'default', 'X'),
        });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof SecretRefError);
      assert.equal(caught.code, 'oauth_ref_forbidden');
      assert.equal(caught.message, expected);
    });
  }

  it('refuses a SecretRef object in another oauth field', () => {
    assert.throws(
      () => assertNoRefOnOAuth('openai-codex:default', { type: 'oauth', access: ref('env', 'default', 'X') }),
      (err: unknown) => err instanceof SecretRefError && err.code === 'oauth_ref_forbidden',
    );
  });

  it('accepts plain oauth profiles and refs on api_key/token profiles', () => {
    assertNoRefOnOAuth('a', { type: 'oauth', access: 'x', refresh: 'y', expires: 1 });
    assertNoRefOnOAuth('b', { type: 'api_key', keyRef: ref('env', 'default', 'X') });
    assertNoRefOnOAuth('c', { type: 'token', tokenRef: ref('env', 'default', 'X') });
    assertNoRefOnOAuth('d', null);
  });
});

(posix ? describe : describe.skip)('secretRef: file source', () => {
  it('json: nested pointer', async () => {
    const p = writeSecretFile(JSON.stringify({ providers: { openai: { apiKey: SECRET } } }));
    const v = await resolveSecretRef(ref('file', 'filemain', '/providers/openai/apiKey'), fileCtx({ path: p }));
    assertValue(v, SECRET);
  });

  it('json: ~1 and ~0 escapes, array index', async () => {
    const p = writeSecretFile(JSON.stringify({ 'a/b': { 'c~d': SECRET }, list: ['x', SECRET + '-2'] }));
    const ctx = fileCtx({ path: p, mode: 'json' });
    assertValue(await resolveSecretRef(ref('file', 'filemain', '/a~1b/c~0d'), ctx), SECRET);
    assertValue(await resolveSecretRef(ref('file', 'filemain', '/list/1'), ctx), SECRET + '-2');
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/list/01'), ctx), 'not_found', SECRET);
  });

  it('json: does not walk the prototype chain', async () => {
    const p = writeSecretFile(JSON.stringify({ a: {} }));
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a/constructor'), fileCtx({ path: p })), 'not_found');
  });

  it('json: missing key → not_found', async () => {
    const p = writeSecretFile(JSON.stringify({ providers: {} }));
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/providers/openai'), fileCtx({ path: p })), 'not_found');
  });

  it('json: non-string value → bad_output, empty string → empty_value', async () => {
    const p = writeSecretFile(JSON.stringify({ n: 42, o: { k: SECRET }, e: '' }));
    const ctx = fileCtx({ path: p });
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/n'), ctx), 'bad_output');
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/o'), ctx), 'bad_output', SECRET);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/e'), ctx), 'empty_value');
  });

  it('json: id "value" is refused in json mode', async () => {
    const p = writeSecretFile(JSON.stringify({ value: SECRET }));
    await expectCode(resolveSecretRef(ref('file', 'filemain', 'value'), fileCtx({ path: p })), 'invalid_ref', SECRET);
  });

  it('json: invalid JSON → bad_output without quoting the content', async () => {
    const p = writeSecretFile(`{"apiKey": ${SECRET}}`);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/apiKey'), fileCtx({ path: p })), 'bad_output', SECRET);
  });

  it('singleValue: whole file with the trailing newline trimmed', async () => {
    const p = writeSecretFile(`${SECRET}\n`);
    const ctx = fileCtx({ path: p, mode: 'singleValue' });
    assertValue(await resolveSecretRef(ref('file', 'filemain', 'value'), ctx), SECRET);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/x'), ctx), 'invalid_ref', SECRET);
  });

  it('singleValue: keeps inner whitespace, trims one CRLF', async () => {
    const p = writeSecretFile(` ${SECRET} \r\n`);
    const v = await resolveSecretRef(ref('file', 'filemain', 'value'), fileCtx({ path: p, mode: 'singleValue' }));
    assertValue(v, ` ${SECRET} `);
  });

  it('singleValue: empty file → empty_value', async () => {
    const p = writeSecretFile('\n');
    await expectCode(
      resolveSecretRef(ref('file', 'filemain', 'value'), fileCtx({ path: p, mode: 'singleValue' })),
      'empty_value',
    );
  });

  it('missing file → not_found', async () => {
    const p = path.join(tmpDir(), 'nope.json');
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p })), 'not_found');
  });

  it('symlinked file → symlink', async () => {
    const target = writeSecretFile(JSON.stringify({ a: SECRET }));
    const link = path.join(tmpDir(), 'link.json');
    fs.symlinkSync(target, link);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: link })), 'symlink', SECRET);
  });

  it('group-readable file (0640) → insecure_file', async () => {
    const p = writeSecretFile(JSON.stringify({ a: SECRET }), 0o640);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p })), 'insecure_file', SECRET);
  });

  it('world-writable file (0602) → insecure_file', async () => {
    const p = writeSecretFile(JSON.stringify({ a: SECRET }), 0o602);
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p })), 'insecure_file', SECRET);
  });

  it('hard link count 2 → insecure_file', async () => {
    const p = writeSecretFile(JSON.stringify({ a: SECRET }));
    fs.linkSync(p, path.join(tmpDir(), 'second-link.json'));
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p })), 'insecure_file', SECRET);
  });

  it('directory instead of file → insecure_file', async () => {
    const d = tmpDir();
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: d })), 'insecure_file');
  });

  it('file over maxBytes → too_large; at maxBytes resolves', async () => {
    const content = JSON.stringify({ a: SECRET });
    const p = writeSecretFile(content);
    await expectCode(
      resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p, maxBytes: content.length - 1 })),
      'too_large',
      SECRET,
    );
    const v = await resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p, maxBytes: content.length }));
    assertValue(v, SECRET);
  });

  it('relative provider path → not_allowed', async () => {
    await expectCode(resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: 'secrets.json' })), 'not_allowed');
  });

  it('invalid mode in provider config → invalid_ref', async () => {
    const p = writeSecretFile(JSON.stringify({ a: SECRET }));
    await expectCode(
      resolveSecretRef(ref('file', 'filemain', '/a'), fileCtx({ path: p, mode: 'yaml' })),
      'invalid_ref',
      SECRET,
    );
  });
});

(posix ? describe : describe.skip)('secretRef: exec source', () => {
  const ID = 'vault/openai#api-key';
  const r = ref('exec', 'vault', ID);

  /** Responds per protocol v1 with a fixed value for every requested id. */
  function successScript(value: string): string {
    return nodeScript(`
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const values = {};
  for (const id of req.ids) values[id] = ${JSON.stringify(value)};
  process.stdout.write(JSON.stringify({ protocolVersion: 1, values }));
});`);
  }

  it('success: protocol v1 value', async () => {
    const cmd = successScript(SECRET);
    assertValue(await resolveSecretRef(r, execCtx({ command: cmd })), SECRET);
  });

  it('checkSecretRef never returns the value', async () => {
    const cmd = successScript(SECRET);
    const res = await checkSecretRef(r, execCtx({ command: cmd }));
    assert.deepEqual(res, { ok: true });
  });

  it('stdin carries the protocol request; args are passed', async () => {
    const cmd = nodeScript(`
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  if (req.protocolVersion !== 1 || req.provider !== 'vault' || !Array.isArray(req.ids) || req.ids.length !== 1) process.exit(2);
  const values = {};
  values[req.ids[0]] = JSON.stringify({ req, argv: process.argv.slice(2) });
  process.stdout.write(JSON.stringify({ protocolVersion: 1, values }));
});`);
    const v = await resolveSecretRef(r, execCtx({ command: cmd, args: ['--field', 'a b', '$HOME'] }));
    const echoed = JSON.parse(v) as { req: unknown; argv: string[] };
    assert.deepEqual(echoed.req, { protocolVersion: 1, provider: 'vault', ids: [ID] });
    assert.deepEqual(echoed.argv, ['--field', 'a b', '$HOME'], 'args must reach the command verbatim (no shell)');
  });

  it('NOT_FOUND error entry → not_found', async () => {
    const cmd = writeScript(
      `#!/bin/sh\ncat >/dev/null\nprintf '%s' '{"protocolVersion":1,"values":{},"errors":{"${ID}":{"code":"NOT_FOUND","message":"no such item"}}}'\n`,
    );
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'not_found');
  });

  it('other error entry → exec_failed', async () => {
    const cmd = writeScript(
      `#!/bin/sh\ncat >/dev/null\nprintf '%s' '{"protocolVersion":1,"errors":{"${ID}":{"code":"DENIED"}}}'\n`,
    );
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'exec_failed');
  });

  it('value missing from values → not_found; non-string → bad_output; empty → empty_value', async () => {
    const missing = writeScript(`#!/bin/sh\necho '{"protocolVersion":1,"values":{"other":"x"}}'\n`);
    await expectCode(resolveSecretRef(r, execCtx({ command: missing })), 'not_found');
    const num = writeScript(`#!/bin/sh\necho '{"protocolVersion":1,"values":{"${ID}":7}}'\n`);
    await expectCode(resolveSecretRef(r, execCtx({ command: num })), 'bad_output');
    const empty = writeScript(`#!/bin/sh\necho '{"protocolVersion":1,"values":{"${ID}":""}}'\n`);
    await expectCode(resolveSecretRef(r, execCtx({ command: empty })), 'empty_value');
  });

  it('wrong protocolVersion → bad_output', async () => {
    const cmd = writeScript(`#!/bin/sh\necho '{"protocolVersion":2,"values":{"${ID}":"x"}}'\n`);
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'bad_output');
  });

  it('non-zero exit → exec_failed (stdout not echoed)', async () => {
    const cmd = writeScript(`#!/bin/sh\necho '${SECRET}'\necho '${SECRET}' >&2\nexit 3\n`);
    const err = await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'exec_failed', SECRET);
    assert.ok(err.message.includes('code 3'), 'message should mention the exit code');
  });

  it('jsonOnly (default): non-JSON stdout → bad_output without quoting it', async () => {
    const cmd = writeScript(`#!/bin/sh\necho '${SECRET}'\n`);
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'bad_output', SECRET);
  });

  it('jsonOnly=false: raw stdout is the value (trimmed); protocol JSON still honoured', async () => {
    const raw = writeScript(`#!/bin/sh\nprintf '  %s  \\n' '${SECRET}'\n`);
    assertValue(await resolveSecretRef(r, execCtx({ command: raw, jsonOnly: false })), SECRET);
    const proto = successScript(SECRET);
    assertValue(await resolveSecretRef(r, execCtx({ command: proto, jsonOnly: false })), SECRET);
  });

  it('hanging command → timeout within timeoutMs and the process group is killed', async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, 'pids');
    const cmd = writeScript(`#!/bin/sh\necho $$ > '${pidFile}'\nsleep 30 &\necho $! >> '${pidFile}'\nwait\n`);
    const started = Date.now();
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd, timeoutMs: 300 })), 'timeout');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `timeout took ${elapsed} ms`);
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 2, 'script should have recorded its pid and the sleep pid');
    for (const pid of pids) {
      assert.ok(pid > 1, 'bad pid');
      assert.ok(await waitGone(pid, 2000), `process ${pid} is still alive after the timeout`);
    }
  });

  it('no output for noOutputTimeoutMs → timeout', async () => {
    const cmd = writeScript(`#!/bin/sh\nexec /usr/bin/sleep 30\n`);
    const started = Date.now();
    await expectCode(
      resolveSecretRef(r, execCtx({ command: cmd, timeoutMs: 10000, noOutputTimeoutMs: 200 })),
      'timeout',
    );
    assert.ok(Date.now() - started < 3000, 'noOutputTimeoutMs was not applied');
  });

  it('stdout flood (yes) → too_large', async () => {
    const cmd = writeScript(`#!/bin/sh\nexec /usr/bin/yes '${SECRET}'\n`);
    const started = Date.now();
    await expectCode(
      resolveSecretRef(r, execCtx({ command: cmd, maxOutputBytes: 4096, timeoutMs: 10000 })),
      'too_large',
      SECRET,
    );
    assert.ok(Date.now() - started < 5000, 'flood was not cut off promptly');
  });

  it('relative command path → not_allowed', async () => {
    await expectCode(resolveSecretRef(r, execCtx({ command: 'bin/provider' })), 'not_allowed');
  });

  it('missing command → exec_failed', async () => {
    await expectCode(resolveSecretRef(r, execCtx({ command: path.join(tmpDir(), 'absent') })), 'exec_failed');
  });

  it('world-writable script (0777) → insecure_file', async () => {
    const cmd = successScript(SECRET);
    fs.chmodSync(cmd, 0o777);
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'insecure_file', SECRET);
  });

  it('group-writable script (0770) → insecure_file', async () => {
    const cmd = successScript(SECRET);
    fs.chmodSync(cmd, 0o770);
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd })), 'insecure_file', SECRET);
  });

  it('symlinked command → symlink', async () => {
    const target = successScript(SECRET);
    const link = path.join(tmpDir(), 'provider-link');
    fs.symlinkSync(target, link);
    await expectCode(resolveSecretRef(r, execCtx({ command: link })), 'symlink', SECRET);
  });

  it('directory as command → insecure_file', async () => {
    await expectCode(resolveSecretRef(r, execCtx({ command: tmpDir() })), 'insecure_file');
  });

  it('ownership: root-owned commands are accepted for any uid', async () => {
    const cmd = successScript(SECRET);
    const st = fs.statSync(cmd);
    const ctx = { ...execCtx({ command: cmd }), platformUid: st.uid === 0 ? 4242 : st.uid };
    assertValue(await resolveSecretRef(r, ctx), SECRET);
  });

  (isRoot ? it : it.skip)('ownership: a command owned by another user → insecure_file', async () => {
    const cmd = successScript(SECRET);
    fs.chownSync(cmd, 4242, 4242);
    await expectCode(resolveSecretRef(r, { ...execCtx({ command: cmd }), platformUid: 0 }), 'insecure_file', SECRET);
    await expectCode(resolveSecretRef(r, { ...execCtx({ command: cmd }), platformUid: 1000 }), 'insecure_file', SECRET);
    assertValue(await resolveSecretRef(r, { ...execCtx({ command: cmd }), platformUid: 4242 }), SECRET);
  });

  it('trustedDirs: inside resolves, outside → not_allowed', async () => {
    const cmd = successScript(SECRET);
    const dir = path.dirname(cmd);
    assertValue(await resolveSecretRef(r, execCtx({ command: cmd, trustedDirs: [dir] })), SECRET);
    await expectCode(resolveSecretRef(r, execCtx({ command: cmd, trustedDirs: [tmpDir()] })), 'not_allowed', SECRET);
    // Prefix tricks do not count as "inside".
    await expectCode(
      resolveSecretRef(r, execCtx({ command: cmd, trustedDirs: [dir.slice(0, -1)] })),
      'not_allowed',
      SECRET,
    );
    await expectCode(
      resolveSecretRef(
        r,
        execCtx({ command: path.join(dir, '..', path.basename(dir), 'provider'), trustedDirs: [tmpDir()] }),
      ),
      'not_allowed',
      SECRET,
    );
  });

  it('passEnv: only named vars plus provider env reach the command', async () => {
    const cmd = nodeScript(`
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  process.stdout.write(JSON.stringify({ protocolVersion: 1, values: { [req.ids[0]]: JSON.stringify(process.env) } }));
});`);
    const ctx = execCtx(
      { command: cmd, passEnv: ['PASS_ME', 'NOT_SET'], env: { EXTRA: 'extra-value' } },
      { PASS_ME: 'passed-value', HIDE_ME: 'hidden-value', PATH: '/usr/bin:/bin', HOME: '/root' },
    );
    const childEnv = JSON.parse(await resolveSecretRef(r, ctx)) as Record<string, string>;
    assert.deepEqual(Object.keys(childEnv).sort(), ['EXTRA', 'PASS_ME']);
    assert.equal(childEnv['PASS_ME'], 'passed-value');
    assert.equal(childEnv['EXTRA'], 'extra-value');
  });

  it('runs without a shell: metacharacters in args are inert', async () => {
    const marker = path.join(tmpDir(), 'pwned');
    const cmd = nodeScript(`
process.stdin.resume();
process.stdin.on('end', () => process.stdout.write(JSON.stringify({ protocolVersion: 1, values: { ${JSON.stringify(ID)}: process.argv[2] } })));`);
    const arg = `; touch ${marker}`;
    const v = await resolveSecretRef(r, execCtx({ command: cmd, args: [arg] }));
    assert.equal(v, arg);
    assert.ok(!fs.existsSync(marker), 'a shell interpreted the argument');
  });

  it('a command that ignores stdin and exits still works', async () => {
    const cmd = writeScript(`#!/bin/sh\necho '{"protocolVersion":1,"values":{"${ID}":"${SECRET}"}}'\n`);
    assertValue(await resolveSecretRef(r, execCtx({ command: cmd })), SECRET);
  });
});
