import type { Command } from 'commander';
import { followOutput } from '@drover/client';
import type { DroverClient } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  write,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT, exitCodeForResult } from './exit-codes';

/** Writes the output stored so far, page by page (GetStdout); returns the offset reached. */
export async function copyStoredOutput(
  client: DroverClient,
  rt: Runtime,
  taskId: string,
): Promise<number> {
  let offset = 0;
  for (;;) {
    const page = await client.getStdout(taskId, offset, 0, { deadlineMs: UNARY_DEADLINE_MS });
    if (page.output.length === 0) return offset;
    await write(rt.stdout, page.output);
    offset += page.output.length;
    if (offset >= page.size) return offset;
  }
}

/**
 * Writes the output as it arrives (StreamOutput, in order: `followOutput` of @drover/client)
 * until the task is final and all of it was sent; then, as `drover wait` does, returns the exit
 * code for the task's final state.
 */
export async function followTaskOutput(
  client: DroverClient,
  rt: Runtime,
  taskId: string,
): Promise<number> {
  for await (const bytes of followOutput(client, taskId, { deadlineMs: UNARY_DEADLINE_MS }))
    await write(rt.stdout, bytes);
  const result = await client.getResult(taskId, { deadlineMs: UNARY_DEADLINE_MS });
  return exitCodeForResult(result) ?? EXIT.RPC_ERROR;
}

export function registerLogs(program: Command, host: CommandHost): void {
  program
    .command('logs')
    .description("Write a task's output (stdout and stderr combined) to stdout, byte for byte.")
    .argument('<task-id>')
    .option(
      '-f, --follow',
      'keep writing new output until the task ends, then exit with its code (as drover wait)',
    )
    .action(async (taskId: string, opts: { follow?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        if (opts.follow === true) return followTaskOutput(client, rt, taskId);
        await copyStoredOutput(client, rt, taskId);
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
