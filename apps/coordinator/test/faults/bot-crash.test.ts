// kill -9 of a real bot process in the middle of a task, over and over against one coordinator:
// each time the task must become BOT_DIED within the ping tolerance (+1 s), with internal_failure
// and abandoned_ts, its payload must be gone within 2 s (the bot's cgroup watchdog: the suite runs
// as root, so a bot run by hand has a cgroup per task), and in the end no task may be left
// RUNNING. Then the same bot restarted after kill -9: the task it lost ends at its return; without
// cgroups (--containment pgroup) the payload its dead run left is killed then.
//
// Soak: DROVER_SOAK_ROUNDS=500 npx vitest run apps/coordinator/test/faults/bot-crash.test.ts
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { startTestCoordinator, tempDir } from '../harness';
import { spawnBot, startBot, type LoggedProcess } from './child-processes';
import { isGone, killGroup, processState, waitForPids, waitUntil } from './conditions';
import { shTask, TasksApi, tsMs } from './tasks-api';

const ROUNDS = Number(process.env['DROVER_SOAK_ROUNDS'] ?? 10);
const TOLERANCE_SECS = 1;
const TOLERANCE_MS = TOLERANCE_SECS * 1000;
/** Bots started ahead of the round that uses them (a bot takes ~1–2 s to start through tsx). */
const LOOKAHEAD = 2;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let api: TasksApi;
const spawned: LoggedProcess[] = [];
const orphans: number[] = [];

beforeAll(async () => {
  dir = tempDir('drover-faults-bot-crash-');
  coord = await startTestCoordinator(dir.path, { botPingToleranceSecs: TOLERANCE_SECS });
  api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
});

afterAll(async () => {
  await Promise.all(spawned.map((p) => p.kill9()));
  for (const pid of orphans) killGroup(pid);
  api?.close();
  await coord?.close();
  dir?.remove();
});

const botId = (round: number) => `crash-bot-${round}`;

function spawnRoundBot(round: number): Promise<LoggedProcess> {
  const { proc, ready } = spawnBot({
    server: coord.grpcAddress,
    dataDir: dir.path,
    botId: botId(round),
  });
  spawned.push(proc);
  return ready;
}

describe('a bot killed with SIGKILL while its task runs', () => {
  it(
    `ends the task BOT_DIED within the ping tolerance + 1 s, ${ROUNDS} times in a row, leaving none RUNNING`,
    async () => {
      const upcoming: Array<Promise<LoggedProcess>> = [];
      for (let r = 0; r < Math.min(LOOKAHEAD, ROUNDS); r++) upcoming.push(spawnRoundBot(r));

      for (let round = 0; round < ROUNDS; round++) {
        const bot = await upcoming.shift()!;
        if (round + LOOKAHEAD < ROUNDS) upcoming.push(spawnRoundBot(round + LOOKAHEAD));

        const pidFile = join(dir.path, `payload-${round}.pid`);
        const created = await api.newTask(
          shTask(`echo $$ > ${pidFile}; exec sleep 300`, {
            name: `crash-${round}`,
            dims: [`id=${botId(round)}`],
            tags: ['suite:bot-crash'],
          }),
        );
        // The payload runs (it wrote its pid): the task is mid-flight on this bot.
        const [pid] = await waitForPids(pidFile, 1);
        orphans.push(pid!);
        const before = await api.result(created.task_id);
        expect(before, `round ${round}: running before the kill`).toMatchObject({
          state: 'RUNNING',
          bot_id: botId(round),
        });

        const killedAtMs = Date.now();
        await bot.kill9();
        // Gone with its bot, well within the grace period (30 s by default).
        await waitUntil(`round ${round}: the payload gone with its bot`, () => isGone(pid!), {
          deadlineMs: 2_000,
        });
        const died = await api.final(created.task_id, TOLERANCE_MS + 10_000);
        const seenAtMs = Date.now();

        expect(died, `round ${round}`).toMatchObject({
          state: 'BOT_DIED',
          internal_failure: true,
          bot_id: botId(round),
        });
        const abandonedMs = tsMs(died.abandoned_ts);
        expect(abandonedMs, `round ${round}: abandoned_ts`).not.toBeNull();
        // Not before the bot died, and no later than the tolerance (+1 s) after.
        expect(abandonedMs!, `round ${round}: abandoned_ts after the kill`).toBeGreaterThanOrEqual(
          killedAtMs,
        );
        expect(
          abandonedMs! - killedAtMs,
          `round ${round}: abandoned_ts − kill`,
        ).toBeLessThanOrEqual(TOLERANCE_MS + 1000);
        expect(seenAtMs - killedAtMs, `round ${round}: seen BOT_DIED − kill`).toBeLessThanOrEqual(
          TOLERANCE_MS + 1000,
        );

        killGroup(pid!);
      }

      expect(await api.count('QUERY_RUNNING')).toBe(0);
      expect(await api.list('QUERY_RUNNING')).toEqual([]);
      expect(await api.count('QUERY_BOT_DIED')).toBe(ROUNDS);
    },
    ROUNDS * 5_000 + 30_000,
  );
});

