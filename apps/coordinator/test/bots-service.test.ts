import * as grpc from '@grpc/grpc-js';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotsClient,
  type NewTaskResponseOut,
  type TasksClient,
} from '@drover/protocol';
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
import { ScriptedBot } from './scripted-bot';

interface BotInfoOut {
  bot_id: string;
  dimensions: Array<{ key: string; value: string[] }>;
  state: {
    cpu_load: number;
    free_disk_bytes: number;
    uptime_secs: number;
    running_task_id: string;
    quarantined_reason: string;
  } | null;
  version: string;
  is_dead: boolean;
  connected: boolean;
  quarantined: boolean;
  quarantined_reason: string;
  in_maintenance: boolean;
  task_id: string;
  first_seen_ts: { seconds: number } | null;
  last_seen_ts: { seconds: number } | null;
  session_id: string;
}
interface ListOut {
  items: BotInfoOut[];
  cursor: string;
}
interface CountOut {
  count: number;
  busy: number;
  quarantined: number;
  maintenance: number;
  dead: number;
}

const DEATH_SECS = 60;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let botsStub: BotsClient;
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
  const proto = loadDroverProto().drover.v1;
  botsStub = new proto.Bots(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as BotsClient;
  tasks = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of scripted.splice(0)) b.crash();
  botsStub.close();
  tasks.close();
  await coord.close();
  dir.remove();
});

const getBot = (botId: string, tok = token) =>
  call<BotInfoOut>((md, cb) => botsStub.GetBot({ bot_id: botId }, md, cb), bearer(tok));
const listBots = (req: Record<string, unknown>) =>
  call<ListOut>((md, cb) => botsStub.ListBots(req, md, cb), bearer(token));
const countBots = (dimensions: Array<{ key: string; value: string }> = []) =>
  call<CountOut>((md, cb) => botsStub.CountBots({ dimensions }, md, cb), bearer(token));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A scripted bot that said hello with these dimensions and health; resolves once stored. */
async function connect(
  botId: string,
  os: string,
  state: Record<string, unknown> = {},
): Promise<{ bot: ScriptedBot; sessionId: string }> {
  const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  scripted.push(b);
  b.send({
    hello: {
      bot_id: botId,
      version: 'v-test',
      dimensions: [
        { key: 'pool', value: ['default'] },
        { key: 'os', value: [os] },
      ],
      state,
      running: [],
    },
  });
  const welcome = (await b.next((m) => m.msg === 'welcome')).welcome!;
  await eventually(
    () => coord.store.getBot(botId),
    (r) => r?.sessionId === welcome.session_id,
  );
  return { bot: b, sessionId: welcome.session_id };
}

async function submit(os: string): Promise<string> {
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          task_slices: [
            {
              properties: {
                command: ['true'],
                dimensions: [
                  { key: 'pool', value: 'default' },
                  { key: 'os', value: os },
                ],
              },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  return res.task_id;
}

describe('GetBot', () => {
  it('reports a connected bot with its stored health, dimensions and running task', async () => {
    const { bot, sessionId } = await connect('bot-a', 'Linux', {
      cpu_load: 0.5,
      free_disk_bytes: 123456789,
      uptime_secs: 42,
    });
    const taskId = await submit('Linux');
    await bot.next((m) => m.msg === 'assign');
    const info = await getBot('bot-a');
    expect(info.bot_id).toBe('bot-a');
    expect(info.dimensions).toEqual([
      { key: 'id', value: ['bot-a'] },
      { key: 'os', value: ['Linux'] },
      { key: 'pool', value: ['default'] },
    ]);
    expect(info.state).toMatchObject({
      cpu_load: 0.5,
      free_disk_bytes: 123456789,
      uptime_secs: 42,
      quarantined_reason: '',
    });
    expect(info.version).toBe('v-test');
    expect(info.connected).toBe(true);
    expect(info.is_dead).toBe(false);
    expect(info.quarantined).toBe(false);
    expect(info.in_maintenance).toBe(false);
    expect(info.task_id).toBe(taskId);
    expect(info.session_id).toBe(sessionId);
    expect(info.first_seen_ts?.seconds).toBe(Math.floor(now / 1000));
    expect(info.last_seen_ts?.seconds).toBe(Math.floor(now / 1000));
  });

  it("reports the bot's own quarantine reason", async () => {
    await connect('bot-q', 'Linux', { quarantined_reason: 'low disk' });
    const info = await getBot('bot-q');
    expect(info.quarantined).toBe(true);
    expect(info.quarantined_reason).toBe('low disk');
    expect(info.state?.quarantined_reason).toBe('low disk');
  });

  it('reports a bot silent longer than the death timeout as dead', async () => {
    const { bot } = await connect('bot-d', 'Linux');
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'bot-d',
    );
    bot.crash();
    await gone;
    let info = await getBot('bot-d');
    expect(info.connected).toBe(false);
    expect(info.is_dead).toBe(false);
    now += (DEATH_SECS + 1) * 1000;
    info = await getBot('bot-d');
    expect(info.connected).toBe(false);
    expect(info.is_dead).toBe(true);
    expect((await countBots()).dead).toBe(1);
  });

  it('answers NOT_FOUND for an unknown bot and INVALID_ARGUMENT without a bot id', async () => {
    expect((await failure(getBot('nobody')))?.code).toBe(status.NOT_FOUND);
    const err = await failure(getBot(''));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^bot_id/);
  });

  it('refuses a bot token with PERMISSION_DENIED', async () => {
    const err = await failure(getBot('bot-a', readToken(dir.path, 'bot')));
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    const listErr = await failure(
      call<ListOut>((md, cb) => botsStub.ListBots({}, md, cb), bearer(readToken(dir.path, 'bot'))),
    );
    expect(listErr?.code).toBe(status.PERMISSION_DENIED);
  });
});

