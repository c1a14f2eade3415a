import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BEYOND_SAFE_INTEGER,
  DEFAULT_FIELD_LIMITS,
  REQUEST_LIMITS,
  REQUEST_MAX_BYTES,
  findLimitViolation,
  loadDroverProto,
  scanRequest,
} from '../src/index';

const DOC = readFileSync(new URL('../../../docs/limits.md', import.meta.url), 'utf8');

describe('findLimitViolation', () => {
  it('names the first field over its limit, with its indices', () => {
    const req = { task_slices: [{}, { properties: { command: ['a', 'x'.repeat(65_537)] } }] };
    expect(findLimitViolation('Tasks.NewTask', req)).toEqual({
      field: 'task_slices[1].properties.command[1]',
      problem: 'at most 65536 characters, got 65537',
    });
  });

  it('applies the defaults to fields the table does not name, and to unknown RPCs', () => {
    const over = 'x'.repeat(DEFAULT_FIELD_LIMITS.maxChars + 1);
    expect(findLimitViolation('Tasks.GetResult', { other: over })?.field).toBe('other');
    expect(findLimitViolation('No.Such', { list: Array(65).fill(1) })?.problem).toMatch(/64 items/);
    expect(findLimitViolation('No.Such', { b: Buffer.alloc(1025) })?.problem).toMatch(/1024 bytes/);
  });

  it('accepts everything at its limit', () => {
    expect(
      findLimitViolation('Tasks.NewTask', {
        tags: Array(256).fill('k:v'),
        task_slices: [{ properties: { dimensions: Array(64).fill({ key: 'k', value: 'v' }) } }],
      }),
    ).toBeUndefined();
  });
});

/** `count` empty elements of field `id` (length-delimited), inside field `outer` when given. */
function repeatedEmpty(id: number, count: number, outer?: number): Buffer {
  const inner = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) inner[2 * i] = (id << 3) | 2;
  return outer === undefined
    ? inner
    : Buffer.concat([Buffer.from([(outer << 3) | 2]), varint(inner.length), inner]);
}

