// The bot page in a real browser (Debian's chromium driven by playwright-core) against a real
// coordinator and real bot processes: a bot's dimensions, events and the tasks it ran, its id a
// link from the bots list; a killed bot shown as disconnected, then dead once the death timeout
// has passed on the coordinator's settable clock, and its task BOT_DIED with the run time from its
// start to its recorded end. Screenshots go to test-output/dashboard/.
import type { TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import {
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from '../harness';
import { apiFetch, baseUrl, submitTask } from './dashboard-client';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const WAIT = { timeout: 15_000 };
/** The coordinator's death timeout: a silent bot is dead this long after it was last seen. */
const DEATH_SECS = 600;
/** A silent bot's running task is BOT_DIED after this long (real time: the stream's watch). */
const PING_TOLERANCE_SECS = 2;
/** What the test moved the coordinator's clock on by. */
let skewMs = 0;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bot: ChildProcess;
let doomed: ChildProcess | undefined;
let clientToken: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  coord = await startTestCoordinator(
    dir.path,
    { botDeathTimeoutSecs: DEATH_SECS, botPingToleranceSecs: PING_TOLERANCE_SECS },
    () => Date.now() + skewMs,
  );
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'page-bot', [
    '--pool',
    'default',
    '--dimension',
    'flavor=bot-page',
  ]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(baseUrl(coord));
  await page.locator('#token').fill(clientToken);
  await page.locator('#login button[type=submit]').click();
  await page.locator('#bots').waitFor(WAIT);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopProcess(doomed);
  await stopProcess(bot);
  tasks?.close();
  await coord?.close();
  dir?.remove();
});

async function finished(taskId: string): Promise<void> {
  await expect
    .poll(async () => (await apiFetch(coord, `/api/tasks/${taskId}`, clientToken)).body.state, WAIT)
    .toBe('COMPLETED');
}

describe('bot page in a browser', () => {
  it('links a bot from the list to its page: dimensions, events and the tasks it ran', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'ran on page-bot',
      command: ['true'],
      dimensions: [{ key: 'flavor', value: 'bot-page' }],
    });
    await finished(taskId);
    await page.goto(`${baseUrl(coord)}/#/bots`);
    const link = page.locator('#bots tr[data-bot="page-bot"] a.bot-link');
    await link.waitFor(WAIT);
    await link.click();
    await expect.poll(() => page.url(), WAIT).toContain('#/bots/page-bot');
    const dims = page.locator('#bot-dimensions');
    await expect.poll(() => dims.innerText(), WAIT).toContain('bot-page');
    expect(await dims.innerText()).toMatch(/pool\s+default/);
    expect(await page.locator('#bot-status').innerText()).toBe('alive');
    const facts = page.locator('#bot-facts');
    expect(await facts.innerText()).toContain('now (connected)');
    expect(await page.locator('#bot-facts tr[data-fact="Version"] td').innerText()).not.toBe('');
    await page.locator('#bot-events tbody tr').first().waitFor(WAIT);
    expect(await page.locator('#bot-events').innerText()).toContain('connected');
    const ran = page.locator(`#bot-tasks tr[data-task="${taskId}"]`);
    await ran.waitFor(WAIT);
    expect(await ran.innerText()).toContain('ran on page-bot');
    await page.screenshot({ path: join(SHOTS, 'bot.png'), fullPage: true });
    await ran.locator('a').click();
    await expect.poll(() => page.url(), WAIT).toContain(`#/task/${taskId}`);
  });

  it('shows a killed bot as disconnected, then dead after the death timeout, never alive; its task ran until it died', async () => {
    doomed = await startBotProcess(coord, dir.path, 'doomed-bot', [
      '--pool',
      'default',
      '--dimension',
      'flavor=doomed',
    ]);
    const taskId = await submitTask(tasks, clientToken, {
      name: 'dies with its bot',
      command: ['sleep', '30'],
      dimensions: [{ key: 'flavor', value: 'doomed' }],
    });
    const result = async () => (await apiFetch(coord, `/api/tasks/${taskId}`, clientToken)).body;
    await expect.poll(async () => (await result()).state, WAIT).toBe('RUNNING');
    await page.goto(`${baseUrl(coord)}/#/bots/doomed-bot`);
    const status = page.locator('#bot-status');
    await expect.poll(() => status.innerText(), WAIT).toBe('alive');
    await stopProcess(doomed);
    // The coordinator notices the closed stream and the page is told live.
    await expect.poll(() => status.innerText(), WAIT).toBe('disconnected');
    await page.goto(`${baseUrl(coord)}/#/bots`);
    const row = page.locator('#bots tr[data-bot="doomed-bot"]');
    await row.waitFor(WAIT);
    expect(await row.innerText()).toContain('disconnected');
    expect(await row.innerText()).not.toContain('alive');
    // Silent past its ping tolerance: its task is BOT_DIED, ended when the coordinator said so.
    await expect.poll(async () => (await result()).state, WAIT).toBe('BOT_DIED');
    const died = await result();
    const ranMs = Date.parse(died.abandoned_ts ?? died.completed_ts) - Date.parse(died.started_ts);
    expect(ranMs).toBeGreaterThan(1000);
    const ranText = `${(ranMs / 1000).toFixed(1)} s`;

    // The death timeout passes on the coordinator's clock: dead, in the list and on its page.
    skewMs += (DEATH_SECS + 1) * 1000;
    await expect
      .poll(async () => {
        await page.reload();
        await row.waitFor(WAIT);
        return row.innerText();
      }, WAIT)
      .toContain('dead');
    expect(await row.innerText()).not.toContain('alive');
    await page.screenshot({ path: join(SHOTS, 'bots-dead.png'), fullPage: true });
    await page.goto(`${baseUrl(coord)}/#/bots/doomed-bot`);
    await expect.poll(() => status.innerText(), WAIT).toBe('dead');
    await page.locator('#bot-events tbody tr').first().waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'bot-dead.png'), fullPage: true });

    // Its task ran from its start to its recorded end, in the list and on its page (not 0 s,
    // and not counting the clock moved on afterwards).
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    const taskRow = page.locator(`#tasks tr[data-task="${taskId}"]`);
    await taskRow.waitFor(WAIT);
    expect(await taskRow.locator('[data-outcome]').innerText()).toBe('bot died');
    expect(await taskRow.locator('td:nth-child(7)').innerText()).toBe(ranText);
    await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
    const ran = page.locator('#timeline [data-k="ran for"]');
    await ran.waitFor(WAIT);
    expect(await ran.innerText()).toContain(ranText);
    await page.screenshot({ path: join(SHOTS, 'task-bot-died.png'), fullPage: true });
  });

  it("filters the bots list with the CLI's key=value dimensions", async () => {
    await page.goto(`${baseUrl(coord)}/#/bots`);
    await page.locator('#bots tr[data-bot="page-bot"]').waitFor(WAIT);
    await page.locator('input[name=dims]').fill('flavor=bot-page');
    await page.locator('form.filters button[type=submit]').click();
    await expect
      .poll(
        () =>
          page
            .locator('#bots tbody tr')
            .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-bot'))),
        WAIT,
      )
      .toEqual(['page-bot']);
    expect(await page.locator('#message').isHidden()).toBe(true);
  });
});