describe('ListBots and CountBots', () => {
  async function fleet() {
    const linux = await connect('bot-1', 'Linux');
    await connect('bot-2', 'Mac');
    await connect('bot-3', 'Windows', { quarantined_reason: 'stopping' });
    await connect('bot-4', 'Linux');
    const taskId = await submit('Linux');
    // Exactly one of the Linux bots gets it.
    await eventually(
      () => listBots({ is_busy: 'TRUE' }),
      (r) => r.items.length === 1,
    );
    return { linux, taskId };
  }

  it('filters by dimensions (with a|b) and tri-state flags', async () => {
    const { taskId } = await fleet();
    const ids = (r: ListOut) => r.items.map((b) => b.bot_id);
    expect(ids(await listBots({}))).toEqual(['bot-1', 'bot-2', 'bot-3', 'bot-4']);
    expect(ids(await listBots({ dimensions: [{ key: 'os', value: 'Linux' }] }))).toEqual([
      'bot-1',
      'bot-4',
    ]);
    expect(ids(await listBots({ dimensions: [{ key: 'os', value: 'Mac|Windows' }] }))).toEqual([
      'bot-2',
      'bot-3',
    ]);
    expect(
      ids(
        await listBots({
          dimensions: [
            { key: 'os', value: 'Mac|Windows' },
            { key: 'pool', value: 'other' },
          ],
        }),
      ),
    ).toEqual([]);
    expect(ids(await listBots({ quarantined: 'TRUE' }))).toEqual(['bot-3']);
    expect(ids(await listBots({ quarantined: 'FALSE' }))).toEqual(['bot-1', 'bot-2', 'bot-4']);
    expect(ids(await listBots({ in_maintenance: 'TRUE' }))).toEqual([]);
    expect(ids(await listBots({ is_dead: 'TRUE' }))).toEqual([]);
    expect((await listBots({ is_dead: 'FALSE' })).items).toHaveLength(4);
    const busy = (await listBots({ is_busy: 'TRUE' })).items;
    expect(busy.map((b) => b.task_id)).toEqual([taskId]);
    expect(['bot-1', 'bot-4']).toContain(busy[0]!.bot_id);
    expect((await listBots({ is_busy: 'FALSE' })).items).toHaveLength(3);

    expect(await countBots()).toEqual({
      count: 4,
      busy: 1,
      quarantined: 1,
      maintenance: 0,
      dead: 0,
    });
    expect(await countBots([{ key: 'os', value: 'Linux' }])).toEqual({
      count: 2,
      busy: 1,
      quarantined: 0,
      maintenance: 0,
      dead: 0,
    });
    expect(await countBots([{ key: 'os', value: 'Mac|Windows' }])).toMatchObject({
      count: 2,
      busy: 0,
      quarantined: 1,
    });
  });

  it('pages by an opaque cursor and validates limit, cursor and dimensions', async () => {
    await fleet();
    const first = await listBots({ limit: 3 });
    expect(first.items.map((b) => b.bot_id)).toEqual(['bot-1', 'bot-2', 'bot-3']);
    expect(first.cursor).not.toBe('');
    const second = await listBots({ limit: 3, cursor: first.cursor });
    expect(second.items.map((b) => b.bot_id)).toEqual(['bot-4']);
    expect(second.cursor).toBe('');
    const exact = await listBots({ limit: 4 });
    expect(exact.cursor).toBe('');
    const filtered = await listBots({ limit: 1, quarantined: 'FALSE' });
    const next = await listBots({ limit: 1, quarantined: 'FALSE', cursor: filtered.cursor });
    expect([...filtered.items, ...next.items].map((b) => b.bot_id)).toEqual(['bot-1', 'bot-2']);

    const tooMany = await failure(listBots({ limit: 1001 }));
    expect(tooMany?.code).toBe(status.INVALID_ARGUMENT);
    expect(tooMany?.details).toMatch(/^limit/);
    const bad = await failure(listBots({ cursor: '!!not a cursor' }));
    expect(bad?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad?.details).toMatch(/^cursor/);
    const dims = await failure(listBots({ dimensions: [{ key: 'os', value: '' }] }));
    expect(dims?.code).toBe(status.INVALID_ARGUMENT);
    expect(dims?.details).toMatch(/^dimensions\[0\]/);
  });
});
