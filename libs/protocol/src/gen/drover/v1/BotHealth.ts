// Original file: proto/drover/v1/botapi.proto

import type { CacheInfo as _drover_v1_CacheInfo, CacheInfo__Output as _drover_v1_CacheInfo__Output } from '../../drover/v1/CacheInfo';
import type { Long } from '@grpc/proto-loader';

/**
 * What a bot reports about itself on Hello and on every heartbeat.
 */
export interface BotHealth {
  'cpu_load'?: (number | string);
  'free_disk_bytes'?: (number | string | Long);
  'uptime_secs'?: (number | string | Long);
  /**
   * The task the bot is running, if any.
   */
  'running_task_id'?: (string);
  /**
   * The bot found a reason not to take tasks (e.g. low disk); empty when healthy.
   */
  'quarantined_reason'?: (string);
  /**
   * The named caches the bot keeps (also its `caches` dimension).
   */
  'caches'?: (_drover_v1_CacheInfo)[];
  /**
   * The input trees (Digest.hash of a cas_input_root) whose every blob this bot holds in its
   * cache, most recently used first, at most 32: the dispatcher prefers such a bot for a task
   * with that tree when several matching bots are idle.
   */
  'input_trees'?: (string)[];
}

/**
 * What a bot reports about itself on Hello and on every heartbeat.
 */
export interface BotHealth__Output {
  'cpu_load': (number);
  'free_disk_bytes': (number);
  'uptime_secs': (number);
  /**
   * The task the bot is running, if any.
   */
  'running_task_id': (string);
  /**
   * The bot found a reason not to take tasks (e.g. low disk); empty when healthy.
   */
  'quarantined_reason': (string);
  /**
   * The named caches the bot keeps (also its `caches` dimension).
   */
  'caches': (_drover_v1_CacheInfo__Output)[];
  /**
   * The input trees (Digest.hash of a cas_input_root) whose every blob this bot holds in its
   * cache, most recently used first, at most 32: the dispatcher prefers such a bot for a task
   * with that tree when several matching bots are idle.
   */
  'input_trees': (string)[];
}
