// kill -9 of the coordinator (a real child process) while two real bots run a batch of tasks,
// then a restart on the same data dir and port: the bots reconnect, deliver what finished while
// it was down, and the rest is dispatched. Every task must end COMPLETED, and each must have
// started exactly once (its payload appends its task id to a shared file as it starts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  freePort,
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './child-processes';
import { waitUntil } from './conditions';
import { shTask, TasksApi } from './tasks-api';

const TASKS = 10;
const COORDINATOR_FLAGS = ['--bot-ping-tolerance', '10', '--heartbeat-interval', '2'];

let dir: ReturnType<typeof tempDir>;
let listen: string;
let coord: CoordinatorChild | undefined;
const bots: LoggedProcess[] = [];
const clients: TasksApi[] = [];

beforeAll(async () => {
  dir = tempDir('drover-faults-coord-crash-');
  // Bots must find the restarted coordinator where they left it: a fixed port, chosen free.
  listen = `127.0.0.1:${await freePort()}`;
  coord = await startCoordinatorChild({
    dataDir: dir.path,
    listen,
    extraArgs: COORDINATOR_FLAGS,
  });
  bots.push(
    ...(await Promise.all(
      ['crash-a', 'crash-b'].map((botId) => startBot({ server: listen, dataDir: dir.path, botId })),
    )),
  );
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(bots.map((b) => b.stop()));
  await coord?.proc.stop();
  dir?.remove();
});

function client(): TasksApi {
  const api = TasksApi.forDataDir(listen, dir.path);
  clients.push(api);
  return api;
}

const startedIds = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

describe('a coordinator killed with SIGKILL while tasks run', () => {
  it('finishes every task exactly once after a restart on the same data dir and port', async () => {
    const ledger = join(dir.path, 'started.txt');
    const before = client();
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const secs = 1 + (i % 3) * 0.5;
      const created = await before.newTask(
        shTask(`echo $DROVER_TASK_ID >> ${ledger}; sleep ${secs}; echo done $DROVER_TASK_ID`, {
          name: `batch-${i}`,
          tags: ['suite:coordinator-crash'],
        }),
      );
      ids.push(created.task_id);
    }

    // Kill while the second wave runs: some tasks done, two running, the rest pending.
    await waitUntil('3 tasks started', () => startedIds(ledger).length >= 3, {
      deadlineMs: 20_000,
    });
    const old = coord!;
    await old.proc.kill9();
    const startedBeforeCrash = startedIds(ledger);

    coord = await startCoordinatorChild({
      dataDir: dir.path,
      listen,
      extraArgs: COORDINATOR_FLAGS,
    });
    expect(coord.grpcAddress).toBe(listen);
    const after = client();
    const finals = await Promise.all(ids.map((id) => after.final(id, 60_000)));

    expect(startedBeforeCrash.length).toBeLessThan(TASKS);
    for (const [i, r] of finals.entries()) {
      expect(r, `task ${i} (${ids[i]}): ${r.summary}`).toMatchObject({
        state: 'COMPLETED',
        exit_code: 0,
      });
    }
    // None lost, none started twice, every output whole (what finished while the coordinator
    // was down was delivered after it came back).
    for (const id of ids) expect((await after.output(id)).toString()).toBe(`done ${id}\n`);
    expect([...startedIds(ledger)].sort()).toEqual([...ids].sort());
    expect(await after.count('QUERY_PENDING_RUNNING')).toBe(0);
    // The bots lived through it: they reconnected rather than restarted.
    expect(bots.every((b) => b.running)).toBe(true);
  });
});
