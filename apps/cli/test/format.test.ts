import { describe, expect, it } from 'vitest';
import type { TaskResultOut } from '@drover/client';
import {
  describeExitCode,
  describeResult,
  describeState,
  formatTaskTable,
  truncate,
} from '../src/format';

const base: TaskResultOut = {
  task_id: 't1',
  name: '',
  state: 'PENDING',
  current_task_slice: 0,
  bot_id: '',
  bot_dimensions: [],
  duration: 0,
  created_ts: { seconds: 1_700_000_000, nanos: 0 },
  started_ts: null,
  completed_ts: null,
  abandoned_ts: null,
  modified_ts: null,
  failure: false,
  internal_failure: false,
  deduped_from: '',
  output_size: 0,
  tags: [],
  priority: 200,
  user: '',
  summary: '',
  parent_task_id: '',
  outputs: [],
  outputs_truncated: false,
  inputs_fetched_bytes: 0,
  inputs_fetch_duration: 0,
  canceled_by: '',
};

describe('describeState', () => {
  it.each<[Partial<TaskResultOut>, string]>([
    [{ state: 'PENDING' }, 'PENDING'],
    [{ state: 'RUNNING', bot_id: 'b1' }, 'RUNNING on bot b1'],
    [{ state: 'COMPLETED', exit_code: 3, duration: 0.0123 }, 'COMPLETED exit 3 in 0.01s'],
    [
      { state: 'COMPLETED', exit_code: 0, duration: 0, deduped_from: 't0' },
      'COMPLETED exit 0 in 0.00s (deduped from t0)',
    ],
    [
      { state: 'TIMED_OUT', exit_code: -15, duration: 60 },
      'TIMED_OUT killed by SIGTERM (exit -15) after 60.00s',
    ],
    [
      { state: 'KILLED', exit_code: -9, duration: 1.5 },
      'KILLED killed by SIGKILL (exit -9) after 1.50s',
    ],
    [
      { state: 'COMPLETED', exit_code: -6, duration: 2 },
      'COMPLETED killed by SIGABRT (exit -6) in 2.00s',
    ],
    [{ state: 'BOT_DIED', bot_id: 'b2' }, 'BOT_DIED on bot b2'],
    [{ state: 'EXPIRED' }, 'EXPIRED'],
    [{ state: 'CANCELED' }, 'CANCELED'],
    [
      { state: 'NO_RESOURCE', summary: 'no bot matches pool=ci' },
      'NO_RESOURCE: no bot matches pool=ci',
    ],
    [{ state: 'CLIENT_ERROR', summary: 'bad cwd' }, 'CLIENT_ERROR: bad cwd'],
  ])('%j → %j', (fields, line) => {
    expect(describeState({ ...base, ...fields })).toBe(line);
  });
});

describe('describeExitCode', () => {
  it.each<[number, string]>([
    [0, '0'],
    [3, '3'],
    [-15, 'killed by SIGTERM (exit -15)'],
    [-9, 'killed by SIGKILL (exit -9)'],
    [-2, 'killed by SIGINT (exit -2)'],
    [-40, 'killed by signal 40 (exit -40)'],
    [-200, '-200'],
  ])('%d → %j', (code, text) => {
    expect(describeExitCode(code)).toBe(text);
  });

  it('is what the task table shows in its EXIT column', () => {
    const table = formatTaskTable([
      { ...base, task_id: 't1', state: 'KILLED', exit_code: -15, duration: 1 },
    ]);
    expect(table.split('\n')[1]).toContain('killed by SIGTERM (exit -15)');
  });
});

describe('describeResult', () => {
  it('says who cancelled or killed the task', () => {
    const cancelled = describeResult({ ...base, state: 'CANCELED', canceled_by: 'alice' });
    expect(cancelled.split('\n')).toContain('cancelled by  alice');
    const asked = describeResult({ ...base, state: 'COMPLETED', exit_code: 0, canceled_by: 'bob' });
    expect(asked.split('\n')).toContain('kill asked by  bob');
    expect(describeResult(base)).not.toMatch(/cancelled by|kill asked/);
  });

  it('aligns one labelled row per set field', () => {
    const text = describeResult({
      ...base,
      name: 'build',
      state: 'COMPLETED',
      bot_id: 'b1',
      exit_code: 0,
      duration: 2,
      started_ts: { seconds: 1_700_000_001, nanos: 0 },
      completed_ts: { seconds: 1_700_000_003, nanos: 0 },
      output_size: 10,
      tags: ['a:b', 'c:d'],
    });
    expect(text.split('\n')).toEqual([
      'task       t1 (build)',
      'state      COMPLETED exit 0 in 2.00s',
      'bot        b1',
      'exit code  0',
      'priority   200',
      'created    2023-11-14T22:13:20.000Z',
      'started    2023-11-14T22:13:21.000Z',
      'completed  2023-11-14T22:13:23.000Z',
      'duration   2.00s',
      'output     10 bytes',
      'tags       a:b c:d',
    ]);
  });
});

describe('truncate', () => {
  it.each([
    ['abc', 3, 'abc'],
    ['abcd', 3, 'ab…'],
    ['été été', 4, 'été…'],
    ['', 2, ''],
  ])('%j to %d → %j', (text, max, cut) => {
    expect(truncate(text, max)).toBe(cut);
  });
});

describe('formatTaskTable', () => {
  it('prints a header and aligned rows, - for empty cells, cutting long names and tags', () => {
    const text = formatTaskTable([
      {
        ...base,
        task_id: '0123456789abcdef0123',
        name: 'x'.repeat(30),
        state: 'RUNNING',
        bot_id: 'a-bot-with-a-very-long-name',
        started_ts: { seconds: 1_700_000_001, nanos: 0 },
        tags: ['a:b', 'long:' + 'y'.repeat(60)],
      },
      {
        ...base,
        name: 'build',
        state: 'COMPLETED',
        bot_id: 'b1',
        exit_code: 0,
        duration: 2,
        created_ts: { seconds: 1_700_000_000, nanos: 999_000_000 },
        started_ts: { seconds: 1_700_000_001, nanos: 0 },
      },
      { ...base, task_id: 't2', created_ts: null },
    ]);
    expect(text.split('\n')).toEqual([
      'ID                    STATE      NAME                      BOT                   EXIT  CREATED               DURATION  TAGS',
      `0123456789abcdef0123  RUNNING    ${'x'.repeat(23)}…  a-bot-with-a-very-l…  -     2023-11-14T22:13:20Z  -         a:b long:${'y'.repeat(38)}…`,
      't1                    COMPLETED  build                     b1                    0     2023-11-14T22:13:20Z  2.00s     -',
      't2                    PENDING    -                         -                     -     -                     -         -',
    ]);
  });

  it('is only the header for no results', () => {
    expect(formatTaskTable([])).toBe('ID  STATE  NAME  BOT  EXIT  CREATED  DURATION  TAGS');
  });
});
