// The fleet page in a real browser (Debian's chromium driven by playwright-core): a burst of 200
// tasks on a real bot shows in the pending chart as a rise and a fall, its axes follow the UTC /
// local time toggle, and the history is still there after a coordinator restart. The coordinator
// samples every 200 ms (fleetSampleMs) instead of 10 s; screenshots go to test-output/dashboard/.
import type { TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCoordinatorConfig } from '../../src/config';
import { startCoordinator } from '../../src/coordinator';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startBotProcess, stopProcess, tasksStub, tempDir } from '../harness';
import { apiFetch, baseUrl, submitTask } from './dashboard-client';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const BURST = 200;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bot: ChildProcess;
let clientToken: string;
let browser: Browser;
let page: Page;
let config: ReturnType<typeof compileCoordinatorConfig>;
const log = pino({ level: process.env['DROVER_TEST_LOG'] ?? 'silent' });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  config = compileCoordinatorConfig({
    listen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir: dir.path,
  });
  coord = await startCoordinator(config, { log, fleetSampleMs: 200 });
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'burst-bot', ['--pool', 'burst']);
  browser = await launchChromium();
  // A time zone with a half-hour offset, so that the local-time axis is seen to follow it.
  page = await browser.newPage({
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Asia/Kolkata',
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopProcess(bot);
  tasks?.close();
  await coord?.close();
  dir?.remove();
});

/** The values of a chart's line on the page, for pool `burst`. */
async function chartValues(chart: string, series: string): Promise<number[]> {
  const line = page.locator(
    `section[data-pool="burst"] svg[data-chart="${chart}"] polyline[data-series="${series}"]`,
  );
  if ((await line.count()) === 0) return [];
  const raw = (await line.getAttribute('data-values')) ?? '';
  return raw === '' ? [] : raw.split(',').map(Number);
}

describe('fleet page in a browser', () => {
  it('shows a burst of 200 tasks as a rise and fall of pending tasks', async () => {
    await page.goto(baseUrl(coord));
    await page.locator('#token').fill(clientToken);
    await page.locator('#login button[type=submit]').click();
    await page.locator('#nav a[href="#/fleet"]').click();
    await page.locator('section[data-pool="burst"] svg[data-chart="bots"]').waitFor();
    expect(await chartValues('bots', 'idle')).toContain(1);

    await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        submitTask(tasks, clientToken, { name: `burst ${i}`, pool: 'burst', command: ['true'] }),
      ),
    );
    // The rise: most of the burst waits at some sample.
    await expect
      .poll(async () => Math.max(0, ...(await chartValues('pending', 'pending'))), {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(BURST / 2);
    // The fall: back to zero once the bot ran them all, and the throughput chart saw them end.
    await expect
      .poll(async () => (await chartValues('pending', 'pending')).at(-1), { timeout: 120_000 })
      .toBe(0);
    const pending = await chartValues('pending', 'pending');
    const peak = pending.indexOf(Math.max(...pending));
    expect(peak).toBeGreaterThan(0);
    expect(pending.slice(peak).at(-1)).toBe(0);
    expect(Math.max(...(await chartValues('throughput', 'ended')))).toBeGreaterThan(0);
    // Axes are labelled, times in UTC; the header's toggle puts them in local time.
    const chart = page.locator('section[data-pool="burst"] svg[data-chart="pending"]');
    expect(await chart.locator('text.axis-title').allTextContents()).toContain('time (UTC)');
    // Tick labels (HH:MM or HH:MM:SS) on a clock `offsetMin` ahead of UTC, as minutes of the
    // UTC day; each must fall within the last hour (the history is minutes old).
    const ticksInLastHour = async (offsetMin: number) => {
      const labels = (await chart.locator('text.tick').allTextContents()).filter((t) =>
        t.includes(':'),
      );
      expect(labels.length).toBeGreaterThan(0);
      const nowMin = (Date.now() / 60_000) % 1440;
      return labels.every((t) => {
        const [h = 0, m = 0] = t.split(':').map(Number);
        const utcMin = (h * 60 + m - offsetMin + 2880) % 1440;
        const behind = (nowMin - utcMin + 1440) % 1440;
        return behind <= 61 || behind >= 1439;
      });
    };
    expect(await ticksInLastHour(0)).toBe(true);
    await page.locator('#timefmt').click();
    // The page's time zone is Asia/Kolkata (UTC+05:30, set below): the axis says so and its
    // labels are that clock's.
    await expect
      .poll(async () => chart.locator('text.axis-title').allTextContents(), {
        timeout: 15_000,
      })
      .toContain('time (local, UTC+05:30)');
    expect(await ticksInLastHour(330)).toBe(true);
    expect(await ticksInLastHour(0)).toBe(false);
    await page.locator('#timefmt').click();
    await expect
      .poll(async () => chart.locator('text.axis-title').allTextContents(), {
        timeout: 15_000,
      })
      .toContain('time (UTC)');

    const api = await apiFetch(coord, '/api/fleet/history?range=hour', clientToken);
    expect(api.status).toBe(200);
    expect(api.body.range).toBe('hour');
    expect(api.body.step_seconds).toBe(0.2);
    const sample = api.body.samples.at(-1);
    expect(sample.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(sample.pools.find((p: { pool: string }) => p.pool === 'burst')).toMatchObject({
      pending: 0,
      dead: 0,
    });
    expect((await apiFetch(coord, '/api/fleet/history?range=week', clientToken)).status).toBe(400);
    expect((await apiFetch(coord, '/api/fleet/history', undefined)).status).toBe(401);
    await page.screenshot({ path: join(SHOTS, 'fleet.png'), fullPage: true });
    // The day range: 5-minute means (one so far), its own page.
    await page.locator('a[href="#/fleet/day"]').click();
    // The hour range's chart is there until the day's replaces it: wait for the day's values.
    await expect
      .poll(async () => (await chartValues('pending', 'pending')).length, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const day = await chartValues('pending', 'pending');
    // A lone 5-minute mean is drawn as a dot (a line needs two points).
    if (day.length === 1) {
      expect(
        await page.locator('section[data-pool="burst"] svg[data-chart="pending"] circle').count(),
      ).toBe(1);
    }
    await page.screenshot({ path: join(SHOTS, 'fleet-day.png'), fullPage: true });

    // A coordinator restart keeps the history (its samples are in the store): the burst is still
    // drawn after it, next to the samples taken since.
    const history = async () =>
      (await apiFetch(coord, '/api/fleet/history?range=hour', clientToken)).body.samples.map(
        (x: { ts: string }) => x.ts,
      );
    const before = await history();
    await stopProcess(bot);
    tasks.close();
    await coord.close();
    coord = await startCoordinator(config, { log, fleetSampleMs: 200 });
    tasks = tasksStub(coord.grpcAddress);
    await expect
      .poll(async () => (await history()).length, { timeout: 15_000 })
      .toBeGreaterThan(before.length);
    expect(await history()).toEqual(expect.arrayContaining(before));
    await page.goto(baseUrl(coord));
    await page.locator('#token').fill(clientToken);
    await page.locator('#login button[type=submit]').click();
    await page.locator('#nav a[href="#/fleet"]').click();
    await page.locator('section[data-pool="burst"] svg[data-chart="pending"]').waitFor();
    expect(Math.max(...(await chartValues('pending', 'pending')))).toBeGreaterThanOrEqual(
      BURST / 2,
    );
    await page.screenshot({ path: join(SHOTS, 'fleet-after-restart.png'), fullPage: true });
  }, 180_000);
});
