import type { Command } from 'commander';
import type { DroverClient } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  write,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT } from './exit-codes';

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
 * Writes the output as it arrives (StreamOutput) until the task is final and all of it was sent.
 * Chunks are placed by offset: a repeated range is skipped, a missing one fetched.
 */
export async function followOutput(
  client: DroverClient,
  rt: Runtime,
  taskId: string,
): Promise<number> {
  let offset = 0;
  for await (const chunk of client.streamOutput(taskId, 0)) {
    if (chunk.offset > offset) {
      const gap = await client.getStdout(taskId, offset, chunk.offset - offset, {
        deadlineMs: UNARY_DEADLINE_MS,
      });
      await write(rt.stdout, gap.output);
      offset += gap.output.length;
    }
    const end = chunk.offset + chunk.output.length;
    if (end > offset && chunk.offset <= offset) {
      await write(rt.stdout, chunk.output.subarray(offset - chunk.offset));
      offset = end;
    }
  }
  return offset;
}

export function registerLogs(program: Command, host: CommandHost): void {
  program
    .command('logs')
    .description("Write a task's output (stdout and stderr combined) to stdout, byte for byte.")
    .argument('<task-id>')
    .option('-f, --follow', 'keep writing new output until the task ends')
    .action(async (taskId: string, opts: { follow?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        if (opts.follow === true) await followOutput(client, rt, taskId);
        else await copyStoredOutput(client, rt, taskId);
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
