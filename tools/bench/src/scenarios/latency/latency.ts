import { cpuProfArgs, startDroverRig } from '../../harness/drover-rig';
import { differenceFigure, figure, runRounds } from '../../harness/rounds';
import { procMemory } from '../../harness/coordinator-child';
import { PlainSpawner } from '../../harness/plain-spawner';
import {
  numberOption,
  type Figure,
  type Scenario,
  type ScenarioContext,
  type Value,
} from '../../harness/scenario';
import { STAMP_PAYLOAD, WallClock } from '../../harness/wall-clock';
import { BenchBot } from '../../clients/bench-bot';
import { BenchTasksClient } from '../../clients/tasks-client';
import { storeChoice, storeDescription, storeResultName } from '../../harness/store-choice';
import { PROBE_POOL, plainSample, type DroverSample, type LatencySample } from './latency-samples';
import { startBullmqLatency, type BullmqLatencySide } from '../peers/bullmq-latency';
import { REDIS } from '../peers/bullmq-connection';
import {
  BULLMQ_HOPS,
  DROVER_HOPS,
  TraceDir,
  hopFigures,
  spanOf,
  type DroverHop,
  type HopStamps,
} from './latency-hops';
import { connect } from 'node:net';
import {
  coordinatorValues,
  crossFigures,
  crossShare,
  roundRobinAssign,
  roundRobinDrover,
} from './latency-replicas';

/**
 * latency (DESIGN.md §8): one idle real bot, one task at a time running a payload that stamps its
 * start (`date +%s%N`). Submit → payload start, submit → result seen by the waiting client, and in
 * the same rounds (sample by sample, alternating) a plain execa spawn of the same payload → its
 * start: the difference is Drover's dispatch overhead. Aims: overhead p50 ≤ 1 ms, p99 ≤ 5 ms.
 *
 * Options: --rounds (5) --per-round (100) --warmup (20) --bots (1); --store sqlite|postgres
 * (sqlite) --replicas N (1; > 1 needs postgres: bot i on replica i % N, submissions round-robin
 * over the replicas, so most cross replicas); --cpu-prof[=dir] and --bot-cpu-prof[=dir] write CPU
 * profiles of the coordinator(s) and of the bot(s).
 *
 * The per-hop trace (--trace, default 1): the coordinator and the bot start with DROVER_TRACE_DIR
 * (libs/protocol hop-trace.ts) and stamp each task's hops on CLOCK_MONOTONIC; with this process's
 * and the payload's stamps, each hop's p50 and p99 are printed. A BullMQ side (--bullmq, default
 * 1; skipped when no Redis answers on 127.0.0.1:6379) runs the same payload from a BullMQ worker
 * (execa, concurrency 1) in the same rounds, its hops beside Drover's. --bot-root=<checkout> runs
 * the bot from another checkout (an A/B run of the bot alone).
 */
