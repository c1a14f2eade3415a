// A tiny but real grpc-js Tasks (and Bots) server on 127.0.0.1:0 answering with fixed data, for the client's
// and the CLI's tests. It is not the coordinator: no state machine, no store.
//   FAKE_TASK_ID       PENDING → RUNNING on bot-1 → COMPLETED exit 3; output FAKE_OUTPUT.
//   HANGING_TASK_ID    WaitTask sends PENDING, StreamOutput one chunk, then both stay open.
//   BROKEN_TASK_ID     WaitTask sends PENDING, then fails with UNAVAILABLE.
//   LONG_TASK_ID       StreamOutput sends LONG_CHUNKS chunks of 100 bytes at once (flow control).
//   any other id       NOT_FOUND.
// ListTasks answers LISTED_RESULTS (newest first) in two pages whatever the filter: the first two,
// then, for the cursor LIST_CURSOR, the last one. CountTasks answers FAKE_COUNT. CancelTasks
// (tags required) answers matched 2 and CANCEL_CURSOR, then for that cursor matched 1. A limit
// outside 0..1000 or an unknown cursor is INVALID_ARGUMENT, like the coordinator.
// The Bots service: ListBots answers FAKE_BOTS in two pages whatever the filter (the first two,
// then, for BOTS_CURSOR, the last one); GetBot knows FAKE_BOTS' ids (else NOT_FOUND); CountBots
// answers FAKE_BOT_COUNTS.
// NewTask with an empty command or a priority outside 1..255 is INVALID_ARGUMENT naming the
// field, like the coordinator.
import { EventEmitter, once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { SERVER_OPTIONS, loadDroverProto } from '@drover/protocol';
import type { BotHealthOut, NewTaskRequestOut, TaskResult } from '@drover/protocol';
import type { BotInfoOut } from '../../src/types';

/** A BotInfo as a sender may write it: unset fields take their defaults. */
export type FakeBot = Partial<Omit<BotInfoOut, 'state'>> & {
  bot_id: string;
  state?: Partial<BotHealthOut>;
};

export const FAKE_TASK_ID = 'task-1';
export const HANGING_TASK_ID = 'task-hang';
export const BROKEN_TASK_ID = 'task-broken';
export const LONG_TASK_ID = 'task-long';
export const LONG_CHUNKS = 1000;
const STREAMING_IDS = new Set([FAKE_TASK_ID, HANGING_TASK_ID, BROKEN_TASK_ID, LONG_TASK_ID]);
export const FAKE_OUTPUT = Buffer.from(
  'line one\nline two\n\u00e9t\u00e9 \u0000 binary\xff\n',
  'latin1',
);

const ts = (seconds: number): { seconds: number; nanos: number } => ({ seconds, nanos: 0 });

export const FAKE_RESULTS: readonly TaskResult[] = [
  {
    task_id: FAKE_TASK_ID,
    name: 'fake',
    state: 'PENDING',
    created_ts: ts(1_700_000_000),
    tags: ['k:v'],
  },
  {
    task_id: FAKE_TASK_ID,
    name: 'fake',
    state: 'RUNNING',
    bot_id: 'bot-1',
    created_ts: ts(1_700_000_000),
    started_ts: ts(1_700_000_001),
    tags: ['k:v'],
  },
  {
    task_id: FAKE_TASK_ID,
    name: 'fake',
    state: 'COMPLETED',
    bot_id: 'bot-1',
    bot_dimensions: [{ key: 'os', value: ['Linux', 'Linux-Debian'] }],
    exit_code: 3,
    duration: 0.01,
    failure: true,
    created_ts: ts(1_700_000_000),
    started_ts: ts(1_700_000_001),
    completed_ts: { seconds: 1_700_000_002, nanos: 500_000_000 },
    modified_ts: { seconds: 1_700_000_002, nanos: 500_000_000 },
    output_size: FAKE_OUTPUT.length,
    tags: ['k:v'],
    priority: 200,
    user: 'alice',
  },
];

const final = FAKE_RESULTS[FAKE_RESULTS.length - 1] as TaskResult;

/** What ListTasks lists, newest first: a RUNNING and a PENDING task, then FAKE_TASK_ID's result. */
export const LISTED_RESULTS: readonly TaskResult[] = [
  {
    task_id: 'task-3',
    name: 'a rather long task name that the table cuts',
    state: 'RUNNING',
    bot_id: 'bot-2',
    created_ts: ts(1_700_000_200),
    started_ts: ts(1_700_000_201),
    tags: ['build:42', 'kind:unit', 'suite:everything-and-the-kitchen-sink', 'owner:alice'],
    priority: 100,
    user: 'alice',
  },
  {
    task_id: 'task-2',
    name: '',
    state: 'PENDING',
    created_ts: ts(1_700_000_100),
    tags: [],
    priority: 200,
    user: 'bob',
  },
  final,
];
export const LIST_CURSOR = 'page-2';
export const CANCEL_CURSOR = 'cancel-2';
export const FAKE_COUNT = 3;

/** What ListBots lists, by id: a busy bot, a dead quarantined one, an idle one. */
export const FAKE_BOTS: readonly FakeBot[] = [
  {
    bot_id: 'bot-1',
    dimensions: [
      { key: 'id', value: ['bot-1'] },
      { key: 'os', value: ['Linux', 'Linux-Debian'] },
      { key: 'pool', value: ['ci'] },
    ],
    state: {
      cpu_load: 0.5,
      free_disk_bytes: 1_000_000,
      uptime_secs: 3600,
      running_task_id: 'task-3',
    },
    version: 'v1.2.3',
    connected: true,
    task_id: 'task-3',
    task_name: 'build',
    first_seen_ts: ts(1_700_000_000),
    last_seen_ts: { seconds: 1_700_000_300, nanos: 250_000_000 },
    session_id: 'session-1',
  },
  {
    bot_id: 'bot-2',
    dimensions: [
      { key: 'os', value: ['Mac'] },
      { key: 'pool', value: ['ci'] },
    ],
    version: 'v1.2.2',
    is_dead: true,
    quarantined: true,
    quarantined_reason: 'low disk',
    first_seen_ts: ts(1_699_000_000),
    last_seen_ts: ts(1_699_999_000),
  },
  {
    bot_id: 'bot-3',
    dimensions: [{ key: 'pool', value: ['default'] }],
    version: 'v1.2.3',
    connected: true,
    first_seen_ts: ts(1_700_000_100),
    last_seen_ts: ts(1_700_000_299),
  },
];
export const BOTS_CURSOR = 'bots-2';
export const FAKE_BOT_COUNTS = { count: 3, busy: 1, quarantined: 1, maintenance: 0, dead: 1 };

export interface RecordedCall {
  method: string;
  request: unknown;
  /** The `authorization` metadata value, if any. */
  authorization: string | undefined;
}

export interface FakeTasksServer {
  /** host:port to give the client. */
  readonly address: string;
  readonly calls: RecordedCall[];
  /** Emits 'call' (RecordedCall) when a call arrives and 'cancelled' (method) when a stream is cancelled. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** When set, calls without `authorization: Bearer <token>` fail with UNAUTHENTICATED. */
  token?: string;
}

type Unary = (
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
) => void;
type Streaming = (call: grpc.ServerWritableStream<unknown, unknown>) => void;

function fail(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

export async function startFakeTasksServer(opts: FakeOptions = {}): Promise<FakeTasksServer> {
  const calls: RecordedCall[] = [];
  const events = new EventEmitter();
  /** Records the call; returns a status to fail it with when the token is wrong. */
  const admit = (
    method: string,
    call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  ) => {
    const value = call.metadata.get('authorization')[0];
    const recorded: RecordedCall = {
      method,
      request: call.request,
      authorization: typeof value === 'string' ? value : undefined,
    };
    calls.push(recorded);
    events.emit('call', recorded);
    if (opts.token !== undefined && recorded.authorization !== `Bearer ${opts.token}`) {
      return fail(grpc.status.UNAUTHENTICATED, 'missing or invalid token');
    }
    return undefined;
  };
  const unary =
    (method: string, answer: (request: never) => unknown): Unary =>
    (call, callback) => {
      const refused = admit(method, call);
      if (refused) {
        callback(refused);
        return;
      }
      try {
        callback(null, answer(call.request as never));
      } catch (err) {
        callback(err as Partial<grpc.StatusObject>);
      }
    };
  const streaming =
    (
      method: string,
      run: (call: grpc.ServerWritableStream<unknown, unknown>, taskId: string) => void,
    ): Streaming =>
    (call) => {
      call.on('cancelled', () => events.emit('cancelled', method));
      const refused = admit(method, call);
      const taskId = (call.request as { task_id: string }).task_id;
      // grpc-js ends a server stream with an error status when 'error' is emitted on it.
      if (refused) call.emit('error', refused);
      else if (!STREAMING_IDS.has(taskId)) {
        call.emit('error', fail(grpc.status.NOT_FOUND, `task ${taskId} not found`));
      } else run(call, taskId);
    };
  const checkLimit = (limit: number): void => {
    if (limit < 0 || limit > 1000)
      throw fail(grpc.status.INVALID_ARGUMENT, `limit: must be between 0 and 1000, got ${limit}`);
  };
  const badCursor = () =>
    fail(grpc.status.INVALID_ARGUMENT, 'cursor: not a cursor returned by this server');
  const known = (taskId: string): void => {
    if (taskId !== FAKE_TASK_ID) throw fail(grpc.status.NOT_FOUND, `task ${taskId} not found`);
  };

  const handlers: grpc.UntypedServiceImplementation = {
    NewTask: unary('NewTask', (req: NewTaskRequestOut) => {
      const properties = req.task_slices[0]?.properties ?? req.properties;
      if (!properties || properties.command.length === 0) {
        throw fail(
          grpc.status.INVALID_ARGUMENT,
          'task_slices[0].properties.command: must not be empty',
        );
      }
      if (req.priority !== undefined && (req.priority < 1 || req.priority > 255)) {
        throw fail(grpc.status.INVALID_ARGUMENT, 'priority: must be between 1 and 255');
      }
      return {
        task_id: FAKE_TASK_ID,
        request: { ...req, task_id: FAKE_TASK_ID, created_ts: ts(1_700_000_000) },
        result: FAKE_RESULTS[0],
      };
    }),
    // Each request answered as NewTask answers it, its id the request's name.
    NewTasks: unary('NewTasks', (req: { requests: NewTaskRequestOut[] }) => ({
      responses: req.requests.map((r) => ({
        task_id: r.name,
        request: { ...r, task_id: r.name, created_ts: ts(1_700_000_000) },
        result: { ...FAKE_RESULTS[0], task_id: r.name },
      })),
    })),
    GetResult: unary('GetResult', (req: { task_id: string }) => (known(req.task_id), final)),
    BatchGetResult: unary('BatchGetResult', (req: { task_ids: string[] }) => ({
      items: req.task_ids.map((id) =>
        id === FAKE_TASK_ID ? { task_id: id, result: final } : { task_id: id, error: 'not found' },
      ),
    })),
    GetRequest: unary(
      'GetRequest',
      (req: { task_id: string }) => (known(req.task_id), { task_id: req.task_id, name: 'fake' }),
    ),
    GetStdout: unary('GetStdout', (req: { task_id: string; offset: number; length: number }) => {
      known(req.task_id);
      // Pages of at most 7 bytes, so that clients must loop.
      const end = Math.min(
        FAKE_OUTPUT.length,
        req.offset + (req.length === 0 ? 7 : Math.min(req.length, 7)),
      );
      return {
        offset: req.offset,
        output: FAKE_OUTPUT.subarray(req.offset, end),
        state: 'COMPLETED',
        size: FAKE_OUTPUT.length,
      };
    }),
    CancelTask: unary(
      'CancelTask',
      (req: { task_id: string; kill_running: boolean }) => (
        known(req.task_id),
        { canceled: false, was_running: false, state: 'COMPLETED' }
      ),
    ),
    CancelTasks: unary('CancelTasks', (req: { tags: string[]; limit: number; cursor: string }) => {
      if (req.tags.length === 0)
        throw fail(grpc.status.INVALID_ARGUMENT, 'tags: at least one tag is required');
      checkLimit(req.limit);
      if (req.cursor === '') return { matched: 2, cursor: CANCEL_CURSOR };
      if (req.cursor === CANCEL_CURSOR) return { matched: 1, cursor: '' };
      throw badCursor();
    }),
    ListTasks: unary('ListTasks', (req: { limit: number; cursor: string }) => {
      checkLimit(req.limit);
      if (req.cursor === '') return { items: LISTED_RESULTS.slice(0, 2), cursor: LIST_CURSOR };
      if (req.cursor === LIST_CURSOR) return { items: LISTED_RESULTS.slice(2), cursor: '' };
      throw badCursor();
    }),
    CountTasks: unary('CountTasks', () => ({ count: FAKE_COUNT })),
    WaitTask: streaming('WaitTask', (call, taskId) => {
      if (taskId === HANGING_TASK_ID || taskId === BROKEN_TASK_ID) {
        call.write({ ...FAKE_RESULTS[0], task_id: taskId });
        if (taskId === BROKEN_TASK_ID)
          call.emit('error', fail(grpc.status.UNAVAILABLE, 'coordinator going away'));
        return;
      }
      for (const result of FAKE_RESULTS) call.write(result);
      call.end();
    }),
    StreamOutput: streaming('StreamOutput', (call, taskId) => {
      if (taskId === LONG_TASK_ID) {
        for (let i = 0; i < LONG_CHUNKS; i++) {
          call.write({
            offset: i * 100,
            output: Buffer.alloc(100, i % 256),
            state: 'RUNNING',
            size: (i + 1) * 100,
          });
        }
        call.end();
        return;
      }
      const from = (call.request as { offset: number }).offset;
      const size = FAKE_OUTPUT.length;
      const cuts = [from, from + 5, from + 12, size].filter(
        (n, i, all) => n <= size && (i === 0 || n > (all[i - 1] ?? 0)),
      );
      for (let i = 0; i + 1 < cuts.length; i++) {
        const start = cuts[i] as number;
        const output = FAKE_OUTPUT.subarray(start, cuts[i + 1]);
        call.write({ offset: start, output, state: 'RUNNING', size });
        if (taskId === HANGING_TASK_ID) return;
      }
      call.end();
    }),
  };

  const botHandlers: grpc.UntypedServiceImplementation = {
    GetBot: unary('GetBot', (req: { bot_id: string }) => {
      const bot = FAKE_BOTS.find((b) => b.bot_id === req.bot_id);
      if (bot === undefined) throw fail(grpc.status.NOT_FOUND, `bot ${req.bot_id} not found`);
      return bot;
    }),
    ListBots: unary('ListBots', (req: { limit: number; cursor: string }) => {
      checkLimit(req.limit);
      if (req.cursor === '') return { items: FAKE_BOTS.slice(0, 2), cursor: BOTS_CURSOR };
      if (req.cursor === BOTS_CURSOR) return { items: FAKE_BOTS.slice(2), cursor: '' };
      throw badCursor();
    }),
    CountBots: unary('CountBots', () => FAKE_BOT_COUNTS),
  };

  const server = new grpc.Server(SERVER_OPTIONS);
  const proto = loadDroverProto().drover.v1;
  server.addService(proto.Tasks.service, handlers);
  server.addService(proto.Bots.service, botHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    events,
    close() {
      // Hanging streams would keep a graceful shutdown waiting.
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

/** Resolves with the next event `name` carrying `value`, or rejects after `timeoutMs`. */
export async function nextEvent(
  events: EventEmitter,
  name: string,
  timeoutMs = 5_000,
): Promise<unknown> {
  const [value] = (await once(events, name, { signal: AbortSignal.timeout(timeoutMs) })) as [
    unknown,
  ];
  return value;
}
