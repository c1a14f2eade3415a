import * as grpc from '@grpc/grpc-js';
import { CLIENT_CHANNEL_OPTIONS, loadDroverProto } from '@drover/protocol';
import type {
  CancelTaskResponseOut,
  NewTaskRequest,
  NewTaskResponseOut,
  NewTasksResponseOut,
  OutputChunkOut,
  TaskChangeOut,
  TaskOutputOut,
  TaskRequestOut,
  TaskResultOut,
  BotsClient,
  TasksClient,
  WatchTasksRequest,
} from '@drover/protocol';
import { streamCall, unaryCall, type CallContext, type CallOptions } from './call';
import { isTerminalState } from './states';
import type {
  BatchGetResultResponseOut,
  BotInfoOut,
  CountBotsRequest,
  CountBotsResponseOut,
  ListBotsRequest,
  ListBotsResponseOut,
  DeleteBotResponseOut,
  GetBotDimensionsResponseOut,
  ListBotEventsRequest,
  ListBotEventsResponseOut,
  ListBotTasksRequest,
  TerminateBotResponseOut,
  CancelTasksRequest,
  CancelTasksResponseOut,
  CountTasksRequest,
  CountTasksResponseOut,
  ListTasksRequest,
  ListTasksResponseOut,
} from './types';

export interface DroverClientOptions {
  /**
   * The coordinator's gRPC address (any grpc-js target).
   * @default '127.0.0.1:7070'
   */
  server?: string;
  /** Sent on every call as `authorization: Bearer <token>`. None: calls go without. */
  token?: string;
  /**
   * TLS: `true` trusts the system roots; `{ rootCerts }` trusts the given PEM.
   * @default false (plain text)
   */
  tls?: boolean | { rootCerts?: Buffer };
}

/**
 * A typed client of the Tasks and Bots services (one channel each, same options and token).
 * Every method takes `{ signal, deadlineMs }`.
 */
