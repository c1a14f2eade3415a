// The task page in a real browser (Debian's chromium driven by playwright-core) against a real
// coordinator and a real bot: ANSI colours and `\r` progress lines rendered as a terminal shows
// them, search in the log, the full log downloaded. Screenshots go to test-output/dashboard/.
import type { TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bot: ChildProcess;
let clientToken: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'page-bot', ['--pool', 'default']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await page.goto(baseUrl(coord));
  await page.locator('#token').fill(clientToken);
  await page.locator('#login button[type=submit]').click();
  await page.locator('#bots tr[data-bot="page-bot"]').waitFor(WAIT);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopProcess(bot);
  tasks?.close();
  await coord?.close();
  dir?.remove();
});

/** Waits until the task page shows the whole output. */
async function openComplete(taskId: string): Promise<void> {
  await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
  // This task's page, not the one before it (a change of hash only: drawn on hashchange).
  await page.locator('#result dd', { hasText: taskId }).first().waitFor(WAIT);
  await expect.poll(() => page.locator('#output-state').innerText(), WAIT).toContain('complete');
}

describe('task page', () => {
  it('renders ANSI colours and a \\r progress bar as a terminal, searches and downloads the log', async () => {
    const script =
      "printf 'plain \\033[31mred\\033[0m \\033[1;32mbold green\\033[0m\\033[2K\\n'; " +
      "for p in 10 50 100; do printf '\\rprogress %3d%%' $p; done; printf '\\ndone\\n'";
    const taskId = await submitTask(tasks, clientToken, {
      name: 'ansi',
      command: ['sh', '-c', script],
    });
    await openComplete(taskId);
    const output = page.locator('#output');
    expect(await output.innerText()).toBe('plain red bold green\nprogress 100%\ndone\n');
    expect(await output.locator('.ansi-fg-31').innerText()).toBe('red');
    const green = output.locator('.ansi-fg-32');
    expect(await green.innerText()).toBe('bold green');
    expect(await green.getAttribute('class')).toContain('ansi-bold');
    // A string: the tests are typed without the DOM's globals.
    const redColour = "getComputedStyle(document.querySelector('#output .ansi-fg-31')).color";
    expect(await page.evaluate(redColour)).toBe('rgb(255, 85, 85)');
    const text = (await output.textContent()) ?? '';
    expect([...text].filter((c) => c !== '\n' && c < ' ')).toEqual([]);

    await page.locator('#log-search').fill('PROGRESS');
    await expect.poll(() => page.locator('#log-hits').innerText(), WAIT).toBe('1 of 1');
    expect(await output.locator('mark.current').innerText()).toBe('progress');
    await page.screenshot({ path: join(SHOTS, 'task-ansi.png'), fullPage: true });

    const raw = await apiFetch(coord, `/api/tasks/${taskId}/log`, clientToken);
    expect(raw.status).toBe(200);
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      page.locator('#log-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${taskId}.log`);
    const saved = readFileSync(await download.path());
    expect(saved.toString('utf8')).toBe(raw.body);
    expect(saved.toString('utf8')).toContain('\u001b[31mred\u001b[0m');
    expect(saved.toString('utf8')).toContain('\rprogress  50%\rprogress 100%\ndone\n');
  });

  it('serves the full log as a text/plain attachment, only with a token', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'big',
      command: [
        'sh',
        '-c',
        'i=0; while [ $i -lt 3000 ]; do printf "%0999d\\n" $i; i=$((i+1)); done',
      ],
    });
    await openComplete(taskId);
    const res = await fetch(`${baseUrl(coord)}/api/tasks/${taskId}/log`, {
      headers: { authorization: `Bearer ${clientToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${taskId}.log"`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(3000 * 1000);
    expect(body.subarray(0, 1000).toString()).toBe(`${'0'.repeat(999)}\n`);
    expect(body.subarray(-1000).toString()).toBe(`${'2999'.padStart(999, '0')}\n`);
    expect((await apiFetch(coord, `/api/tasks/${taskId}/log`, undefined)).status).toBe(401);
  });

  it('says failed (exit N) in the header with a timeline of the task', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'fails',
      command: ['sh', '-c', 'echo oops; exit 3'],
    });
    await openComplete(taskId);
    const outcome = page.locator('h2 #outcome');
    await expect.poll(() => outcome.innerText(), WAIT).toBe('failed (exit 3)');
    expect(await outcome.getAttribute('data-outcome')).toBe('o-failed');
    const timeline = page.locator('#timeline');
    for (const k of ['created', 'pending for', 'started', 'ran for', 'ended']) {
      expect(await timeline.locator(`[data-k="${k}"]`).count()).toBe(1);
    }
    const botLink = page.locator('#result a[href="#/bots/page-bot"]');
    expect(await botLink.innerText()).toBe('page-bot');
    await page.screenshot({ path: join(SHOTS, 'task-failed.png'), fullPage: true });

    const ok = await submitTask(tasks, clientToken, { name: 'ok', command: ['true'] });
    await openComplete(ok);
    await expect.poll(() => outcome.innerText(), WAIT).toBe('succeeded');
    expect(await outcome.getAttribute('data-outcome')).toBe('o-succeeded');
  });

  it('counts the run time live and shows a killed task ran until it was killed', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'killed later',
      command: ['sleep', '60'],
    });
    await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
    await page.locator('h2 [data-state="RUNNING"]').waitFor(WAIT);
    const ran = page.locator('#timeline [data-k="ran for"]');
    await ran.waitFor(WAIT);
    const first = await ran.innerText();
    await expect.poll(() => ran.innerText(), WAIT).not.toBe(first);
    await expect.poll(async () => seconds(await ran.innerText()), WAIT).toBeGreaterThanOrEqual(1.5);
    const kill = await apiFetch(coord, `/api/tasks/${taskId}/cancel`, clientToken, {
      method: 'POST',
      body: { kill_running: true },
    });
    expect(kill.status).toBe(200);
    await page.locator('h2 [data-state="KILLED"]').waitFor(WAIT);
    expect(await page.locator('h2 #outcome').innerText()).toBe('killed');
    expect(seconds(await ran.innerText())).toBeGreaterThanOrEqual(1.5);
    expect(await page.locator('#timeline [data-k="ended"]').count()).toBe(1);
  });

  it('explains why a PENDING task waits: its matching bots by state and its place in the queue', async () => {
    const gate = join(dir.path, 'hold');
    mkdirSync(gate);
    const holder = await submitTask(tasks, clientToken, {
      name: 'holds the bot',
      command: ['sh', '-c', 'while [ ! -e "$0/go" ]; do sleep 0.05; done', gate],
    });
    await expect
      .poll(
        async () => (await apiFetch(coord, `/api/tasks/${holder}`, clientToken)).body.state,
        WAIT,
      )
      .toBe('RUNNING');
    const waiting = await submitTask(tasks, clientToken, { name: 'waits', command: ['true'] });
    await page.goto(`${baseUrl(coord)}/#/task/${waiting}`);
    await page.locator('h2 [data-state="PENDING"]').waitFor(WAIT);
    const row = page.locator('#why-wait tr[data-slice="0"]');
    await row.waitFor(WAIT);
    const count = (k: string) => row.locator(`[data-count="${k}"]`).innerText();
    // The fleet: page-bot, the one bot of pool default, runs the holder.
    expect(await count('total')).toBe('1');
    expect(await count('busy')).toBe('1');
    expect(await count('idle')).toBe('0');
    expect(await count('dead')).toBe('0');
    expect(await page.locator('#queue-position').innerText()).toContain('Position 1 of 1');
    const api = await apiFetch(coord, `/api/tasks/${waiting}/wait`, clientToken);
    expect(api.body.slices[0].bots).toEqual({
      total: 1,
      idle: 0,
      busy: 1,
      quarantined: 0,
      maintenance: 0,
      disconnected: 0,
      dead: 0,
    });
    await page.screenshot({ path: join(SHOTS, 'task-pending-why.png'), fullPage: true });
    writeFileSync(join(gate, 'go'), '');
    await page.locator('h2 [data-state="COMPLETED"]').waitFor(WAIT);
    expect(await page.locator('#why-wait').innerText()).toBe('');
  });

  it('lists the output files with size and digest, and downloads one with the right bytes', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'outputs',
      command: [
        'sh',
        '-c',
        'mkdir -p "$DROVER_OUTDIR/sub" && printf \'hello\\000bytes\\n\' > "$DROVER_OUTDIR/sub/data.bin"',
      ],
    });
    await openComplete(taskId);
    const row = page.locator('#output-files tr[data-path="sub/data.bin"]');
    await row.waitFor(WAIT);
    const expected = Buffer.from('hello\u0000bytes\n');
    const digest = createHash('sha256').update(expected).digest('hex');
    const text = await row.innerText();
    expect(text).toContain(`${expected.length} bytes`);
    expect(text).toContain(digest);
    await page.screenshot({ path: join(SHOTS, 'task-outputs.png'), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      row.locator('a').click(),
    ]);
    expect(download.suggestedFilename()).toBe('data.bin');
    expect(readFileSync(await download.path()).equals(expected)).toBe(true);
    const other = await apiFetch(coord, `/api/tasks/${taskId}/outputs?path=nope`, clientToken);
    expect(other.status).toBe(404);
  });

  it('retries a task from its Retry button: a new task from the same request', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'to retry',
      command: ['sh', '-c', 'echo again'],
      tags: ['team:a'],
    });
    await openComplete(taskId);
    await page.locator('#retry').click();
    await expect.poll(() => page.url(), WAIT).not.toContain(taskId);
    const retried = decodeURIComponent(page.url().split('#/task/')[1] ?? '');
    expect(retried).not.toBe('');
    await expect.poll(() => page.locator('#output').innerText(), WAIT).toBe('again\n');
    const res = await apiFetch(coord, `/api/tasks/${retried}`, clientToken);
    expect(res.body.name).toBe('to retry');
    expect(res.body.tags).toContain(`retry_of:${taskId}`);
    expect(res.body.tags).toContain('team:a');
    const req = await apiFetch(coord, `/api/tasks/${retried}/request`, clientToken);
    expect(req.body.task_slices[0].properties.command).toEqual(['sh', '-c', 'echo again']);
    await page.screenshot({ path: join(SHOTS, 'task-retried.png'), fullPage: true });
  });

  it('shows the request readably: the command line, dimensions and each slice deadline', async () => {
    const taskId = await submitTask(tasks, clientToken, {
      name: 'readable',
      command: ['sh', '-c', "echo it's"],
    });
    await openComplete(taskId);
    const request = page.locator('#request');
    await expect
      .poll(() => request.locator('.request-command').textContent(), WAIT)
      .toBe(`sh -c 'echo it'\\''s'`);
    expect(await request.locator('dd[data-field="dimensions"]').textContent()).toContain(
      'pool=default',
    );
    const req = await apiFetch(coord, `/api/tasks/${taskId}/request`, clientToken);
    const created = Date.parse(req.body.created_ts);
    const deadline = new Date(created + Number(req.body.task_slices[0].expiration_secs) * 1000);
    const text = `${deadline.toISOString().slice(0, 19).replace('T', ' ')}Z`;
    expect(await request.locator('dd[data-field="deadline"]').textContent()).toContain(text);
    expect(await request.locator('#request-json').textContent()).toContain('"task_slices"');
  });

  it('links a task to its parent and its children, each way', async () => {
    // A parent that waits (no bot matches), so that it takes children.
    const nowhere = { dimensions: [{ key: 'os', value: 'Nowhere' }], waitForCapacity: true };
    const parent = await submitTask(tasks, clientToken, { name: 'the parent', ...nowhere });
    const child1 = await submitTask(tasks, clientToken, {
      name: 'child one',
      parentTaskId: parent,
      ...nowhere,
    });
    const child2 = await submitTask(tasks, clientToken, {
      name: 'child two',
      parentTaskId: parent,
      ...nowhere,
    });
    await page.goto(`${baseUrl(coord)}/#/task/${parent}`);
    const children = page.locator('#children');
    await children.waitFor(WAIT);
    expect(await children.locator('a').allInnerTexts()).toEqual(
      expect.arrayContaining(['child one', 'child two']),
    );
    expect(await page.locator('#parent').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'task-children.png'), fullPage: true });
    await children.locator('a', { hasText: 'child two' }).click();
    await expect.poll(() => page.url(), WAIT).toContain(`#/task/${child2}`);
    const up = page.locator('#parent');
    await up.waitFor(WAIT);
    expect(await up.innerText()).toBe(parent);
    expect(await page.locator('#children').count()).toBe(0);
    await up.click();
    await expect.poll(() => page.url(), WAIT).toMatch(new RegExp(`#/task/${parent}$`));
    await page.locator('#children').waitFor(WAIT);
    // Cancelling the parent cancels its children (they were PENDING).
    await apiFetch(coord, `/api/tasks/${parent}/cancel`, clientToken, {
      method: 'POST',
      body: { kill_running: false },
    });
    for (const id of [child1, child2]) {
      await expect
        .poll(async () => (await apiFetch(coord, `/api/tasks/${id}`, clientToken)).body.state, WAIT)
        .toBe('CANCELED');
    }
  });
});

/** "ran for 2.3 s" in seconds. */
function seconds(text: string): number {
  const m = /([\d.]+) (s|min)$/.exec(text.trim());
  if (m === null) return NaN;
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}
