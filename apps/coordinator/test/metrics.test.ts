import type { NewTaskResponseOut, TaskResultOut, TasksClient } from '@drover/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';
import { parsePrometheusText, sampleValue, type Sample } from './prometheus-text';
import { ScriptedBot } from './scripted-bot';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator | undefined;
let stub: TasksClient | undefined;
const bots: ScriptedBot[] = [];
/** The coordinator's clock: moved by the test only. */
let nowMs = Date.UTC(2030, 0, 1);
const clock = () => nowMs;

beforeEach(() => {
  dir = tempDir();
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub?.close();
  stub = undefined;
  await coord?.close();
  coord = undefined;
  dir.remove();
});

async function start(): Promise<RunningCoordinator> {
  coord = await startTestCoordinator(dir.path, {}, clock);
  stub?.close();
  stub = tasksStub(coord.grpcAddress);
  return coord;
}

/** GET /metrics with `authorization: Bearer <token>`, or without the header when undefined. */
async function scrape(token: string | undefined): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  const res = await fetch(`http://${coord!.httpAddress}/metrics`, { headers });
  return { status: res.status, text: await res.text() };
}

async function samples(): Promise<Sample[]> {
  const { status, text } = await scrape(readToken(dir.path, 'client'));
  expect(status).toBe(200);
  return parsePrometheusText(text);
}

