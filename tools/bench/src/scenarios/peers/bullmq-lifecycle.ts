import { Queue, Worker } from 'bullmq';
import { inFlight, until } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';
import type { LifecycleParams } from '../lifecycle/drover-lifecycle';
import { REDIS_CONNECTION, benchQueueName } from './bullmq-connection';

export interface BullmqLifecycleOptions {
  /** The Redis to use. @default the local one, 127.0.0.1:6379 */
  readonly redis?: { readonly host: string; readonly port: number };
  /** For the progress lines, e.g. 'AOF everysec'. */
  readonly label?: string;
}

/**
 * BullMQ, the same load as Drover's lifecycle: one Worker with concurrency = bots in this process
 * finishing each job at once, the producer adding `tasks` jobs one `add` at a time with `inFlight`
 * outstanding — or, with `batch` > 1, `addBulk` of `batch` jobs with `batchInFlight` outstanding,
 * as Drover's NewTasks; rate = first add → last `completed` event of the worker. Jobs are kept
 * after completion (BullMQ's default), as Drover keeps results.
 */
export async function runBullmqLifecycle(
  ctx: ScenarioContext,
  p: LifecycleParams,
  options: BullmqLifecycleOptions = {},
): Promise<{ ratesPerRound: number[] }> {
  const name = benchQueueName('lifecycle');
  const connection =
    options.redis === undefined ? REDIS_CONNECTION : { ...REDIS_CONNECTION, ...options.redis };
  const queue = new Queue(name, { connection });
  let completed = 0;
  const worker = new Worker(name, async () => 0, {
    connection,
    concurrency: p.bots,
  });
  worker.on('completed', () => completed++);
  worker.on('error', (err) => ctx.progress(`BullMQ worker error: ${err.message}`));
  try {
    await worker.waitUntilReady();
    const ratesPerRound: number[] = [];
    const batch = p.batch ?? 0;
    for (let r = -1; r < p.rounds; r++) {
      const n = r < 0 ? p.warmupTasks : p.tasks;
      ctx.progress(
        `BullMQ lifecycle${options.label === undefined ? '' : ` (${options.label})`}${batch > 1 ? ` (addBulk × ${batch})` : ''} ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}: ${n} jobs`,
      );
      const target = completed + n;
      const t0 = performance.now();
      if (batch > 1) {
        await inFlight(
          Math.ceil(n / batch),
          p.batchInFlight ?? 4,
          (i) =>
            queue.addBulk(
              Array.from({ length: Math.min(batch, n - i * batch) }, () => ({
                name: 'bench',
                data: { command: ['true'] },
              })),
            ),
          ctx.signal,
        );
      } else {
        await inFlight(n, p.inFlight, () => queue.add('bench', { command: ['true'] }), ctx.signal);
      }
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
