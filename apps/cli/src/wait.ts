import type { Command } from 'commander';
import { isTerminalState, resultToJson } from '@drover/client';
import type { DroverClient, TaskResultOut, TaskStateWire } from '@drover/client';
import {
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT, exitCodeForResult } from './exit-codes';
import { describeState } from './format';

/**
 * Follows a task to its end: each new state on stderr for people, or with `json` each result as
 * one JSON line on stdout. Returns the exit code for the final state.
 */
export async function waitForTask(
  client: DroverClient,
  rt: Runtime,
  taskId: string,
  opts: { json?: boolean },
): Promise<number> {
  let lastState: TaskStateWire | undefined;
  let final: TaskResultOut | undefined;
  for await (const result of client.waitTask(taskId)) {
    if (opts.json === true) await writeJson(rt.stdout, resultToJson(result));
    else if (result.state !== lastState) await writeLine(rt.stderr, describeState(result));
    lastState = result.state;
    if (isTerminalState(result.state)) final = result;
  }
  if (final === undefined) {
    await printError(
      rt,
      `the coordinator at ${client.server} ended the wait before task ${taskId} was final`,
    );
    return EXIT.RPC_ERROR;
  }
  return exitCodeForResult(final) ?? EXIT.RPC_ERROR;
}

export function registerWait(program: Command, host: CommandHost): void {
  program
    .command('wait')
    .description(
      "Wait for a task to end; exits with the task's exit code (table in drover --help).",
    )
    .argument('<task-id>')
    .option('--json', 'print every result as one JSON line on stdout')
    .action(async (taskId: string, opts: { json?: boolean }, cmd: Command) => {
      const { rt } = host;
      host.exitWith(
        await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), (client) =>
          waitForTask(client, rt, taskId, opts),
        ),
      );
    });
}
