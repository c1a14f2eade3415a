// The dashboard's sign-in when the coordinator serves HTTPS itself (issue 22): in Chromium
// (trusting the test certificate) against a real oidc-provider, the session cookie is Secure and
// named __Host-drover_session, and the pending-login cookie likewise.
import { get } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TLS } from '../harness';
import { startOidcCoordinator, type OidcCoordinator } from '../oidc/oidc-setup';
import { launchChromium } from './browser';

const WAIT = { timeout: 15_000 };

let env: OidcCoordinator;
let browser: Browser;
let base: string;

beforeAll(async () => {
  env = await startOidcCoordinator(
    (idp, dataDir) => {
      const secretFile = join(dataDir, 'dashboard-client.secret');
      writeFileSync(secretFile, idp.dashboard.clientSecret, { mode: 0o600 });
      return {
        groups: { 'ci-admins': { ci: ['admin'] } },
        dashboard: { clientId: idp.dashboard.clientId, clientSecretFile: secretFile },
      };
    },
    { tlsCertFile: TEST_TLS.certFile, tlsKeyFile: TEST_TLS.keyFile },
  );
  base = `https://${env.coord.httpAddress}`;
  env.idp.setDashboardRedirectUris([`${base}/auth/callback`]);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('dashboard sign-in over HTTPS', () => {
  it('starts the sign-in with a Secure __Host- pending-login cookie', async () => {
    const ca = readFileSync(TEST_TLS.certFile);
    const res = await new Promise<{ status: number; cookies: string[]; location: string }>(
      (resolve, reject) => {
        get(`${base}/auth/login`, { ca }, (r) => {
          r.resume();
          resolve({
            status: r.statusCode ?? 0,
            cookies: r.headers['set-cookie'] ?? [],
            location: r.headers.location ?? '',
          });
        }).on('error', reject);
      },
    );
    expect(res.status).toBe(302);
    expect(res.location.startsWith(`${env.idp.issuer}/auth?`)).toBe(true);
    expect(new URL(res.location).searchParams.get('code_challenge_method')).toBe('S256');
    expect(res.cookies).toHaveLength(1);
    expect(res.cookies[0]).toMatch(
      /^__Host-drover_login=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it('signs in and keeps the session in a Secure __Host- cookie', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(base);
      await page.locator('#sso-login').click();
      await page.waitForURL((u) => u.href.startsWith(env.idp.issuer), WAIT);
      await page.locator('input[name=login]').fill('alice@example.com');
      await page.locator('input[name=password]').fill('any');
      await page.locator('button[type=submit]').click();
      await page
        .locator('input[type=hidden][name=prompt][value=consent]')
        .waitFor({ state: 'attached', ...WAIT });
      await page.locator('button[type=submit]').click();
      await expect.poll(() => page.locator('#who').innerText(), WAIT).toBe('alice@example.com');
      // The live socket (wss) takes the cookie too.
      await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('on');
      const cookies = await context.cookies(base);
      expect(cookies.find((c) => c.name === '__Host-drover_session')).toMatchObject({
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
        path: '/',
      });
      expect(cookies.some((c) => c.name === 'drover_session')).toBe(false);
    } finally {
      await context.close();
    }
  });
});
