// Original file: proto/drover/v1/botapi.proto

export const TimeoutKind = {
  TIMEOUT_NONE: 'TIMEOUT_NONE',
  TIMEOUT_HARD: 'TIMEOUT_HARD',
  TIMEOUT_IO: 'TIMEOUT_IO',
} as const;

export type TimeoutKind =
  | 'TIMEOUT_NONE'
  | 0
  | 'TIMEOUT_HARD'
  | 1
  | 'TIMEOUT_IO'
  | 2

export type TimeoutKind__Output = typeof TimeoutKind[keyof typeof TimeoutKind]