describe('a bot restarted after kill -9', () => {
  let own: ReturnType<typeof tempDir>;
  let c: RunningCoordinator;
  let client: TasksApi;

  beforeAll(async () => {
    // A tolerance far longer than the tests: only the bot's return can end its lost task.
    own = tempDir('drover-faults-bot-restart-');
    c = await startTestCoordinator(own.path, { botPingToleranceSecs: 60 });
    client = TasksApi.forDataDir(c.grpcAddress, own.path);
  });

  afterAll(async () => {
    client?.close();
    await c?.close();
    own?.remove();
  });

  /**
   * Runs `script` on bot `id` (its first line writes the payload's pid), has the bot die by
   * `crash`, restarts it, and checks: the payload is gone once the bot is ready again, the task
   * is BOT_DIED, and the bot takes work again.
   */
  async function crashAndRestart(
    id: string,
    script: (pidFile: string) => string,
    crash: (bot: LoggedProcess, taskId: string) => Promise<void>,
    containment: 'cgroup' | 'pgroup',
    /**
     * Whether a process group's payload is sure to outlive the crash until the restart: not when
     * the bot dies the instant it spawned it, as its fork server kills a payload whose start the
     * bot had not taken yet (it depends on which of them the machine ran first).
     */
    pgroupSurvives = true,
  ) {
    const opts = {
      server: c.grpcAddress,
      dataDir: own.path,
      botId: id,
      extraArgs: ['--containment', containment],
    };
    let bot = await startBot(opts);
    spawned.push(bot);
    const pidFile = join(own.path, `${id}.pid`);
    let pid: number | undefined;
    try {
      const created = await client.newTask(shTask(script(pidFile), { dims: [`id=${id}`] }));
      await crash(bot, created.task_id);
      [pid] = await waitForPids(pidFile, 1);
      expect(bot.running).toBe(false);
      if (containment === 'cgroup')
        await waitUntil('the payload gone with its bot', () => isGone(pid!), { deadlineMs: 2_000 });
      else if (pgroupSurvives) {
        expect(isGone(pid!), 'kill -9 of the bot leaves its payload running').toBe(false);
      }

      bot = await startBot(opts);
      spawned.push(bot);
      const readyAtMs = Date.now();
      // Leftover groups are killed at start-up, before the bot connects.
      expect(isGone(pid!), `the previous run's payload (pid ${pid}) is ${processState(pid!)}`).toBe(
        true,
      );
      const died = await client.final(created.task_id, 10_000);
      expect(died).toMatchObject({ state: 'BOT_DIED', internal_failure: true, bot_id: id });
      expect(died.summary).toMatch(/restart|reconnect/);
      expect(tsMs(died.abandoned_ts)!).toBeLessThanOrEqual(readyAtMs + 1000);
      const next = await client.newTask(shTask('echo again', { dims: [`id=${id}`] }));
      expect(await client.final(next.task_id, 15_000)).toMatchObject({ state: 'COMPLETED' });
    } finally {
      if (pid !== undefined) killGroup(pid);
      await bot.kill9();
    }
  }

  for (const containment of ['cgroup', 'pgroup'] as const) {
    it(`ends the task it lost BOT_DIED when it reconnects, its payload gone (${containment})`, async () => {
      await crashAndRestart(
        `phoenix-${containment}`,
        (pidFile) => `echo $$ > ${pidFile}; echo started; exec sleep 300`,
        async (bot, taskId) => {
          // Killed once the payload's output reached the coordinator: well into the run.
          await waitUntil(
            "the payload's first output",
            async () => (await client.output(taskId)).length > 0,
            { deadlineMs: 15_000 },
          );
          await bot.kill9();
        },
        containment,
      );
    });

    it(`a payload whose bot died the instant it was spawned does not outlive it (${containment})`, async () => {
      // The payload SIGKILLs its bot (its parent, or its fork server's) first thing: a crash at the
      // worst moment. It writes its pid first: the cgroup's watchdog, or the fork server when the
      // bot had not taken its start yet, may kill it before the next command.
      await crashAndRestart(
        `phoenix-instant-${containment}`,
        (pidFile) => `echo $$ > ${pidFile}; ${BOT_PID} kill -9 $bot; exec sleep 300`,
        async (bot) => {
          await bot.exited;
        },
        containment,
        false,
      );
    });
  }
});

/**
 * Sets `$bot` to the bot's pid, in a payload: its parent, or its parent's parent when the bot's
 * fork server (apps/bot/src/containment/fork-server.ts) forked it.
 */
const BOT_PID = `bot=$PPID; [ "$(cat /proc/$bot/comm)" = drover-spawn ] && bot=$(cut -d' ' -f4 /proc/$bot/stat);`;
