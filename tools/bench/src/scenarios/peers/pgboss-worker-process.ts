// A pg-boss worker in its own process (as a deployment would run it, like a drover-bot): for each
// job it runs the stamping payload with execa and returns the payload's stamp as the job's output.
// argv: PostgreSQL URL, schema, queue. Exits when its parent goes away or says 'stop'.
import { execa } from 'execa';
import { STAMP_PAYLOAD, WallClock, parseStampMs } from '../../harness/wall-clock';
import { PGBOSS_POLL_SECONDS, startPgBoss } from './pgboss';

const [url, schema, queue] = process.argv.slice(2);
if (url === undefined || schema === undefined || queue === undefined || !process.send) {
  process.stderr.write('pgboss-worker-process: run by tools/bench with <url> <schema> <queue>\n');
  process.exit(2);
}

const clock = new WallClock();
setInterval(() => clock.anchor(), 1000).unref();
const [file, ...args] = STAMP_PAYLOAD;
const boss = await startPgBoss(url, schema, (err) =>
  process.stderr.write(`pg-boss worker: ${err.message}\n`),
);
await boss.work(queue, { pollingIntervalSeconds: PGBOSS_POLL_SECONDS, batchSize: 1 }, async () => {
  const handlerStartMs = clock.nowMs();
  const r = await execa(file, args, { stdin: 'ignore' });
  return { handlerStartMs, payloadStartMs: parseStampMs(r.stdout) };
});
process.send({ type: 'ready' });

const stop = () => void boss.stop({ graceful: false, wait: true }).finally(() => process.exit(0));
process.on('message', (m: { type?: string }) => m.type === 'stop' && stop());
process.on('disconnect', stop);
