// The auth matrix: every role × every RPC family against one coordinator whose tokens
// file (version 2, YAML) grants roles per pool. Real gRPC on loopback, bots over the real stream.
import * as grpc from '@grpc/grpc-js';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotsClient,
  type NewTaskResponseOut,
  type TaskResultOut,
  type TasksClient,
} from '@drover/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../src/index';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from './harness';
import { ScriptedBot } from './scripted-bot';

const WHO = ['viewer', 'submitter', 'canceller', 'pool-admin', 'other-pool', 'admin'] as const;
type Who = (typeof WHO)[number];
const token = (who: Who | 'bots-a') => `drv_test_${who}`;

const TOKENS_YAML = `# roles per pool
version: 2
principals:
  - { name: viewer, sha256: ${hashToken(token('viewer'))}, roles: { a: [view] } }
  - { name: submitter, sha256: ${hashToken(token('submitter'))}, roles: { a: [submit] } }
  - { name: canceller, sha256: ${hashToken(token('canceller'))}, roles: { a: [cancel] } }
  - { name: pool-admin, sha256: ${hashToken(token('pool-admin'))}, roles: { a: [admin] } }
  - name: other-pool
    sha256: [${hashToken(token('other-pool'))}]
    roles: { b: [view, submit, cancel, admin] }
  - { name: admin, sha256: ${hashToken(token('admin'))}, admin: true }
botGroups:
  - name: bots-a
    sha256: ${hashToken(token('bots-a'))}
    botIds: ['bot-a*']
    dimensions: { pool: [a] }
`;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bots: BotsClient;
let botA: ScriptedBot;
const scripted: ScriptedBot[] = [];

beforeAll(async () => {
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  coord = await startTestCoordinator(dir.path, { tokensFile });
  tasks = tasksStub(coord.grpcAddress);
  bots = new (loadDroverProto().drover.v1.Bots)(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as BotsClient;
  botA = connectBot('bot-a1');
  await botA.next((m) => m.msg === 'welcome');
});

afterAll(async () => {
  for (const b of scripted) b.crash();
  tasks.close();
  bots.close();
  await coord.close();
  dir.remove();
});

function connectBot(botId: string, tok = token('bots-a')): ScriptedBot {
  const b = new ScriptedBot(coord.grpcAddress, tok);
  scripted.push(b);
  b.hello(botId);
  return b;
}

/** The gRPC code name a call ended with, 'OK' on success. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return status[(err as ServiceError).code];
  }
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

let seq = 0;
interface SubmitOptions {
  pool?: string;
  priority?: number;
  /** Stays PENDING (no bot has os=Nowhere); otherwise it ends NO_RESOURCE at once. */
  pending?: boolean;
  tags?: string[];
  dimensions?: Array<{ key: string; value: string }>;
}

function submit(as: string, opts: SubmitOptions = {}): Promise<NewTaskResponseOut> {
  const dimensions = opts.dimensions ?? [
    { key: 'pool', value: opts.pool ?? 'a' },
    { key: 'os', value: 'Nowhere' },
  ];
  return call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          name: `t${++seq}`,
          tags: opts.tags ?? [],
          ...(opts.priority === undefined ? {} : { priority: opts.priority }),
          task_slices: [
            {
              properties: { command: ['true'], dimensions },
              ...(opts.pending === true ? { wait_for_capacity: true } : {}),
            },
          ],
        },
        md,
        cb,
      ),
    bearer(as),
  );
}

async function taskInA(opts: SubmitOptions = {}): Promise<string> {
  return (await submit(token('admin'), opts)).task_id;
}

/** Reads a server stream to its end. */
function drain(stream: grpc.ClientReadableStream<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('data', () => undefined);
    stream.on('end', resolve);
    stream.on('error', reject);
  });
}

const deadline = () => ({ deadline: Date.now() + 15_000 });

