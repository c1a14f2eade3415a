import { DroverClientError, GrpcStatus } from '@drover/client';
import type { TaskResultOut, TaskStateWire } from '@drover/client';

/** Exit codes of the drover CLI itself. */
export const EXIT = {
  OK: 0,
  /** Could not talk to the coordinator, or it refused the call (not found, not allowed, …). */
  RPC_ERROR: 1,
  /** Bad command line, or the coordinator rejected the request as INVALID_ARGUMENT. */
  USAGE: 2,
  /** `drover graph run`: a step ended ABNORMAL_FINISHED (each is named on stderr). */
  GRAPH_RUN_FAILED: 3,
  /** A COMPLETED task whose exit code does not fit 0..255 (or is missing). */
  EXIT_CODE_UNREPRESENTABLE: 255,
  /** `drover run --detach` left on Ctrl-C with the tasks still going (`--detach`): 128+SIGINT. */
  INTERRUPTED: 130,
} as const;

/**
 * `drover wait`'s exit code for a final state other than COMPLETED (which exits with the task's
 * own exit code). All ≥ 64, away from the codes most programs use.
 */
export const FINAL_STATE_EXIT_CODES = {
  EXPIRED: 65,
  TIMED_OUT: 66,
  BOT_DIED: 67,
  CANCELED: 68,
  KILLED: 69,
  NO_RESOURCE: 70,
  CLIENT_ERROR: 71,
} as const satisfies Partial<Record<TaskStateWire, number>>;

export type NonCompletedFinalState = keyof typeof FINAL_STATE_EXIT_CODES;

/**
 * A process exit code as a shell would report it: 0..255 as is, killed by signal N (reported as
 * -N) → 128+N, anything else → 255.
 */
export function processExitCode(exitCode: number | undefined): number {
  if (exitCode === undefined || !Number.isInteger(exitCode)) return EXIT.EXIT_CODE_UNREPRESENTABLE;
  if (exitCode >= 0 && exitCode <= 255) return exitCode;
  if (exitCode < 0 && exitCode > -128) return 128 - exitCode;
  return EXIT.EXIT_CODE_UNREPRESENTABLE;
}

/** `drover wait`'s exit code for a final result; undefined while the task is not final. */
export function exitCodeForResult(
  result: Pick<TaskResultOut, 'state' | 'exit_code'>,
): number | undefined {
  const { state } = result;
  if (state === 'COMPLETED') return processExitCode(result.exit_code);
  if (state in FINAL_STATE_EXIT_CODES)
    return FINAL_STATE_EXIT_CODES[state as NonCompletedFinalState];
  return undefined;
}

/**
 * The exit code of several tasks (`collect`, `run --shards`, `wait` with several ids): 0 when
 * every one COMPLETED with exit 0, otherwise the code of the first that did not, in the order
 * given (ids as listed, shards by index) — not the order they ended in, so that the same tasks
 * always give the same code. Undefined while one of them is not final.
 */
export function mergedExitCode(
  results: ReadonlyArray<Pick<TaskResultOut, 'state' | 'exit_code'>>,
): number | undefined {
  let merged: number = EXIT.OK;
  for (const result of results) {
    const code = exitCodeForResult(result);
    if (code === undefined) return undefined;
    if (merged === EXIT.OK) merged = code;
  }
  return merged;
}

/** The exit code for a failed call. */
export function exitCodeForError(err: unknown): number {
  if (err instanceof DroverClientError && err.code === GrpcStatus.INVALID_ARGUMENT)
    return EXIT.USAGE;
  return EXIT.RPC_ERROR;
}

/** The table shown by `drover --help` (and copied in README.md). */
export const EXIT_CODES_HELP = `Exit codes:
  drover wait, logs -f and run exit with the task's own exit code when it
  is COMPLETED (killed by signal N, shown as "killed by SIGTERM (exit -15)":
  128+N; not in 0..255: 255), otherwise:
    65  EXPIRED        no bot took the task in time
    66  TIMED_OUT      execution or I/O timeout
    67  BOT_DIED       the bot running it was lost
    68  CANCELED       cancelled before it started
    69  KILLED         cancelled while running
    70  NO_RESOURCE    no bot could ever run it
    71  CLIENT_ERROR   the request could not be run as given
  Several tasks (collect, run --shards, wait ID ID…): 0 when all COMPLETED
  with exit 0, else the code above of the first that did not (in the order
  given: ids as listed, shards by index). drover run --detach left on
  Ctrl-C: 130, the tasks keep going.
  Every command:
     0  success (drover tasks and cancel --tag: also when nothing matched)
     1  could not reach the coordinator, or it refused the call
        (NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE, …)
     2  usage error: bad option or argument (cancel: both or neither of
        an id and --tag), or the coordinator rejected the request as
        INVALID_ARGUMENT (a bad slice, an unknown --cursor, …)
  drover graph run: 3 when a step ended ABNORMAL_FINISHED (each named, with
  its status and reason, on stderr).
  A task's own exit code 1 or 2 looks like these: use --json or
  drover result to tell them apart.`;
