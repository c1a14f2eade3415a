// TaskProperties.bot_ping_tolerance_secs: absent = the coordinator's default, otherwise
// a whole number of seconds in 30..1200 or INVALID_ARGUMENT naming the field; GetRequest returns
// it, and the properties hash tells tolerances apart while the hashes of tasks without one hold.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  TASK_LIMITS,
  taskToRequest,
  validateNewTask,
  type NewTaskRequestOut,
} from '../src/index';
import { createTask } from '@drover/state';

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

function sliced(over: Partial<Props>): NewTaskRequestOut {
  return {
    name: 't',
    tags: [],
    secret_bytes: Buffer.alloc(0),
    user: '',
    request_uuid: '',
    task_slices: [
      { properties: props(), wait_for_capacity: false },
      { properties: props({ ...over, idempotent: true }), wait_for_capacity: false },
    ],
    properties: null,
    parent_task_id: '',
    notify: null,
  };
}

function refusal(request: NewTaskRequestOut): InvalidArgumentError {
  try {
    validateNewTask(request);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error('accepted');
}

describe('validateNewTask: bot_ping_tolerance_secs', () => {
  it('documents the range of the proto in TASK_LIMITS', () => {
    expect(TASK_LIMITS).toMatchObject({
      minBotPingToleranceSecs: 30,
      maxBotPingToleranceSecs: 1200,
    });
  });

  it('leaves it out when not given (the coordinator default, not a stored copy of it)', () => {
    expect(validateNewTask(sliced({})).slices[1]!.properties).not.toHaveProperty(
      'botPingToleranceSecs',
    );
  });

  it.each([30, 300, 1200])('accepts %d', (value) => {
    const spec = validateNewTask(sliced({ bot_ping_tolerance_secs: value }));
    expect(spec.slices[1]!.properties.botPingToleranceSecs).toBe(value);
  });

  it.each([
    ['below the range', 29],
    ['above the range', 1201],
    ['zero', 0],
    ['negative', -60],
    ['not a whole number', 60.5],
  ])('refuses a value %s, naming the field and the range', (_what, value) => {
    const err = refusal(sliced({ bot_ping_tolerance_secs: value }));
    expect(err.field).toBe('task_slices[1].properties.bot_ping_tolerance_secs');
    expect(err.message).toContain('must be between 30 and 1200 seconds');
    expect(err.message).toContain(`got ${value}`);
  });

  it('names the field of the one-slice shorthand as properties.bot_ping_tolerance_secs', () => {
    const err = refusal({
      ...sliced({}),
      task_slices: [],
      properties: props({ bot_ping_tolerance_secs: 5 }),
    });
    expect(err.field).toBe('properties.bot_ping_tolerance_secs');
  });

  it('tells tolerances apart in the properties hash: none, one and another are three', () => {
    const hashes = new Set(
      [{}, { bot_ping_tolerance_secs: 60 }, { bot_ping_tolerance_secs: 300 }].map(
        (over) => validateNewTask(sliced(over)).slices[1]!.propertiesHash,
      ),
    );
    expect(hashes.size).toBe(3);
  });

  it('returns the value in the request (GetRequest), and nothing when absent', () => {
    const spec = validateNewTask(sliced({ bot_ping_tolerance_secs: 300 }));
    const { task } = createTask({ id: 'a1', spec, nowMs: 0, capacity: [true, true] });
    const wire = taskToRequest(task);
    expect(wire.task_slices?.[1]?.properties?.bot_ping_tolerance_secs).toBe(300);
    expect(wire.task_slices?.[0]?.properties).not.toHaveProperty('bot_ping_tolerance_secs');
  });
});

describe('docs/limits.md', () => {
  it('has a row for bot_ping_tolerance_secs with its range', () => {
    const row = readFileSync(new URL('../../../docs/limits.md', import.meta.url), 'utf8')
      .split('\n')
      .find((l) => l.includes('`task_slices[].properties.bot_ping_tolerance_secs`'));
    expect(row).toContain('| 1200 ');
    expect(row).toContain('at least 30');
  });
});