/** Each RPC family as the outcome a principal gets; the task ids are made fresh per call. */
const FAMILIES = {
  'NewTask in pool a': (as: string) => outcome(submit(as)),
  'NewTask in pool a at priority 10': (as: string) => outcome(submit(as, { priority: 10 })),
  GetResult: async (as: string) => {
    const id = await taskInA();
    return outcome(call((md, cb) => tasks.GetResult({ task_id: id }, md, cb), bearer(as)));
  },
  GetRequest: async (as: string) => {
    const id = await taskInA();
    return outcome(call((md, cb) => tasks.GetRequest({ task_id: id }, md, cb), bearer(as)));
  },
  GetStdout: async (as: string) => {
    const id = await taskInA();
    return outcome(call((md, cb) => tasks.GetStdout({ task_id: id }, md, cb), bearer(as)));
  },
  StreamOutput: async (as: string) => {
    const id = await taskInA();
    return outcome(drain(tasks.StreamOutput({ task_id: id }, bearer(as), deadline())));
  },
  WaitTask: async (as: string) => {
    const id = await taskInA();
    return outcome(drain(tasks.WaitTask({ task_id: id }, bearer(as), deadline())));
  },
  'BatchGetResult item': async (as: string) => {
    const id = await taskInA();
    const res = await call<{ items: Array<{ result?: unknown; error?: string }> }>(
      (md, cb) => tasks.BatchGetResult({ task_ids: [id] }, md, cb),
      bearer(as),
    );
    return res.items[0]?.result ? 'OK' : `item error: ${res.items[0]?.error}`;
  },
  'ListTasks of pool a': async (as: string) => {
    const tag = `list:${++seq}`;
    await taskInA({ tags: [tag] });
    const res = await call<{ items: TaskResultOut[] }>(
      (md, cb) => tasks.ListTasks({ tags: [tag], state: 'QUERY_ALL' }, md, cb),
      bearer(as),
    );
    return res.items.length === 1 ? 'sees it' : `sees ${res.items.length}`;
  },
  'CountTasks of pool a': async (as: string) => {
    const tag = `count:${++seq}`;
    await taskInA({ tags: [tag] });
    const res = await call<{ count: number }>(
      (md, cb) => tasks.CountTasks({ tags: [tag], state: 'QUERY_ALL' }, md, cb),
      bearer(as),
    );
    return res.count === 1 ? 'sees it' : `sees ${res.count}`;
  },
  CancelTask: async (as: string) => {
    const id = await taskInA({ pending: true });
    const res = await outcome(
      call((md, cb) => tasks.CancelTask({ task_id: id, kill_running: false }, md, cb), bearer(as)),
    );
    const after = await coord.store.getTask(id);
    return `${res}, task ${after?.state}`;
  },
  'CancelTasks by tag': async (as: string) => {
    const tag = `cancel:${++seq}`;
    const id = await taskInA({ pending: true, tags: [tag] });
    const res = await call<{ matched: number }>(
      (md, cb) => tasks.CancelTasks({ tags: [tag], kill_running: false }, md, cb),
      bearer(as),
    );
    const after = await coord.store.getTask(id);
    return `matched ${res.matched}, task ${after?.state}`;
  },
  'GetBot of a pool-a bot': (as: string) =>
    outcome(call((md, cb) => bots.GetBot({ bot_id: 'bot-a1' }, md, cb), bearer(as))),
  'ListBots of pool a': async (as: string) => {
    const res = await call<{ items: Array<{ bot_id: string }> }>(
      (md, cb) => bots.ListBots({}, md, cb),
      bearer(as),
    );
    return res.items.some((b) => b.bot_id === 'bot-a1') ? 'sees it' : 'sees none';
  },
  'CountBots of pool a': async (as: string) => {
    const res = await call<{ count: number }>(
      (md, cb) => bots.CountBots({ dimensions: [{ key: 'pool', value: 'a' }] }, md, cb),
      bearer(as),
    );
    return res.count >= 1 ? 'sees it' : `sees ${res.count}`;
  },
  'QuarantineBot of a pool-a bot': async (as: string) => {
    const res = await outcome(
      call(
        (md, cb) => bots.QuarantineBot({ bot_id: 'bot-a1', reason: 'test' }, md, cb),
        bearer(as),
      ),
    );
    if (res === 'OK') {
      await call(
        (md, cb) => bots.UnquarantineBot({ bot_id: 'bot-a1' }, md, cb),
        bearer(token('admin')),
      );
    }
    return res;
  },
  'UnquarantineBot of a pool-a bot': (as: string) =>
    outcome(call((md, cb) => bots.UnquarantineBot({ bot_id: 'bot-a1' }, md, cb), bearer(as))),
  'SetMaintenance of a pool-a bot': (as: string) =>
    outcome(
      call(
        (md, cb) => bots.SetMaintenance({ bot_id: 'bot-a1', enabled: false }, md, cb),
        bearer(as),
      ),
    ),
  'GetBotDimensions of pool a': (as: string) =>
    outcome(call((md, cb) => bots.GetBotDimensions({ pool: 'a' }, md, cb), bearer(as))),
  'ListBotEvents of a pool-a bot': (as: string) =>
    outcome(call((md, cb) => bots.ListBotEvents({ bot_id: 'bot-a1' }, md, cb), bearer(as))),
  'ListBotTasks of a pool-a bot': (as: string) =>
    outcome(call((md, cb) => bots.ListBotTasks({ bot_id: 'bot-a1' }, md, cb), bearer(as))),
  'TerminateBot of a pool-a bot': async (as: string) => {
    const botId = `bot-a-term-${++seq}`;
    await connectBot(botId).next((m) => m.msg === 'welcome');
    return outcome(
      call((md, cb) => bots.TerminateBot({ bot_id: botId, reason: 'test' }, md, cb), bearer(as)),
    );
  },
  'DeleteBot of a pool-a bot': async (as: string) => {
    const botId = `bot-a-del-${++seq}`;
    await connectBot(botId).next((m) => m.msg === 'welcome');
    return outcome(
      call((md, cb) => bots.DeleteBot({ bot_id: botId, force: true }, md, cb), bearer(as)),
    );
  },
  'BotApi.Connect': async (as: string) => {
    const b = new ScriptedBot(coord.grpcAddress, as);
    scripted.push(b);
    b.hello('bot-a9');
    return status[((await b.ended()) as ServiceError).code];
  },
} satisfies Record<string, (as: string) => Promise<string>>;
type Family = keyof typeof FAMILIES;

