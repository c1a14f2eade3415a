// Pure parsers and builders of `drover tasks`, `drover cancel --tag` and `submit --fallback`.
import { describe, expect, it } from 'vitest';
import {
  STATE_QUERIES,
  applyFallback,
  parseFallback,
  parseLimit,
  parseStateName,
  parseTag,
  parseTimePoint,
  type FallbackSpec,
} from '../src/args';
import { buildNewTaskRequest, parseRequestUuid, type SubmitOptions } from '../src/submit';
import {
  buildTaskQuery,
  continueCommand,
  parseFilterValue,
  parseSortName,
  shellQuote,
  type TasksOptions,
} from '../src/tasks';

describe('parseStateName', () => {
  it.each([
    ['pending', 'QUERY_PENDING'],
    ['running', 'QUERY_RUNNING'],
    ['pending_running', 'QUERY_PENDING_RUNNING'],
    ['completed', 'QUERY_COMPLETED'],
    ['completed_success', 'QUERY_COMPLETED_SUCCESS'],
    ['completed_failure', 'QUERY_COMPLETED_FAILURE'],
    ['expired', 'QUERY_EXPIRED'],
    ['timed_out', 'QUERY_TIMED_OUT'],
    ['bot_died', 'QUERY_BOT_DIED'],
    ['canceled', 'QUERY_CANCELED'],
    ['killed', 'QUERY_KILLED'],
    ['no_resource', 'QUERY_NO_RESOURCE'],
    ['client_error', 'QUERY_CLIENT_ERROR'],
    ['deduped', 'QUERY_DEDUPED'],
    ['all', 'QUERY_ALL'],
    ['PENDING', 'QUERY_PENDING'],
    ['Completed_Failure', 'QUERY_COMPLETED_FAILURE'],
  ])('%j → %s', (text, query) => {
    expect(parseStateName(text)).toEqual({ ok: true, value: query });
  });

  it('covers every StateQuery but none twice', () => {
    expect(new Set(Object.values(STATE_QUERIES)).size).toBe(15);
  });

  it.each(['', 'done', 'query_all', 'QUERY_PENDING', 'pending-running', 'cancelled', 'toString'])(
    'refuses %j, listing the names',
    (text) => {
      expect(parseStateName(text)).toEqual({
        ok: false,
        message:
          'expected one of pending, running, pending_running, completed, completed_success, ' +
          'completed_failure, expired, timed_out, bot_died, canceled, killed, no_resource, ' +
          'client_error, deduped, all',
      });
    },
  );
});

describe('parseTag (--tag of tasks and cancel)', () => {
  it.each([
    ['build:42', true],
    ['k:', true],
    ['a:b:c', true],
    ['nocolon', false],
    [':v', false],
    ['', false],
  ])('%j ok=%s', (text, ok) => {
    expect(parseTag(text).ok).toBe(ok);
  });
});

describe('parseLimit', () => {
  it.each([
    ['1', 1],
    ['100', 100],
    ['1000', 1000],
  ])('%j → %d', (text, value) => {
    expect(parseLimit(text)).toEqual({ ok: true, value });
  });
  it.each(['0', '1001', '-1', '1.5', 'ten', ''])('refuses %j', (text) => {
    expect(parseLimit(text)).toEqual({
      ok: false,
      message: 'expected a whole number from 1 to 1000',
    });
  });
});

describe('parseTimePoint', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it.each([
    ['90s', now - 90_000],
    ['15m', now - 15 * 60_000],
    ['2h', now - 2 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    ['1w', now - 7 * 86_400_000],
    ['1h30m', now - 90 * 60_000],
    ['0s', now],
    ['2024-04-30T08:00:00Z', Date.parse('2024-04-30T08:00:00Z')],
    ['2024-04-30T08:00:00.250Z', Date.parse('2024-04-30T08:00:00.250Z')],
    ['2024-04-30T10:00:00+02:00', Date.parse('2024-04-30T08:00:00Z')],
    ['2024-04-30', Date.parse('2024-04-30')],
  ])('%j → %d', (text, ms) => {
    expect(parseTimePoint(text, now)).toEqual({ ok: true, value: ms });
  });
  it.each(['', '2', 'h', '1y', '-1h', '1h 30m', 'yesterday', '2024-13-45', '1700000000'])(
    'refuses %j',
    (text) => {
      expect(parseTimePoint(text, now).ok).toBe(false);
    },
  );
});

