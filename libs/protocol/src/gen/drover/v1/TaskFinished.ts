// Original file: proto/drover/v1/botapi.proto

import type { TimeoutKind as _drover_v1_TimeoutKind, TimeoutKind__Output as _drover_v1_TimeoutKind__Output } from '../../drover/v1/TimeoutKind';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from '../../drover/v1/OutputFile';
import type { Long } from '@grpc/proto-loader';

export interface TaskFinished {
  'task_id'?: (string);
  'lease_id'?: (string);
  'exit_code'?: (number | string | Long);
  /**
   * Seconds of process time.
   */
  'duration'?: (number | string);
  'timed_out'?: (_drover_v1_TimeoutKind);
  /**
   * Stopped by a Kill.
   */
  'killed'?: (boolean);
  /**
   * Stopped by a Kill before the process started.
   */
  'canceled'?: (boolean);
  /**
   * Total bytes of output; the coordinator waits for all of them before it finalizes.
   */
  'output_size'?: (number | string | Long);
  /**
   * The task could not be started on this bot (bad relative_cwd, a program that does not exist
   * or is not executable, an argument list exec refuses); becomes CLIENT_ERROR with this as its
   * summary. At most 4096 characters.
   */
  'client_error'?: (string);
  /**
   * The files uploaded with UploadOutputs before this message; the coordinator records them
   * with the final state, keeping only those it holds. At most 1000.
   */
  'outputs'?: (_drover_v1_OutputFile)[];
  /**
   * Not every file of DROVER_OUTDIR is in `outputs` (over max_output_files_bytes, or the upload
   * failed); outputs_note says why.
   */
  'outputs_truncated'?: (boolean);
  'outputs_note'?: (string);
  /**
   * The kernel's OOM killer killed a process of the task under its memory limit
   * (TaskManifest.memory_limit_bytes; the cgroup's memory.events counted an oom_kill). The state
   * is still what the exit says; the summary says "killed by the memory limit (<N> bytes)".
   */
  'memory_limit_killed'?: (boolean);
  /**
   * TaskResult.inputs_fetch_duration and inputs_fetched_bytes.
   */
  'inputs_fetch_duration'?: (number | string);
  'inputs_fetched_bytes'?: (number | string | Long);
  '_exit_code'?: "exit_code";
}

export interface TaskFinished__Output {
  'task_id': (string);
  'lease_id': (string);
  'exit_code'?: (number);
  /**
   * Seconds of process time.
   */
  'duration': (number);
  'timed_out': (_drover_v1_TimeoutKind__Output);
  /**
   * Stopped by a Kill.
   */
  'killed': (boolean);
  /**
   * Stopped by a Kill before the process started.
   */
  'canceled': (boolean);
  /**
   * Total bytes of output; the coordinator waits for all of them before it finalizes.
   */
  'output_size': (number);
  /**
   * The task could not be started on this bot (bad relative_cwd, a program that does not exist
   * or is not executable, an argument list exec refuses); becomes CLIENT_ERROR with this as its
   * summary. At most 4096 characters.
   */
  'client_error': (string);
  /**
   * The files uploaded with UploadOutputs before this message; the coordinator records them
   * with the final state, keeping only those it holds. At most 1000.
   */
  'outputs': (_drover_v1_OutputFile__Output)[];
  /**
   * Not every file of DROVER_OUTDIR is in `outputs` (over max_output_files_bytes, or the upload
   * failed); outputs_note says why.
   */
  'outputs_truncated': (boolean);
  'outputs_note': (string);
  /**
   * The kernel's OOM killer killed a process of the task under its memory limit
   * (TaskManifest.memory_limit_bytes; the cgroup's memory.events counted an oom_kill). The state
   * is still what the exit says; the summary says "killed by the memory limit (<N> bytes)".
   */
  'memory_limit_killed': (boolean);
  /**
   * TaskResult.inputs_fetch_duration and inputs_fetched_bytes.
   */
  'inputs_fetch_duration': (number);
  'inputs_fetched_bytes': (number);
  '_exit_code'?: "exit_code";
}
