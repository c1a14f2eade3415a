import { createHash, timingSafeEqual } from 'node:crypto';

/** ActivateExecution's execution_token is at least this long (DESIGN.md §5). */
export const MIN_EXECUTION_TOKEN_BYTES = 32;

/** SHA-256 (hex) of a token: only hashes are stored. */
export function hashToken(token: Uint8Array): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` hashes to `expectedHash` (compared in constant time). */
export function tokenMatches(token: Uint8Array, expectedHash: string | null): boolean {
  if (expectedHash === null) return false;
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
