import type { Command } from 'commander';
import { botDimensionsToJson } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatBotDimensions } from './format';

/** `drover bots dimensions [--pool P]`: every dimension key bots report, with its values. */
export function registerBotDimensions(bots: Command, host: CommandHost): void {
  bots
    .command('dimensions')
    .description('List the dimensions the bots report: each key and every value seen.')
    .option('--pool <pool>', 'only bots of this pool')
    .option('--json', 'print the GetBotDimensionsResponse as JSON')
    .action(async (opts: { pool?: string; json?: boolean }, cmd: Command) => {
      const { rt } = host;
      // `bots` has a --json of its own, which commander gives `bots dimensions --json` to.
      const all = cmd.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const json = opts.json === true || all.json === true;
      const code = await withClient(rt, all, async (client) => {
        const response = await client.getBotDimensions(opts.pool ?? '', {
          deadlineMs: UNARY_DEADLINE_MS,
        });
        if (json) await writeJson(rt.stdout, botDimensionsToJson(response));
        else if (response.bots_dimensions.length > 0)
          await writeLine(rt.stdout, formatBotDimensions(response));
        else await writeLine(rt.stderr, 'no bots');
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
