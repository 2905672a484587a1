import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { addRotationKey, removeRotationKey, rotationChain, RotationKeyError } from '../../../src/store/rotationKeys';
import { rmrf, tempHome } from '../../helpers/fixtures';

describe('rotation keys in ~/.openclaw/.env', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(rmrf));
  const envFile = (text?: string) => {
    const d = tempHome();
    dirs.push(d);
    const f = path.join(d, '.openclaw', '.env');
    if (text !== undefined) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, text);
    }
    return f;
  };
  const A = 'sk-fake-rot-aaaaaaaaaaaaaaaa0001',
    B = 'sk-fake-rot-aaaaaaaaaaaaaaaa0001x',
    C = 'sk-fake-rot-zzzzzzzz-samesame';

  it('creates a private .env when there is none and numbers keys after the ones in use', () => {
    const f = envFile();
    assert.deepEqual(
      addRotationKey(f, 'mistral', A, { MISTRAL_API_KEY_1: 'sk-fake-rot-from-the-process-env-01' }).variable,
      'MISTRAL_API_KEY_2',
    );
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(f, 'utf8'), `MISTRAL_API_KEY_2=${A}\n`);
  });

  it('keeps CRLF line ends and a missing final newline as they were', () => {
    const f = envFile('# c\r\nX=1');
    addRotationKey(f, 'xai', A, {});
    assert.equal(fs.readFileSync(f, 'utf8'), `# c\r\nX=1\r\nXAI_API_KEY_1=${A}\r\n`);
  });

  it('refuses empty keys and keys with separators', () => {
    const f = envFile('');
    assert.throws(() => addRotationKey(f, 'xai', '  ', {}), RotationKeyError);
    assert.throws(() => addRotationKey(f, 'xai', 'sk-fake a,b', {}), /spaces, commas or semicolons/);
    assert.equal(fs.readFileSync(f, 'utf8'), '', 'nothing written');
  });

  it('removing one of two look-alike keys from a list asks for its number', () => {
    const C2 = C.replace('zzzzzzzz', 'yyyyyyyy');
    const f = envFile(`XAI_API_KEYS=${C};${C2}\n`);
    const chain = rotationChain('xai', {}, { XAI_API_KEYS: `${C};${C2}` });
    assert.equal(chain[0]?.masked, chain[1]?.masked, 'the masks collide');
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEYS', { masked: chain[0]?.masked }, {}),
      /choose one by its number/,
    );
    removeRotationKey(f, 'xai', 'XAI_API_KEYS', { index: 2 }, {});
    assert.equal(fs.readFileSync(f, 'utf8'), `XAI_API_KEYS=${C}\n`);
    assert.throws(() => removeRotationKey(f, 'xai', 'XAI_API_KEYS', { index: 5 }, {}), /no key number 5/);
  });

  it('a mask or index that matches nothing removes nothing, on a single-key variable as on a list', () => {
    const text = `XAI_API_KEY_1=${A}\nXAI_API_KEYS=${C}\n`;
    const f = envFile(text);
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEY_1', { masked: 'nosuch' }, {}),
      /XAI_API_KEY_1 holds .*, not nosuch\. Nothing was removed\./,
    );
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEY_1', { index: 2 }, {}),
      /holds one key; there is no key number 2/,
    );
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEY_1', { index: Number('abc') }, {}),
      /no key number given/,
    );
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEYS', { masked: 'nosuch' }, {}),
      /No key nosuch in XAI_API_KEYS\. Nothing was removed/,
    );
    assert.throws(
      () => removeRotationKey(f, 'xai', 'XAI_API_KEYS', { index: Number('abc') }, {}),
      /no key number given/,
    );
    assert.equal(fs.readFileSync(f, 'utf8'), text, 'the file is unchanged');
    // The matching mask still removes it.
    const mask = rotationChain('xai', {}, { XAI_API_KEY_1: A })[0]?.masked as string;
    removeRotationKey(f, 'xai', 'XAI_API_KEY_1', { masked: mask }, {});
    assert.equal(fs.readFileSync(f, 'utf8'), `XAI_API_KEYS=${C}\n`);
  });

  it('a variable outside the chain is not touched', () => {
    const f = envFile(`OTHER=${B}\n`);
    assert.throws(() => removeRotationKey(f, 'xai', 'OTHER', undefined, {}), /not part of the xai rotation chain/);
    assert.equal(fs.readFileSync(f, 'utf8'), `OTHER=${B}\n`);
  });

  it('the process environment wins over .env and is marked as such', () => {
    const chain = rotationChain('openai', { OPENAI_API_KEY: A }, { OPENAI_API_KEY: B, OPENAI_API_KEY_3: C });
    assert.deepEqual(
      chain.map((c) => [c.source, c.origin]),
      [
        ['OPENAI_API_KEY', 'process'],
        ['OPENAI_API_KEY_3', 'dotenv'],
      ],
    );
  });
});
