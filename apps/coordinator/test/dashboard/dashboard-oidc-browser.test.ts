// Signing in to the dashboard with the company's identity provider (issue 22), in a real browser
// (Debian's chromium driven by playwright-core) against a real OpenID provider (oidc-provider on
// loopback) and a real coordinator: the redirect, the provider's sign-in and consent forms, back
// on the dashboard as alice (ci-admins) who cancels a task in pool ci from its page; bob
// (ci-viewers) sees the task but may not cancel it; logging out clears the session, so a reload
// asks to sign in again. Cross-site requests with the session cookie are refused. Screenshots go to
// test-output/dashboard/.
import type { NewTaskResponseOut, TasksClient } from '@drover/protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, tasksStub } from '../harness';
import {
  startOidcCoordinator,
  type OidcCoordinator,
  type OidcTestProvider,
} from '../oidc/oidc-setup';
import { baseUrl } from './dashboard-client';
import { launchChromium } from './browser';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const WAIT = { timeout: 15_000 };

let env: OidcCoordinator;
let idp: OidcTestProvider;
let coord: RunningCoordinator;
let tasks: TasksClient;
let adminToken: string;
let browser: Browser;
/** The coordinator's clock runs this far ahead of the real one (an expired session). */
let aheadMs = 0;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await startOidcCoordinator(
    (provider, dataDir) => {
      const secretFile = join(dataDir, 'dashboard-client.secret');
      writeFileSync(secretFile, `${provider.dashboard.clientSecret}\n`, { mode: 0o600 });
      return {
        groups: { 'ci-admins': { ci: ['admin'] }, 'ci-viewers': { ci: ['view'] } },
        dashboard: { clientId: provider.dashboard.clientId, clientSecretFile: secretFile },
        cli: { clientId: provider.cli.clientId },
      };
    },
    {},
    () => Date.now() + aheadMs,
  );
  ({ idp, coord } = env);
  idp.setDashboardRedirectUris([`${baseUrl(coord)}/auth/callback`]);
  tasks = tasksStub(coord.grpcAddress);
  adminToken = readToken(env.dir.path, 'client');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  tasks?.close();
  await env?.close();
});

let seq = 0;
/** A task in pool ci that stays PENDING (no bot there), submitted with the admin token. */
async function pendingTaskInCi(): Promise<string> {
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          name: `waits-${++seq}`,
          task_slices: [
            {
              properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'ci' }] },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(adminToken),
  );
  return res.task_id;
}

/** Signs in through the provider's development forms as `email`, from the dashboard's button. */
async function signIn(page: Page, email: string, shot?: string): Promise<void> {
  await page.goto(baseUrl(coord));
  const button = page.locator('#sso-login');
  await button.waitFor(WAIT);
  expect(await page.locator('#sso-issuer').innerText()).toBe(idp.issuer);
  if (shot !== undefined) await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  await button.click();
  // The provider's login form (any password), then its consent form.
  await page.waitForURL((u) => u.href.startsWith(idp.issuer), WAIT);
  await page.locator('input[name=login]').fill(email);
  await page.locator('input[name=password]').fill('any');
  await page.locator('button[type=submit]').click();
  await page.locator('input[type=hidden][name=prompt][value=consent]').waitFor({
    state: 'attached',
    ...WAIT,
  });
  await page.locator('button[type=submit]').click();
  await page.waitForURL((u) => u.href.startsWith(baseUrl(coord)), WAIT);
  await expect.poll(() => page.locator('#who').innerText(), WAIT).toBe(email);
}

async function sessionCookie(context: BrowserContext): Promise<string> {
  const c = (await context.cookies(baseUrl(coord))).find((k) => k.name === 'drover_session');
  if (c === undefined) throw new Error('no session cookie');
  return c.value;
}

