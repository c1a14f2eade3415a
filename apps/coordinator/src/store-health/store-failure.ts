import { status } from '@grpc/grpc-js';

/**
 * Which store failures are the store's condition rather than a bug, and what a caller is told.
 * Pure. `full`: the data dir's disk (SQLITE_FULL, ENOSPC, EDQUOT) or PostgreSQL's (53100
 * disk_full) has no room; `unavailable`: the store cannot be reached or used now (connection
 * lost, I/O error, out of resources) — both worth a retry later, neither a coordinator bug.
 */
export type StoreFailure = 'full' | 'unavailable';

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', '53100']);
const UNAVAILABLE_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'EROFS',
  'EIO',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  // PostgreSQL: insufficient resources, out of memory, too many connections, shutting down.
  '53000',
  '53200',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/** `full`, `unavailable`, or undefined for anything else (a bug, a refusal): `err` and its causes. */
export function classifyStoreError(err: unknown): StoreFailure | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (FULL_CODES.has(code)) return 'full';
      if (UNAVAILABLE_CODES.has(code)) return 'unavailable';
      // SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC…; PostgreSQL class 08: connection exceptions.
      if (code.startsWith('SQLITE_IOERR') || /^08[0-9A-Z]{3}$/.test(code)) return 'unavailable';
    }
    if (e instanceof Error && /Connection terminated|connection timeout/i.test(e.message)) {
      return 'unavailable';
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What the caller hears (the gRPC edge, a bot's stream): a condition to wait out, not INTERNAL. */
export const STORE_FAILURE_STATUS: Readonly<
  Record<StoreFailure, { readonly code: status; readonly details: string }>
> = {
  full: { code: status.RESOURCE_EXHAUSTED, details: 'coordinator data dir is full' },
  unavailable: { code: status.UNAVAILABLE, details: 'coordinator store unavailable; retry later' },
};