describe('scanRequest', () => {
  it('refuses half a million empty elements in microseconds, before any decoding', () => {
    // BotMessage.hello (1) → Hello.running (5): 550,000 empty RunningTasks in 1.1 MB.
    const bytes = repeatedEmpty(5, 550_000, 1);
    scanRequest('BotApi.Connect', Buffer.alloc(0)); // loads the protocol's types once
    expect(scanRequest('BotApi.Connect', bytes)).toEqual({
      field: 'hello.running',
      problem: 'at most 64 items',
    });
    // The best of five runs (a busy machine pauses any one): decoding them takes seconds.
    const runsMs = Array.from({ length: 5 }, () => {
      const t0 = performance.now();
      scanRequest('BotApi.Connect', bytes);
      return performance.now() - t0;
    });
    expect(Math.min(...runsMs)).toBeLessThan(5);
  });

  it('counts packed scalars and nested repeated fields, naming the element', () => {
    // WatchTasks.states (2), packed: 17 one-byte enums.
    const packed = Buffer.concat([Buffer.from([0x12, 17]), Buffer.alloc(17, 1)]);
    expect(scanRequest('Tasks.WatchTasks', packed)?.field).toBe('states');
    const v1 = loadDroverProto().drover.v1;
    const req = v1.Tasks.service.NewTask.requestSerialize({
      task_slices: [{}, { properties: { command: Array(129).fill('a') } }],
    });
    expect(scanRequest('Tasks.NewTask', req)).toEqual({
      field: 'task_slices[1].properties.command',
      problem: 'at most 128 items',
    });
    const ok = v1.Tasks.service.NewTask.requestSerialize({
      tags: Array(256).fill('k:v'),
      task_slices: [{ properties: { command: Array(128).fill('a') } }],
    });
    expect(scanRequest('Tasks.NewTask', ok)).toBeUndefined();
  });

  it('applies NewTask limits to each of NewTasks requests, naming its index', () => {
    const v1 = loadDroverProto().drover.v1;
    const req = v1.Tasks.service.NewTasks.requestSerialize({
      requests: [{}, { task_slices: [{ properties: { command: Array(129).fill('a') } }] }],
    });
    expect(scanRequest('Tasks.NewTasks', req)).toEqual({
      field: 'requests[1].task_slices[0].properties.command',
      problem: 'at most 128 items',
    });
    const many = v1.Tasks.service.NewTasks.requestSerialize({ requests: Array(1001).fill({}) });
    expect(scanRequest('Tasks.NewTasks', many)).toEqual({
      field: 'requests',
      problem: 'at most 1000 items',
    });
    expect(
      findLimitViolation('Tasks.NewTasks', { requests: [{}, {}, { name: 'x'.repeat(1025) }] }),
    ).toEqual({ field: 'requests[2].name', problem: 'at most 1024 characters, got 1025' });
  });

  it('reads 64-bit integers exactly and refuses one beyond 2^53-1, naming it', () => {
    const v1 = loadDroverProto().drover.v1;
    // A decimal string is encoded exactly (through Long), whatever a double would round it to.
    const getStdout = (offset: string) =>
      v1.Tasks.service.GetStdout.requestSerialize({ task_id: 't', offset });
    expect(scanRequest('Tasks.GetStdout', getStdout('9007199254740993'))).toEqual({
      field: 'offset',
      problem: `${BEYOND_SAFE_INTEGER}, got 9007199254740993`,
      kind: 'out-of-range',
    });
    expect(scanRequest('Tasks.GetStdout', getStdout('-9007199254740992'))?.problem).toBe(
      `${BEYOND_SAFE_INTEGER}, got -9007199254740992`,
    );
    expect(scanRequest('Tasks.GetStdout', getStdout('9007199254740991'))).toBeUndefined();
    expect(scanRequest('Tasks.GetStdout', getStdout('-9007199254740991'))).toBeUndefined();
    // uint64 (WalkGraph limit.max_data_size), nested: 2^64-1 is not read as -1.
    const walk = v1.Graph.service.WalkGraph.requestSerialize({
      limit: { max_data_size: '18446744073709551615' },
    });
    expect(scanRequest('Graph.WalkGraph', walk)).toMatchObject({
      field: 'limit.max_data_size',
      problem: `${BEYOND_SAFE_INTEGER}, got 18446744073709551615`,
    });
    // A field of one message of a bot's stream.
    const output = v1.BotApi.service.Connect.requestSerialize({
      output: { task_id: 't', offset: '9007199254740992' },
    });
    expect(scanRequest('BotApi.Connect', output)?.field).toBe('output.offset');
  });

  it('refuses a field sent with another wire type than its type, which the decoder would read anyway', () => {
    const v1 = loadDroverProto().drover.v1;
    // BotMessage.hello sent as a varint: the decoder reads it as the length of a Hello and
    // decodes what follows (half a million empty RunningTasks) before any check; the scan, which
    // used to skip the varint, would have seen only top-level fields.
    const running = repeatedEmpty(5, 100_000);
    const smuggled = Buffer.concat([varintTag(1, 0), varint(running.length), running]);
    expect(scanRequest('BotApi.Connect', smuggled)).toEqual({
      field: 'hello',
      problem:
        'not a valid protobuf message (wire type 0 for a field of type Hello, encoded with wire type 2)',
    });
    // WalkGraph.limit sent as a varint: its uint64 past 2^53-1 would reach the handler rounded.
    const walk = Buffer.from(
      v1.Graph.service.WalkGraph.requestSerialize({
        limit: { max_data_size: '18446744073709551615' },
      }),
    );
    walk[0] = (4 << 3) | 0;
    expect(scanRequest('Graph.WalkGraph', walk)?.field).toBe('limit');
    // A varint field (GetStdout.offset, int64) sent as 8 fixed bytes, and a string as a varint.
    expect(
      scanRequest('Tasks.GetStdout', Buffer.concat([varintTag(2, 1), Buffer.alloc(8, 0xff)])),
    ).toMatchObject({ field: 'offset' });
    expect(scanRequest('Tasks.GetStdout', Buffer.concat([varintTag(1, 0), varint(5)]))?.field).toBe(
      'task_id',
    );
    // A repeated enum comes packed (wire type 2) or one value at a time (0): both are protobuf.
    const unpacked = Buffer.concat([varintTag(2, 0), varint(1), varintTag(2, 0), varint(2)]);
    expect(scanRequest('Tasks.WatchTasks', unpacked)).toBeUndefined();
    expect(scanRequest('Tasks.WatchTasks', Buffer.from([0x12, 2, 1, 2]))).toBeUndefined();
  });

  it('leaves bytes that are not protobuf to the decoder', () => {
    expect(scanRequest('Tasks.NewTask', Buffer.from([0x0a, 0xff, 0xff, 0x7f]))).toBeUndefined();
  });
});

describe('docs/limits.md', () => {
  const rows = DOC.split('\n').filter((l) => l.startsWith('| '));
  it('has a row for every limit of the table, with its value', () => {
    const missing: string[] = [];
    for (const [rpc, fields] of Object.entries(REQUEST_LIMITS)) {
      for (const [fullPattern, limit] of Object.entries(fields)) {
        // Each of NewTasks' requests is a NewTask: its limits are documented once, as NewTask's.
        const inBatch = rpc === 'Tasks.NewTasks' && fullPattern.startsWith('requests[].');
        const short = inBatch ? 'NewTask' : rpc.slice(rpc.indexOf('.') + 1);
        const pattern = inBatch ? fullPattern.slice('requests[].'.length) : fullPattern;
        if (pattern.startsWith('properties.')) continue; // documented once, as task_slices[]
        const value = limit.maxItems ?? limit.maxChars ?? limit.maxBytes;
        const found = rows.some(
          (r) =>
            r.includes(`\`${short}\``) && r.includes(`\`${pattern}\``) && r.includes(`${value} `),
        );
        if (!found) missing.push(`${rpc} ${pattern} ${value}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every request size', () => {
    for (const [rpc, bytes] of Object.entries(REQUEST_MAX_BYTES)) {
      const short = rpc.slice(rpc.indexOf('.') + 1);
      expect(rows.some((r) => r.includes(`\`${short}\``) && r.includes(`${bytes} bytes`))).toBe(
        true,
      );
    }
  });
});

/** The tag of field `id` with wire type `wire`. */
function varintTag(id: number, wire: number): Buffer {
  return varint((id << 3) | wire);
}

function varint(n: number): Buffer {
  const b: number[] = [];
  for (; n > 127; n >>>= 7) b.push((n & 127) | 128);
  b.push(n);
  return Buffer.from(b);
}
