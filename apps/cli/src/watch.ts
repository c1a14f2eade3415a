import type { Command } from 'commander';
import { taskChangeToJson } from '@drover/client';
import type { DroverClient, TaskChangeOut, TaskStateWire, WatchTasksRequest } from '@drover/client';
import { parseTag, repeatableParser, type Parsed } from './args';
import {
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT } from './exit-codes';
import { describeState, formatTimestamp } from './format';

/** The states a task can change into, as `drover watch --state` takes them (any case). */
export const WATCH_STATES = [
  'PENDING',
  'RUNNING',
  'EXPIRED',
  'TIMED_OUT',
  'BOT_DIED',
  'CANCELED',
  'COMPLETED',
  'KILLED',
  'NO_RESOURCE',
  'CLIENT_ERROR',
] as const satisfies readonly TaskStateWire[];

export function parseTaskState(text: string): Parsed<TaskStateWire> {
  const name = text.toUpperCase();
  const state = WATCH_STATES.find((s) => s === name);
  return state === undefined
    ? { ok: false, message: `expected one of ${WATCH_STATES.join(', ')} (any case)` }
    : { ok: true, value: state };
}

/** One line per change: `<time>  <task id>  <from> → <state as drover wait shows it>  <name>`. */
export function describeChange(change: TaskChangeOut): string {
  const result = change.result;
  const when = formatTimestamp(result?.modified_ts ?? null) ?? '-';
  const from = change.previous_state === 'INVALID' ? 'new' : change.previous_state;
  const to = result === null ? change.state : describeState(result);
  const name = result === null || result.name === '' ? '' : `  ${result.name}`;
  return `${when}  ${change.task_id}  ${from} → ${to}${name}`;
}

/**
 * Prints every change the coordinator streams until `signal` aborts (exit 0). The stream ending
 * on its own (the coordinator stopped) exits 1.
 */
export async function watchTasks(
  client: DroverClient,
  rt: Runtime,
  request: WatchTasksRequest,
  opts: { json?: boolean; signal: AbortSignal },
): Promise<number> {
  try {
    const onWatching = () => void writeLine(rt.stderr, 'watching; Ctrl-C to stop');
    for await (const change of client.watchTasks(request, { signal: opts.signal, onWatching })) {
      if (opts.json === true) await writeJson(rt.stdout, taskChangeToJson(change));
      else await writeLine(rt.stdout, describeChange(change));
    }
  } catch (err) {
    if (opts.signal.aborted) return EXIT.OK;
    throw err;
  }
  if (opts.signal.aborted) return EXIT.OK;
  await printError(rt, `the coordinator at ${client.server} ended the watch`);
  return EXIT.RPC_ERROR;
}

interface WatchOptions {
  tag?: string[];
  state?: TaskStateWire[];
  json?: boolean;
}

export function registerWatch(program: Command, host: CommandHost): void {
  program
    .command('watch')
    .description(
      'Print every state change of the matching tasks as it happens, one line each, until Ctrl-C.',
    )
    .option(
      '--tag <key:value>',
      'only tasks with this tag, repeatable (all must match)',
      repeatableParser(parseTag),
    )
    .option(
      '--state <state>',
      `only changes into this state, repeatable: ${WATCH_STATES.join(', ').toLowerCase()}`,
      repeatableParser(parseTaskState),
    )
    .option('--json', 'one TaskChange per line as canonical JSON (docs/json.md), for jq')
    .action(async (opts: WatchOptions, cmd: Command) => {
      const { rt } = host;
      const stop = new AbortController();
      const release = rt.onInterrupt?.(() => stop.abort(new Error('interrupted')));
      try {
        const request: WatchTasksRequest = { tags: opts.tag ?? [], states: opts.state ?? [] };
        host.exitWith(
          await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), (client) =>
            watchTasks(client, rt, request, { json: opts.json, signal: stop.signal }),
          ),
        );
      } finally {
        release?.();
      }
    });
}
