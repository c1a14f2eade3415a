import type { AckOut, AssignOut, BotApiClient, CasClient, KillOut } from '@drover/protocol';
import type { Logger } from 'pino';
import { signalGroup } from './process-group';
import type { RunResult, TaskRun } from './runner';
import type { SessionConfig } from './session-config';
import { launchTask } from './task-launch';
import { TaskSlot, type Link } from './task-slot';
import { canceledFinish, type RunningTaskWire } from './wire';

/** What the bot reports for its termination task: done at once, nothing ran, no output. */
const TERMINATION_RESULT: RunResult = {
  exitCode: 0,
  durationSecs: 0,
  timedOut: 'none',
  killed: false,
  canceled: false,
  outputSize: 0,
};

export interface HeldTasksOptions {
  readonly config: SessionConfig;
  /** The session's stream, as the tasks' results and output see it. */
  readonly link: Link;
  readonly log: Logger;
  /** A run ended and was cleaned up, or a result was acknowledged: stopping may be done. */
  readonly onSettled: () => void;
}

/** Where an assigned task's outputs go, as of its Assign. */
export interface LaunchPlace {
  /** The coordinator the task came from (the payload's DROVER_SERVER). */
  readonly server: string;
  readonly uploadClient: () => BotApiClient;
  /** Cas.Download of the task's inputs, on the same channel. */
  readonly casClient: () => CasClient;
  readonly maxOutputFilesBytes: number;
}

/**
 * The tasks the bot holds: a slot per task until the coordinator acknowledged its result (or
 * forgot the task), and the runs still going. Carries out Assign, Kill and Ack for one task;
 * whether the bot takes an Assign at all is the session's call (its lifecycle).
 */
export class HeldTasks {
  readonly #opts: HeldTasksOptions;
  readonly #slots = new Map<string, TaskSlot>();
  readonly #runs = new Set<TaskRun>();

  constructor(opts: HeldTasksOptions) {
    this.#opts = opts;
  }

  /** Holds no task: none running, no result waiting for its Ack. */
  isIdle(): boolean {
    return this.#slots.size === 0 && this.#runs.size === 0;
  }

  /** Some result waits for its Ack (or its task still runs). */
  holdsAny(): boolean {
    return this.#slots.size > 0;
  }

  /** Some task's process (or its clean-up) is still going. */
  anyRunning(): boolean {
    return this.#runs.size > 0;
  }

  holds(taskId: string): boolean {
    return this.#slots.has(taskId);
  }

