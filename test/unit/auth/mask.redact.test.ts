/**
 * `redact`: whole secrets become their mask (as before), and any piece of 12 or more characters
 * of a secret becomes "[redacted]", wherever it sits in the text. Failures never print a secret.
 */
import assert from 'node:assert/strict';
import { FRAGMENT_MIN, REDACTED_FRAGMENT, maskSecret, redact } from '../../../src/auth/mask';

// Fake, but treated as secrets: assertions never put them in a message.
const KEY = 'sk-proj-FAKEunit0123456789abcdefghijklmnopQRSTUV';
const TOKEN = 'oc-gw-fake-token-ZYXWVUTSRQPONM9876543210';

/** How many 12-character pieces of `secret` occur in `text`. */
function leaked(text: string, secret: string): number {
  let n = 0;
  for (let i = 0; i + FRAGMENT_MIN <= secret.length; i++) if (text.includes(secret.slice(i, i + FRAGMENT_MIN))) n++;
  return n;
}

describe('redact: pieces of secrets', () => {
  it('a provider echoing the middle 20 characters of a key shows none of them', () => {
    const piece = KEY.slice(10, 30);
    const out = redact(`HTTP 401: invalid key sk-p…${piece}… for this project`, [KEY]);
    assert.equal(leaked(out, KEY), 0, 'a piece of the key is left');
    assert.ok(
      out === `HTTP 401: invalid key sk-p…${REDACTED_FRAGMENT}… for this project`,
      'the piece becomes one marker, the rest stays',
    );
  });

  it('every piece of 12+ characters anywhere, at the edges of the text, several times, of several secrets', () => {
    for (let len = FRAGMENT_MIN; len <= KEY.length - 1; len += 5) {
      for (const at of [0, 3, KEY.length - len]) {
        const piece = KEY.slice(at, at + len);
        for (const text of [piece, `a${piece}`, `${piece}z`, `x ${piece} y ${piece}${TOKEN.slice(2, 20)} w`]) {
          const out = redact(text, [KEY, TOKEN]);
          assert.equal(leaked(out, KEY) + leaked(out, TOKEN), 0, `piece of length ${len} at ${at} was left`);
          assert.ok(out.includes(REDACTED_FRAGMENT));
        }
      }
    }
  });

  it('pieces shorter than 12 characters stay, as do secrets shorter than 12 (replaced whole only, as before)', () => {
    const eleven = KEY.slice(5, 16);
    assert.ok(redact(`see ${eleven} here`, [KEY]) === `see ${eleven} here`, 'an 11-character piece is not redacted');
    const short = 'abcd-efgh-1'; // 11 characters: only the whole secret is replaced
    assert.equal(redact(`x ${short} y abcd-efgh z`, [short]), `x ${maskSecret(short)} y abcd-efgh z`);
    assert.equal(redact('abc and abcd', ['abc']), 'abc and abcd', 'secrets under 4 characters are ignored');
  });

  it('whole secrets keep their mask; a piece next to a whole secret is redacted separately', () => {
    const out = redact(`k=${KEY}; t=${TOKEN}; part=${KEY.slice(4, 24)}`, [KEY, TOKEN]);
    assert.ok(
      out === `k=${maskSecret(KEY)}; t=${maskSecret(TOKEN)}; part=${REDACTED_FRAGMENT}`,
      'masks for whole secrets, a marker for the piece',
    );
    const glued = redact(`${KEY}${KEY.slice(0, 15)}`, [KEY]);
    assert.ok(glued === `${maskSecret(KEY)}${REDACTED_FRAGMENT}`, 'a piece glued to a whole occurrence');
    assert.equal(redact('nothing secret here', [KEY, undefined]), 'nothing secret here');
    assert.equal(redact('', [KEY]), '');
  });

  it('a 64 KB text with 20 secrets is redacted completely and the cost stays linear', () => {
    const secrets = Array.from(
      { length: 20 },
      (_, i) =>
        `sk-fake-${String(i).padStart(2, '0')}-${'QWERTYUIOPASDFGHJKLZXCVBNM'.slice(i % 7, (i % 7) + 18)}-tail${i}`,
    );
    let text = '';
    for (let i = 0; text.length < 64 * 1024; i++)
      text += `line ${i}: error for ${(secrets[i % 20] as string).slice(i % 9, (i % 9) + 12 + (i % 13))} and more words\n`;
    const out = redact(text, secrets);
    for (const s of secrets) assert.equal(leaked(out, s), 0, 'a piece of a secret is left');
    // Pathological input: one repeated character against secrets made of it.
    const same = 'a'.repeat(64 * 1024);
    const r = redact(same, ['aaaa', 'a'.repeat(40)]);
    assert.equal(
      r
        .split(maskSecret('a'.repeat(40)))
        .join('')
        .split(maskSecret('aaaa'))
        .join(''),
      '',
      'nothing but masks is left',
    );
  });
});
