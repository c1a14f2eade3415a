// Original file: proto/drover/v1/graph.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';
import type { _drover_v1_Attempt_State, _drover_v1_Attempt_State__Output } from '../../drover/v1/Attempt';

export interface _drover_v1_Run_Step {
  /**
   * The step's name in the pipeline: [A-Za-z0-9_.-], 1-64 characters, unique in the run.
   */
  'name'?: (string);
  'attempt'?: (_drover_v1_AttemptId | null);
  /**
   * The names of the steps it needs.
   */
  'needs'?: (string)[];
  /**
   * The attempt's state when the run was read (ListRuns, GetRun).
   */
  'state'?: (_drover_v1_Attempt_State);
}

export interface _drover_v1_Run_Step__Output {
  /**
   * The step's name in the pipeline: [A-Za-z0-9_.-], 1-64 characters, unique in the run.
   */
  'name': (string);
  'attempt': (_drover_v1_AttemptId__Output | null);
  /**
   * The names of the steps it needs.
   */
  'needs': (string)[];
  /**
   * The attempt's state when the run was read (ListRuns, GetRun).
   */
  'state': (_drover_v1_Attempt_State__Output);
}

/**
 * A pipeline run: a named group of attempts recorded by EnsureGraphData (`drover graph run`).
 */
export interface Run {
  /**
   * `run-` and 16 characters of [a-z2-7], chosen by the coordinator.
   */
  'id'?: (string);
  /**
   * [A-Za-z0-9_.-], 1-128 characters; several runs may share one.
   */
  'name'?: (string);
  'created'?: (_google_protobuf_Timestamp | null);
  /**
   * Who created it.
   */
  'user'?: (string);
  /**
   * The pools its steps' tasks run in.
   */
  'pools'?: (string)[];
  'steps'?: (_drover_v1_Run_Step)[];
}

/**
 * A pipeline run: a named group of attempts recorded by EnsureGraphData (`drover graph run`).
 */
export interface Run__Output {
  /**
   * `run-` and 16 characters of [a-z2-7], chosen by the coordinator.
   */
  'id': (string);
  /**
   * [A-Za-z0-9_.-], 1-128 characters; several runs may share one.
   */
  'name': (string);
  'created': (_google_protobuf_Timestamp__Output | null);
  /**
   * Who created it.
   */
  'user': (string);
  /**
   * The pools its steps' tasks run in.
   */
  'pools': (string)[];
  'steps': (_drover_v1_Run_Step__Output)[];
}
