// A BullMQ worker in its own process (as a deployment would run it, like a drover-bot): for each
// job it stamps the handler's start and, in `spawn` mode, runs the stamping payload with execa.
// argv: queue name, mode (spawn | noop). Exits when its parent goes away or says 'stop'.
import { Worker } from 'bullmq';
import { execa } from 'execa';
import { STAMP_PAYLOAD, WallClock, parseStampMs } from '../../harness/wall-clock';
import { REDIS_CONNECTION } from './bullmq-connection';

export interface WorkerJobResult {
  readonly handlerStartMs: number;
  /** The payload's stamp; undefined in noop mode. */
  readonly payloadStartMs: number | undefined;
  /** Just before execa was called, and once it resolved (the exit seen); spawn mode only. */
  readonly spawnCalledMs?: number;
  readonly exitSeenMs?: number;
}

const [queueName, mode] = process.argv.slice(2);
if (queueName === undefined || (mode !== 'spawn' && mode !== 'noop') || !process.send) {
  process.stderr.write('bullmq-worker-process: run by tools/bench with <queue> <spawn|noop>\n');
  process.exit(2);
}

const clock = new WallClock();
setInterval(() => clock.anchor(), 1000).unref();
const [file, ...args] = STAMP_PAYLOAD;
const worker = new Worker<unknown, WorkerJobResult>(
  queueName,
  async () => {
    const handlerStartMs = clock.nowMs();
    if (mode === 'noop') return { handlerStartMs, payloadStartMs: undefined };
    const spawnCalledMs = clock.nowMs();
    const r = await execa(file, args, { stdin: 'ignore' });
    const exitSeenMs = clock.nowMs();
    return { handlerStartMs, payloadStartMs: parseStampMs(r.stdout), spawnCalledMs, exitSeenMs };
  },
  { connection: REDIS_CONNECTION, concurrency: 1 },
);
worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
await worker.waitUntilReady();
process.send({ type: 'ready' });

const stop = () => void worker.close().finally(() => process.exit(0));
process.on('message', (m: { type?: string }) => m.type === 'stop' && stop());
process.on('disconnect', stop);
