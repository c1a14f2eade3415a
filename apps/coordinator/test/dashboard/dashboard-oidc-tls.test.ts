// The dashboard's sign-in when the coordinator serves HTTPS itself (issue 22): in Chromium
// (trusting the test certificate) against a real oidc-provider, the session cookie is Secure and
// named __Host-drover_session, and the pending-login cookie likewise.
import { get } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
/* eslint-disable @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests */
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
/* eslint-enable @nx/enforce-module-boundaries */
import { TEST_TLS, startTestCoordinator, tempDir } from '../harness';

const CHROMIUM = process.env['DROVER_CHROMIUM'] ?? '/usr/lib/chromium/chromium';
const WAIT = { timeout: 15_000 };

let idp: OidcTestProvider;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let browser: Browser;
let base: string;

beforeAll(async () => {
  idp = await startOidcTestProvider();
  dir = tempDir();
  const secretFile = join(dir.path, 'dashboard-client.secret');
  writeFileSync(secretFile, idp.dashboard.clientSecret, { mode: 0o600 });
  coord = await startTestCoordinator(dir.path, {
    tlsCertFile: TEST_TLS.certFile,
    tlsKeyFile: TEST_TLS.keyFile,
    oidc: [
      {
        issuer: idp.issuer,
        groups: { 'ci-admins': { ci: ['admin'] } },
        dashboard: { clientId: idp.dashboard.clientId, clientSecretFile: secretFile },
      },
    ],
  });
  base = `https://${coord.httpAddress}`;
  idp.setDashboardRedirectUris([`${base}/auth/callback`]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await coord?.close();
  dir?.remove();
  await idp?.stop();
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
    expect(res.location.startsWith(`${idp.issuer}/auth?`)).toBe(true);
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
      await page.waitForURL((u) => u.href.startsWith(idp.issuer), WAIT);
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
