/** Reordering a remote gateway's profiles (drag and drop, Move Up/Down) from its models.authStatus. */
import { strict as assert } from 'node:assert';
import { remoteDropOrder, remoteMoveOrder, remoteOrder, remoteTried } from '../../../src/ui/reorder';
import type { AuthStatusProvider } from '../../../src/gateway/protocol';

const provider = (ids: string[], order?: string[]): AuthStatusProvider =>
  ({
    provider: 'openrouter',
    status: 'ok',
    profiles: ids.map((profileId) => ({ profileId, type: 'api_key', status: 'static' })),
    ...(order ? { profileOrder: order, profileOrderStored: true } : {}),
  }) as AuthStatusProvider;

describe('ui: reordering a remote provider', () => {
  it("the order is the gateway's, then the profiles it leaves out; ids it names that are gone are dropped", () => {
    assert.deepEqual(remoteOrder(provider(['a', 'b', 'c'], ['c', 'x', 'a'])), ['c', 'a', 'b']);
    assert.deepEqual(remoteOrder(provider(['a', 'b'])), ['a', 'b']);
  });

  it('a drop onto a profile takes its place; onto the provider goes first; onto itself changes nothing', () => {
    const p = provider(['a', 'b', 'c'], ['a', 'b', 'c']);
    assert.deepEqual(remoteDropOrder(p, 'c', 'a'), ['c', 'a', 'b']);
    assert.deepEqual(remoteDropOrder(p, 'a', 'c'), ['b', 'c', 'a']);
    assert.deepEqual(remoteDropOrder(p, 'b', undefined), ['b', 'a', 'c']);
    assert.equal(remoteDropOrder(p, 'b', 'b'), undefined);
    assert.equal(remoteDropOrder(p, 'zz', 'a'), undefined, 'a profile of another provider');
  });

  it('a profile the stored order leaves out is listed last and is not tried; a new order lists it (the gateway wants every profile)', () => {
    const p = provider(['backup', 'manual', 'default'], ['backup', 'manual']);
    assert.deepEqual(remoteOrder(p), ['backup', 'manual', 'default']);
    assert.deepEqual(remoteTried(p), ['backup', 'manual']);
    assert.deepEqual(remoteMoveOrder(p, 'backup', 1), ['manual', 'backup', 'default']);
    assert.deepEqual(remoteMoveOrder(p, 'default', -1), ['backup', 'default', 'manual']);
    assert.deepEqual(remoteDropOrder(p, 'default', 'backup'), ['default', 'backup', 'manual']);
  });

  it('Move Up/Down swap with the neighbour and stop at the ends', () => {
    const p = provider(['a', 'b', 'c'], ['a', 'b', 'c']);
    assert.deepEqual(remoteMoveOrder(p, 'b', -1), ['b', 'a', 'c']);
    assert.deepEqual(remoteMoveOrder(p, 'b', 1), ['a', 'c', 'b']);
    assert.equal(remoteMoveOrder(p, 'a', -1), undefined);
    assert.equal(remoteMoveOrder(p, 'c', 1), undefined);
  });
});
