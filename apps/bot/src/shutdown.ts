import type { Logger } from 'pino';
import { EXIT_CODES } from './exit-codes';
import type { BotSession } from './session';
import type { SessionEnd } from './session-types';

/**
 * What SIGINT/SIGTERM do, by how many came:
 *
 *   1st ──▶ drain: no new tasks; the running one may finish for up to the drain limit, then it is
 *           killed with the termination dance (SIGTERM, grace period, SIGKILL) and reported
 *   2nd ──▶ kill: the termination dance now; the result is reported, then the bot exits
 *   3rd ──▶ exit now: SIGKILL the running task's process group and exit, waiting for nothing
 *
 * The process that started the bot going away (`npm start`'s launcher, see DROVER_PARENT_FD)
 * counts as a second signal, and as a third if the bot is still there after `parentGoneExitMs`:
 * nobody waits for it any more, and its coordinator is usually gone too, so the result may never
 * be acknowledged.
 *
 * Exit codes: 0 when no task had to be killed, 4 when one was (drain limit or second signal), 5
 * on the third signal; 3 still wins when the coordinator refused the bot.
 */

export type SignalStep = 'drain' | 'kill' | 'exit-now';

/** The step for the `count`th signal (1-based). */
export function stepForSignal(count: number): SignalStep {
  return count <= 1 ? 'drain' : count === 2 ? 'kill' : 'exit-now';
}

export interface SignalShutdownOptions {
  readonly session: Pick<BotSession, 'stop' | 'killGroupsNow'>;
  /** How long the running task may take to finish after the first signal. */
  readonly drainTimeoutMs: number;
  readonly log: Logger;
  /** Ends the process with `code` at once (never returns in production). */
  readonly exitNow: (code: number) => void;
  /** After the parent is gone, how long the kill step may take before the bot exits at once. */
  readonly parentGoneExitMs?: number;
}

/** @see SignalShutdownOptions.parentGoneExitMs */
export const DEFAULT_PARENT_GONE_EXIT_MS = 5_000;

export class SignalShutdown {
  private signals = 0;
  private killedTasks = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private parentGoneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: SignalShutdownOptions) {}

  onSignal(signal: NodeJS.Signals): void {
    this.signals += 1;
    const { log, session } = this.o;
    const step = stepForSignal(this.signals);
    switch (step) {
      case 'drain':
        log.info(
          { signal, drainTimeoutMs: this.o.drainTimeoutMs },
          'stopping: no new tasks, the running one may finish',
        );
        session.stop({ reason: 'signal' });
        this.drainTimer = setTimeout(() => this.kill('drain limit reached'), this.o.drainTimeoutMs);
        return;
      case 'kill':
        this.kill(`second signal (${signal})`);
        return;
      case 'exit-now':
        this.exitAtOnce({ signal }, 'third signal: exiting at once');
        return;
    }
  }

  /** The parent process is gone: the second signal's step now, the third's at the deadline. */
  onParentGone(): void {
    if (this.parentGoneTimer !== undefined) return;
    const exitMs = this.o.parentGoneExitMs ?? DEFAULT_PARENT_GONE_EXIT_MS;
    this.o.log.warn({ exitMs }, 'parent process gone: stopping now');
    if (this.signals < 2) {
      this.signals = 2;
      this.kill('parent process gone');
    }
    this.parentGoneTimer = setTimeout(
      () => this.exitAtOnce({ exitMs }, 'parent process gone: exiting at once'),
      exitMs,
    );
  }

  /** The process exit code for how the session ended. */
  exitCode(end: SessionEnd): number {
    if (end.kind === 'fatal') return EXIT_CODES.refused;
    return this.killedTasks ? EXIT_CODES.taskKilled : EXIT_CODES.ok;
  }

  dispose(): void {
    clearTimeout(this.drainTimer);
    clearTimeout(this.parentGoneTimer);
  }

  /** SIGKILLs the running task's process group and ends the process, waiting for nothing. */
  private exitAtOnce(fields: Record<string, unknown>, msg: string): void {
    this.dispose();
    const taskIds = this.o.session.killGroupsNow();
    this.o.log.error({ ...fields, taskIds }, msg);
    this.o.exitNow(EXIT_CODES.exitedAtOnce);
  }

  private kill(why: string): void {
    clearTimeout(this.drainTimer);
    const taskIds = this.o.session.stop({ reason: 'signal', killRunning: true });
    if (taskIds.length === 0) {
      this.o.log.info({ why }, 'stopping now: no task to kill');
      return;
    }
    this.killedTasks = true;
    this.o.log.warn({ why, taskIds }, 'stopping now: killing the running task');
  }
}