const PD = 'PERMISSION_DENIED';
const HIDDEN_ITEM = 'item error: not found';

/** What each principal may do in pool a. */
const MAY: Record<Who, { view: boolean; submit: boolean; cancel: boolean; admin: boolean }> = {
  viewer: { view: true, submit: false, cancel: false, admin: false },
  submitter: { view: false, submit: true, cancel: false, admin: false },
  canceller: { view: false, submit: false, cancel: true, admin: false },
  'pool-admin': { view: true, submit: true, cancel: true, admin: true },
  'other-pool': { view: false, submit: false, cancel: false, admin: false },
  admin: { view: true, submit: true, cancel: true, admin: true },
};

function expected(who: Who, family: Family): string {
  const may = MAY[who];
  const code = (ok: boolean) => (ok ? 'OK' : PD);
  switch (family) {
    case 'NewTask in pool a':
      return code(may.submit);
    case 'NewTask in pool a at priority 10':
      return code(may.admin);
    case 'GetResult':
    case 'GetRequest':
    case 'GetStdout':
    case 'StreamOutput':
    case 'WaitTask':
    case 'GetBot of a pool-a bot':
    case 'GetBotDimensions of pool a':
    case 'ListBotEvents of a pool-a bot':
    case 'ListBotTasks of a pool-a bot':
      return code(may.view);
    case 'BatchGetResult item':
      return may.view ? 'OK' : HIDDEN_ITEM;
    case 'ListTasks of pool a':
    case 'CountTasks of pool a':
    case 'ListBots of pool a':
    case 'CountBots of pool a':
      return may.view ? 'sees it' : family === 'ListBots of pool a' ? 'sees none' : 'sees 0';
    case 'CancelTask':
      return may.cancel ? 'OK, task CANCELED' : `${PD}, task PENDING`;
    case 'CancelTasks by tag':
      return may.cancel ? 'matched 1, task CANCELED' : 'matched 0, task PENDING';
    case 'QuarantineBot of a pool-a bot':
    case 'UnquarantineBot of a pool-a bot':
    case 'SetMaintenance of a pool-a bot':
    case 'TerminateBot of a pool-a bot':
    case 'DeleteBot of a pool-a bot':
      return code(may.admin);
    case 'BotApi.Connect':
      return PD;
  }
}