export const latency: Scenario = {
  name: 'latency',
  description: 'submit → payload start / → result with idle bots, vs a plain execa spawn',
  checkOptions: (options) => void storeChoice(options),
  resultName: (options) => storeResultName('latency', storeChoice(options)),
  async run(ctx) {
    const store = storeChoice(ctx.options);
    const several = store.replicas > 1;
    const parameters = {
      rounds: numberOption(ctx, 'rounds', 5),
      samplesPerRound: numberOption(ctx, 'per-round', 100),
      warmupSamples: numberOption(ctx, 'warmup', 20),
      realBots: numberOption(ctx, 'bots', 1),
      payload: STAMP_PAYLOAD.join(' '),
      store: store.kind,
      replicas: store.replicas,
      storeDetail: storeDescription(store),
      ...(several
        ? {
            spread:
              'bot i on replica i % N; NewTasks (Drover and probe) round-robin over the replicas; the probe bot on replica 0',
          }
        : {}),
    };
    ctx.progress(
      `starting ${store.replicas} coordinator(s) (${store.kind}) and ${parameters.realBots} bot(s)`,
    );
    const coordinatorProf = cpuProfArgs(ctx.options['cpu-prof']);
    const botProf = cpuProfArgs(ctx.options['bot-cpu-prof']);
    const botRoot = ctx.options['bot-root'];
    const trace = ctx.options.trace === '0' ? undefined : new TraceDir();
    const start = () =>
      startDroverRig(ctx, {
        realBots: parameters.realBots,
        store,
        ...(coordinatorProf ? { execArgv: coordinatorProf } : {}),
        ...(botProf ? { botExecArgv: botProf } : {}),
        ...(botRoot ? { botRoot } : {}),
      });
    let rig;
    try {
      rig = await (trace === undefined ? start() : trace.withTracing(start));
    } catch (err) {
      trace?.remove();
      throw err;
    }
    let bullmq: BullmqLatencySide | undefined;
    try {
      const wantBullmq = ctx.options.bullmq !== '0' && (await redisAnswers());
      if (wantBullmq) {
        ctx.progress('starting a BullMQ worker (execa, concurrency 1)');
        bullmq = await startBullmqLatency(ctx.root, 'spawn');
      }
      const bull = bullmq;
      const probe = await BenchBot.connect({
        address: rig.coordinator.grpcAddress,
        token: rig.tokens.bot,
        botId: 'bench-probe',
        dimensions: { pool: [PROBE_POOL] },
      });
      const tasks = rig.set.replicas.map(
        (r) => new BenchTasksClient(r.grpcAddress, rig.tokens.client),
      );
      const spawner = await PlainSpawner.start(ctx.root);
      let m;
      const values: Value[] = [];
      try {
        const before = await rig.set.stats();
        m = await measureLatency(ctx, parameters, {
          drover: roundRobinDrover(rig, ctx.signal),
          plain: () => plainSample(spawner),
          assign: roundRobinAssign(tasks, probe),
          // Only with a BullMQ side (m.bullmq is undefined without one).
          ...(bull ? { bullmq: (clock: WallClock) => bull.sample(clock) } : {}),
        } as Record<'drover' | 'plain' | 'assign' | 'bullmq', Side>);
        const after = await rig.set.stats();
        const n = parameters.warmupSamples + parameters.rounds * parameters.samplesPerRound;
        values.push(
          ...coordinatorValues(before, after, 2 * n),
          ...(several
            ? [
                {
                  name: 'Drover tasks submitted on another replica than their bot’s',
                  value: crossShare(m.drover),
                  unit: '%',
                },
              ]
            : []),
          {
            name: 'RSS of the bot process',
            value: (procMemory(rig.bots[0]?.pid)?.rssBytes ?? 0) / 2 ** 20,
            unit: 'MiB',
          },
          {
            name: 'RSS of the plain spawner process',
            value: spawner.rssBytes() / 2 ** 20,
            unit: 'MiB',
          },
        );
      } finally {
        probe.close();
        for (const t of tasks) t.close();
        await spawner.close();
      }
      const startMs = (s: LatencySample) => s.payloadStartMs;
      const bullRounds = bull === undefined ? undefined : m.bullmq;
      const hops = trace === undefined ? [] : await traceFigures(trace, m, bullRounds);
      return {
        parameters: {
          ...parameters,
          trace: trace !== undefined,
          bullmq: bull !== undefined,
          ...(botRoot ? { botRoot } : {}),
        },
        figures: [
          ...latencyFigures(m),
          ...(bullRounds === undefined
            ? []
            : [
                figure('BullMQ: add → payload start', 'ms', startsOf(bullRounds)),
                figure('BullMQ: add → completion seen by the client', 'ms', resultsOf(bullRounds)),
              ]),
          ...hops,
          ...(several ? crossFigures('Drover: submit → payload start', m.drover, startMs) : []),
          figure(
            'coordinator alone: NewTask → Assign at a simulated bot',
            'ms',
            startsOf(m.assign),
          ),
          ...(several
            ? crossFigures('coordinator alone: NewTask → Assign', m.assign, startMs)
            : []),
        ],
        values,
        notes: [
          "The plain baseline spawns from a small Node process of its own (bin/bench-plain-spawner.js, execa only): a spawn costs more the more memory the spawning process has (fork copies its page tables), so the bot's own RSS is part of its dispatch cost.",
          `Dispatch overhead = Drover submit → payload start − plain execa → payload start, per round and percentile (not a distribution of differences). Aim: p50 ≤ 1 ms, p99 ≤ 5 ms.`,
          `Where the overhead goes: "coordinator alone" is NewTask → Assign received by a simulated bot in the bench process (no bot process, no spawn); the rest of the overhead is the real bot's, from Assign to its payload's exec.`,
          store.kind === 'sqlite'
            ? `Drover's path: client NewTask (gRPC) → store insert (SQLite commit) → Assign on the bot stream → the bot process spawns the payload (execa, own process group).`
            : several
              ? `Drover's path: client NewTask (gRPC) on replica k → store insert (PostgreSQL commit) → NOTIFY → the bot's replica → Assign on the bot stream → the bot process spawns the payload (execa, own process group); the result comes back to the submitting replica the same way.`
              : `Drover's path: client NewTask (gRPC) → store insert (PostgreSQL commit) → Assign on the bot stream → the bot process spawns the payload (execa, own process group).`,
          `Coordinator CPU per task: user+system time of the coordinator process(es) over the warm-up and measured rounds, divided by the tasks created in them (Drover and probe: 2 per sample).${store.kind === 'postgres' ? ' PostgreSQL runs on the same machine; its CPU is not counted.' : ''}`,
          ...(trace === undefined
            ? []
            : [
                "Hops: consecutive stamps of one sample on CLOCK_MONOTONIC (process.hrtime: one clock for every process of the machine; performance.timeOrigin differs between processes by up to a ms). The coordinator and the bot stamp with DROVER_TRACE_DIR set (libs/protocol hop-trace.ts; nothing is stamped without it), the client here, the payload with `date +%s%N` (CLOCK_REALTIME, moved to the monotonic clock by this process's anchor, µs). The payload can start before spawn() returns (spawn returns once the exec succeeded). Each figure is over the samples carrying both stamps.",
                "bot: Assign received → payload start vs plain: spawn → payload start: the bot's own start path against a bare execa spawn. Aim: within 0.3 ms.",
              ]),
          ...(bull === undefined
            ? [
                ctx.options.bullmq === '0'
                  ? 'BullMQ side off (--bullmq=0).'
                  : 'BullMQ side skipped: no Redis on 127.0.0.1:6379.',
              ]
            : [
                "BullMQ: the same payload from a BullMQ worker process (execa, concurrency 1, local Redis), a sample of each side in turn; its stamps come from the worker's own anchor to the real-time clock (µs).",
              ]),
        ],
      };
    } finally {
      await bullmq?.close();
      await rig.close();
      trace?.remove();
    }
  },
};