describe('parseFallback', () => {
  it.each<[string, FallbackSpec]>([
    ['gpu=none', { expirationSecs: undefined, set: [{ key: 'gpu', value: 'none' }], drop: [] }],
    ['600:gpu=none', { expirationSecs: 600, set: [{ key: 'gpu', value: 'none' }], drop: [] }],
    ['-caches', { expirationSecs: undefined, set: [], drop: ['caches'] }],
    [
      '60:os=Linux|Mac,-caches,os=Linux-Debian',
      {
        expirationSecs: 60,
        set: [
          { key: 'os', value: 'Linux|Mac' },
          { key: 'os', value: 'Linux-Debian' },
        ],
        drop: ['caches'],
      },
    ],
    [
      'label=a=b:c',
      { expirationSecs: undefined, set: [{ key: 'label', value: 'a=b:c' }], drop: [] },
    ],
    ['0:gpu=none', { expirationSecs: 0, set: [{ key: 'gpu', value: 'none' }], drop: [] }],
  ])('%j', (text, spec) => {
    expect(parseFallback(text)).toEqual({ ok: true, value: spec });
  });

  it.each([
    ['', 'expected [SECS:]key=value[,key=value|-key...], e.g. 600:gpu=none or -caches'],
    ['600:', 'expected [SECS:]key=value[,key=value|-key...], e.g. 600:gpu=none or -caches'],
    ['gpu', '"gpu": expected key=value, e.g. pool=default'],
    ['gpu=', '"gpu=": the value of gpu is empty'],
    ['gpu=none,', '"": expected key=value, e.g. pool=default'],
    ['-', '"-" must be followed by the key to leave out'],
    ['pool=other', 'the pool is the same in every slice: a fallback cannot change it'],
    ['-pool', 'the pool is the same in every slice: a fallback cannot change it'],
    ['gpu=none,-gpu', 'gpu is both set and left out'],
    ['99999999999:gpu=none', 'expiration 99999999999: too large'],
  ])('refuses %j', (text, message) => {
    expect(parseFallback(text)).toEqual({ ok: false, message });
  });
});

