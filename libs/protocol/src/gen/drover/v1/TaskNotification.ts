// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

/**
 * What a webhook receives (NewTaskRequest.notify): one POST at every state change of the task,
 * its creation included, with this message as the body, written in the JSON shape of
 * docs/json.md (proto field names, every plain field present, unset optional fields omitted,
 * int64 as strings, enums by name, RFC 3339 timestamps). Not the answer of any RPC. Headers:
 * `x-drover-signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed with the receiver
 * origin's key (`drover-coordinator webhook-secret URL` prints it); `x-drover-delivery:
 * <task_id>:<state>`, the same on every retry of one notification (an idempotency key);
 * `x-drover-attempt: N`. Details: docs/task-links.md.
 */
export interface TaskNotification {
  'task_id'?: (string);
  'name'?: (string);
  /**
   * The state the task is in after the change.
   */
  'state'?: (_drover_v1_TaskState);
  /**
   * The state before the change; unset for the notification of a new task.
   */
  'previous_state'?: (_drover_v1_TaskState);
  /**
   * NewTaskRequest.notify.userdata, as given.
   */
  'userdata'?: (string);
  /**
   * Set once the process ended (COMPLETED, TIMED_OUT, KILLED). Negative: killed by that signal.
   */
  'exit_code'?: (number | string | Long);
  /**
   * The bot given the task; "" when none.
   */
  'bot_id'?: (string);
  /**
   * Why the task is in its state, for people (TaskResult.summary).
   */
  'summary'?: (string);
  /**
   * When the change happened.
   */
  'ts'?: (_google_protobuf_Timestamp | null);
  '_previous_state'?: "previous_state";
  '_exit_code'?: "exit_code";
}

/**
 * What a webhook receives (NewTaskRequest.notify): one POST at every state change of the task,
 * its creation included, with this message as the body, written in the JSON shape of
 * docs/json.md (proto field names, every plain field present, unset optional fields omitted,
 * int64 as strings, enums by name, RFC 3339 timestamps). Not the answer of any RPC. Headers:
 * `x-drover-signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed with the receiver
 * origin's key (`drover-coordinator webhook-secret URL` prints it); `x-drover-delivery:
 * <task_id>:<state>`, the same on every retry of one notification (an idempotency key);
 * `x-drover-attempt: N`. Details: docs/task-links.md.
 */
export interface TaskNotification__Output {
  'task_id': (string);
  'name': (string);
  /**
   * The state the task is in after the change.
   */
  'state': (_drover_v1_TaskState__Output);
  /**
   * The state before the change; unset for the notification of a new task.
   */
  'previous_state'?: (_drover_v1_TaskState__Output);
  /**
   * NewTaskRequest.notify.userdata, as given.
   */
  'userdata': (string);
  /**
   * Set once the process ended (COMPLETED, TIMED_OUT, KILLED). Negative: killed by that signal.
   */
  'exit_code'?: (number);
  /**
   * The bot given the task; "" when none.
   */
  'bot_id': (string);
  /**
   * Why the task is in its state, for people (TaskResult.summary).
   */
  'summary': (string);
  /**
   * When the change happened.
   */
  'ts': (_google_protobuf_Timestamp__Output | null);
  '_previous_state'?: "previous_state";
  '_exit_code'?: "exit_code";
}
