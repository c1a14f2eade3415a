// Original file: proto/drover/v1/access.proto

import type { AccessToken as _drover_v1_AccessToken, AccessToken__Output as _drover_v1_AccessToken__Output } from '../../drover/v1/AccessToken';

export interface CreateTokenResponse {
  'token'?: (_drover_v1_AccessToken | null);
  /**
   * The bearer token in clear (`drv_c_…` or `drv_b_…`): shown once, stored only as a hash.
   */
  'secret'?: (string);
}

export interface CreateTokenResponse__Output {
  'token': (_drover_v1_AccessToken__Output | null);
  /**
   * The bearer token in clear (`drv_c_…` or `drv_b_…`): shown once, stored only as a hash.
   */
  'secret': (string);
}
