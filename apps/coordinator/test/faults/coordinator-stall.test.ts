// A coordinator that does not run (SIGSTOP, then SIGCONT: as a process blocked by work, a
// suspended VM, a debugger) for longer than the ping tolerance, while real bots go on
// heartbeating into their sockets: when it runs again, it must read what waited there before
// judging anyone silent — no task of a live bot ends BOT_DIED. The opposite must still
// hold: a bot that really goes silent (SIGSTOP of the bot) ends BOT_DIED within the tolerance of
// the time the coordinator ran.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LogRecord,
  type LoggedProcess,
} from './child-processes';
import { killGroup, processState, waitForPids, waitUntil } from './conditions';
import { shTask, TasksApi, tsMs } from './tasks-api';

const TOLERANCE_SECS = 2;
const TOLERANCE_MS = TOLERANCE_SECS * 1000;
/** How long the coordinator is stopped: well past the tolerance. */
const STALL_MS = 3 * TOLERANCE_MS;

let dir: ReturnType<typeof tempDir>;
let coord: CoordinatorChild;
let api: TasksApi;
const bots = new Map<string, LoggedProcess>();
const payloads: number[] = [];
/** The coordinator's log records since it started. */
const records: LogRecord[] = [];

beforeAll(async () => {
  dir = tempDir('drover-faults-stall-');
  coord = await startCoordinatorChild({
    dataDir: dir.path,
    extraArgs: ['--bot-ping-tolerance', String(TOLERANCE_SECS), '--heartbeat-interval', '1'],
  });
  coord.proc.records.on('record', (r) => records.push(r));
  api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
  const ids = ['stall-a', 'stall-b', 'stall-c'];
  const started = await Promise.all(
    ids.map((botId) => startBot({ server: coord.grpcAddress, dataDir: dir.path, botId })),
  );
  ids.forEach((id, i) => bots.set(id, started[i]!));
}, 60_000);

