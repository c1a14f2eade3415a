// Original file: proto/drover/v1/botapi.proto

import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from '../../drover/v1/BotHealth';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';

export interface Heartbeat {
  'state'?: (_drover_v1_BotHealth | null);
  /**
   * Non-empty: the bot's dimensions changed (e.g. its `caches` after a task); they replace what
   * Hello said, the server-forced ones still applied.
   */
  'dimensions'?: (_drover_v1_StringListPair)[];
}

export interface Heartbeat__Output {
  'state': (_drover_v1_BotHealth__Output | null);
  /**
   * Non-empty: the bot's dimensions changed (e.g. its `caches` after a task); they replace what
   * Hello said, the server-forced ones still applied.
   */
  'dimensions': (_drover_v1_StringListPair__Output)[];
}
