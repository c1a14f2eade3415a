// Original file: proto/drover/v1/botapi.proto

import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  'session_id'?: (string);
  /**
   * Whole seconds, rounded up; heartbeat_interval_ms is the exact value.
   */
  'heartbeat_interval_secs'?: (number);
  /**
   * The bot's dimensions as the coordinator sees them (server-forced ones applied).
   */
  'dimensions'?: (_drover_v1_StringListPair)[];
  /**
   * The dimensions the coordinator forced on this bot (at least pool).
   */
  'forced_dimensions'?: (_drover_v1_StringListPair)[];
  /**
   * How often the bot must heartbeat; always well below the coordinator's ping tolerance.
   */
  'heartbeat_interval_ms'?: (number);
  /**
   * The most bytes of DROVER_OUTDIR files one task may upload (UploadOutputs).
   */
  'max_output_files_bytes'?: (number | string | Long);
}

export interface Welcome__Output {
  'session_id': (string);
  /**
   * Whole seconds, rounded up; heartbeat_interval_ms is the exact value.
   */
  'heartbeat_interval_secs': (number);
  /**
   * The bot's dimensions as the coordinator sees them (server-forced ones applied).
   */
  'dimensions': (_drover_v1_StringListPair__Output)[];
  /**
   * The dimensions the coordinator forced on this bot (at least pool).
   */
  'forced_dimensions': (_drover_v1_StringListPair__Output)[];
  /**
   * How often the bot must heartbeat; always well below the coordinator's ping tolerance.
   */
  'heartbeat_interval_ms': (number);
  /**
   * The most bytes of DROVER_OUTDIR files one task may upload (UploadOutputs).
   */
  'max_output_files_bytes': (number);
}
