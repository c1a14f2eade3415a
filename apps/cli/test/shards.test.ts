// --shards and the views of several tasks: pure tables, and the usage errors through runCli
// (in-process; refused before any call, so no server is needed).
import { describe, expect, it } from 'vitest';
import type { TaskResultOut } from '@drover/client';
import type { NewTaskRequest } from '@drover/protocol';
import { LinePrefixer, formatElapsed, outputPrefix, summaryLine } from '../src/collect-view';
import { runCli } from '../src/program';
import { byShardIndex, parseShards, shardGroupId, shardIndex, shardRequests } from '../src/shards';
import { memoryRuntime } from './support/memory-runtime';

describe('parseShards', () => {
  it.each([
    ['1', 1],
    ['4', 4],
    ['1000', 1000],
  ])('takes %s', (text, count) => {
    expect(parseShards(text)).toEqual({ ok: true, value: count });
  });

  it.each(['0', '1001', 'x', '-1', '2.5', '', ' 3'])('refuses %j', (text) => {
    expect(parseShards(text).ok).toBe(false);
  });
});

describe('shardRequests', () => {
  const request: NewTaskRequest = {
    name: 'unit',
    tags: ['build:7'],
    request_uuid: 'u-1',
    task_slices: [
      {
        properties: {
          command: ['run-tests'],
          env: [
            { key: 'A', value: '1' },
            { key: 'GTEST_SHARD_INDEX', value: 'mine' },
          ],
          dimensions: [{ key: 'pool', value: 'ci' }],
        },
      },
      { properties: { command: ['run-tests'], dimensions: [{ key: 'pool', value: 'ci' }] } },
    ],
  };

  it('gives every shard its index, the count and the group, in env and tags, in every slice', () => {
    const shards = shardRequests(request, 3, 'g1');
    expect(shards).toHaveLength(3);
    const second = shards[1]!;
    expect(second.tags).toEqual(['build:7', 'shard_index:1', 'shard_count:3', 'shard_group:g1']);
    for (const slice of second.task_slices ?? []) {
      const env = Object.fromEntries((slice.properties?.env ?? []).map((e) => [e.key, e.value]));
      expect(env).toMatchObject({
        GTEST_SHARD_INDEX: '1',
        GTEST_TOTAL_SHARDS: '3',
        DROVER_SHARD_INDEX: '1',
        DROVER_SHARD_COUNT: '3',
      });
    }
    // The shard's own value replaces one given with --env.
    const env = second.task_slices?.[0]?.properties?.env ?? [];
    expect(env.filter((e) => e.key === 'GTEST_SHARD_INDEX')).toEqual([
      { key: 'GTEST_SHARD_INDEX', value: '1' },
    ]);
    expect(env).toContainEqual({ key: 'A', value: '1' });
    expect(second.request_uuid).toBe('u-1/1');
    // The request given is left as it was.
    expect(request.tags).toEqual(['build:7']);
  });

  it('makes a random 16-hex group id, or one derived from the request uuid', () => {
    expect(shardGroupId(undefined)).toMatch(/^[0-9a-f]{16}$/);
    expect(shardGroupId(undefined)).not.toBe(shardGroupId(undefined));
    expect(shardGroupId('u-1')).toBe(shardGroupId('u-1'));
    expect(shardGroupId('u-1')).not.toBe(shardGroupId('u-2'));
  });
});

const result = (fields: Partial<TaskResultOut>): TaskResultOut =>
  ({
    task_id: 't',
    state: 'PENDING',
    tags: [],
    bot_id: '',
    started_ts: null,
    ...fields,
  }) as TaskResultOut;

describe('shard order and labels', () => {
  it('sorts shards by index, tasks without one after them as given', () => {
    const r = (id: string, tags: string[]) => result({ task_id: id, tags });
    const sorted = byShardIndex([
      r('x', []),
      r('c', ['shard_index:10']),
      r('a', ['shard_index:2']),
      r('y', []),
    ]);
    expect(sorted.map((t) => t.task_id)).toEqual(['a', 'c', 'x', 'y']);
    expect(shardIndex(r('a', ['shard_index:2']))).toBe(2);
    expect(outputPrefix(r('a', ['shard_index:2']))).toBe('[2] ');
    expect(outputPrefix(r('abc', []))).toBe('[abc] ');
  });
});

describe('summaryLine', () => {
  it('counts by state, names the task running longest, and the time since the start', () => {
    const startedAt = (secs: number) => ({ seconds: secs, nanos: 0 });
    const line = summaryLine(
      [
        result({ state: 'COMPLETED', exit_code: 0 }),
        result({ state: 'COMPLETED', exit_code: 2 }),
        result({
          task_id: 't3',
          state: 'RUNNING',
          bot_id: 'b2',
          tags: ['shard_index:3'],
          started_ts: startedAt(100),
        }),
        result({ task_id: 't4', state: 'RUNNING', started_ts: startedAt(110) }),
        result({ state: 'KILLED' }),
        undefined,
      ],
      90_000,
      131_000,
    );
    expect(line).toBe(
      '6 tasks: 1 COMPLETED, 1 COMPLETED_FAILURE, 1 KILLED, 2 RUNNING, 1 PENDING; ' +
        'slowest shard 3 on bot b2 (31.0s); elapsed 41.0s',
    );
  });

  it.each([
    [0, '0.0s'],
    [4_250, '4.3s'],
    [187_000, '3m07s'],
    [3_720_000, '1h02m'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('LinePrefixer', () => {
  it('prefixes whole lines only, holding a partial one until its end', () => {
    const p = new LinePrefixer('[1] ');
    expect(p.push(Buffer.from('a\nb')).toString()).toBe('[1] a\n');
    expect(p.push(Buffer.from('c')).toString()).toBe('');
    expect(p.push(Buffer.from('\n\nd')).toString()).toBe('[1] bc\n[1] \n');
    expect(p.end().toString()).toBe('[1] d\n');
    expect(p.end().toString()).toBe('');
  });
});

describe('usage errors of --shards, submit and run', () => {
  it.each(['0', '1001', 'x', '-1'])(
    'refuses --shards %s with exit 2, calling no one',
    async (n) => {
      for (const command of ['submit', 'run']) {
        const io = memoryRuntime({ DROVER_SERVER: '127.0.0.1:1' }, process.cwd());
        const code = await runCli([command, '-d', 'pool=ci', '--shards', n, '--', 'true'], io.rt);
        expect(code).toBe(2);
        expect(io.stdoutText()).toBe('');
        expect(io.stderrText()).toContain("option '--shards <n>' argument");
      }
    },
  );
});
