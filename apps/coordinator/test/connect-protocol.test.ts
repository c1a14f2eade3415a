// The Connect protocol on the HTTP port: a real coordinator and a real bot on 127.0.0.1, called
// with plain fetch (as curl would) and with @connectrpc/connect-node's client in JSON and binary;
// every Tasks, Bots and Graph RPC answers over Connect with the code gRPC gives.
import { create, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { CLIENT_CHANNEL_OPTIONS, es } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_SERVICES } from '../src/connect/connect-services';
import type { RunningCoordinator } from '../src/index';
import { readToken, startBotProcess, startTestCoordinator, stopProcess, tempDir } from './harness';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let token: string;
let grpcClient: grpc.Client;

const POOL = 'default';

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  token = readToken(dir.path, 'client');
  grpcClient = new grpc.Client(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  );
  bot = await startBotProcess(coord, dir.path, 'connect-bot');
});

afterAll(async () => {
  grpcClient?.close();
  await stopProcess(bot);
  await coord?.close();
  dir?.remove();
});

function service(name: string): DescService {
  const found = CONNECT_SERVICES.find((s) => s.typeName === `drover.v1.${name}`);
  if (found === undefined) throw new Error(`no service drover.v1.${name}`);
  return found;
}

function transport(binary: boolean, withToken: string | undefined) {
  const auth: Interceptor = (next) => (req) => {
    if (withToken !== undefined) req.header.set('authorization', `Bearer ${withToken}`);
    return next(req);
  };
  return createConnectTransport({
    baseUrl: `http://${coord.httpAddress}`,
    httpVersion: '1.1',
    useBinaryFormat: binary,
    interceptors: [auth],
  });
}

/** POSTs a Connect unary call in JSON, as curl would. */
async function post(path: string, body: unknown, withToken = token) {
  const res = await fetch(`http://${coord.httpAddress}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(withToken === '' ? {} : { authorization: `Bearer ${withToken}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const NEW_TASK = {
  name: 'over-connect',
  task_slices: [
    {
      properties: {
        command: ['sh', '-c', 'echo hello over connect; exit 3'],
        dimensions: [{ key: 'pool', value: POOL }],
        execution_timeout_secs: 60,
      },
      expiration_secs: 60,
    },
  ],
};

describe('Connect over plain HTTP (JSON, as curl sends it)', () => {
  it('runs a task: NewTask, then GetResult with the proto field names', async () => {
    const created = await post('/drover.v1.Tasks/NewTask', NEW_TASK);
    expect(created.status).toBe(200);
    const taskId = created.json['task_id'] as string;
    expect(taskId).toMatch(/\S/);
    let result: Record<string, unknown> = {};
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      result = (await post('/drover.v1.Tasks/GetResult', { task_id: taskId })).json;
      if (result['state'] === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(result).toMatchObject({ task_id: taskId, state: 'COMPLETED', exit_code: '3' });
  });

  it('says INVALID_ARGUMENT naming the field, in Connect error JSON', async () => {
    const bad = await post('/drover.v1.Tasks/NewTask', { name: 'no slices' });
    expect(bad.status).toBe(400);
    expect(bad.json['code']).toBe('invalid_argument');
    expect(bad.json['message']).toMatch(/task_slices/);
  });

  it('says unauthenticated without a token', async () => {
    const none = await post('/drover.v1.Tasks/CountTasks', {}, '');
    expect(none.status).toBe(401);
    expect(none.json['code']).toBe('unauthenticated');
  });

  it('does not serve the bot API over Connect', async () => {
    const botApi = await post('/drover.v1.BotApi/Connect', {});
    expect(botApi.status).toBe(404);
  });
});

describe.each([
  { format: 'JSON', binary: false },
  { format: 'binary', binary: true },
])('Connect client ($format)', ({ binary }) => {
  it('follows a task with WaitTask as a server stream: PENDING or RUNNING, then COMPLETED', async () => {
    const tasks = createClient(service('Tasks'), transport(binary, token)) as unknown as {
      newTask(req: unknown): Promise<{ taskId: string }>;
      waitTask(req: unknown): AsyncIterable<{ state: number }>;
    };
    const { taskId } = await tasks.newTask({
      name: 'stream',
      taskSlices: [
        {
          properties: {
            command: ['true'],
            dimensions: [{ key: 'pool', value: POOL }],
            executionTimeoutSecs: 60,
          },
          expirationSecs: 60,
        },
      ],
    });
    const states: number[] = [];
    for await (const change of tasks.waitTask({ taskId })) states.push(change.state);
    expect(states.length).toBeGreaterThan(0);
    expect(states.at(-1)).toBe(es.TaskState.COMPLETED);
  });

  // Every RPC of the three services, with an empty request: over Connect, the same code as over
  // gRPC (the same interceptors and handlers answer both), with and without a token.
  const unaryMethods = CONNECT_SERVICES.flatMap((s) =>
    s.methods.filter((m) => m.methodKind === 'unary').map((m) => ({ s, m })),
  );
  it.each(unaryMethods.map(({ s, m }) => ({ name: `${s.name}.${m.name}`, s, m })))(
    '$name answers as over gRPC',
    async ({ s, m }) => {
      for (const withToken of [undefined, token]) {
        const expected = await grpcCode(s, m, withToken);
        const got = await connectCode(s, m, binary, withToken);
        expect({ token: withToken !== undefined, code: got }).toEqual({
          token: withToken !== undefined,
          code: expected,
        });
      }
    },
  );
});

/** The gRPC status code of an empty request to `m` (0 = OK). */
function grpcCode(s: DescService, m: DescMethod, withToken: string | undefined): Promise<number> {
  const metadata = new grpc.Metadata();
  if (withToken !== undefined) metadata.set('authorization', `Bearer ${withToken}`);
  return new Promise((resolve) => {
    grpcClient.makeUnaryRequest(
      `/${s.typeName}/${m.name}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      metadata,
      (err) => resolve(err === null ? 0 : (err.code ?? -1)),
    );
  });
}

/** The Connect code of the same request over the HTTP port (0 = OK). */
async function connectCode(
  s: DescService,
  m: DescMethod,
  binary: boolean,
  withToken: string | undefined,
): Promise<number> {
  const client = createClient(s, transport(binary, withToken)) as unknown as Record<
    string,
    (req: unknown) => Promise<unknown>
  >;
  try {
    await client[m.localName]!(create(m.input));
    return 0;
  } catch (err) {
    return err instanceof ConnectError ? err.code : Code.Unknown;
  }
}
