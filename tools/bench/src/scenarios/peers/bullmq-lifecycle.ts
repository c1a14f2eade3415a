import { Queue, Worker } from 'bullmq';
import { inFlight, until } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';
import type { LifecycleParams } from '../lifecycle/drover-lifecycle';
import { REDIS_CONNECTION, benchQueueName } from './bullmq-connection';

/**
 * BullMQ, the same load as Drover's lifecycle: one Worker with concurrency = bots in this process
 * finishing each job at once, the producer adding `tasks` jobs one `add` at a time with `inFlight`
 * outstanding; rate = first add → last `completed` event of the worker. Jobs are kept after
 * completion (BullMQ's default), as Drover keeps results.
 */
export async function runBullmqLifecycle(
  ctx: ScenarioContext,
  p: LifecycleParams,
): Promise<{ ratesPerRound: number[] }> {
  const name = benchQueueName('lifecycle');
  const queue = new Queue(name, { connection: REDIS_CONNECTION });
  let completed = 0;
  const worker = new Worker(name, async () => 0, {
    connection: REDIS_CONNECTION,
    concurrency: p.bots,
  });
  worker.on('completed', () => completed++);
  worker.on('error', (err) => ctx.progress(`BullMQ worker error: ${err.message}`));
  try {
    await worker.waitUntilReady();
    const ratesPerRound: number[] = [];
    for (let r = -1; r < p.rounds; r++) {
      const n = r < 0 ? p.warmupTasks : p.tasks;
      ctx.progress(
        `BullMQ lifecycle ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}: ${n} jobs`,
      );
      const target = completed + n;
      const t0 = performance.now();
      await inFlight(n, p.inFlight, () => queue.add('bench', { command: ['true'] }), ctx.signal);
      await until(
        'BullMQ lifecycle: every job completed',
        () => completed >= target,
        300_000,
        ctx.signal,
      );
      if (r >= 0) ratesPerRound.push(n / ((performance.now() - t0) / 1000));
    }
    return { ratesPerRound };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