describe('applyFallback', () => {
  const primary = [
    { key: 'pool', value: 'ci' },
    { key: 'os', value: 'Linux' },
    { key: 'gpu', value: 'nvidia' },
    { key: 'os', value: 'Linux-Debian' },
    { key: 'caches', value: 'git' },
  ];
  const spec = (text: string): FallbackSpec => {
    const parsed = parseFallback(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };

  it.each([
    [
      'gpu=none',
      [
        { key: 'pool', value: 'ci' },
        { key: 'os', value: 'Linux' },
        { key: 'gpu', value: 'none' },
        { key: 'os', value: 'Linux-Debian' },
        { key: 'caches', value: 'git' },
      ],
    ],
    [
      '-caches,-gpu',
      [
        { key: 'pool', value: 'ci' },
        { key: 'os', value: 'Linux' },
        { key: 'os', value: 'Linux-Debian' },
      ],
    ],
    [
      'os=Mac,zone=eu',
      [
        { key: 'pool', value: 'ci' },
        { key: 'os', value: 'Mac' },
        { key: 'gpu', value: 'nvidia' },
        { key: 'caches', value: 'git' },
        { key: 'zone', value: 'eu' },
      ],
    ],
  ])('%j', (text, dimensions) => {
    expect(applyFallback(primary, spec(text))).toEqual({ ok: true, value: dimensions });
  });

  it('refuses to drop a key the primary slice does not have', () => {
    expect(applyFallback(primary, spec('-zone'))).toEqual({
      ok: false,
      message: '-zone: no -d zone=… to leave out',
    });
  });
});

describe('buildNewTaskRequest with --fallback and --request-uuid', () => {
  const opts: SubmitOptions = {
    dimension: [
      { key: 'pool', value: 'ci' },
      { key: 'gpu', value: 'nvidia' },
    ],
    ioTimeout: 1200,
    expiration: 300,
    waitForCapacity: true,
    timeout: 60,
    idempotent: true,
  };
  const caller = { user: 'alice', parentTaskId: undefined };

  it('adds one slice per --fallback, same properties, own dimensions and expiration', () => {
    const built = buildNewTaskRequest(
      {
        ...opts,
        requestUuid: 'u-1',
        fallback: [
          { expirationSecs: 600, set: [{ key: 'gpu', value: 'amd' }], drop: [] },
          { expirationSecs: undefined, set: [], drop: ['gpu'] },
        ],
      },
      ['make'],
      caller,
    );
    if (!built.ok) throw new Error(built.message);
    expect(built.value.request_uuid).toBe('u-1');
    const slices = built.value.task_slices!;
    expect(slices.map((s) => s.properties?.dimensions)).toEqual([
      [
        { key: 'pool', value: 'ci' },
        { key: 'gpu', value: 'nvidia' },
      ],
      [
        { key: 'pool', value: 'ci' },
        { key: 'gpu', value: 'amd' },
      ],
      [{ key: 'pool', value: 'ci' }],
    ]);
    expect(slices.map((s) => [s.expiration_secs, s.wait_for_capacity])).toEqual([
      [300, true],
      [600, false],
      [undefined, false],
    ]);
    expect('expiration_secs' in slices[2]!).toBe(false);
    for (const slice of slices) {
      expect(slice.properties).toMatchObject({
        command: ['make'],
        execution_timeout_secs: 60,
        io_timeout_secs: 1200,
        idempotent: true,
      });
    }
  });

  it('sends no request_uuid and one slice without them', () => {
    const built = buildNewTaskRequest(opts, ['make'], caller);
    expect(built.ok && built.value.task_slices).toHaveLength(1);
    expect(built.ok && 'request_uuid' in built.value).toBe(false);
  });

  it('names the --fallback that drops a key -d did not give', () => {
    expect(
      buildNewTaskRequest(
        {
          ...opts,
          fallback: [
            { expirationSecs: 1, set: [{ key: 'gpu', value: 'amd' }], drop: [] },
            { expirationSecs: 1, set: [], drop: ['os'] },
          ],
        },
        ['make'],
        caller,
      ),
    ).toEqual({ ok: false, message: '--fallback #2: -os: no -d os=… to leave out' });
  });

  it('refuses an empty --request-uuid', () => {
    expect(parseRequestUuid('')).toEqual({ ok: false, message: 'must not be empty' });
    expect(parseRequestUuid('abc')).toEqual({ ok: true, value: 'abc' });
  });
});

describe('buildTaskQuery', () => {
  it('maps state, tags and the time range', () => {
    expect(
      buildTaskQuery({
        state: 'QUERY_COMPLETED',
        tag: ['a:b', 'c:d'],
        since: 1_700_000_000_250,
        until: 1_700_000_100_000,
      }),
    ).toEqual({
      ok: true,
      value: {
        state: 'QUERY_COMPLETED',
        tags: ['a:b', 'c:d'],
        start: { seconds: 1_700_000_000, nanos: 250_000_000 },
        end: { seconds: 1_700_000_100, nanos: 0 },
      },
    });
  });

  it('leaves start and end unset when not given', () => {
    expect(buildTaskQuery({ state: 'QUERY_ALL' })).toEqual({
      ok: true,
      value: { state: 'QUERY_ALL', tags: [] },
    });
  });

  it('refuses --until before --since', () => {
    expect(buildTaskQuery({ state: 'QUERY_ALL', since: 2, until: 1 })).toEqual({
      ok: false,
      message: '--until is before --since',
    });
  });
});

describe('buildTaskQuery (issue 21 filters)', () => {
  it('maps --name, --user, --pool, --bot and --sort to their fields', () => {
    expect(
      buildTaskQuery({
        state: 'QUERY_ALL',
        name: 'b?ild*',
        user: 'ann',
        pool: 'ci',
        bot: 'b1',
        sort: 'completed',
      }),
    ).toEqual({
      ok: true,
      value: {
        state: 'QUERY_ALL',
        tags: [],
        name: 'b?ild*',
        user: 'ann',
        pool: 'ci',
        bot_id: 'b1',
        sort: 'SORT_COMPLETED',
      },
    });
  });

  it.each([
    ['created', 'created'],
    ['started', 'started'],
    ['completed', 'completed'],
  ])('parses --sort %s', (text, name) => {
    expect(parseSortName(text)).toEqual({ ok: true, value: name });
  });

  it.each(['', 'CREATED', 'newest', 'created_ts'])('refuses --sort %j', (text) => {
    expect(parseSortName(text)).toEqual({
      ok: false,
      message: 'expected one of created, started, completed',
    });
  });

  it('refuses an empty filter value', () => {
    expect(parseFilterValue('')).toEqual({ ok: false, message: 'must not be empty' });
    expect(parseFilterValue('x')).toEqual({ ok: true, value: 'x' });
  });
});

describe('continueCommand', () => {
  it.each<[Partial<TasksOptions>, object, string]>([
    [{}, {}, 'drover tasks --cursor c1'],
    [
      { state: 'QUERY_COMPLETED_FAILURE', tag: ['a:b', 'who:Jane Doe'], limit: 5, json: true },
      {},
      "drover tasks --state completed_failure --tag a:b --tag 'who:Jane Doe' --limit 5 --json --cursor c1",
    ],
    [
      { since: Date.parse('2024-05-01T10:00:00Z'), until: Date.parse('2024-05-01T11:00:00Z') },
      {},
      'drover tasks --since 2024-05-01T10:00:00.000Z --until 2024-05-01T11:00:00.000Z --cursor c1',
    ],
    [
      {},
      { server: 'h:1', token: 'secret', tokenFile: '/t', tls: true, caFile: '/ca.pem' },
      'drover --server h:1 --token-file /t --ca-file /ca.pem tasks --cursor c1',
    ],
    [{}, { tls: true }, 'drover --tls tasks --cursor c1'],
    [
      { name: 'build *', user: 'ann', pool: 'ci', bot: 'b1', sort: 'started' },
      {},
      "drover tasks --name 'build *' --user ann --pool ci --bot b1 --sort started --cursor c1",
    ],
  ])('%j %j', (opts, global, command) => {
    expect(continueCommand({ state: 'QUERY_ALL', ...opts }, global, 'c1')).toBe(command);
  });

  it.each([
    ['plain-1.2_x:y/z', 'plain-1.2_x:y/z'],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['', "''"],
    ['$HOME', "'$HOME'"],
  ])('shellQuote(%j) = %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});