describe('dashboard sign-in with the identity provider', () => {
  let alice: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    alice = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await alice.newPage();
  });

  afterAll(async () => {
    await alice?.close();
  });

  it('sends the browser to the provider and back, signed in as alice with an HttpOnly cookie', async () => {
    await signIn(page, 'alice@example.com', 'oidc-login.png');
    const cookie = (await alice.cookies(baseUrl(coord))).find((k) => k.name === 'drover_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // The page holds no token of its own: the session is the cookie.
    expect(await page.evaluate("sessionStorage.getItem('drover.token')")).toBeNull();
    expect(await page.evaluate<string>('document.cookie')).not.toContain('drover_session');
    await page.locator('#bots').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'oidc-signed-in.png'), fullPage: true });
  });

  it('lets alice (ci-admins) cancel a task in pool ci from its page', async () => {
    const taskId = await pendingTaskInCi();
    await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
    await page.locator('h2 [data-state="PENDING"]').waitFor(WAIT);
    await page.locator('#cancel').click();
    await page.locator('h2 [data-state="CANCELED"]').waitFor(WAIT);
    expect(await page.locator('main').innerText()).toContain('alice@example.com');
    await page.screenshot({ path: join(SHOTS, 'oidc-alice-canceled.png'), fullPage: true });
  });

  it('refuses a state change carrying the session cookie from another site', async () => {
    const taskId = await pendingTaskInCi();
    const jwt = await sessionCookie(alice);
    const cancel = (headers: Record<string, string>) =>
      fetch(`${baseUrl(coord)}/api/tasks/${taskId}/cancel`, {
        method: 'POST',
        headers: {
          cookie: `drover_session=${jwt}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: '{}',
      });
    // A form posted from another site: its Origin, no custom header.
    expect((await cancel({ origin: 'https://evil.example' })).status).toBe(403);
    // No Origin and no custom header either.
    expect((await cancel({})).status).toBe(403);
    const state = await call<{ state: string }>(
      (md, cb) => tasks.GetResult({ task_id: taskId }, md, cb),
      bearer(adminToken),
    );
    expect(state.state).toBe('PENDING');
    // The dashboard's own request (same origin, the custom header) goes through.
    const ok = await cancel({ origin: baseUrl(coord), 'x-drover-request': '1' });
    expect(ok.status).toBe(200);
  });

  it("takes the session cookie on the live socket, only from the dashboard's own origin", async () => {
    await page.goto(baseUrl(coord));
    await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('on');
    const jwt = await sessionCookie(alice);
    const attempt = (origin: string) =>
      new Promise<{ ready: boolean; code?: number }>((resolve, reject) => {
        const ws = new WebSocket(`ws://${coord.httpAddress}/ws`, {
          headers: { cookie: `drover_session=${jwt}`, origin },
        });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: '' })));
        ws.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type !== 'ready') return;
          resolve({ ready: true });
          ws.close();
        });
        ws.on('close', (code) => resolve({ ready: false, code }));
        ws.on('error', reject);
      });
    // Another site's page opening the socket in alice's browser: the cookie counts for nothing.
    expect(await attempt('https://evil.example')).toEqual({ ready: false, code: 4401 });
    expect(await attempt(baseUrl(coord))).toEqual({ ready: true });
  });

  it('logs out: the session cookie is gone and a reload asks to sign in again', async () => {
    await page.goto(baseUrl(coord));
    await page.locator('#logout').click();
    await page.locator('#login').waitFor(WAIT);
    await page.locator('#provider-logout').waitFor(WAIT);
    expect(await page.locator('#end-session').getAttribute('href')).toContain(idp.issuer);
    await expect
      .poll(
        async () => (await alice.cookies(baseUrl(coord))).some((c) => c.name === 'drover_session'),
        WAIT,
      )
      .toBe(false);
    await page.screenshot({ path: join(SHOTS, 'oidc-logged-out.png'), fullPage: true });
    await page.reload();
    await page.locator('#sso-login').waitFor(WAIT);
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#nav').isVisible()).toBe(false);
    expect(await page.locator('#who').innerText()).toBe('');
  });
});

describe('a viewer signed in with the identity provider', () => {
  it('lets bob (ci-viewers) see a task in pool ci but not cancel it', async () => {
    const bob = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await bob.newPage();
      await signIn(page, 'bob@example.com');
      const taskId = await pendingTaskInCi();
      await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
      await page.locator('h2 [data-state="PENDING"]').waitFor(WAIT);
      expect(await page.locator('#cancel').count()).toBe(0);
      // Asked all the same (as the page would), the coordinator refuses.
      const answer = await page.evaluate(async (id) => {
        const res = await fetch(`/api/tasks/${id}/cancel`, {
          method: 'POST',
          headers: { 'x-drover-request': '1', 'content-type': 'application/json' },
          body: '{}',
        });
        return { status: res.status, body: await res.json() };
      }, taskId);
      expect(answer.status).toBe(403);
      await page.screenshot({ path: join(SHOTS, 'oidc-bob-view-only.png'), fullPage: true });
      const state = await call<{ state: string }>(
        (md, cb) => tasks.GetResult({ task_id: taskId }, md, cb),
        bearer(adminToken),
      );
      expect(state.state).toBe('PENDING');
    } finally {
      await bob.close();
    }
  });
});

describe('an expired session', () => {
  it('sends the page back to sign-in and drops the cookie', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await signIn(page, 'alice@example.com');
      await page.locator('#bots').waitFor(WAIT);
      // Past the ID token's expiry (an hour): the coordinator refuses it from now on.
      aheadMs = 2 * 3600_000;
      // On to the tasks page by its address: its requests are refused. The bots page's own
      // requests (its loads, again when the live socket is ready) may still be on their way and
      // get there first, taking the page back to sign-in already: a click on the navigation,
      // hidden then, would wait for ever.
      await page.evaluate("location.hash = '#/tasks'");
      await page.locator('#sso-login').waitFor(WAIT);
      expect(await page.locator('#message').innerText()).toContain('session has ended');
      expect((await context.cookies(baseUrl(coord))).some((c) => c.name === 'drover_session')).toBe(
        false,
      );
      await page.screenshot({ path: join(SHOTS, 'oidc-session-expired.png'), fullPage: true });
    } finally {
      aheadMs = 0;
      await context.close();
    }
  });
});

describe('the sign-in endpoints', () => {
  it('tell anyone, without a token, where people sign in', async () => {
    const res = await fetch(`${baseUrl(coord)}/api/auth/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      oidc: [
        {
          issuer: idp.issuer,
          cli_client_id: idp.cli.clientId,
          scopes: ['openid', 'email', 'profile', 'groups'],
          dashboard_login: true,
        },
      ],
    });
  });

  it('refuse a callback that no sign-in in this browser started (login CSRF), on a strict page', async () => {
    const res = await fetch(`${baseUrl(coord)}/auth/callback?code=stolen&state=forged`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    // No session is set; the pending-login cookie is cleared.
    expect(res.headers.getSetCookie().join('\n')).not.toMatch(/drover_session=[^;]/);
    expect(await res.text()).toContain('no sign-in was started here');
  });
});
