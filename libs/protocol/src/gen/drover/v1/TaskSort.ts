// Original file: proto/drover/v1/tasks.proto

/**
 * Which time orders (and bounds) ListTasks and CountTasks.
 */
export const TaskSort = {
  SORT_CREATED: 'SORT_CREATED',
  SORT_STARTED: 'SORT_STARTED',
  SORT_COMPLETED: 'SORT_COMPLETED',
} as const;

/**
 * Which time orders (and bounds) ListTasks and CountTasks.
 */
export type TaskSort =
  | 'SORT_CREATED'
  | 0
  | 'SORT_STARTED'
  | 1
  | 'SORT_COMPLETED'
  | 2

/**
 * Which time orders (and bounds) ListTasks and CountTasks.
 */
export type TaskSort__Output = typeof TaskSort[keyof typeof TaskSort]