/** The per-hop figures of the Drover (and BullMQ) samples, and the bot's start path vs plain. */
async function traceFigures(
  trace: TraceDir,
  m: LatencyRounds<'drover' | 'plain'>,
  bullmq: LatencySample[][] | undefined,
): Promise<Figure[]> {
  const drover = m.drover as DroverSample[][];
  const stamped = await trace.read(
    drover.flat().map((s) => s.taskId),
    DROVER_HOPS.map(([h]) => h).filter(
      (h) => !['client-send', 'payload-start', 'client-seen'].includes(h),
    ),
  );
  const droverStamps: HopStamps<DroverHop>[][] = drover.map((r) =>
    r.map((s) => ({ ...Object.fromEntries(stamped.get(s.taskId) ?? []), ...s.stamps })),
  );
  const plain = startsOf(m.plain);
  const botStart = spanOf(droverStamps, 'bot-receive', 'payload-start');
  return [
    ...hopFigures('Drover hop', DROVER_HOPS, droverStamps),
    ...(bullmq === undefined
      ? []
      : hopFigures(
          'BullMQ hop',
          BULLMQ_HOPS,
          bullmq.map((r) => r.map((s) => s.stamps ?? {})),
        )),
    // Without the bot's stamps (a bot from a checkout that does not trace) there is no such span.
    ...(botStart.some((r) => r.length === 0)
      ? []
      : [
          figure('bot: Assign received → payload start', 'ms', botStart),
          differenceFigure(
            'bot start path overhead (bot: Assign received → payload start − plain: spawn → payload start)',
            'ms',
            botStart,
            plain,
          ),
        ]),
  ];
}

/** Whether something accepts connections on the local Redis port (within 1 s). */
function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(REDIS.port, REDIS.host);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One side's sampler. */
type Side = (clock: WallClock) => Promise<LatencySample>;

/** Samples of each side, round by round. */
export type LatencyRounds<K extends string> = Record<K, LatencySample[][]>;

/**
 * Takes one sample of each side in turn (so that the machine's load falls on all of them alike),
 * `samplesPerRound` times a round, after a warm-up round of `warmupSamples`.
 */
export async function measureLatency<K extends string>(
  ctx: ScenarioContext,
  p: { rounds: number; samplesPerRound: number; warmupSamples: number },
  sides: Record<K, (clock: WallClock) => Promise<LatencySample>>,
): Promise<LatencyRounds<K>> {
  const clock = new WallClock();
  const keys = Object.keys(sides) as K[];
  const rounds = await runRounds({ rounds: p.rounds, signal: ctx.signal }, async (i) => {
    clock.anchor();
    const n = i < 0 ? p.warmupSamples : p.samplesPerRound;
    ctx.progress(i < 0 ? `warm-up (${n} samples)` : `round ${i + 1}/${p.rounds} (${n} samples)`);
    const got = Object.fromEntries(keys.map((k) => [k, [] as LatencySample[]])) as Record<
      K,
      LatencySample[]
    >;
    for (let k = 0; k < n; k++) {
      for (const key of keys) {
        ctx.signal.throwIfAborted();
        got[key].push(await sides[key](clock));
      }
    }
    return got;
  });
  return Object.fromEntries(keys.map((k) => [k, rounds.map((r) => r[k])])) as LatencyRounds<K>;
}

/** ms per round: payload start, or result seen. */
export const startsOf = (r: LatencySample[][]) => r.map((s) => s.map((x) => x.payloadStartMs));
export const resultsOf = (r: LatencySample[][]) => r.map((s) => s.map((x) => x.resultMs));

export function latencyFigures(m: LatencyRounds<'drover' | 'plain'>): Figure[] {
  return [
    figure('Drover: submit → payload start', 'ms', startsOf(m.drover)),
    figure('Drover: submit → result seen by the client', 'ms', resultsOf(m.drover)),
    figure('plain execa: spawn → payload start', 'ms', startsOf(m.plain)),
    figure('plain execa: spawn → exit seen', 'ms', resultsOf(m.plain)),
    differenceFigure(
      'Drover dispatch overhead (start − plain start)',
      'ms',
      startsOf(m.drover),
      startsOf(m.plain),
    ),
  ];
}
