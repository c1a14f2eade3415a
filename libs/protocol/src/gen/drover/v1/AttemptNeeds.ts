// Original file: proto/drover/v1/graph.proto

import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';

/**
 * Dependencies declared with an attempt, as a pipeline's `needs:` declares them.
 */
export interface AttemptNeeds {
  /**
   * An attempt of EnsureGraphDataRequest.attempts (its quest by id or by position in quests).
   */
  'attempt'?: (_drover_v1_AttemptId | null);
  /**
   * The attempts it depends on (by id or by position in quests), stored or created by the same
   * call; at most 64.
   */
  'needs'?: (_drover_v1_AttemptId)[];
}

/**
 * Dependencies declared with an attempt, as a pipeline's `needs:` declares them.
 */
export interface AttemptNeeds__Output {
  /**
   * An attempt of EnsureGraphDataRequest.attempts (its quest by id or by position in quests).
   */
  'attempt': (_drover_v1_AttemptId__Output | null);
  /**
   * The attempts it depends on (by id or by position in quests), stored or created by the same
   * call; at most 64.
   */
  'needs': (_drover_v1_AttemptId__Output)[];
}
