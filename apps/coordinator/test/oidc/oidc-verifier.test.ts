// The OIDC verifier against a real provider on loopback: the issuer's keys are fetched once and
// kept (not per token), an unknown kid fetches them again at most once per cooldown, an issuer
// that cannot be reached is a failure to verify (not a refusal of the token), and claims map to
// roles as configured.
import { SignJWT, importJWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcVerifier } from '../../src/auth/oidc';
import { compileOidcConfig } from '../../src/auth/oidc-config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';

let idp: OidcTestProvider;

beforeAll(async () => {
  idp = await startOidcTestProvider();
});

afterAll(async () => {
  await idp.stop();
});

function verifierFor(issuer: string, extra: Record<string, unknown> = {}): OidcVerifier {
  return new OidcVerifier(
    compileOidcConfig([
      {
        issuer,
        audience: idp.cli.clientId,
        groups: { 'ci-admins': { ci: ['admin'] }, root: { '*': ['admin'] } },
        ...extra,
      },
    ]),
  );
}

async function signed(claims: JWTPayload, kid = idp.signingKey().kid): Promise<string> {
  const nowSecs = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: idp.cli.clientId,
    email: 'alice@example.com',
    exp: nowSecs + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(await importJWK(idp.signingKey().privateJwk, 'RS256'));
}

describe('OidcVerifier', () => {
  it('fetches the keys once for many tokens, and again for an unknown kid only after the cooldown', async () => {
    const verifier = verifierFor(idp.issuer);
    await verifier.warmUp();
    const fetched = idp.jwksRequests();
    for (let i = 0; i < 5; i++) {
      const out = await verifier.verify(await signed({ email: `user${i}@example.com` }));
      expect(out.ok).toBe(true);
    }
    expect((await verifier.verify((await idp.loginAs('bob')).idToken)).ok).toBe(true);
    expect(idp.jwksRequests()).toBe(fetched);

    // Unknown kids within the default 10 s cooldown after the warm-up's fetch: refused without
    // fetching the keys again, however many come.
    for (let i = 0; i < 5; i++) {
      const out = await verifier.verify(await signed({}, `unknown-${i}`));
      expect(out).toEqual({
        ok: false,
        reason: expect.stringMatching(/^signature: no key/) as unknown,
        // Kept briefly: the key may appear with the next fetch the cooldown allows; nothing was
        // found wrong with the token (a dashboard session is kept).
        retryAfterMs: 1000,
        unverified: true,
      });
    }
    expect(idp.jwksRequests()).toBe(fetched);
  });

  it('maps groups to roles per pool, admin of * to a server-wide admin', async () => {
    const verifier = verifierFor(idp.issuer);
    const admin = await verifier.verify(await signed({ groups: ['ci-admins', 'root', 'other'] }));
    if (!admin.ok) throw new Error(admin.reason);
    expect(admin.principal).toMatchObject({
      kind: 'client',
      name: 'alice@example.com',
      admin: true,
      source: 'oidc',
    });
    expect(admin.principal.roles.get('ci')).toEqual(new Set(['admin']));

    const nobody = await verifier.verify(await signed({ groups: 'other' }));
    if (!nobody.ok) throw new Error(nobody.reason);
    expect(nobody.principal.admin).toBe(false);
    expect(nobody.principal.roles.size).toBe(0);

    expect(await verifier.verify(await signed({ email_verified: false }))).toEqual({
      ok: false,
      reason: 'claim email_verified: the email address is not verified',
    });
  });

  it('reads the principal and groups from the configured claims', async () => {
    const verifier = verifierFor(idp.issuer, {
      principalClaim: 'preferred_username',
      groupsClaim: 'roles',
    });
    const out = await verifier.verify(
      await signed({ preferred_username: 'alice', roles: ['ci-admins'], groups: ['root'] }),
    );
    if (!out.ok) throw new Error(out.reason);
    expect(out.principal.name).toBe('alice');
    expect(out.principal.admin).toBe(false);
    expect(out.principal.roles.get('ci')).toEqual(new Set(['admin']));
    expect(out.expiresMs).toBeGreaterThan(Date.now());
  });

  it('fails to verify (throws) rather than refuses when the issuer cannot be reached', async () => {
    const gone = await startOidcTestProvider();
    const issuer = gone.issuer;
    await gone.stop();
    const verifier = verifierFor(issuer);
    const nowSecs = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: issuer, aud: idp.cli.clientId, exp: nowSecs + 60 })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .sign(await importJWK(idp.signingKey().privateJwk, 'RS256'));
    await expect(verifier.verify(jwt)).rejects.toThrow(/is unreachable: discovery failed/);
  });
});