  taskIds(): string[] {
    return [...this.#slots.keys()];
  }

  /** The task whose payload runs now, or ''. */
  runningTaskId(): string {
    for (const slot of this.#slots.values()) if (slot.running) return slot.taskId;
    return '';
  }

  /** Hello's `running`: every task held, with what the coordinator acknowledged of it. */
  runningEntries(): RunningTaskWire[] {
    return [...this.#slots.values()].map((s) => s.runningEntry());
  }

  /** A new stream was welcomed: what it did not acknowledge goes again. */
  resendAll(): void {
    for (const slot of this.#slots.values()) slot.resend();
  }

  /** The session ends: nothing more is sent for any task. */
  forgetAll(): void {
    for (const slot of this.#slots.values()) slot.forget();
  }

  /** Starts an assigned task: its slot, its run, TaskStarted. */
  launch(a: AssignOut, log: Logger, place: LaunchPlace): void {
    const { slot, run } = launchTask(a, {
      opts: this.#opts.config,
      link: this.#opts.link,
      log,
      server: place.server,
      caches: this.#opts.config.caches,
      uploadClient: place.uploadClient,
      casClient: place.casClient,
      maxOutputFilesBytes: place.maxOutputFilesBytes,
      onOutputFlow: (paused, keptBytes) =>
        log.debug(
          { keptBytes },
          paused
            ? 'output paused: too much waits for acknowledgement'
            : 'output resumed: acknowledged',
        ),
      onEnded: (ended) => {
        this.#runs.delete(ended);
        // The Ack may have come before the work dir was gone: idle only now (a waiting update).
        if (this.isIdle()) this.#opts.config.onIdle?.();
        this.#opts.onSettled();
      },
    });
    this.#slots.set(a.task_id, slot);
    this.#runs.add(run);
  }

  /**
   * Holds the bot's termination task (TerminateBot): nothing runs. `report()` says it started
   * and COMPLETED exit 0; the result is then kept and resent like any other until acknowledged.
   */
  holdTermination(taskId: string, leaseId: string): { report(): void } {
    const slot = new TaskSlot(taskId, leaseId, this.#opts.link);
    this.#slots.set(taskId, slot);
    return {
      report: () => {
        slot.started();
        slot.ended(TERMINATION_RESULT);
      },
    };
  }

  onKill(k: KillOut): void {
    const { log, link } = this.#opts;
    const slot = this.#slots.get(k.task_id);
    if (slot === undefined || slot.leaseId !== k.lease_id) {
      // Nothing runs under that lease here: let the coordinator close the task rather than wait.
      log.warn({ taskId: k.task_id, leaseId: k.lease_id }, 'kill for a task not held');
      if (link.isUp()) link.write({ task_finished: canceledFinish(k.task_id, k.lease_id) });
      return;
    }
    log.info({ taskId: k.task_id, reason: k.reason }, 'kill requested');
    slot.kill(k.reason === '' ? 'killed by the coordinator' : k.reason);
  }

  onAck(a: AckOut): void {
    const { log } = this.#opts;
    const slot = this.#slots.get(a.task_id);
    if (slot === undefined || slot.leaseId !== a.lease_id) {
      log.debug({ taskId: a.task_id, leaseId: a.lease_id }, 'ack for a task not held ignored');
      return;
    }
    if (a.stale || a.finished) {
      if (slot.running)
        slot.kill(a.stale ? 'the lease is stale' : 'the coordinator finished the task');
      slot.forget();
      this.#slots.delete(a.task_id);
      this.#prepareSpare();
      if (this.isIdle()) this.#opts.config.onIdle?.();
      log.info({ taskId: a.task_id, stale: a.stale }, 'task forgotten');
    } else if (slot.ackOutput(a.output_offset) === 'gap') {
      log.warn(
        { taskId: a.task_id, outputOffset: a.output_offset },
        'the coordinator is missing output; sending it again',
      );
    }
    this.#opts.onSettled();
  }

  /**
   * The next payload's process (containment/spare-launch.ts), made once the coordinator has this
   * result: not while the payload runs, nor before its TaskFinished left, when the fork would hold
   * the bot's event loop from seeing the exit or from sending the result.
   */
  #prepareSpare(): void {
    const containment = this.#opts.config.containment;
    if (containment?.kind !== 'cgroup' || containment.spares === undefined) return;
    const spares = containment.spares;
    setImmediate(() => spares.prepare());
  }

  /** Runs the termination dance on every running task; returns their ids. */
  killRuns(reason: string): string[] {
    const killed: string[] = [];
    for (const run of this.#runs) {
      run.kill(reason);
      killed.push(run.taskId);
    }
    return killed;
  }

  /** Resolves once every run going now has ended (however it ended). */
  runsEnded(): Promise<unknown> {
    return Promise.allSettled([...this.#runs].map((r) => r.result));
  }

  /**
   * For a process about to exit at once: SIGKILLs the process group of every running task, now,
   * without waiting. Their records stay, so the next start sweeps what is left. Returns the ids.
   */
  killGroupsNow(): string[] {
    const killed: string[] = [];
    for (const run of this.#runs) {
      if (run.pid === undefined) continue;
      try {
        signalGroup(run.pid, 'SIGKILL');
        killed.push(run.taskId);
      } catch {
        // EPERM: not ours any more.
      }
    }
    return killed;
  }
}
