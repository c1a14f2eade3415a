// Pure parts of `drover bots` and `drover bot show`: the request built from the flags, and the
// human views of bots and counts.
import { describe, expect, it } from 'vitest';
import type { BotInfoOut } from '@drover/client';
import { buildBotsRequest, triState, type BotsOptions } from '../src/bots';
import {
  describeBot,
  describeBotCounts,
  describeBotStatus,
  dimensionValues,
  formatBotTable,
} from '../src/format';

const base: BotInfoOut = {
  bot_id: 'b1',
  dimensions: [],
  state: null,
  version: '',
  is_dead: false,
  connected: true,
  quarantined: false,
  quarantined_reason: '',
  in_maintenance: false,
  maintenance_msg: '',
  task_id: '',
  task_name: '',
  first_seen_ts: null,
  last_seen_ts: null,
  session_id: '',
};
const bot = (fields: Partial<BotInfoOut>): BotInfoOut => ({ ...base, ...fields });

describe('triState', () => {
  it.each<[boolean | undefined, boolean | undefined, string]>([
    [undefined, undefined, 'NULL'],
    [true, undefined, 'TRUE'],
    [undefined, true, 'FALSE'],
    [false, false, 'NULL'],
  ])('yes=%j no=%j → %s', (yes, no, expected) => {
    expect(triState(yes, no)).toBe(expected);
  });
});

describe('buildBotsRequest', () => {
  const nulls = { is_dead: 'NULL', quarantined: 'NULL', is_busy: 'NULL', in_maintenance: 'NULL' };
  it.each<[BotsOptions, object]>([
    [{}, { dimensions: [], ...nulls, limit: 0, cursor: '' }],
    [
      {
        dimension: [
          { key: 'pool', value: 'ci|default' },
          { key: 'os', value: 'Linux' },
        ],
      },
      {
        dimensions: [
          { key: 'pool', value: 'ci|default' },
          { key: 'os', value: 'Linux' },
        ],
      },
    ],
    [{ dead: true }, { ...nulls, is_dead: 'TRUE' }],
    [{ alive: true }, { ...nulls, is_dead: 'FALSE' }],
    [{ quarantined: true }, { ...nulls, quarantined: 'TRUE' }],
    [{ busy: true }, { ...nulls, is_busy: 'TRUE' }],
    [
      { idle: true, alive: true },
      { ...nulls, is_busy: 'FALSE', is_dead: 'FALSE' },
    ],
    [{ limit: 5 }, { limit: 5 }],
  ])('%j → %j', (opts, expected) => {
    expect(buildBotsRequest(opts)).toMatchObject(expected);
  });
});

describe('describeBotStatus', () => {
  it.each<[Partial<BotInfoOut>, string]>([
    [{}, 'alive, idle'],
    [{ task_id: 't1' }, 'alive, busy'],
    [{ is_dead: true }, 'dead, idle'],
    [{ connected: false }, 'disconnected, idle'],
    [{ connected: false, task_id: 't1' }, 'disconnected, busy'],
    [{ quarantined: true, quarantined_reason: 'low disk' }, 'alive, idle, quarantined: low disk'],
    [{ quarantined: true }, 'alive, idle, quarantined'],
    [{ in_maintenance: true, maintenance_msg: 'reimage' }, 'alive, idle, maintenance: reimage'],
  ])('%j → %s', (fields, expected) => {
    expect(describeBotStatus(bot(fields))).toBe(expected);
  });
});

describe('dimensionValues', () => {
  it('joins every value of the key with |, across repeated keys', () => {
    const b = bot({
      dimensions: [
        { key: 'os', value: ['Linux', 'Linux-Debian'] },
        { key: 'pool', value: ['ci'] },
        { key: 'os', value: ['Linux-12'] },
      ],
    });
    expect(dimensionValues(b, 'os')).toBe('Linux|Linux-Debian|Linux-12');
    expect(dimensionValues(b, 'gpu')).toBe('');
  });
});

describe('formatBotTable', () => {
  it('prints a header and one row per bot, UTC to the second, - for nothing', () => {
    const table = formatBotTable([
      bot({
        bot_id: 'bot-1',
        task_id: 'task-3',
        version: 'v1',
        last_seen_ts: { seconds: 1_700_000_000, nanos: 250_000_000 },
        dimensions: [
          { key: 'pool', value: ['ci'] },
          { key: 'os', value: ['Linux', 'Linux-Debian'] },
        ],
      }),
      bot({ bot_id: 'bot-2', is_dead: true, quarantined: true, quarantined_reason: 'low disk' }),
    ]);
    expect(table.split('\n')).toEqual([
      'ID     STATUS                             TASK    VERSION  LAST SEEN             POOL  OS',
      'bot-1  alive, busy                        task-3  v1       2023-11-14T22:13:20Z  ci    Linux|Linux-Debian',
      'bot-2  dead, idle, quarantined: low disk  -       -        -                     -     -',
    ]);
  });

  it('prints only the header for no bots', () => {
    expect(formatBotTable([])).toBe('ID  STATUS  TASK  VERSION  LAST SEEN  POOL  OS');
  });
});

describe('describeBotCounts', () => {
  it.each([
    [
      { count: 3, busy: 1, quarantined: 0, maintenance: 0, dead: 2 },
      '3 bots: 1 busy, 0 quarantined, 2 dead',
    ],
    [
      { count: 1, busy: 0, quarantined: 1, maintenance: 0, dead: 0 },
      '1 bot: 0 busy, 1 quarantined, 0 dead',
    ],
  ])('%j → %s', (counts, expected) => {
    expect(describeBotCounts(counts)).toBe(expected);
  });
});

describe('describeBot', () => {
  it('shows every field, then the dimensions, one per line', () => {
    const text = describeBot(
      bot({
        bot_id: 'bot-1',
        version: 'v1',
        task_id: 'task-3',
        task_name: 'build',
        session_id: 's1',
        first_seen_ts: { seconds: 1_700_000_000, nanos: 0 },
        last_seen_ts: { seconds: 1_700_000_060, nanos: 0 },
        state: {
          cpu_load: 0.5,
          free_disk_bytes: 1000,
          uptime_secs: 60,
          running_task_id: 'task-3',
          quarantined_reason: '',
          caches: [],
          input_trees: [],
        },
        dimensions: [
          { key: 'os', value: ['Linux', 'Linux-Debian'] },
          { key: 'pool', value: ['ci'] },
        ],
      }),
    );
    expect(text.split('\n')).toEqual([
      'bot           bot-1',
      'status        alive, busy',
      'connected     yes',
      'dead          no',
      'quarantined   no',
      'maintenance   no',
      'task          task-3 (build)',
      'version       v1',
      'first seen    2023-11-14T22:13:20Z',
      'last seen     2023-11-14T22:14:20Z',
      'session       s1',
      'cpu load      0.5',
      'free disk     1000 bytes',
      'uptime        60s',
      'running task  task-3',
      'dimensions',
      '  os          Linux Linux-Debian',
      '  pool        ci',
    ]);
  });

  it('says - for what a bot never reported', () => {
    const text = describeBot(
      bot({ connected: false, is_dead: true, quarantined: true, quarantined_reason: 'low disk' }),
    );
    expect(text).toMatch(/^quarantined +yes: low disk$/m);
    expect(text).toMatch(/^dead +yes$/m);
    expect(text).toMatch(/^cpu load +-$/m);
    expect(text).toMatch(/^dimensions +-$/m);
  });
});
