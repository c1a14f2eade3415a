// Original file: proto/drover/v1/access.proto


export interface ListTokensRequest {
  /**
   * Only the tokens of this subject; empty = all.
   */
  'subject'?: (string);
  /**
   * Revoked and expired tokens too.
   */
  'include_inactive'?: (boolean);
}

export interface ListTokensRequest__Output {
  /**
   * Only the tokens of this subject; empty = all.
   */
  'subject': (string);
  /**
   * Revoked and expired tokens too.
   */
  'include_inactive': (boolean);
}
