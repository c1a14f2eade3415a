// End to end in a real browser (Debian's chromium driven by playwright-core): log in, see a real
// bot, watch a task's output appear live, kill a running task from its button, and check that an
// untrusted task name is shown as text. One browser for the whole file; a screenshot of each page
// goes to test-output/dashboard/.
import type { GraphClient, TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { countAnswersRead, latch, launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { desc, ensure, graphStub, waitForAttempt } from '../graph/graph-harness';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from '../harness';
import { apiFetch, baseUrl, gatedLines, submitTask } from './dashboard-client';

const SHOTS = fileURLToPath(new URL('../../../../test-output/dashboard/', import.meta.url));
const WAIT = { timeout: 15_000 };

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let graph: GraphClient;
let bot: ChildProcess;
let clientToken: string;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  graph = graphStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'e2e-bot', ['--pool', 'default']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopProcess(bot);
  tasks?.close();
  graph?.close();
  await coord?.close();
  dir?.remove();
});

/** Runs `use` with a page of its own (a session of its own), closed after. */
async function withOwnPage(use: (p: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await use(await context.newPage());
  } finally {
    await context.close();
  }
}

/** Opens the dashboard at `hash` and logs in there with the client token. */
async function logInAt(p: Page, hash: string): Promise<void> {
  await p.goto(`${baseUrl(coord)}/${hash}`);
  await p.locator('#token').fill(clientToken);
  await p.locator('#login button[type=submit]').click();
}

function gateDir(name: string): string {
  const path = join(dir.path, name);
  mkdirSync(path);
  return path;
}

