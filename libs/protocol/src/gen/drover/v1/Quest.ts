// Original file: proto/drover/v1/graph.proto

import type { Attempt as _drover_v1_Attempt, Attempt__Output as _drover_v1_Attempt__Output } from '../../drover/v1/Attempt';
import type { PartialFlags as _drover_v1_PartialFlags, PartialFlags__Output as _drover_v1_PartialFlags__Output } from '../../drover/v1/PartialFlags';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface _drover_v1_Quest_Data {
  'created'?: (_google_protobuf_Timestamp | null);
  'desc'?: (_drover_v1_Quest_Desc | null);
}

export interface _drover_v1_Quest_Data__Output {
  'created': (_google_protobuf_Timestamp__Output | null);
  'desc': (_drover_v1_Quest_Desc__Output | null);
}

export interface _drover_v1_Quest_Desc {
  'distributor_config_name'?: (string);
  /**
   * One JSON object each, normalized; together at most 256 KiB.
   */
  'parameters'?: (string);
  'distributor_parameters'?: (string);
  'meta'?: (_drover_v1_Quest_Desc_Meta | null);
}

export interface _drover_v1_Quest_Desc__Output {
  'distributor_config_name': (string);
  /**
   * One JSON object each, normalized; together at most 256 KiB.
   */
  'parameters': (string);
  'distributor_parameters': (string);
  'meta': (_drover_v1_Quest_Desc_Meta__Output | null);
}

export interface _drover_v1_Quest_ID {
  /**
   * base64url(SHA-256(canonical desc)) without padding: 43 characters.
   */
  'id'?: (string);
}

export interface _drover_v1_Quest_ID__Output {
  /**
   * base64url(SHA-256(canonical desc)) without padding: 43 characters.
   */
  'id': (string);
}

export interface _drover_v1_Quest_Desc_Meta {
  'as_account'?: (string);
  'retry'?: (_drover_v1_Quest_Desc_Meta_Retry | null);
  'timeouts'?: (_drover_v1_Quest_Desc_Meta_Timeouts | null);
}

export interface _drover_v1_Quest_Desc_Meta__Output {
  'as_account': (string);
  'retry': (_drover_v1_Quest_Desc_Meta_Retry__Output | null);
  'timeouts': (_drover_v1_Quest_Desc_Meta_Timeouts__Output | null);
}

export interface _drover_v1_Quest_Desc_Meta_Retry {
  'failed'?: (number);
  'crashed'?: (number);
  'expired'?: (number);
  'timed_out'?: (number);
}

export interface _drover_v1_Quest_Desc_Meta_Retry__Output {
  'failed': (number);
  'crashed': (number);
  'expired': (number);
  'timed_out': (number);
}

export interface _drover_v1_Quest_Desc_Meta_Timeouts {
  /**
   * Seconds; start -> the task's expiration, run -> execution timeout, stop -> grace.
   */
  'start'?: (number);
  'run'?: (number);
  'stop'?: (number);
}

export interface _drover_v1_Quest_Desc_Meta_Timeouts__Output {
  /**
   * Seconds; start -> the task's expiration, run -> execution timeout, stop -> grace.
   */
  'start': (number);
  'run': (number);
  'stop': (number);
}

export interface Quest {
  'id'?: (_drover_v1_Quest_ID | null);
  'did_not_exist'?: (boolean);
  'data'?: (_drover_v1_Quest_Data | null);
  'attempts'?: ({[key: number]: _drover_v1_Attempt});
  'partial'?: (_drover_v1_PartialFlags | null);
}

export interface Quest__Output {
  'id': (_drover_v1_Quest_ID__Output | null);
  'did_not_exist': (boolean);
  'data': (_drover_v1_Quest_Data__Output | null);
  'attempts': ({[key: number]: _drover_v1_Attempt__Output});
  'partial': (_drover_v1_PartialFlags__Output | null);
}
