import { ratio } from '../../harness/print-table';
import { startDroverRig, type DroverRig } from '../../harness/drover-rig';
import { differenceFigure, figure, roundsValue, spreadOf } from '../../harness/rounds';
import { numberOption, type Figure, type Scenario, type Value } from '../../harness/scenario';
import { PlainSpawner } from '../../harness/plain-spawner';
import { STAMP_PAYLOAD } from '../../harness/wall-clock';
import { measureLatency, resultsOf, startsOf } from '../latency/latency';
import { droverSample, plainSample } from '../latency/latency-samples';
import { runDroverLifecycle } from '../lifecycle/drover-lifecycle';
import { lifecycleParams } from '../lifecycle/lifecycle';
import { redisDurability } from './bullmq-connection';
import { startBullmqLatency, type BullmqLatencySide } from './bullmq-latency';
import { runBullmqLifecycle } from './bullmq-lifecycle';

/**
 * peers (DESIGN.md §8): the latency and lifecycle loads through Drover and through BullMQ (local
 * Redis on 127.0.0.1:6379) in the same run, on the same machine, with the same payload and
 * concurrency: Drover/BullMQ ratios.
 *
 * Options: latency --rounds (5) --per-round (100) --warmup (20); lifecycle --tasks (20000)
 * --bots (100) --in-flight (64) --lifecycle-rounds (2); --latency-only=1, --lifecycle-only=1.
 */
export const peers: Scenario = {
  name: 'peers',
  description: 'latency and lifecycle through Drover vs BullMQ (local Redis), same run',
  async run(ctx) {
    const lat = {
      rounds: numberOption(ctx, 'rounds', 5),
      samplesPerRound: numberOption(ctx, 'per-round', 100),
      warmupSamples: numberOption(ctx, 'warmup', 20),
    };
    const life = { ...lifecycleParams(ctx), rounds: numberOption(ctx, 'lifecycle-rounds', 2) };
    const durability = {
      drover:
        'SQLite WAL, synchronous=NORMAL (a commit survives a process crash, not always an OS crash)',
      bullmq: `Redis ${redisDurability()}`,
    };
    const figures: Figure[] = [];
    const values: Value[] = [];
    const notes: string[] = [
      `Durability — Drover: ${durability.drover}. BullMQ: ${durability.bullmq}.`,
      'pg-boss: not run — it is not installed in this workspace (pg-boss@10.4.2 declares engines node >=20; 11.x needs node >=22, 12.x >=22.12).',
    ];

    if (ctx.options['lifecycle-only'] === undefined) {
      ctx.progress('latency: starting Drover (coordinator + 1 bot) and two BullMQ workers');
      let rig: DroverRig | undefined;
      const bull: BullmqLatencySide[] = [];
      let spawner: PlainSpawner | undefined;
      try {
        const plain = await PlainSpawner.start(ctx.root);
        spawner = plain;
        rig = await startDroverRig(ctx, { realBots: 1 });
        const droverRig = rig;
        const spawnSide = await startBullmqLatency(ctx.root, 'spawn');
        bull.push(spawnSide);
        const noopSide = await startBullmqLatency(ctx.root, 'noop');
        bull.push(noopSide);
        const m = await measureLatency(ctx, lat, {
          drover: (clock) => droverSample(droverRig.client, clock, ctx.signal),
          bullmq: (clock) => spawnSide.sample(clock),
          bullmqNoop: (clock) => noopSide.sample(clock),
          plain: () => plainSample(plain),
        });
        const d = figure('Drover: submit → payload start', 'ms', startsOf(m.drover));
        const b = figure(
          'BullMQ: add → payload start (worker execa-spawns it)',
          'ms',
          startsOf(m.bullmq),
        );
        const dr = figure('Drover: submit → result seen by the client', 'ms', resultsOf(m.drover));
        const br = figure(
          'BullMQ: add → job finished seen (QueueEvents)',
          'ms',
          resultsOf(m.bullmq),
        );
        const dOver = differenceFigure(
          'Drover dispatch overhead (− plain spawn)',
          'ms',
          startsOf(m.drover),
          startsOf(m.plain),
        );
        const bOver = differenceFigure(
          'BullMQ dispatch overhead (− plain spawn)',
          'ms',
          startsOf(m.bullmq),
          startsOf(m.plain),
        );
        figures.push(
          d,
          b,
          figure('BullMQ: add → worker handler start (no spawn)', 'ms', startsOf(m.bullmqNoop)),
          dr,
          br,
          figure('plain execa: spawn → payload start', 'ms', startsOf(m.plain)),
          dOver,
          bOver,
        );
        for (const [what, x, y] of [
          ['submit → payload start', d, b],
          ['submit → result seen', dr, br],
          ['dispatch overhead', dOver, bOver],
        ] as const) {
          notes.push(
            `latency Drover/BullMQ, ${what}: ${ratio(x, y, 'p50').toFixed(2)}× at p50, ${ratio(x, y, 'p99').toFixed(2)}× at p99 (< 1: Drover faster)`,
          );
        }
      } finally {
        for (const side of bull) await side.close();
        await spawner?.close();
        await rig?.close();
      }
    }

    if (ctx.options['latency-only'] === undefined) {
      const drover = await runDroverLifecycle(ctx, life);
      const bullmq = await runBullmqLifecycle(ctx, life);
      values.push(
        roundsValue('lifecycle Drover: tasks/s', 'tasks/s', drover.ratesPerRound),
        roundsValue('lifecycle BullMQ: jobs/s', 'jobs/s', bullmq.ratesPerRound),
      );
      const r = spreadOf(drover.ratesPerRound).median / spreadOf(bullmq.ratesPerRound).median;
      values.push({ name: 'lifecycle Drover/BullMQ (rate, medians)', value: r, unit: '×' });
      notes.push(
        `lifecycle Drover/BullMQ = ${r.toFixed(2)}× (≥ 1: Drover at least as fast). Both: ${life.tasks} tasks a round, ${life.inFlight} submits in flight, ${life.bots} concurrent finishers (Drover: simulated bots on the gRPC stream; BullMQ: one Worker, concurrency ${life.bots}). The two sides ran one after the other, not at once.`,
      );
    }
    return {
      parameters: {
        latency: { ...lat, payload: STAMP_PAYLOAD.join(' ') },
        lifecycle: life,
        durability,
      },
      figures,
      values,
      notes,
    };
  },
};
