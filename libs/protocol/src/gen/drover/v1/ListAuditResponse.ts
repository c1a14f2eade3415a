// Original file: proto/drover/v1/access.proto

import type { AuditEntry as _drover_v1_AuditEntry, AuditEntry__Output as _drover_v1_AuditEntry__Output } from '../../drover/v1/AuditEntry';

export interface ListAuditResponse {
  'entries'?: (_drover_v1_AuditEntry)[];
  'next_cursor'?: (string);
}

export interface ListAuditResponse__Output {
  'entries': (_drover_v1_AuditEntry__Output)[];
  'next_cursor': (string);
}
