/**
 * What each Ctrl-C (SIGINT or SIGTERM) does to `npm start`, by how many came:
 *
 *   1st ──▶ drain: the bot takes no new task and lets its running one finish (up to its drain
 *           timeout); once it is gone, the coordinator stops
 *   2nd ──▶ now: the bot gets its second signal (it kills the running task: SIGTERM, the task's
 *           grace period, SIGKILL, and reports it); a coordinator already stopping gets its second
 *           (it exits at once), one still waiting for the bot stops as soon as the bot is gone
 *   3rd ──▶ kill: the bot gets its third signal (it SIGKILLs the task's process group and exits at
 *           once), the coordinator SIGKILL; any further one SIGKILLs whatever is left
 *
 * Pure: the launcher (dev.ts) sends the signals.
 */
export type StopStep = 'drain' | 'now' | 'kill';

/** The step for the `count`th Ctrl-C (1-based). */
export function stopStep(count: number): StopStep {
  return count <= 1 ? 'drain' : count === 2 ? 'now' : 'kill';
}

/** What the launcher prints when a step starts. */
export const STOP_STEP_TEXT = {
  drain:
    'Stopping: the bot takes no new task and lets a running one finish, then the coordinator ' +
    'stops. Ctrl-C again to stop at once.',
  now:
    "Stopping now: the bot kills its running task (SIGTERM, SIGKILL after the task's grace " +
    'period) and reports it, then the coordinator exits. Ctrl-C again to kill everything.',
  kill: 'Killing: the running task and both processes get SIGKILL.',
} as const satisfies Record<StopStep, string>;

/** The banner's line about Ctrl-C. */
export const CTRL_C_HELP =
  'Ctrl-C stops the bot (a running task may finish) and then the coordinator; a second Ctrl-C\n' +
  '  stops at once (the running task is killed and reported); a third kills everything (SIGKILL).';

/** The Ctrl-C count so far and when the last one counted. */
export interface CtrlCState {
  readonly count: number;
  readonly lastAtMs: number;
}

export const NO_CTRL_C: CtrlCState = { count: 0, lastAtMs: -Infinity };

/**
 * Counts a stop signal that came at `nowMs`. Run by npm, one Ctrl-C can arrive twice: the terminal
 * signals the whole foreground process group, and npm forwards the one it got (when the script
 * shell execs the launcher, as bash does). A signal within `echoWindowMs` of the one counted
 * before is that echo: not counted (pass 0 when nothing forwards signals).
 */
export function countStopSignal(
  state: CtrlCState,
  nowMs: number,
  echoWindowMs: number,
): { state: CtrlCState; counted: boolean } {
  if (nowMs - state.lastAtMs < echoWindowMs) return { state, counted: false };
  return { state: { count: state.count + 1, lastAtMs: nowMs }, counted: true };
}
