import { describe, expect, it } from 'vitest';
import {
  botDimensionsToJson,
  botEventToJson,
  cancelResponseToJson,
  deleteBotToJson,
  terminateBotToJson,
  fieldFromDetails,
  isTerminalState,
  newTaskResponseToJson,
  outputToJson,
  requestToJson,
  resultToJson,
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
};

describe('resultToJson', () => {
  it('uses proto field names, enum names and RFC 3339 timestamps, omitting unset ones', () => {
    const json = resultToJson(EMPTY_RESULT);
    expect(json).toEqual({
      task_id: 'a1',
      name: '',
      state: 'PENDING',
      current_task_slice: 0,
      bot_id: '',
      bot_dimensions: [],
      duration: 0,
      created_ts: '2023-11-14T22:13:20.000Z',
      failure: false,
      internal_failure: false,
      deduped_from: '',
      output_size: 0,
      tags: [],
      priority: 200,
      user: 'alice',
      summary: '',
      parent_task_id: '',
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
    });
    expect(json).toMatchObject({
      state: 'COMPLETED',
      exit_code: 0,
      bot_dimensions: [{ key: 'os', value: ['Linux', 'Linux-Debian'] }],
      started_ts: '2023-11-14T22:13:21.250Z',
      completed_ts: '2023-11-14T22:13:23.000Z',
      abandoned_ts: '2023-11-14T22:13:24.000Z',
      modified_ts: '2023-11-14T22:13:25.000Z',
      output_size: 12,
      tags: ['a:b'],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('carries no synthetic oneof keys', () => {
    const json = resultToJson({ ...EMPTY_RESULT, exit_code: 3, _exit_code: 'exit_code' });
    expect(Object.keys(json).filter((k) => k.startsWith('_'))).toEqual([]);
  });
});

describe('other JSON views', () => {
  it('writes a NewTaskResponse with its request and result', () => {
    const json = newTaskResponseToJson({
      task_id: 'a1',
      request: {
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
              env: [{ key: 'A', value: '1' }],
              env_prefixes: [],
              relative_cwd: '',
              dimensions: [{ key: 'pool', value: 'p' }],
              io_timeout_secs: 0,
              idempotent: false,
              caches: [],
            },
            wait_for_capacity: false,
          },
        ],
        created_ts: null,
        authenticated: 'user:u',
        parent_task_id: '',
        notify: null,
      },
      result: EMPTY_RESULT,
    });
    expect(json.task_id).toBe('a1');
    expect(json.request).toMatchObject({
      task_slices: [
        {
          properties: {
            command: ['true'],
            io_timeout_secs: 0,
            dimensions: [{ key: 'pool', value: 'p' }],
          },
        },
      ],
    });
    expect(json.request).not.toHaveProperty('created_ts');
    expect((json.request as { task_slices: object[] }).task_slices[0]).not.toHaveProperty(
      'expiration_secs',
    );
    expect(json.result).toMatchObject({ state: 'PENDING' });
  });

  it('writes the resource limits of a slice when they are set, and none when not', () => {
    const request = (limits: object) =>
      requestToJson({
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
              ...limits,
            },
            wait_for_capacity: false,
          },
        ],
        created_ts: null,
        authenticated: 'user:u',
        parent_task_id: '',
        notify: null,
      }) as { task_slices: { properties: object }[] };
    const limits = { memory_limit_bytes: 536_870_912, pids_limit: 64, cpu_weight: 50 };
    expect(request(limits).task_slices[0]!.properties).toMatchObject(limits);
    const none = request({}).task_slices[0]!.properties;
    for (const key of Object.keys(limits)) expect(none).not.toHaveProperty(key);
  });

  it('writes cancel responses and output chunks', () => {
    expect(cancelResponseToJson({ canceled: true, was_running: false, state: 'CANCELED' })).toEqual(
      {
        canceled: true,
        was_running: false,
        state: 'CANCELED',
      },
    );
    expect(
      outputToJson({ offset: 3, output: Buffer.from('hi'), state: 'RUNNING', size: 5 }),
    ).toEqual({
      offset: 3,
      output: 'aGk=',
      state: 'RUNNING',
      size: 5,
    });
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
      ts: '2023-11-14T22:13:20.000Z',
      bot_id: 'b1',
      event_type: 'quarantined',
      message: 'disk errors',
      task_id: '',
      dimensions: [{ key: 'pool', value: ['ci'] }],
    });
    expect(botEventToJson({ ...event, ts: null })).not.toHaveProperty('ts');
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
