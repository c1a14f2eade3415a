// Original file: proto/drover/v1/access.proto


export interface DeleteAccessResponse {
  /**
   * How many tokens stopped working with it.
   */
  'tokens'?: (number);
}

export interface DeleteAccessResponse__Output {
  /**
   * How many tokens stopped working with it.
   */
  'tokens': (number);
}
