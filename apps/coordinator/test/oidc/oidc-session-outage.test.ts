// A dashboard session outlives an identity provider that is out of reach (issue 22): when the
// coordinator cannot fetch the keys a session's ID token needs (the provider rotated its key and
// is down), the request is refused but the session cookie is kept, so the person is back once
// the provider answers instead of being signed out by its outage (its address refusing
// connections, or its key set answering an error); a session the coordinator refuses for the token
// itself (a forged signature) is cleared as before.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardMe, signIdToken, startOidcCoordinator, type OidcCoordinator } from './oidc-setup';

let env: OidcCoordinator;

beforeAll(async () => {
  env = await startOidcCoordinator((idp) => ({
    audience: [idp.dashboard.clientId],
    groups: { 'ci-admins': { ci: ['admin'] } },
    dashboard: { clientId: idp.dashboard.clientId },
    jwksCooldown: 0,
  }));
  // The coordinator has the provider's keys (a session of the current key is accepted).
  const ok = await me(await idToken(env.idp.signingKey()));
  expect(ok.status).toBe(200);
});

afterAll(async () => {
  await env.close();
});

/** alice's dashboard ID token signed with `key`. */
function idToken(key: { kid: string; privateJwk: JWK }): Promise<string> {
  return signIdToken(env.idp, { aud: env.idp.dashboard.clientId }, { key });
}

const me = (jwt: string) => dashboardMe(env, jwt);

describe('a dashboard session while the identity provider is away', () => {
  it('keeps the cookie of a session whose keys the provider answers with an error, and lets it in after', async () => {
    const session = await idToken(await env.idp.rotateKeys());
    env.idp.failKeySet(true);
    try {
      const failing = await me(session);
      expect(failing.status).toBe(401);
      expect(failing.setCookie.join('\n')).not.toMatch(/drover_session=;/);
    } finally {
      env.idp.failKeySet(false);
    }
    // Asked again (the page reloaded) once the provider answers: in, within the few seconds an
    // unreachable issuer's refusal is kept.
    const deadline = Date.now() + 20_000;
    let last = await me(session);
    while (last.status !== 200 && Date.now() < deadline) {
      expect(last.setCookie.join('\n')).not.toMatch(/drover_session=;/);
      await new Promise((r) => setTimeout(r, 250));
      last = await me(session);
    }
    expect(last.status).toBe(200);
  });

  it('keeps the cookie of a session that cannot be verified now, clears a forged one', async () => {
    // The provider signs with a new key, then goes away before the coordinator has it.
    const previous = env.idp.signingKey();
    const rotated = await env.idp.rotateKeys();
    const session = await idToken(rotated);
    await env.idp.stop();

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
