// Several coordinators on one PostgreSQL database (DESIGN.md §6): what one replica commits, the
// others act on at once through LISTEN/NOTIFY — a task submitted to replica A runs on a bot of
// replica B, a cancel sent to B reaches a task running on A's bot, WaitTask on any replica sees
// the end, bots and admin changes are known everywhere, request_uuid holds across replicas and
// expiry happens once. In-process coordinators, real bot processes; skipped with one line when
// no PostgreSQL answers at DROVER_TEST_PG_URL.
import type { NewTaskRequest } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dropPgSchema, pgReachable } from '@drover/state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { botsStub } from './scripted-bot';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from './harness';
import { waitUntil } from './faults/conditions';
import { shTask, TasksApi } from './faults/tasks-api';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: replicas skipped');
const SCHEMA = `drover_test_${randomBytes(6).toString('hex')}`;

const shared = tempDir('drover-replicas-');
const replicas: RunningCoordinator[] = [];
const bots: ChildProcess[] = [];
/** Replica index → the bots started on it. */
const botsOn = new Map<number, ChildProcess[]>();
const clients: TasksApi[] = [];

/** Replica i's client (each replica is reached on its own address, as through a balancer). */
function api(i: number): TasksApi {
  const c = new TasksApi(replicas[i]!.grpcAddress, readToken(shared.path, 'client'));
  clients.push(c);
  return c;
}

/** `sh -c script` for a bot of `pool`. */
function poolTask(script: string, pool: string): NewTaskRequest {
  const req = shTask(script, { gracePeriodSecs: 1 });
  const slice = req.task_slices![0]!;
  return {
    ...req,
    task_slices: [
      { ...slice, properties: { ...slice.properties, dimensions: [{ key: 'pool', value: pool }] } },
    ],
  };
}

async function startReplica(name: string): Promise<RunningCoordinator> {
  const dir = join(shared.path, name);
  return startTestCoordinator(dir, {
    store: PG_URL,
    storeSchema: SCHEMA,
    tokensFile: join(shared.path, 'tokens.json'),
    botPingToleranceSecs: 6,
    heartbeatIntervalSecs: 1,
  });
}

async function startBotOn(replica: number, botId: string, pool: string): Promise<ChildProcess> {
  const bot = await startBotProcess(replicas[replica]!, shared.path, botId, [
    '--pool',
    pool,
    '--token-file',
    join(shared.path, 'bot.token'),
  ]);
  bots.push(bot);
  botsOn.set(replica, [...(botsOn.get(replica) ?? []), bot]);
  // Every replica hears of it (its row's change note) before the test goes on.
  await waitUntil(
    `${botId} known to every replica`,
    () => replicas.every((r) => r.registry.knows(botId)),
    { deadlineMs: 10_000 },
  );
  return bot;
}

beforeAll(async () => {
  if (!REACHABLE) return;
  // The first replica writes the tokens; the others share its tokens file.
  replicas.push(
    await startTestCoordinator(shared.path, {
      store: PG_URL,
      storeSchema: SCHEMA,
      botPingToleranceSecs: 6,
      heartbeatIntervalSecs: 1,
    }),
  );
  replicas.push(await startReplica('b'), await startReplica('c'));
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(bots.map((b) => stopProcess(b)));
  for (const r of replicas) await r.close();
  if (REACHABLE) await dropPgSchema(PG_URL, SCHEMA);
  shared.remove();
});