describe('dashboard in a browser', () => {
  it('logs in with the client token and lists the real bot as alive and idle', async () => {
    await page.goto(baseUrl(coord));
    await page.locator('#token').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'login.png'), fullPage: true });
    await page.locator('#token').fill(clientToken);
    await page.locator('#login button[type=submit]').click();
    const row = page.locator('#bots tr[data-bot="e2e-bot"]');
    await row.waitFor(WAIT);
    await expect.poll(() => row.innerText(), WAIT).toContain('idle');
    expect(await row.innerText()).toContain('alive');
    await page.locator('#bot-counts').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'bots.png'), fullPage: true });
  });

  it("shows a running task's output growing live on the task page until it is complete", async () => {
    const gate = gateDir('live');
    const taskId = await submitTask(tasks, clientToken, {
      name: 'slow lines',
      command: gatedLines(gate, 3),
    });
    await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
    await page.locator('h2 [data-state="RUNNING"]').waitFor(WAIT);
    const output = page.locator('#output');
    writeFileSync(join(gate, 'go-1'), '');
    await expect.poll(() => output.innerText(), WAIT).toContain('line 1');
    expect(await output.innerText()).not.toContain('line 2');
    writeFileSync(join(gate, 'go-2'), '');
    await expect.poll(() => output.innerText(), WAIT).toContain('line 2');
    await page.screenshot({ path: join(SHOTS, 'task-running.png'), fullPage: true });
    writeFileSync(join(gate, 'go-3'), '');
    await expect.poll(() => page.locator('#output-state').innerText(), WAIT).toContain('complete');
    expect(await output.innerText()).toBe('line 1\nline 2\nline 3\n');
    await page.locator('h2 [data-state="COMPLETED"]').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'task.png'), fullPage: true });
  });

  it('kills a running task from its Kill button and shows it KILLED', async () => {
    const gate = gateDir('never');
    const taskId = await submitTask(tasks, clientToken, {
      name: 'waits forever',
      command: gatedLines(gate, 1),
    });
    await page.goto(`${baseUrl(coord)}/#/task/${taskId}`);
    await page.locator('h2 [data-state="RUNNING"]').waitFor(WAIT);
    await page.locator('#kill').click();
    await page.locator('h2 [data-state="KILLED"]').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'task-killed.png'), fullPage: true });
  });

  it('shows a task named <script>alert(1)</script> as text, running nothing', async () => {
    const name = '<script>alert(1)</script>';
    const taskId = await submitTask(tasks, clientToken, { name, command: ['true'] });
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    const link = page.locator(`#tasks tr[data-task="${taskId}"] a.task-link`);
    await link.waitFor(WAIT);
    expect(await link.innerText()).toBe(name);
    // The pool column comes from the task's `pool:` tag (TaskResult has no pool field).
    const poolCell = page.locator(`#tasks tr[data-task="${taskId}"] td:nth-child(3)`);
    expect(await poolCell.innerText()).toBe('default');
    expect(await page.locator('#tasks script').count()).toBe(0);
    await page.locator('#pending').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'tasks.png'), fullPage: true });
    await link.click();
    await expect.poll(() => page.locator('h2').innerText(), WAIT).toContain(name);
    expect(dialogs).toEqual([]);
  });

  it('shows a failed task red as "failed (exit 1)", filters failures, keeps filters in the URL', async () => {
    const tag = 'triage:list-e2e';
    const failed = await submitTask(tasks, clientToken, {
      name: 'list-fails',
      command: ['sh', '-c', 'exit 1'],
      tags: [tag],
    });
    const ok = await submitTask(tasks, clientToken, { name: 'list-ok', tags: [tag] });
    for (const id of [failed, ok]) {
      await expect
        .poll(async () => (await apiFetch(coord, `/api/tasks/${id}`, clientToken)).body.state, WAIT)
        .toBe('COMPLETED');
    }
    // The listing's other filters, as ListTasksRequest's: name glob, user, bot, time range.
    const ids = async (q: string) => {
      const { status, body } = await apiFetch(coord, `/api/tasks?tag=${tag}&${q}`, clientToken);
      expect(status).toBe(200);
      return body.items.map((t: { task_id: string }) => t.task_id).sort();
    };
    expect(await ids('name=list-f*')).toEqual([failed]);
    expect(await ids('state=QUERY_COMPLETED_SUCCESS')).toEqual([ok]);
    expect(await ids('user=local-admin&bot=e2e-bot')).toEqual([failed, ok].sort());
    expect(await ids('user=someone-else')).toEqual([]);
    expect(await ids('since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z')).toEqual([]);
    expect(await ids(`since=${new Date(Date.now() - 3600_000).toISOString()}`)).toHaveLength(2);
    expect((await apiFetch(coord, '/api/tasks?state=FAILED', clientToken)).status).toBe(400);
    // The tag filter typed in the CLI's key=value form; the pool as pool=default.
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    await page.locator('#task-filters input[name=tags]').fill('triage=list-e2e');
    await page.locator('#task-filters input[name=pool]').fill('pool=default');
    await page.locator('#task-filters button[type=submit]').click();
    await expect.poll(() => page.url(), WAIT).toContain('tag=triage%3Alist-e2e');
    expect(page.url()).toContain('pool=default');
    const failedRow = page.locator(`#tasks tr[data-task="${failed}"]`);
    const okRow = page.locator(`#tasks tr[data-task="${ok}"]`);
    await failedRow.waitFor(WAIT);
    await okRow.waitFor(WAIT);
    const badge = failedRow.locator('[data-outcome]');
    expect(await badge.innerText()).toBe('failed (exit 1)');
    expect(await badge.getAttribute('data-outcome')).toBe('o-failed');
    // Red: the badge's background is mostly red.
    const bg = String(
      await page.evaluate(
        `getComputedStyle(document.querySelector('#tasks tr[data-task="${failed}"] [data-outcome]')).backgroundColor`,
      ),
    );
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(100);
    expect(await okRow.locator('[data-outcome]').innerText()).toBe('succeeded');
    // Pending and run time columns are filled for a finished task.
    expect(await failedRow.locator('td:nth-child(6)').innerText()).toMatch(/\d/);
    expect(await failedRow.locator('td:nth-child(7)').innerText()).toMatch(/\d/);
    await page.screenshot({ path: join(SHOTS, 'tasks-filtered.png'), fullPage: true });

    // The "failed" state filter: only failures.
    await page.locator('#task-filters select[name=state]').selectOption('QUERY_COMPLETED_FAILURE');
    await page.locator('#task-filters button[type=submit]').click();
    await expect.poll(() => okRow.count(), WAIT).toBe(0);
    await failedRow.waitFor(WAIT);
    expect(page.url()).toContain('state=QUERY_COMPLETED_FAILURE');
    const outcomes = await page
      .locator('#tasks tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-outcome')));
    expect(outcomes.length).toBeGreaterThan(0);
    expect(new Set(outcomes)).toEqual(new Set(['o-failed']));
    await page.screenshot({ path: join(SHOTS, 'tasks-failed.png'), fullPage: true });

    // Reload keeps the filter; back shows the unfiltered-by-state view, forward the failures.
    await page.reload();
    await failedRow.waitFor(WAIT);
    expect(await page.locator('#task-filters select[name=state]').inputValue()).toBe(
      'QUERY_COMPLETED_FAILURE',
    );
    expect(await page.locator('#task-filters input[name=tags]').inputValue()).toBe(
      'triage:list-e2e',
    );
    expect(await okRow.count()).toBe(0);
    await page.goBack();
    await okRow.waitFor(WAIT);
    expect(await page.locator('#task-filters select[name=state]').inputValue()).toBe('');
    await page.goForward();
    await expect.poll(() => okRow.count(), WAIT).toBe(0);
    await failedRow.waitFor(WAIT);
    expect(await page.locator('#task-filters select[name=state]').inputValue()).toBe(
      'QUERY_COMPLETED_FAILURE',
    );

    // Live updates keep the filter: a new failure appears, a new success does not.
    const failed2 = await submitTask(tasks, clientToken, {
      name: 'list-fails-live',
      command: ['sh', '-c', 'exit 3'],
      tags: [tag],
    });
    const ok2 = await submitTask(tasks, clientToken, { name: 'list-ok-live', tags: [tag] });
    const liveRow = page.locator(`#tasks tr[data-task="${failed2}"]`);
    await liveRow.waitFor(WAIT);
    expect(await liveRow.locator('[data-outcome]').innerText()).toBe('failed (exit 3)');
    await expect
      .poll(async () => (await apiFetch(coord, `/api/tasks/${ok2}`, clientToken)).body.state, WAIT)
      .toBe('COMPLETED');
    expect(await page.locator(`#tasks tr[data-task="${ok2}"]`).count()).toBe(0);
  });

  it('shows times as UTC ISO, switches to local time from the header and remembers it', async () => {
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    const created = page.locator('#tasks tbody tr td:nth-child(5)').first();
    await created.waitFor(WAIT);
    expect(await created.innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ( \(.* ago\))?$/);
    expect(await page.locator('#timefmt').innerText()).toContain('UTC');
    await page.locator('#timefmt').click();
    await expect
      .poll(() => created.innerText(), WAIT)
      .toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d( \(.* ago\))?$/);
    expect(await page.locator('#timefmt').innerText()).toContain('local');
    await page.reload();
    await created.waitFor(WAIT);
    expect(await created.innerText()).toMatch(/[+-]\d\d:\d\d( \(.* ago\))?$/);
    expect(await page.evaluate("localStorage.getItem('drover.time')")).toBe('local');
    await page.screenshot({ path: join(SHOTS, 'tasks-local-time.png'), fullPage: true });
    await page.locator('#timefmt').click();
    await expect.poll(() => created.innerText(), WAIT).toMatch(/\d\dZ( \(.* ago\))?$/);
  });

  it("draws an attempt's graph", async () => {
    const created = await ensure(
      graph,
      {
        quests: [
          {
            ...desc('drawn'),
            name: 'drawn-step',
            // A pool no bot serves: the attempt stays put while the page is drawn.
            distributor_parameters: JSON.stringify({
              command: ['true'],
              dimensions: { pool: 'graph-only' },
            }),
          },
        ],
        attempts: [{ quest: '0', id: 1 }],
      },
      clientToken,
    );
    const quest = created.quest_ids[0]!.id;
    await page.goto(`${baseUrl(coord)}/#/graph/${quest}/1`);
    const node = page.locator(`#graph g.node[data-attempt="${quest}/1"]`);
    await node.waitFor(WAIT);
    // The node is named by its quest's display name, not its hash.
    expect(await node.textContent()).toContain('drawn-step/1');
    await node.click();
    await expect.poll(() => page.locator('#graph-details').innerText(), WAIT).toContain(quest);
    expect(await page.locator('#graph-details').innerText()).toContain('drawn-step');
    await page.screenshot({ path: join(SHOTS, 'graph.png'), fullPage: true });
    // The details show the quest's parameters; the list of recent quests shows it by its label.
    expect(await page.locator('#graph-details .quest-params pre').count()).toBe(1);
    await page.goto(`${baseUrl(coord)}/#/graph`);
    const questRow = page.locator(`#quests tr[data-quest="${quest}"]`);
    await questRow.waitFor(WAIT);
    expect(await questRow.innerText()).toContain('drawn-step');
    expect(await questRow.locator(`a[href="#/graph/${quest}/1"]`).count()).toBe(1);
    // What the page drew: GraphData in canonical JSON (map keys strings, RFC 3339 times).
    const { body } = await apiFetch(coord, `/api/graph?quest=${quest}&attempt=1`, clientToken);
    const attempt = body.quests[quest].attempts['1'];
    expect(attempt.id).toEqual({ quest, id: 1 });
    expect(attempt.data.created).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(body.had_more).toBe(false);
  });

  it('lists pipeline runs by name and shows a run as a tree of named steps with their states', async () => {
    const step = (name: string) => ({
      name,
      distributor_config_name: 'drover',
      parameters: JSON.stringify({ step: name }),
      // A pool no bot serves: the steps stay put while the page is drawn.
      distributor_parameters: JSON.stringify({
        command: ['true'],
        dimensions: { pool: 'graph-only' },
      }),
      meta: null,
    });
    const created = await ensure(
      graph,
      {
        quests: [step('checkout'), step('compile'), step('lint')],
        attempts: [
          { quest: '0', id: 1 },
          { quest: '1', id: 1 },
          { quest: '2', id: 1 },
        ],
        needs: [
          { attempt: { quest: '1', id: 1 }, needs: [{ quest: '0', id: 1 }] },
          { attempt: { quest: '2', id: 1 }, needs: [{ quest: '0', id: 1 }] },
        ],
        run: {
          name: 'browser-pipeline',
          steps: [
            { name: 'checkout', attempt: { quest: '0', id: 1 }, needs: [] },
            { name: 'compile', attempt: { quest: '1', id: 1 }, needs: ['checkout'] },
            { name: 'lint', attempt: { quest: '2', id: 1 }, needs: ['checkout'] },
          ],
        },
      },
      clientToken,
    );
    const runId = created.run_id;
    await page.goto(`${baseUrl(coord)}/#/graph`);
    const row = page.locator(`#runs tr[data-run="${runId}"]`);
    await row.waitFor(WAIT);
    const rowText = await row.innerText();
    expect(rowText).toContain('browser-pipeline');
    expect(rowText).toContain(runId);
    expect(rowText).toContain('0/3');
    expect(rowText).toContain('running');
    // The name filter: a glob that does not match hides the run, one that does shows it.
    await page.locator('#runs-filter input[name=name]').fill('nothing-*');
    await page.locator('#runs-filter button[type=submit]').click();
    await expect.poll(() => row.count(), WAIT).toBe(0);
    await page.locator('#runs-filter input[name=name]').fill('browser-*');
    await page.locator('#runs-filter button[type=submit]').click();
    await row.waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'graph-runs.png'), fullPage: true });

    await row.locator('a').click();
    const compile = page.locator('#graph g.node[data-step="compile"]');
    await compile.waitFor(WAIT);
    expect(await compile.textContent()).toContain('compile');
    expect(await compile.textContent()).toContain('WAITING');
    expect(await page.locator('#graph g.node').count()).toBe(3);
    // checkout's edges: two dependents point at it.
    expect(await page.locator('#graph line').count()).toBe(2);
    const steps = page.locator('#run-steps tbody tr');
    expect(await steps.count()).toBe(3);
    const order = await Promise.all([0, 1, 2].map((i) => steps.nth(i).getAttribute('data-step')));
    expect(order).toEqual(['checkout', 'compile', 'lint']);
    const lint = page.locator('#run-steps tr[data-step="lint"]');
    expect(await lint.innerText()).toContain('WAITING');
    expect(await lint.innerText()).toContain('checkout');
    // checkout has an execution whose task the page links to.
    const checkout = page.locator('#run-steps tr[data-step="checkout"]');
    await expect
      .poll(() => checkout.locator('a[href^="#/task/"]').count(), WAIT)
      .toBeGreaterThan(0);
    await page.locator('#graph g.node[data-step="checkout"]').click();
    await expect
      .poll(() => page.locator('#graph-details').innerText(), WAIT)
      .toContain('Step checkout');
    expect(await page.locator('#graph-details a[href^="#/task/"]').count()).toBe(1);
    expect(await page.locator('h2').innerText()).toContain('browser-pipeline');
    await page.screenshot({ path: join(SHOTS, 'graph-run.png'), fullPage: true });
  });

  it("shows a node's result (cut at 4 KiB, saying so) and its executions linked to their tasks", async () => {
    // A payload on the real bot that finishes its attempt with a 6 KB result through `drover`.
    const script = [
      'set -eu',
      'drover graph activate > /dev/null',
      'big=$(head -c 6000 /dev/zero | tr "\\0" x)',
      'drover graph finish "{\\"big\\":\\"$big\\"}" > /dev/null',
    ].join('\n');
    const created = await ensure(
      graph,
      {
        quests: [
          {
            ...desc('big-result'),
            name: 'big-result',
            distributor_parameters: JSON.stringify({
              command: ['sh', '-c', script],
              dimensions: { pool: 'default' },
            }),
          },
        ],
        attempts: [{ quest: '0', id: 1 }],
      },
      clientToken,
    );
    const quest = created.quest_ids[0]!.id;
    await waitForAttempt(coord, { quest, attempt: 1 }, (a) => a.state === 'FINISHED', 60_000);
    const details = await apiFetch(
      coord,
      `/api/graph/attempt?quest=${quest}&attempt=1`,
      clientToken,
    );
    expect(details.status).toBe(200);
    expect(details.body.result).toMatchObject({ size: 6010, cut: true });
    expect(details.body.result.object).toHaveLength(4096);
    const taskId = details.body.executions[0].task_id;
    expect(details.body.executions).toEqual([
      expect.objectContaining({ id: 1, state: 'FINISHED', task_id: taskId }),
    ]);
    const missing = await apiFetch(
      coord,
      `/api/graph/attempt?quest=${quest}&attempt=9`,
      clientToken,
    );
    expect(missing.status).toBe(404);

    await page.goto(`${baseUrl(coord)}/#/graph/${quest}/1`);
    const node = page.locator(`#graph g.node[data-attempt="${quest}/1"]`);
    await node.waitFor(WAIT);
    await node.click();
    const result = page.locator('#graph-details .attempt-result');
    await expect.poll(() => result.innerText(), WAIT).toContain('Result (6010 bytes)');
    expect(await result.locator('.result-cut').innerText()).toContain('first 4 KiB of 6010 bytes');
    expect(await result.locator('pre.result').innerText()).toMatch(/^\{"big":"x{4000,}/);
    const exec = page.locator('#graph-details li[data-execution="1"]');
    expect(await exec.innerText()).toContain('FINISHED');
    await page.screenshot({ path: join(SHOTS, 'graph-node.png'), fullPage: true });
    await exec.locator('a.exec-task').click();
    await expect.poll(() => page.url(), WAIT).toContain(`#/task/${taskId}`);
    await expect.poll(() => page.locator('h2 #outcome').innerText(), WAIT).toBe('succeeded');
  });

  it("links each task's bot to the bot's page", async () => {
    const taskId = await submitTask(tasks, clientToken, { name: 'bot-linked' });
    await expect
      .poll(
        async () => (await apiFetch(coord, `/api/tasks/${taskId}`, clientToken)).body.state,
        WAIT,
      )
      .toBe('COMPLETED');
    await page.goto(`${baseUrl(coord)}/#/tasks`);
    const botLink = page.locator(`#tasks tr[data-task="${taskId}"] a.bot-link`);
    await botLink.waitFor(WAIT);
    expect(await botLink.innerText()).toBe('e2e-bot');
    await botLink.click();
    await expect.poll(() => page.url(), WAIT).toContain('#/bots/e2e-bot');
    await expect.poll(() => page.locator('#bot-status').innerText(), WAIT).toBe('alive');
  });

  it('keeps the page of tasks in the URL: reload, back/forward and a shared link open it', async () => {
    const tag = 'paging:e2e';
    const nowhere = { dimensions: [{ key: 'os', value: 'Nowhere' }], waitForCapacity: true };
    const ids: string[] = [];
    for (let i = 0; i < 55; i++) {
      ids.push(
        await submitTask(tasks, clientToken, { name: `paged ${i}`, tags: [tag], ...nowhere }),
      );
    }
    const shown = () =>
      page
        .locator('#tasks tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')));
    const pager = page.locator('.pager').first();
    await page.goto(`${baseUrl(coord)}/#/tasks?tag=${encodeURIComponent(tag)}`);
    await expect.poll(async () => (await shown()).length, WAIT).toBe(50);
    const first = await shown();
    expect(first[0]).toBe(ids[54]);
    await pager.locator('button', { hasText: 'Older' }).click();
    await expect.poll(() => page.url(), WAIT).toContain('cursor=');
    expect(page.url()).toContain('page=2');
    await expect.poll(shown, WAIT).toEqual(ids.slice(0, 5).reverse());
    expect(await pager.innerText()).toContain('page 2');
    const page2Url = page.url();

    await page.reload();
    await expect.poll(shown, WAIT).toEqual(ids.slice(0, 5).reverse());
    expect(await pager.innerText()).toContain('page 2');
    await page.goBack();
    await expect.poll(shown, WAIT).toEqual(first);
    expect(page.url()).not.toContain('cursor=');
    await page.goForward();
    await expect.poll(shown, WAIT).toEqual(ids.slice(0, 5).reverse());
    await pager.locator('button', { hasText: 'Newer' }).click();
    await expect.poll(shown, WAIT).toEqual(first);
    expect(await pager.locator('button', { hasText: 'Newer' }).isDisabled()).toBe(true);

    // Another tab opened from a shared link: the same page, logged in there.
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await other.goto(baseUrl(coord));
      await other.locator('#token').fill(clientToken);
      await other.locator('#login button[type=submit]').click();
      await other.locator('#bots').waitFor(WAIT);
      await other.goto(page2Url);
      const otherShown = () =>
        other
          .locator('#tasks tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')));
      await expect.poll(otherShown, WAIT).toEqual(ids.slice(0, 5).reverse());
      expect(await other.locator('.pager').first().innerText()).toContain('page 2');
      await other.screenshot({ path: join(SHOTS, 'tasks-paged.png'), fullPage: true });
      // It never saw page 1's cursor: Newer goes to the newest page.
      await other.locator('.pager button', { hasText: 'Newer' }).first().click();
      await expect.poll(otherShown, WAIT).toEqual(first);
    } finally {
      await other.close();
    }
    for (const id of ids) {
      await apiFetch(coord, `/api/tasks/${id}/cancel`, clientToken, {
        method: 'POST',
        body: { kill_running: false },
      });
    }
  });

  it('clears an error once a later request succeeds', async () => {
    await page.goto(`${baseUrl(coord)}/#/tasks?since=not-a-time`);
    const message = page.locator('#message');
    await expect.poll(() => message.isVisible(), WAIT).toBe(true);
    expect(await message.innerText()).toContain('since');
    await page.locator('#task-filters input[name=since]').fill('');
    await page.locator('#task-filters button[type=submit]').click();
    await expect.poll(() => message.isHidden(), WAIT).toBe(true);
    await page.locator('#tasks tbody tr').first().waitFor(WAIT);
    expect(page.url()).not.toContain('since=');
  });

  it('tells what a Cancel answered though the user has moved to another page', async () => {
    // The page's cancel waits until someone else has cancelled the task and the user has gone to
    // the bots page; that page's loads are answered after it, and must not clear what it says.
    await withOwnPage(async (p) => {
      const listsRead = await countAnswersRead(p, '/api/bots');
      const id = await submitTask(tasks, clientToken, {
        name: 'cancelled twice',
        dimensions: [{ key: 'gpu', value: 'none-here' }],
        waitForCapacity: true,
      });
      const cancelHeld = latch();
      const botsHeld = latch();
      let cancelAsked = false;
      let botsAsked = 0;
      await p.route(
        (u) => u.pathname === `/api/tasks/${id}/cancel`,
        async (r) => {
          cancelAsked = true;
          await cancelHeld.passed;
          await r.continue();
        },
      );
      await p.route(
        (u) => u.pathname === '/api/bots',
        async (r) => {
          botsAsked += 1;
          await botsHeld.passed;
          await r.continue().catch(() => {});
        },
      );
      await logInAt(p, `#/task/${id}`);
      await p.locator('h2 [data-state="PENDING"]').waitFor(WAIT);
      await p.locator('#cancel').click();
      await expect.poll(() => cancelAsked, WAIT).toBe(true);
      await call((md, cb) => tasks.CancelTask({ task_id: id }, md, cb), bearer(clientToken));
      await p.locator('#nav a[href="#/bots"]').click();
      await expect.poll(() => botsAsked, WAIT).toBeGreaterThan(0);
      cancelHeld.open();
      const message = p.locator('#message');
      await expect
        .poll(() => message.innerText(), WAIT)
        .toBe('Not cancelled: the task is CANCELED.');
      botsHeld.open();
      await p.locator('#bots tr[data-bot="e2e-bot"]').waitFor(WAIT);
      // Every bots list answer read (counted as each poll looks, the live socket's reload too).
      await expect.poll(async () => botsAsked - (await listsRead()), WAIT).toBe(0);
      expect(await message.isVisible()).toBe(true);
      expect(await message.innerText()).toBe('Not cancelled: the task is CANCELED.');
    });
  });

  it("says why on the login form when an action's answer is a 401, not the answer's text", async () => {
    await withOwnPage(async (p) => {
      const id = await submitTask(tasks, clientToken, {
        name: 'refused cancel',
        dimensions: [{ key: 'gpu', value: 'none-here' }],
        waitForCapacity: true,
      });
      // The coordinator refusing the token by the time the user clicks Cancel (injected).
      await p.route(
        (u) => u.pathname === `/api/tasks/${id}/cancel`,
        (r) =>
          r.fulfill({
            status: 401,
            contentType: 'application/json',
            body: '{"error":"token refused: revoked"}',
          }),
      );
      await logInAt(p, `#/task/${id}`);
      await p.locator('h2 [data-state="PENDING"]').waitFor(WAIT);
      await p.locator('#cancel').click();
      await p.locator('#token').waitFor(WAIT);
      await expect
        .poll(() => p.locator('#message').innerText(), WAIT)
        .toBe('Your token was refused; log in again.');
      await call((md, cb) => tasks.CancelTask({ task_id: id }, md, cb), bearer(clientToken));
    });
  });

  it('under a state filter, shows a task that left the state as it is now, and drops it on the next load', async () => {
    // The pending list: a task comes in live, then is cancelled (no longer matching: its row shows
    // CANCELED rather than a PENDING it has left); the list's next answer, read after the cancel
    // but held until then, leaves it out, and the updates received meanwhile do not bring it back.
    await withOwnPage(async (p) => {
      const listsRead = await countAnswersRead(p, '/api/tasks');
      const held = latch();
      let asked = 0;
      await p.route(
        (u) => u.pathname === '/api/tasks',
        async (r) => {
          // The first load draws the list; the next (the live socket ready) waits, then asks.
          if (++asked > 1) await held.passed;
          await r.continue();
        },
      );
      await logInAt(p, `#/tasks?state=QUERY_PENDING`);
      await expect.poll(() => listsRead(), WAIT).toBe(1);
      await expect.poll(() => asked, WAIT).toBe(2);
      const id = await submitTask(tasks, clientToken, {
        name: 'pending, then cancelled',
        dimensions: [{ key: 'gpu', value: 'none-here' }],
        waitForCapacity: true,
      });
      const row = p.locator(`tr[data-task="${id}"]`);
      await row.locator('[data-state="PENDING"]').waitFor(WAIT);
      await call((md, cb) => tasks.CancelTask({ task_id: id }, md, cb), bearer(clientToken));
      await row.locator('[data-state="CANCELED"]').waitFor(WAIT);
      held.open();
      await expect.poll(() => listsRead(), WAIT).toBe(2);
      expect(await row.count()).toBe(0);
      expect(asked).toBe(2);
    });
  });

  it('shows a bot busy that took a task while the list was loading, from its live update', async () => {
    // As below for the bots list: answers read while the bot was idle reach the page after its
    // live update said busy; drawing them must not show it idle for the length of the task.
    // Idle to begin with (an earlier test's task reported ended).
    const idle = async () =>
      (
        (await apiFetch(coord, '/api/bots', clientToken)).body.items as {
          bot_id: string;
          task_id: string;
        }[]
      ).find((b) => b.bot_id === 'e2e-bot')?.task_id;
    await expect.poll(idle, WAIT).toBe('');
    const gate = gateDir('bot-list');
    await withOwnPage(async (p) => {
      const listsRead = await countAnswersRead(p, '/api/bots');
      const held = latch();
      let asked = 0;
      const idleInHeld: boolean[] = [];
      await p.route(
        (u) => u.pathname === '/api/bots',
        async (r) => {
          // The first load draws the rows; the next (the live socket ready) is held.
          if (++asked === 1) return r.continue();
          const answer = await r.fetch();
          const { items } = (await answer.json()) as {
            items: { bot_id: string; task_id: string }[];
          };
          idleInHeld.push(items.find((b) => b.bot_id === 'e2e-bot')?.task_id === '');
          await held.passed;
          await r.fulfill({ response: answer });
        },
      );
      await logInAt(p, `#/bots`);
      const row = p.locator('#bots tr[data-bot="e2e-bot"]');
      await row.locator('.b-idle').waitFor(WAIT);
      await expect.poll(() => idleInHeld, WAIT).toEqual([true]);
      await submitTask(tasks, clientToken, { name: 'holds the bot', command: gatedLines(gate, 1) });
      await row.locator('.b-busy').waitFor(WAIT);
      held.open();
      await expect.poll(() => listsRead(), WAIT).toBe(2);
      expect(await row.locator('.badge').allInnerTexts()).toEqual(['alive', 'busy']);
      expect(asked).toBe(2);
    }).finally(() => writeFileSync(join(gate, 'go-1'), ''));
  });

  it('keeps a task stored while the list was loading, from its live update', async () => {
    // The list's answers are read by the coordinator at once but reach the page only after a task
    // submitted meanwhile has come in live: drawing them must not drop that task's row.
    await withOwnPage(async (p) => {
      const listsRead = await countAnswersRead(p, '/api/tasks');
      const held = latch();
      let asked = 0;
      let answered = 0;
      await p.route(
        (u) => u.pathname === '/api/tasks',
        async (r) => {
          asked += 1;
          const answer = await r.fetch();
          answered += 1;
          await held.passed;
          await r.fulfill({ response: answer });
        },
      );
      await logInAt(p, `#/tasks`);
      await expect.poll(() => p.locator('#live').getAttribute('class'), WAIT).toContain('on');
      // Its first load and the one when the live socket was ready, both answered before the task.
      await expect.poll(() => [asked, answered], WAIT).toEqual([2, 2]);
      const id = await submitTask(tasks, clientToken, {
        name: 'while the list loads',
        dimensions: [{ key: 'gpu', value: 'none-here' }],
        waitForCapacity: true,
      });
      const row = p.locator(`tr[data-task="${id}"]`);
      await row.waitFor(WAIT);
      held.open();
      await expect.poll(() => listsRead(), WAIT).toBe(2);
      expect(await row.count()).toBe(1);
      expect(await row.innerText()).toContain('while the list loads');
      expect(asked).toBe(2);
    });
  });
});
