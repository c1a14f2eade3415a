import { cpus } from 'node:os';
import { cpuProfArgs } from '../../harness/drover-rig';
import { roundsValue } from '../../harness/rounds';
import {
  UsageError,
  numberOption,
  type Scenario,
  type ScenarioContext,
  type Value,
} from '../../harness/scenario';
import type { BotReports } from '../../clients/bench-bot';
import { storeChoice, storeDescription, storeResultName } from '../../harness/store-choice';
import { runDroverLifecycle, type LifecycleParams, type LifecycleRun } from './drover-lifecycle';

/** Tasks per NewTasks in the batched variant unless --batch says otherwise. */
export const DEFAULT_BATCH = 100;

/**
 * The sizes, scaled with --tasks --bots --in-flight --rounds --warmup; --batch (100; 0 =
 * no batched variant) --batch-in-flight (4) --bot-reports finish|full (finish).
 */
export function lifecycleParams(ctx: ScenarioContext): LifecycleParams & { batch: number } {
  const tasks = numberOption(ctx, 'tasks', 20_000);
  const prof = cpuProfArgs(ctx.options['cpu-prof']);
  return {
    tasks,
    bots: numberOption(ctx, 'bots', 100),
    inFlight: numberOption(ctx, 'in-flight', 64),
    rounds: numberOption(ctx, 'rounds', 3),
    warmupTasks: numberOption(ctx, 'warmup', Math.ceil(tasks / 10)),
    batch: Math.floor(numberOption(ctx, 'batch', DEFAULT_BATCH)),
    batchInFlight: Math.max(1, numberOption(ctx, 'batch-in-flight', 4)),
    botReports: botReportsOption(ctx.options),
    ...(prof ? { coordinatorExecArgv: prof } : {}),
  };
}

/** --bot-reports: what each simulated bot sends per task (bench-bot.ts, BotReports). */
export function botReportsOption(options: Readonly<Record<string, string>>): BotReports {
  const v = options['bot-reports'] ?? 'finish';
  if (v !== 'finish' && v !== 'full')
    throw new UsageError(`--bot-reports: must be finish or full, got ${v}`);
  return v;
}

/** --batch: at most NewTasks' 1000 requests. */
export function checkBatchOption(options: Readonly<Record<string, string>>): void {
  const raw = options['batch'];
  if (raw === undefined) return;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 1000)
    throw new UsageError(
      `--batch: must be a whole number from 0 to 1000 (NewTasks' limit), got ${raw}`,
    );
}

/**
 * lifecycle (DESIGN.md §8): submit + dispatch + complete, tasks/s, through a real coordinator
 * (embedded SQLite store) and 100 simulated bots that finish each task at once. Stretch aim:
 * 10,000 tasks/s; peers compares it with BullMQ.
 *
 * Options: --tasks (20000) --bots (100) --in-flight (64) --rounds (3) --warmup (tasks/10)
 * --batch N (100; 0 = none): a second run submitting with NewTasks of N tasks (--batch-in-flight
 * calls outstanding, 4) beside the one NewTask per task; --bot-reports finish|full (finish: each
 * bot sends TaskFinished alone; full: TaskStarted + one Output + TaskFinished together)
 * --store sqlite|postgres (sqlite) --replicas N (1; > 1 needs postgres: the bots round-robin
 * over the replicas, and so do the submissions) --cpu-prof[=dir] (profile the coordinator;
 * default dir bench/results/profiles).
 */
export const lifecycle: Scenario = {
  name: 'lifecycle',
  description: 'tasks/s submit+dispatch+complete: 20k tasks, 100 simulated bots, SQLite (--store)',
  checkOptions: (options) => {
    storeChoice(options);
    botReportsOption(options);
    checkBatchOption(options);
  },
  resultName: (options) => storeResultName('lifecycle', storeChoice(options)),
  async run(ctx) {
    const store = storeChoice(ctx.options);
    const p = lifecycleParams(ctx);
    const run = await runDroverLifecycle(ctx, { ...p, store, batch: 0 });
    const batched =
      p.batch > 1 ? await runDroverLifecycle(ctx, { ...p, store, batch: p.batch }) : undefined;
    return {
      parameters: {
        ...p,
        store: store.kind,
        replicas: store.replicas,
        storeDetail: storeDescription(store),
        payload:
          p.botReports === 'full'
            ? 'none: a simulated bot answers each Assign with TaskStarted, Output("ok\\n") and TaskFinished(exit 0) at once'
            : 'none: a simulated bot answers each Assign with TaskFinished(exit 0) at once',
        ...(store.replicas > 1
          ? { spread: 'bot i on replica i % N; NewTasks round-robin over the replicas' }
          : {}),
      },
      figures: [],
      values: [
        roundsValue(
          'Drover: tasks/s, first NewTask → last result stored',
          'tasks/s',
          run.ratesPerRound,
        ),
        ...(batched === undefined
          ? []
          : [
              roundsValue(
                `Drover, NewTasks of ${p.batch}: tasks/s, first NewTasks → last result stored`,
                'tasks/s',
                batched.ratesPerRound,
              ),
              {
                name: `coordinator CPU per task (user+system), NewTasks of ${p.batch}`,
                value: batched.coordinatorCpuMsPerTask,
                unit: 'ms',
              },
              {
                name: `bench process (producer + simulated bots) CPU per task, NewTasks of ${p.batch}`,
                value: batched.benchCpuMsPerTask,
                unit: 'ms',
              },
            ]),
        {
          name:
            store.replicas > 1
              ? `coordinator CPU per task (user+system), summed over ${store.replicas} replicas`
              : 'coordinator CPU per task (user+system)',
          value: run.coordinatorCpuMsPerTask,
          unit: 'ms',
        },
        {
          name: 'bench process (producer + simulated bots) CPU per task',
          value: run.benchCpuMsPerTask,
          unit: 'ms',
        },
        ...replicaValues(run),
      ],
      notes: [
        `The simulated bots and the producer run in the bench process, the coordinator${store.replicas > 1 ? 's each in a child process' : ' in a child process'}: all share the machine's ${cpus().length} cores.`,
        ...(store.kind === 'postgres'
          ? [
              'PostgreSQL runs on the same machine: its CPU time is not in the coordinator CPU figures.',
            ]
          : []),
      ],
    };
  },
};

function replicaValues(run: LifecycleRun): Value[] {
  if (run.perReplica.length === 1) {
    return [
      {
        name: 'coordinator RSS at the end',
        value: run.coordinatorRssBytes / 2 ** 20,
        unit: 'MiB',
      },
    ];
  }
  return run.perReplica.flatMap((r, i) => [
    { name: `replica ${i}: CPU per task (user+system)`, value: r.cpuMsPerTask, unit: 'ms' },
    { name: `replica ${i}: RSS at the end`, value: r.rssBytes / 2 ** 20, unit: 'MiB' },
  ]);
}
