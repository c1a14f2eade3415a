import { BenchBot, type BotReports } from '../../clients/bench-bot';
import { BenchTasksClient, benchTaskRequest } from '../../clients/tasks-client';
import { cpuMsOf, startReplicaSet } from '../../harness/coordinator-replicas';
import { BENCH_POOL } from '../../harness/drover-rig';
import { inFlight, until } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';
import { SQLITE_ONE, type StoreChoice } from '../../harness/store-choice';

export interface LifecycleParams {
  readonly tasks: number;
  readonly bots: number;
  /** NewTask calls outstanding at once (the producer's concurrency, the same for every side). */
  readonly inFlight: number;
  readonly rounds: number;
  /** Tasks of the warm-up round. */
  readonly warmupTasks: number;
  /**
   * Tasks per submission: 0 or 1 = one NewTask per task (`inFlight` calls outstanding); N > 1 =
   * NewTasks of N tasks (`batchInFlight` calls outstanding). @default 0
   */
  readonly batch?: number;
  /** NewTasks calls outstanding at once when `batch` > 1. @default 4 */
  readonly batchInFlight?: number;
  /**
   * What each simulated bot sends per task: `finish` = TaskFinished alone; `full` = TaskStarted,
   * one Output and TaskFinished written together, as a real bot running a short payload that
   * prints a line. @default finish
   */
  readonly botReports?: BotReports;
  /** @default SQLite, one coordinator */
  readonly store?: StoreChoice;
  /** Node flags for the coordinator children (e.g. --cpu-prof). */
  readonly coordinatorExecArgv?: readonly string[];
}

export interface LifecycleRun {
  /** tasks/s of each measured round, first submit → last result stored (Ack finished). */
  readonly ratesPerRound: number[];
  /** Coordinator CPU (user + system) per task, ms, over the measured rounds, all replicas. */
  readonly coordinatorCpuMsPerTask: number;
  /**
   * This process's CPU per task over the measured rounds: the producer and the simulated bots
   * (each on its own gRPC connection), the other side of every message the coordinator handles.
   */
  readonly benchCpuMsPerTask: number;
  /** RSS of the first coordinator at the end. */
  readonly coordinatorRssBytes: number;
  /** Per replica (one entry on SQLite): CPU per task over the measured rounds, RSS at the end. */
  readonly perReplica: readonly { readonly cpuMsPerTask: number; readonly rssBytes: number }[];
}

/**
 * Drover: coordinators in child processes (SQLite in a temp dir, or N replicas on PostgreSQL),
 * `bots` simulated bots in this process on the real BotApi stream (bot i on replica i % N), each
 * finishing its task at once; the producer submits `tasks` NewTasks (`true`, pool=bench) with
 * `inFlight` outstanding, round-robin over the replicas.
 */
export async function runDroverLifecycle(
  ctx: ScenarioContext,
  p: LifecycleParams,
): Promise<LifecycleRun> {
  const set = await startReplicaSet(ctx, {
    store: p.store ?? SQLITE_ONE,
    prefix: 'drover-bench-lifecycle-',
    ...(p.coordinatorExecArgv ? { execArgv: p.coordinatorExecArgv } : {}),
  });
  const bots: BenchBot[] = [];
  const producers: BenchTasksClient[] = [];
  try {
    const { tokens } = set;
    let acks = 0;
    for (let i = 0; i < p.bots; i++) {
      bots.push(
        await BenchBot.connect({
          address: set.address(i),
          token: tokens.bot,
          botId: `sim-${i}`,
          dimensions: { pool: [BENCH_POOL] },
          quiet: true,
          ownConnection: true,
          onFinishedAck: () => acks++,
          reports: p.botReports ?? 'finish',
        }),
      );
    }
    for (const r of set.replicas)
      producers.push(new BenchTasksClient(r.grpcAddress, tokens.client));
    const request = benchTaskRequest({ pool: BENCH_POOL });
    let next = 0;
    const batch = p.batch ?? 0;
    const producer = () => producers[next++ % producers.length]!;
    /** Submits `n` tasks: one NewTask each, or NewTasks of `batch` (the last one smaller). */
    const submitAll = (n: number) =>
      batch > 1
        ? inFlight(
            Math.ceil(n / batch),
            p.batchInFlight ?? 4,
            (i) =>
              producer().newTasks(
                Array.from({ length: Math.min(batch, n - i * batch) }, () => request),
              ),
            ctx.signal,
          )
        : inFlight(n, p.inFlight, () => producer().newTask(request), ctx.signal);
    const ratesPerRound: number[] = [];
    const cpuMs = set.replicas.map(() => 0);
    let benchCpuMs = 0;
    for (let r = -1; r < p.rounds; r++) {
      const n = r < 0 ? p.warmupTasks : p.tasks;
      ctx.progress(
        `Drover lifecycle${batch > 1 ? ` (NewTasks × ${batch})` : ''} ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}: ${n} tasks`,
      );
      const before = await set.stats();
      const target = acks + n;
      const bench0 = process.cpuUsage();
      const t0 = performance.now();
      await submitAll(n);
      await until(
        'Drover lifecycle: every result stored',
        () => acks >= target,
        300_000,
        ctx.signal,
      );
      const elapsedS = (performance.now() - t0) / 1000;
      const bench = process.cpuUsage(bench0);
      const after = await set.stats();
      if (r >= 0) {
        ratesPerRound.push(n / elapsedS);
        benchCpuMs += (bench.user + bench.system) / 1000;
        after.forEach((a, i) => (cpuMs[i]! += cpuMsOf(a) - cpuMsOf(before[i]!)));
      }
    }
    const end = await set.stats();
    const measured = p.tasks * p.rounds;
    return {
      ratesPerRound,
      coordinatorCpuMsPerTask: cpuMs.reduce((a, b) => a + b, 0) / measured,
      benchCpuMsPerTask: benchCpuMs / measured,
      coordinatorRssBytes: end[0]!.rssBytes,
      perReplica: end.map((e, i) => ({ cpuMsPerTask: cpuMs[i]! / measured, rssBytes: e.rssBytes })),
    };
  } finally {
    for (const t of producers) t.close();
    for (const bot of bots) bot.close();
    await set.close();
  }
}
