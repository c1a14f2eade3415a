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
   * A display name, at most 128 characters (a pipeline's step name). NOT part of the canonical
   * form below: descs that differ only in name are the same quest, which keeps the name it was
   * created with.
   */
  'name'?: (string);
  /**
   * One JSON object each (RFC 8259; whitespace around it allowed, nothing else; empty = `{}`),
   * normalized to canonical JSON; together at most 256 KiB once normalized. Canonical JSON,
   * also what Quest.ID hashes: no whitespace; object members sorted by the UTF-8 bytes of
   * their keys (code point order), a duplicate key keeping its last value; array elements in
   * order; numbers exactly as written (`1.0`, `-0`, `1E5` and `12345678901234567890` stay as
   * they are, never converted to a float); strings decoded, then written as Quest.ID says
   * (`"\u00e9"` becomes `"é"`, `"\/"` becomes `"/"`); true, false and null as themselves.
   */
  'parameters'?: (string);
  'distributor_parameters'?: (string);
  'meta'?: (_drover_v1_Quest_Desc_Meta | null);
}

export interface _drover_v1_Quest_Desc__Output {
  'distributor_config_name': (string);
  /**
   * A display name, at most 128 characters (a pipeline's step name). NOT part of the canonical
   * form below: descs that differ only in name are the same quest, which keeps the name it was
   * created with.
   */
  'name': (string);
  /**
   * One JSON object each (RFC 8259; whitespace around it allowed, nothing else; empty = `{}`),
   * normalized to canonical JSON; together at most 256 KiB once normalized. Canonical JSON,
   * also what Quest.ID hashes: no whitespace; object members sorted by the UTF-8 bytes of
   * their keys (code point order), a duplicate key keeping its last value; array elements in
   * order; numbers exactly as written (`1.0`, `-0`, `1E5` and `12345678901234567890` stay as
   * they are, never converted to a float); strings decoded, then written as Quest.ID says
   * (`"\u00e9"` becomes `"é"`, `"\/"` becomes `"/"`); true, false and null as themselves.
   */
  'parameters': (string);
  'distributor_parameters': (string);
  'meta': (_drover_v1_Quest_Desc_Meta__Output | null);
}

export interface _drover_v1_Quest_ID {
  /**
   * The quest id: a function of its Desc alone, so the same desc is the same quest whoever
   * sends it. base64url (RFC 4648 §5, `-` and `_`, no `=` padding) of the SHA-256 of the UTF-8
   * bytes of the desc's canonical form: 43 characters of [A-Za-z0-9_-].
   * 
   * The canonical form is this JSON text, with no whitespace and the keys in exactly this
   * order (sorted), every field present with its default filled in:
   * 
   * {"distributor_config_name":S,"distributor_parameters":J,"meta":{"as_account":S,
   * "retry":{"crashed":N,"expired":N,"failed":N,"timed_out":N},
   * "timeouts":{"run":N,"start":N,"stop":N}},"parameters":J}
   * 
   * (one line; broken here to fit). N: a decimal integer, no sign, no leading zeros. Retry
   * counts absent are 0; a timeout of 0 (or absent) is its default: start 21600, run 3600,
   * stop 30. as_account absent is "". J: parameters and distributor_parameters in canonical
   * JSON, an empty string being `{}` (Desc.parameters says how). S: a JSON string written as
   * JavaScript's JSON.stringify writes it: `"` and `\` escaped as `\"` and `\\`; U+0008,
   * U+0009, U+000A, U+000C, U+000D as `\b` `\t` `\n` `\f` `\r`; every other character below
   * U+0020 as `\u00xx` (lowercase hex); a lone surrogate as `\udxxx` (lowercase hex); every
   * other character as itself (UTF-8), `/`, U+007F and non-ASCII included.
   * 
   * Example: the desc with distributor_config_name `shell`, parameters `{ "a": 1 }` and
   * nothing else has the canonical form
   * {"distributor_config_name":"shell","distributor_parameters":{},"meta":{"as_account":"",
   * "retry":{"crashed":0,"expired":0,"failed":0,"timed_out":0},
   * "timeouts":{"run":3600,"start":21600,"stop":30}},"parameters":{"a":1}} (one line), and
   * the id Ua5lcxaepibEJAE74RQ8fFKOfY6Fi2Gijk60r3YVQhY.
   */
  'id'?: (string);
}

export interface _drover_v1_Quest_ID__Output {
  /**
   * The quest id: a function of its Desc alone, so the same desc is the same quest whoever
   * sends it. base64url (RFC 4648 §5, `-` and `_`, no `=` padding) of the SHA-256 of the UTF-8
   * bytes of the desc's canonical form: 43 characters of [A-Za-z0-9_-].
   * 
   * The canonical form is this JSON text, with no whitespace and the keys in exactly this
   * order (sorted), every field present with its default filled in:
   * 
   * {"distributor_config_name":S,"distributor_parameters":J,"meta":{"as_account":S,
   * "retry":{"crashed":N,"expired":N,"failed":N,"timed_out":N},
   * "timeouts":{"run":N,"start":N,"stop":N}},"parameters":J}
   * 
   * (one line; broken here to fit). N: a decimal integer, no sign, no leading zeros. Retry
   * counts absent are 0; a timeout of 0 (or absent) is its default: start 21600, run 3600,
   * stop 30. as_account absent is "". J: parameters and distributor_parameters in canonical
   * JSON, an empty string being `{}` (Desc.parameters says how). S: a JSON string written as
   * JavaScript's JSON.stringify writes it: `"` and `\` escaped as `\"` and `\\`; U+0008,
   * U+0009, U+000A, U+000C, U+000D as `\b` `\t` `\n` `\f` `\r`; every other character below
   * U+0020 as `\u00xx` (lowercase hex); a lone surrogate as `\udxxx` (lowercase hex); every
   * other character as itself (UTF-8), `/`, U+007F and non-ASCII included.
   * 
   * Example: the desc with distributor_config_name `shell`, parameters `{ "a": 1 }` and
   * nothing else has the canonical form
   * {"distributor_config_name":"shell","distributor_parameters":{},"meta":{"as_account":"",
   * "retry":{"crashed":0,"expired":0,"failed":0,"timed_out":0},
   * "timeouts":{"run":3600,"start":21600,"stop":30}},"parameters":{"a":1}} (one line), and
   * the id Ua5lcxaepibEJAE74RQ8fFKOfY6Fi2Gijk60r3YVQhY.
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
