// Original file: proto/drover/v1/botapi.proto

import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from '../../drover/v1/BotHealth';
import type { RunningTask as _drover_v1_RunningTask, RunningTask__Output as _drover_v1_RunningTask__Output } from '../../drover/v1/RunningTask';

export interface Hello {
  /**
   * At most 128 characters.
   */
  'bot_id'?: (string);
  /**
   * At most 64 keys of at most 64 characters, each with at most 64 values of at most 256.
   */
  'dimensions'?: (_drover_v1_StringListPair)[];
  'state'?: (_drover_v1_BotHealth | null);
  'version'?: (string);
  'running'?: (_drover_v1_RunningTask)[];
  /**
   * The bot runs under drover-bot's launcher and can replace its own code (Update).
   */
  'self_update'?: (boolean);
}

export interface Hello__Output {
  /**
   * At most 128 characters.
   */
  'bot_id': (string);
  /**
   * At most 64 keys of at most 64 characters, each with at most 64 values of at most 256.
   */
  'dimensions': (_drover_v1_StringListPair__Output)[];
  'state': (_drover_v1_BotHealth__Output | null);
  'version': (string);
  'running': (_drover_v1_RunningTask__Output)[];
  /**
   * The bot runs under drover-bot's launcher and can replace its own code (Update).
   */
  'self_update': (boolean);
}
