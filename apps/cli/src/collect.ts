import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { collect, followOutput, resultToJson } from '@drover/client';
import type { DroverClient, TaskResultOut } from '@drover/client';
import { parseTag, repeatableParser, type Parsed } from './args';
import { endLine, LinePrefixer, outputPrefix, summaryLine } from './collect-view';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  write,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT, mergedExitCode } from './exit-codes';
import { byShardIndex, shardIndex, SHARD_TAG } from './shards';

/** Where each task's output goes: nowhere, stdout as is (one task), stdout prefixed, files. */
export type OutputMode = 'none' | 'raw' | 'prefixed' | { dir: string };

export interface FollowView {
  /** One JSON TaskResult per line on stdout as each task ends. */
  readonly json: boolean;
  readonly output: OutputMode;
}

/** How often the live summary is redrawn while nothing happens (its elapsed time moves). */
const LIVE_REDRAW_MS = 1000;

/** One task as the reporter knows it: where its output goes and how it is named. */
interface Entry {
  readonly label: string;
  readonly prefixer: LinePrefixer;
  readonly fileName: string;
  latest: TaskResultOut | undefined;
  file: Promise<FileHandle> | undefined;
}

/**
 * What people (stderr) and scripts (stdout) see while several tasks are followed: on a terminal
 * one live summary line redrawn in place, otherwise one line per task end; output per `view`.
 * The only part of the follow with a clock and a terminal.
 */
