// Original file: proto/drover/v1/tasks.proto

import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from '../../drover/v1/StringPair';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from '../../drover/v1/CacheEntry';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from '../../drover/v1/Digest';
import type { Long } from '@grpc/proto-loader';

/**
 * Limits (docs/limits.md): command, env and env_prefixes together at most 131072 bytes as exec
 * counts them (UTF-8 bytes and a NUL per string), so exec never fails with E2BIG on a bot.
 */
export interface TaskProperties {
  /**
   * The command line; 1 to 128 arguments, each at most 65536 bytes, no NUL.
   */
  'command'?: (string)[];
  /**
   * Environment variables set for the process; at most 64, key [A-Za-z_][A-Za-z0-9_]* of at
   * most 64 characters, value at most 32768 bytes, no NUL.
   */
  'env'?: (_drover_v1_StringPair)[];
  /**
   * Paths (relative to the work dir) prepended to PATH-like variables; at most 64 keys of at
   * most 64 characters, each with at most 32 paths of at most 1024 characters.
   */
  'env_prefixes'?: (_drover_v1_StringListPair)[];
  /**
   * Working directory of the process, relative to the task's work dir; at most 1024 characters.
   */
  'relative_cwd'?: (string);
  /**
   * Required bot dimensions. `pool` exactly once. A repeated key means AND; a value a|b means OR.
   * At most 64 key:value pairs over at most 32 keys; key at most 64 characters, value 256.
   */
  'dimensions'?: (_drover_v1_StringPair)[];
  /**
   * Hard limit on process time; default 3600.
   */
  'execution_timeout_secs'?: (number);
  /**
   * Limit on time without a byte of output; 0 = off (the default).
   */
  'io_timeout_secs'?: (number);
  /**
   * Time between SIGTERM and SIGKILL in the termination dance; default 30.
   */
  'grace_period_secs'?: (number);
  /**
   * The same properties may reuse a successful result (dedup).
   */
  'idempotent'?: (boolean);
  /**
   * Named caches kept by the bot across tasks, mounted into the work dir; at most 32 (name at
   * most 128 characters, path 1024).
   */
  'caches'?: (_drover_v1_CacheEntry)[];
  /**
   * Resource limits, each applied where the bot's cgroup has the controller: a bot advertises
   * `limits=memory`, `limits=pids` and `limits=cpu` for the controllers it can apply, and a task
   * that needs a limit enforced requires that dimension. A bot without the controller runs the
   * task without the limit and writes one line saying so into the task's output. Absent = no
   * limit. Different limits are different properties (dedup).
   * 
   * Memory of the task's processes together (cgroup v2 memory.max), in bytes; 1048576 (1 MiB) to
   * 1099511627776 (1 TiB). Over it the kernel's OOM killer kills a process of the task: the
   * result's summary says "killed by the memory limit (<N> bytes)".
   */
  'memory_limit_bytes'?: (number | string | Long);
  /**
   * Processes and threads of the task at once (cgroup v2 pids.max); 1 to 65536. Over it, fork
   * and clone fail in the task (EAGAIN).
   */
  'pids_limit'?: (number);
  /**
   * The task's share of CPU against the bot's other work (cgroup v2 cpu.weight); 1 to 10000, the
   * default share being 100.
   */
  'cpu_weight'?: (number);
  /**
   * How long the bot running this task may be silent before the coordinator gives the task up
   * as BOT_DIED; 30 to 1200 seconds (at least three of the default 10 s heartbeats: under three
   * --heartbeat-interval a late beat can cost the task), absent = the coordinator's
   * --bot-ping-tolerance (default 60). While the bot runs this task it is this value, not the
   * coordinator's, that judges the bot's silence, connected or not, as in Swarming; it also
   * extends the backstop that ends a task still RUNNING past its execution timeout and grace.
   * Different tolerances are different properties (dedup).
   */
  'bot_ping_tolerance_secs'?: (number);
  /**
   * The task's input files: the digest of a tree in the CAS (service Cas; the tree's format:
   * docs/cas.md), uploaded before the task is submitted. The bot fetches the blobs it does not
   * hold and lays the tree out as the task's work dir (read-only files) before the process
   * starts. Part of the properties (dedup). A tree or blob nobody uploaded ends the task
   * CLIENT_ERROR, naming it.
   */
  'cas_input_root'?: (_drover_v1_Digest | null);
  '_execution_timeout_secs'?: "execution_timeout_secs";
  '_io_timeout_secs'?: "io_timeout_secs";
  '_grace_period_secs'?: "grace_period_secs";
  '_memory_limit_bytes'?: "memory_limit_bytes";
  '_pids_limit'?: "pids_limit";
  '_cpu_weight'?: "cpu_weight";
  '_bot_ping_tolerance_secs'?: "bot_ping_tolerance_secs";
}

