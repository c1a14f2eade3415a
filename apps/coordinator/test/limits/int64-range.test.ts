import * as grpc from '@grpc/grpc-js';
import type { NewTaskResponseOut, TaskOutputOut, TasksClient } from '@drover/protocol';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { callRaw, concreteField, droverMethods, type CallEnd, type Method } from './wire';

/**
 * 64-bit integers over real gRPC, sent as exact 64-bit values (decimal strings, which protobufjs
 * encodes through Long; the bytes are decoded again to check): proto-loader decodes them with `longs: Number`, so the coordinator refuses one beyond
 * 2^53-1 with OUT_OF_RANGE naming the field instead of acting on a rounded number. Every int64
 * field of every RPC is found in the protocol itself, so a field added later is covered too.
 */

const MAX_SAFE = '9007199254740991'; // 2^53-1
const TWO_53 = '9007199254740992';
const TWO_53_PLUS_1 = '9007199254740993';
const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let client: grpc.Client;
let stub: TasksClient;
let clientToken: string;
let botToken: string;
const methods = droverMethods();
const method = (rpc: string): Method => methods.find((m) => m.rpc === rpc)!;

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  client = new grpc.Client(coord.grpcAddress, grpc.credentials.createInsecure());
  stub = tasksStub(coord.grpcAddress);
  clientToken = readToken(dir.path, 'client');
  botToken = readToken(dir.path, 'bot');
});

afterAll(async () => {
  client.close();
  stub.close();
  await coord.close();
  dir.remove();
});

/** Encodes `req` as `m`'s request; fails unless every value went on the wire exactly. */
function encode(m: Method, req: Record<string, unknown>): Buffer {
  const bytes = m.def.requestSerialize(req);
  const back = m.requestType.toObject(m.requestType.decode(bytes), { longs: String });
  expect(JSON.stringify(back)).toBe(JSON.stringify(req));
  return bytes;
}

function send(m: Method, req: Record<string, unknown>): Promise<CallEnd> {
  const token = m.rpc.startsWith('BotApi.') ? botToken : clientToken;
  return callRaw(client, m, encode(m, req), bearer(token), 2_000);
}

function expectOutOfRange(end: CallEnd, field: string): void {
  expect(end.code, end.details).toBe(grpc.status.OUT_OF_RANGE);
  expect(end.details.startsWith(`${field}: beyond 2^53-1 `), end.details).toBe(true);
}

/** A PENDING task nothing runs: its output is empty. */
async function idleTask(): Promise<string> {
  const created = await call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          task_slices: [
            {
              properties: {
                command: ['true'],
                dimensions: [
                  { key: 'pool', value: 'default' },
                  { key: 'flavor', value: 'none' },
                ],
              },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(clientToken),
  );
  return created.task_id;
}

describe('GetStdout offsets and lengths as exact 64-bit integers', () => {
  const getStdout = () => method('Tasks.GetStdout');

  it('refuses offset 2^53+1 with OUT_OF_RANGE naming offset, and reads nothing', async () => {
    const taskId = await idleTask();
    const end = await send(getStdout(), { task_id: taskId, offset: TWO_53_PLUS_1 });
    expectOutOfRange(end, 'offset');
    expect(end.details).toContain(TWO_53_PLUS_1);
    expect(end.response).toBeUndefined();
  });

  it('refuses length 2^53+1 and offset -(2^53+1) the same way', async () => {
    const taskId = await idleTask();
    expectOutOfRange(await send(getStdout(), { task_id: taskId, length: TWO_53_PLUS_1 }), 'length');
    expectOutOfRange(
      await send(getStdout(), { task_id: taskId, offset: `-${TWO_53_PLUS_1}` }),
      'offset',
    );
  });

  it('answers offset 2^53-1 as usual: nothing past the end', async () => {
    const taskId = await idleTask();
    const m = getStdout();
    const end = await send(m, { task_id: taskId, offset: MAX_SAFE });
    expect(end.code, end.details).toBe(grpc.status.OK);
    const out = m.def.responseDeserialize(end.response!) as TaskOutputOut;
    expect(out.offset).toBe(Number.MAX_SAFE_INTEGER);
    expect(out.output.length).toBe(0);
    expect(out.state).toBe('PENDING');
  });
});

/** One int64 field reachable in `m`'s request, as a REQUEST_LIMITS-style pattern. */
interface Int64Field {
  readonly m: Method;
  readonly pattern: string;
  readonly type: string;
}

function int64Fields(m: Method): Int64Field[] {
  const out: Int64Field[] = [];
  const visit = (type: protobuf.Type, prefix: string, depth: number) => {
    if (depth > 6) return;
    for (const f of type.fieldsArray) {
      f.resolve();
      if (f.map) continue; // no request has a map field
      const pattern = prefix === '' ? f.name : `${prefix}.${f.name}`;
      const elem = f.repeated ? `${pattern}[]` : pattern;
      if (INT64_TYPES.has(f.type)) out.push({ m, pattern: elem, type: f.type });
      else if (f.resolvedType instanceof protobuf.Type) visit(f.resolvedType, elem, depth + 1);
    }
  };
  visit(m.requestType, '', 0);
  return out;
}

/** A request of `f.m` holding `value` at `f.pattern` and nothing else. */
function requestWith(f: Int64Field, value: string): Record<string, unknown> {
  const req: Record<string, unknown> = {};
  let at = req;
  const steps = f.pattern.split('.');
  steps.forEach((step, i) => {
    const name = step.endsWith('[]') ? step.slice(0, -2) : step;
    if (i === steps.length - 1) {
      at[name] = step.endsWith('[]') ? [value] : value;
      return;
    }
    const inner: Record<string, unknown> = {};
    at[name] = step.endsWith('[]') ? [inner] : inner;
    at = inner;
  });
  return req;
}

describe('every int64 field of every RPC', () => {
  const rows = methods.flatMap(int64Fields);

  it('covers the fields of the Tasks, Graph and BotApi requests', () => {
    const names = rows.map((r) => `${r.m.rpc} ${r.pattern}`);
    expect(names).toContain('Tasks.GetStdout offset');
    expect(names).toContain('Tasks.NewTask task_slices[].properties.memory_limit_bytes');
    expect(names).toContain('Graph.WalkGraph limit.max_data_size');
    expect(names).toContain('BotApi.Connect output.offset');
  });

  it.each(rows.map((r) => [`${r.m.rpc} ${r.pattern}`, r] as const))(
    '%s: 2^53-1 passes the guard, 2^53 is OUT_OF_RANGE',
    async (_name, f) => {
      const field = concreteField(f.pattern);
      const at = await send(f.m, requestWith(f, MAX_SAFE));
      expect(at.code === grpc.status.OUT_OF_RANGE, at.details).toBe(false);
      expectOutOfRange(await send(f.m, requestWith(f, TWO_53)), field);
      if (f.type !== 'uint64' && f.type !== 'fixed64') {
        expectOutOfRange(await send(f.m, requestWith(f, `-${TWO_53}`)), field);
      }
    },
  );
});
