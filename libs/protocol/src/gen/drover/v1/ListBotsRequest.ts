// Original file: proto/drover/v1/bots.proto

import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from '../../drover/v1/StringPair';
import type { NullableBool as _drover_v1_NullableBool, NullableBool__Output as _drover_v1_NullableBool__Output } from '../../drover/v1/NullableBool';

export interface ListBotsRequest {
  /**
   * key:value, a value may be a|b.
   */
  'dimensions'?: (_drover_v1_StringPair)[];
  'quarantined'?: (_drover_v1_NullableBool);
  'in_maintenance'?: (_drover_v1_NullableBool);
  'is_dead'?: (_drover_v1_NullableBool);
  'is_busy'?: (_drover_v1_NullableBool);
  'limit'?: (number);
  'cursor'?: (string);
}

export interface ListBotsRequest__Output {
  /**
   * key:value, a value may be a|b.
   */
  'dimensions': (_drover_v1_StringPair__Output)[];
  'quarantined': (_drover_v1_NullableBool__Output);
  'in_maintenance': (_drover_v1_NullableBool__Output);
  'is_dead': (_drover_v1_NullableBool__Output);
  'is_busy': (_drover_v1_NullableBool__Output);
  'limit': (number);
  'cursor': (string);
}
