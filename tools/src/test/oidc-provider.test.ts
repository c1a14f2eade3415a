// The OIDC test provider the identity tests sign in with: its tokens are real (verifiable against
// its published keys, with the users' email and groups), refresh works for the CLI's client, and
// a key rotation changes the kid at the same address.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcTestProvider, type OidcTestProvider } from '../test-support/oidc-provider';

describe('OIDC test provider', () => {
  let idp: OidcTestProvider;
  beforeAll(async () => {
    idp = await startOidcTestProvider({
      dashboardRedirectUris: ['http://127.0.0.1:9/auth/callback'],
    });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('publishes discovery with its own issuer and a JWKS', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc['issuer']).toBe(idp.issuer);
    expect(doc['jwks_uri']).toBe(`${idp.issuer}/jwks`);
    expect(doc['code_challenge_methods_supported']).toEqual(['S256']);
  });

  it('signs alice and bob in with their email and groups in the ID token', async () => {
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const alice = await idp.loginAs('alice');
    const a = await jwtVerify(alice.idToken, jwks, {
      issuer: idp.issuer,
      audience: idp.cli.clientId,
    });
    expect(a.payload['email']).toBe('alice@example.com');
    expect(a.payload['groups']).toEqual(['ci-admins']);

    const bob = await idp.loginAs('bob@example.com', { client: 'dashboard' });
    const b = await jwtVerify(bob.idToken, jwks, {
      issuer: idp.issuer,
      audience: idp.dashboard.clientId,
    });
    expect(b.payload['email']).toBe('bob@example.com');
    expect(b.payload['groups']).toEqual(['ci-viewers']);
  });

  it('gives the CLI a refresh token with offline_access, and the refresh gives a new ID token', async () => {
    const tokens = await idp.loginAs('alice', { offlineAccess: true });
    expect(tokens.refreshToken).toBeDefined();
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken!,
        client_id: idp.cli.clientId,
      }).toString(),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(typeof body['id_token']).toBe('string');
  });

  it('rotates its signing key at the same address', async () => {
    const before = idp.signingKey().kid;
    expect(decodeProtectedHeader((await idp.loginAs('bob')).idToken).kid).toBe(before);
    const fresh = await idp.rotateKeys();
    expect(fresh.kid).not.toBe(before);
    const token = (await idp.loginAs('bob')).idToken;
    expect(decodeProtectedHeader(token).kid).toBe(fresh.kid);
    const published = (await (await fetch(`${idp.issuer}/jwks`)).json()) as {
      keys: Array<{ kid: string; d?: string }>;
    };
    expect(published.keys.map((k) => k.kid)).toEqual([fresh.kid, before]);
    expect(published.keys.every((k) => k.d === undefined)).toBe(true);
    await jwtVerify(token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
    });
  });
});
