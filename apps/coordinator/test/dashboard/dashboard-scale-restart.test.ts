// The dashboard in a real browser at fleet scale and across a coordinator restart: 10,000 bots and
// 100,000 tasks are shown a page at a time with their totals, and an open page reconnects by
// itself when the coordinator comes back on the same port, then shows what happens next.
import { createTask, propertiesHash, type TaskProperties } from '@drover/state';
import type { TasksClient } from '@drover/protocol';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { baseUrl, submitTask } from './dashboard-client';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const WAIT = { timeout: 20_000 };
const BOTS = 10_000;
const TASKS = 100_000;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let clientToken: string;
let browser: Browser;
let page: Page;

/** Writes bots and finished tasks straight into the coordinator's store (fast, no dispatch). */
async function seed(store: RunningCoordinator['store']): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < BOTS; i++) {
    const id = `scale-bot-${String(i).padStart(5, '0')}`;
    await store.upsertBot({
      id,
      dimensions: [
        { key: 'id', values: [id] },
        { key: 'pool', values: [i % 2 === 0 ? 'default' : 'gpu'] },
      ],
      version: 'v1',
      firstSeenMs: now,
      lastSeenMs: now,
      state: {},
      sessionId: '',
      connected: false,
    });
  }
  const properties: TaskProperties = {
    command: ['true'],
    env: [],
    envPrefixes: [],
    relativeCwd: '',
    dimensions: [{ key: 'pool', value: 'default' }],
    executionTimeoutSecs: 60,
    ioTimeoutSecs: 0,
    gracePeriodSecs: 30,
    idempotent: false,
  };
  const slice = {
    properties,
    propertiesHash: propertiesHash(properties),
    expirationSecs: 60,
    waitForCapacity: false,
  };
  const { task } = createTask({
    id: 'scale-task-seed',
    spec: {
      name: 'seeded',
      priority: 100,
      // The automatic tags a submitted task gets (the page reads the pool from `pool:`).
      tags: ['seeded:yes', 'pool:default', 'user:seed', 'name:seeded', 'priority:100'],
      user: 'seed',
      authenticated: 'seed',
      requestUuid: '',
      parentTaskId: '',
      slices: [slice],
    },
    nowMs: now - TASKS - 1,
    capacity: [false],
  });
  await store.insertTask(task);
  cloneTask(task.id, TASKS);
}

/**
 * Copies a stored task `count` times in one SQLite transaction (ids scale-task-000000…, one ms
 * apart, newest last): a hundred thousand inserts through the store would take most of a minute.
 */
function cloneTask(sourceId: string, count: number): void {
  const db = new Database(join(dir.path, 'drover.sqlite'));
  try {
    const columns = (db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map(
      (c) => c.name,
    );
    const select = columns.map((c) =>
      c === 'id'
        ? `printf('scale-task-%06d', n.i)`
        : c === 'created_ms' || c === 'modified_ms'
          ? `${c} + 1 + n.i`
          : c,
    );
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
      INSERT INTO tasks (${columns.join(', ')})
      SELECT ${select.join(', ')} FROM tasks, n WHERE tasks.id = '${sourceId}'`);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  await seed(coord.store);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(baseUrl(coord));
  await page.locator('#token').fill(clientToken);
  await page.locator('#login button[type=submit]').click();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  tasks?.close();
  await coord?.close();
  dir?.remove();
});

describe('the dashboard at scale and across a restart', () => {
  it('shows 10,000 bots a page at a time, with the total and counts per pool', async () => {
    await page.goto(`${baseUrl(coord)}/#/bots`);
    await page.locator('tr[data-bot="scale-bot-00000"]').waitFor(WAIT);
    expect(await page.locator('tr[data-bot]').count()).toBeLessThanOrEqual(100);
    await expect.poll(() => page.locator('.pager').first().innerText(), WAIT).toContain('10000');
    expect(await page.locator('#bot-counts').innerText()).toMatch(/gpu/);
    await page.screenshot({ path: join(SHOTS, 'bots-10k.png') });
  });

  it('shows 100,000 tasks a page at a time, newest first, and pages on', async () => {
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    const newest = page.locator(`tr[data-task="scale-task-${String(TASKS - 1).padStart(6, '0')}"]`);
    await newest.waitFor(WAIT);
    expect(await page.locator('tr[data-task]').count()).toBeLessThanOrEqual(100);
    expect(await newest.locator('td').nth(2).innerText()).toBe('default');
    await page.locator('.pager button', { hasText: 'Older' }).click(WAIT);
    await page.locator('.pager', { hasText: 'page 2' }).waitFor(WAIT);
    expect(await newest.count()).toBe(0);
    expect(await page.locator('tr[data-task]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'tasks-100k.png') });
  });

  it('reconnects by itself after a coordinator restart and shows a task submitted after it', async () => {
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    await page.reload(); // back to the first page of tasks, where new ones appear
    await page.locator('.pager', { hasText: 'page 1' }).waitFor(WAIT);
    await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('on');
    const httpListen = coord.httpAddress;
    tasks.close();
    await coord.close();
    await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('off');

    // Back on, the page loads its list again; an answer read before the task was stored but
    // arriving after its live update would draw the list without it, so the task comes after.
    const reloaded = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/tasks' && r.ok(),
      { timeout: 40_000 }, // the restart and the socket's backoff included
    );
    coord = await startTestCoordinator(dir.path, { httpListen });
    tasks = tasksStub(coord.grpcAddress);
    await expect.poll(() => page.locator('#live').getAttribute('class'), WAIT).toContain('on');
    await reloaded;
    const id = await submitTask(tasks, clientToken, {
      name: 'after the restart',
      dimensions: [{ key: 'gpu', value: 'none-here' }],
      waitForCapacity: true,
    });
    await page.locator(`tr[data-task="${id}"]`).waitFor(WAIT);
    expect(await page.locator(`tr[data-task="${id}"]`).innerText()).toContain('after the restart');
  }, 60_000);
});
