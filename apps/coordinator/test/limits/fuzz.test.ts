import * as grpc from '@grpc/grpc-js';
import { REQUEST_LIMITS, DEFAULT_FIELD_LIMITS, loadDroverProto } from '@drover/protocol';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { callRaw, droverMethods, seededRandom, type CallEnd, type Method } from './wire';

/**
 * A bounded fuzz of every drover.v1 RPC on loopback, from a fixed seed — random bytes,
 * random messages built from the protocol's own types (fields sometimes past their limits), and
 * byte-level mutations of those. The coordinator never answers INTERNAL (nor UNKNOWN), stays up,
 * and stores a task only for a NewTask (or TerminateBot) it answered OK.
 */

const SEED = 0x17_d20;
const PER_METHOD = 100;
const CONCURRENCY = 16;
const DEADLINE_MS = 400;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let client: grpc.Client;
let tokens: { client: string; bot: string };

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  client = new grpc.Client(coord.grpcAddress, grpc.credentials.createInsecure());
  tokens = { client: readToken(dir.path, 'client'), bot: readToken(dir.path, 'bot') };
});

afterAll(async () => {
  client.close();
  await coord.close();
  dir.remove();
});

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!;

function randomString(rand: Rand, limit: number): string {
  switch (int(rand, 8)) {
    case 0:
      return '';
    case 1:
      return 'x'.repeat(limit + 1); // one past its limit
    case 2:
      return pick(rand, ['pool', 'default', 'k:v', 'pool:default', 'a|b', '..', '/abs', 'é€😀']);
    case 3:
      return String.fromCharCode(...Array.from({ length: int(rand, 40) }, () => int(rand, 0xd7ff)));
    default:
      return Array.from({ length: 1 + int(rand, 24) }, () =>
        String.fromCharCode(32 + int(rand, 95)),
      ).join('');
  }
}

function randomNumber(rand: Rand, type: string): number {
  const n = pick(rand, [0, 1, -1, 7, 255, 256, 3600, 604_801, 2 ** 31 - 1, -(2 ** 31)]);
  if (type.startsWith('uint') || type.startsWith('fixed')) return Math.abs(n);
  if (type === 'double' || type === 'float') return n + rand();
  return n;
}

/** A random message of `type`: each field present half the time, repeated fields 0–3 items. */
function randomMessage(
  rand: Rand,
  type: protobuf.Type,
  rpc: string,
  prefix: string,
  depth: number,
): Record<string, unknown> {
  const table = REQUEST_LIMITS[rpc] ?? {};
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    if (rand() < 0.5) continue;
    f.resolve();
    const pattern = prefix === '' ? f.name : `${prefix}.${f.name}`;
    const elem = f.repeated ? `${pattern}[]` : pattern;
    const one = (): unknown => {
      if (f.type === 'string')
        return randomString(rand, table[elem]?.maxChars ?? DEFAULT_FIELD_LIMITS.maxChars);
      if (f.type === 'bytes') return Buffer.from(randomString(rand, 16));
      if (f.type === 'bool') return rand() < 0.5;
      if (f.resolvedType instanceof protobuf.Enum)
        return pick(rand, Object.keys(f.resolvedType.values));
      if (f.resolvedType instanceof protobuf.Type)
        return depth > 4 ? {} : randomMessage(rand, f.resolvedType, rpc, elem, depth + 1);
      return randomNumber(rand, f.type);
    };
    if (f.map) continue;
    if (f.repeated) {
      const max = table[pattern]?.maxItems ?? DEFAULT_FIELD_LIMITS.maxItems;
      const n = rand() < 0.05 ? max + 1 : int(rand, 4);
      out[f.name] = Array.from({ length: n }, one);
    } else {
      out[f.name] = one();
    }
  }
  return out;
}

function mutate(rand: Rand, bytes: Buffer): Buffer {
  const b = Buffer.from(bytes);
  switch (int(rand, 4)) {
    case 0: // flip some bytes
      for (let i = 0; i < 1 + int(rand, 4) && b.length > 0; i++)
        b[int(rand, b.length)] = int(rand, 256);
      return b;
    case 1: // truncate
      return b.subarray(0, int(rand, b.length + 1));
    case 2: // insert junk
      return Buffer.concat([b.subarray(0, int(rand, b.length + 1)), randomBytes(rand, 8), b]);
    default: // a length prefix claiming far more than there is
      return Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0x7f]), b]);
  }
}

