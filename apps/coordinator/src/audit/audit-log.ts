/**
 * The audit log's writer: who did what, from where, to what, and whether it was allowed (issue 22).
 * Every admin action and every cancel/kill is recorded, refused or not, through `AuditLog.record`,
 * which resolves once the entry is stored, so an action the caller sees acknowledged is in the
 * log. Records made while a write is in flight are stored together by the next write (one
 * appendAudit), so a burst of cancels costs a few statements, not one each.
 */
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DroverError } from '@drover/protocol';
import type { AuditStore, NewAuditRecord } from '@drover/state';
import type { Principal } from '../auth/principal';

/** The most bytes of details kept (AuditEntry.details). */
export const MAX_AUDIT_DETAILS_BYTES = 4096;

/** The most entries one appendAudit writes; a longer queue takes several writes. */
const MAX_BATCH = 500;

/** What happened, as the caller tells it. */
export interface AuditEvent {
  /** Who: the principal's name. */
  readonly principal: string;
  /** From where: see grpcPeer / httpPeer. */
  readonly peer: string;
  /** tasks.cancel, tasks.kill, tasks.cancel_many, bots.quarantine, access.token.revoke, … */
  readonly action: string;
  /** On what: a task id, bot id, token id, principal or group name ('' for a filter). */
  readonly target: string;
  /** The target's pool ('' or absent for none): what a pool admin may see. */
  readonly pool?: string;
  /** The request's meaningful fields (reasons, flags, a filter, a count); cut to 4 KiB of JSON. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** 'ok', or what refused or failed it (an error: `CODE: message`). */
  readonly result: 'ok' | unknown;
}

/** The writer's view of the store. */
export type AuditSink = Pick<AuditStore, 'appendAudit'>;

/**
 * `CODE: message` for a refusal (PERMISSION_DENIED: …); anything that is not a DroverError is a
 * bug or a store failure whose detail the caller never sees, and is recorded as INTERNAL.
 */
export function auditResultOf(err: unknown): string {
  if (err instanceof DroverError) return `${status[err.code] ?? String(err.code)}: ${err.message}`;
  return 'INTERNAL: internal error';
}

/**
 * Details as JSON of at most `MAX_AUDIT_DETAILS_BYTES` bytes. Longer details keep their longest
 * fields cut (strings shortened with `…`) until they fit; failing that, `{"truncated":true}`
 * with as many whole fields as fit.
 */
