import * as grpc from '@grpc/grpc-js';
import { MAX_ARGV_ENV_BYTES, TASK_LIMITS, type TasksClient } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import {
  callRaw,
  concreteField,
  droverMethods,
  limitedFields,
  requestWithField,
  type CallEnd,
  type Method,
} from './wire';

/**
 * Every limit on every field of every RPC, over real gRPC — at the limit the request
 * is not refused for it, one past it is INVALID_ARGUMENT naming the field and the limit, and a
 * refused request stores nothing (CountTasks unchanged). The fields come from the protocol
 * itself, so a field added later is covered (at the default limit) without touching this test;
 * NewTask's rows are written out below because at its limits a task must really be stored.
 */

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

async function countTasks(): Promise<number> {
  const res = await call<{ count: number }>(
    (md, cb) => stub.CountTasks({ state: 'QUERY_ALL' }, md, cb),
    bearer(clientToken),
  );
  return res.count;
}

function send(m: Method, req: Record<string, unknown>): Promise<CallEnd> {
  const token = m.rpc.startsWith('BotApi.') ? botToken : clientToken;
  return callRaw(client, m, req, bearer(token), 2_000);
}

function expectRefused(end: CallEnd, field: string, limit: number): void {
  expect(end.code, end.details).toBe(grpc.status.INVALID_ARGUMENT);
  expect(end.details.startsWith(`${field}: `), end.details).toBe(true);
  expect(end.details).toContain(String(limit));
}

function expectNotRefusedFor(end: CallEnd, field: string): void {
  const refusedForIt = end.code === grpc.status.INVALID_ARGUMENT && end.details.startsWith(field);
  expect(refusedForIt, end.details).toBe(false);
}

describe('every field of every RPC but NewTask, at its limit and one past', () => {
  const rows = methods
    .filter((m) => m.rpc !== 'Tasks.NewTask')
    .flatMap((m) => limitedFields(m).map((f) => ({ m, f })));

  it.each(rows.map((r) => [`${r.f.rpc} ${r.f.pattern}`, r.f.kind, r.f.limit, r] as const))(
    '%s: at most %s %i',
    async (_name, _kind, limit, { m, f }) => {
      const before = await countTasks();
      const field = concreteField(f.pattern);
      expectNotRefusedFor(await send(m, requestWithField(f, limit)), `${field}: at most`);
      expectRefused(await send(m, requestWithField(f, limit + 1)), field, limit);
      expect(await countTasks()).toBe(before);
    },
  );
});

type Props = Record<string, unknown>;
const pool = { key: 'pool', value: 'default' };
const base: Props = { command: ['true'], dimensions: [pool] };
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** One limit of NewTask: the request at the limit and one past it. */
interface Row {
  readonly name: string;
  /** The REQUEST_LIMITS pattern it covers, if it is one. */
  readonly pattern?: string;
  /** The field the refusal names. */
  readonly field: string;
  readonly limit: number;
  readonly at: Props;
  readonly past: Props;
  /** At the limit the task is stored (false: refused for another reason, e.g. no such parent). */
  readonly stored: boolean | 'if-ok';
}

/** A 32-key, 64-pair set of dimensions (pool, 30 keys twice, one key three times), plus `extra`. */
function dimensions(extraValues: number): Props[] {
  return [
    pool,
    ...times(30, (i) => times(2, (j) => ({ key: `k${i}`, value: `v${j}` }))).flat(),
    ...times(3 + extraValues, (j) => ({ key: 'k30', value: `v${j}` })),
  ];
}

/**
 * The command at exactly MAX_ARGV_ENV_BYTES (each string's bytes and its NUL), plus `extra`
 * bytes: arguments of the longest size allowed, the last one shorter.
 */
function budgetCommand(extra: number): string[] {
  const args = ['true'];
  for (let left = MAX_ARGV_ENV_BYTES - 5; left > 0;) {
    const n = Math.min(TASK_LIMITS.maxArgBytes, left - 1);
    args.push('b'.repeat(n));
    left -= n + 1;
  }
  args[args.length - 1] += 'b'.repeat(extra);
  return args;
}

