// The per-hop trace of the latency scenario: each Drover sample's way from the client's NewTask to
// the client seeing the result, stamped by the coordinator and the bot (libs/protocol hop-trace.ts,
// on with DROVER_TRACE_DIR), by this process and by the payload itself, all on CLOCK_MONOTONIC.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure } from '../../harness/rounds';
import type { Figure } from '../../harness/scenario';

/** Where each stamp is taken, in order along a task's way. */
export const DROVER_HOPS = [
  ['client-send', 'client: NewTask sent'],
  ['coordinator-receive', 'coordinator: NewTask received'],
  ['task-committed', 'coordinator: task committed (store insert)'],
  ['assign-written', 'coordinator: Assign written to the bot stream'],
  ['bot-receive', 'bot: Assign received'],
  ['spawn-called', 'bot: spawn() called'],
  ['spawn-returned', 'bot: spawn() returned'],
  ['payload-start', 'payload: started (its own stamp)'],
  ['exit-seen', "bot: payload's exit seen"],
  ['finished-sent', 'bot: TaskFinished written'],
  ['finished-received', 'coordinator: TaskFinished received'],
  ['result-committed', 'coordinator: result committed'],
  ['client-seen', 'client: final result seen'],
] as const;

export type DroverHop = (typeof DROVER_HOPS)[number][0];

/** BullMQ's stamps where it has them: add → worker handler → execa → payload → exit → seen. */
export const BULLMQ_HOPS = [
  ['client-send', 'client: queue.add called'],
  ['handler-start', 'worker: job handler started'],
  ['spawn-called', 'worker: execa called'],
  ['payload-start', 'payload: started (its own stamp)'],
  ['exit-seen', "worker: payload's exit seen (execa resolved)"],
  ['client-seen', 'client: job completion seen (QueueEvents)'],
] as const;

export type BullmqHop = (typeof BULLMQ_HOPS)[number][0];

/** The trace files' dir, set in the environment the coordinator and the bots start with. */
export class TraceDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'drover-bench-trace-'));

  /** Runs `start` with DROVER_TRACE_DIR set: the processes it starts trace; this one does not. */
  async withTracing<T>(start: () => Promise<T>): Promise<T> {
    const before = process.env.DROVER_TRACE_DIR;
    process.env.DROVER_TRACE_DIR = this.dir;
    try {
      return await start();
    } finally {
      if (before === undefined) delete process.env.DROVER_TRACE_DIR;
      else process.env.DROVER_TRACE_DIR = before;
    }
  }

  /**
   * Every stamp so far, by task id then hop (the first of a hop wins). The processes write their
   * stamps ~20 ms after taking them: waits until every one of `taskIds` has `need` hops, or 5 s.
   */
  async read(
    taskIds: readonly string[],
    need: readonly string[],
  ): Promise<Map<string, Map<string, number>>> {
    const deadline = performance.now() + 5000;
    for (;;) {
      const stamps = this.#readAll();
      const complete = taskIds.every((id) => need.every((h) => stamps.get(id)?.has(h) === true));
      if (complete || performance.now() > deadline) return stamps;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #readAll(): Map<string, Map<string, number>> {
    const stamps = new Map<string, Map<string, number>>();
    for (const name of readdirSync(this.dir)) {
      for (const line of readFileSync(join(this.dir, name), 'utf8').split('\n')) {
        const [taskId, hop, ms] = line.split(' ');
        if (taskId === undefined || hop === undefined || ms === undefined) continue;
        let task = stamps.get(taskId);
        if (task === undefined) stamps.set(taskId, (task = new Map()));
        if (!task.has(hop)) task.set(hop, Number(ms));
      }
    }
    return stamps;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One sample's stamps (monotonic ms), hop by hop; a hop nobody stamped is missing. */
export type HopStamps<H extends string> = Partial<Record<H, number>>;

/**
 * Figures of each consecutive hop (median and p99 per round, as every figure), for the samples
 * that have both stamps; a hop no sample has is left out. `prefix` names the side.
 */
export function hopFigures<H extends string>(
  prefix: string,
  hops: readonly (readonly [H, string])[],
  rounds: readonly HopStamps<H>[][],
): Figure[] {
  const figures: Figure[] = [];
  for (let i = 1; i < hops.length; i++) {
    const [from, fromName] = hops[i - 1]!;
    const [to, toName] = hops[i]!;
    const per = rounds
      .map((r) =>
        r.filter((s) => s[from] !== undefined && s[to] !== undefined).map((s) => s[to]! - s[from]!),
      )
      .filter((r) => r.length > 0);
    if (per.length === 0) continue;
    figures.push(figure(`${prefix} ${i}. ${fromName} → ${toName}`, 'ms', per));
  }
  return figures;
}

/** ms from hop `from` to hop `to`, per round, for the samples that have both. */
export function spanOf<H extends string>(
  rounds: readonly HopStamps<H>[][],
  from: H,
  to: H,
): number[][] {
  return rounds.map((r) =>
    r.filter((s) => s[from] !== undefined && s[to] !== undefined).map((s) => s[to]! - s[from]!),
  );
}
