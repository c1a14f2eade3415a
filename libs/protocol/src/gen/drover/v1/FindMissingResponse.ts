// Original file: proto/drover/v1/cas.proto

import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from '../../drover/v1/Digest';

export interface FindMissingResponse {
  'missing'?: (_drover_v1_Digest)[];
}

export interface FindMissingResponse__Output {
  'missing': (_drover_v1_Digest__Output)[];
}
