// Original file: proto/drover/v1/common.proto

/**
 * The state of a task. The numeric values are part of the wire contract and match LUCI
 * Swarming's; never renumber them. Only PENDING and RUNNING change; every other state is final.
 */
export const TaskState = {
  /**
   * Not a real state: the zero value, never stored.
   */
  INVALID: 'INVALID',
  /**
   * 0x10. A bot holds the task's lease and runs (or is about to run) its process.
   */
  RUNNING: 'RUNNING',
  /**
   * 0x20. Waiting in the queue for a bot whose dimensions match the current slice.
   */
  PENDING: 'PENDING',
  /**
   * 0x30. Final. No bot took the task before the deadline of its last eligible slice.
   */
  EXPIRED: 'EXPIRED',
  /**
   * 0x40. Final. The process ran longer than execution_timeout_secs, or printed nothing for
   * io_timeout_secs; the bot stopped it with the termination dance. exit_code is as observed.
   */
  TIMED_OUT: 'TIMED_OUT',
  /**
   * 0x50. Final. The bot holding the task went silent or restarted without it
   * (internal_failure is set). Never retried at the task level.
   */
  BOT_DIED: 'BOT_DIED',
  /**
   * 0x60. Final. Cancelled before its process started.
   */
  CANCELED: 'CANCELED',
  /**
   * 0x70. Final. The process ran to its end; exit_code (zero or not) is in the result.
   */
  COMPLETED: 'COMPLETED',
  /**
   * 0x80. Final. Cancelled while running: the bot stopped the process with the termination dance.
   */
  KILLED: 'KILLED',
  /**
   * 0x100. Final. At submit no known bot could ever serve any slice: never queued.
   */
  NO_RESOURCE: 'NO_RESOURCE',
  /**
   * 0x200. Final. The request could not be run as given (e.g. its working directory could not
   * be prepared on the bot).
   */
  CLIENT_ERROR: 'CLIENT_ERROR',
} as const;

/**
 * The state of a task. The numeric values are part of the wire contract and match LUCI
 * Swarming's; never renumber them. Only PENDING and RUNNING change; every other state is final.
 */
export type TaskState =
  /**
   * Not a real state: the zero value, never stored.
   */
  | 'INVALID'
  | 0
  /**
   * 0x10. A bot holds the task's lease and runs (or is about to run) its process.
   */
  | 'RUNNING'
  | 16
  /**
   * 0x20. Waiting in the queue for a bot whose dimensions match the current slice.
   */
  | 'PENDING'
  | 32
  /**
   * 0x30. Final. No bot took the task before the deadline of its last eligible slice.
   */
  | 'EXPIRED'
  | 48
  /**
   * 0x40. Final. The process ran longer than execution_timeout_secs, or printed nothing for
   * io_timeout_secs; the bot stopped it with the termination dance. exit_code is as observed.
   */
  | 'TIMED_OUT'
  | 64
  /**
   * 0x50. Final. The bot holding the task went silent or restarted without it
   * (internal_failure is set). Never retried at the task level.
   */
  | 'BOT_DIED'
  | 80
  /**
   * 0x60. Final. Cancelled before its process started.
   */
  | 'CANCELED'
  | 96
  /**
   * 0x70. Final. The process ran to its end; exit_code (zero or not) is in the result.
   */
  | 'COMPLETED'
  | 112
  /**
   * 0x80. Final. Cancelled while running: the bot stopped the process with the termination dance.
   */
  | 'KILLED'
  | 128
  /**
   * 0x100. Final. At submit no known bot could ever serve any slice: never queued.
   */
  | 'NO_RESOURCE'
  | 256
  /**
   * 0x200. Final. The request could not be run as given (e.g. its working directory could not
   * be prepared on the bot).
   */
  | 'CLIENT_ERROR'
  | 512

/**
 * The state of a task. The numeric values are part of the wire contract and match LUCI
 * Swarming's; never renumber them. Only PENDING and RUNNING change; every other state is final.
 */
export type TaskState__Output = typeof TaskState[keyof typeof TaskState]
