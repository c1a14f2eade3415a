import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn from the OS 4 KiB at a time, not per id (a syscall each otherwise). */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function randomSlice(n: number): Buffer {
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  used += n;
  return out;
}

/**
 * Task ids sort by creation time: 12 hex digits of milliseconds, then 8 random hex digits.
 */
export function newTaskId(nowMs: number): string {
  return `${Math.floor(nowMs).toString(16).padStart(12, '0')}${randomSlice(4).toString('hex')}`;
}

export function newLeaseId(): string {
  return randomSlice(12).toString('base64url');
}

export function newSessionId(): string {
  return randomSlice(9).toString('base64url');
}
