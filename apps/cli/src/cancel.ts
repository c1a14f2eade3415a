import type { Command } from 'commander';
import { cancelResponseToJson } from '@drover/client';
import type { CancelTaskResponseOut } from '@drover/client';
import { parseTag, repeatableParser } from './args';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';

/** What `drover cancel` tells people. */
export function describeCancel(
  taskId: string,
  response: CancelTaskResponseOut,
  kill: boolean,
): string {
  if (response.canceled) {
    return response.was_running
      ? `task ${taskId}: kill requested; it will end as KILLED`
      : `task ${taskId}: canceled`;
  }
  if (response.state === 'RUNNING' && !kill)
    return `task ${taskId} is RUNNING; not canceled (add --kill to stop it)`;
  return `task ${taskId} is ${response.state}; not canceled`;
}

/** What `drover cancel --tag` tells people. */
export function describeCancelByTags(matched: number, kill: boolean): string {
  const tasks = matched === 1 ? '1 task' : `${matched} tasks`;
  return kill ? `canceled ${tasks} (running ones will end as KILLED)` : `canceled ${tasks}`;
}

const CANCEL_USAGE =
  'give a task id or --tag key:value (not both): drover cancel <task-id> | --tag k:v...';

export function registerCancel(program: Command, host: CommandHost): void {
  program
    .command('cancel')
    .description(
      'Cancel a pending task, or with --kill a running one (exits 0 when the call succeeds); ' +
        'with --tag, every pending (--kill: and running) task carrying all the tags.',
    )
    .usage('[options] <task-id> | --tag <key:value>...')
    .argument('[task-id]')
    .option(
      '--tag <key:value>',
      'instead of an id: every task with this tag, repeatable (all must match)',
      repeatableParser(parseTag),
    )
    .option('--kill', 'also stop tasks that are running')
    .option('--json', 'print the CancelTaskResponse (with --tag: {"matched": N}) as JSON')
    .action(
      async (
        taskId: string | undefined,
        opts: { kill?: boolean; json?: boolean; tag?: string[] },
        cmd: Command,
      ) => {
        const { rt } = host;
        const kill = opts.kill === true;
        const tags = opts.tag ?? [];
        if ((taskId === undefined) === (tags.length === 0)) {
          await printError(rt, CANCEL_USAGE);
          host.exitWith(EXIT.USAGE);
          return;
        }
        const call = { deadlineMs: UNARY_DEADLINE_MS };
        const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
          if (taskId === undefined) {
            const { matched } = await client.cancelAllTasks({ tags, kill_running: kill }, call);
            if (opts.json === true) await writeJson(rt.stdout, { matched });
            else await writeLine(rt.stdout, describeCancelByTags(matched, kill));
            return EXIT.OK;
          }
          const response = await client.cancelTask(taskId, kill, call);
          if (opts.json === true) await writeJson(rt.stdout, cancelResponseToJson(response));
          else await writeLine(rt.stdout, describeCancel(taskId, response, kill));
          return EXIT.OK;
        });
        host.exitWith(code);
      },
    );
}
