// Original file: proto/drover/v1/botapi.proto

import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from '../../drover/v1/StringPair';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from '../../drover/v1/CacheEntry';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from '../../drover/v1/Digest';
import type { Long } from '@grpc/proto-loader';

/**
 * What the bot needs to run a task.
 */
export interface TaskManifest {
  'command'?: (string)[];
  'env'?: (_drover_v1_StringPair)[];
  'env_prefixes'?: (_drover_v1_StringListPair)[];
  'relative_cwd'?: (string);
  'execution_timeout_secs'?: (number);
  'io_timeout_secs'?: (number);
  'grace_period_secs'?: (number);
  /**
   * Environment variables that must never show in logs or through the Tasks API.
   */
  'secret_env'?: (_drover_v1_StringPair)[];
  /**
   * Named caches to mount into the work dir.
   */
  'caches'?: (_drover_v1_CacheEntry)[];
  /**
   * TaskProperties' resource limits, 0 = none; each applied where the bot's cgroup has the
   * controller, otherwise the task runs without it and its output gets one line saying so.
   * Bytes of memory of the task's processes together (cgroup memory.max).
   */
  'memory_limit_bytes'?: (number | string | Long);
  /**
   * Processes and threads of the task at once (cgroup pids.max).
   */
  'pids_limit'?: (number);
  /**
   * The task's CPU share, 1..10000 (cgroup cpu.weight; the default share is 100).
   */
  'cpu_weight'?: (number);
  /**
   * The task's input tree (TaskProperties.cas_input_root); fetched with Cas.Download (bot token:
   * only the blobs of trees of its own running tasks) and laid out in the work dir.
   */
  'cas_input_root'?: (_drover_v1_Digest | null);
  /**
   * NewTaskRequest.secret_bytes: written to a 0600 file (DROVER_SECRET_BYTES_PATH), never logged.
   */
  'secret_bytes'?: (Buffer | Uint8Array | string);
}

/**
 * What the bot needs to run a task.
 */
export interface TaskManifest__Output {
  'command': (string)[];
  'env': (_drover_v1_StringPair__Output)[];
  'env_prefixes': (_drover_v1_StringListPair__Output)[];
  'relative_cwd': (string);
  'execution_timeout_secs': (number);
  'io_timeout_secs': (number);
  'grace_period_secs': (number);
  /**
   * Environment variables that must never show in logs or through the Tasks API.
   */
  'secret_env': (_drover_v1_StringPair__Output)[];
  /**
   * Named caches to mount into the work dir.
   */
  'caches': (_drover_v1_CacheEntry__Output)[];
  /**
   * TaskProperties' resource limits, 0 = none; each applied where the bot's cgroup has the
   * controller, otherwise the task runs without it and its output gets one line saying so.
   * Bytes of memory of the task's processes together (cgroup memory.max).
   */
  'memory_limit_bytes': (number);
  /**
   * Processes and threads of the task at once (cgroup pids.max).
   */
  'pids_limit': (number);
  /**
   * The task's CPU share, 1..10000 (cgroup cpu.weight; the default share is 100).
   */
  'cpu_weight': (number);
  /**
   * The task's input tree (TaskProperties.cas_input_root); fetched with Cas.Download (bot token:
   * only the blobs of trees of its own running tasks) and laid out in the work dir.
   */
  'cas_input_root': (_drover_v1_Digest__Output | null);
  /**
   * NewTaskRequest.secret_bytes: written to a 0600 file (DROVER_SECRET_BYTES_PATH), never logged.
   */
  'secret_bytes': (Buffer);
}
