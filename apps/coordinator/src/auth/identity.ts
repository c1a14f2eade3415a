/**
 * The seam between bearer-token lookup (tokens.ts, synchronous: every handler calls it) and
 * identities that take I/O to verify (OIDC JWTs, oidc.ts: a signature against the issuer's JWKS).
 *
 * Edges (the gRPC server interceptor, the HTTP/Connect/dashboard handlers) call
 * `TokenAuthority.prepare(authorization)` before the handler runs; for a JWT it awaits the
 * verifier and keeps the principal until the JWT expires (a bounded cache), so the handler's
 * synchronous `authenticate` finds it. Opaque tokens (`drv_…`) need no preparation.
 */
import type { Principal } from './principal';

/** Verifies a JWT; the principal it maps to, or a reason it is refused (never thrown). */
export interface JwtVerifier {
  verify(jwt: string): Promise<
    | { readonly ok: true; readonly principal: Principal; readonly expiresMs: number }
    | {
        readonly ok: false;
        readonly reason: string;
        /** How long the refusal holds (default a minute): sooner for a key that may appear. */
        readonly retryAfterMs?: number;
        /**
         * Nothing found wrong with the token: its key is not known yet and may not be fetched
         * before the issuer's cooldown ends (a key rotation just after the last fetch).
         */
        readonly unverified?: true;
      }
  >;
}

/** Whether a bearer value is a compact JWS (three base64url parts) rather than a `drv_` token. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
}
