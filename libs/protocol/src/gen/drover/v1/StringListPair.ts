// Original file: proto/drover/v1/common.proto


/**
 * One key with several values: a bot dimension (os=Linux, os=Linux-Debian), an env prefix.
 */
export interface StringListPair {
  'key'?: (string);
  'value'?: (string)[];
}

/**
 * One key with several values: a bot dimension (os=Linux, os=Linux-Debian), an env prefix.
 */
export interface StringListPair__Output {
  'key': (string);
  'value': (string)[];
}
