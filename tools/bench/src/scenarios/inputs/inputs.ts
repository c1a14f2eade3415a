import type { NewTaskRequest } from '@drover/protocol';
import { BENCH_POOL, startDroverRig, waitFinal } from '../../harness/drover-rig';
import {
  numberOption,
  type Scenario,
  type ScenarioContext,
  type Value,
} from '../../harness/scenario';
import { makeTrees, treeSequence, uploadTrees, type BenchTree } from './input-trees';

const MIB = 1024 * 1024;

interface InputsParams {
  readonly tasks: number;
  readonly bots: number;
  readonly trees: number;
  readonly filesPerTree: number;
  readonly fileBytes: number;
  /** Tasks submitted together, each wave once the previous one has ended (bots all idle). */
  readonly wave: number;
  /** Each bot's --cas-cache-max-bytes, in trees (0: the bot's default, 20 GiB). */
  readonly cacheTrees: number;
  readonly seed: number;
}

interface InputsRun {
  readonly affinity: boolean;
  readonly wallS: number;
  readonly fetchedBytes: number;
  readonly fetchS: number;
  /** Tasks whose bot downloaded nothing (it held the whole tree). */
  readonly warmTasks: number;
  /** Distinct (bot, tree) pairs that ran: how far each tree spread over the fleet. */
  readonly botTreePairs: number;
}

/**
 * inputs (issue 26): cache-aware dispatch. The same `tasks` tasks, each with one of `trees` input
 * trees (`files` random files of `file-mib` MiB each) in a seeded order, run on `bots` real bots
 * twice: on a coordinator preferring, among the idle matching bots, one that holds the task's
 * tree (the default), and on one without the preference (startCoordinator's inputAffinity off).
 * Each run starts fresh (new coordinator, empty bot caches; the trees uploaded once to it). The
 * tasks go in waves of `wave` submitted together, the next wave once the previous one has ended,
 * so each new task finds several bots idle (the preference is only a choice among idle bots).
 * Bots' caches hold `cache-trees` trees (the working set is larger than one bot's cache).
 *
 * Printed: bytes the bots downloaded (Σ inputs_fetched_bytes), wall time (first NewTask → last
 * result), Σ inputs_fetch_duration, tasks that downloaded nothing, (bot, tree) pairs.
 *
 * Options: --tasks (100) --bots (4) --trees (4) --files (5) --file-mib (1) --wave (bots)
 * --cache-trees (2; 0 = the bot's default 20 GiB) --seed (26).
 */
export const inputs: Scenario = {
  name: 'inputs',
  description: 'cache-aware dispatch: 100 tasks over 4 input trees of 5 MiB on 4 real bots, on/off',
  async run(ctx) {
    let p: InputsParams = {
      tasks: numberOption(ctx, 'tasks', 100),
      bots: numberOption(ctx, 'bots', 4),
      trees: numberOption(ctx, 'trees', 4),
      filesPerTree: numberOption(ctx, 'files', 5),
      fileBytes: Math.round(numberOption(ctx, 'file-mib', 1) * MIB),
      wave: 0,
      cacheTrees: numberOption(ctx, 'cache-trees', 2),
      seed: numberOption(ctx, 'seed', 26),
    };
    p = { ...p, wave: Math.max(1, numberOption(ctx, 'wave', p.bots)) };
    ctx.progress(`making ${p.trees} trees of ${p.filesPerTree} × ${p.fileBytes} bytes`);
    const trees = makeTrees(p.trees, p.filesPerTree, p.fileBytes);
    const order = treeSequence(p.tasks, p.trees, p.seed);
    const runs: InputsRun[] = [];
    for (const affinity of [true, false]) {
      runs.push(await inputsRun(ctx, p, trees, order, affinity));
    }
    const [on, off] = runs as [InputsRun, InputsRun];
    const values: Value[] = [];
    for (const r of runs) {
      const label = r.affinity ? 'preference on' : 'preference off';
      values.push(
        { name: `${label}: bytes downloaded`, value: r.fetchedBytes / MIB, unit: 'MiB' },
        { name: `${label}: wall time`, value: r.wallS, unit: 's' },
        { name: `${label}: Σ inputs_fetch_duration`, value: r.fetchS, unit: 's' },
        { name: `${label}: tasks downloading nothing`, value: r.warmTasks, unit: 'tasks' },
        { name: `${label}: (bot, tree) pairs`, value: r.botTreePairs, unit: 'pairs' },
      );
    }
    values.push({
      name: 'bytes downloaded, off/on',
      value: on.fetchedBytes === 0 ? Infinity : off.fetchedBytes / on.fetchedBytes,
      unit: '×',
    });
    const treeMib = (p.filesPerTree * p.fileBytes) / MIB;
    return {
      parameters: { ...p },
      figures: [],
      values,
      notes: [
        `${p.tasks} tasks, the same tree order both runs (seed ${p.seed}); ${p.trees} trees of ${treeMib.toFixed(1)} MiB; ` +
          `each bot's cache ${p.cacheTrees === 0 ? 'the default 20 GiB' : `${p.cacheTrees} trees`}; ` +
          `waves of ${p.wave} tasks on ${p.bots} bots. The least any run can download is ` +
          `${(p.trees * treeMib).toFixed(1)} MiB (each tree once).`,
        'A bot reports the trees it holds in a heartbeat as soon as they change (and every second ' +
          'here): a tree it fetched counts for the preference from then on.',
        'Bytes and fetch time: Σ inputs_fetched_bytes / inputs_fetch_duration of the results.',
      ],
    };
  },
};

