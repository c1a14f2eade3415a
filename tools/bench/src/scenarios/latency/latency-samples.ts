import type { DroverClient } from '@drover/client';
import type { BenchBot } from '../../clients/bench-bot';
import type { BenchTasksClient } from '../../clients/tasks-client';
import type { PlainSpawner } from '../../harness/plain-spawner';
import { nowNs } from '../../harness/rounds';
import { benchTaskRequest } from '../../clients/tasks-client';
import { BENCH_POOL, waitFinal } from '../../harness/drover-rig';
import { STAMP_PAYLOAD, parseStampMs, type WallClock } from '../../harness/wall-clock';
import type { DroverHop, HopStamps } from './latency-hops';

/** One latency sample, in ms from the submit (or spawn) call. */
export interface LatencySample {
  /** → the payload's own timestamp as it started. */
  readonly payloadStartMs: number;
  /** → the result seen by the submitting (waiting) client. */
  readonly resultMs: number;
  /** With replicas: submitted on another replica than the one the bot that ran it is on. */
  readonly crossReplica?: boolean;
  /** The stamps this process (and the payload) took, on CLOCK_MONOTONIC (latency-hops.ts). */
  readonly stamps?: HopStamps<string>;
}

export interface DroverSample extends LatencySample {
  /** The bot that ran the task. */
  readonly botId: string;
  readonly taskId: string;
  readonly stamps: HopStamps<DroverHop>;
}

/**
 * Drover: NewTask (the stamping payload) → WaitTask until final; the payload's stamp is read from
 * the stored output afterwards (not timed).
 */
export async function droverSample(
  client: DroverClient,
  clock: WallClock,
  signal: AbortSignal,
): Promise<DroverSample> {
  const t0 = clock.nowMs();
  const { task_id } = await client.newTask(
    benchTaskRequest({ pool: BENCH_POOL }, 100, STAMP_PAYLOAD),
    { deadlineMs: 10_000, signal },
  );
  const result = await waitFinal(client, task_id, 10_000, signal);
  const seenMs = clock.nowMs();
  if (result.state !== 'COMPLETED' || result.exit_code !== 0) {
    throw new Error(`task ${task_id} ended ${String(result.state)} (exit ${result.exit_code})`);
  }
  const out = await client.getStdout(task_id, 0, 0, { deadlineMs: 10_000, signal });
  const payloadMs = parseStampMs(out.output);
  return {
    payloadStartMs: payloadMs - t0,
    resultMs: seenMs - t0,
    botId: result.bot_id,
    taskId: task_id,
    stamps: {
      'client-send': clock.toMonoMs(t0),
      'payload-start': clock.toMonoMs(payloadMs),
      'client-seen': clock.toMonoMs(seenMs),
    },
  };
}

/** The same payload spawned with execa by a small process of its own: the machine's cost. */
export async function plainSample(spawner: PlainSpawner): Promise<LatencySample> {
  const r = await spawner.sample(STAMP_PAYLOAD);
  return { payloadStartMs: r.payloadStartMs, resultMs: r.exitSeenMs };
}

/** The pool of the simulated probe bot: no real bot is in it. */
export const PROBE_POOL = 'bench-probe';

/**
 * The coordinator's share alone: NewTask → Assign received by a simulated bot on the BotApi
 * stream in this process (which answers TaskFinished at once; the next sample waits for its Ack).
 * `payloadStartMs` and `resultMs` are both that time.
 */
export async function assignSample(
  tasks: BenchTasksClient,
  probe: BenchBot,
): Promise<LatencySample> {
  const t0 = nowNs();
  const created = tasks.newTask(benchTaskRequest({ pool: PROBE_POOL }), 10_000);
  const assign = await probe.assigns.take(10_000);
  const ms = (assign.receivedNs - t0) / 1e6;
  const { task_id } = await created;
  if (task_id !== assign.taskId) throw new Error(`probe: made ${task_id}, got ${assign.taskId}`);
  await probe.finishedAcks.take(10_000, (id) => id === task_id);
  return { payloadStartMs: ms, resultMs: ms };
}
