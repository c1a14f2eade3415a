// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from '../../drover/v1/OutputFile';
import type { Long } from '@grpc/proto-loader';

export interface TaskResult {
  'task_id'?: (string);
  'name'?: (string);
  'state'?: (_drover_v1_TaskState);
  'current_task_slice'?: (number);
  'bot_id'?: (string);
  'bot_dimensions'?: (_drover_v1_StringListPair)[];
  /**
   * Set once the process ended (COMPLETED, TIMED_OUT, KILLED). Negative: killed by that signal.
   */
  'exit_code'?: (number | string | Long);
  /**
   * Seconds of process time.
   */
  'duration'?: (number | string);
  'created_ts'?: (_google_protobuf_Timestamp | null);
  'started_ts'?: (_google_protobuf_Timestamp | null);
  'completed_ts'?: (_google_protobuf_Timestamp | null);
  /**
   * When the task was abandoned: EXPIRED, BOT_DIED, CANCELED, NO_RESOURCE; KILLED: when the kill
   * was asked.
   */
  'abandoned_ts'?: (_google_protobuf_Timestamp | null);
  'modified_ts'?: (_google_protobuf_Timestamp | null);
  /**
   * The process exited with a non-zero code.
   */
  'failure'?: (boolean);
  /**
   * Drover lost the task (BOT_DIED).
   */
  'internal_failure'?: (boolean);
  'deduped_from'?: (string);
  /**
   * Bytes of output stored.
   */
  'output_size'?: (number | string | Long);
  'tags'?: (string)[];
  'priority'?: (number);
  'user'?: (string);
  /**
   * Why the task ended as it did, for people (e.g. "no bot matches pool=ci").
   */
  'summary'?: (string);
  /**
   * The task this one was started from (NewTaskRequest.parent_task_id); empty for none.
   */
  'parent_task_id'?: (string);
  /**
   * Files the task left in DROVER_OUTDIR (GetOutput reads them).
   */
  'outputs'?: (_drover_v1_OutputFile)[];
  /**
   * The outputs were over the coordinator's size limit (or could not all be uploaded): `outputs`
   * is empty or partial, and the summary says why.
   */
  'outputs_truncated'?: (boolean);
  /**
   * Seconds the bot spent fetching the task's inputs (cas_input_root) before the process
   * started; 0 without inputs or when the bot held them all.
   */
  'inputs_fetch_duration'?: (number | string);
  /**
   * Bytes the bot downloaded for the task's inputs (blobs it did not hold).
   */
  'inputs_fetched_bytes'?: (number | string | Long);
  /**
   * Who cancelled or killed the task (a principal's name); empty when nobody did.
   */
  'canceled_by'?: (string);
  '_exit_code'?: "exit_code";
}

export interface TaskResult__Output {
  'task_id': (string);
  'name': (string);
  'state': (_drover_v1_TaskState__Output);
  'current_task_slice': (number);
  'bot_id': (string);
  'bot_dimensions': (_drover_v1_StringListPair__Output)[];
  /**
   * Set once the process ended (COMPLETED, TIMED_OUT, KILLED). Negative: killed by that signal.
   */
  'exit_code'?: (number);
  /**
   * Seconds of process time.
   */
  'duration': (number);
  'created_ts': (_google_protobuf_Timestamp__Output | null);
  'started_ts': (_google_protobuf_Timestamp__Output | null);
  'completed_ts': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the task was abandoned: EXPIRED, BOT_DIED, CANCELED, NO_RESOURCE; KILLED: when the kill
   * was asked.
   */
  'abandoned_ts': (_google_protobuf_Timestamp__Output | null);
  'modified_ts': (_google_protobuf_Timestamp__Output | null);
  /**
   * The process exited with a non-zero code.
   */
  'failure': (boolean);
  /**
   * Drover lost the task (BOT_DIED).
   */
  'internal_failure': (boolean);
  'deduped_from': (string);
  /**
   * Bytes of output stored.
   */
  'output_size': (number);
  'tags': (string)[];
  'priority': (number);
  'user': (string);
  /**
   * Why the task ended as it did, for people (e.g. "no bot matches pool=ci").
   */
  'summary': (string);
  /**
   * The task this one was started from (NewTaskRequest.parent_task_id); empty for none.
   */
  'parent_task_id': (string);
  /**
   * Files the task left in DROVER_OUTDIR (GetOutput reads them).
   */
  'outputs': (_drover_v1_OutputFile__Output)[];
  /**
   * The outputs were over the coordinator's size limit (or could not all be uploaded): `outputs`
   * is empty or partial, and the summary says why.
   */
  'outputs_truncated': (boolean);
  /**
   * Seconds the bot spent fetching the task's inputs (cas_input_root) before the process
   * started; 0 without inputs or when the bot held them all.
   */
  'inputs_fetch_duration': (number);
  /**
   * Bytes the bot downloaded for the task's inputs (blobs it did not hold).
   */
  'inputs_fetched_bytes': (number);
  /**
   * Who cancelled or killed the task (a principal's name); empty when nobody did.
   */
  'canceled_by': (string);
  '_exit_code'?: "exit_code";
}
