import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  TASK_LIMITS,
  validateNewTask,
  type NewTaskRequestOut,
} from '../src/index';

type Props = NonNullable<NewTaskRequestOut['properties']>;

function props(over: Partial<Props> = {}): Props {
  return {
    command: ['echo', 'hi'],
    env: [],
    env_prefixes: [],
    relative_cwd: '',
    dimensions: [{ key: 'pool', value: 'default' }],
    idempotent: false,
    caches: [],
    cas_input_root: null,
    ...over,
  };
}

function request(over: Partial<NewTaskRequestOut> = {}): NewTaskRequestOut {
  return {
    name: 't',
    tags: [],
    user: '',
    request_uuid: '',
    task_slices: [{ properties: props(), wait_for_capacity: false }],
    properties: null,
    parent_task_id: '',
    notify: null,
    secret_bytes: Buffer.alloc(0),
    ...over,
  };
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err.field;
    throw err;
  }
  return undefined;
}

describe('validateNewTask', () => {
  it('applies the documented defaults', () => {
    const spec = validateNewTask(request());
    expect(spec.priority).toBe(200);
    expect(spec.slices[0]!.expirationSecs).toBe(21_600);
    expect(spec.slices[0]!.properties).toMatchObject({
      executionTimeoutSecs: 3600,
      ioTimeoutSecs: 0,
      gracePeriodSecs: 30,
    });
  });

  it('accepts the one-slice shorthand of properties + expiration_secs', () => {
    const spec = validateNewTask(
      request({ task_slices: [], properties: props(), expiration_secs: 60 }),
    );
    expect(spec.slices).toHaveLength(1);
    expect(spec.slices[0]!.expirationSecs).toBe(60);
  });

  const bad: Array<[string, Partial<NewTaskRequestOut>, string]> = [
    ['no slices at all', { task_slices: [] }, 'task_slices'],
    [
      'an empty command',
      { task_slices: [{ properties: props({ command: [] }), wait_for_capacity: false }] },
      'task_slices[0].properties.command',
    ],
    [
      'no pool',
      {
        task_slices: [
          {
            properties: props({ dimensions: [{ key: 'os', value: 'Linux' }] }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions',
    ],
    [
      'pool twice',
      {
        task_slices: [
          {
            properties: props({
              dimensions: [
                { key: 'pool', value: 'a' },
                { key: 'pool', value: 'b' },
              ],
            }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions',
    ],
    [
      'a bad dimension key',
      {
        task_slices: [
          {
            properties: props({
              dimensions: [
                { key: 'pool', value: 'a' },
                { key: 'os name', value: 'x' },
              ],
            }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions[1].key',
    ],
    [
      'an empty dimension value',
      {
        task_slices: [
          {
            properties: props({ dimensions: [{ key: 'pool', value: '' }] }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions[0].value',
    ],
    [
      'an empty OR alternative',
      {
        task_slices: [
          {
            properties: props({
              dimensions: [
                { key: 'pool', value: 'a' },
                { key: 'os', value: 'a|' },
              ],
            }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions[1].value',
    ],
    [
      'too many OR combinations',
      {
        task_slices: [
          {
            properties: props({
              dimensions: [
                { key: 'pool', value: 'a' },
                { key: 'a', value: '1|2|3' },
                { key: 'b', value: '1|2|3' },
              ],
            }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.dimensions',
    ],
    [
      'a negative execution timeout',
      {
        task_slices: [
          { properties: props({ execution_timeout_secs: -1 }), wait_for_capacity: false },
        ],
      },
      'task_slices[0].properties.execution_timeout_secs',
    ],
    [
      'a negative io timeout',
      { task_slices: [{ properties: props({ io_timeout_secs: -5 }), wait_for_capacity: false }] },
      'task_slices[0].properties.io_timeout_secs',
    ],
    [
      'a negative grace period',
      { task_slices: [{ properties: props({ grace_period_secs: -1 }), wait_for_capacity: false }] },
      'task_slices[0].properties.grace_period_secs',
    ],
    [
      'an expiration of 0',
      { task_slices: [{ properties: props(), expiration_secs: 0, wait_for_capacity: false }] },
      'task_slices[0].expiration_secs',
    ],
    [
      'an expiration over 7 days',
      {
        task_slices: [{ properties: props(), expiration_secs: 604_801, wait_for_capacity: false }],
      },
      'task_slices[0].expiration_secs',
    ],
    ['priority 0', { priority: 0 }, 'priority'],
    ['priority 256', { priority: 256 }, 'priority'],
    ['a tag without a colon', { tags: ['nocolon'] }, 'tags[0]'],
    [
      'a bad env key',
      {
        task_slices: [
          { properties: props({ env: [{ key: '1X', value: 'v' }] }), wait_for_capacity: false },
        ],
      },
      'task_slices[0].properties.env[0].key',
    ],
    [
      'an absolute relative_cwd',
      { task_slices: [{ properties: props({ relative_cwd: '/etc' }), wait_for_capacity: false }] },
      'task_slices[0].properties.relative_cwd',
    ],
    [
      'a relative_cwd escaping the work dir',
      {
        task_slices: [
          { properties: props({ relative_cwd: 'a/../../b' }), wait_for_capacity: false },
        ],
      },
      'task_slices[0].properties.relative_cwd',
    ],
    [
      'too many slices',
      {
        task_slices: Array.from({ length: 9 }, (_, i) => ({
          properties: props({ command: ['echo', String(i)] }),
          wait_for_capacity: false,
        })),
      },
      'task_slices',
    ],
    [
      'duplicate slices',
      {
        task_slices: [
          { properties: props(), wait_for_capacity: false },
          { properties: props(), wait_for_capacity: false },
        ],
      },
      'task_slices[1]',
    ],
    [
      'pools differing between slices',
      {
        task_slices: [
          { properties: props(), wait_for_capacity: false },
          {
            properties: props({ dimensions: [{ key: 'pool', value: 'other' }] }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[1].properties.dimensions',
    ],
    [
      'too many command arguments',
      {
        task_slices: [
          {
            properties: props({
              command: Array.from({ length: TASK_LIMITS.maxCommandArgs + 1 }, () => 'x'),
            }),
            wait_for_capacity: false,
          },
        ],
      },
      'task_slices[0].properties.command',
    ],
  ];
  it.each(bad)('refuses %s, naming the field', (_what, over, field) => {
    expect(fieldOf(() => validateNewTask(request(over)))).toBe(field);
  });

  it('puts the field path first in the message', () => {
    expect(() => validateNewTask(request({ priority: 0 }))).toThrow(/^priority: /);
  });

  it('accepts OR values and repeated keys within the limit', () => {
    const spec = validateNewTask(
      request({
        task_slices: [
          {
            properties: props({
              dimensions: [
                { key: 'pool', value: 'ci' },
                { key: 'gpu', value: 'nvidia|amd' },
                { key: 'os', value: 'Linux' },
                { key: 'os', value: 'Linux-Debian' },
              ],
            }),
            wait_for_capacity: false,
          },
        ],
      }),
    );
    expect(spec.slices[0]!.properties.dimensions).toHaveLength(4);
  });
});
