// Original file: proto/drover/v1/access.proto

import type { AccessPrincipal as _drover_v1_AccessPrincipal, AccessPrincipal__Output as _drover_v1_AccessPrincipal__Output } from '../../drover/v1/AccessPrincipal';

export interface ListPrincipalsResponse {
  'principals'?: (_drover_v1_AccessPrincipal)[];
}

export interface ListPrincipalsResponse__Output {
  'principals': (_drover_v1_AccessPrincipal__Output)[];
}
