/** Exit codes of the drover-bot process (README.md and `--help` list them too). */
export const EXIT_CODES = {
  /** Stopped as asked, no task killed: a signal (the task finished), Terminate, --once. */
  ok: 0,
  /** An unexpected error (a bug). */
  crash: 1,
  /** A usage or configuration error: bad flag or value, no token. */
  usage: 2,
  /** The coordinator refused the bot: UNAUTHENTICATED, PERMISSION_DENIED or INVALID_ARGUMENT. */
  refused: 3,
  /**
   * Stopped by a signal after killing the running task with the termination dance: it outlasted
   * --drain-timeout, or a second signal came. Its result was reported (if the coordinator took it).
   */
  taskKilled: 4,
  /** A third signal: the running task's process group was SIGKILLed and the bot exited at once. */
  exitedAtOnce: 5,
  /** Another drover-bot holds the bot dir (`<dir>/bot.lock`). */
  botDirLocked: 6,
  /**
   * The bot switched `current` to new bot code (update/updater.ts) and left, holding no task: the
   * launcher starts the new version (and falls back to `previous` if it fails to connect).
   */
  updated: 7,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
