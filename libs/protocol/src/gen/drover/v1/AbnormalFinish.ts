// Original file: proto/drover/v1/graph.proto


// Original file: proto/drover/v1/graph.proto

export const _drover_v1_AbnormalFinish_Status = {
  INVALID: 'INVALID',
  FAILED: 'FAILED',
  CRASHED: 'CRASHED',
  EXPIRED: 'EXPIRED',
  TIMED_OUT: 'TIMED_OUT',
  CANCELLED: 'CANCELLED',
  REJECTED: 'REJECTED',
  MISSING: 'MISSING',
  RESULT_MALFORMED: 'RESULT_MALFORMED',
} as const;

export type _drover_v1_AbnormalFinish_Status =
  | 'INVALID'
  | 0
  | 'FAILED'
  | 1
  | 'CRASHED'
  | 2
  | 'EXPIRED'
  | 3
  | 'TIMED_OUT'
  | 4
  | 'CANCELLED'
  | 5
  | 'REJECTED'
  | 6
  | 'MISSING'
  | 7
  | 'RESULT_MALFORMED'
  | 8

export type _drover_v1_AbnormalFinish_Status__Output = typeof _drover_v1_AbnormalFinish_Status[keyof typeof _drover_v1_AbnormalFinish_Status]

export interface AbnormalFinish {
  'status'?: (_drover_v1_AbnormalFinish_Status);
  'reason'?: (string);
}

export interface AbnormalFinish__Output {
  'status': (_drover_v1_AbnormalFinish_Status__Output);
  'reason': (string);
}
