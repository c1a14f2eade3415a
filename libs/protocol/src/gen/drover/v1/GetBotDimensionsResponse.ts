// Original file: proto/drover/v1/bots.proto

import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';

export interface GetBotDimensionsResponse {
  'bots_dimensions'?: (_drover_v1_StringListPair)[];
}

export interface GetBotDimensionsResponse__Output {
  'bots_dimensions': (_drover_v1_StringListPair__Output)[];
}
