import { status, type ServiceError } from '@grpc/grpc-js';
import type { BotsClient, NewTaskResponseOut, TaskResultOut, TasksClient } from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
  waitForEvent,
} from './harness';
import { ScriptedBot, botsStub } from './scripted-bot';

interface BotInfoOut {
  bot_id: string;
  quarantined: boolean;
  quarantined_reason: string;
  in_maintenance: boolean;
  maintenance_msg: string;
  task_id: string;
  task_name: string;
  connected: boolean;
}
interface BotEventOut {
  bot_id: string;
  event_type: string;
  message: string;
  task_id: string;
  dimensions: Array<{ key: string; value: string[] }>;
}
interface Page<T> {
  items: T[];
  cursor: string;
}

const DEATH_SECS = 60;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bots: BotsClient;
let tasks: TasksClient;
let token: string;
let now: number;
const scripted: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  now = Date.now();
  coord = await startTestCoordinator(
    dir.path,
    { botDeathTimeoutSecs: DEATH_SECS, botPingToleranceSecs: 1 },
    () => now,
  );
  bots = botsStub(coord.grpcAddress);
  tasks = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of scripted.splice(0)) b.crash();
  bots.close();
  tasks.close();
  await coord.close();
  dir.remove();
});

/** Calls a Bots method by name with the client token. */
function rpc<Res>(method: keyof BotsClient & string, req: object): Promise<Res> {
  const fn = (bots as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!;
  return call<Res>((md, cb) => fn.call(bots, req, md, cb), bearer(token));
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
const getBot = (botId: string) => rpc<BotInfoOut>('GetBot', { bot_id: botId });
const events = (req: object) => rpc<Page<BotEventOut>>('ListBotEvents', req);

/** A scripted bot that said hello; resolves with it once it has its Welcome. */
async function connect(botId: string, os = 'Linux', pool = 'default'): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  scripted.push(b);
  b.hello(
    botId,
    [],
    [
      { key: 'pool', value: [pool] },
      { key: 'os', value: [os] },
    ],
  );
  await b.next((m) => m.msg === 'welcome');
  return b;
}

async function submit(
  os: string,
  opts: { waitForCapacity?: boolean; command?: string[] } = {},
): Promise<{ task_id: string; state: string | undefined }> {
  now += 1; // distinct creation times: listings are newest first
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          name: `on-${os}`,
          task_slices: [
            {
              properties: {
                command: opts.command ?? ['true'],
                dimensions: [
                  { key: 'pool', value: 'default' },
                  { key: 'os', value: os },
                ],
              },
              wait_for_capacity: opts.waitForCapacity ?? true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  return { task_id: res.task_id, state: res.result?.state };
}

const result = (taskId: string) =>
  call<TaskResultOut>((md, cb) => tasks.GetResult({ task_id: taskId }, md, cb), bearer(token));

/** Runs the assigned task to its end on the scripted bot; resolves once it is acknowledged. */
async function runAssigned(bot: ScriptedBot, exitCode = 0): Promise<string> {
  const a = (await bot.next((m) => m.msg === 'assign')).assign!;
  bot.send({ task_started: { task_id: a.task_id, lease_id: a.lease_id } });
  bot.send({
    task_finished: {
      task_id: a.task_id,
      lease_id: a.lease_id,
      exit_code: exitCode,
      duration: 0.1,
      output_size: 0,
    },
  });
  await bot.next((m) => m.msg === 'ack' && m.ack?.task_id === a.task_id && m.ack.finished);
  return a.task_id;
}

/**
 * Resolves once the dispatcher has handled everything queued before: a task for a probe bot of
 * its own kind is submitted and reaches it (the dispatcher handles work in order).
 */
async function dispatcherCaughtUp(): Promise<void> {
  const os = `Probe${scripted.length}`;
  const probe = await connect(`probe-${scripted.length}`, os);
  const { task_id } = await submit(os);
  const a = await probe.next((m) => m.msg === 'assign');
  expect(a.assign?.task_id).toBe(task_id);
}

const ADMIN_STATES = [
  {
    name: 'quarantine',
    on: () => rpc<BotInfoOut>('QuarantineBot', { bot_id: 'bot-a', reason: 'flaky disk' }),
    off: () => rpc<BotInfoOut>('UnquarantineBot', { bot_id: 'bot-a' }),
    shows: (b: BotInfoOut) => b.quarantined && b.quarantined_reason === 'flaky disk',
  },
  {
    name: 'maintenance',
    on: () =>
      rpc<BotInfoOut>('SetMaintenance', { bot_id: 'bot-a', enabled: true, message: 'new disk' }),
    off: () => rpc<BotInfoOut>('SetMaintenance', { bot_id: 'bot-a', enabled: false }),
    shows: (b: BotInfoOut) => b.in_maintenance && b.maintenance_msg === 'new disk',
  },
];

describe.each(ADMIN_STATES)('$name', ({ on, off, shows }) => {
  it('stops dispatch and capacity until it is lifted, then the waiting task runs', async () => {
    const bot = await connect('bot-a');
    const info = await on();
    expect(shows(info)).toBe(true);
    expect(shows(await getBot('bot-a'))).toBe(true);

    const waiting = await submit('Linux');
    expect(waiting.state).toBe('PENDING');
    const refused = await submit('Linux', { waitForCapacity: false });
    expect(refused.state).toBe('NO_RESOURCE');
    await dispatcherCaughtUp();
    expect((await result(waiting.task_id)).state).toBe('PENDING');
    expect((await getBot('bot-a')).task_id).toBe('');

    const lifted = await off();
    expect(lifted.quarantined).toBe(false);
    expect(lifted.in_maintenance).toBe(false);
    const a = await bot.next((m) => m.msg === 'assign');
    expect(a.assign?.task_id).toBe(waiting.task_id);
    const busy = await getBot('bot-a');
    expect(busy.task_id).toBe(waiting.task_id);
    expect(busy.task_name).toBe('on-Linux');
  });

  it('lets the running task finish and gives the bot nothing after it', async () => {
    const bot = await connect('bot-a');
    const first = await submit('Linux');
    const a = (await bot.next((m) => m.msg === 'assign')).assign!;
    await on();
    const second = await submit('Linux');
    bot.send({ task_started: { task_id: a.task_id, lease_id: a.lease_id } });
    bot.send({
      task_finished: { task_id: a.task_id, lease_id: a.lease_id, exit_code: 0, output_size: 0 },
    });
    const ack = await bot.next((m) => m.msg === 'ack' || m.msg === 'kill');
    expect(ack.msg).toBe('ack');
    expect((await result(first.task_id)).state).toBe('COMPLETED');
    await dispatcherCaughtUp();
    expect((await result(second.task_id)).state).toBe('PENDING');
  });

  it('survives a coordinator restart', async () => {
    await connect('bot-a');
    await on();
    for (const b of scripted.splice(0)) b.crash();
    await coord.close();
    coord = await startTestCoordinator(
      dir.path,
      { botDeathTimeoutSecs: DEATH_SECS, botPingToleranceSecs: 1 },
      () => now,
    );
    bots.close();
    bots = botsStub(coord.grpcAddress);
    tasks.close();
    tasks = tasksStub(coord.grpcAddress);
    await connect('bot-a');
    expect(shows(await getBot('bot-a'))).toBe(true);
    expect((await submit('Linux', { waitForCapacity: false })).state).toBe('NO_RESOURCE');
  });
});

describe('ListBots and CountBots with admin states', () => {
  it('filters on admin quarantine and maintenance as tri-state flags', async () => {
    await connect('bot-1');
    await connect('bot-2');
    await connect('bot-3');
    await rpc('QuarantineBot', { bot_id: 'bot-1', reason: '' });
    await rpc('SetMaintenance', { bot_id: 'bot-2', enabled: true, message: 'x' });
    const ids = (r: Page<BotInfoOut>) => r.items.map((b) => b.bot_id);
    const list = (req: object) => rpc<Page<BotInfoOut>>('ListBots', req);
    const q = await list({ quarantined: 'TRUE' });
    expect(ids(q)).toEqual(['bot-1']);
    expect(q.items[0]?.quarantined_reason).toMatch(/^quarantined by /);
    expect(ids(await list({ quarantined: 'FALSE' }))).toEqual(['bot-2', 'bot-3']);
    expect(ids(await list({ in_maintenance: 'TRUE' }))).toEqual(['bot-2']);
    expect(ids(await list({ in_maintenance: 'FALSE' }))).toEqual(['bot-1', 'bot-3']);
    expect(ids(await list({ in_maintenance: 'NULL', limit: 2 }))).toEqual(['bot-1', 'bot-2']);
    expect(await rpc('CountBots', {})).toEqual({
      count: 3,
      busy: 0,
      quarantined: 1,
      maintenance: 1,
      dead: 0,
    });
  });
});

describe('ListBotEvents', () => {
  it('lists what happened to a bot, newest first, in pages', async () => {
    const bot = await connect('bot-a');
    await submit('Linux');
    const taskId = await runAssigned(bot, 3);
    await rpc('QuarantineBot', { bot_id: 'bot-a', reason: 'bad' });
    await rpc('UnquarantineBot', { bot_id: 'bot-a' });
    await rpc('SetMaintenance', { bot_id: 'bot-a', enabled: true, message: 'swap' });
    await rpc('SetMaintenance', { bot_id: 'bot-a', enabled: false });
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'bot-a',
    );
    bot.crash();
    await gone;

    const all = await events({ bot_id: 'bot-a' });
    expect(all.cursor).toBe('');
    expect(all.items.map((e) => [e.event_type, e.message, e.task_id])).toEqual([
      ['disconnected', '', ''],
      ['maintenance', 'off', ''],
      ['maintenance', 'on: swap', ''],
      ['unquarantined', expect.stringMatching(/^unquarantined by /), ''],
      ['quarantined', 'bad', ''],
      ['task_completed', 'COMPLETED exit 3', taskId],
      ['task_started', 'on-Linux', taskId],
      ['connected', '', ''],
    ]);
    expect(all.items[0]?.dimensions).toContainEqual({ key: 'os', value: ['Linux'] });

    const seen: BotEventOut[] = [];
    let cursor = '';
    do {
      const page = await events({ bot_id: 'bot-a', limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== '');
    expect(seen).toEqual(all.items);
  });

  it('records missing once when a disconnected bot stays silent past the death timeout', async () => {
    const bot = await connect('bot-a');
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'bot-a',
    );
    bot.crash();
    await gone;
    expect((await events({ bot_id: 'bot-a' })).items[0]?.event_type).toBe('disconnected');
    now += (DEATH_SECS + 1) * 1000;
    const types = async () => (await events({ bot_id: 'bot-a' })).items.map((e) => e.event_type);
    expect(await types()).toEqual(['missing', 'disconnected', 'connected']);
    now += 1000;
    expect(await types()).toEqual(['missing', 'disconnected', 'connected']);
    await connect('bot-a');
    expect((await types())[0]).toBe('connected');
  });

  it('filters by time range and validates its arguments', async () => {
    await connect('bot-a');
    const t0 = now;
    now += 10_000;
    await rpc('QuarantineBot', { bot_id: 'bot-a', reason: 'later' });
    const sec = (ms: number) => ({ seconds: Math.floor(ms / 1000) });
    const later = await events({ bot_id: 'bot-a', start: sec(t0 + 5000) });
    expect(later.items.map((e) => e.event_type)).toEqual(['quarantined']);
    const earlier = await events({ bot_id: 'bot-a', end: sec(t0 + 5000) });
    expect(earlier.items.map((e) => e.event_type)).toEqual(['connected']);

    const cases: Array<[object, RegExp, status]> = [
      [{ bot_id: '' }, /^bot_id/, status.INVALID_ARGUMENT],
      [{ bot_id: 'bot-a', limit: 1001 }, /^limit/, status.INVALID_ARGUMENT],
      [{ bot_id: 'bot-a', cursor: 'nope' }, /^cursor/, status.INVALID_ARGUMENT],
      [{ bot_id: 'bot-a', start: sec(t0), end: sec(t0 - 5000) }, /^end/, status.INVALID_ARGUMENT],
    ];
    for (const [req, details, code] of cases) {
      const err = await failure(events(req));
      expect({ code: err?.code, details: err?.details }).toMatchObject({ code, details });
    }
    expect(await events({ bot_id: 'never-seen' })).toEqual({ items: [], cursor: '' });
  });
});

describe('ListBotTasks', () => {
  it("lists the bot's tasks newest first, by state query", async () => {
    const a = await connect('bot-a');
    const b = await connect('bot-b', 'Mac');
    await submit('Linux');
    const ok = await runAssigned(a, 0);
    await submit('Linux');
    const failed = await runAssigned(a, 1);
    await submit('Mac');
    await runAssigned(b, 0);
    const pending = await submit('Linux', { command: ['sleep', '100'] });
    await a.next((m) => m.msg === 'assign');

    const list = (req: object) =>
      rpc<Page<TaskResultOut>>('ListBotTasks', { bot_id: 'bot-a', ...req });
    const ids = (r: Page<TaskResultOut>) => r.items.map((t) => t.task_id);
    expect(ids(await list({ state: 'QUERY_ALL' }))).toEqual([pending.task_id, failed, ok]);
    expect(ids(await list({ state: 'QUERY_COMPLETED_FAILURE' }))).toEqual([failed]);
    expect(ids(await list({ state: 'QUERY_RUNNING' }))).toEqual([pending.task_id]);
    const first = await list({ state: 'QUERY_ALL', limit: 2 });
    expect(ids(first)).toEqual([pending.task_id, failed]);
    expect(ids(await list({ state: 'QUERY_ALL', limit: 2, cursor: first.cursor }))).toEqual([ok]);
    const err = await failure(list({ bot_id: '' }));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^bot_id/);
  });
});

describe('GetBotDimensions', () => {
  it('gives every key with its sorted distinct values over the bots of a pool', async () => {
    await connect('bot-2', 'Mac');
    await connect('bot-1', 'Linux');
    await connect('bot-3', 'Linux');
    await connect('bot-9', 'Plan9', 'other');
    const dims = (pool: string) =>
      rpc<{ bots_dimensions: Array<{ key: string; value: string[] }> }>('GetBotDimensions', {
        pool,
      }).then((r) => r.bots_dimensions);
    expect(await dims('default')).toEqual([
      { key: 'id', value: ['bot-1', 'bot-2', 'bot-3'] },
      { key: 'os', value: ['Linux', 'Mac'] },
      { key: 'pool', value: ['default'] },
    ]);
    expect(await dims('')).toEqual([
      { key: 'id', value: ['bot-1', 'bot-2', 'bot-3', 'bot-9'] },
      { key: 'os', value: ['Linux', 'Mac', 'Plan9'] },
      { key: 'pool', value: ['default', 'other'] },
    ]);
    expect(await dims('nowhere')).toEqual([]);
  });
});

describe('DeleteBot', () => {
  it('is refused while the bot is connected unless forced; the bot re-registers', async () => {
    const bot = await connect('bot-a');
    const refused = await failure(rpc('DeleteBot', { bot_id: 'bot-a' }));
    expect(refused?.code).toBe(status.FAILED_PRECONDITION);
    expect(refused?.details).toBe('bot bot-a is connected; use force');
    expect((await getBot('bot-a')).connected).toBe(true);

    expect(await rpc('DeleteBot', { bot_id: 'bot-a', force: true })).toEqual({ deleted: true });
    expect((await bot.ended()).message).toMatch(/deleted by/);
    expect((await failure(getBot('bot-a')))?.code).toBe(status.NOT_FOUND);
    expect((await rpc<{ count: number }>('CountBots', {})).count).toBe(0);
    expect((await events({ bot_id: 'bot-a' })).items[0]).toMatchObject({
      event_type: 'deleted',
      dimensions: expect.arrayContaining([{ key: 'os', value: ['Linux'] }]),
    });

    await connect('bot-a');
    expect((await getBot('bot-a')).connected).toBe(true);
    const waiting = await submit('Linux', { waitForCapacity: false });
    expect(waiting.state).toBe('PENDING');
  });

  it('forgets a disconnected bot without force', async () => {
    const bot = await connect('bot-a');
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'bot-a',
    );
    bot.crash();
    await gone;
    expect(await rpc('DeleteBot', { bot_id: 'bot-a' })).toEqual({ deleted: true });
    expect((await failure(getBot('bot-a')))?.code).toBe(status.NOT_FOUND);
    expect((await submit('Linux', { waitForCapacity: false })).state).toBe('NO_RESOURCE');
    expect((await failure(rpc('DeleteBot', { bot_id: 'bot-a' })))?.code).toBe(status.NOT_FOUND);
  });
});

describe('TerminateBot (scripted bot)', () => {
  /** Answers the Terminate as a real bot does; resolves with the termination task id. */
  async function reportTermination(bot: ScriptedBot): Promise<string> {
    const t = (await bot.next((m) => m.msg === 'terminate')).terminate!;
    bot.send({ task_started: { task_id: t.task_id, lease_id: t.lease_id } });
    bot.send({
      task_finished: { task_id: t.task_id, lease_id: t.lease_id, exit_code: 0, output_size: 0 },
    });
    await bot.next((m) => m.msg === 'ack' && m.ack?.task_id === t.task_id && m.ack.finished);
    return t.task_id;
  }
  const terminate = (botId: string, reason = '') =>
    rpc<{ task_id: string }>('TerminateBot', { bot_id: botId, reason }).then((r) => r.task_id);

  it('reaches a quarantined bot, with the reason and the lease', async () => {
    const bot = await connect('bot-a');
    await rpc('QuarantineBot', { bot_id: 'bot-a', reason: 'broken' });
    const taskId = await terminate('bot-a', 'decommission');
    const t = await bot.next((m) => m.msg === 'terminate');
    expect(t.terminate).toMatchObject({ task_id: taskId, reason: 'decommission' });
    expect(t.terminate?.lease_id).not.toBe('');
    bot.send({ task_started: { task_id: taskId, lease_id: t.terminate!.lease_id } });
    bot.send({
      task_finished: { task_id: taskId, lease_id: t.terminate!.lease_id, exit_code: 0 },
    });
    await bot.next((m) => m.msg === 'ack' && m.ack?.finished === true);
    expect(await result(taskId)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    expect((await events({ bot_id: 'bot-a' })).items[0]).toMatchObject({
      event_type: 'terminated',
      message: 'decommission',
      task_id: taskId,
    });
  });

  it('waits for a disconnected bot and reaches it when it is back', async () => {
    const bot = await connect('bot-a');
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'bot-a',
    );
    bot.crash();
    await gone;
    const taskId = await terminate('bot-a');
    expect(await terminate('bot-a')).toBe(taskId);
    expect((await result(taskId)).state).toBe('PENDING');
    expect(await reportTermination(await connect('bot-a'))).toBe(taskId);
    expect((await result(taskId)).state).toBe('COMPLETED');
  });

  it('refuses an unknown bot and names a missing bot id', async () => {
    expect((await failure(terminate('nobody')))?.code).toBe(status.NOT_FOUND);
    const err = await failure(terminate(''));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^bot_id/);
  });
});
