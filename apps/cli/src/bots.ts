import { Option, type Command } from 'commander';
import { botToJson, countBotsToJson } from '@drover/client';
import type { BotInfoOut, ListBotsRequest } from '@drover/client';
import { optionParser, parseDimension, parseLimit, repeatableParser, type KeyValue } from './args';
import { registerBotDelete } from './bot-delete';
import { registerBotDimensions } from './bot-dimensions';
import { registerBotEvents } from './bot-events';
import { registerBotState } from './bot-state';
import { registerBotTasks } from './bot-tasks';
import { registerBotTerminate } from './bot-terminate';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { describeBot, describeBotCounts, formatBotTable } from './format';
import { showOneAction } from './show-one';

/** `drover bots`'s options as commander parses them. */
export interface BotsOptions {
  dimension?: KeyValue[];
  dead?: boolean;
  alive?: boolean;
  quarantined?: boolean;
  busy?: boolean;
  idle?: boolean;
  limit?: number;
  allPages?: boolean;
  json?: boolean;
  count?: boolean;
}

type NullableBoolName = 'NULL' | 'TRUE' | 'FALSE';

/** A pair of opposite flags → NullableBool: `yes` → TRUE, `no` → FALSE, neither → NULL. */
export function triState(yes: boolean | undefined, no: boolean | undefined): NullableBoolName {
  if (yes === true) return 'TRUE';
  if (no === true) return 'FALSE';
  return 'NULL';
}

/** The ListBots request for `drover bots`'s options (no cursor: the first page). */
export function buildBotsRequest(opts: BotsOptions): ListBotsRequest {
  return {
    dimensions: (opts.dimension ?? []).map((d) => ({ key: d.key, value: d.value })),
    is_dead: triState(opts.dead, opts.alive),
    quarantined: triState(opts.quarantined, undefined),
    is_busy: triState(opts.busy, opts.idle),
    in_maintenance: 'NULL',
    limit: opts.limit ?? 0,
    cursor: '',
  };
}

export function registerBots(program: Command, host: CommandHost): void {
  const bots = program
    .command('bots')
    .description('List bots by id (one page unless --all-pages), or count them with --count.')
    .option(
      '-d, --dimension <key=value>',
      'only bots with this dimension, repeatable (all must match; a|b is OR)',
      repeatableParser(parseDimension),
    )
    .addOption(new Option('--dead', 'only dead bots').conflicts('alive'))
    .addOption(new Option('--alive', 'only live bots'))
    .option('--quarantined', 'only quarantined bots')
    .addOption(new Option('--busy', 'only bots running a task').conflicts('idle'))
    .addOption(new Option('--idle', 'only bots running no task'))
    .option('--limit <n>', 'bots per page, 1-1000 (server default 100)', optionParser(parseLimit))
    .option('--all-pages', 'keep fetching pages until there are no more')
    .option('--json', 'one BotInfo per line as canonical JSON (docs/json.md), for jq')
    .addOption(
      new Option(
        '--count',
        'print how many bots match the dimensions: count, busy, quarantined, dead',
      ).conflicts(['limit', 'allPages', 'dead', 'alive', 'quarantined', 'busy', 'idle']),
    )
    .action(async (opts: BotsOptions, cmd: Command) => {
      const { rt } = host;
      const call = { deadlineMs: UNARY_DEADLINE_MS };
      const json = opts.json === true;
      const request = buildBotsRequest(opts);
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        if (opts.count === true) {
          const counts = await client.countBots({ dimensions: request.dimensions }, call);
          if (json) await writeJson(rt.stdout, countBotsToJson(counts));
          else await writeLine(rt.stdout, describeBotCounts(counts));
          return EXIT.OK;
        }
        let bots: BotInfoOut[] = [];
        let more = false;
        if (opts.allPages === true) {
          for await (const bot of client.listAllBots(request, call)) {
            if (json) await writeJson(rt.stdout, botToJson(bot));
            else bots.push(bot);
          }
        } else {
          const page = await client.listBots(request, call);
          bots = page.items;
          more = page.cursor !== '';
        }
        if (json) for (const bot of bots) await writeJson(rt.stdout, botToJson(bot));
        else if (bots.length > 0) await writeLine(rt.stdout, formatBotTable(bots));
        else await writeLine(rt.stderr, 'no bots match');
        if (more) await writeLine(rt.stderr, 'more bots: use --all-pages (or a larger --limit)');
        return EXIT.OK;
      });
      host.exitWith(code);
    });
  registerBotDimensions(bots, host);

  const bot = program.command('bot').description('Look at one bot, or act on it.');
  bot
    .command('show')
    .description('Show every field of a bot and its dimensions.')
    .argument('<bot-id>')
    .option('--json', 'print the BotInfo as canonical JSON (docs/json.md)')
    .action(
      showOneAction(
        host,
        (client, id, deadlineMs) => client.getBot(id, { deadlineMs }),
        botToJson,
        describeBot,
      ),
    );
  registerBotEvents(bot, host);
  registerBotTasks(bot, host);
  registerBotState(bot, host);
  registerBotTerminate(bot, host);
  registerBotDelete(bot, host);
}
