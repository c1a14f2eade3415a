// A dashboard session outlives an identity provider that is out of reach (issue 22): when the
// coordinator cannot fetch the keys a session's ID token needs (the provider rotated its key and
// is down), the request is refused but the session cookie is kept, so the person is back once
// the provider answers instead of being signed out by its outage; a session the coordinator
// refuses for the token itself (a forged signature) is cleared as before.
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
import { startTestCoordinator, tempDir } from '../harness';

let idp: OidcTestProvider;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;

beforeAll(async () => {
  idp = await startOidcTestProvider();
  dir = tempDir();
  coord = await startTestCoordinator(dir.path, {
    oidc: [
      {
        issuer: idp.issuer,
        audience: [idp.dashboard.clientId],
        groups: { 'ci-admins': { ci: ['admin'] } },
        dashboard: { clientId: idp.dashboard.clientId },
        jwksCooldown: 0,
      },
    ],
  });
  // The coordinator has the provider's keys (a session of the current key is accepted).
  const ok = await me(await idToken(idp.signingKey()));
  expect(ok.status).toBe(200);
});

afterAll(async () => {
  await coord.close();
  dir.remove();
  await idp.stop();
});

/** alice's dashboard ID token signed with `key`. */
async function idToken(key: { kid: string; privateJwk: JWK }): Promise<string> {
  const nowSecs = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: idp.dashboard.clientId,
    sub: 'alice@example.com',
    email: 'alice@example.com',
    groups: ['ci-admins'],
    iat: nowSecs,
    exp: nowSecs + 600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

/** GET /api/me with `jwt` as the session cookie: the status and the Set-Cookie headers. */
async function me(jwt: string): Promise<{ status: number; setCookie: string[] }> {
  const res = await fetch(`http://${coord.httpAddress}/api/me`, {
    headers: { cookie: `drover_session=${jwt}` },
  });
  await res.arrayBuffer();
  return { status: res.status, setCookie: res.headers.getSetCookie() };
}

describe('a dashboard session while the identity provider is away', () => {
  it('keeps the cookie of a session that cannot be verified now, clears a forged one', async () => {
    // The provider signs with a new key, then goes away before the coordinator has it.
    const previous = idp.signingKey();
    const rotated = await idp.rotateKeys();
    const session = await idToken(rotated);
    await idp.stop();

    const away = await me(session);
    expect(away.status).toBe(401);
    expect(away.setCookie.join('\n')).not.toMatch(/drover_session=;/);

    // A token the coordinator refuses for itself: a known kid, signed by a key the provider never
    // had.
    const other = await generateKeyPair('RS256', { extractable: true });
    const forged = await idToken({
      kid: previous.kid,
      privateJwk: await exportJWK(other.privateKey),
    });
    const refused = await me(forged);
    expect(refused.status).toBe(401);
    expect(refused.setCookie.join('\n')).toMatch(/drover_session=;/);
  });
});
