// Original file: proto/drover/v1/graph.proto

import type { Run as _drover_v1_Run, Run__Output as _drover_v1_Run__Output } from '../../drover/v1/Run';

export interface ListRunsResponse {
  'runs'?: (_drover_v1_Run)[];
  /**
   * Non-empty when more runs may follow: pass it as ListRunsRequest.cursor.
   */
  'cursor'?: (string);
}

export interface ListRunsResponse__Output {
  'runs': (_drover_v1_Run__Output)[];
  /**
   * Non-empty when more runs may follow: pass it as ListRunsRequest.cursor.
   */
  'cursor': (string);
}
