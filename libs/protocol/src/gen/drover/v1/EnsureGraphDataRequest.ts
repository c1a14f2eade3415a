// Original file: proto/drover/v1/graph.proto

import type { _drover_v1_Quest_Desc, _drover_v1_Quest_Desc__Output } from '../../drover/v1/Quest';
import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';
import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';
import type { _drover_v1_WalkGraphRequest_Include, _drover_v1_WalkGraphRequest_Include__Output } from '../../drover/v1/WalkGraphRequest';

/**
 * At most 1048576 bytes in all.
 */
export interface EnsureGraphDataRequest {
  /**
   * At most 64.
   */
  'quests'?: (_drover_v1_Quest_Desc)[];
  /**
   * Attempts to create: for each quest (by position in quests or by id), attempt numbers; at
   * most 1000.
   */
  'attempts'?: (_drover_v1_AttemptId)[];
  /**
   * When called from an execution: the attempts it depends on; at most 1000.
   */
  'dependencies'?: (_drover_v1_AttemptId)[];
  'for_execution'?: (_drover_v1_ExecutionAuth | null);
  'include'?: (_drover_v1_WalkGraphRequest_Include | null);
}

/**
 * At most 1048576 bytes in all.
 */
export interface EnsureGraphDataRequest__Output {
  /**
   * At most 64.
   */
  'quests': (_drover_v1_Quest_Desc__Output)[];
  /**
   * Attempts to create: for each quest (by position in quests or by id), attempt numbers; at
   * most 1000.
   */
  'attempts': (_drover_v1_AttemptId__Output)[];
  /**
   * When called from an execution: the attempts it depends on; at most 1000.
   */
  'dependencies': (_drover_v1_AttemptId__Output)[];
  'for_execution': (_drover_v1_ExecutionAuth__Output | null);
  'include': (_drover_v1_WalkGraphRequest_Include__Output | null);
}
