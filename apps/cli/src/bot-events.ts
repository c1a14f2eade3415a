import type { Command } from 'commander';
import { botEventToJson } from '@drover/client';
import { optionParser, parseLimit } from './args';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatBotEventTable } from './format';

/** `drover bot events`'s options as commander parses them. */
export interface BotEventsOptions {
  limit?: number;
  cursor?: string;
  json?: boolean;
}

/** `drover bot events <id>`: one page of the bot's events, newest first. */
export function registerBotEvents(bot: Command, host: CommandHost): void {
  bot
    .command('events')
    .description('List what happened to a bot, newest first: connects, tasks, admin changes.')
    .argument('<bot-id>')
    .option('--limit <n>', 'events per page, 1-1000 (server default 100)', optionParser(parseLimit))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'one BotEvent per line as canonical JSON (docs/json.md), for jq')
    .action(async (botId: string, opts: BotEventsOptions, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const page = await client.listBotEvents(
          { bot_id: botId, limit: opts.limit ?? 0, cursor: opts.cursor ?? '' },
          { deadlineMs: UNARY_DEADLINE_MS },
        );
        if (opts.json === true) {
          for (const event of page.items) await writeJson(rt.stdout, botEventToJson(event));
        } else if (page.items.length > 0) {
          await writeLine(rt.stdout, formatBotEventTable(page.items));
        } else {
          await writeLine(rt.stderr, `no events of bot ${botId}`);
        }
        if (page.cursor !== '') {
          await writeLine(
            rt.stderr,
            `more events: drover bot events ${botId} --cursor ${page.cursor}` +
              (opts.limit === undefined ? '' : ` --limit ${opts.limit}`),
          );
        }
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