export function auditDetailsJson(details: Readonly<Record<string, unknown>> | undefined): string {
  if (details === undefined) return '{}';
  const full = JSON.stringify(details) ?? '{}';
  if (Buffer.byteLength(full) <= MAX_AUDIT_DETAILS_BYTES) return full;
  // Shorten every string field to a share of the budget, then keep whole fields while they fit.
  const keys = Object.keys(details);
  const share = Math.max(64, Math.floor(MAX_AUDIT_DETAILS_BYTES / Math.max(1, keys.length)) - 32);
  const out: Record<string, unknown> = { truncated: true };
  for (const key of keys) {
    let value = details[key];
    if (typeof value === 'string' && Buffer.byteLength(value) > share) {
      value = cutUtf8(value, share - 3) + '…';
    } else if (typeof value !== 'string') {
      const json = JSON.stringify(value) ?? 'null';
      if (Buffer.byteLength(json) > share) value = cutUtf8(json, share - 3) + '…';
    }
    const next = { ...out, [key]: value };
    if (Buffer.byteLength(JSON.stringify(next)) > MAX_AUDIT_DETAILS_BYTES) break;
    out[key] = value;
  }
  return JSON.stringify(out);
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes, cut between characters. */
function cutUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * A Connect call reaches the handlers as a gRPC call from this process's own bridge
 * (connect/connect-bridge.ts), which passes the HTTP caller's address in `x-drover-peer` with
 * this per-process secret beside it: the address is believed only with the secret, which never
 * leaves the process, so no caller can claim another's address.
 */
const BRIDGE_SECRET = randomBytes(18).toString('base64url');
const PEER_HEADER = 'x-drover-peer';
const SECRET_HEADER = 'x-drover-peer-secret';

/** The metadata the Connect bridge adds for the HTTP caller at `peer` (see grpcPeer). */
export function bridgedPeerMetadata(peer: string): ReadonlyArray<readonly [string, string]> {
  return [
    [PEER_HEADER, peer],
    [SECRET_HEADER, BRIDGE_SECRET],
  ];
}

/**
 * The caller's address of a gRPC call as the server saw it (`127.0.0.1:53422`); for a Connect
 * call, the HTTP caller's as the bridge saw it.
 */
export function grpcPeer(
  call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getPeer'> & { metadata?: grpc.Metadata },
): string {
  const secret = call.metadata?.get(SECRET_HEADER)[0];
  const bridged = call.metadata?.get(PEER_HEADER)[0];
  if (secret === BRIDGE_SECRET && typeof bridged === 'string' && bridged !== '') return bridged;
  try {
    return call.getPeer() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The caller's address of an HTTP request (`127.0.0.1:53422`, `[::1]:53422`). */
export function httpPeer(req: Pick<IncomingMessage, 'socket'>): string {
  const { remoteAddress, remotePort } = req.socket;
  if (remoteAddress === undefined) return 'unknown';
  const address =
    remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')
      ? remoteAddress.slice(7)
      : remoteAddress;
  const host = address.includes(':') ? `[${address}]` : address;
  return remotePort === undefined ? host : `${host}:${remotePort}`;
}

interface Pending {
  readonly record: NewAuditRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Writes audit entries through the store, batching those recorded while a write is in flight. */
export class AuditLog {
  readonly #sink: AuditSink;
  readonly #clock: () => number;
  #queue: Pending[] = [];
  #writing = false;

  constructor(sink: AuditSink, clock: () => number) {
    this.#sink = sink;
    this.#clock = clock;
  }

  /** Stores one entry; resolves once it is stored, rejects if the store refused the write. */
  record(event: AuditEvent): Promise<void> {
    const record: NewAuditRecord = {
      timeMs: this.#clock(),
      principal: event.principal,
      peer: event.peer,
      action: event.action,
      target: event.target,
      details: auditDetailsJson(event.details),
      result: event.result === 'ok' ? 'ok' : auditResultOf(event.result),
      pool: event.pool ?? '',
    };
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          await this.#sink.appendAudit(batch.map((p) => p.record));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

/**
 * Runs `action` as `who` and records it (ok or the error it threw), then returns its result or
 * rethrows. `describe` adds what is known only after the action (a count, a pool).
 */
export async function audited<T>(
  audit: AuditLog,
  entry: Omit<AuditEvent, 'result' | 'principal' | 'pool'> & {
    readonly principal: Principal | string;
    /** The pool, or how to learn it once the action ran or was refused (what it read). */
    readonly pool?: string | (() => string);
  },
  action: () => Promise<T>,
  describe?: (result: T) => Partial<Pick<AuditEvent, 'pool' | 'details' | 'target'>>,
): Promise<T> {
  const principal = typeof entry.principal === 'string' ? entry.principal : entry.principal.name;
  const poolNow = () => (typeof entry.pool === 'function' ? entry.pool() : entry.pool);
  let value: T;
  try {
    value = await action();
  } catch (err) {
    // The refusal is recorded; if that write fails too, the caller still learns why it was refused.
    await audit
      .record({ ...entry, pool: poolNow(), principal, result: err })
      .catch(() => undefined);
    throw err;
  }
  const extra = describe?.(value);
  await audit.record({
    ...entry,
    pool: poolNow(),
    ...extra,
    details: { ...entry.details, ...extra?.details },
    principal,
    result: 'ok',
  });
  return value;
}