function propertyRows(prefix: 'task_slices[].properties' | 'properties'): Row[] {
  const req = (p: Props): Props =>
    prefix === 'properties'
      ? { properties: { ...base, ...p } }
      : { task_slices: [{ properties: { ...base, ...p } }] };
  const at = concreteField(prefix);
  const row = (
    name: string,
    pattern: string | undefined,
    field: string,
    limit: number,
    make: (over: number) => Props,
  ): Row => ({
    name: `${prefix}: ${name}`,
    ...(pattern === undefined ? {} : { pattern: `${prefix}.${pattern}` }),
    field: field === '' ? at : `${at}.${field}`,
    limit,
    at: req(make(0)),
    past: req(make(1)),
    stored: true,
  });
  const L = TASK_LIMITS;
  return [
    row('command arguments', 'command', 'command', L.maxCommandArgs, (o) => ({
      command: ['true', ...times(L.maxCommandArgs - 1 + o, () => 'a')],
    })),
    row('one argument, in characters', 'command[]', 'command[0]', L.maxArgBytes, (o) => ({
      command: ['x'.repeat(L.maxArgBytes + o)],
    })),
    row('one argument, in UTF-8 bytes', undefined, 'command[1]', L.maxArgBytes, (o) => ({
      command: ['true', 'é'.repeat(L.maxArgBytes / 2 + o)],
    })),
    row('env variables', 'env', 'env', L.maxEnv, (o) => ({
      env: times(L.maxEnv + o, (i) => ({ key: `K${i}`, value: 'v' })),
    })),
    row('an env key', 'env[].key', 'env[0].key', L.maxEnvKeyLength, (o) => ({
      env: [{ key: 'K'.repeat(L.maxEnvKeyLength + o), value: 'v' }],
    })),
    row('an env value, in characters', 'env[].value', 'env[0].value', L.maxEnvValueBytes, (o) => ({
      env: [{ key: 'K', value: 'v'.repeat(L.maxEnvValueBytes + o) }],
    })),
    row('an env value, in UTF-8 bytes', undefined, 'env[0].value', L.maxEnvValueBytes, (o) => ({
      env: [{ key: 'K', value: 'é'.repeat(L.maxEnvValueBytes / 2 + o) }],
    })),
    row('env_prefixes keys', 'env_prefixes', 'env_prefixes', L.maxEnvPrefixes, (o) => ({
      env_prefixes: times(L.maxEnvPrefixes + o, (i) => ({ key: `P${i}`, value: ['bin'] })),
    })),
    row('an env_prefixes key', 'env_prefixes[].key', 'env_prefixes[0].key', 64, (o) => ({
      env_prefixes: [{ key: 'P'.repeat(64 + o), value: ['bin'] }],
    })),
    row(
      'env_prefixes paths of a key',
      'env_prefixes[].value',
      'env_prefixes[0].value',
      32,
      (o) => ({
        env_prefixes: [{ key: 'PATH', value: times(32 + o, (j) => `d${j}`) }],
      }),
    ),
    row(
      'an env_prefixes path',
      'env_prefixes[].value[]',
      'env_prefixes[0].value[0]',
      1024,
      (o) => ({
        env_prefixes: [{ key: 'PATH', value: ['d'.repeat(1024 + o)] }],
      }),
    ),
    row('relative_cwd', 'relative_cwd', 'relative_cwd', 1024, (o) => ({
      relative_cwd: 'd'.repeat(1024 + o),
    })),
    row('dimension pairs', 'dimensions', 'dimensions', L.maxDimensions, (o) => ({
      dimensions: dimensions(o),
    })),
    row('distinct dimension keys', undefined, 'dimensions', L.maxDimensionKeys, (o) => ({
      dimensions: [
        pool,
        ...times(L.maxDimensionKeys - 1 + o, (i) => ({ key: `k${i}`, value: 'v' })),
      ],
    })),
    row('a dimension key', 'dimensions[].key', 'dimensions[1].key', 64, (o) => ({
      dimensions: [pool, { key: 'k'.repeat(64 + o), value: 'v' }],
    })),
    row('a dimension value', 'dimensions[].value', 'dimensions[1].value', 256, (o) => ({
      dimensions: [pool, { key: 'k', value: 'v'.repeat(256 + o) }],
    })),
    row('OR combinations', undefined, 'dimensions', L.maxOrCombinations, (o) => ({
      dimensions: [
        pool,
        { key: 'k', value: times(L.maxOrCombinations + o, (i) => `v${i}`).join('|') },
      ],
    })),
    row('caches', 'caches', 'caches', 32, (o) => ({
      caches: times(32 + o, (i) => ({ name: `c${i}`, path: `p${i}` })),
    })),
    row('a cache name', 'caches[].name', 'caches[0].name', 128, (o) => ({
      caches: [{ name: 'c'.repeat(128 + o), path: 'p' }],
    })),
    row('a cache path', 'caches[].path', 'caches[0].path', 1024, (o) => ({
      caches: [{ name: 'c', path: 'p'.repeat(1024 + o) }],
    })),
    // At the limit a well-formed digest, refused because the CAS does not hold that tree.
    {
      ...row('an input tree hash', 'cas_input_root.hash', 'cas_input_root.hash', 64, (o) => ({
        cas_input_root: { hash: 'a'.repeat(64 + o), size_bytes: 10 },
      })),
      stored: false,
    },
    row('command + env as exec counts them', undefined, '', MAX_ARGV_ENV_BYTES, (o) => ({
      command: budgetCommand(o),
    })),
  ];
}

