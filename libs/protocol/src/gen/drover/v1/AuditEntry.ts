// Original file: proto/drover/v1/access.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  /**
   * Increasing; the paging cursor.
   */
  'id'?: (number | string | Long);
  'time'?: (_google_protobuf_Timestamp | null);
  /**
   * Who: a principal's name (for OIDC users, the mapped claim, e.g. an email).
   */
  'principal'?: (string);
  /**
   * From where: the caller's address as the coordinator saw it (ipv4:127.0.0.1:53422).
   */
  'peer'?: (string);
  /**
   * What, e.g. tasks.cancel, tasks.kill, bots.quarantine, access.token.revoke.
   */
  'action'?: (string);
  /**
   * On what: a task id, bot id, token id, principal or group name.
   */
  'target'?: (string);
  /**
   * The request's meaningful fields as JSON (reasons, flags), at most 4 KiB.
   */
  'details'?: (string);
  /**
   * "ok", or the gRPC status name and message of the refusal (PERMISSION_DENIED: …).
   */
  'result'?: (string);
  /**
   * The pool the target belongs to, if any (what a pool admin may see).
   */
  'pool'?: (string);
}

export interface AuditEntry__Output {
  /**
   * Increasing; the paging cursor.
   */
  'id': (number);
  'time': (_google_protobuf_Timestamp__Output | null);
  /**
   * Who: a principal's name (for OIDC users, the mapped claim, e.g. an email).
   */
  'principal': (string);
  /**
   * From where: the caller's address as the coordinator saw it (ipv4:127.0.0.1:53422).
   */
  'peer': (string);
  /**
   * What, e.g. tasks.cancel, tasks.kill, bots.quarantine, access.token.revoke.
   */
  'action': (string);
  /**
   * On what: a task id, bot id, token id, principal or group name.
   */
  'target': (string);
  /**
   * The request's meaningful fields as JSON (reasons, flags), at most 4 KiB.
   */
  'details': (string);
  /**
   * "ok", or the gRPC status name and message of the refusal (PERMISSION_DENIED: …).
   */
  'result': (string);
  /**
   * The pool the target belongs to, if any (what a pool admin may see).
   */
  'pool': (string);
}
