// Original file: proto/drover/v1/access.proto

import type { RoleList as _drover_v1_RoleList, RoleList__Output as _drover_v1_RoleList__Output } from '../../drover/v1/RoleList';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface AccessPrincipal {
  'name'?: (string);
  /**
   * Every role in every pool.
   */
  'admin'?: (boolean);
  'roles'?: ({[key: string]: _drover_v1_RoleList});
  'description'?: (string);
  /**
   * Output only.
   */
  'read_only'?: (boolean);
  'updated'?: (_google_protobuf_Timestamp | null);
  'updated_by'?: (string);
}

export interface AccessPrincipal__Output {
  'name': (string);
  /**
   * Every role in every pool.
   */
  'admin': (boolean);
  'roles': ({[key: string]: _drover_v1_RoleList__Output});
  'description': (string);
  /**
   * Output only.
   */
  'read_only': (boolean);
  'updated': (_google_protobuf_Timestamp__Output | null);
  'updated_by': (string);
}
