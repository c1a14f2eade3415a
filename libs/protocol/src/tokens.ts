// Bearer tokens: how they look and how they are stored (only their SHA-256). Shared by the
// coordinator, which checks them (and makes them, service Access), and the CLI, which makes them
// for the tokens file (`drover token generate`).
import { createHash, randomBytes } from 'node:crypto';

export type TokenKind = 'client' | 'bot';

/** A stored token hash: 64 lowercase hex characters. */
export const TOKEN_HASH = /^[0-9a-f]{64}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh token: `drv_c_…` for clients, `drv_b_…` for bots, 256 random bits. */
export function newToken(kind: TokenKind): string {
  return `drv_${kind === 'client' ? 'c' : 'b'}_${randomBytes(32).toString('base64url')}`;
}
