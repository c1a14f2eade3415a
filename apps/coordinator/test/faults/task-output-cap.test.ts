// The coordinator's own output cap (--max-task-output): a real bot whose --max-output is huge
// streams far past a small coordinator cap, and a bot whose cap equals it sends its own marker
// just past it. Either way the stored output stops at the cap plus one marker line, the bot is
// told to drop the rest (so it is not held for resend), and the task completes normally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './child-processes';
import { shTask, TasksApi } from './tasks-api';

const MIB = 1024 ** 2;
const CAP_BYTES = 1 * MIB;
const PRINTED_BYTES = 64 * MIB;

/** A coordinator capped at CAP_BYTES and one bot with `botMaxOutput`, for one describe block. */
function capped(botMaxOutput: string) {
  const env: { api?: TasksApi } = {};
  let dir: ReturnType<typeof tempDir>;
  let coord: CoordinatorChild | undefined;
  let bot: LoggedProcess | undefined;
  beforeAll(async () => {
    dir = tempDir('drover-faults-task-output-cap-');
    coord = await startCoordinatorChild({
      dataDir: dir.path,
      extraArgs: ['--max-task-output', String(CAP_BYTES)],
    });
    env.api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
    bot = await startBot({
      server: coord.grpcAddress,
      dataDir: dir.path,
      botId: 'output-cap-bot',
      extraArgs: ['--max-output', botMaxOutput],
    });
  });
  afterAll(async () => {
    env.api?.close();
    await bot?.kill9();
    await coord?.proc.stop();
    dir?.remove();
  });
  return env;
}

/** Runs a task printing PRINTED_BYTES of zeros, a pause, then a line; checks what is stored. */
async function expectCappedRun(api: TasksApi): Promise<void> {
  const created = await api.newTask(
    shTask(`head -c ${PRINTED_BYTES} /dev/zero; sleep 0.5; echo after-the-cap`, {
      executionTimeoutSecs: 60,
    }),
  );
  const done = await api.final(created.task_id, 40_000);

  expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
  const output = await api.output(done.task_id);
  expect(Number(done.output_size)).toBe(output.length);
  expect(output.subarray(0, CAP_BYTES).every((b) => b === 0)).toBe(true);
  const marker = output.subarray(CAP_BYTES).toString('utf8');
  expect(marker).toMatch(/^\n\[drover: output truncated: .*--max-task-output.*\]\n$/);
  expect(marker.trim().split('\n')).toHaveLength(1);
  expect(marker).not.toContain('after-the-cap');
}

describe('a bot with a 4 GiB --max-output against a 1 MiB --max-task-output', () => {
  const env = capped('4GiB');
  it('stores the cap plus one marker line, and the task completes normally', async () => {
    await expectCappedRun(env.api!);
  }, 60_000);
});

describe('a bot whose --max-output equals the --max-task-output', () => {
  const env = capped(String(CAP_BYTES));
  it("stores the cap plus the coordinator's marker in place of the bot's", async () => {
    await expectCappedRun(env.api!);
  }, 60_000);
});
