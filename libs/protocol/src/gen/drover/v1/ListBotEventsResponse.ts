// Original file: proto/drover/v1/bots.proto

import type { BotEvent as _drover_v1_BotEvent, BotEvent__Output as _drover_v1_BotEvent__Output } from '../../drover/v1/BotEvent';

export interface ListBotEventsResponse {
  'items'?: (_drover_v1_BotEvent)[];
  'cursor'?: (string);
}

export interface ListBotEventsResponse__Output {
  'items': (_drover_v1_BotEvent__Output)[];
  'cursor': (string);
}
