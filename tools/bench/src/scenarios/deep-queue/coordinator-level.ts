import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchBot, type AssignSeen } from '../../clients/bench-bot';
import { BenchTasksClient, benchTaskRequest, readTokens } from '../../clients/tasks-client';
import { spawnCoordinator, type CoordinatorChild } from '../../harness/coordinator-child';
import { figure, fromNs, nowNs, runRounds } from '../../harness/rounds';
import type { Figure, ScenarioContext, Value } from '../../harness/scenario';
import { PROBE_DIMENSIONS, deepSetDimensions, type DeepQueueShape } from './deep-queue-shape';
import { prefillDeepQueue } from './prefill-store';

export interface CoordinatorLevelParams {
  readonly shape: DeepQueueShape;
  /**
   * When the coordinator does not serve the deep queue within the budget: this many tasks, in
   * queues as deep as the full shape's.
   */
  readonly fallbackPending: number;
  readonly rounds: number;
  /** NewTask → Assign probes per round. */
  readonly probesPerRound: number;
  /** TaskFinished → next Assign samples per round. */
  readonly chainPerRound: number;
  readonly startBudgetMs: number;
}

export interface LevelResult {
  readonly figures: Figure[];
  readonly values: Value[];
  readonly notes: string[];
}

const MB = 1024 * 1024;

/**
 * A real coordinator in a child process, empty and then with the deep queue in its store: a
 * probe bot matching none of the deep sets measures NewTask → Assign; a bot of one deep set
 * measures TaskFinished → next Assign. A coordinator that does not serve the deep queue within
 * the budget is a finding (time, memory), and the latencies are then measured with a smaller one.
 */
export async function measureCoordinatorLevel(
  ctx: ScenarioContext,
  p: CoordinatorLevelParams,
): Promise<LevelResult> {
  const out: LevelResult = { figures: [], values: [], notes: [] };
  await runCase(ctx, p, { pending: 0, sets: p.shape.sets }, out);
  const served = await runCase(ctx, p, p.shape, out);
  if (!served && p.fallbackPending > 0 && p.fallbackPending < p.shape.pending) {
    // Queues as deep as in the full shape (the heap's depth is what a dispatch pays for), fewer.
    const perSet = p.shape.pending / p.shape.sets;
    const sets = Math.max(1, Math.round(p.fallbackPending / perSet));
    await runCase(ctx, p, { pending: p.fallbackPending, sets }, out);
  }
  return out;
}

