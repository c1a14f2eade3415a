// The audit page (#/audit) in a real browser (Debian's chromium driven by playwright-core) against
// a real coordinator: admins see who did what, from where, with what result, filtered through the
// URL; a pool admin sees their pool's entries; others get no link and are refused. The task page
// says who cancelled the task. Screenshots go to test-output/dashboard/.
import * as grpc from '@grpc/grpc-js';
import type { TasksClient } from '@drover/protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { apiFetch, baseUrl, submitTask } from './dashboard-client';
import { countAnswersRead, latch, launchChromium } from './browser';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const WAIT = { timeout: 15_000 };

type Who = 'admin' | 'pool-admin' | 'viewer' | 'submitter';
const token = (who: Who) => `drv_test_${who}`;
const TOKENS_YAML = `version: 2
principals:
  - { name: admin, sha256: ${hashToken(token('admin'))}, admin: true }
  - { name: pool-admin, sha256: ${hashToken(token('pool-admin'))}, roles: { a: [admin] } }
  - { name: viewer, sha256: ${hashToken(token('viewer'))}, roles: { a: [view], b: [view] } }
  - { name: submitter, sha256: ${hashToken(token('submitter'))}, roles: { a: [submit], b: [submit, cancel] } }
`;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let browser: Browser;
let taskA = '';
let taskB = '';
const contexts: BrowserContext[] = [];
/** What the browser's console said about the Content Security Policy (nothing, if it holds). */
const cspViolations: string[] = [];

/** A page logged in with `who`'s token, at the bots page; `prepare` runs before it loads. */
async function loggedIn(who: Who, prepare?: (page: Page) => Promise<void>): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await prepare?.(page);
  await page.goto(baseUrl(coord));
  await page.locator('#token').fill(token(who));
  await page.locator('#login button[type=submit]').click();
  await page.locator('#nav').waitFor({ state: 'visible', ...WAIT });
  return page;
}

async function cancel(taskId: string, who: Who): Promise<string> {
  try {
    await call((md, cb) => tasks.CancelTask({ task_id: taskId }, md, cb), bearer(token(who)));
    return 'OK';
  } catch (err) {
    return grpc.status[(err as grpc.ServiceError).code];
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  coord = await startTestCoordinator(dir.path, { tokensFile });
  tasks = tasksStub(coord.grpcAddress);
  const waiting = { dimensions: [{ key: 'os', value: 'none' }], waitForCapacity: true };
  taskA = await submitTask(tasks, token('submitter'), { pool: 'a', name: 'in a', ...waiting });
  taskB = await submitTask(tasks, token('submitter'), { pool: 'b', name: 'in b', ...waiting });
  // Refused, then done: both recorded.
  expect(await cancel(taskA, 'viewer')).toBe('PERMISSION_DENIED');
  expect(await cancel(taskA, 'pool-admin')).toBe('OK');
  expect(await cancel(taskB, 'submitter')).toBe('OK');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  tasks?.close();
  await coord?.close();
  dir?.remove();
});

/** The rows of the audit table as the user reads them: [principal, action, target, result]. */
async function rows(page: Page): Promise<string[][]> {
  return page.locator('#audit tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const td = [...tr.querySelectorAll('td')].map((c) => c.textContent ?? '');
      return [td[1] ?? '', td[3] ?? '', td[4] ?? '', (td[6] ?? '').replace(/:.*/, '')];
    }),
  );
}

