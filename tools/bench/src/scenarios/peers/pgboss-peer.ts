import type PgBoss from 'pg-boss';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from '../../harness/children';
import { inFlight } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';
import { STAMP_PAYLOAD, type WallClock } from '../../harness/wall-clock';
import type { LatencySample } from '../latency/latency-samples';
import type { LifecycleParams } from '../lifecycle/drover-lifecycle';
import { PGBOSS_POLL_SECONDS } from './pgboss';

/** How often the producer looks for its job's completion (pg-boss has no completion push). */
const COMPLETION_POLL_MS = 2;

/** A pg-boss queue with one worker process (batch 1, like one idle bot) behind it. */
export interface PgbossLatencySide {
  /** send → payload start (the worker execa-spawns it); send → completion seen. */
  sample(clock: WallClock, signal: AbortSignal): Promise<LatencySample>;
  close(): Promise<void>;
}

/**
 * pg-boss's latency side: `boss` (this process) sends, a worker process (bin/bench-pgboss-worker.js)
 * polls at pg-boss's shortest interval and runs the same stamping payload Drover's bot runs.
 */
export async function startPgbossLatency(
  root: string,
  boss: PgBoss,
  url: string,
  schema: string,
): Promise<PgbossLatencySide> {
  const queue = 'latency';
  await boss.createQueue(queue);
  const child = trackChild(
    fork(join(root, 'tools', 'bench', 'bin', 'bench-pgboss-worker.js'), [url, schema, queue], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const close = async () => {
    if (child.connected) child.send({ type: 'stop' });
    await stopChild(child, 'SIGTERM', 5000);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('pg-boss worker: not ready in 30 s')),
        30_000,
      );
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`pg-boss worker exited (${code})`)));
    });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    async sample(clock, signal) {
      const t0 = clock.nowMs();
      const id = await boss.send(queue, { command: [...STAMP_PAYLOAD] });
      if (id === null) throw new Error('pg-boss: send returned no job id');
      let job: PgBoss.JobWithMetadata<unknown> | null = null;
      const deadline = performance.now() + 10_000;
      while (job?.state !== 'completed') {
        signal.throwIfAborted();
        if (performance.now() > deadline) throw new Error('pg-boss: job not completed in 10 s');
        job = await boss.getJobById(queue, id);
        if (job?.state === 'failed')
          throw new Error(`pg-boss: job failed: ${JSON.stringify(job.output)}`);
        if (job?.state !== 'completed') await new Promise((r) => setTimeout(r, COMPLETION_POLL_MS));
      }
      const seenMs = clock.nowMs();
      const output = job.output as { payloadStartMs?: number };
      if (typeof output.payloadStartMs !== 'number')
        throw new Error('pg-boss worker: no payload stamp');
      return { payloadStartMs: output.payloadStartMs - t0, resultMs: seenMs - t0 };
    },
    close,
  };
}

/**
 * pg-boss, the same load as Drover's lifecycle: the producer sends `tasks` jobs one `send` at a
 * time with `inFlight` outstanding; one worker in this process fetches up to `bots` jobs at a time
 * (pg-boss's batch: `bots` concurrent finishers) and completes them at once; rate = first send →
 * no job left before `completed`.
 */
export async function runPgbossLifecycle(
  ctx: ScenarioContext,
  p: LifecycleParams,
  boss: PgBoss,
): Promise<{ ratesPerRound: number[] }> {
  const queue = 'lifecycle';
  await boss.createQueue(queue);
  const workerId = await boss.work(
    queue,
    { pollingIntervalSeconds: PGBOSS_POLL_SECONDS, batchSize: p.bots },
    async () => 0,
  );
  try {
    const ratesPerRound: number[] = [];
    for (let r = -1; r < p.rounds; r++) {
      const n = r < 0 ? p.warmupTasks : p.tasks;
      ctx.progress(
        `pg-boss lifecycle ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}: ${n} jobs`,
      );
      const t0 = performance.now();
      await inFlight(n, p.inFlight, () => boss.send(queue, { command: ['true'] }), ctx.signal);
      const deadline = performance.now() + 300_000;
      while ((await boss.getQueueSize(queue, { before: 'completed' })) > 0) {
        ctx.signal.throwIfAborted();
        if (performance.now() > deadline) throw new Error('pg-boss lifecycle: not done in 300 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (r >= 0) ratesPerRound.push(n / ((performance.now() - t0) / 1000));
    }
    return { ratesPerRound };
  } finally {
    await boss.offWork({ id: workerId }).catch(() => undefined);
  }
}
