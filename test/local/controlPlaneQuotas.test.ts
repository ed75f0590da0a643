// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROL_PLANE_QUOTAS, quotaKey } from '../../src/local/controlPlaneQuotas.ts';

describe('control-plane quotas', () => {
  it('ListShards is counted per stream, DescribeStreamSummary per account, data-plane calls not at all', () => {
    assert.equal(quotaKey('ListShards', 'a'), 'ListShards/a');
    assert.notEqual(quotaKey('ListShards', 'a'), quotaKey('ListShards', 'b'));
    assert.equal(quotaKey('DescribeStreamSummary', 'a'), quotaKey('DescribeStreamSummary', 'b'));
    for (const op of ['GetRecords', 'GetShardIterator', 'PutRecords']) assert.equal(quotaKey(op, 'a'), undefined);
    assert.equal(CONTROL_PLANE_QUOTAS.DescribeStreamSummary!.perSec, 20);
  });
});