describe('the audit page', () => {
  it('shows an admin every cancel, refused or not, newest first, with time and address', async () => {
    const page = await loggedIn('admin');
    const link = page.locator('#nav-audit');
    await link.waitFor({ state: 'visible', ...WAIT });
    await link.click();
    await page.locator('#audit tbody tr[data-action]').first().waitFor(WAIT);
    expect(await rows(page)).toEqual([
      ['submitter', 'tasks.cancel', taskB, 'ok'],
      ['pool-admin', 'tasks.cancel', taskA, 'ok'],
      ['viewer', 'tasks.cancel', taskA, 'PERMISSION_DENIED'],
    ]);
    const first = page.locator('#audit tbody tr').first();
    const cells = await first.locator('td').allInnerTexts();
    // UTC by default (as the CLI); the caller's address as the coordinator saw it.
    expect(cells[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    expect(cells[2]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cells[5]).toBe('b');
    const refused = page.locator('#audit tbody tr').nth(2).locator('td.refused');
    expect(await refused.innerText()).toMatch(/^PERMISSION_DENIED: /);
    await page.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });

    // A filter goes into the URL, and survives a reload.
    await page.locator('input[name=principal]').fill('viewer');
    await page.locator('.filters button[type=submit]').click();
    await expect.poll(() => page.url(), WAIT).toContain('#/audit?principal=viewer');
    await expect
      .poll(() => rows(page), WAIT)
      .toEqual([['viewer', 'tasks.cancel', taskA, 'PERMISSION_DENIED']]);
    await page.reload();
    await expect
      .poll(() => rows(page), WAIT)
      .toEqual([['viewer', 'tasks.cancel', taskA, 'PERMISSION_DENIED']]);
    // The target links to the task, whose page says who cancelled it.
    await page.locator('#audit tbody tr a').first().click();
    await expect.poll(() => page.url(), WAIT).toContain(`#/task/${taskA}`);
    const fields = page.locator('dt:text-is("Cancelled by") + dd');
    await expect.poll(() => fields.innerText(), WAIT).toBe('pool-admin');
  });

  it("shows a pool admin only their pool's entries", async () => {
    const page = await loggedIn('pool-admin');
    await page.locator('#nav-audit').waitFor({ state: 'visible', ...WAIT });
    await page.goto(`${baseUrl(coord)}/#/audit`);
    await page.locator('#audit tbody tr[data-action]').first().waitFor(WAIT);
    expect(await rows(page)).toEqual([
      ['pool-admin', 'tasks.cancel', taskA, 'ok'],
      ['viewer', 'tasks.cancel', taskA, 'PERMISSION_DENIED'],
    ]);
  });

  it('gives others no link, and refuses the page and its API', async () => {
    // The bots page's list requests are held until the audit page has said no: ended or
    // answered for a page the viewer has left, they must not clear what the audit page says.
    const held = latch();
    let holding = 0;
    let failed = 0;
    let botsRead = () => Promise.resolve(0);
    const page = await loggedIn('viewer', async (p) => {
      p.on('requestfailed', (r) => {
        if (new URL(r.url()).pathname === '/api/bots') failed += 1;
      });
      botsRead = await countAnswersRead(p, '/api/bots');
      await p.route(
        (u) => u.pathname === '/api/bots',
        async (r) => {
          holding += 1;
          await held.passed;
          // The page may have dropped the request meanwhile: nothing to answer then.
          await r.continue().catch(() => {});
        },
      );
    });
    expect(await page.locator('#nav-audit').isHidden()).toBe(true);
    // Both of its loads held: the first, and the one when the live socket was ready.
    await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('on');
    await expect.poll(() => holding, WAIT).toBe(2);
    await page.goto(`${baseUrl(coord)}/#/audit`);
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible', ...WAIT });
    expect(await message.innerText()).toMatch(/audit log is for admins/);
    held.open();
    // Each held request ended by the page or its answer read.
    await expect.poll(async () => failed + (await botsRead()), WAIT).toBe(2);
    expect(await message.isVisible()).toBe(true);
    expect(await message.innerText()).toMatch(/audit log is for admins/);
    expect(await page.locator('#audit tbody tr').count()).toBe(0);
    const res = await apiFetch(coord, '/api/audit', token('viewer'));
    expect(res.status).toBe(403);
    expect((await apiFetch(coord, '/api/audit', undefined)).status).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});
