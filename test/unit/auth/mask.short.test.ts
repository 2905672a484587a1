/**
 * The editor's short mask: the key's well-known prefix and its last 4 characters, never more of
 * the key (a review found the 8+8 form showed 16 characters of every key in the tree).
 */
import { strict as assert } from 'node:assert';
import { shortMask } from '../../../src/auth/mask';
import { deriveView, readSnapshot } from '../../../src/store';
import { copyHome, rmrf } from '../../helpers/fixtures';

describe('shortMask', () => {
  it('shows a known prefix and the last 4, nothing between', () => {
    assert.equal(shortMask('sk-or-v1-fake0123456789abcdef0123456789abcdefc0de'), 'sk-or-v1-…c0de');
    assert.equal(shortMask('sk-ant-oat01-fakefakefakefakefakefake-9xyz'), 'sk-ant-oat01-…9xyz');
    assert.equal(shortMask('gsk_fakefakefakefakefake1234'), 'gsk_…1234');
  });

  it('a key without a known prefix shows only its end; a short one only its last 2', () => {
    const key = 'Zq81mN0pL2xY7vB4cD9eF3gH';
    const m = shortMask(key);
    assert.equal(m, `…${key.slice(-4)}`);
    assert.equal(shortMask('abcdefghij'), '…ij');
    assert.equal(shortMask(''), 'missing');
    assert.equal(shortMask(undefined), 'missing');
  });

  it('at most the prefix and 4 characters of the key appear, for any key', () => {
    for (const key of ['sk-proj-' + 'x'.repeat(40) + 'WXYZ', 'AIza' + 'y'.repeat(35), 'k'.repeat(200)]) {
      const m = shortMask(key);
      const visible = m.replace('…', '');
      assert.ok(visible.length <= 4 + 13, m);
      assert.ok(!m.includes(key.slice(13, 25)), 'nothing from the middle');
    }
  });
});

describe("the view's display hint", () => {
  it("a real home's API key shows as its prefix and last 4 in the editor, openclaw's 8+8 label stays for parity", () => {
    const h = copyHome('basic');
    try {
      const s = readSnapshot({ env: { HOME: h } });
      const key = (s.store.profiles['openrouter:manual'] as { key: string }).key;
      const x = deriveView(s, Date.now())
        .providers.flatMap((p) => p.profiles)
        .find((p) => p.id === 'openrouter:manual');
      assert.equal(x?.displayHint, `sk-or-v1-…${key.slice(-4)}`);
      assert.equal(x?.credentialHint, `${key.slice(0, 8)}...${key.slice(-8)}`);
    } finally {
      rmrf(h);
    }
  });
});