function newTask(pool: string, token = readToken(dir.path, 'client')): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (md, cb) =>
      stub!.NewTask(
        {
          name: `t-${pool}`,
          task_slices: [
            {
              properties: { command: ['true'], dimensions: [{ key: 'pool', value: pool }] },
              expiration_secs: 3600,
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
}

/** Follows WaitTask until the task is final. */
function finalResult(id: string): Promise<TaskResultOut> {
  return new Promise((resolve, reject) => {
    let last: TaskResultOut | undefined;
    const stream = stub!.WaitTask({ task_id: id }, bearer(readToken(dir.path, 'client')));
    stream.on('data', (r: TaskResultOut) => (last = r));
    stream.on('end', () => (last ? resolve(last) : reject(new Error('no result'))));
    stream.on('error', reject);
  });
}

/** A scripted bot in pool "default" that runs `n` tasks, each reporting `durationSecs`. */
async function runTasksOnBot(botId: string, n: number, durationSecs: number): Promise<void> {
  const b = new ScriptedBot(coord!.grpcAddress, readToken(dir.path, 'bot'));
  bots.push(b);
  b.hello(botId);
  await b.next((m) => m.msg === 'welcome');
  for (let i = 0; i < n; i++) {
    const assign = (await b.next((m) => m.msg === 'assign')).assign!;
    b.send({
      task_finished: {
        task_id: assign.task_id,
        lease_id: assign.lease_id,
        exit_code: 0,
        duration: durationSecs,
      },
    });
    expect((await finalResult(assign.task_id)).state).toBe('COMPLETED');
  }
}

describe('/metrics', () => {
  it('reports tasks by state, queues by pool, dispatch and run times, bots and gRPC calls', async () => {
    await start();
    const t0 = nowMs;
    await newTask('gpu');
    await newTask('default');
    await newTask('default');
    await expect(
      call(
        (md, cb) => stub!.NewTask({ task_slices: [] }, md, cb),
        bearer(readToken(dir.path, 'client')),
      ),
    ).rejects.toMatchObject({ code: 3 });
    await expect(
      call((md, cb) => stub!.NewTask({ task_slices: [] }, md, cb), bearer(undefined)),
    ).rejects.toMatchObject({ code: 16 });

    let s = await samples();
    expect(sampleValue(s, 'drover_tasks', { state: 'PENDING' })).toBe(3);
    expect(sampleValue(s, 'drover_tasks_pending', { pool: 'default' })).toBe(2);
    expect(sampleValue(s, 'drover_tasks_pending', { pool: 'gpu' })).toBe(1);

    nowMs = t0 + 90_000;
    await runTasksOnBot('metrics-bot', 2, 1.5);

    s = await samples();
    expect(sampleValue(s, 'drover_tasks', { state: 'COMPLETED' })).toBe(2);
    expect(sampleValue(s, 'drover_tasks', { state: 'PENDING' })).toBe(1);
    expect(sampleValue(s, 'drover_tasks', { state: 'RUNNING' })).toBe(0);
    expect(sampleValue(s, 'drover_tasks_pending', { pool: 'default' })).toBe(0);
    expect(sampleValue(s, 'drover_tasks_pending', { pool: 'gpu' })).toBe(1);
    expect(sampleValue(s, 'drover_tasks_pending_oldest_age_seconds', { pool: 'gpu' })).toBe(90);
    expect(sampleValue(s, 'drover_tasks_pending_oldest_age_seconds', { pool: 'default' })).toBe(0);

    // Both default tasks waited 90 s for the bot.
    const dispatch = 'drover_task_dispatch_latency_seconds';
    expect(sampleValue(s, `${dispatch}_count`, { pool: 'default' })).toBe(2);
    expect(sampleValue(s, `${dispatch}_sum`, { pool: 'default' })).toBe(180);
    expect(sampleValue(s, `${dispatch}_bucket`, { pool: 'default', le: '60' })).toBe(0);
    expect(sampleValue(s, `${dispatch}_bucket`, { pool: 'default', le: '300' })).toBe(2);
    const duration = 'drover_task_duration_seconds';
    expect(sampleValue(s, `${duration}_count`, { pool: 'default', state: 'COMPLETED' })).toBe(2);
    expect(sampleValue(s, `${duration}_sum`, { pool: 'default', state: 'COMPLETED' })).toBe(3);

    expect(sampleValue(s, 'drover_bot_streams')).toBe(1);
    expect(sampleValue(s, 'drover_bots', { pool: 'default', status: 'alive' })).toBe(1);
    expect(sampleValue(s, 'drover_bots', { pool: 'default', status: 'dead' })).toBe(0);
    expect(
      sampleValue(s, 'drover_bots', { pool: 'default', status: 'busy' }) +
        sampleValue(s, 'drover_bots', { pool: 'default', status: 'idle' }),
    ).toBe(1);
    expect(sampleValue(s, 'drover_bots', { pool: 'default', status: 'quarantined' })).toBe(0);

    const calls = (method: string, code: string) =>
      sampleValue(s, 'drover_grpc_calls_total', { service: 'drover.v1.Tasks', method, code });
    expect(calls('NewTask', 'OK')).toBe(3);
    expect(calls('NewTask', 'INVALID_ARGUMENT')).toBe(1);
    expect(calls('NewTask', 'UNAUTHENTICATED')).toBe(1);
    expect(s.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts the tasks already in the store when the coordinator starts again', async () => {
    await start();
    await newTask('gpu');
    await newTask('default');
    await runTasksOnBot('metrics-bot', 1, 1);
    for (const b of bots.splice(0)) b.crash();
    await coord!.close();

    nowMs += 30_000;
    await start();
    const s = await samples();
    expect(sampleValue(s, 'drover_tasks', { state: 'COMPLETED' })).toBe(1);
    expect(sampleValue(s, 'drover_tasks', { state: 'PENDING' })).toBe(1);
    expect(sampleValue(s, 'drover_tasks_pending', { pool: 'gpu' })).toBe(1);
    expect(sampleValue(s, 'drover_tasks_pending_oldest_age_seconds', { pool: 'gpu' })).toBe(30);
    expect(sampleValue(s, 'drover_bots', { pool: 'default', status: 'alive' })).toBe(1);
    expect(sampleValue(s, 'drover_bot_streams')).toBe(0);
  });

  it('answers 401 without a valid token and 403 to tokens that may not view every pool', async () => {
    const viewer = 'drv_c_ci-viewer-token-for-the-metrics-test-0000000000';
    const admin = 'drv_c_admin-token-for-the-metrics-test-000000000000000';
    writeFileSync(
      join(dir.path, 'tokens.json'),
      JSON.stringify({
        version: 2,
        principals: [
          { name: 'admin', sha256: hashToken(admin), admin: true, roles: {} },
          { name: 'ci-viewer', sha256: hashToken(viewer), admin: false, roles: { ci: ['view'] } },
        ],
        botGroups: [],
      }),
    );
    await start();
    expect((await scrape(undefined)).status).toBe(401);
    expect((await scrape('drv_c_not-a-known-token')).status).toBe(401);
    expect((await scrape(viewer)).status).toBe(403);
    const ok = await scrape(admin);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('drover_tasks{state="PENDING"} 0');
    const healthz = await fetch(`http://${coord!.httpAddress}/healthz`);
    expect(healthz.status).toBe(200);
  });
});
