import { Queue, QueueEvents } from 'bullmq';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from '../../harness/children';
import type { WallClock } from '../../harness/wall-clock';
import type { LatencySample } from '../latency/latency-samples';
import { REDIS_CONNECTION, benchQueueName } from './bullmq-connection';
import type { WorkerJobResult } from './bullmq-worker-process';

/** A BullMQ queue with one worker process (concurrency 1, like one idle bot) behind it. */
export interface BullmqLatencySide {
  /** add → payload start (spawn mode) or → handler start (noop mode); add → job finished seen. */
  sample(clock: WallClock): Promise<LatencySample>;
  close(): Promise<void>;
}

/**
 * `spawn`: the worker execa-spawns the same stamping payload Drover's bot runs, so add → payload
 * start compares with Drover's submit → payload start. `noop`: the handler only stamps its start
 * (BullMQ's own add → worker start, without the spawn).
 */
export async function startBullmqLatency(
  root: string,
  mode: 'spawn' | 'noop',
): Promise<BullmqLatencySide> {
  const name = benchQueueName(`latency-${mode}`);
  const child = trackChild(
    fork(join(root, 'tools', 'bench', 'bin', 'bench-bullmq-worker.js'), [name, mode], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const queue = new Queue(name, { connection: REDIS_CONNECTION });
  const events = new QueueEvents(name, { connection: REDIS_CONNECTION });
  const close = async () => {
    if (child.connected) child.send({ type: 'stop' });
    await stopChild(child, 'SIGTERM', 5000);
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  };
  try {
    await Promise.all([
      events.waitUntilReady(),
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('BullMQ worker: not ready in 30 s')),
          30_000,
        );
        child.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => reject(new Error(`BullMQ worker exited (${code})`)));
      }),
    ]);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    async sample(clock) {
      const t0 = clock.nowMs();
      const job = await queue.add('bench', { command: ['date', '+%s%N'] });
      const result = (await job.waitUntilFinished(events, 10_000)) as WorkerJobResult;
      const seenMs = clock.nowMs();
      const startedMs = mode === 'spawn' ? result.payloadStartMs : result.handlerStartMs;
      if (startedMs === undefined) throw new Error('BullMQ worker: no payload stamp');
      // The worker's stamps are on its own anchor to the real-time clock, the others on ours.
      const stamps: Record<string, number> = {};
      for (const [hop, ms] of [
        ['client-send', t0],
        ['handler-start', result.handlerStartMs],
        ['spawn-called', result.spawnCalledMs],
        ['payload-start', result.payloadStartMs],
        ['exit-seen', result.exitSeenMs],
        ['client-seen', seenMs],
      ] as const) {
        if (ms !== undefined) stamps[hop] = clock.toMonoMs(ms);
      }
      return { payloadStartMs: startedMs - t0, resultMs: seenMs - t0, stamps };
    },
    close,
  };
}
