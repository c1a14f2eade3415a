// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A named cache on the bot, in BotHealth.
 */
export interface CacheInfo {
  'name'?: (string);
  'size_bytes'?: (number | string | Long);
}

/**
 * A named cache on the bot, in BotHealth.
 */
export interface CacheInfo__Output {
  'name': (string);
  'size_bytes': (number);
}
