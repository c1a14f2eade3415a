// Human-readable views of task results and bots (the JSON views live in @drover/client).
import { timestampToJson, type AuditEntryOut } from '@drover/protocol';
import type {
  BotEventOut,
  BotInfoOut,
  CountBotsResponseOut,
  GetBotDimensionsResponseOut,
  TaskResultOut,
} from '@drover/client';

export function formatDuration(secs: number): string {
  return `${secs.toFixed(2)}s`;
}

/**
 * Linux signal names by number: bots run on Linux and report a payload killed by signal N as exit
 * code -N; naming it from the CLI's own platform would be wrong on a Mac.
 */
const LINUX_SIGNALS: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/**
 * A task's exit code for people, the same in every view: `3`, or for a signal death (-N)
 * `killed by SIGTERM (exit -15)` — the process exit code is then 128+N (exit-codes.ts).
 */
export function describeExitCode(exitCode: number): string {
  if (exitCode >= 0 || exitCode <= -128 || !Number.isInteger(exitCode)) return String(exitCode);
  const name = LINUX_SIGNALS[-exitCode] ?? `signal ${-exitCode}`;
  return `killed by ${name} (exit ${exitCode})`;
}

/**
 * One line for a state as `drover wait` prints it: `PENDING`, `RUNNING on bot b1`,
 * `COMPLETED exit 3 in 0.01s`, `NO_RESOURCE: no bot matches pool=ci`.
 */
export function describeState(result: TaskResultOut): string {
  const exit =
    result.exit_code === undefined
      ? ''
      : result.exit_code < 0
        ? ` ${describeExitCode(result.exit_code)}`
        : ` exit ${result.exit_code}`;
  let line: string;
  switch (result.state) {
    case 'RUNNING':
    case 'BOT_DIED':
      line = result.bot_id === '' ? result.state : `${result.state} on bot ${result.bot_id}`;
      break;
    case 'COMPLETED':
      line = `COMPLETED${exit} in ${formatDuration(result.duration)}`;
      if (result.deduped_from !== '') line += ` (deduped from ${result.deduped_from})`;
      break;
    case 'TIMED_OUT':
    case 'KILLED':
      line = `${result.state}${exit} after ${formatDuration(result.duration)}`;
      break;
    default:
      line = result.state;
  }
  return result.summary === '' ? line : `${line}: ${result.summary}`;
}

/** The multi-line summary `drover result` prints. */
export function describeResult(result: TaskResultOut): string {
  const rows: Array<[string, string]> = [
    ['task', result.name === '' ? result.task_id : `${result.task_id} (${result.name})`],
    ['state', describeState(result)],
  ];
  const add = (label: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined && value !== '') rows.push([label, value]);
  };
  add('bot', result.bot_id);
  add('exit code', result.exit_code === undefined ? undefined : describeExitCode(result.exit_code));
  add('user', result.user);
  // Who cancelled or killed it; a kill asked of a task that ended on its own says so.
  const stopped = result.state === 'CANCELED' || result.state === 'KILLED';
  add(stopped ? 'cancelled by' : 'kill asked by', result.canceled_by);
  add('priority', result.priority === 0 ? undefined : String(result.priority));
  add('created', timestampToJson(result.created_ts));
  add('started', timestampToJson(result.started_ts));
  add('completed', timestampToJson(result.completed_ts));
  add('abandoned', timestampToJson(result.abandoned_ts));
  add('duration', result.started_ts === null ? undefined : formatDuration(result.duration));
  add('output', `${result.output_size} bytes`);
  add('deduped from', result.deduped_from);
  add('parent', result.parent_task_id);
  add('tags', result.tags.join(' '));
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** `text` cut to `max` characters, the last one an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A timestamp to the second, in UTC: `2023-11-14T22:13:20Z` (what --since accepts). */
export function formatTimestamp(ts: TaskResultOut['created_ts']): string | undefined {
  return timestampToJson(ts)?.replace(/\.\d+Z$/, 'Z');
}

/** A column of a table: its header, the longest text a cell may show, the cell's text. */
export interface Column<T> {
  header: string;
  max: number;
  cell: (row: T) => string | undefined;
}

/**
 * A header, then one row per item in the order given, columns two spaces apart; empty cells
 * show `-`, long cells are cut with `…`. No trailing spaces.
 */
