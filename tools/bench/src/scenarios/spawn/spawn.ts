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
import { cpuMsOf } from '../../harness/coordinator-replicas';
import { botCpu, cpuDelta, procCpu } from '../../harness/proc-cpu';
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
 * --bot-cpu-prof[=dir] writes CPU profiles of the bots; --bot-root=<checkout> runs the bots from
 * another checkout (an A/B run of the bot alone).
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
    const botRoot = ctx.options['bot-root'];
    const rig = await startDroverRig(ctx, {
      realBots: p.bots,
      ...(botProf ? { botExecArgv: botProf } : {}),
      ...(botRoot ? { botRoot } : {}),
    });
    const drover: number[] = [];
    const plain: number[] = [];
    // CPU ms per task (measured rounds), by process: where Drover's time goes beside the loop's.
    const cpu = {
      client: [0],
      coordinator: [0],
      bots: [0],
      payloads: [0],
      plain: [0],
      plainChildren: [0],
    };
    const spawner = await PlainSpawner.start(ctx.root);
    const botPids = rig.bots.map((b) => b.pid);
    try {
      for (let r = -1; r < p.rounds; r++) {
        const n = r < 0 ? p.warmupTasks : p.tasks;
        if (n === 0) continue; // --warmup=0: no warm-up round
        const label = r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`;
        ctx.progress(`${label}: Drover, ${n} tasks`);
        const before = {
          client: process.cpuUsage(),
          coordinator: await rig.set.stats(),
          bots: botPids.map(botCpu),
        };
        const d = await droverRound(ctx, rig, n, p.submitInFlight);
        const client = process.cpuUsage(before.client);
        const coordinator = await rig.set.stats();
        const bots = cpuDelta(before.bots, botPids.map(botCpu));
        ctx.progress(`${label}: plain execa, ${n} spawns`);
        const plainBefore = procCpu(spawner.pid);
        const s = n / ((await spawner.loop(['true'], n, p.bots)) / 1000);
        const plainCpu = cpuDelta([plainBefore], [procCpu(spawner.pid)]);
        if (r >= 0) {
          drover.push(d);
          plain.push(s);
          if (r === 0) for (const k of Object.keys(cpu) as (keyof typeof cpu)[]) cpu[k] = [];
          cpu.client.push((client.user + client.system) / 1000 / n);
          cpu.coordinator.push(
            coordinator.reduce(
              (sum, c, i) => sum + cpuMsOf(c) - cpuMsOf(before.coordinator[i]!),
              0,
            ) / n,
          );
          cpu.bots.push(bots.ownMs / n);
          cpu.payloads.push(bots.childrenMs / n);
          cpu.plain.push(plainCpu.ownMs / n);
          cpu.plainChildren.push(plainCpu.childrenMs / n);
        }
      }
    } finally {
      await spawner.close();
      await rig.close();
    }
    const ratios = drover.map((d, i) => d / plain[i]!);
    const ratioMedian = spreadOf(ratios).median;
    return {
      parameters: { ...p, ...(botRoot ? { botRoot } : {}) },
      figures: [],
      values: [
        roundsValue(`Drover: ${p.bots} bots, tasks/s`, 'tasks/s', drover),
        roundsValue(`plain execa at concurrency ${p.bots}: spawns/s`, 'spawns/s', plain),
        roundsValue('Drover/plain (per round)', '×', ratios),
        roundsValue(
          'CPU per task: client (this process: NewTask, WaitTask, CountTasks)',
          'ms',
          cpu.client,
        ),
        roundsValue('CPU per task: coordinator', 'ms', cpu.coordinator),
        roundsValue(
          `CPU per task: the ${p.bots} bot processes (their own, with their fork servers')`,
          'ms',
          cpu.bots,
        ),
        roundsValue(
          "CPU per task: the bots' and their fork servers' children (payloads; spares' shells), reaped",
          'ms',
          cpu.payloads,
        ),
        roundsValue('CPU per spawn: the plain loop process (its own)', 'ms', cpu.plain),
        roundsValue("CPU per spawn: the plain loop's children, reaped", 'ms', cpu.plainChildren),
      ],
      notes: [
        `Drover/plain = ${ratioMedian.toFixed(2)} (aim ≥ 0.9). The plain loop runs in one small process of its own (bin/bench-plain-spawner.js); Drover's rate includes its coordinator, ${p.bots} bot processes and this client, all on the same ${cpus().length} cores.`,
        `CPU per task: user+system time over each measured round divided by its tasks — this process by process.cpuUsage(), the coordinator by its own report, the bots (each with its fork server, drover-spawn, which forks the payloads for it) and the plain loop from /proc/<pid>/stat (10 ms ticks; "children": payloads reaped by then). Aim (issue 24) when the ratio falls short: the bots' own share ≤ the plain loop's per spawn + 1 ms. Bot CPU ${spreadOf(cpu.bots).median.toFixed(2)} ms vs plain ${spreadOf(cpu.plain).median.toFixed(2)} ms per spawn.`,
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
