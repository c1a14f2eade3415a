import { Option, type Command } from 'commander';
import { resultToJson } from '@drover/client';
import type { StateQueryWire } from '@drover/protocol';
import { STATE_QUERIES, optionParser, parseLimit, parseStateName } from './args';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatTaskTable } from './format';

/** `drover bot tasks`'s options as commander parses them. */
export interface BotTasksOptions {
  state: StateQueryWire;
  limit?: number;
  cursor?: string;
  json?: boolean;
}

/** `drover bot tasks <id>`: one page of the tasks the bot ran, newest first, like `drover tasks`. */
export function registerBotTasks(bot: Command, host: CommandHost): void {
  bot
    .command('tasks')
    .description('List the tasks a bot ran or runs, newest first (one page).')
    .argument('<bot-id>')
    .addOption(
      new Option(
        '--state <state>',
        `only tasks in this state: ${Object.keys(STATE_QUERIES).join(', ')}`,
      )
        .argParser(optionParser(parseStateName))
        .default('QUERY_ALL', 'all'),
    )
    .option('--limit <n>', 'tasks per page, 1-1000 (server default 100)', optionParser(parseLimit))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'one TaskResult per line as canonical JSON (docs/json.md), for jq')
    .action(async (botId: string, opts: BotTasksOptions, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const page = await client.listBotTasks(
          { bot_id: botId, state: opts.state, limit: opts.limit ?? 0, cursor: opts.cursor ?? '' },
          { deadlineMs: UNARY_DEADLINE_MS },
        );
        if (opts.json === true) {
          for (const result of page.items) await writeJson(rt.stdout, resultToJson(result));
        } else if (page.items.length > 0) {
          await writeLine(rt.stdout, formatTaskTable(page.items));
        } else {
          await writeLine(rt.stderr, `no tasks of bot ${botId} match`);
        }
        if (page.cursor !== '') {
          await writeLine(
            rt.stderr,
            `more tasks: add --cursor ${page.cursor} to the same command for the next page`,
          );
        }
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
