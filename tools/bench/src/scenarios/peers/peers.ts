import { ratio } from '../../harness/print-table';
import { startDroverRig, type DroverRig } from '../../harness/drover-rig';
import { differenceFigure, figure, roundsValue, spreadOf } from '../../harness/rounds';
import { numberOption, type Figure, type Scenario, type Value } from '../../harness/scenario';
import { PlainSpawner } from '../../harness/plain-spawner';
import { STAMP_PAYLOAD } from '../../harness/wall-clock';
import { measureLatency, resultsOf, startsOf } from '../latency/latency';
import { droverSample, plainSample } from '../latency/latency-samples';
import { runDroverLifecycle } from '../lifecycle/drover-lifecycle';
import { botReportsOption, checkBatchOption, lifecycleParams } from '../lifecycle/lifecycle';
import { redisDurability } from './bullmq-connection';
import { dropSchema, freshSchemaName, pgUnreachable, pgUrl } from '../../harness/pg-schema';
import { runRounds } from '../../harness/rounds';
import { WallClock } from '../../harness/wall-clock';
import type { ScenarioContext } from '../../harness/scenario';
import type { LifecycleParams } from '../lifecycle/drover-lifecycle';
import pg from 'pg';
import { PGBOSS_POLL_SECONDS, startPgBoss } from './pgboss';
import { runPgbossLifecycle, startPgbossLatency } from './pgboss-peer';
import { startBullmqLatency, type BullmqLatencySide } from './bullmq-latency';
import { runBullmqLifecycle } from './bullmq-lifecycle';
import { DURABLE_REDIS_KEEPS, startDurableRedis, type DurableRedis } from './durable-redis';

/**
 * peers (DESIGN.md §8): the latency and lifecycle loads through Drover and through BullMQ (local
 * Redis on 127.0.0.1:6379) in the same run, on the same machine, with the same payload and
 * concurrency: Drover/BullMQ ratios.
 *
 * pg-boss (10.x, the last major that runs on Node 20) on the local PostgreSQL, in a fresh schema
 * dropped at the end: the same lifecycle load, and latency with fewer samples (its workers poll,
 * every 0.5 s at the shortest). Skipped with a note when no PostgreSQL answers.
 *
 * Options: latency --rounds (5) --per-round (100) --warmup (20); lifecycle --tasks (20000)
 * --bots (100) --in-flight (64) --lifecycle-rounds (2) --batch (100; 0 = no batched rows)
 * --batch-in-flight (4); --no-durable-redis=1 (no BullMQ rows on the second, append-only
 * redis-server this scenario starts); --latency-only=1, --lifecycle-only=1;
 * pg-boss latency --pgboss-rounds (3) --pgboss-per-round (20), lifecycle --pgboss-tasks (4000);
 * --no-pgboss=1.
 */
export const peers: Scenario = {
  name: 'peers',
  description: 'latency and lifecycle through Drover vs BullMQ (Redis) and pg-boss (PostgreSQL)',
  checkOptions: (options) => {
    botReportsOption(options);
    checkBatchOption(options);
  },
  async run(ctx) {
    const lat = {
      rounds: numberOption(ctx, 'rounds', 5),
      samplesPerRound: numberOption(ctx, 'per-round', 100),
      warmupSamples: numberOption(ctx, 'warmup', 20),
    };
    const life = { ...lifecycleParams(ctx), rounds: numberOption(ctx, 'lifecycle-rounds', 2) };
    const durability: Record<string, string> = {
      drover: DROVER_KEEPS,
      bullmq: `Redis ${redisDurability()}`,
    };
    const figures: Figure[] = [];
    const values: Value[] = [];
    const notes: string[] = [
      `Durability — Drover: ${durability.drover}. BullMQ: ${durability.bullmq}.`,
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
      await runLifecycles(ctx, life, values, notes, durability);
    }
    const pgboss =
      ctx.options['no-pgboss'] === undefined
        ? await runPgboss(ctx, life, figures, values, notes)
        : undefined;
    return {
      parameters: {
        latency: { ...lat, payload: STAMP_PAYLOAD.join(' ') },
        lifecycle: life,
        durability: { ...durability, ...(pgboss === undefined ? {} : { pgboss }) },
        ...(pgboss === undefined
          ? {}
          : { pgboss: { version: PGBOSS_VERSION, pollingIntervalSeconds: PGBOSS_POLL_SECONDS } }),
      },
      figures,
      values,
      notes,
    };
  },
};

const PGBOSS_VERSION = '10.x';

