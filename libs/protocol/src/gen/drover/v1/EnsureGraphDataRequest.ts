// Original file: proto/drover/v1/graph.proto

import type { _drover_v1_Quest_Desc, _drover_v1_Quest_Desc__Output } from '../../drover/v1/Quest';
import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';
import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';
import type { _drover_v1_WalkGraphRequest_Include, _drover_v1_WalkGraphRequest_Include__Output } from '../../drover/v1/WalkGraphRequest';
import type { AttemptNeeds as _drover_v1_AttemptNeeds, AttemptNeeds__Output as _drover_v1_AttemptNeeds__Output } from '../../drover/v1/AttemptNeeds';
import type { Run as _drover_v1_Run, Run__Output as _drover_v1_Run__Output } from '../../drover/v1/Run';

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
  /**
   * Dependencies declared with attempts this call creates (at most 1000 edges in all): each
   * such attempt starts WAITING, with no execution, until every attempt it needs is final (an
   * unfinished one, or one FINISHED with an expired result, is waited for), then runs. When one
   * ends ABNORMAL_FINISHED first, the attempt ends ABNORMAL_FINISHED (CANCELLED, the reason
   * naming the dependency) without running, and so do the attempts that need it. Ignored for an
   * attempt that already exists. A cycle among them is refused (INVALID_ARGUMENT) before
   * anything is stored. Not allowed with for_execution.
   */
  'needs'?: (_drover_v1_AttemptNeeds)[];
  /**
   * Records a pipeline run over attempts of this call, in the same transaction: name and steps
   * (each step's attempt one of `attempts`, its needs the names of other steps). id, created,
   * user, pools and state are the coordinator's. Not allowed with for_execution.
   */
  'run'?: (_drover_v1_Run | null);
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
  /**
   * Dependencies declared with attempts this call creates (at most 1000 edges in all): each
   * such attempt starts WAITING, with no execution, until every attempt it needs is final (an
   * unfinished one, or one FINISHED with an expired result, is waited for), then runs. When one
   * ends ABNORMAL_FINISHED first, the attempt ends ABNORMAL_FINISHED (CANCELLED, the reason
   * naming the dependency) without running, and so do the attempts that need it. Ignored for an
   * attempt that already exists. A cycle among them is refused (INVALID_ARGUMENT) before
   * anything is stored. Not allowed with for_execution.
   */
  'needs': (_drover_v1_AttemptNeeds__Output)[];
  /**
   * Records a pipeline run over attempts of this call, in the same transaction: name and steps
   * (each step's attempt one of `attempts`, its needs the names of other steps). id, created,
   * user, pools and state are the coordinator's. Not allowed with for_execution.
   */
  'run': (_drover_v1_Run__Output | null);
}
