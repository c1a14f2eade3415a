// Original file: proto/drover/v1/common.proto


/**
 * A named cache a task asks for: the bot keeps `name` across tasks and mounts it at `path`
 * (relative to the task's work dir) while the task runs.
 */
export interface CacheEntry {
  /**
   * [a-z0-9_]{1,128}
   */
  'name'?: (string);
  /**
   * Relative, no `..`; no two caches of a task may overlap.
   */
  'path'?: (string);
}

/**
 * A named cache a task asks for: the bot keeps `name` across tasks and mounts it at `path`
 * (relative to the task's work dir) while the task runs.
 */
export interface CacheEntry__Output {
  /**
   * [a-z0-9_]{1,128}
   */
  'name': (string);
  /**
   * Relative, no `..`; no two caches of a task may overlap.
   */
  'path': (string);
}
