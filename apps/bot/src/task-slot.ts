import type { BotMessage, TaskFinished } from '@drover/protocol';
import { OutputOutbox, type AckOutcome } from './output-outbox';
import type { RunResult, TaskRun } from './runner';
import { taskFinishedToWire, type RunningTaskWire } from './wire';

/**
 * One task the bot holds, from Assign until the coordinator acknowledges its result (or calls its
 * lease stale): the running process, the output kept for resend, the coalescing of output into
 * Output messages, and the TaskFinished kept until acknowledged.
 *
 * Backpressure: when more than `maxUnackedBytes` of output wait for an Ack (sent or not: the
 * stream may be down), the slot pauses the payload's output — the runner stops reading its pipes
 * and the payload blocks on write — and resumes it once the Acks bring that below half. The bot's
 * memory for a task's output is so bounded, whatever the payload prints.
 */

/** Where a slot writes; `isUp()` is false between streams (before Welcome). */
export interface Link {
  isUp(): boolean;
  write(msg: BotMessage): void;
}

export interface CoalescePolicy {
  /** Flush at once when this many bytes are unsent. @default 65536 */
  readonly flushBytes: number;
  /** Otherwise flush this long after the first unsent byte. @default 50 */
  readonly flushDelayMs: number;
}

export const DEFAULT_COALESCE: CoalescePolicy = { flushBytes: 64 * 1024, flushDelayMs: 50 };

export interface FlowPolicy {
  /** Pause the payload's output past this many unacknowledged bytes. @default 8 MiB */
  readonly maxUnackedBytes: number;
  /** The output was paused or resumed (for the log). */
  readonly onChange?: (paused: boolean, keptBytes: number) => void;
}

export const DEFAULT_MAX_UNACKED_OUTPUT_BYTES = 8 * 1024 ** 2;

export class TaskSlot {
  readonly outbox = new OutputOutbox();
  /** Set once the process ended (with its last output flushed). */
  finish: TaskFinished | undefined;
  /** The coordinator acknowledged the result or called the lease stale: the slot is done. */
  forgotten = false;
  private run: TaskRun | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** TaskStarted could not be written (no stream at the time): it goes first on the next one. */
  private startedUnsent = false;
  /** The slot asked the runner to stop reading the payload's output. */
  private outputPaused = false;

  constructor(
    readonly taskId: string,
    readonly leaseId: string,
    private readonly link: Link,
    private readonly policy: CoalescePolicy = DEFAULT_COALESCE,
    private readonly flow: FlowPolicy = { maxUnackedBytes: DEFAULT_MAX_UNACKED_OUTPUT_BYTES },
  ) {}

  /** The process is still running (or has not started yet). */
  get running(): boolean {
    return this.run !== undefined && this.finish === undefined;
  }

  /** Says TaskStarted now, or on the next stream if there is none. */
  started(): void {
    this.startedUnsent = !this.link.isUp();
    if (!this.startedUnsent)
      this.link.write({ task_started: { task_id: this.taskId, lease_id: this.leaseId } });
  }

  attach(run: TaskRun): void {
    this.run = run;
    if (this.outputPaused) run.pauseOutput();
  }

  kill(reason: string): void {
    this.run?.kill(reason);
  }

  /** Output from the runner: keep it, and send it soon. */
  onOutput(bytes: Buffer): void {
    if (this.forgotten) return;
    this.outbox.append(bytes);
    if (this.outbox.unsent >= this.policy.flushBytes) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.policy.flushDelayMs);
    this.updateFlow();
  }

  /** Pauses the output past the bound of unacknowledged bytes, resumes it below half of it. */
  private updateFlow(): void {
    const kept = this.outbox.kept;
    const pause = this.forgotten
      ? false
      : this.outputPaused
        ? kept > this.flow.maxUnackedBytes / 2
        : kept > this.flow.maxUnackedBytes;
    if (pause === this.outputPaused) return;
    this.outputPaused = pause;
    if (pause) this.run?.pauseOutput();
    else this.run?.resumeOutput();
    this.flow.onChange?.(pause, kept);
  }

  /** Writes the unsent output to the stream, if there is one. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.forgotten || !this.link.isUp()) return;
    for (const piece of this.outbox.takeUnsent(this.policy.flushBytes)) {
      this.link.write({
        output: {
          task_id: this.taskId,
          lease_id: this.leaseId,
          offset: piece.offset,
          data: piece.data,
        },
      });
    }
  }

  /**
   * The coordinator's answer to an Output. On a gap (it is missing bytes this stream sent), sends
   * them again at once, and the result after them if it was sent already.
   */
  ackOutput(offset: number): AckOutcome {
    const outcome = this.outbox.ack(offset);
    if (outcome === 'gap' && !this.forgotten && this.link.isUp()) {
      this.flush();
      if (this.finish !== undefined) this.link.write({ task_finished: this.finish });
    }
    this.updateFlow();
    return outcome;
  }

  /** The process ended: last output first, then the result. */
  ended(result: RunResult): void {
    if (this.forgotten) return;
    this.flush();
    this.finish = taskFinishedToWire(this.taskId, this.leaseId, result);
    if (this.link.isUp()) this.link.write({ task_finished: this.finish });
  }

  /** A new stream (after Welcome): everything not acknowledged goes again, result last. */
  resend(): void {
    if (this.forgotten) return;
    if (this.startedUnsent) this.started();
    this.outbox.rewind();
    this.flush();
    if (this.finish !== undefined) this.link.write({ task_finished: this.finish });
  }

  /** What Hello says about this task. */
  runningEntry(): RunningTaskWire {
    return {
      task_id: this.taskId,
      lease_id: this.leaseId,
      output_offset: this.outbox.produced,
      finished: this.finish !== undefined,
    };
  }

  forget(): void {
    this.forgotten = true;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.updateFlow();
  }
}
