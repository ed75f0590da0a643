import { Counter, Histogram, type Registry } from 'prom-client';
import type { SchedulerHandle } from '../scheduler/runScheduler.ts';
import { gaugeFrom } from './metricFromValue.ts';

/** The scheduler's metrics: job runs and failures, job durations, leadership. Returns the onJobRun hook. */
export function registerSchedulerMetrics(registry: Registry, handle: () => SchedulerHandle | undefined): (job: string, seconds: number, ok: boolean) => void {
  const registers = [registry];
  const runs = new Counter({ name: 'centos_scheduler_job_runs_total', help: 'scheduler job runs, by job and outcome (ok or failed)', labelNames: ['job', 'outcome'] as const, registers });
  const duration = new Histogram({
    name: 'centos_scheduler_job_duration_seconds',
    help: 'time a scheduler job run took (the roll-up job is `rollups`)',
    labelNames: ['job'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  gaugeFrom(registry, 'centos_scheduler_leader', '1 while this scheduler is the leader, else 0 (standby)', () => (handle()?.isLeader() ? 1 : 0));
  return (job, seconds, ok) => {
    runs.inc({ job, outcome: ok ? 'ok' : 'failed' });
    duration.observe({ job }, seconds);
  };
}
