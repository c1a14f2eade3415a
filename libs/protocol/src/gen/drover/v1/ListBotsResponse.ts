// Original file: proto/drover/v1/bots.proto

import type { BotInfo as _drover_v1_BotInfo, BotInfo__Output as _drover_v1_BotInfo__Output } from '../../drover/v1/BotInfo';

export interface ListBotsResponse {
  'items'?: (_drover_v1_BotInfo)[];
  'cursor'?: (string);
}

export interface ListBotsResponse__Output {
  'items': (_drover_v1_BotInfo__Output)[];
  'cursor': (string);
}
