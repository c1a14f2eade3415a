import type { Command } from 'commander';
import type { DroverClient } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';

/**
 * The action of a "show one thing" command (`result`, `bot show`): fetch it, then print it as
 * canonical JSON (`--json`, docs/json.md) or as a block for people; exits 0 when the call worked.
 */
export function showOneAction<T>(
  host: CommandHost,
  fetch: (client: DroverClient, id: string, deadlineMs: number) => Promise<T>,
  toJson: (item: T) => unknown,
  describe: (item: T) => string,
): (id: string, opts: { json?: boolean }, cmd: Command) => Promise<void> {
  return async (id, opts, cmd) => {
    const { rt } = host;
    const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
      const item = await fetch(client, id, UNARY_DEADLINE_MS);
      if (opts.json === true) await writeJson(rt.stdout, toJson(item));
      else await writeLine(rt.stdout, describe(item));
      return EXIT.OK;
    });
    host.exitWith(code);
  };
}
