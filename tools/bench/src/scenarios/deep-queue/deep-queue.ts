import { ratio } from '../../harness/print-table';
import { numberOption, type Figure, type Scenario, type Value } from '../../harness/scenario';
import { measureCoordinatorLevel } from './coordinator-level';
import { measureIndexLevel } from './index-level';

/**
 * deep-queue (DESIGN.md §6, §8): dispatch latency with 1,000,000 pending tasks over 1,000
 * dimension sets vs an empty queue, in the pure index and through a real coordinator. The aim:
 * deep within 1.5× of empty.
 *
 * Options (for developing; the defaults are the scenario): --pending --sets --rounds --ops
 * --probes --chain --start-budget-s --fallback-pending --index-only=1 --coordinator-only=1.
 */
export const deepQueue: Scenario = {
  name: 'deep-queue',
  description: 'dispatch latency with 1M pending tasks over 1k dimension sets vs an empty queue',
  async run(ctx) {
    const shape = {
      pending: numberOption(ctx, 'pending', 1_000_000),
      sets: Math.max(1, numberOption(ctx, 'sets', 1000)),
    };
    const parameters = {
      pending: shape.pending,
      sets: shape.sets,
      setDimensions: 'pool=bench, set=s0..s<sets-1>',
      probeDimensions: 'pool=bench, set=probe',
      rounds: numberOption(ctx, 'rounds', 5),
      indexOpsPerRound: numberOption(ctx, 'ops', 10_000),
      coordinatorRounds: 3,
      probesPerRound: numberOption(ctx, 'probes', 150),
      chainPerRound: numberOption(ctx, 'chain', 150),
      warmupRounds: 1,
      coordinatorStartBudgetSecs: numberOption(ctx, 'start-budget-s', 100),
      coordinatorFallbackPending: numberOption(ctx, 'fallback-pending', 100_000),
    };
    const figures: Figure[] = [];
    const values: Value[] = [];
    const notes: string[] = [];

    if (ctx.options['coordinator-only'] === undefined) {
      ctx.progress('index: measuring');
      const index = await measureIndexLevel({
        shape,
        rounds: parameters.rounds,
        opsPerRound: parameters.indexOpsPerRound,
        signal: ctx.signal,
      });
      figures.push(...index.figures);
      values.push(...index.values);
      for (const op of ['place + botForTask', 'setBotIdle + taskForBot', 'removePending']) {
        const [empty, deep] = index.figures.filter((f) => f.name.startsWith(`index ${op}`));
        if (empty && deep) notes.push(compare(`index ${op}`, deep, empty));
      }
    }
    if (ctx.options['index-only'] === undefined) {
      const coordinator = await measureCoordinatorLevel(ctx, {
        shape,
        rounds: parameters.coordinatorRounds,
        probesPerRound: parameters.probesPerRound,
        chainPerRound: parameters.chainPerRound,
        startBudgetMs: parameters.coordinatorStartBudgetSecs * 1000,
        fallbackPending: parameters.coordinatorFallbackPending,
      });
      figures.push(...coordinator.figures);
      values.push(...coordinator.values);
      const probe = coordinator.figures.filter((f) => f.name.startsWith('coordinator NewTask'));
      const chain = coordinator.figures.filter((f) =>
        f.name.startsWith('coordinator TaskFinished'),
      );
      for (const [empty, deep] of [probe, chain].map((fs) => [fs[0], fs.at(-1)])) {
        if (empty && deep && empty !== deep) {
          notes.push(
            compare(`${deep.name.split(',')[0]!}, ${deep.name.split(', ')[1]}`, deep, empty),
          );
        }
      }
      notes.push(...coordinator.notes);
    }
    return { parameters, figures, values, notes };
  },
};

function compare(what: string, deep: Figure, empty: Figure): string {
  const p50 = ratio(deep, empty, 'p50');
  const p99 = ratio(deep, empty, 'p99');
  const verdict = p50 <= 1.5 ? 'within' : 'NOT within';
  return `${what}: deep/empty = ${p50.toFixed(2)}× at p50, ${p99.toFixed(2)}× at p99 (${verdict} the 1.5× aim at p50)`;
}
