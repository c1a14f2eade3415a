// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Replace the bot code with this version, then restart: the bot fetches it (GetBotCode), checks
 * its SHA-256, installs it beside the running one and restarts into it once it holds no task.
 * Sent only to a bot that said self_update, whose version differs, while it holds no task.
 */
export interface Update {
  /**
   * `<bot package version>+<first 12 hex digits of sha256>`.
   */
  'version'?: (string);
  /**
   * SHA-256 of the bot code pack, hex.
   */
  'sha256'?: (string);
  'size'?: (number | string | Long);
}

/**
 * Replace the bot code with this version, then restart: the bot fetches it (GetBotCode), checks
 * its SHA-256, installs it beside the running one and restarts into it once it holds no task.
 * Sent only to a bot that said self_update, whose version differs, while it holds no task.
 */
export interface Update__Output {
  /**
   * `<bot package version>+<first 12 hex digits of sha256>`.
   */
  'version': (string);
  /**
   * SHA-256 of the bot code pack, hex.
   */
  'sha256': (string);
  'size': (number);
}
