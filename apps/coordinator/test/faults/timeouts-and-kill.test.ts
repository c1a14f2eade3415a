// The termination dance through the whole stack (Tasks API → coordinator → real bot process →
// payload): execution and I/O timeouts and CancelTask(kill_running) against payloads that ignore
// SIGTERM and fork, and one that cleans up within its grace period. After any end, no process of
// the payload may remain (a zombie waiting for its reaper counts as gone).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { startTestCoordinator, tempDir } from '../harness';
import { startBot, type LoggedProcess } from './child-processes';
import { isGone, killGroup, processState, waitForPids } from './conditions';
import { shTask, TasksApi, tsMs } from './tasks-api';

const BOT_ID = 'dance-bot';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: LoggedProcess | undefined;
let api: TasksApi;
/** Every pid a payload reported, killed in afterAll should a test fail half-way. */
const seenPids: number[] = [];

beforeAll(async () => {
  dir = tempDir('drover-faults-dance-');
  coord = await startTestCoordinator(dir.path, { heartbeatIntervalSecs: 2 });
  api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
  bot = await startBot({ server: coord.grpcAddress, dataDir: dir.path, botId: BOT_ID });
});

afterAll(async () => {
  for (const pid of seenPids) killGroup(pid);
  await bot?.kill9();
  api?.close();
  await coord?.close();
  dir?.remove();
});

/** A payload that ignores SIGTERM and leaves a grandchild; writes its pid, then the child's. */
const stubborn = (pidFile: string) =>
  `echo $$ > ${pidFile}; trap '' TERM; sleep 300 & echo $! >> ${pidFile}; wait`;

function expectAllGone(pids: readonly number[], when: string): void {
  for (const pid of pids) {
    expect(isGone(pid), `${when}: pid ${pid} is ${processState(pid)}`).toBe(true);
  }
}

describe('the termination dance, end to end', () => {
  it('ends a payload that ignores SIGTERM and forks TIMED_OUT after timeout + grace, leaving no process', async () => {
    const pidFile = join(dir.path, 'timeout.pids');
    const created = await api.newTask(
      shTask(stubborn(pidFile), { executionTimeoutSecs: 1, gracePeriodSecs: 1 }),
    );
    const pids = await waitForPids(pidFile, 2);
    seenPids.push(...pids);
    const done = await api.final(created.task_id, 20_000);

    expect(done).toMatchObject({ state: 'TIMED_OUT', failure: true, exit_code: -9 });
    const ranMs = tsMs(done.completed_ts)! - tsMs(done.started_ts)!;
    // SIGTERM at 1 s is ignored; SIGKILL after the 1 s grace.
    expect(ranMs).toBeGreaterThanOrEqual(1_900);
    expect(ranMs).toBeLessThan(10_000);
    expectAllGone(pids, 'once TIMED_OUT');
  });

  it('kills such a payload on CancelTask(kill_running): KILLED, abandoned_ts when asked, completed_ts after the grace', async () => {
    const pidFile = join(dir.path, 'kill.pids');
    const created = await api.newTask(
      shTask(stubborn(pidFile), { executionTimeoutSecs: 120, gracePeriodSecs: 1 }),
    );
    const pids = await waitForPids(pidFile, 2);
    seenPids.push(...pids);

    const askedFromMs = Date.now();
    const cancel = await api.cancel(created.task_id, true);
    const askedToMs = Date.now();
    expect(cancel).toMatchObject({ canceled: true, was_running: true });
    const done = await api.final(created.task_id, 20_000);

    expect(done).toMatchObject({ state: 'KILLED', exit_code: -9 });
    const abandonedMs = tsMs(done.abandoned_ts);
    const completedMs = tsMs(done.completed_ts);
    expect(abandonedMs).not.toBeNull();
    expect(completedMs).not.toBeNull();
    expect(abandonedMs!).toBeGreaterThanOrEqual(askedFromMs);
    expect(abandonedMs!).toBeLessThanOrEqual(askedToMs);
    // SIGTERM is ignored: the group dies of SIGKILL one grace period after the kill was asked.
    expect(completedMs! - abandonedMs!).toBeGreaterThanOrEqual(900);
    expectAllGone(pids, 'once KILLED');
  });

  it('ends a payload silent for longer than io_timeout TIMED_OUT, keeping what it printed', async () => {
    const pidFile = join(dir.path, 'io.pids');
    const created = await api.newTask(
      shTask(`echo $$ > ${pidFile}; echo once; exec sleep 300`, {
        executionTimeoutSecs: 120,
        ioTimeoutSecs: 1,
        gracePeriodSecs: 1,
      }),
    );
    const pids = await waitForPids(pidFile, 1);
    seenPids.push(...pids);
    const done = await api.final(created.task_id, 20_000);

    expect(done).toMatchObject({ state: 'TIMED_OUT', failure: true, output_size: 5 });
    expect(done.summary).toMatch(/output/);
    const ranMs = tsMs(done.completed_ts)! - tsMs(done.started_ts)!;
    expect(ranMs).toBeGreaterThanOrEqual(900);
    expect(ranMs).toBeLessThan(10_000);
    expect((await api.output(created.task_id)).toString()).toBe('once\n');
    expectAllGone(pids, 'once TIMED_OUT on io');
  });

  it('lets a payload that traps SIGTERM clean up and exit within its grace period', async () => {
    const pidFile = join(dir.path, 'trap.pids');
    const marker = join(dir.path, 'cleaned-up');
    const created = await api.newTask(
      shTask(
        `echo $$ > ${pidFile}; trap 'echo cleaned > ${marker}; exit 0' TERM; ` +
          'while :; do sleep 0.1; done',
        { executionTimeoutSecs: 1, gracePeriodSecs: 20 },
      ),
    );
    const pids = await waitForPids(pidFile, 1);
    seenPids.push(...pids);
    const done = await api.final(created.task_id, 20_000);

    expect(done).toMatchObject({ state: 'TIMED_OUT', exit_code: 0 });
    // It left at SIGTERM, long before SIGKILL would have come.
    const ranMs = tsMs(done.completed_ts)! - tsMs(done.started_ts)!;
    expect(ranMs).toBeLessThan(8_000);
    expect(existsSync(marker)).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('cleaned\n');
    expectAllGone(pids, 'after the trap');
  });

  it('leaves no descendant that left the process group (setsid) once the task ends', async () => {
    const pidFile = join(dir.path, 'setsid.pids');
    const created = await api.newTask(
      // The detached process writes its own pid (setsid may fork first); the payload exits once
      // it is written.
      shTask(
        `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' & ` +
          `while [ ! -s ${pidFile} ]; do sleep 0.05; done; echo detached`,
        {
          executionTimeoutSecs: 30,
          gracePeriodSecs: 1,
        },
      ),
    );
    const pids = await waitForPids(pidFile, 1);
    seenPids.push(...pids);
    const done = await api.final(created.task_id, 20_000);

    expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    expect((await api.output(created.task_id)).toString()).toBe('detached\n');
    expectAllGone(pids, 'once COMPLETED');
  });
});