afterAll(async () => {
  for (const bot of bots.values()) bot.child.kill('SIGCONT');
  coord?.proc.child.kill('SIGCONT');
  for (const pid of payloads) killGroup(pid);
  await Promise.all([...bots.values()].map((b) => b.kill9()));
  api?.close();
  await coord?.proc.stop();
  dir?.remove();
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGSTOP or SIGCONT, then waits until /proc shows the process stopped or running again. */
async function signal(proc: LoggedProcess, sig: 'SIGSTOP' | 'SIGCONT'): Promise<number> {
  proc.child.kill(sig);
  await waitUntil(
    `${proc.name} ${sig === 'SIGSTOP' ? 'stopped' : 'running again'}`,
    () => (processState(proc.pid) === 'T') === (sig === 'SIGSTOP'),
    { deadlineMs: 5_000, intervalMs: 5 },
  );
  return Date.now();
}

/** A task on bot `botId` that ticks every 0.2 s until `goFile` exists, then exits 0. */
async function tickingTask(
  botId: string,
  goFile: string,
): Promise<{ taskId: string; pid: number }> {
  const pidFile = join(dir.path, `${botId}-${Date.now()}.pid`);
  const created = await api.newTask(
    shTask(
      `echo $$ > ${pidFile}; while [ ! -e ${goFile} ]; do echo tick; sleep 0.2; done; echo done`,
      { dims: [`id=${botId}`], executionTimeoutSecs: 120 },
    ),
  );
  const [pid] = await waitForPids(pidFile, 1);
  payloads.push(pid!);
  await waitUntil(
    `task ${created.task_id} RUNNING with output`,
    async () => {
      const r = await api.result(created.task_id);
      return r.state === 'RUNNING' && Number(r.output_size) > 0;
    },
    { deadlineMs: 15_000, intervalMs: 50 },
  );
  return { taskId: created.task_id, pid: pid! };
}

describe('a coordinator stopped for longer than the ping tolerance', () => {
  it('ends no task of a bot that heartbeated throughout BOT_DIED, and still that of a bot that was silent', async () => {
    const goFile = join(dir.path, 'go-stall');
    const a = await tickingTask('stall-a', goFile);
    const b = await tickingTask('stall-b', goFile);
    const c = await tickingTask('stall-c', goFile);
    const from = records.length;

    // Bot c goes silent for real just before the coordinator stops; a and b go on heartbeating.
    const silentAtMs = await signal(bots.get('stall-c')!, 'SIGSTOP');
    const stalled = coord.proc.waitForRecord(
      '"event loop stalled"',
      (r) => r.msg === 'event loop stalled',
      STALL_MS + 20_000,
    );
    const stoppedAtMs = await signal(coord.proc, 'SIGSTOP');
    await delay(STALL_MS); // the stall itself: the coordinator runs nothing meanwhile
    // The bots of a and b ran throughout (writing heartbeats nobody read).
    expect(processState(bots.get('stall-a')!.pid)).not.toBe('T');
    expect(processState(bots.get('stall-b')!.pid)).not.toBe('T');
    const resumedAtMs = await signal(coord.proc, 'SIGCONT');

    // It measured its own stall…
    const seen = await stalled;
    expect(Number(seen['stalledMs'])).toBeGreaterThanOrEqual(STALL_MS - 500);
    // …and ends the silent bot's task within the tolerance of the time it ran (c was heard last
    // at most a heartbeat before it stopped; ~0 s of that ran before the stall).
    const died = await api.final(c.taskId, TOLERANCE_MS + 10_000);
    expect(died).toMatchObject({ state: 'BOT_DIED', bot_id: 'stall-c' });
    const abandonedMs = tsMs(died.abandoned_ts)!;
    expect(abandonedMs).toBeGreaterThanOrEqual(resumedAtMs);
    expect(abandonedMs - resumedAtMs).toBeLessThanOrEqual(TOLERANCE_MS + 1000);
    expect(stoppedAtMs - silentAtMs).toBeLessThan(TOLERANCE_MS);

    // The live bots' streams are read again (their output grows) past the point where the
    // silent bot's task ended: every watchdog has had its say by then.
    for (const t of [a, b]) {
      const size = Number((await api.result(t.taskId)).output_size);
      await waitUntil(
        `output of ${t.taskId} to grow after the stall`,
        async () => Number((await api.result(t.taskId)).output_size) > size,
        { deadlineMs: 5_000, intervalMs: 50 },
      );
    }
    writeFileSync(goFile, '');
    for (const t of [a, b]) {
      expect(await api.final(t.taskId, 15_000)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    }
    // No session of a live bot was dropped: only c's.
    const disconnected = records
      .slice(from)
      .filter((r) => r.msg === 'bot disconnected')
      .map((r) => r['botId']);
    expect(disconnected).toEqual(['stall-c']);
    await signal(bots.get('stall-c')!, 'SIGCONT');
  }, 90_000);

  it('a bot stopped (SIGSTOP) while the coordinator runs ends BOT_DIED within the tolerance + 1 s', async () => {
    const goFile = join(dir.path, 'go-silent');
    const a = await tickingTask('stall-a', goFile);
    const stoppedAtMs = await signal(bots.get('stall-a')!, 'SIGSTOP');
    const died = await api.final(a.taskId, TOLERANCE_MS + 10_000);
    expect(died).toMatchObject({ state: 'BOT_DIED', bot_id: 'stall-a' });
    const abandonedMs = tsMs(died.abandoned_ts)!;
    expect(abandonedMs - stoppedAtMs).toBeLessThanOrEqual(TOLERANCE_MS + 1000);
    expect(abandonedMs - stoppedAtMs).toBeGreaterThanOrEqual(TOLERANCE_MS - 1000);
    await signal(bots.get('stall-a')!, 'SIGCONT');
  }, 60_000);
});
