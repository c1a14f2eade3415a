import {
  DispatchIndex,
  toDimensionMap,
  type BotDimensionMap,
  type PendingEntry,
} from '@drover/state';
import { figure, fromNs, nowNs, runRounds } from '../../harness/rounds';
import type { Figure, Value } from '../../harness/scenario';
import {
  PROBE_DIMENSIONS,
  deepPriority,
  deepSetDimensions,
  keyValues,
  type DeepQueueShape,
} from './deep-queue-shape';

export interface IndexLevelParams {
  readonly shape: DeepQueueShape;
  readonly rounds: number;
  readonly opsPerRound: number;
  readonly signal: AbortSignal;
}

export interface IndexLevelResult {
  /** Per queue depth (empty, deep): place, bot-idle, dequeue. */
  readonly figures: Figure[];
  readonly values: Value[];
}

const T0 = 1_700_000_000_000;

/**
 * The pure index, in this process. Three operations, each timed alone, with the bench pool empty
 * and with the deep queue in it:
 * - place: addPending of a task an idle bot matches + botForTask (a NewTask with a bot waiting);
 * - bot idle: setBotIdle + taskForBot of a bot matching one set (a bot finishing a task);
 * - dequeue: removePending of the task just proposed (the claim).
 * In the empty case the bot's set holds just the one task it takes; the bots go round the sets.
 */
export async function measureIndexLevel(p: IndexLevelParams): Promise<IndexLevelResult> {
  const figures: Figure[] = [];
  const values: Value[] = [];
  for (const depth of ['empty', 'deep'] as const) {
    const index = new DispatchIndex();
    if (depth === 'deep') {
      const t0 = performance.now();
      fillDeep(index, p.shape);
      values.push({
        name: `index: build ${p.shape.pending.toLocaleString('en-US')} pending (addPending each)`,
        value: performance.now() - t0,
        unit: 'ms',
      });
    }
    figures.push(...(await measureDepth(index, depth, p)));
  }
  return { figures, values };
}

function fillDeep(index: DispatchIndex, shape: DeepQueueShape): void {
  const dims = Array.from({ length: shape.sets }, (_, k) => keyValues(deepSetDimensions(k)));
  for (let i = 0; i < shape.pending; i++) {
    index.addPending({
      taskId: `deep-${i}`,
      priority: deepPriority(i),
      createdAtMs: T0 + i,
      dimensions: dims[i % shape.sets]!,
    });
  }
}

async function measureDepth(
  index: DispatchIndex,
  depth: 'empty' | 'deep',
  p: IndexLevelParams,
): Promise<Figure[]> {
  const { shape } = p;
  const probeDims = keyValues(PROBE_DIMENSIONS);
  index.setBotIdle(
    'probe',
    toDimensionMap(Object.entries(PROBE_DIMENSIONS).map(([key, v]) => ({ key, values: [v] }))),
  );
  // One bot per deep set, known to the index (idle once, then busy), as after their first task.
  const setDims = Array.from({ length: shape.sets }, (_, k) => keyValues(deepSetDimensions(k)));
  const botDims = Array.from({ length: shape.sets }, (_, k) =>
    toDimensionMap([
      ...Object.entries(deepSetDimensions(k)).map(([key, v]) => ({ key, values: [v] })),
      { key: 'id', values: [`bot-${k}`] },
    ]),
  );
  for (let k = 0; k < shape.sets; k++) {
    index.setBotIdle(`bot-${k}`, botDims[k]!);
    index.removeBot(`bot-${k}`);
  }

  let seq = 0;
  const place = await runRounds({ rounds: p.rounds, signal: p.signal }, () => {
    const samples: number[] = [];
    for (let i = 0; i < p.opsPerRound; i++) {
      const entry: PendingEntry = {
        taskId: `probe-${seq++}`,
        priority: 100,
        createdAtMs: T0 + 2e9 + seq,
        dimensions: probeDims,
      };
      const t0 = nowNs();
      index.addPending(entry);
      const botId = index.botForTask(entry.dimensions);
      samples.push(nowNs() - t0);
      if (botId !== 'probe') throw new Error(`place: proposed ${botId} instead of the probe bot`);
      index.removePending(entry.taskId);
    }
    return fromNs(samples, 'µs');
  });

  const idle: number[][] = [];
  const dequeue = await runRounds({ rounds: p.rounds, signal: p.signal }, () => {
    const idleSamples: number[] = [];
    const dequeueSamples: number[] = [];
    for (let i = 0; i < p.opsPerRound; i++) {
      const k = i % shape.sets;
      const botId = `bot-${k}`;
      if (depth === 'empty' && k === 0) {
        // One task in each set for the next `sets` ops, put there before any of them (not just
        // before its op, which would leave the queue in the CPU cache and flatter the baseline).
        for (let j = 0; j < shape.sets; j++) {
          index.addPending({
            taskId: `one-${seq++}`,
            priority: 100,
            createdAtMs: T0 + seq,
            dimensions: setDims[j]!,
          });
        }
      }
      const t0 = nowNs();
      index.setBotIdle(botId, botDims[k]!);
      const task = index.taskForBot(botId);
      const t1 = nowNs();
      if (task === undefined) throw new Error(`bot idle: nothing for ${botId}`);
      index.removeBot(botId);
      const t2 = nowNs();
      index.removePending(task.taskId);
      const t3 = nowNs();
      idleSamples.push(t1 - t0);
      dequeueSamples.push(t3 - t2);
    }
    if (depth === 'empty') drainSets(index, botDims);
    idle.push(fromNs(idleSamples, 'µs'));
    return fromNs(dequeueSamples, 'µs');
  });
  const label =
    depth === 'empty' ? 'empty queue' : `deep (${shape.pending.toLocaleString('en-US')})`;
  return [
    figure(`index place + botForTask, ${label}`, 'µs', place),
    figure(`index setBotIdle + taskForBot, ${label}`, 'µs', idle.slice(-p.rounds)),
    figure(`index removePending (claim), ${label}`, 'µs', dequeue),
  ];
}

/** Takes what is left in every set (a round's ops need not be a multiple of the sets). */
function drainSets(index: DispatchIndex, botDims: readonly BotDimensionMap[]): void {
  botDims.forEach((dims, k) => {
    const botId = `bot-${k}`;
    for (;;) {
      index.setBotIdle(botId, dims);
      const left = index.taskForBot(botId);
      index.removeBot(botId);
      if (left === undefined) return;
      index.removePending(left.taskId);
    }
  });
}
