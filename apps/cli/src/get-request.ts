// `drover get-request ID`: the request a task was made from (GetRequest), as JSON with proto
// field names, or with `--yaml` as a task file that `drover submit --file` takes back.
import type { Command } from 'commander';
import { requestToJson } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  write,
  writeJson,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { requestToTaskFile, taskFileCaveats, taskFileYaml } from './task-file-write';

export function registerGetRequest(program: Command, host: CommandHost): void {
  program
    .command('get-request')
    .description(
      'Show the request a task was made from: JSON, or with --yaml a task file for submit --file.',
    )
    .argument('<task-id>')
    .option('--yaml', 'print it as a task file (drover submit --file takes it back)')
    .option(
      '--json',
      'print the TaskRequest as JSON (the default; has_secret_bytes, never the bytes)',
    )
    .action(async (id: string, opts: { yaml?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const request = await client.getRequest(id, { deadlineMs: UNARY_DEADLINE_MS });
        if (opts.yaml !== true) {
          await writeJson(rt.stdout, requestToJson(request));
          return EXIT.OK;
        }
        await write(rt.stdout, taskFileYaml(requestToTaskFile(request)));
        for (const caveat of taskFileCaveats(request)) await printError(rt, caveat);
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
