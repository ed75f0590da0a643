// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planConsumerPrune } from '../../../src/kinesis/efo/planConsumerPrune.ts';

describe('which stream consumers to deregister', () => {
  const consumer = (name: string, status: 'ACTIVE' | 'CREATING' | 'DELETING' = 'ACTIVE') => ({ name, arn: `arn:${name}`, status });
  const apps = [
    { name: 'CentosArchiver', mode: 'polling' as const },
    { name: 'CentosDashboard', mode: 'efo' as const },
  ];
  const cases: Array<{ name: string; registered: ReturnType<typeof consumer>[]; want: string[] }> = [
    { name: 'an application back on polling loses its consumer', registered: [consumer('CentosArchiver'), consumer('CentosDashboard')], want: ['CentosArchiver'] },
    { name: 'an application in efo mode keeps it', registered: [consumer('CentosDashboard')], want: [] },
    { name: 'consumers of other software are never touched', registered: [consumer('someone-else'), consumer('CentosArchiver', 'CREATING')], want: ['CentosArchiver'] },
    { name: 'one already being deleted is left alone', registered: [consumer('CentosArchiver', 'DELETING')], want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(planConsumerPrune(c.registered, apps), c.want));
});
