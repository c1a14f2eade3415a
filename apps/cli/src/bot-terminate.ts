import type { Command } from 'commander';
import { terminateBotToJson } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { waitForTask } from './wait';

export interface TerminateOptions {
  reason?: string;
  wait?: boolean;
  json?: boolean;
}

/**
 * `drover bot terminate <id>`: asks the bot to stop once it is idle (a priority-0 task pinned to
 * it) and prints that task's id; with `--wait`, follows the task like `drover wait` and exits
 * with its exit code (0 once the bot has stopped).
 */
export function registerBotTerminate(bot: Command, host: CommandHost): void {
  bot
    .command('terminate')
    .description(
      'Stop a bot once its running task ends; prints the termination task id (--wait: waits ' +
        'for it like drover wait).',
    )
    .argument('<bot-id>')
    .option('--reason <text>', 'why, recorded with the termination')
    .option('--wait', "wait until the bot has stopped; exit with the task's exit code")
    .option('--json', 'print {"task_id": …} (with --wait, then every result) as JSON lines')
    .action(async (botId: string, opts: TerminateOptions, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const response = await client.terminateBot(botId, opts.reason ?? '', {
          deadlineMs: UNARY_DEADLINE_MS,
        });
        if (opts.json === true) await writeJson(rt.stdout, terminateBotToJson(response));
        else await writeLine(rt.stdout, response.task_id);
        if (opts.wait !== true) return EXIT.OK;
        return waitForTask(client, rt, response.task_id, { json: opts.json === true });
      });
      host.exitWith(code);
    });
}