export class Reporter {
  readonly #rt: Runtime;
  readonly #view: FollowView;
  readonly #entries: Entry[];
  readonly #index = new Map<string, number>();
  readonly #live: boolean;
  readonly #startMs = Date.now();
  #drawn = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    rt: Runtime,
    tasks: ReadonlyArray<{ taskId: string; result?: TaskResultOut; prefix: string; label: string }>,
    view: FollowView,
  ) {
    this.#rt = rt;
    this.#view = view;
    this.#live = (rt.stderr as { isTTY?: boolean }).isTTY === true;
    this.#entries = tasks.map((t, i) => {
      this.#index.set(t.taskId, i);
      return {
        label: t.label,
        prefixer: new LinePrefixer(t.prefix),
        fileName: `${t.label.replace(/[^A-Za-z0-9_.-]+/g, '-')}.log`,
        latest: t.result,
        file: undefined,
      };
    });
    if (typeof view.output === 'object') mkdirSync(view.output.dir, { recursive: true });
    if (this.#live) {
      this.#timer = setInterval(() => this.#draw(), LIVE_REDRAW_MS);
      this.#timer.unref();
      this.#draw();
    }
  }

  indexOf(taskId: string): number | undefined {
    return this.#index.get(taskId);
  }

  /** Any result, final or not: the live summary follows it. */
  update(result: TaskResultOut): void {
    const i = this.#index.get(result.task_id);
    if (i === undefined) return;
    this.#entries[i]!.latest = result;
    this.#draw();
  }

  /** Output bytes of task `i`, in order. */
  async output(i: number, bytes: Uint8Array): Promise<void> {
    const entry = this.#entries[i]!;
    const mode = this.#view.output;
    if (mode === 'none') return;
    if (typeof mode === 'object') {
      entry.file ??= open(join(mode.dir, entry.fileName), 'w');
      await (await entry.file).write(bytes);
      return;
    }
    const text = mode === 'raw' ? bytes : entry.prefixer.push(bytes);
    if (text.length > 0) await this.#aboveSummary(() => write(this.#rt.stdout, text));
  }

  /** Task `i`'s output is all written: its last partial line, its file closed. */
  async outputEnded(i: number): Promise<void> {
    const entry = this.#entries[i]!;
    if (entry.file !== undefined) {
      await (await entry.file).close();
      entry.file = undefined;
    }
    if (this.#view.output === 'prefixed') {
      const rest = entry.prefixer.end();
      if (rest.length > 0) await this.#aboveSummary(() => write(this.#rt.stdout, rest));
    }
  }

  /** Task `i` is final: its JSON line, and its end line when no live summary shows it. */
  async ended(i: number, result: TaskResultOut): Promise<void> {
    this.#entries[i]!.latest = result;
    if (this.#view.json)
      await this.#aboveSummary(() => writeJson(this.#rt.stdout, resultToJson(result)));
    if (!this.#live) await writeLine(this.#rt.stderr, endLine(result));
    this.#draw();
  }

  /** Stops redrawing; on a terminal leaves the last summary and the tasks that failed. */
  async finish(): Promise<void> {
    clearInterval(this.#timer);
    if (!this.#live) return;
    this.#clear();
    await writeLine(this.#rt.stderr, this.#summary());
    for (const { latest } of this.#entries) {
      if (latest !== undefined && !(latest.state === 'COMPLETED' && latest.exit_code === 0))
        await writeLine(this.#rt.stderr, endLine(latest));
    }
  }

  #summary(): string {
    return summaryLine(
      this.#entries.map((e) => e.latest),
      this.#startMs,
      Date.now(),
    );
  }

  #draw(): void {
    if (!this.#live) return;
    this.#rt.stderr.write(`\r\x1b[K${this.#summary()}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#drawn) this.#rt.stderr.write('\r\x1b[K');
    this.#drawn = false;
  }

  /** Writes with the summary line out of the way (stdout and stderr may be one terminal). */
  async #aboveSummary(fn: () => Promise<void>): Promise<void> {
    this.#clear();
    await fn();
    this.#draw();
  }
}

/**
 * The tasks of `taskIds` (duplicates once, in the order given) as they are now (BatchGetResult,
 * 1000 a call); undefined after saying which ids the coordinator does not know.
 */
export async function resolveIds(
  client: DroverClient,
  rt: Runtime,
  taskIds: readonly string[],
): Promise<TaskResultOut[] | undefined> {
  const ids = [...new Set(taskIds)];
  const results: TaskResultOut[] = [];
  let missing = false;
  for (let start = 0; start < ids.length; start += 1000) {
    const page = await client.batchGetResult(ids.slice(start, start + 1000), {
      deadlineMs: UNARY_DEADLINE_MS,
    });
    for (const item of page.items) {
      if (item.result != null) results.push(item.result);
      else {
        missing = true;
        await printError(rt, `task ${item.task_id}: ${item.error ?? 'not found'}`);
      }
    }
  }
  return missing ? undefined : results;
}

/**
 * The tasks carrying every tag (ListTasks, all states, every page): shards by index, other tasks
 * oldest first. Undefined after saying none matched.
 */
export async function resolveTags(
  client: DroverClient,
  rt: Runtime,
  tags: readonly string[],
): Promise<TaskResultOut[] | undefined> {
  const found: TaskResultOut[] = [];
  for await (const result of client.listAllTasks(
    { state: 'QUERY_ALL', tags: [...tags], limit: 1000 },
    { deadlineMs: UNARY_DEADLINE_MS },
  ))
    found.push(result);
  if (found.length === 0) {
    await printError(rt, `no task carries ${tags.join(' and ')} (asked ${client.server})`);
    return undefined;
  }
  return byShardIndex(found.reverse());
}

/**
 * Follows `tasks` to their end as `view` says, and returns their merged exit code (0 only when
 * every one COMPLETED exit 0; else the first failure's, in the order of `tasks`).
 */
export async function collectTasks(
  client: DroverClient,
  rt: Runtime,
  tasks: readonly TaskResultOut[],
  view: FollowView,
): Promise<number> {
  const reporter = new Reporter(
    rt,
    tasks.map((result) => ({
      taskId: result.task_id,
      result,
      prefix: outputPrefix(result),
      label: shardIndex(result) === undefined ? result.task_id : `shard-${shardIndex(result)}`,
    })),
    view,
  );
  const stop = new AbortController();
  const finals: Array<TaskResultOut | undefined> = tasks.map(() => undefined);
  const outputs =
    view.output === 'none'
      ? []
      : tasks.map(async (task, i) => {
          for await (const bytes of followOutput(client, task.task_id, { signal: stop.signal }))
            await reporter.output(i, bytes);
          await reporter.outputEnded(i);
        });
  try {
    const ids = tasks.map((t) => t.task_id);
    for await (const result of collect(client, ids, {
      signal: stop.signal,
      onUpdate: (r) => reporter.update(r),
    })) {
      const i = reporter.indexOf(result.task_id) ?? -1;
      finals[i] = result;
      await reporter.ended(i, result);
    }
    await Promise.all(outputs);
  } finally {
    stop.abort(new Error('collect ended'));
    await Promise.allSettled(outputs);
    await reporter.finish();
  }
  return mergedExitCode(finals.map((r) => r ?? { state: 'INVALID' as const })) ?? EXIT.RPC_ERROR;
}

interface CollectOptions {
  tag?: string[];
  shardGroup?: string[];
  output?: boolean;
  outputDir?: string;
  json?: boolean;
}

/** `--shard-group G`: the group id as `drover submit --shards` prints it. */
function parseShardGroup(text: string): Parsed<string> {
  return /^[A-Za-z0-9_-]+$/.test(text)
    ? { ok: true, value: text }
    : { ok: false, message: 'expected a shard group id (as drover submit --shards prints it)' };
}

export function registerCollect(program: Command, host: CommandHost): void {
  program
    .command('collect')
    .description(
      'Wait for several tasks (ids, --tag or --shard-group) and exit with the merged result ' +
        '(0 only when all COMPLETED exit 0; table in drover --help).',
    )
    .argument('[task-id...]')
    .option(
      '--tag <key:value>',
      'the tasks carrying this tag, repeatable',
      repeatableParser(parseTag),
    )
    .option(
      '--shard-group <id>',
      'the shards of one drover submit --shards',
      repeatableParser(parseShardGroup),
    )
    .option('--output', "stream each task's output to stdout, every line prefixed [shard] or [id]")
    .option('--output-dir <dir>', "write each task's output to <dir>/shard-<i>.log or <id>.log")
    .option('--json', 'print each final TaskResult as one JSON line on stdout as it ends')
    .action(async (taskIds: string[], opts: CollectOptions, cmd: Command) => {
      const { rt } = host;
      const tags = [
        ...(opts.tag ?? []),
        ...(opts.shardGroup ?? []).map((g) => `${SHARD_TAG.group}:${g}`),
      ];
      const usage = async (message: string): Promise<void> => {
        await printError(rt, message);
        host.exitWith(EXIT.USAGE);
      };
      if (taskIds.length > 0 === tags.length > 0)
        return usage('give task ids, or --tag/--shard-group, not both (nor neither)');
      if (opts.output === true && opts.outputDir !== undefined)
        return usage('--output and --output-dir: choose one');
      if (opts.output === true && opts.json === true)
        return usage('--output and --json both write to stdout: use --output-dir with --json');
      const output: OutputMode =
        opts.outputDir !== undefined
          ? { dir: resolve(rt.cwd, opts.outputDir) }
          : opts.output === true
            ? 'prefixed'
            : 'none';
      host.exitWith(
        await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
          const tasks =
            taskIds.length > 0
              ? await resolveIds(client, rt, taskIds)
              : await resolveTags(client, rt, tags);
          if (tasks === undefined) return EXIT.RPC_ERROR;
          return collectTasks(client, rt, tasks, { json: opts.json === true, output });
        }),
      );
    });
}
