// Original file: proto/drover/v1/common.proto

/**
 * A tri-state filter: NULL means "either".
 */
export const NullableBool = {
  NULL: 'NULL',
  FALSE: 'FALSE',
  TRUE: 'TRUE',
} as const;

/**
 * A tri-state filter: NULL means "either".
 */
export type NullableBool =
  | 'NULL'
  | 0
  | 'FALSE'
  | 1
  | 'TRUE'
  | 2

/**
 * A tri-state filter: NULL means "either".
 */
export type NullableBool__Output = typeof NullableBool[keyof typeof NullableBool]