/** What Drover keeps after a crash: its embedded store's settings (sqlite-store.ts). */
const DROVER_KEEPS =
  'SQLite WAL, synchronous=NORMAL: an answered NewTask or stored result survives a coordinator process crash; an OS crash may lose the commits since the last WAL fsync (at each checkpoint, at most every 100 ms while commits come)';

/**
 * The lifecycle loads: one NewTask / add per task (today's comparison), then NewTasks / addBulk
 * of `life.batch` (unless 0); BullMQ each time on the local Redis (no persistence) and on a second
 * redis-server of this run with an AOF fsynced every second (unless --no-durable-redis=1).
 */
async function runLifecycles(
  ctx: ScenarioContext,
  life: LifecycleParams & { batch: number },
  values: Value[],
  notes: string[],
  durability: Record<string, string>,
): Promise<void> {
  let durable: DurableRedis | undefined;
  try {
    if (ctx.options['no-durable-redis'] === undefined) {
      ctx.progress('lifecycle: starting a second redis-server (appendonly yes, everysec)');
      durable = await startDurableRedis();
      durability.bullmqDurable = `Redis on 127.0.0.1:${durable.port} ${redisDurability(durable)} — ${DURABLE_REDIS_KEEPS}`;
      // Beside the other sides' durability (the first note), before the ratios.
      notes.splice(1, 0, `Durability — BullMQ (AOF): ${durability.bullmqDurable}.`);
    }
    const medianOf = (rates: number[]) => spreadOf(rates).median;
    for (const batch of life.batch > 1 ? [0, life.batch] : [0]) {
      const p = { ...life, batch };
      const how =
        batch > 1
          ? { drover: `NewTasks of ${batch}`, bullmq: `addBulk of ${batch}` }
          : { drover: 'NewTask each', bullmq: 'add each' };
      const drover = await runDroverLifecycle(ctx, p);
      const bullmq = await runBullmqLifecycle(ctx, p, { label: 'no persistence' });
      const bullmqAof =
        durable === undefined
          ? undefined
          : await runBullmqLifecycle(ctx, p, { redis: durable, label: 'AOF everysec' });
      const prefix = batch > 1 ? `lifecycle batched (${batch})` : 'lifecycle';
      values.push(
        roundsValue(
          `${prefix} Drover, ${how.drover} [SQLite WAL: keeps all on a process crash]: tasks/s`,
          'tasks/s',
          drover.ratesPerRound,
        ),
        roundsValue(
          `${prefix} BullMQ, ${how.bullmq} [Redis, no persistence: keeps nothing]: jobs/s`,
          'jobs/s',
          bullmq.ratesPerRound,
        ),
        ...(bullmqAof === undefined
          ? []
          : [
              roundsValue(
                `${prefix} BullMQ, ${how.bullmq} [Redis AOF everysec: keeps all on a process crash]: jobs/s`,
                'jobs/s',
                bullmqAof.ratesPerRound,
              ),
            ]),
      );
      values.push(
        {
          name: `${prefix} Drover CPU per task, all its processes (coordinator ${drover.coordinatorCpuMsPerTask.toFixed(3)} + producer and bots ${drover.benchCpuMsPerTask.toFixed(3)})`,
          value: drover.coordinatorCpuMsPerTask + drover.benchCpuMsPerTask,
          unit: 'ms',
        },
        ...[bullmq, bullmqAof].flatMap((run, i) =>
          run === undefined || run.redisCpuMsPerTask === undefined
            ? []
            : [
                {
                  name: `${prefix} BullMQ${i === 1 ? ' (AOF)' : ''} CPU per job, all its processes (Redis ${run.redisCpuMsPerTask.toFixed(3)} + producer and Worker ${run.benchCpuMsPerTask.toFixed(3)})`,
                  value: run.redisCpuMsPerTask + run.benchCpuMsPerTask,
                  unit: 'ms',
                },
              ],
        ),
      );
      const r = medianOf(drover.ratesPerRound) / medianOf(bullmq.ratesPerRound);
      values.push({ name: `${prefix} Drover/BullMQ (rate, medians)`, value: r, unit: '×' });
      if (bullmqAof !== undefined) {
        const ra = medianOf(drover.ratesPerRound) / medianOf(bullmqAof.ratesPerRound);
        values.push({
          name: `${prefix} Drover/BullMQ on AOF Redis (rate, medians)`,
          value: ra,
          unit: '×',
        });
      }
      notes.push(
        `${prefix} Drover/BullMQ = ${r.toFixed(2)}× (≥ 1: Drover at least as fast). Both: ${life.tasks} tasks a round, ${batch > 1 ? `${batch} per call (NewTasks / addBulk), ${life.batchInFlight ?? 4} calls in flight` : `${life.inFlight} submits in flight`}, ${life.bots} concurrent finishers (Drover: simulated bots on the gRPC stream; BullMQ: one Worker, concurrency ${life.bots}). The sides ran one after the other, not at once.`,
      );
    }
  } finally {
    await durable?.stop();
  }
}

