import type { Command } from 'commander';
import { resultToJson } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { describeResult } from './format';

export function registerResult(program: Command, host: CommandHost): void {
  program
    .command('result')
    .description("Show a task's result (exits 0 whatever the task's state).")
    .argument('<task-id>')
    .option('--json', 'print the TaskResult as JSON (proto field names)')
    .action(async (taskId: string, opts: { json?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const result = await client.getResult(taskId, { deadlineMs: UNARY_DEADLINE_MS });
        if (opts.json === true) await writeJson(rt.stdout, resultToJson(result));
        else await writeLine(rt.stdout, describeResult(result));
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
