// Original file: proto/drover/v1/access.proto

import type { RoleList as _drover_v1_RoleList, RoleList__Output as _drover_v1_RoleList__Output } from '../../drover/v1/RoleList';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * A token as listed: never the token itself, never its hash.
 */
export interface AccessToken {
  /**
   * `tok-` and 16 hex characters; what revoke takes.
   */
  'id'?: (string);
  /**
   * "principal" or "bot_group".
   */
  'kind'?: (string);
  /**
   * The principal's or bot group's name.
   */
  'subject'?: (string);
  'description'?: (string);
  /**
   * Scoped tokens: roles per pool the token is narrowed to (the subject's roles intersected with
   * these); empty = the subject's roles. Principals only.
   */
  'scope'?: ({[key: string]: _drover_v1_RoleList});
  'created'?: (_google_protobuf_Timestamp | null);
  'created_by'?: (string);
  /**
   * Unset = never expires.
   */
  'expires'?: (_google_protobuf_Timestamp | null);
  /**
   * Unset = not revoked.
   */
  'revoked'?: (_google_protobuf_Timestamp | null);
  'revoked_by'?: (string);
  /**
   * When the token was last accepted (kept to the minute); unset = never.
   */
  'last_used'?: (_google_protobuf_Timestamp | null);
  /**
   * An entry of the tokens file: listed, not changeable here.
   */
  'read_only'?: (boolean);
}

/**
 * A token as listed: never the token itself, never its hash.
 */
export interface AccessToken__Output {
  /**
   * `tok-` and 16 hex characters; what revoke takes.
   */
  'id': (string);
  /**
   * "principal" or "bot_group".
   */
  'kind': (string);
  /**
   * The principal's or bot group's name.
   */
  'subject': (string);
  'description': (string);
  /**
   * Scoped tokens: roles per pool the token is narrowed to (the subject's roles intersected with
   * these); empty = the subject's roles. Principals only.
   */
  'scope': ({[key: string]: _drover_v1_RoleList__Output});
  'created': (_google_protobuf_Timestamp__Output | null);
  'created_by': (string);
  /**
   * Unset = never expires.
   */
  'expires': (_google_protobuf_Timestamp__Output | null);
  /**
   * Unset = not revoked.
   */
  'revoked': (_google_protobuf_Timestamp__Output | null);
  'revoked_by': (string);
  /**
   * When the token was last accepted (kept to the minute); unset = never.
   */
  'last_used': (_google_protobuf_Timestamp__Output | null);
  /**
   * An entry of the tokens file: listed, not changeable here.
   */
  'read_only': (boolean);
}
