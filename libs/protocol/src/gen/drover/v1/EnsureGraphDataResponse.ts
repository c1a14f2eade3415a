// Original file: proto/drover/v1/graph.proto

import type { _drover_v1_Quest_ID, _drover_v1_Quest_ID__Output } from '../../drover/v1/Quest';
import type { GraphData as _drover_v1_GraphData, GraphData__Output as _drover_v1_GraphData__Output } from '../../drover/v1/GraphData';

export interface EnsureGraphDataResponse {
  'accepted'?: (boolean);
  'quest_ids'?: (_drover_v1_Quest_ID)[];
  'result'?: (_drover_v1_GraphData | null);
  'should_halt'?: (boolean);
  /**
   * The id of the run recorded (EnsureGraphDataRequest.run), else empty.
   */
  'run_id'?: (string);
}

export interface EnsureGraphDataResponse__Output {
  'accepted': (boolean);
  'quest_ids': (_drover_v1_Quest_ID__Output)[];
  'result': (_drover_v1_GraphData__Output | null);
  'should_halt': (boolean);
  /**
   * The id of the run recorded (EnsureGraphDataRequest.run), else empty.
   */
  'run_id': (string);
}
