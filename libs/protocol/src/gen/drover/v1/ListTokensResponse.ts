// Original file: proto/drover/v1/access.proto

import type { AccessToken as _drover_v1_AccessToken, AccessToken__Output as _drover_v1_AccessToken__Output } from '../../drover/v1/AccessToken';

export interface ListTokensResponse {
  'tokens'?: (_drover_v1_AccessToken)[];
}

export interface ListTokensResponse__Output {
  'tokens': (_drover_v1_AccessToken__Output)[];
}
