// Original file: proto/drover/v1/access.proto


export interface DeleteAccessRequest {
  'name'?: (string);
}

export interface DeleteAccessRequest__Output {
  'name': (string);
}