export interface DroverClient {
  /** The address the client talks to. */
  readonly server: string;
  newTask(request: NewTaskRequest, opts?: CallOptions): Promise<NewTaskResponseOut>;
  /**
   * Creates 1 to 1000 tasks in one call (NewTasks) and returns their responses in the requests'
   * order. All or nothing: one refused task (INVALID_ARGUMENT, PERMISSION_DENIED…, its details
   * naming it `requests[<i>]…`) refuses the batch. At most 1 MiB in all (docs/limits.md).
   */
  newTasks(requests: readonly NewTaskRequest[], opts?: CallOptions): Promise<NewTaskResponseOut[]>;
  /** Rejects with NOT_FOUND for an unknown id. */
  getResult(taskId: string, opts?: CallOptions): Promise<TaskResultOut>;
  batchGetResult(
    taskIds: readonly string[],
    opts?: CallOptions,
  ): Promise<BatchGetResultResponseOut>;
  getRequest(taskId: string, opts?: CallOptions): Promise<TaskRequestOut>;
  /** Output bytes from `offset`; `length` 0 = up to the end (at most 16 MiB a call). */
  getStdout(
    taskId: string,
    offset?: number,
    length?: number,
    opts?: CallOptions,
  ): Promise<TaskOutputOut>;
  cancelTask(
    taskId: string,
    killRunning?: boolean,
    opts?: CallOptions,
  ): Promise<CancelTaskResponseOut>;
  /**
   * One page of CancelTasks: cancels up to `limit` (default 100) PENDING tasks carrying every tag
   * (with `kill_running`, RUNNING ones too); `cursor` in the response continues, empty when done.
   */
  cancelTasks(request: CancelTasksRequest, opts?: CallOptions): Promise<CancelTasksResponseOut>;
  /** CancelTasks page after page until the cursor is empty; `matched` summed over the pages. */
  cancelAllTasks(request: CancelTasksRequest, opts?: CallOptions): Promise<{ matched: number }>;
  /**
   * One page of results, newest first: `limit` (0 = 100, at most 1000), `cursor` from the previous
   * page, `tags` (all must match), `start`/`end` (created_ts ≥ start, < end). `state` unset is
   * QUERY_PENDING, the proto's zero value, as in Swarming: pass QUERY_ALL for every task.
   */
  listTasks(request?: ListTasksRequest, opts?: CallOptions): Promise<ListTasksResponseOut>;
  /** Every result `listTasks(request)` and the pages after it hold, one ListTasks call a page. */
  listAllTasks(
    request?: ListTasksRequest,
    opts?: CallOptions,
  ): AsyncGenerator<TaskResultOut, void, undefined>;
  /** How many tasks match; `state` unset is QUERY_PENDING, as for listTasks. */
  countTasks(request?: CountTasksRequest, opts?: CallOptions): Promise<CountTasksResponseOut>;
  /** The result now, then at every state change; ends after a final state. */
  waitTask(taskId: string, opts?: CallOptions): AsyncGenerator<TaskResultOut, void, undefined>;
  /**
   * Every state change (creation included) of the tasks carrying all `tags` (and, when `states`
   * is given, changing into one of them) that the caller may view, as they happen; runs until
   * cancelled (`signal`, or leaving the loop).
   */
  watchTasks(
    request?: WatchTasksRequest,
    opts?: CallOptions & {
      /** Called once the coordinator has started watching: no change after it is missed. */
      onWatching?: () => void;
    },
  ): AsyncGenerator<TaskChangeOut, void, undefined>;
  /** Output chunks from `offset` as they arrive; ends once the task is final and all was sent. */
  streamOutput(
    taskId: string,
    offset?: number,
    opts?: CallOptions,
  ): AsyncGenerator<TaskOutputOut, void, undefined>;
  /** The bytes of one output file of a task (TaskResult.outputs), in chunks of up to 1 MiB. */
  getOutput(
    taskId: string,
    path: string,
    opts?: CallOptions,
  ): AsyncGenerator<OutputChunkOut, void, undefined>;
  /** Bots.GetBot; rejects with NOT_FOUND for an unknown id. */
  getBot(botId: string, opts?: CallOptions): Promise<BotInfoOut>;
  /**
   * One page of ListBots, ordered by id: `dimensions` (`key`/`value`, a value may be `a|b`), the
   * NullableBool filters (unset = NULL = either), `limit` (0 = 100, at most 1000), `cursor`.
   */
  listBots(request?: ListBotsRequest, opts?: CallOptions): Promise<ListBotsResponseOut>;
  /** Every bot `listBots(request)` and the pages after it hold, one ListBots call a page. */
  listAllBots(
    request?: ListBotsRequest,
    opts?: CallOptions,
  ): AsyncGenerator<BotInfoOut, void, undefined>;
  /** How many bots match the dimensions, and how many of them are busy, quarantined, dead. */
  countBots(request?: CountBotsRequest, opts?: CallOptions): Promise<CountBotsResponseOut>;
  /** Every dimension key and the values bots report for it, of one pool ('' = all pools). */
  getBotDimensions(pool?: string, opts?: CallOptions): Promise<GetBotDimensionsResponseOut>;
  /** One page of a bot's events, newest first: `limit` (0 = 100), `cursor`, `start`/`end`. */
  listBotEvents(
    request: ListBotEventsRequest,
    opts?: CallOptions,
  ): Promise<ListBotEventsResponseOut>;
  /** One page of the tasks a bot ran, newest first; `state` unset is QUERY_PENDING, as in listTasks. */
  listBotTasks(request: ListBotTasksRequest, opts?: CallOptions): Promise<ListTasksResponseOut>;
  /** Quarantines a bot (no task is dispatched to it); returns the bot as it is now. */
  quarantineBot(botId: string, reason?: string, opts?: CallOptions): Promise<BotInfoOut>;
  unquarantineBot(botId: string, opts?: CallOptions): Promise<BotInfoOut>;
  /** Puts a bot in (`enabled`) or takes it out of maintenance, with a message for people. */
  setMaintenance(
    botId: string,
    enabled: boolean,
    message?: string,
    opts?: CallOptions,
  ): Promise<BotInfoOut>;
  /** Enqueues the bot's termination: a priority-0 task pinned to it, whose id is returned. */
  terminateBot(
    botId: string,
    reason?: string,
    opts?: CallOptions,
  ): Promise<TerminateBotResponseOut>;
  /** Forgets a bot; refused (FAILED_PRECONDITION) while it is connected unless `force`. */
  deleteBot(botId: string, force?: boolean, opts?: CallOptions): Promise<DeleteBotResponseOut>;
  /** Closes the channels; calls in flight fail with CANCELLED. Idempotent. */
  close(): void;
}

export const DEFAULT_SERVER = '127.0.0.1:7070';

/**
 * Calls `call` with `request`, then again with each cursor it returns, until one is empty. A
 * cursor that comes back unchanged ends it too: better one page short than a loop without end.
 */
async function* followCursor<R extends { cursor?: string }, P extends { cursor: string }>(
  request: R,
  call: (request: R) => Promise<P>,
): AsyncGenerator<P, void, undefined> {
  let cursor = request.cursor ?? '';
  for (;;) {
    const page = await call({ ...request, cursor });
    yield page;
    if (page.cursor === '' || page.cursor === cursor) return;
    cursor = page.cursor;
  }
}

function channelCredentials(tls: DroverClientOptions['tls']): grpc.ChannelCredentials {
  if (tls === undefined || tls === false) return grpc.credentials.createInsecure();
  if (tls === true) return grpc.credentials.createSsl();
  return grpc.credentials.createSsl(tls.rootCerts ?? null);
}

