/** Exit codes of the drover-bot process. */
export const EXIT_CODES = {
  /** Stopped as asked: a signal, Terminate, or --once after its task. */
  ok: 0,
  /** An unexpected error (a bug). */
  crash: 1,
  /** A usage or configuration error: bad flag or value, no token. */
  usage: 2,
  /** The coordinator refused the bot: UNAUTHENTICATED, PERMISSION_DENIED or INVALID_ARGUMENT. */
  refused: 3,
} as const;
