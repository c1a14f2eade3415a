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
import { PROBE_POOL, plainSample, type LatencySample } from './latency-samples';
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
    const rig = await startDroverRig(ctx, {
      realBots: parameters.realBots,
      store,
      ...(coordinatorProf ? { execArgv: coordinatorProf } : {}),
      ...(botProf ? { botExecArgv: botProf } : {}),
    });
    try {
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
        });
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
      return {
        parameters,
        figures: [
          ...latencyFigures(m),
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
        ],
      };
    } finally {
      await rig.close();
    }
  },
};

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
