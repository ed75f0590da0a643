// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('end-to-end lag', () => {
  it('is the age of the oldest published file not fully applied', async () => {
    const { endToEndLagMs } = await import('../../tools/chaos/endToEndLag.ts');
    const cum = [90, 180, 270];
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 270, 5000), 0);
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 100, 5000), 3000);
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 0, 5000), 4000);
    assert.equal(endToEndLagMs(cum, [1000, undefined, undefined], 90, 5000), 0);
  });
});
