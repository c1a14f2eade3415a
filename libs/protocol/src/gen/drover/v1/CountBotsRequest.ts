// Original file: proto/drover/v1/bots.proto

import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from '../../drover/v1/StringPair';

export interface CountBotsRequest {
  'dimensions'?: (_drover_v1_StringPair)[];
}

export interface CountBotsRequest__Output {
  'dimensions': (_drover_v1_StringPair__Output)[];
}