/**
 * Limits (docs/limits.md): command, env and env_prefixes together at most 131072 bytes as exec
 * counts them (UTF-8 bytes and a NUL per string), so exec never fails with E2BIG on a bot.
 */
export interface TaskProperties__Output {
  /**
   * The command line; 1 to 128 arguments, each at most 65536 bytes, no NUL.
   */
  'command': (string)[];
  /**
   * Environment variables set for the process; at most 64, key [A-Za-z_][A-Za-z0-9_]* of at
   * most 64 characters, value at most 32768 bytes, no NUL.
   */
  'env': (_drover_v1_StringPair__Output)[];
  /**
   * Paths (relative to the work dir) prepended to PATH-like variables; at most 64 keys of at
   * most 64 characters, each with at most 32 paths of at most 1024 characters.
   */
  'env_prefixes': (_drover_v1_StringListPair__Output)[];
  /**
   * Working directory of the process, relative to the task's work dir; at most 1024 characters.
   */
  'relative_cwd': (string);
  /**
   * Required bot dimensions. `pool` exactly once. A repeated key means AND; a value a|b means OR.
   * At most 64 key:value pairs over at most 32 keys; key at most 64 characters, value 256.
   */
  'dimensions': (_drover_v1_StringPair__Output)[];
  /**
   * Hard limit on process time; default 3600.
   */
  'execution_timeout_secs'?: (number);
  /**
   * Limit on time without a byte of output; 0 = off (the default).
   */
  'io_timeout_secs'?: (number);
  /**
   * Time between SIGTERM and SIGKILL in the termination dance; default 30.
   */
  'grace_period_secs'?: (number);
  /**
   * The same properties may reuse a successful result (dedup).
   */
  'idempotent': (boolean);
  /**
   * Named caches kept by the bot across tasks, mounted into the work dir; at most 32 (name at
   * most 128 characters, path 1024).
   */
  'caches': (_drover_v1_CacheEntry__Output)[];
  /**
   * Resource limits, each applied where the bot's cgroup has the controller: a bot advertises
   * `limits=memory`, `limits=pids` and `limits=cpu` for the controllers it can apply, and a task
   * that needs a limit enforced requires that dimension. A bot without the controller runs the
   * task without the limit and writes one line saying so into the task's output. Absent = no
   * limit. Different limits are different properties (dedup).
   * 
   * Memory of the task's processes together (cgroup v2 memory.max), in bytes; 1048576 (1 MiB) to
   * 1099511627776 (1 TiB). Over it the kernel's OOM killer kills a process of the task: the
   * result's summary says "killed by the memory limit (<N> bytes)".
   */
  'memory_limit_bytes'?: (number);
  /**
   * Processes and threads of the task at once (cgroup v2 pids.max); 1 to 65536. Over it, fork
   * and clone fail in the task (EAGAIN).
   */
  'pids_limit'?: (number);
  /**
   * The task's share of CPU against the bot's other work (cgroup v2 cpu.weight); 1 to 10000, the
   * default share being 100.
   */
  'cpu_weight'?: (number);
  /**
   * How long the bot running this task may be silent before the coordinator gives the task up
   * as BOT_DIED; 30 to 1200 seconds (at least three of the default 10 s heartbeats: under three
   * --heartbeat-interval a late beat can cost the task), absent = the coordinator's
   * --bot-ping-tolerance (default 60). While the bot runs this task it is this value, not the
   * coordinator's, that judges the bot's silence, connected or not, as in Swarming; it also
   * extends the backstop that ends a task still RUNNING past its execution timeout and grace.
   * Different tolerances are different properties (dedup).
   */
  'bot_ping_tolerance_secs'?: (number);
  /**
   * The task's input files: the digest of a tree in the CAS (service Cas; the tree's format:
   * docs/cas.md), uploaded before the task is submitted. The bot fetches the blobs it does not
   * hold and lays the tree out as the task's work dir (read-only files) before the process
   * starts. Part of the properties (dedup). A tree or blob nobody uploaded ends the task
   * CLIENT_ERROR, naming it.
   */
  'cas_input_root': (_drover_v1_Digest__Output | null);
  '_execution_timeout_secs'?: "execution_timeout_secs";
  '_io_timeout_secs'?: "io_timeout_secs";
  '_grace_period_secs'?: "grace_period_secs";
  '_memory_limit_bytes'?: "memory_limit_bytes";
  '_pids_limit'?: "pids_limit";
  '_cpu_weight'?: "cpu_weight";
  '_bot_ping_tolerance_secs'?: "bot_ping_tolerance_secs";
}
