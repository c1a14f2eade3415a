// Original file: proto/drover/v1/common.proto


/**
 * One key and one value: a task dimension, an environment variable.
 */
export interface StringPair {
  'key'?: (string);
  'value'?: (string);
}

/**
 * One key and one value: a task dimension, an environment variable.
 */
export interface StringPair__Output {
  'key': (string);
  'value': (string);
}
