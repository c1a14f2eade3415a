// Original file: proto/drover/v1/access.proto


export interface RevokeTokenRequest {
  'id'?: (string);
}

export interface RevokeTokenRequest__Output {
  'id': (string);
}
