// Original file: proto/drover/v1/botapi.proto

import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from '../../drover/v1/BotHealth';

export interface Heartbeat {
  'state'?: (_drover_v1_BotHealth | null);
}

export interface Heartbeat__Output {
  'state': (_drover_v1_BotHealth__Output | null);
}
