import { randomBytes } from 'node:crypto';

/**
 * Task ids sort by creation time: 12 hex digits of milliseconds, then 8 random hex digits.
 */
export function newTaskId(nowMs: number): string {
  return `${Math.floor(nowMs).toString(16).padStart(12, '0')}${randomBytes(4).toString('hex')}`;
}

export function newLeaseId(): string {
  return randomBytes(12).toString('base64url');
}

export function newSessionId(): string {
  return randomBytes(9).toString('base64url');
}