/**
 * pg-boss on the local PostgreSQL: latency (its own smaller sample count) and lifecycle, compared
 * with Drover's figures of this run. Returns its durability, or undefined when it did not run.
 */
async function runPgboss(
  ctx: ScenarioContext,
  life: LifecycleParams,
  figures: Figure[],
  values: Value[],
  notes: string[],
): Promise<string | undefined> {
  const url = pgUrl();
  const why = await pgUnreachable(url);
  if (why !== undefined) {
    notes.push(`pg-boss: not run — PostgreSQL unreachable at DROVER_TEST_PG_URL (${why}).`);
    return undefined;
  }
  const durability = `PostgreSQL synchronous_commit=${await pgSetting(url, 'synchronous_commit')}, fsync=${await pgSetting(url, 'fsync')} (a job is on disk when send returns)`;
  notes.push(
    `Durability — pg-boss: ${durability}. Its workers poll (every ${PGBOSS_POLL_SECONDS} s here, the shortest pg-boss 10 accepts): its latency is mostly that wait.`,
  );
  const schema = freshSchemaName();
  let boss: Awaited<ReturnType<typeof startPgBoss>> | undefined;
  try {
    ctx.progress('pg-boss: starting (fresh schema) and its latency worker');
    boss = await startPgBoss(url, schema, (err) => ctx.progress(`pg-boss: ${err.message}`));
    if (ctx.options['lifecycle-only'] === undefined) {
      const side = await startPgbossLatency(ctx.root, boss, url, schema);
      try {
        const clock = new WallClock();
        const perRound = numberOption(ctx, 'pgboss-per-round', 20);
        const rounds = await runRounds(
          { rounds: numberOption(ctx, 'pgboss-rounds', 3), signal: ctx.signal },
          async (i) => {
            ctx.progress(`pg-boss latency ${i < 0 ? 'warm-up' : `round ${i + 1}`}`);
            clock.anchor();
            const samples = [];
            for (let k = 0; k < perRound; k++) samples.push(await side.sample(clock, ctx.signal));
            return samples;
          },
        );
        figures.push(
          figure(
            'pg-boss: send → payload start (worker execa-spawns it)',
            'ms',
            rounds.map((r) => r.map((x) => x.payloadStartMs)),
          ),
          figure(
            'pg-boss: send → completion seen (polled every 2 ms)',
            'ms',
            rounds.map((r) => r.map((x) => x.resultMs)),
          ),
        );
      } finally {
        await side.close();
      }
    }
    if (ctx.options['latency-only'] === undefined) {
      // Its rate is bounded by its polling (a batch per interval), not by the size: fewer jobs
      // measure it as well, in a fraction of the time 20,000 would take at ~200 jobs/s.
      const tasks = numberOption(ctx, 'pgboss-tasks', 4000);
      const run = await runPgbossLifecycle(
        ctx,
        { ...life, tasks, warmupTasks: Math.min(life.warmupTasks, Math.ceil(tasks / 10)) },
        boss,
      );
      values.push(roundsValue('lifecycle pg-boss: jobs/s', 'jobs/s', run.ratesPerRound));
      const drover = values.find((v) => v.name.startsWith('lifecycle Drover, NewTask each'));
      if (drover !== undefined) {
        const r = drover.value / spreadOf(run.ratesPerRound).median;
        values.push({ name: 'lifecycle Drover/pg-boss (rate, medians)', value: r, unit: '×' });
        notes.push(
          `lifecycle Drover/pg-boss = ${r.toFixed(2)}× (≥ 1: Drover at least as fast). pg-boss: ${tasks} jobs a round, one worker fetching up to ${life.bots} jobs at a time (its ${life.bots} concurrent finishers), ${life.inFlight} sends in flight; a pg-boss 10 worker fetches at most once per polling interval, so ${life.bots} jobs per ${PGBOSS_POLL_SECONDS} s bound it.`,
        );
      }
    }
  } finally {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await dropSchema(url, schema).catch((err: Error) =>
      ctx.progress(`pg-boss: could not drop schema ${schema}: ${err.message}`),
    );
  }
  return durability;
}

async function pgSetting(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ setting: string }>(
      'SELECT setting FROM pg_settings WHERE name = $1',
      [name],
    );
    return rows[0]?.setting ?? 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}
