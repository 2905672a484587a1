import assert from 'node:assert/strict';
describe('tmp failing', () => { it('fails', () => { assert.equal(1, 2); }); it('env', () => { assert.equal(process.env.FOO, 'bar'); assert.equal(process.env.OPENCLAW_STATE_DIR, undefined); assert.ok(require('fs').existsSync(process.env.HOME + '/.openclaw')); }); });
