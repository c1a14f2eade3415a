// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One piece of the bot code pack: the first carries version, sha256 and size.
 */
export interface BotCodeChunk {
  'version'?: (string);
  'sha256'?: (string);
  'size'?: (number | string | Long);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * One piece of the bot code pack: the first carries version, sha256 and size.
 */
export interface BotCodeChunk__Output {
  'version': (string);
  'sha256': (string);
  'size': (number);
  'offset': (number);
  'data': (Buffer);
}
