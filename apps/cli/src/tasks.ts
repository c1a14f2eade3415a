import { Option, type Command } from 'commander';
import { countTasksToJson, resultToJson } from '@drover/client';
import type { ListTasksRequest, TaskResultOut } from '@drover/client';
import { msToTimestamp, type StateQueryWire } from '@drover/protocol';
import {
  STATE_QUERIES,
  optionParser,
  parseLimit,
  parseStateName,
  parseTag,
  parseTimePoint,
  repeatableParser,
  type Parsed,
} from './args';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT } from './exit-codes';
import { formatTaskTable } from './format';

/** `drover tasks`'s options as commander parses them (times in ms since the epoch). */
export interface TasksOptions {
  state: StateQueryWire;
  tag?: string[];
  /** Only the children of this task. */
  parent?: string;
  since?: number;
  until?: number;
  limit?: number;
  cursor?: string;
  allPages?: boolean;
  json?: boolean;
  count?: boolean;
  /** Name glob (`*`, `?`). */
  name?: string;
  user?: string;
  pool?: string;
  bot?: string;
  sort?: TaskSortName;
}

/** `drover tasks --sort` names → ListTasks's TaskSort (Swarming's sort). */
export const TASK_SORTS = {
  created: 'SORT_CREATED',
  started: 'SORT_STARTED',
  completed: 'SORT_COMPLETED',
} as const;
export type TaskSortName = keyof typeof TASK_SORTS;

export function parseSortName(text: string): Parsed<TaskSortName> {
  return Object.hasOwn(TASK_SORTS, text)
    ? { ok: true, value: text as TaskSortName }
    : { ok: false, message: `expected one of ${Object.keys(TASK_SORTS).join(', ')}` };
}

/** A filter value: '' would mean "any" on the wire, so an empty flag is a mistake, not a filter. */
export function parseFilterValue(text: string): Parsed<string> {
  return text === '' ? { ok: false, message: 'must not be empty' } : { ok: true, value: text };
}

type TaskQueryFields =
  | 'state'
  | 'tags'
  | 'start'
  | 'end'
  | 'parent_task_id'
  | 'name'
  | 'user'
  | 'pool'
  | 'bot_id'
  | 'sort';

/**
 * The filter part of ListTasks/CountTasks: state, tags (AND), the parent task, name glob, user,
 * pool, bot, the sort and the range of its time.
 */
