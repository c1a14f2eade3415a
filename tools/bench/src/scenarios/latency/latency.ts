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
import {
  PROBE_POOL,
  assignSample,
  droverSample,
  plainSample,
  type LatencySample,
} from './latency-samples';

/**
 * latency (DESIGN.md §8): one idle real bot, one task at a time running a payload that stamps its
 * start (`date +%s%N`). Submit → payload start, submit → result seen by the waiting client, and in
 * the same rounds (sample by sample, alternating) a plain execa spawn of the same payload → its
 * start: the difference is Drover's dispatch overhead. Aims: overhead p50 ≤ 1 ms, p99 ≤ 5 ms.
 *
 * Options: --rounds (5) --per-round (100) --warmup (20) --bots (1); --cpu-prof[=dir] and
 * --bot-cpu-prof[=dir] write CPU profiles of the coordinator and of the bot.
 */
export const latency: Scenario = {
  name: 'latency',
  description: 'submit → payload start / → result with idle bots, vs a plain execa spawn',
  async run(ctx) {
    const parameters = {
      rounds: numberOption(ctx, 'rounds', 5),
      samplesPerRound: numberOption(ctx, 'per-round', 100),
      warmupSamples: numberOption(ctx, 'warmup', 20),
      realBots: numberOption(ctx, 'bots', 1),
      payload: STAMP_PAYLOAD.join(' '),
      store: 'SQLite (WAL, synchronous=NORMAL) in a temp dir',
    };
    ctx.progress(`starting a coordinator and ${parameters.realBots} bot(s)`);
    const coordinatorProf = cpuProfArgs(ctx.options['cpu-prof']);
    const botProf = cpuProfArgs(ctx.options['bot-cpu-prof']);
    const rig = await startDroverRig(ctx, {
      realBots: parameters.realBots,
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
      const tasks = new BenchTasksClient(rig.coordinator.grpcAddress, rig.tokens.client);
      const spawner = await PlainSpawner.start(ctx.root);
      let m;
      const memory: Value[] = [];
      try {
        m = await measureLatency(ctx, parameters, {
          drover: (clock) => droverSample(rig.client, clock, ctx.signal),
          plain: () => plainSample(spawner),
          assign: () => assignSample(tasks, probe),
        });
        memory.push(
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
        tasks.close();
        await spawner.close();
      }
      return {
        parameters,
        figures: [
          ...latencyFigures(m),
          figure(
            'coordinator alone: NewTask → Assign at a simulated bot',
            'ms',
            startsOf(m.assign),
          ),
        ],
        values: memory,
        notes: [
          "The plain baseline spawns from a small Node process of its own (bin/bench-plain-spawner.js, execa only): a spawn costs more the more memory the spawning process has (fork copies its page tables), so the bot's own RSS is part of its dispatch cost.",
          `Dispatch overhead = Drover submit → payload start − plain execa → payload start, per round and percentile (not a distribution of differences). Aim: p50 ≤ 1 ms, p99 ≤ 5 ms.`,
          `Where the overhead goes: "coordinator alone" is NewTask → Assign received by a simulated bot in the bench process (no bot process, no spawn); the rest of the overhead is the real bot's, from Assign to its payload's exec.`,
          `Drover's path: client NewTask (gRPC) → store insert (SQLite commit) → Assign on the bot stream → the bot process spawns the payload (execa, own process group).`,
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
