// Retention at scale, end to end: a coordinator on SQLite with 20,000 final tasks past the
// retention (cloned in SQL, with tags and output) purges them all while a real bot keeps
// receiving tasks; the dispatch latency before and during the purge is printed (the note reports
// it; no timed assertion). Tasks within the retention and active ones stay. DROVER_SOAK=1 runs
// it with 300,000.
import type { NewTaskResponseOut, TasksClient } from '@drover/protocol';
import type { Task } from '@drover/state';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from '../harness';
import { DAY_MS, cloneFinalTasks, seededTask } from './seed-tasks';

const OLD = process.env['DROVER_SOAK'] === '1' ? 300_000 : 20_000;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let stub: TasksClient;
let token: string;

beforeAll(async () => {
  dir = tempDir('drover-retention-load-');
  coord = await startTestCoordinator(dir.path, { taskRetention: '90d' });
  token = readToken(dir.path, 'client');
  stub = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'retention-bot', ['--pool', 'load']);
}, 60_000);

afterAll(async () => {
  await stopProcess(bot);
  stub.close();
  await coord.close();
  dir.remove();
});

function submit(name: string, pool = 'load'): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          name,
          priority: 100,
          task_slices: [
            {
              properties: {
                command: ['sh', '-c', 'true'],
                dimensions: [{ key: 'pool', value: pool }],
                execution_timeout_secs: 60,
              },
              expiration_secs: 600,
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
}

/** Resolves with the task once it reaches a state `pred` accepts (engine transitions). */
function reached(taskId: string, pred: (t: Task) => boolean): Promise<Task> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      coord.engine.events.off('transition', listener);
      reject(new Error(`task ${taskId} did not get there within 30 s`));
    }, 30_000);
    const listener = ({ task }: { task: Task }) => {
      if (task.id !== taskId || !pred(task)) return;
      clearTimeout(timer);
      coord.engine.events.off('transition', listener);
      resolve(task);
    };
    coord.engine.events.on('transition', listener);
  });
}

interface Sample {
  /** From just before NewTask to the RUNNING transition, in ms (this process's clock). */
  readonly e2eMs: number;
  /** startedAtMs − createdAtMs as the engine recorded them. */
  readonly engineMs: number;
}

/** Submits one task at a time to the idle bot, measuring how long each waits to be dispatched. */
async function dispatchLoop(until: () => boolean, samples: Sample[]): Promise<void> {
  for (let i = 0; !until(); i++) {
    const t0 = performance.now();
    const running = new Promise<{ task: Task; at: number }>((resolve, reject) => {
      let id: string | undefined;
      const early: Task[] = [];
      const listener = ({ task }: { task: Task }) => {
        if (task.state !== 'RUNNING') return;
        if (id === undefined) early.push(task);
        else if (task.id === id) done(task);
      };
      const done = (task: Task) => {
        coord.engine.events.off('transition', listener);
        resolve({ task, at: performance.now() });
      };
      coord.engine.events.on('transition', listener);
      submit(`load-${i}`).then(
        (r) => {
          id = r.task_id;
          const seen = early.find((t) => t.id === id);
          if (seen !== undefined) done(seen);
        },
        (err: unknown) => {
          coord.engine.events.off('transition', listener);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    const { task, at } = await running;
    samples.push({ e2eMs: at - t0, engineMs: (task.startedAtMs ?? 0) - task.createdAtMs });
    await reached(task.id, (t) => t.state !== 'RUNNING' && t.state !== 'PENDING').catch(
      async () => {
        // Finished before the listener was added: the store has it.
        await coord.store.getTask(task.id);
      },
    );
  }
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function describeSamples(label: string, samples: readonly Sample[]): string {
  const e2e = samples.map((s) => s.e2eMs);
  const engine = samples.map((s) => s.engineMs);
  return (
    `${label}: ${samples.length} dispatches, submit→RUNNING p50 ${quantile(e2e, 0.5).toFixed(1)} ms, ` +
    `p99 ${quantile(e2e, 0.99).toFixed(1)} ms, max ${Math.max(...e2e).toFixed(1)} ms; ` +
    `engine created→started p99 ${quantile(engine, 0.99)} ms`
  );
}

describe(`retention under load (${OLD.toLocaleString('en')} final tasks)`, () => {
  it('purges them all in small batches while a real bot keeps receiving tasks', async () => {
    const nowMs = Date.now();
    // One task stored through the store, cloned OLD − 1 times in SQL: all ended 100 days ago.
    await coord.store.insertTask(seededTask('old-src', 'load', 'COMPLETED', nowMs - 100 * DAY_MS));
    const seedStart = performance.now();
    cloneFinalTasks(join(dir.path, 'drover.sqlite'), 'old-src', 'old', OLD - 1);
    const seedMs = performance.now() - seedStart;
    // Within the retention: stays.
    await coord.store.insertTask(seededTask('young', 'load', 'COMPLETED', nowMs - 89 * DAY_MS));
    // Waiting in a pool no bot serves: stays, whatever its age.
    const waiting = await submit('waiting', 'nobody');
    expect(await coord.store.countTasks({ tags: ['seeded:yes'] })).toBe(OLD + 1);
    const sizeBefore = await coord.store.sizeBytes();

    const before: Sample[] = [];
    let n = 0;
    await dispatchLoop(() => n++ >= 150, before);

    const during: Sample[] = [];
    let purging = true;
    const started = performance.now();
    const round = coord.purger.runRound().finally(() => (purging = false));
    await dispatchLoop(() => !purging, during);
    const result = await round;
    const purgeMs = performance.now() - started;

    const file = join(dir.path, 'drover.sqlite');
    const onDisk = () =>
      `file ${statSync(file).size} bytes, WAL ${existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0} bytes`;
    console.log(
      [
        `on disk after the purge: ${onDisk()}`,
        `retention under load: ${OLD} final tasks seeded in ${seedMs.toFixed(0)} ms; store ${sizeBefore} bytes`,
        `purged ${result.tasks} tasks (${result.rows} rows, ~${result.bytes} bytes) in ${(purgeMs / 1000).toFixed(1)} s, ` +
          `${result.batches} batches, longest ${result.longestBatchMs.toFixed(1)} ms; store now ${await coord.store.sizeBytes()} bytes`,
        describeSamples('before the purge', before),
        describeSamples('during the purge', during),
      ].join('\n'),
    );

    expect(result).toMatchObject({ ran: true, tasks: OLD });
    expect(during.length).toBeGreaterThan(0);
    expect(await coord.store.countTasks({ tags: ['seeded:yes'] })).toBe(1);
    expect((await coord.store.getTask('young'))?.state).toBe('COMPLETED');
    expect((await coord.store.getTask(waiting.task_id))?.state).toBe('PENDING');
    expect(await coord.store.getTask('old-src')).toBeUndefined();
    expect((await coord.store.readOutput('old-000001', 0, 1000)).length).toBe(0);
    const metrics = (await coord.metrics.scrape()).body;
    expect(metrics).toMatch(new RegExp(`^drover_tasks_purged_total ${OLD}$`, 'm'));
    expect(metrics).toMatch(/^drover_purged_bytes_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^drover_store_bytes [1-9]\d*$/m);
  }, 180_000);
});
