import { describe, expect, it } from 'vitest';
import {
  botDimensionsToJson,
  botEventToJson,
  botToJson,
  cancelResponseToJson,
  countBotsToJson,
  countTasksToJson,
  deleteBotToJson,
  terminateBotToJson,
  fieldFromDetails,
  isTerminalState,
  newTaskResponseToJson,
  outputToJson,
  requestToJson,
  resultToJson,
  taskChangeToJson,
  TERMINAL_STATES,
  type TaskResultOut,
  type TaskStateWire,
} from '../src/index';

const EMPTY_RESULT: TaskResultOut = {
  task_id: 'a1',
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
  user: 'alice',
  summary: '',
  parent_task_id: '',
  outputs: [],
  outputs_truncated: false,
  inputs_fetched_bytes: 0,
  inputs_fetch_duration: 0,
  canceled_by: '',
};

// Every view is the message's proto3 canonical JSON (docs/json.md), as canonicalJson writes it.
describe('resultToJson', () => {
  it('writes proto field names, enum names, RFC 3339 timestamps and int64 strings, omitting unset ones', () => {
    const json = resultToJson(EMPTY_RESULT);
    expect(json).toEqual({
      task_id: 'a1',
      name: '',
      state: 'PENDING',
      current_task_slice: 0,
      bot_id: '',
      bot_dimensions: [],
      duration: 0,
      created_ts: '2023-11-14T22:13:20Z',
      failure: false,
      internal_failure: false,
      deduped_from: '',
      output_size: '0',
      tags: [],
      priority: 200,
      user: 'alice',
      summary: '',
      parent_task_id: '',
      outputs: [],
      outputs_truncated: false,
      inputs_fetch_duration: 0,
      inputs_fetched_bytes: '0',
      canceled_by: '',
    });
    expect(json).not.toHaveProperty('exit_code');
    expect(json).not.toHaveProperty('started_ts');
  });

  it('writes a completed result in full, exit code 0 included', () => {
    const json = resultToJson({
      ...EMPTY_RESULT,
      state: 'COMPLETED',
      bot_id: 'b1',
      bot_dimensions: [{ key: 'os', value: ['Linux', 'Linux-Debian'] }],
      exit_code: 0,
      duration: 1.5,
      started_ts: { seconds: 1_700_000_001, nanos: 250_000_000 },
      completed_ts: { seconds: 1_700_000_003, nanos: 0 },
      abandoned_ts: { seconds: 1_700_000_004, nanos: 0 },
      modified_ts: { seconds: 1_700_000_005, nanos: 0 },
      output_size: 12,
      tags: ['a:b'],
      outputs: [{ path: 'r.txt', size: 7, digest: 'ab' }],
    });
    expect(json).toMatchObject({
      state: 'COMPLETED',
      exit_code: '0',
      bot_dimensions: [{ key: 'os', value: ['Linux', 'Linux-Debian'] }],
      started_ts: '2023-11-14T22:13:21.250Z',
      completed_ts: '2023-11-14T22:13:23Z',
      abandoned_ts: '2023-11-14T22:13:24Z',
      modified_ts: '2023-11-14T22:13:25Z',
      output_size: '12',
      tags: ['a:b'],
      outputs: [{ path: 'r.txt', size: '7', digest: 'ab' }],
    });
    expect(JSON.stringify(json)).toContain('"output_size":"12"');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('carries no synthetic oneof keys', () => {
    const json = resultToJson({ ...EMPTY_RESULT, exit_code: 3, _exit_code: 'exit_code' });
    expect(Object.keys(json).filter((k) => k.startsWith('_'))).toEqual([]);
  });
});

describe('other JSON views', () => {
  const request = (properties: object) => ({
    task_id: 'a1',
    name: 'n',
    priority: 100,
    tags: [],
    user: 'u',
    request_uuid: '',
    task_slices: [
      {
        properties: {
          command: ['true'],
          env: [],
          env_prefixes: [],
          relative_cwd: '',
          dimensions: [{ key: 'pool', value: 'p' }],
          idempotent: false,
          caches: [],
          cas_input_root: null,
          ...properties,
        },
        wait_for_capacity: false,
      },
    ],
    created_ts: null,
    authenticated: 'user:u',
    has_secret_bytes: false,
    parent_task_id: '',
    notify: null,
  });

  it('writes a NewTaskResponse with its request and result', () => {
    const json = newTaskResponseToJson({
      task_id: 'a1',
      request: request({ env: [{ key: 'A', value: '1' }], io_timeout_secs: 0 }),
      result: EMPTY_RESULT,
    });
    expect(json.task_id).toBe('a1');
    expect(json.request).toMatchObject({
      task_slices: [
        {
          properties: {
            command: ['true'],
            env: [{ key: 'A', value: '1' }],
            io_timeout_secs: 0,
            dimensions: [{ key: 'pool', value: 'p' }],
          },
        },
      ],
    });
    expect(json.request).not.toHaveProperty('created_ts');
    expect(json.request).not.toHaveProperty('notify');
    expect((json.request as { task_slices: object[] }).task_slices[0]).not.toHaveProperty(
      'expiration_secs',
    );
    expect(json.result).toMatchObject({ state: 'PENDING', output_size: '0' });
  });

  it('writes the resource limits of a slice when they are set, and none when not', () => {
    const properties = (limits: object) =>
      (requestToJson(request(limits)) as { task_slices: { properties: object }[] }).task_slices[0]!
        .properties;
    // memory_limit_bytes is an int64: a string; the int32 ones stay numbers.
    expect(
      properties({ memory_limit_bytes: 536_870_912, pids_limit: 64, cpu_weight: 50 }),
    ).toMatchObject({ memory_limit_bytes: '536870912', pids_limit: 64, cpu_weight: 50 });
    const none = properties({});
    for (const key of ['memory_limit_bytes', 'pids_limit', 'cpu_weight'])
      expect(none).not.toHaveProperty(key);
  });

  it('writes cancel responses and output chunks', () => {
    expect(cancelResponseToJson({ canceled: true, was_running: false, state: 'CANCELED' })).toEqual(
      { canceled: true, was_running: false, state: 'CANCELED' },
    );
    expect(
      outputToJson({ offset: 3, output: Buffer.from('hi'), state: 'RUNNING', size: 5 }),
    ).toEqual({ offset: '3', output: 'aGk=', state: 'RUNNING', size: '5' });
  });

  it('writes a TaskChange with its result, and CountTasks as {"count": "N"}', () => {
    expect(
      taskChangeToJson({
        task_id: 'a1',
        state: 'PENDING',
        previous_state: 'INVALID',
        result: EMPTY_RESULT,
      }),
    ).toMatchObject({
      task_id: 'a1',
      state: 'PENDING',
      previous_state: 'INVALID',
      result: { task_id: 'a1', created_ts: '2023-11-14T22:13:20Z' },
    });
    expect(countTasksToJson({ count: 12 })).toEqual({ count: '12' });
    expect(countTasksToJson({ count: 0 })).toEqual({ count: '0' });
  });
});

describe('fleet admin JSON views', () => {
  it('writes a BotEvent with its timestamp, omitting an unset one', () => {
    const event = {
      ts: { seconds: 1_700_000_000, nanos: 0 },
      bot_id: 'b1',
      event_type: 'quarantined',
      message: 'disk errors',
      task_id: '',
      dimensions: [{ key: 'pool', value: ['ci'] }],
    };
    expect(botEventToJson(event)).toEqual({
      ts: '2023-11-14T22:13:20Z',
      bot_id: 'b1',
      event_type: 'quarantined',
      message: 'disk errors',
      task_id: '',
      dimensions: [{ key: 'pool', value: ['ci'] }],
    });
    expect(botEventToJson({ ...event, ts: null })).not.toHaveProperty('ts');
  });

  it('writes a BotInfo, its health int64s as strings; CountBots with every count a string', () => {
    const bot = botToJson({
      bot_id: 'b1',
      dimensions: [{ key: 'os', value: ['Linux'] }],
      state: {
        cpu_load: 0.5,
        free_disk_bytes: 1_073_741_824,
        uptime_secs: 60,
        running_task_id: '',
        quarantined_reason: '',
        caches: [],
      },
      version: '1.0.0',
      is_dead: false,
      connected: true,
      quarantined: false,
      quarantined_reason: '',
      in_maintenance: false,
      maintenance_msg: '',
      task_id: '',
      task_name: '',
      first_seen_ts: { seconds: 1_700_000_000, nanos: 0 },
      last_seen_ts: null,
      session_id: 's1',
    } as unknown as Parameters<typeof botToJson>[0]);
    expect(bot).toMatchObject({
      bot_id: 'b1',
      state: { cpu_load: 0.5, free_disk_bytes: '1073741824', uptime_secs: '60' },
      connected: true,
      first_seen_ts: '2023-11-14T22:13:20Z',
    });
    expect(bot).not.toHaveProperty('last_seen_ts');
    expect(countBotsToJson({ count: 3, busy: 1, quarantined: 0, maintenance: 0, dead: 1 })).toEqual(
      { count: '3', busy: '1', quarantined: '0', maintenance: '0', dead: '1' },
    );
  });

  it('writes bot dimensions, terminate and delete responses', () => {
    expect(
      botDimensionsToJson({ bots_dimensions: [{ key: 'os', value: ['Linux', 'Mac'] }] }),
    ).toEqual({ bots_dimensions: [{ key: 'os', value: ['Linux', 'Mac'] }] });
    expect(terminateBotToJson({ task_id: 'abc' })).toEqual({ task_id: 'abc' });
    expect(deleteBotToJson({ deleted: false })).toEqual({ deleted: false });
  });
});

describe('fieldFromDetails', () => {
  it.each([
    ['task_slices[0].properties.command: must not be empty', 'task_slices[0].properties.command'],
    ['priority: must be 1..255', 'priority'],
    [
      'task_slices[1].properties.dimensions[2].key: bad key',
      'task_slices[1].properties.dimensions[2].key',
    ],
    ['tags: at most 256', 'tags'],
    ['must not be empty', undefined],
    ['the request: has spaces', undefined],
    [': nothing before', undefined],
    ['', undefined],
  ])('%j → %j', (details, field) => {
    expect(fieldFromDetails(details)).toBe(field);
  });
});

describe('TERMINAL_STATES', () => {
  const table: Array<[TaskStateWire, boolean]> = [
    ['INVALID', false],
    ['PENDING', false],
    ['RUNNING', false],
    ['EXPIRED', true],
    ['TIMED_OUT', true],
    ['BOT_DIED', true],
    ['CANCELED', true],
    ['COMPLETED', true],
    ['KILLED', true],
    ['NO_RESOURCE', true],
    ['CLIENT_ERROR', true],
  ];
  it.each(table)('%s final: %s', (state, final) => {
    expect(isTerminalState(state)).toBe(final);
    expect(TERMINAL_STATES.has(state)).toBe(final);
  });
});