/** One coordinator with `shape.pending` tasks in its store; false if it did not serve. */
async function runCase(
  ctx: ScenarioContext,
  p: CoordinatorLevelParams,
  shape: DeepQueueShape,
  out: LevelResult,
): Promise<boolean> {
  const label = shape.pending === 0 ? 'empty' : `deep (${count(shape.pending)})`;
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-deep-queue-'));
  let coordinator: CoordinatorChild | undefined;
  try {
    if (shape.pending > 0) {
      ctx.progress(`coordinator ${label}: writing the pending tasks to the store`);
      const t = await prefillDeepQueue(join(dataDir, 'drover.sqlite'), shape, Date.now());
      out.values.push({
        name: `prefill ${label}: ${count(t.throughStoreCount)} via Store.insertTask + ${count(t.bulkCount)} copied`,
        value: t.throughStoreMs + t.bulkMs,
        unit: 'ms',
      });
    }
    ctx.progress(`coordinator ${label}: starting (budget ${p.startBudgetMs / 1000} s)`);
    const started = await spawnCoordinator({
      root: ctx.root,
      dataDir,
      startBudgetMs: p.startBudgetMs,
      signal: ctx.signal,
    });
    if (started.kind === 'not-serving') {
      out.values.push(
        { name: `coordinator ${label}: NOT serving after`, value: started.afterMs, unit: 'ms' },
        {
          name: `coordinator ${label}: peak RSS while starting`,
          value: started.peakRssBytes / MB,
          unit: 'MiB',
        },
      );
      out.notes.push(
        `coordinator ${label} did not serve within the start budget (${started.reason}: ${started.detail}); ` +
          `RSS ${(started.lastRssBytes / MB).toFixed(0)} MiB when given up, peak ${(started.peakRssBytes / MB).toFixed(0)} MiB.`,
      );
      return false;
    }
    coordinator = started.coordinator;
    const settled = await coordinator.stats({ gc: true });
    out.values.push(
      { name: `coordinator ${label}: startCoordinator()`, value: coordinator.startMs, unit: 'ms' },
      {
        name: `coordinator ${label}: peak RSS while starting`,
        value: coordinator.startPeakRssBytes / MB,
        unit: 'MiB',
      },
      {
        name: `coordinator ${label}: RSS after start, after a full GC`,
        value: settled.rssBytes / MB,
        unit: 'MiB',
      },
      {
        name: `coordinator ${label}: heap used after a full GC`,
        value: settled.heapUsedBytes / MB,
        unit: 'MiB',
      },
      {
        name: `coordinator ${label}: tasks in its index`,
        value: settled.pendingCount,
        unit: 'tasks',
      },
    );
    await measureLatencies(ctx, p, shape, coordinator, dataDir, label, out);
    const end = await coordinator.stats();
    out.values.push({
      name: `coordinator ${label}: RSS at the end`,
      value: end.rssBytes / MB,
      unit: 'MiB',
    });
    return true;
  } finally {
    await coordinator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureLatencies(
  ctx: ScenarioContext,
  p: CoordinatorLevelParams,
  shape: DeepQueueShape,
  coordinator: CoordinatorChild,
  dataDir: string,
  label: string,
  out: LevelResult,
): Promise<void> {
  const tokens = readTokens(dataDir);
  const tasks = new BenchTasksClient(coordinator.grpcAddress, tokens.client);
  const bots: BenchBot[] = [];
  try {
    ctx.progress(`coordinator ${label}: NewTask → Assign`);
    const probe = await BenchBot.connect({
      address: coordinator.grpcAddress,
      token: tokens.bot,
      botId: 'bench-probe',
      dimensions: { pool: [PROBE_DIMENSIONS['pool']!], set: [PROBE_DIMENSIONS['set']!] },
    });
    bots.push(probe);
    out.values.push({
      name: `coordinator ${label}: first NewTask → Assign`,
      value: await probeOnce(tasks, probe, 60_000),
      unit: 'ms',
    });
    const probes = await runRounds({ rounds: p.rounds, signal: ctx.signal }, async () => {
      const samples: number[] = [];
      for (let i = 0; i < p.probesPerRound; i++) {
        samples.push(await probeOnce(tasks, probe, 10_000));
      }
      return samples;
    });
    out.figures.push(figure(`coordinator NewTask → Assign, ${label}`, 'ms', probes));

    ctx.progress(`coordinator ${label}: TaskFinished → next Assign`);
    const chainSet = deepSetDimensions(0);
    const wanted = (1 + p.rounds) * p.chainPerRound + 1;
    let queued: number;
    if (shape.pending === 0) {
      // The baseline: one queue holding just the tasks the bot will take.
      for (let i = 0; i < wanted; i++) await tasks.newTask(benchTaskRequest(chainSet));
      queued = wanted;
    } else {
      queued = Math.ceil(shape.pending / shape.sets);
    }
    const taken = Math.min(wanted, queued);
    const chainBot = await BenchBot.connect({
      address: coordinator.grpcAddress,
      token: tokens.bot,
      botId: 'bench-chain',
      dimensions: { pool: [chainSet['pool']!], set: [chainSet['set']!] },
      maxFinishes: taken - 1,
    });
    bots.push(chainBot);
    const chain = await chainRounds(chainBot, p.rounds, taken, ctx.signal);
    const where =
      shape.pending === 0
        ? `1 queue of ${queued}`
        : `${count(queued)}-task queue among ${count(shape.sets)}`;
    out.figures.push(figure(`coordinator TaskFinished → next Assign, ${where}`, 'ms', chain));
  } finally {
    for (const bot of bots) bot.close();
    tasks.close();
  }
}

/** One probe: NewTask for the probe set, until the bot has the Assign and the result is stored. */
async function probeOnce(
  tasks: BenchTasksClient,
  bot: BenchBot,
  timeoutMs: number,
): Promise<number> {
  const t0 = nowNs();
  const response = tasks.newTask(benchTaskRequest(PROBE_DIMENSIONS), timeoutMs);
  const assign = await bot.assigns.take(timeoutMs);
  const elapsed = assign.receivedNs - t0;
  const created = await response;
  if (created.task_id !== assign.taskId) {
    throw new Error(`probe: created ${created.task_id} but the bot was given ${assign.taskId}`);
  }
  // The bot answered at once; once the result is stored, the bot is idle for the next probe.
  await bot.finishedAcks.take(timeoutMs, (id) => id === assign.taskId);
  return elapsed / 1e6;
}

/** TaskFinished written → next Assign received, over `tasks` consecutive tasks of the bot. */
async function chainRounds(
  bot: BenchBot,
  rounds: number,
  tasks: number,
  signal: AbortSignal,
): Promise<number[][]> {
  const seen: AssignSeen[] = [];
  for (let i = 0; i < tasks; i++) {
    signal.throwIfAborted();
    seen.push(await bot.assigns.take(i === 0 ? 30_000 : 10_000));
  }
  const samples: number[] = [];
  for (let i = 1; i < seen.length; i++) {
    samples.push(seen[i]!.receivedNs - seen[i - 1]!.finishedNs!);
  }
  fromNs(samples, 'ms');
  // As many equal rounds as fit, the first a warm-up.
  const perRound = Math.max(1, Math.floor(samples.length / (rounds + 1)));
  const out: number[][] = [];
  for (let r = 1; r <= rounds; r++) out.push(samples.slice(r * perRound, (r + 1) * perRound));
  return out.filter((r) => r.length > 0);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
