// Original file: proto/drover/v1/common.proto

/**
 * A state filter for listing and counting tasks (Swarming's StateQuery).
 */
export const StateQuery = {
  QUERY_PENDING: 'QUERY_PENDING',
  QUERY_RUNNING: 'QUERY_RUNNING',
  QUERY_PENDING_RUNNING: 'QUERY_PENDING_RUNNING',
  QUERY_COMPLETED: 'QUERY_COMPLETED',
  QUERY_COMPLETED_SUCCESS: 'QUERY_COMPLETED_SUCCESS',
  QUERY_COMPLETED_FAILURE: 'QUERY_COMPLETED_FAILURE',
  QUERY_EXPIRED: 'QUERY_EXPIRED',
  QUERY_TIMED_OUT: 'QUERY_TIMED_OUT',
  QUERY_BOT_DIED: 'QUERY_BOT_DIED',
  QUERY_CANCELED: 'QUERY_CANCELED',
  QUERY_ALL: 'QUERY_ALL',
  QUERY_DEDUPED: 'QUERY_DEDUPED',
  QUERY_KILLED: 'QUERY_KILLED',
  QUERY_NO_RESOURCE: 'QUERY_NO_RESOURCE',
  QUERY_CLIENT_ERROR: 'QUERY_CLIENT_ERROR',
} as const;

/**
 * A state filter for listing and counting tasks (Swarming's StateQuery).
 */
export type StateQuery =
  | 'QUERY_PENDING'
  | 0
  | 'QUERY_RUNNING'
  | 1
  | 'QUERY_PENDING_RUNNING'
  | 2
  | 'QUERY_COMPLETED'
  | 3
  | 'QUERY_COMPLETED_SUCCESS'
  | 4
  | 'QUERY_COMPLETED_FAILURE'
  | 5
  | 'QUERY_EXPIRED'
  | 6
  | 'QUERY_TIMED_OUT'
  | 7
  | 'QUERY_BOT_DIED'
  | 8
  | 'QUERY_CANCELED'
  | 9
  | 'QUERY_ALL'
  | 10
  | 'QUERY_DEDUPED'
  | 11
  | 'QUERY_KILLED'
  | 12
  | 'QUERY_NO_RESOURCE'
  | 13
  | 'QUERY_CLIENT_ERROR'
  | 14

/**
 * A state filter for listing and counting tasks (Swarming's StateQuery).
 */
export type StateQuery__Output = typeof StateQuery[keyof typeof StateQuery]
