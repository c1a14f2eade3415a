import { Queue, Worker } from 'bullmq';
import { inFlight, until } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';
import type { LifecycleParams } from '../lifecycle/drover-lifecycle';
import { procCpu } from '../../harness/proc-cpu';
import { REDIS, REDIS_CONNECTION, benchQueueName, redisPid } from './bullmq-connection';

export interface BullmqLifecycleOptions {
  /** The Redis to use. @default the local one, 127.0.0.1:6379 */
  readonly redis?: { readonly host: string; readonly port: number };
  /** For the progress lines, e.g. 'AOF everysec'. */
  readonly label?: string;
}

export interface BullmqLifecycleRun {
  /** jobs/s of each measured round, first add → last `completed` event. */
  readonly ratesPerRound: number[];
  /** This process's CPU per job over the measured rounds: the producer and the Worker. */
  readonly benchCpuMsPerTask: number;
  /** The Redis server's CPU per job over the measured rounds; undefined when not readable. */
  readonly redisCpuMsPerTask: number | undefined;
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
): Promise<BullmqLifecycleRun> {
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
  const pid = redisPid(options.redis ?? REDIS);
  let benchCpuMs = 0;
  let redisCpuMs: number | undefined = pid === undefined ? undefined : 0;
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
      const bench0 = process.cpuUsage();
      const redis0 = procCpu(pid);
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
      if (r >= 0) {
        ratesPerRound.push(n / ((performance.now() - t0) / 1000));
        const bench = process.cpuUsage(bench0);
        benchCpuMs += (bench.user + bench.system) / 1000;
        const redis1 = procCpu(pid);
        redisCpuMs =
          redisCpuMs === undefined || redis0 === undefined || redis1 === undefined
            ? undefined
            : redisCpuMs + redis1.ownMs - redis0.ownMs;
      }
    }
    const measured = p.tasks * p.rounds;
    return {
      ratesPerRound,
      benchCpuMsPerTask: benchCpuMs / measured,
      redisCpuMsPerTask: redisCpuMs === undefined ? undefined : redisCpuMs / measured,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
