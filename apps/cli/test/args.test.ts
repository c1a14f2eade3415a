import { describe, expect, it } from 'vitest';
import { parseCount, parseDimension, parseEnvVar, parseTag } from '../src/args';
import { buildNewTaskRequest, DEFAULT_IO_TIMEOUT_SECS, type SubmitOptions } from '../src/submit';

describe('parseDimension', () => {
  it.each([
    ['pool=ci', { ok: true, value: { key: 'pool', value: 'ci' } }],
    ['os=Linux|Mac', { ok: true, value: { key: 'os', value: 'Linux|Mac' } }],
    ['label=a=b', { ok: true, value: { key: 'label', value: 'a=b' } }],
    ['pool', { ok: false, message: 'expected key=value, e.g. pool=default' }],
    ['=ci', { ok: false, message: 'the key before = is empty' }],
    ['pool=', { ok: false, message: 'the value of pool is empty' }],
    ['', { ok: false, message: 'expected key=value, e.g. pool=default' }],
  ])('%j → %j', (text, expected) => {
    expect(parseDimension(text)).toEqual(expected);
  });
});

describe('parseTag', () => {
  it.each([
    ['build:42', { ok: true, value: 'build:42' }],
    ['url:http://x', { ok: true, value: 'url:http://x' }],
    ['k:', { ok: true, value: 'k:' }],
    ['nocolon', { ok: false, message: 'expected key:value' }],
    [':v', { ok: false, message: 'the key before : is empty' }],
  ])('%j → %j', (text, expected) => {
    expect(parseTag(text)).toEqual(expected);
  });
});

describe('parseEnvVar', () => {
  it.each([
    ['A=1', { ok: true, value: { key: 'A', value: '1' } }],
    ['_x9=', { ok: true, value: { key: '_x9', value: '' } }],
    ['PATH=/a:/b=c', { ok: true, value: { key: 'PATH', value: '/a:/b=c' } }],
    ['A', { ok: false, message: 'expected KEY=VALUE' }],
    ['9A=1', { ok: false, message: '"9A" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)' }],
    ['=1', { ok: false, message: '"" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)' }],
  ])('%j → %j', (text, expected) => {
    expect(parseEnvVar(text)).toEqual(expected);
  });
});

describe('parseCount', () => {
  it.each([
    ['0', 0],
    ['200', 200],
    ['0042', 42],
    ['2147483647', 2147483647],
  ])('%j → %d', (text, value) => {
    expect(parseCount(text)).toEqual({ ok: true, value });
  });
  it.each(['1.5', '-1', '', ' 1', '1e3', '0x10', 'ten', '2147483648'])('refuses %j', (text) => {
    expect(parseCount(text).ok).toBe(false);
  });
});

describe('buildNewTaskRequest', () => {
  const base: SubmitOptions = {
    dimension: [{ key: 'pool', value: 'ci' }],
    ioTimeout: DEFAULT_IO_TIMEOUT_SECS,
  };
  const caller = { user: 'alice', parentTaskId: undefined };

  it('builds one slice and leaves unset options to the server', () => {
    expect(buildNewTaskRequest(base, ['make', 'test'], caller)).toEqual({
      ok: true,
      value: {
        name: '',
        tags: [],
        user: 'alice',
        parent_task_id: '',
        task_slices: [
          {
            properties: {
              command: ['make', 'test'],
              env: [],
              dimensions: [{ key: 'pool', value: 'ci' }],
              io_timeout_secs: 1200,
              idempotent: false,
            },
            wait_for_capacity: false,
          },
        ],
      },
    });
  });

  it('maps every option to its field', () => {
    const built = buildNewTaskRequest(
      {
        ...base,
        dimension: [
          { key: 'pool', value: 'ci' },
          { key: 'os', value: 'Linux' },
        ],
        priority: 10,
        timeout: 60,
        ioTimeout: 0,
        grace: 5,
        expiration: 30,
        waitForCapacity: true,
        tag: ['a:b'],
        env: [{ key: 'A', value: '1' }],
        cwd: 'sub',
        idempotent: true,
        name: 'n',
        user: 'bob',
      },
      ['true'],
      { user: 'alice', parentTaskId: 'parent-1' },
    );
    expect(built).toEqual({
      ok: true,
      value: {
        name: 'n',
        priority: 10,
        tags: ['a:b'],
        user: 'bob',
        parent_task_id: 'parent-1',
        task_slices: [
          {
            properties: {
              command: ['true'],
              env: [{ key: 'A', value: '1' }],
              dimensions: [
                { key: 'pool', value: 'ci' },
                { key: 'os', value: 'Linux' },
              ],
              relative_cwd: 'sub',
              execution_timeout_secs: 60,
              io_timeout_secs: 0,
              grace_period_secs: 5,
              idempotent: true,
            },
            expiration_secs: 30,
            wait_for_capacity: true,
          },
        ],
      },
    });
  });

  it.each([
    [{ ...base, dimension: [] }, ['true'], 'a pool is required: add -d pool=<name>'],
    [
      { ...base, dimension: [{ key: 'os', value: 'Linux' }] },
      ['true'],
      'a pool is required: add -d pool=<name>',
    ],
    [{ ...base, dimension: undefined }, ['true'], 'a pool is required: add -d pool=<name>'],
    [base, [], 'no command given: drover submit [options] -- <command...>'],
  ])('refuses %j %j', (opts, command, message) => {
    expect(buildNewTaskRequest(opts, command, caller)).toEqual({ ok: false, message });
  });
});