const slice = (p: Props = {}) => ({ properties: { ...base, ...p } });
const topRow = (
  name: string,
  limit: number,
  make: (over: number) => Props,
  stored: Row['stored'] = true,
): Row => ({
  name,
  pattern: name,
  field: name,
  limit,
  at: { task_slices: [slice()], ...make(0) },
  past: { task_slices: [slice()], ...make(1) },
  stored,
});

const newTaskRows: Row[] = [
  topRow('name', 1024, (o) => ({ name: 'n'.repeat(1024 + o) })),
  topRow('tags', 256, (o) => ({ tags: times(256 + o, (i) => `k${i}:v`) })),
  { ...topRow('tags[]', 1024, (o) => ({ tags: [`k:${'v'.repeat(1022 + o)}`] })), field: 'tags[0]' },
  topRow('user', 256, (o) => ({ user: 'u'.repeat(256 + o) })),
  topRow('request_uuid', 128, (o) => ({ request_uuid: 'r'.repeat(128 + o) })),
  {
    ...topRow('task_slices', 8, (o) => ({
      task_slices: times(8 + o, (i) => slice({ command: ['true', String(i)] })),
    })),
  },
  // A task id is [A-Za-z0-9_-]{1,128}; at 128 the parent is looked up (and not found).
  topRow('parent_task_id', 128, (o) => ({ parent_task_id: 'p'.repeat(128 + o) }), false),
  // Whether notify is accepted at all is the webhook allow-list's business (config).
  topRow(
    'notify.url',
    2048,
    (o) => ({
      notify: { url: `https://ci.example.com/${'h'.repeat(2048 - 23 + o)}` },
    }),
    'if-ok',
  ),
  topRow(
    'notify.userdata',
    4096,
    (o) => ({
      notify: { url: 'https://ci.example.com/hook', userdata: 'u'.repeat(4096 + o) },
    }),
    'if-ok',
  ),
  // Secret bytes (20 KiB): stored sealed at the limit, refused one byte past it.
  topRow('secret_bytes', 20480, (o) => ({ secret_bytes: Buffer.alloc(20480 + o, 7) })),
  ...propertyRows('task_slices[].properties'),
  ...propertyRows('properties'),
];

describe('every limit of NewTask, at the limit stored and one past refused', () => {
  it('has a row for every field of NewTaskRequest', () => {
    const covered = new Set(newTaskRows.map((r) => r.pattern));
    const fields = limitedFields(method('Tasks.NewTask')).map((f) => f.pattern);
    expect(fields.filter((p) => !covered.has(p))).toEqual([]);
  });

  it.each(newTaskRows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const m = method('Tasks.NewTask');
    const before = await countTasks();
    const at = await send(m, row.at);
    if (row.stored === true) expect(at.code, at.details).toBe(grpc.status.OK);
    if (row.stored === false) expect(at.code, at.details).not.toBe(grpc.status.OK);
    expectNotRefusedFor(at, `${row.field}: at most`);
    const stored = at.code === grpc.status.OK ? 1 : 0;
    expect(await countTasks()).toBe(before + stored);

    expectRefused(await send(m, row.past), row.field, row.limit);
    expect(await countTasks()).toBe(before + stored);
  });
});
