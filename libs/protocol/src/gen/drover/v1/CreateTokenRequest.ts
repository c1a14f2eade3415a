// Original file: proto/drover/v1/access.proto

import type { RoleList as _drover_v1_RoleList, RoleList__Output as _drover_v1_RoleList__Output } from '../../drover/v1/RoleList';
import type { Long } from '@grpc/proto-loader';

export interface CreateTokenRequest {
  /**
   * "principal" or "bot_group".
   */
  'kind'?: (string);
  /**
   * An existing principal or bot group (of the store or the tokens file).
   */
  'subject'?: (string);
  'description'?: (string);
  'scope'?: ({[key: string]: _drover_v1_RoleList});
  /**
   * Seconds until it expires; 0 = never.
   */
  'ttl_seconds'?: (number | string | Long);
}

export interface CreateTokenRequest__Output {
  /**
   * "principal" or "bot_group".
   */
  'kind': (string);
  /**
   * An existing principal or bot group (of the store or the tokens file).
   */
  'subject': (string);
  'description': (string);
  'scope': ({[key: string]: _drover_v1_RoleList__Output});
  /**
   * Seconds until it expires; 0 = never.
   */
  'ttl_seconds': (number);
}
