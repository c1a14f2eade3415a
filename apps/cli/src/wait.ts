import type { Command } from 'commander';
import { isTerminalState, resultToJson } from '@drover/client';
import type {
  CountBotsResponseOut,
  DroverClient,
  TaskResultOut,
  TaskStateWire,
} from '@drover/client';
import { timestampToMs } from '@drover/protocol';
import { collectTasks, resolveIds } from './collect';
import { formatElapsed } from './collect-view';
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
import { EXIT, exitCodeForResult } from './exit-codes';
import { describeState } from './format';

/**
 * How long after its creation the task reached the state `result` shows: modified_ts (or the
 * newest timestamp there is) minus created_ts. From the coordinator's clock, so a wait started
 * late still tells how long the task took.
 */
export function elapsedMs(result: TaskResultOut): number | undefined {
  const created = timestampToMs(result.created_ts);
  if (created === null) return undefined;
  const at = [result.modified_ts, result.completed_ts, result.abandoned_ts, result.started_ts]
    .map(timestampToMs)
    .find((ms) => ms !== null);
  return (at ?? created) - created;
}

/** What CountBots says about the bots matching a pending task: `3 bots match (1 busy, 1 dead)`. */
export function describeMatchingBots(counts: CountBotsResponseOut): string {
  if (counts.count === 0) return 'no bot matches its dimensions';
  const parts = (
    [
      ['busy', counts.busy],
      ['quarantined', counts.quarantined],
      ['in maintenance', counts.maintenance],
      ['dead', counts.dead],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([word, n]) => `${n} ${word}`);
  const noun = counts.count === 1 ? 'bot matches' : 'bots match';
  return `${counts.count} ${noun} its dimensions${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}

/** The line `drover wait` prints for a state: `[+1.2s] RUNNING on bot b1`. */
export function waitLine(result: TaskResultOut, matchingBots?: string): string {
  const ms = elapsedMs(result);
  const line = describeState(result) + (matchingBots === undefined ? '' : `; ${matchingBots}`);
  return ms === undefined ? line : `[+${formatElapsed(ms)}] ${line}`;
}

/**
 * For a pending task: how many bots match the dimensions of the slice it waits in (GetRequest,
 * then CountBots). Undefined when either call fails: the wait goes on without it.
 */
async function matchingBots(
  client: DroverClient,
  result: TaskResultOut,
): Promise<string | undefined> {
  try {
    const request = await client.getRequest(result.task_id, { deadlineMs: UNARY_DEADLINE_MS });
    const slice = request.task_slices[result.current_task_slice] ?? request.task_slices[0];
    if (slice?.properties == null) return undefined;
    const counts = await client.countBots(
      { dimensions: slice.properties.dimensions },
      { deadlineMs: UNARY_DEADLINE_MS },
    );
    return describeMatchingBots(counts);
  } catch {
    return undefined;
  }
}

/**
 * Follows a task to its end: each new state on stderr for people (with the time since it was
 * submitted and, while PENDING, how many bots match it), or with `json` each result as one JSON
 * line on stdout. Returns the exit code for the final state.
 */
export async function waitForTask(
  client: DroverClient,
  rt: Runtime,
  taskId: string,
  opts: { json?: boolean },
): Promise<number> {
  let lastState: TaskStateWire | undefined;
  let final: TaskResultOut | undefined;
  for await (const result of client.waitTask(taskId)) {
    if (opts.json === true) await writeJson(rt.stdout, resultToJson(result));
    else if (result.state !== lastState) {
      const bots = result.state === 'PENDING' ? await matchingBots(client, result) : undefined;
      await writeLine(rt.stderr, waitLine(result, bots));
    }
    lastState = result.state;
    if (isTerminalState(result.state)) final = result;
  }
  if (final === undefined) {
    await printError(
      rt,
      `the coordinator at ${client.server} ended the wait before task ${taskId} was final`,
    );
    return EXIT.RPC_ERROR;
  }
  return exitCodeForResult(final) ?? EXIT.RPC_ERROR;
}

export function registerWait(program: Command, host: CommandHost): void {
  program
    .command('wait')
    .description(
      "Wait for tasks to end; exits with the task's exit code (several: the merged one; " +
        'table in drover --help).',
    )
    .argument('<task-id...>')
    .option('--json', 'print every result (several tasks: each final one) as one JSON line')
    .action(async (taskIds: string[], opts: { json?: boolean }, cmd: Command) => {
      const { rt } = host;
      host.exitWith(
        await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
          if (taskIds.length === 1) return waitForTask(client, rt, taskIds[0]!, opts);
          const tasks = await resolveIds(client, rt, taskIds);
          if (tasks === undefined) return EXIT.RPC_ERROR;
          return collectTasks(client, rt, tasks, { json: opts.json === true, output: 'none' });
        }),
      );
    });
}