export function formatTable<T>(columns: ReadonlyArray<Column<T>>, items: readonly T[]): string {
  const rows = [
    columns.map((c) => c.header),
    ...items.map((item) =>
      columns.map((c) => {
        const text = c.cell(item);
        return text === undefined || text === '' ? '-' : truncate(text, c.max);
      }),
    ),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The columns of `drover tasks` (ids are never cut). */
const TASK_COLUMNS: ReadonlyArray<Column<TaskResultOut>> = [
  { header: 'ID', max: Infinity, cell: (r) => r.task_id },
  { header: 'STATE', max: Infinity, cell: (r) => r.state },
  { header: 'NAME', max: 24, cell: (r) => r.name },
  { header: 'BOT', max: 20, cell: (r) => r.bot_id },
  {
    header: 'EXIT',
    max: Infinity,
    cell: (r) => (r.exit_code === undefined ? undefined : describeExitCode(r.exit_code)),
  },
  { header: 'CREATED', max: Infinity, cell: (r) => formatTimestamp(r.created_ts) },
  {
    header: 'DURATION',
    max: Infinity,
    cell: (r) =>
      r.started_ts === null || r.state === 'RUNNING' ? undefined : formatDuration(r.duration),
  },
  { header: 'TAGS', max: 48, cell: (r) => r.tags.join(' ') },
];

/**
 * The table `drover tasks` prints: a header, then one row per result in the order given; empty
 * cells show `-`, long names, bots and tags are cut with `…`. No trailing spaces.
 */
export function formatTaskTable(results: readonly TaskResultOut[]): string {
  return formatTable(TASK_COLUMNS, results);
}

/** The values of a bot's dimension `key`, `|`-joined (`Linux|Linux-Debian`); '' when none. */
export function dimensionValues(bot: BotInfoOut, key: string): string {
  return bot.dimensions
    .filter((d) => d.key === key)
    .flatMap((d) => d.value)
    .join('|');
}

/**
 * A bot's status in a few words: `alive`/`disconnected` (gone, not yet dead)/`dead`,
 * `busy`/`idle`, then `quarantined` with its reason when it is: `alive, busy`,
 * `dead, idle, quarantined: low disk`.
 */
export function describeBotStatus(bot: BotInfoOut): string {
  const presence = bot.is_dead ? 'dead' : bot.connected ? 'alive' : 'disconnected';
  const words = [presence, bot.task_id === '' ? 'idle' : 'busy'];
  if (bot.quarantined)
    words.push(
      bot.quarantined_reason === '' ? 'quarantined' : `quarantined: ${bot.quarantined_reason}`,
    );
  if (bot.in_maintenance)
    words.push(bot.maintenance_msg === '' ? 'maintenance' : `maintenance: ${bot.maintenance_msg}`);
  return words.join(', ');
}

/** The columns of `drover bots` (ids are never cut). */
const BOT_COLUMNS: ReadonlyArray<Column<BotInfoOut>> = [
  { header: 'ID', max: Infinity, cell: (b) => b.bot_id },
  { header: 'STATUS', max: 48, cell: describeBotStatus },
  { header: 'TASK', max: Infinity, cell: (b) => b.task_id },
  { header: 'VERSION', max: 16, cell: (b) => b.version },
  { header: 'LAST SEEN', max: Infinity, cell: (b) => formatTimestamp(b.last_seen_ts) },
  { header: 'POOL', max: 24, cell: (b) => dimensionValues(b, 'pool') },
  { header: 'OS', max: 32, cell: (b) => dimensionValues(b, 'os') },
];

/** The table `drover bots` prints, one row per bot in the order given. */
export function formatBotTable(bots: readonly BotInfoOut[]): string {
  return formatTable(BOT_COLUMNS, bots);
}

/** The one line `drover bots --count` prints. */
export function describeBotCounts(counts: CountBotsResponseOut): string {
  const noun = counts.count === 1 ? 'bot' : 'bots';
  return `${counts.count} ${noun}: ${counts.busy} busy, ${counts.quarantined} quarantined, ${counts.dead} dead`;
}

/** The block `drover bot show` prints: every field (`-` when empty), then the dimensions. */
export function describeBot(bot: BotInfoOut): string {
  const text = (value: string): string => (value === '' ? '-' : value);
  const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
  const health = bot.state;
  const rows: Array<[string, string]> = [
    ['bot', bot.bot_id],
    ['status', describeBotStatus(bot)],
    ['connected', yesNo(bot.connected)],
    ['dead', yesNo(bot.is_dead)],
    [
      'quarantined',
      bot.quarantined
        ? `yes${bot.quarantined_reason === '' ? '' : `: ${bot.quarantined_reason}`}`
        : 'no',
    ],
    [
      'maintenance',
      bot.in_maintenance
        ? `yes${bot.maintenance_msg === '' ? '' : `: ${bot.maintenance_msg}`}`
        : 'no',
    ],
    ['task', bot.task_name === '' ? text(bot.task_id) : `${bot.task_id} (${bot.task_name})`],
    ['version', text(bot.version)],
    ['first seen', formatTimestamp(bot.first_seen_ts) ?? '-'],
    ['last seen', formatTimestamp(bot.last_seen_ts) ?? '-'],
    ['session', text(bot.session_id)],
    ['cpu load', health === null ? '-' : String(health.cpu_load)],
    ['free disk', health === null ? '-' : `${health.free_disk_bytes} bytes`],
    ['uptime', health === null ? '-' : `${health.uptime_secs}s`],
    ['running task', health === null ? '-' : text(health.running_task_id)],
    ['dimensions', bot.dimensions.length === 0 ? '-' : ''],
  ];
  const dims = bot.dimensions.map((d): [string, string] => [`  ${d.key}`, d.value.join(' ')]);
  const all = [...rows, ...dims];
  const width = Math.max(...all.map(([label]) => label.length));
  return all.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}

/** The columns of `drover bot events` (the message is cut, not the event type). */
const BOT_EVENT_COLUMNS: ReadonlyArray<Column<BotEventOut>> = [
  { header: 'TIME', max: Infinity, cell: (e) => formatTimestamp(e.ts) },
  { header: 'EVENT', max: Infinity, cell: (e) => e.event_type },
  { header: 'TASK', max: Infinity, cell: (e) => e.task_id },
  { header: 'MESSAGE', max: 80, cell: (e) => e.message },
];

/** The table `drover bot events` prints, one row per event in the order given. */
export function formatBotEventTable(events: readonly BotEventOut[]): string {
  return formatTable(BOT_EVENT_COLUMNS, events);
}

/**
 * `text` with control characters (C0, DEL, C1) and bidirectional overrides shown as escapes
 * (`\n`, `\x1b`, `\u202e`): an audit entry's fields come from callers (a task id a cancel named,
 * an error echoing it), and a line break or an escape sequence in one must not forge or hide rows.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

const AUDIT_COLUMNS: ReadonlyArray<Column<AuditEntryOut>> = [
  { header: 'TIME', max: Infinity, cell: (e) => formatTimestamp(e.time) },
  { header: 'PRINCIPAL', max: 40, cell: (e) => printable(e.principal) },
  { header: 'PEER', max: Infinity, cell: (e) => printable(e.peer) },
  { header: 'ACTION', max: Infinity, cell: (e) => printable(e.action) },
  { header: 'TARGET', max: 40, cell: (e) => printable(e.target) },
  { header: 'POOL', max: 20, cell: (e) => printable(e.pool) },
  { header: 'RESULT', max: 60, cell: (e) => printable(e.result) },
  { header: 'DETAILS', max: 80, cell: (e) => (e.details === '{}' ? '' : printable(e.details)) },
];

/** The table `drover audit` prints, one row per entry in the order given (UTC times). */
export function formatAuditTable(entries: readonly AuditEntryOut[]): string {
  return formatTable(AUDIT_COLUMNS, entries);
}

/** The table `drover bots dimensions` prints: each key and its values, space-separated. */
export function formatBotDimensions(response: GetBotDimensionsResponseOut): string {
  return formatTable<GetBotDimensionsResponseOut['bots_dimensions'][number]>(
    [
      { header: 'KEY', max: Infinity, cell: (d) => d.key },
      { header: 'VALUES', max: Infinity, cell: (d) => d.value.join(' ') },
    ],
    response.bots_dimensions,
  );
}

/** The line an admin change prints: `bot b1: alive, idle, quarantined: disk is failing`. */
export function describeBotChange(bot: BotInfoOut): string {
  return `bot ${bot.bot_id}: ${describeBotStatus(bot)}`;
}
