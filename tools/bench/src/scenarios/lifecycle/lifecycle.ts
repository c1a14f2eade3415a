import { cpus } from 'node:os';
import { cpuProfArgs } from '../../harness/drover-rig';
import { roundsValue } from '../../harness/rounds';
import { numberOption, type Scenario, type ScenarioContext } from '../../harness/scenario';
import { runDroverLifecycle, type LifecycleParams } from './drover-lifecycle';

/** The sizes, scaled with --tasks --bots --in-flight --rounds --warmup. */
export function lifecycleParams(ctx: ScenarioContext): LifecycleParams {
  const tasks = numberOption(ctx, 'tasks', 20_000);
  const prof = cpuProfArgs(ctx.options['cpu-prof']);
  return {
    tasks,
    bots: numberOption(ctx, 'bots', 100),
    inFlight: numberOption(ctx, 'in-flight', 64),
    rounds: numberOption(ctx, 'rounds', 3),
    warmupTasks: numberOption(ctx, 'warmup', Math.ceil(tasks / 10)),
    ...(prof ? { coordinatorExecArgv: prof } : {}),
  };
}

/**
 * lifecycle (DESIGN.md §8): submit + dispatch + complete, tasks/s, through a real coordinator
 * (embedded SQLite store) and 100 simulated bots that finish each task at once. Stretch aim:
 * 10,000 tasks/s; peers compares it with BullMQ.
 *
 * Options: --tasks (20000) --bots (100) --in-flight (64) --rounds (3) --warmup (tasks/10)
 * --cpu-prof[=dir] (profile the coordinator; default dir bench/results/profiles).
 */
export const lifecycle: Scenario = {
  name: 'lifecycle',
  description: 'tasks/s submit+dispatch+complete: 20k tasks, 100 simulated bots, SQLite store',
  async run(ctx) {
    const p = lifecycleParams(ctx);
    const run = await runDroverLifecycle(ctx, p);
    return {
      parameters: {
        ...p,
        payload: 'none: a simulated bot answers each Assign with TaskFinished(exit 0) at once',
        store: 'SQLite, WAL, synchronous=NORMAL, temp dir',
      },
      figures: [],
      values: [
        roundsValue(
          'Drover: tasks/s, first NewTask → last result stored',
          'tasks/s',
          run.ratesPerRound,
        ),
        {
          name: 'coordinator CPU per task (user+system)',
          value: run.coordinatorCpuMsPerTask,
          unit: 'ms',
        },
        {
          name: 'coordinator RSS at the end',
          value: run.coordinatorRssBytes / 2 ** 20,
          unit: 'MiB',
        },
      ],
      notes: [
        `The simulated bots and the producer run in the bench process, the coordinator in a child process: both share the machine's ${cpus().length} cores.`,
      ],
    };
  },
};
