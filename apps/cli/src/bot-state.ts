import { Option, type Command } from 'commander';
import { botToJson } from '@drover/client';
import type { BotInfoOut, DroverClient } from '@drover/client';
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
import { describeBotChange } from './format';

/**
 * `drover bot quarantine|unquarantine|maintenance <id>`: admin changes that answer with the bot
 * as it is now, printed as one status line (or `--json`, the BotInfo).
 */

type Change = (client: DroverClient, botId: string, deadlineMs: number) => Promise<BotInfoOut>;

async function runChange(
  host: CommandHost,
  cmd: Command,
  botId: string,
  json: boolean,
  change: Change,
): Promise<void> {
  const { rt } = host;
  const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
    const bot = await change(client, botId, UNARY_DEADLINE_MS);
    if (json) await writeJson(rt.stdout, botToJson(bot));
    else await writeLine(rt.stdout, describeBotChange(bot));
    return EXIT.OK;
  });
  host.exitWith(code);
}

export interface MaintenanceOptions {
  on?: boolean;
  off?: boolean;
  message?: string;
  json?: boolean;
}

export function registerBotState(bot: Command, host: CommandHost): void {
  bot
    .command('quarantine')
    .description('Quarantine a bot: it gets no new task (the running one finishes).')
    .argument('<bot-id>')
    .option('--reason <text>', 'why, shown in drover bots and the bot events')
    .option('--json', 'print the BotInfo as JSON')
    .action((botId: string, opts: { reason?: string; json?: boolean }, cmd: Command) =>
      runChange(host, cmd, botId, opts.json === true, (client, id, deadlineMs) =>
        client.quarantineBot(id, opts.reason ?? '', { deadlineMs }),
      ),
    );

  bot
    .command('unquarantine')
    .description('Take a bot out of quarantine: it gets tasks again.')
    .argument('<bot-id>')
    .option('--json', 'print the BotInfo as JSON')
    .action((botId: string, opts: { json?: boolean }, cmd: Command) =>
      runChange(host, cmd, botId, opts.json === true, (client, id, deadlineMs) =>
        client.unquarantineBot(id, { deadlineMs }),
      ),
    );

  bot
    .command('maintenance')
    .description('Put a bot in maintenance (--on: no new task) or take it out (--off).')
    .argument('<bot-id>')
    .addOption(new Option('--on', 'put it in maintenance').conflicts('off'))
    .addOption(new Option('--off', 'take it out of maintenance').conflicts('message'))
    .option('--message <text>', 'with --on: what is going on, for people')
    .option('--json', 'print the BotInfo as JSON')
    .action(async (botId: string, opts: MaintenanceOptions, cmd: Command) => {
      if (opts.on !== true && opts.off !== true) {
        await printError(host.rt, 'give --on or --off: drover bot maintenance <bot-id> --on|--off');
        host.exitWith(EXIT.USAGE);
        return;
      }
      await runChange(host, cmd, botId, opts.json === true, (client, id, deadlineMs) =>
        client.setMaintenance(id, opts.on === true, opts.message ?? '', { deadlineMs }),
      );
    });
}