export function buildTaskQuery(
  opts: Pick<
    TasksOptions,
    'state' | 'tag' | 'parent' | 'since' | 'until' | 'name' | 'user' | 'pool' | 'bot' | 'sort'
  >,
): Parsed<Pick<ListTasksRequest, TaskQueryFields>> {
  if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since)
    return { ok: false, message: '--until is before --since' };
  const query: Pick<ListTasksRequest, TaskQueryFields> = {
    state: opts.state,
    tags: opts.tag ?? [],
  };
  if (opts.parent !== undefined) query.parent_task_id = opts.parent;
  if (opts.since !== undefined) query.start = msToTimestamp(opts.since);
  if (opts.until !== undefined) query.end = msToTimestamp(opts.until);
  if (opts.name !== undefined) query.name = opts.name;
  if (opts.user !== undefined) query.user = opts.user;
  if (opts.pool !== undefined) query.pool = opts.pool;
  if (opts.bot !== undefined) query.bot_id = opts.bot;
  if (opts.sort !== undefined) query.sort = TASK_SORTS[opts.sort];
  return { ok: true, value: query };
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word as a POSIX shell reads it back unchanged. */
export function shellQuote(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that shows the page after `cursor`: the same filters (a relative --since made
 * absolute, so the window does not move), page size, output and connection flags. Never the
 * token itself.
 */
export function continueCommand(opts: TasksOptions, global: GlobalOptions, cursor: string): string {
  const words = ['drover'];
  if (global.server !== undefined) words.push('--server', global.server);
  if (global.tokenFile !== undefined) words.push('--token-file', global.tokenFile);
  if (global.caFile !== undefined) words.push('--ca-file', global.caFile);
  else if (global.tls === true) words.push('--tls');
  words.push('tasks');
  if (opts.state !== 'QUERY_ALL') {
    const name = Object.entries(STATE_QUERIES).find(([, q]) => q === opts.state)?.[0];
    words.push('--state', name ?? opts.state);
  }
  for (const tag of opts.tag ?? []) words.push('--tag', tag);
  if (opts.parent !== undefined) words.push('--parent', opts.parent);
  if (opts.name !== undefined) words.push('--name', opts.name);
  if (opts.user !== undefined) words.push('--user', opts.user);
  if (opts.pool !== undefined) words.push('--pool', opts.pool);
  if (opts.bot !== undefined) words.push('--bot', opts.bot);
  if (opts.sort !== undefined) words.push('--sort', opts.sort);
  if (opts.since !== undefined) words.push('--since', new Date(opts.since).toISOString());
  if (opts.until !== undefined) words.push('--until', new Date(opts.until).toISOString());
  if (opts.limit !== undefined) words.push('--limit', String(opts.limit));
  if (opts.json === true) words.push('--json');
  words.push('--cursor', cursor);
  return words.map(shellQuote).join(' ');
}

async function printResults(
  rt: Runtime,
  results: readonly TaskResultOut[],
  json: boolean,
): Promise<void> {
  if (json) {
    for (const result of results) await writeJson(rt.stdout, resultToJson(result));
  } else if (results.length > 0) {
    await writeLine(rt.stdout, formatTaskTable(results));
  }
}

export function registerTasks(program: Command, host: CommandHost): void {
  const timePoint = optionParser((text) => parseTimePoint(text, Date.now()));
  const filter = optionParser(parseFilterValue);
  program
    .command('tasks')
    .description(
      'List tasks, newest first (one page unless --all-pages), or count them with --count.',
    )
    .addOption(
      new Option(
        '--state <state>',
        `only tasks in this state: ${Object.keys(STATE_QUERIES).join(', ')}`,
      )
        .argParser(optionParser(parseStateName))
        .default('QUERY_ALL', 'all'),
    )
    .option(
      '--tag <key:value>',
      'only tasks with this tag, repeatable (all must match)',
      repeatableParser(parseTag),
    )
    .option('--parent <task-id>', 'only the children of this task')
    .option('--name <glob>', 'only tasks whose name matches (* any run, ? one character)', filter)
    .option('--user <user>', 'only tasks of this user', filter)
    .option('--pool <pool>', 'only tasks in this pool', filter)
    .option('--bot <bot-id>', 'only tasks given to this bot', filter)
    .addOption(
      new Option(
        '--sort <time>',
        'newest first by created (default), started or completed time; started and completed list only tasks that have that time, and --since/--until bound it',
      ).argParser(optionParser(parseSortName)),
    )
    .option(
      '--since <when>',
      'created (or --sort time) at or after: a duration ago (30m, 2h, 7d, 1h30m) or an ISO date/time',
      timePoint,
    )
    .option('--until <when>', 'created (or --sort time) before: same forms as --since', timePoint)
    .option('--limit <n>', 'tasks per page, 1-1000 (server default 100)', optionParser(parseLimit))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--all-pages', 'keep fetching pages until there are no more')
    .option(
      '--json',
      'one TaskResult per line as canonical JSON (docs/json.md), for jq; with --count, {"count": "N"}',
    )
    .addOption(
      new Option('--count', 'print only how many tasks match').conflicts([
        'limit',
        'cursor',
        'allPages',
      ]),
    )
    .action(async (opts: TasksOptions, cmd: Command) => {
      const { rt } = host;
      const query = buildTaskQuery(opts);
      if (!query.ok) {
        await printError(rt, query.message);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const call = { deadlineMs: UNARY_DEADLINE_MS };
      const json = opts.json === true;
      const code = await withClient(rt, global, async (client) => {
        if (opts.count === true) {
          const counts = await client.countTasks(query.value, call);
          // The CountTasksResponse, `{"count":"12"}`: as `drover bots --count --json`'s `count`.
          if (json) await writeJson(rt.stdout, countTasksToJson(counts));
          else await writeLine(rt.stdout, String(counts.count));
          return EXIT.OK;
        }
        const request: ListTasksRequest = {
          ...query.value,
          limit: opts.limit ?? 0,
          cursor: opts.cursor ?? '',
        };
        let results: TaskResultOut[] = [];
        let next = '';
        if (opts.allPages === true) {
          for await (const result of client.listAllTasks(request, call)) {
            if (json) await writeJson(rt.stdout, resultToJson(result));
            else results.push(result);
          }
        } else {
          const page = await client.listTasks(request, call);
          results = page.items;
          next = page.cursor;
        }
        await printResults(rt, results, json);
        if (!json && results.length === 0) await writeLine(rt.stderr, 'no tasks match');
        if (next !== '') {
          await writeLine(
            rt.stderr,
            `more tasks; the next page (or use --all-pages):\n  ${continueCommand(opts, global, next)}`,
          );
        }
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