function randomBytes(rand: Rand, max: number): Buffer {
  return Buffer.from(Array.from({ length: int(rand, max + 1) }, () => int(rand, 256)));
}

/** One fuzz request for `m`. */
function fuzzRequest(rand: Rand, m: Method): Buffer {
  const kind = int(rand, 3);
  if (kind === 0) return randomBytes(rand, rand() < 0.9 ? 64 : 4096);
  let encoded: Buffer;
  try {
    encoded = m.def.requestSerialize(randomMessage(rand, m.requestType, m.rpc, '', 0));
  } catch {
    return randomBytes(rand, 64);
  }
  return kind === 1 ? encoded : mutate(rand, encoded);
}

function metadataFor(rand: Rand, m: Method): grpc.Metadata {
  const own = m.rpc.startsWith('BotApi.') ? tokens.bot : tokens.client;
  const other = m.rpc.startsWith('BotApi.') ? tokens.client : tokens.bot;
  const r = rand();
  return bearer(r < 0.7 ? own : r < 0.85 ? other : undefined);
}

async function countTasks(): Promise<number> {
  const stub = tasksStub(coord.grpcAddress);
  try {
    const res = await call<{ count: number }>(
      (md, cb) => stub.CountTasks({ state: 'QUERY_ALL' }, md, cb),
      bearer(tokens.client),
    );
    return res.count;
  } finally {
    stub.close();
  }
}

describe('fuzzing every RPC', () => {
  it('never answers INTERNAL, stays up, and stores nothing for a refused request', async () => {
    const rand = seededRandom(SEED);
    const methods = droverMethods();
    const jobs = methods.flatMap((m) =>
      Array.from({ length: PER_METHOD }, () => ({
        m,
        bytes: fuzzRequest(rand, m),
        md: metadataFor(rand, m),
      })),
    );
    const before = await countTasks();
    const ends: Array<{ m: Method; end: CallEnd }> = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          ends.push({
            m: job.m,
            end: await callRaw(client, job.m, job.bytes, job.md, DEADLINE_MS),
          });
        }
      }),
    );

    const byCode = new Map<string, number>();
    for (const { end } of ends) {
      const name = grpc.status[end.code] ?? String(end.code);
      byCode.set(name, (byCode.get(name) ?? 0) + 1);
    }
    console.log(
      `fuzz: ${ends.length} requests over ${methods.length} RPCs in ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${SEED}; by status: ` +
        [...byCode]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
    );
    const refused = ends.filter(({ end }) => end.code === grpc.status.INVALID_ARGUMENT);
    const malformed = refused.filter(({ end }) => end.details.startsWith('request: not a valid'));
    const oversized = refused.filter(({ end }) =>
      / at most \d+ (characters|bytes|items)/.test(end.details),
    );
    console.log(
      `fuzz: INVALID_ARGUMENT ${refused.length}: not protobuf ${malformed.length}, over a limit ${oversized.length}, ` +
        `other checks ${refused.length - malformed.length - oversized.length}`,
    );
    for (const { m, end } of ends.filter(({ end }) => end.code === grpc.status.RESOURCE_EXHAUSTED))
      console.log(`fuzz: RESOURCE_EXHAUSTED from ${m.rpc}: ${end.details}`);
    const bad = ends.filter(
      ({ end }) => end.code === grpc.status.INTERNAL || end.code === grpc.status.UNKNOWN,
    );
    expect(bad.map(({ m, end }) => `${m.rpc}: ${grpc.status[end.code]} ${end.details}`)).toEqual(
      [],
    );

    // Up: health (and, below, a valid request).
    expect((await fetch(`http://${coord.httpAddress}/healthz`)).status).toBe(200);

    // Rows only for what was accepted: OK NewTasks, and the termination tasks of OK TerminateBots.
    const v1 = loadDroverProto().drover.v1;
    const created = ends.filter(({ m, end }) => {
      if (end.code !== grpc.status.OK || end.response === undefined) return false;
      if (m.rpc === 'Tasks.NewTask') return true;
      if (m.rpc !== 'Bots.TerminateBot') return false;
      const res = v1.Bots.service.TerminateBot.responseDeserialize(end.response);
      return res.task_id !== '';
    }).length;
    expect(await countTasks()).toBe(before + created);

    const ok = await callRaw(
      client,
      methods.find((m) => m.rpc === 'Tasks.NewTask')!,
      {
        task_slices: [
          { properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] } },
        ],
      },
      bearer(tokens.client),
    );
    expect(ok.code, ok.details).toBe(grpc.status.OK);
  }, 120_000);
});