const CASES = WHO.flatMap((who) =>
  (Object.keys(FAMILIES) as Family[]).map((family) => ({
    who,
    family,
    want: expected(who, family),
  })),
);

describe('the auth matrix', () => {
  it.each(CASES)('gives $who "$want" for $family', async ({ who, family, want }) => {
    expect(await FAMILIES[family](token(who))).toBe(want);
  });
});

describe('token kinds', () => {
  it('refuses a bot token on the Tasks and Bots services', async () => {
    const bot = token('bots-a');
    const listTasks = failure(call((md, cb) => tasks.ListTasks({}, md, cb), bearer(bot)));
    const newTask = failure(submit(bot));
    const listBots = failure(call((md, cb) => bots.ListBots({}, md, cb), bearer(bot)));
    for (const err of await Promise.all([listTasks, newTask, listBots])) {
      expect(err.code).toBe(status.PERMISSION_DENIED);
    }
  });

  it('answers UNAUTHENTICATED to calls without a token or with an unknown one', async () => {
    for (const md of [bearer(undefined), bearer('drv_c_unknown')]) {
      const r = await failure(call((m, cb) => tasks.GetResult({ task_id: 'x' }, m, cb), md));
      expect(r.code).toBe(status.UNAUTHENTICATED);
      const b = await failure(call((m, cb) => bots.ListBots({}, m, cb), md));
      expect(b.code).toBe(status.UNAUTHENTICATED);
    }
    // A JWT, with no OIDC issuer configured: refused, saying why.
    const jwt = await failure(
      call(
        (m, cb) => tasks.GetResult({ task_id: 'x' }, m, cb),
        bearer('eyJhbGciOiJSUzI1NiJ9.e30.c2ln'),
      ),
    );
    expect(jwt.code).toBe(status.UNAUTHENTICATED);
    expect(jwt.details).toContain('a JWT, but no OIDC issuer is configured');
    const stream = new ScriptedBot(coord.grpcAddress, 'drv_b_unknown');
    scripted.push(stream);
    stream.hello('bot-a5');
    expect(((await stream.ended()) as ServiceError).code).toBe(status.UNAUTHENTICATED);
  });

  it('refuses a client token on BotApi.Connect, even an admin one', async () => {
    const b = new ScriptedBot(coord.grpcAddress, token('admin'));
    scripted.push(b);
    b.hello('bot-a6');
    const err = (await b.ended()) as ServiceError;
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(coord.registry.isConnected('bot-a6')).toBe(false);
  });

  it('refuses a bot whose id is outside its group patterns, naming the id', async () => {
    const b = connectBot('intruder-1');
    const err = (await b.ended()) as ServiceError;
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toContain('intruder-1');
    expect(coord.registry.isConnected('intruder-1')).toBe(false);
  });
});

