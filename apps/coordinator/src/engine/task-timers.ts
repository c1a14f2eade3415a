import {
  runningBackstopAtMs,
  taskPingToleranceMs,
  type KeyValue,
  type Store,
  type Task,
  type TaskEvent,
} from '@drover/state';
import type { Logger } from 'pino';
import { afterPendingInput, type LoopStalls } from '../stalls/loop-stalls';
import { judgeSilence } from '../stalls/silence';
import { DeadlineTimer } from './deadline-timer';
import type { ApplyOutcome } from './task-engine';

export interface TaskTimersDeps {
  readonly store: Pick<Store, 'getTask'>;
  readonly clock: () => number;
  readonly log: Logger;
  /** The coordinator's --bot-ping-tolerance, for tasks without their own. */
  readonly pingToleranceMs: number;
  /** This process's own stalls: a backstop does not count them. */
  readonly stalls?: LoopStalls | undefined;
  /** Whether some known bot could run these dimensions (an expiring slice's next one). */
  readonly hasCapacity: (dimensions: readonly KeyValue[]) => boolean;
  /** Applies the timer's event (expire, bot-died) through the engine. */
  readonly apply: (taskId: string, event: TaskEvent) => Promise<ApplyOutcome>;
  /** A task the timer found no longer waiting: out of the dispatch index. */
  readonly forget: (taskId: string) => void;
}

/**
 * The task deadlines of this process, each kind on one Node timer: a PENDING task's slice
 * expiry, and a RUNNING task's backstop (started + execution timeout + grace + ping tolerance),
 * which ends it as BOT_DIED even if its bot still pings.
 */
export class TaskTimers {
  readonly #deps: TaskTimersDeps;
  /** PENDING task → its current slice's deadline. */
  readonly #expiries: DeadlineTimer;
  /** RUNNING task → its backstop. */
  readonly #backstops: DeadlineTimer;
  #closed = false;

  constructor(deps: TaskTimersDeps) {
    this.#deps = deps;
    this.#expiries = new DeadlineTimer(deps.clock, (taskId) => void this.#expire(taskId));
    this.#backstops = new DeadlineTimer(deps.clock, (taskId) => void this.#backstop(taskId));
  }

  close(): void {
    this.#closed = true;
    this.#expiries.close();
    this.#backstops.close();
  }

  /** The waiting task's current slice expires at `atMs`. */
  expireAt(taskId: string, atMs: number): void {
    if (!this.#closed) this.#expiries.schedule(taskId, atMs);
  }

  cancelExpiry(taskId: string): void {
    this.#expiries.cancel(taskId);
  }

  /** The task runs: its backstop is watched (moved, if it was already). */
  watchRunning(task: Task): void {
    const atMs = runningBackstopAtMs(task, this.#deps.pingToleranceMs);
    if (atMs !== null && !this.#closed) this.#backstops.schedule(task.id, atMs);
  }

  cancelBackstop(taskId: string): void {
    this.#backstops.cancel(taskId);
  }

  async #expire(taskId: string): Promise<void> {
    try {
      const task = await this.#deps.store.getTask(taskId);
      if (task === undefined || task.state !== 'PENDING') {
        this.#deps.forget(taskId);
        return;
      }
      const capacity = task.spec.slices.map((s) => this.#deps.hasCapacity(s.properties.dimensions));
      await this.#deps.apply(taskId, { type: 'expire', capacity });
    } catch (err) {
      this.#deps.log.error({ err, taskId }, 'expiring a task failed');
    }
  }

  /**
   * A RUNNING task reached its backstop: BOT_DIED. Its result may be waiting unread, and the
   * ping tolerance in the backstop is time this process ran: after a stall it reads first, and
   * moves the backstop by the stall.
   */
  async #backstop(taskId: string): Promise<void> {
    const { stalls, clock, pingToleranceMs } = this.#deps;
    try {
      if (stalls !== undefined) {
        await afterPendingInput();
        if (this.#closed) return;
      }
      const task = await this.#deps.store.getTask(taskId);
      if (task === undefined || task.state !== 'RUNNING') return;
      const atMs = runningBackstopAtMs(task, pingToleranceMs);
      if (atMs !== null && stalls !== undefined) {
        const nowMs = clock();
        const toleranceMs = taskPingToleranceMs(task, pingToleranceMs);
        const verdict = judgeSilence({
          nowMs,
          lastHeardMs: atMs - toleranceMs,
          toleranceMs,
          dueAtMs: nowMs,
          stalls: stalls.stalls,
          listened: true,
          lateMs: stalls.lateMs,
        });
        if (verdict.kind === 'heard') {
          if (!this.#closed) this.#backstops.schedule(taskId, verdict.checkAtMs);
          return;
        }
      }
      await this.#deps.apply(taskId, {
        type: 'bot-died',
        leaseId: task.leaseId ?? '',
        reason: 'still running past its execution timeout + grace period + bot ping tolerance',
      });
    } catch (err) {
      this.#deps.log.error({ err, taskId }, 'backstop failed');
    }
  }
}