async function inputsRun(
  ctx: ScenarioContext,
  p: InputsParams,
  trees: readonly BenchTree[],
  order: readonly number[],
  affinity: boolean,
): Promise<InputsRun> {
  const label = affinity ? 'preference on' : 'preference off';
  ctx.progress(`${label}: starting a coordinator and ${p.bots} bots`);
  const treeBytes = p.filesPerTree * p.fileBytes;
  const rig = await startDroverRig(ctx, {
    realBots: p.bots,
    settings: { heartbeatIntervalSecs: 1, inputAffinity: affinity },
    ...(p.cacheTrees > 0
      ? // The trees plus their listings and a little room: exactly `cacheTrees` trees fit.
        { botArgs: ['--cas-cache-max-bytes', String(p.cacheTrees * treeBytes + MIB)] }
      : {}),
  });
  const tasks: Array<{ bot: string; tree: string; bytes: number; secs: number }> = [];
  let wallS = 0;
  try {
    await uploadTrees(rig.coordinator.grpcAddress, rig.tokens.client, trees);
    ctx.progress(`${label}: ${p.tasks} tasks in waves of ${p.wave}`);
    const one = async (i: number) => {
      const tree = trees[order[i]!]!;
      const { task_id } = await rig.client.newTask(taskRequest(i, tree), {
        deadlineMs: 30_000,
        signal: ctx.signal,
      });
      const result = await waitFinal(rig.client, task_id, 120_000, ctx.signal);
      if (result.state !== 'COMPLETED' || result.exit_code !== 0) {
        throw new Error(
          `inputs: task ${i} ended ${String(result.state)} (exit ${String(result.exit_code)}) ${result.summary}`,
        );
      }
      tasks.push({
        bot: result.bot_id,
        tree: tree.hash,
        bytes: Number(result.inputs_fetched_bytes ?? 0),
        secs: Number(result.inputs_fetch_duration ?? 0),
      });
    };
    const t0 = performance.now();
    for (let first = 0; first < p.tasks; first += p.wave) {
      ctx.signal.throwIfAborted();
      const wave = Array.from({ length: Math.min(p.wave, p.tasks - first) }, (_, k) => first + k);
      await Promise.all(wave.map(one));
    }
    wallS = (performance.now() - t0) / 1000;
  } finally {
    await rig.close();
  }
  let fetchedBytes = 0;
  let fetchS = 0;
  let warmTasks = 0;
  for (const t of tasks) {
    fetchedBytes += t.bytes;
    fetchS += t.secs;
    if (t.bytes === 0) warmTasks++;
  }
  const pairs = new Set(tasks.map((t) => `${t.bot}\u0000${t.tree}`)).size;
  ctx.progress(
    `${label}: ${(fetchedBytes / MIB).toFixed(1)} MiB downloaded, ${wallS.toFixed(2)} s`,
  );
  return { affinity, wallS, fetchedBytes, fetchS, warmTasks, botTreePairs: pairs };
}

/** A task reading every file of its tree (laid out in its work dir). */
function taskRequest(i: number, tree: BenchTree): NewTaskRequest {
  return {
    name: `inputs-${i}`,
    priority: 100,
    task_slices: [
      {
        properties: {
          command: ['sh', '-c', 'cat t*/* > /dev/null'],
          dimensions: [{ key: 'pool', value: BENCH_POOL }],
          cas_input_root: { hash: tree.hash, size_bytes: tree.size },
        },
        expiration_secs: 600,
        wait_for_capacity: true,
      },
    ],
  };
}