describe.skipIf(!REACHABLE)('several coordinators on one PostgreSQL', () => {
  it('runs a task submitted to replica A on the idle bot of replica B, and A sees it end', async () => {
    await startBotOn(1, 'rb-1', 'only-b');
    const a = api(0);
    // Replica A knows the bot connected to B: the task is queued, not NO_RESOURCE.
    const created = await a.newTask(poolTask('echo ran on $DROVER_BOT_ID; exit 5', 'only-b'));
    expect(created.result?.state).toBe('PENDING');
    const final = await a.final(created.task_id, 20_000);
    expect(final).toMatchObject({ state: 'COMPLETED', exit_code: 5, bot_id: 'rb-1' });
    expect((await api(2).output(created.task_id)).toString()).toBe('ran on rb-1\n');
  });

  it('streams, on replica C, the changes of a task submitted to A and run by the bot of B (WatchTasks)', async () => {
    const stub = tasksStub(replicas[2]!.grpcAddress);
    const seen: string[] = [];
    const watch = stub.WatchTasks(
      { tags: ['watch:across'] },
      bearer(readToken(shared.path, 'client')),
    );
    watch.on('error', () => undefined);
    const completed = new Promise<void>((resolve) =>
      watch.on('data', (c: { state: string }) => {
        seen.push(c.state);
        if (c.state === 'COMPLETED') resolve();
      }),
    );
    await new Promise((resolve) => watch.once('metadata', resolve));
    const req = poolTask('true', 'only-b');
    const created = await api(0).newTask({ ...req, tags: ['watch:across'] });
    await completed;
    watch.cancel();
    stub.close();
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(new Set(seen).size).toBe(seen.length);
    expect((await api(1).result(created.task_id)).state).toBe('COMPLETED');
  });

  it('delivers a cancel sent to replica C to the task running on the bot of replica A', async () => {
    await startBotOn(0, 'ra-1', 'only-a');
    const c = api(2);
    const created = await c.newTask(poolTask('echo started; sleep 60', 'only-a'));
    await c.until(created.task_id, 'RUNNING', (r) => r.state === 'RUNNING', 20_000);
    await c.cancel(created.task_id, true);
    const final = await api(1).final(created.task_id, 20_000);
    expect(final).toMatchObject({ state: 'KILLED', bot_id: 'ra-1' });
  });

  it('keeps admin changes made on one replica for a bot connected to another', async () => {
    await startBotOn(2, 'rc-1', 'only-c');
    const admin = botsStub(replicas[0]!.grpcAddress);
    const md = bearer(readToken(shared.path, 'client'));
    // Replica A shows the bot of replica C as connected, and will not delete it without force.
    const info = await call<{ connected: boolean; is_dead: boolean }>(
      (m, cb) => admin.GetBot({ bot_id: 'rc-1' }, m, cb),
      md,
    );
    expect(info).toMatchObject({ connected: true, is_dead: false });
    await expect(
      call((m, cb) => admin.DeleteBot({ bot_id: 'rc-1', force: false }, m, cb), md),
    ).rejects.toThrow(/connected; use force/);
    await call((m, cb) => admin.QuarantineBot({ bot_id: 'rc-1', reason: 'disk check' }, m, cb), md);
    // Replica B learns it too (its change note): no capacity for the pool any more.
    const onlyC = [{ key: 'pool', value: 'only-c' }];
    await waitUntil(
      'replica B sees the quarantine',
      () => !replicas[1]!.registry.hasCapacity(onlyC),
      {
        deadlineMs: 10_000,
      },
    );
    const b = api(1);
    const refused = await b.newTask(poolTask('true', 'only-c'));
    expect(refused.result?.state).toBe('NO_RESOURCE');
    await call((m, cb) => admin.UnquarantineBot({ bot_id: 'rc-1' }, m, cb), md);
    await waitUntil(
      'replica B sees the end of it',
      () => replicas[1]!.registry.hasCapacity(onlyC),
      {
        deadlineMs: 10_000,
      },
    );
    const created = await b.newTask(poolTask('true', 'only-c'));
    expect(await b.final(created.task_id, 20_000)).toMatchObject({
      state: 'COMPLETED',
      bot_id: 'rc-1',
    });
  });

  it('gives one task for one request_uuid submitted to every replica at once', async () => {
    const request = poolTask('true', 'only-a');
    const made = await Promise.all(
      [0, 1, 2].map((i) => api(i).newTask({ ...request, request_uuid: 'same-everywhere' })),
    );
    expect(new Set(made.map((m) => m.task_id)).size).toBe(1);
    expect((await api(0).final(made[0]!.task_id, 20_000)).state).toBe('COMPLETED');
  });

  it('answers an idempotent task on one replica with the result of the same work done through another', async () => {
    const base = poolTask('echo work once', 'only-b');
    const slice = base.task_slices![0]!;
    const req: NewTaskRequest = {
      ...base,
      task_slices: [{ ...slice, properties: { ...slice.properties, idempotent: true } }],
    };
    const first = await api(0).newTask(req);
    expect((await api(0).final(first.task_id, 20_000)).state).toBe('COMPLETED');
    const second = await api(2).newTask(req);
    expect(second.result).toMatchObject({ state: 'COMPLETED', deduped_from: first.task_id });
  });

  it('expires a waiting task once, slice by slice, though every replica has its timer', async () => {
    const req = poolTask('true', 'nobody-here');
    const slice = req.task_slices![0]!;
    const created = await api(1).newTask({
      ...req,
      task_slices: [
        { ...slice, expiration_secs: 1, wait_for_capacity: true },
        {
          ...slice,
          properties: { ...slice.properties, env: [{ key: 'SLICE', value: '1' }] },
          expiration_secs: 1,
          wait_for_capacity: true,
        },
      ],
    });
    const seen = await api(0).follow(created.task_id, { deadlineMs: 20_000 });
    const final = seen.at(-1)!;
    expect(final).toMatchObject({ state: 'EXPIRED', current_task_slice: 1 });
    // Exactly one expiry per slice: the task was abandoned after both deadlines, not before.
    const created_ms = Number(final.created_ts!.seconds) * 1000 + final.created_ts!.nanos / 1e6;
    const abandoned_ms =
      Number(final.abandoned_ts!.seconds) * 1000 + final.abandoned_ts!.nanos / 1e6;
    expect(abandoned_ms - created_ms).toBeGreaterThanOrEqual(2000);
  });
  it('lets a replica whose clock is 2 minutes ahead leave alone the task of a live bot on another replica', async () => {
    // Its sweep reads the bot's row, refreshed by replica B with B's clock: judged by the local
    // clock, the bot would look silent for 2 minutes (the tolerance is 6 s).
    const skewed = await startTestCoordinator(
      join(shared.path, 'skewed'),
      {
        store: PG_URL,
        storeSchema: SCHEMA,
        tokensFile: join(shared.path, 'tokens.json'),
        botPingToleranceSecs: 6,
        heartbeatIntervalSecs: 1,
      },
      () => Date.now() + 120_000,
    );
    try {
      await startBotOn(1, 'rb-steady', 'steady');
      const b = api(1);
      // Longer than the tolerance, so that the skewed replica sweeps it several times.
      const created = await b.newTask(poolTask('sleep 9; echo done', 'steady'));
      const final = await b.final(created.task_id, 30_000);
      expect(final).toMatchObject({ state: 'COMPLETED', exit_code: 0, bot_id: 'rb-steady' });
    } finally {
      await skewed.close();
    }
  });

  it('ends as BOT_DIED, from a surviving replica, the task of a bot that died with its replica', async () => {
    const bot = await startBotOn(0, 'ra-doomed', 'doomed');
    const b = api(1);
    const created = await b.newTask(poolTask('sleep 60', 'doomed'));
    await b.until(created.task_id, 'RUNNING', (r) => r.state === 'RUNNING', 20_000);
    // The bot and its replica die together: nobody is left watching the bot there.
    await Promise.all((botsOn.get(0) ?? [bot]).map((b) => stopProcess(b)));
    await replicas[0]!.close();
    const final = await api(2).final(created.task_id, 30_000);
    expect(final).toMatchObject({ state: 'BOT_DIED', bot_id: 'ra-doomed' });
    expect(final.summary).toMatch(/silent/);
  });
});