export function createDroverClient(options: DroverClientOptions = {}): DroverClient {
  const server = options.server ?? DEFAULT_SERVER;
  const { token } = options;
  const proto = loadDroverProto().drover.v1;
  const credentials = channelCredentials(options.tls);
  const stub: TasksClient = new proto.Tasks(server, credentials, CLIENT_CHANNEL_OPTIONS);
  const bots: BotsClient = new proto.Bots(server, credentials, CLIENT_CHANNEL_OPTIONS);
  const ctx: CallContext = {
    server,
    metadata() {
      const md = new grpc.Metadata();
      if (token !== undefined && token !== '') md.set('authorization', `Bearer ${token}`);
      return md;
    },
  };
  let closed = false;
  const listTasks: DroverClient['listTasks'] = (request = {}, opts = {}) =>
    unaryCall(ctx, opts, (md, o, cb) => stub.listTasks(request, md, o, cb));
  const listBots: DroverClient['listBots'] = (request = {}, opts = {}) =>
    unaryCall(ctx, opts, (md, o, cb) => bots.listBots(request, md, o, cb));
  const cancelTasks: DroverClient['cancelTasks'] = (request, opts = {}) =>
    unaryCall(ctx, opts, (md, o, cb) => stub.cancelTasks(request, md, o, cb));

  return {
    server,
    newTask: (request, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => stub.newTask(request, md, o, cb)),
    newTasks: async (requests, opts = {}) => {
      const res = await unaryCall<NewTasksResponseOut>(ctx, opts, (md, o, cb) =>
        stub.newTasks({ requests: [...requests] }, md, o, cb),
      );
      return res.responses;
    },
    getResult: (taskId, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => stub.getResult({ task_id: taskId }, md, o, cb)),
    batchGetResult: (taskIds, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) =>
        stub.batchGetResult({ task_ids: [...taskIds] }, md, o, cb),
      ),
    getRequest: (taskId, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => stub.getRequest({ task_id: taskId }, md, o, cb)),
    getStdout: (taskId, offset = 0, length = 0, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) =>
        stub.getStdout({ task_id: taskId, offset, length }, md, o, cb),
      ),
    cancelTask: (taskId, killRunning = false, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) =>
        stub.cancelTask({ task_id: taskId, kill_running: killRunning }, md, o, cb),
      ),
    cancelTasks,
    async cancelAllTasks(request, opts = {}) {
      let matched = 0;
      for await (const page of followCursor(request, (r) => cancelTasks(r, opts)))
        matched += page.matched;
      return { matched };
    },
    listTasks,
    async *listAllTasks(request = {}, opts = {}) {
      for await (const page of followCursor(request, (r) => listTasks(r, opts))) yield* page.items;
    },
    countTasks: (request = {}, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => stub.countTasks(request, md, o, cb)),
    async *waitTask(taskId, opts = {}) {
      for await (const result of streamCall(ctx, opts, (md, o) =>
        stub.waitTask({ task_id: taskId }, md, o),
      )) {
        yield result;
        // The server ends the stream after a final state; do not depend on it.
        if (isTerminalState(result.state)) return;
      }
    },
    watchTasks: (request = {}, opts = {}) =>
      streamCall(ctx, opts, (md, o) => {
        const call = stub.watchTasks(request, md, o);
        if (opts.onWatching !== undefined) call.once('metadata', opts.onWatching);
        return call;
      }),
    streamOutput: (taskId, offset = 0, opts = {}) =>
      streamCall(ctx, opts, (md, o) => stub.streamOutput({ task_id: taskId, offset }, md, o)),
    getOutput: (taskId, path, opts = {}) =>
      streamCall(ctx, opts, (md, o) => stub.getOutput({ task_id: taskId, path }, md, o)),
    getBot: (botId, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.getBot({ bot_id: botId }, md, o, cb)),
    listBots,
    async *listAllBots(request = {}, opts = {}) {
      for await (const page of followCursor(request, (r) => listBots(r, opts))) yield* page.items;
    },
    countBots: (request = {}, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.countBots(request, md, o, cb)),
    getBotDimensions: (pool = '', opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.getBotDimensions({ pool }, md, o, cb)),
    listBotEvents: (request, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.listBotEvents(request, md, o, cb)),
    listBotTasks: (request, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.listBotTasks(request, md, o, cb)),
    quarantineBot: (botId, reason = '', opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.quarantineBot({ bot_id: botId, reason }, md, o, cb)),
    unquarantineBot: (botId, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.unquarantineBot({ bot_id: botId }, md, o, cb)),
    setMaintenance: (botId, enabled, message = '', opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) =>
        bots.setMaintenance({ bot_id: botId, enabled, message }, md, o, cb),
      ),
    terminateBot: (botId, reason = '', opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.terminateBot({ bot_id: botId, reason }, md, o, cb)),
    deleteBot: (botId, force = false, opts = {}) =>
      unaryCall(ctx, opts, (md, o, cb) => bots.deleteBot({ bot_id: botId, force }, md, o, cb)),
    close() {
      if (closed) return;
      closed = true;
      stub.close();
      bots.close();
    },
  };
}