describe('revealing nothing', () => {
  it('gives a caller without view the same answer for an invisible task and a missing one', async () => {
    const id = await taskInA();
    const missing = id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const as = bearer(token('other-pool'));
    const invisible = await failure(call((md, cb) => tasks.GetResult({ task_id: id }, md, cb), as));
    const absent = await failure(
      call((md, cb) => tasks.GetResult({ task_id: missing }, md, cb), as),
    );
    expect(absent.code).toBe(invisible.code);
    expect(absent.details.replace(missing, '<id>')).toBe(invisible.details.replace(id, '<id>'));
    expect(invisible.code).toBe(status.PERMISSION_DENIED);
  });

  it('tells a caller who may view every pool that a missing task is NOT_FOUND', async () => {
    const err = await failure(
      call((md, cb) => tasks.GetResult({ task_id: 'nope' }, md, cb), bearer(token('admin'))),
    );
    expect(err.code).toBe(status.NOT_FOUND);
  });

  it("lists a caller's own pool's tasks and none of the pools it cannot view", async () => {
    const tag = `mixed:${++seq}`;
    await taskInA({ tags: [tag] });
    const inB = await submit(token('other-pool'), { pool: 'b', tags: [tag] });
    const res = await call<{ items: TaskResultOut[] }>(
      (md, cb) => tasks.ListTasks({ tags: [tag], state: 'QUERY_ALL' }, md, cb),
      bearer(token('other-pool')),
    );
    expect(res.items.map((t) => t.task_id)).toEqual([inB.task_id]);
  });
});

describe('terminating a bot', () => {
  it("lets an admin of the bot's pool wait on the termination task, and hides it from other pools", async () => {
    const botId = `bot-a-wait-${++seq}`;
    await connectBot(botId).next((m) => m.msg === 'welcome');
    const { task_id } = await call<{ task_id: string }>(
      (md, cb) => bots.TerminateBot({ bot_id: botId, reason: 'retire' }, md, cb),
      bearer(token('pool-admin')),
    );
    const seen = await call<TaskResultOut>(
      (md, cb) => tasks.GetResult({ task_id }, md, cb),
      bearer(token('pool-admin')),
    );
    expect(seen.task_id).toBe(task_id);
    const hidden = await failure(
      call((md, cb) => tasks.GetResult({ task_id }, md, cb), bearer(token('other-pool'))),
    );
    expect(hidden.code).toBe(status.PERMISSION_DENIED);
  });
});

describe('bot reports', () => {
  it("refuses a bot reporting on another bot's task with that bot's real lease", async () => {
    const owner = connectBot('bot-a7');
    await owner.next((m) => m.msg === 'welcome');
    const thief = connectBot('bot-a8');
    await thief.next((m) => m.msg === 'welcome');
    const { task_id: taskId } = await submit(token('admin'), {
      dimensions: [
        { key: 'pool', value: 'a' },
        { key: 'id', value: 'bot-a7' },
      ],
    });
    await owner.next((m) => m.msg === 'assign' && m.assign?.task_id === taskId);
    const leased = (await coord.store.getTask(taskId))!;
    expect(leased.botId).toBe('bot-a7');
    const lease = leased.leaseId!;

    thief.send({ task_started: { task_id: taskId, lease_id: lease } });
    thief.send({ output: { task_id: taskId, lease_id: lease, offset: 0, data: Buffer.from('x') } });
    thief.send({ task_finished: { task_id: taskId, lease_id: lease, exit_code: 0 } });
    const ack = await thief.next((m) => m.msg === 'ack' && m.ack?.finished === true);
    expect(ack.ack?.stale).toBe(true);

    const after = (await coord.store.getTask(taskId))!;
    expect(after.state).toBe('RUNNING');
    expect(after.botId).toBe('bot-a7');
    expect(after.processStarted).toBe(false);
    expect(after.outputSize).toBe(0);
  });
});
