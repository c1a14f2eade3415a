import type { Command } from 'commander';
import { DroverClientError, GrpcStatus, deleteBotToJson } from '@drover/client';
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

/** `drover bot delete <id> [--force]`: forgets a bot; a connected one only with --force. */
export function registerBotDelete(bot: Command, host: CommandHost): void {
  bot
    .command('delete')
    .description(
      'Forget a bot (its history stays); a connected bot only with --force, which drops it.',
    )
    .argument('<bot-id>')
    .option('--force', 'also when the bot is connected: its connection is closed')
    .option('--json', 'print {"deleted": …} as JSON')
    .action(async (botId: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        let deleted: boolean;
        try {
          ({ deleted } = await client.deleteBot(botId, opts.force === true, {
            deadlineMs: UNARY_DEADLINE_MS,
          }));
        } catch (err) {
          if (!(err instanceof DroverClientError && err.code === GrpcStatus.FAILED_PRECONDITION))
            throw err;
          await printError(rt, `bot ${botId} was not deleted: ${err.details}`);
          if (opts.force !== true)
            await writeLine(rt.stderr, 'Stop it first (drover bot terminate), or add --force.');
          return EXIT.RPC_ERROR;
        }
        if (opts.json === true) await writeJson(rt.stdout, deleteBotToJson({ deleted }));
        else
          await writeLine(
            rt.stdout,
            deleted ? `deleted bot ${botId}` : `bot ${botId}: nothing to delete`,
          );
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
