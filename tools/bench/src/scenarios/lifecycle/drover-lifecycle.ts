import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchBot } from '../../clients/bench-bot';
import { BenchTasksClient, benchTaskRequest, readTokens } from '../../clients/tasks-client';
import { spawnCoordinator } from '../../harness/coordinator-child';
import { BENCH_POOL } from '../../harness/drover-rig';
import { inFlight, until } from '../../harness/in-flight';
import type { ScenarioContext } from '../../harness/scenario';

export interface LifecycleParams {
  readonly tasks: number;
  readonly bots: number;
  /** NewTask calls outstanding at once (the producer's concurrency, the same for every side). */
  readonly inFlight: number;
  readonly rounds: number;
  /** Tasks of the warm-up round. */
  readonly warmupTasks: number;
  /** Node flags for the coordinator child (e.g. --cpu-prof). */
  readonly coordinatorExecArgv?: readonly string[];
}

export interface LifecycleRun {
  /** tasks/s of each measured round, first submit → last result stored (Ack finished). */
  readonly ratesPerRound: number[];
  /** Coordinator CPU (user + system) per task, ms, over the measured rounds. */
  readonly coordinatorCpuMsPerTask: number;
  readonly coordinatorRssBytes: number;
}

/**
 * Drover: a coordinator in a child process (SQLite in a temp dir), `bots` simulated bots in this
 * process on the real BotApi stream, each finishing its task at once; the producer submits
 * `tasks` NewTasks (`true`, pool=bench) with `inFlight` outstanding.
 */
export async function runDroverLifecycle(
  ctx: ScenarioContext,
  p: LifecycleParams,
): Promise<LifecycleRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-lifecycle-'));
  const bots: BenchBot[] = [];
  let tasks: BenchTasksClient | undefined;
  const started = await spawnCoordinator({
    root: ctx.root,
    dataDir,
    startBudgetMs: 60_000,
    signal: ctx.signal,
    ...(p.coordinatorExecArgv ? { execArgv: p.coordinatorExecArgv } : {}),
  });
  if (started.kind === 'not-serving') {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the coordinator did not start: ${started.detail}`);
  }
  const coordinator = started.coordinator;
  try {
    const tokens = readTokens(dataDir);
    let acks = 0;
    for (let i = 0; i < p.bots; i++) {
      bots.push(
        await BenchBot.connect({
          address: coordinator.grpcAddress,
          token: tokens.bot,
          botId: `sim-${i}`,
          dimensions: { pool: [BENCH_POOL] },
          quiet: true,
          ownConnection: true,
          onFinishedAck: () => acks++,
        }),
      );
    }
    tasks = new BenchTasksClient(coordinator.grpcAddress, tokens.client);
    const client = tasks;
    const request = benchTaskRequest({ pool: BENCH_POOL });
    const ratesPerRound: number[] = [];
    let cpuMs = 0;
    for (let r = -1; r < p.rounds; r++) {
      const n = r < 0 ? p.warmupTasks : p.tasks;
      ctx.progress(
        `Drover lifecycle ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}: ${n} tasks`,
      );
      const before = await coordinator.stats();
      const target = acks + n;
      const t0 = performance.now();
      await inFlight(n, p.inFlight, () => client.newTask(request), ctx.signal);
      await until(
        'Drover lifecycle: every result stored',
        () => acks >= target,
        300_000,
        ctx.signal,
      );
      const elapsedS = (performance.now() - t0) / 1000;
      const after = await coordinator.stats();
      if (r >= 0) {
        ratesPerRound.push(n / elapsedS);
        cpuMs += after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs;
      }
    }
    const end = await coordinator.stats();
    return {
      ratesPerRound,
      coordinatorCpuMsPerTask: cpuMs / (p.tasks * p.rounds),
      coordinatorRssBytes: end.rssBytes,
    };
  } finally {
    tasks?.close();
    for (const bot of bots) bot.close();
    await coordinator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
