import type { Command } from 'commander';
import { cancelResponseToJson } from '@drover/client';
import type { CancelTaskResponseOut } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
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

export function registerCancel(program: Command, host: CommandHost): void {
  program
    .command('cancel')
    .description(
      'Cancel a pending task, or with --kill a running one (exits 0 when the call succeeds).',
    )
    .argument('<task-id>')
    .option('--kill', 'also stop the task if it is running')
    .option('--json', 'print the CancelTaskResponse as JSON')
    .action(async (taskId: string, opts: { kill?: boolean; json?: boolean }, cmd: Command) => {
      const { rt } = host;
      const kill = opts.kill === true;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const response = await client.cancelTask(taskId, kill, { deadlineMs: UNARY_DEADLINE_MS });
        if (opts.json === true) await writeJson(rt.stdout, cancelResponseToJson(response));
        else await writeLine(rt.stdout, describeCancel(taskId, response, kill));
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
