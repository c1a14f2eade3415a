import { cpus } from 'node:os';
import { benchTaskRequest } from '../../clients/tasks-client';
import {
  BENCH_POOL,
  cpuProfArgs,
  startDroverRig,
  waitFinal,
  type DroverRig,
} from '../../harness/drover-rig';
import { inFlight } from '../../harness/in-flight';
import { PlainSpawner } from '../../harness/plain-spawner';
import { roundsValue, spreadOf } from '../../harness/rounds';
import { numberOption, type Scenario, type ScenarioContext } from '../../harness/scenario';

/**
 * spawn (DESIGN.md §8): `bots` real drover-bots running `tasks` `true` tasks, vs one process
 * spawning the same `tasks` with execa at concurrency `bots`: the ratio of the rates,
 * Drover/plain, is how close Drover comes to the machine's limit. Aim: ≥ 0.9.
 *
 * A Drover round: all NewTasks submitted (`in-flight` outstanding) while the bots run them, until
 * no task is PENDING or RUNNING. Rounds alternate Drover and plain.
 *
 * Options: --tasks (2000) --bots (2) --rounds (3) --in-flight (16) --warmup (200);
 * --bot-cpu-prof[=dir] writes CPU profiles of the bots.
 */
export const spawnScenario: Scenario = {
  name: 'spawn',
  description: '2 real bots running 2,000 `true` tasks vs a plain execa loop at concurrency 2',
  async run(ctx) {
    const p = {
      tasks: numberOption(ctx, 'tasks', 2000),
      bots: numberOption(ctx, 'bots', 2),
      rounds: numberOption(ctx, 'rounds', 3),
      submitInFlight: numberOption(ctx, 'in-flight', 16),
      warmupTasks: numberOption(ctx, 'warmup', 200),
      payload: 'true',
    };
    ctx.progress(`starting a coordinator and ${p.bots} bots`);
    const botProf = cpuProfArgs(ctx.options['bot-cpu-prof']);
    const rig = await startDroverRig(ctx, {
      realBots: p.bots,
      ...(botProf ? { botExecArgv: botProf } : {}),
    });
    const drover: number[] = [];
    const plain: number[] = [];
    const spawner = await PlainSpawner.start(ctx.root);
    try {
      for (let r = -1; r < p.rounds; r++) {
        const n = r < 0 ? p.warmupTasks : p.tasks;
        const label = r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`;
        ctx.progress(`${label}: Drover, ${n} tasks`);
        const d = await droverRound(ctx, rig, n, p.submitInFlight);
        ctx.progress(`${label}: plain execa, ${n} spawns`);
        const s = n / ((await spawner.loop(['true'], n, p.bots)) / 1000);
        if (r >= 0) {
          drover.push(d);
          plain.push(s);
        }
      }
    } finally {
      await spawner.close();
      await rig.close();
    }
    const ratios = drover.map((d, i) => d / plain[i]!);
    const ratioMedian = spreadOf(ratios).median;
    return {
      parameters: p,
      figures: [],
      values: [
        roundsValue(`Drover: ${p.bots} bots, tasks/s`, 'tasks/s', drover),
        roundsValue(`plain execa at concurrency ${p.bots}: spawns/s`, 'spawns/s', plain),
        roundsValue('Drover/plain (per round)', '×', ratios),
      ],
      notes: [
        `Drover/plain = ${ratioMedian.toFixed(2)} (aim ≥ 0.9). The plain loop runs in one small process of its own (bin/bench-plain-spawner.js); Drover's rate includes its coordinator, ${p.bots} bot processes and this client, all on the same ${cpus().length} cores.`,
      ],
    };
  },
};

/** tasks/s: first NewTask → no task PENDING or RUNNING. */
async function droverRound(
  ctx: ScenarioContext,
  rig: DroverRig,
  n: number,
  submitInFlight: number,
): Promise<number> {
  const request = benchTaskRequest({ pool: BENCH_POOL });
  const ids: string[] = [];
  const t0 = performance.now();
  await inFlight(
    n,
    submitInFlight,
    async (i) => {
      ids[i] = (await rig.client.newTask(request, { deadlineMs: 30_000 })).task_id;
    },
    ctx.signal,
  );
  // Dispatch is FIFO within a priority: the last task submitted is among the last to end.
  const last = await waitFinal(rig.client, ids[n - 1]!, 300_000, ctx.signal);
  if (last.state !== 'COMPLETED') throw new Error(`spawn: a task ended ${String(last.state)}`);
  const deadline = performance.now() + 60_000;
  for (;;) {
    const { count } = await rig.client.countTasks({ state: 'QUERY_PENDING_RUNNING' });
    if (Number(count) === 0) break;
    if (performance.now() > deadline) throw new Error(`spawn: ${count} tasks still open`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const failed = await rig.client.countTasks({ state: 'QUERY_COMPLETED_FAILURE' });
  if (Number(failed.count) > 0) throw new Error(`spawn: ${failed.count} tasks failed`);
  return n / elapsedS;
}
