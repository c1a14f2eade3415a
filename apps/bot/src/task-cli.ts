import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSingleExecutable } from '@drover/protocol';

/**
 * Every task gets the `drover` CLI: `DROVER_CLI=<bot dir>/bin/drover` in its environment and
 * `<bot dir>/bin` at the front of its PATH (task-env.ts), so that a payload can run graph
 * commands without anything installed or set up. The bot (re)makes that file at each start:
 *
 * - a released drover-bot (one executable): a symlink to itself, which runs the CLI when it is
 *   invoked under the name `drover` (the release bundles both: tools/src/packaging);
 * - a bot run from a checkout: a `#!/bin/sh` script running `<node> <repo>/apps/cli/bin/drover.js`.
 *
 * Bot code run by the launcher (update/) has no CLI beside it: its tasks get none.
 * `<bot dir>/bin` is 0755 and the script 0755: a task user (task-user.ts) may run it, not change
 * it. Nothing secret is in it.
 */

/** What `<bot dir>/bin/drover` is. */
export type TaskCliSource =
  | { readonly kind: 'executable'; readonly target: string }
  | { readonly kind: 'script'; readonly node: string; readonly cliBin: string };

/** The multi-call name: the released drover-bot runs the CLI when invoked as this. */
export const DROVER_CLI_NAME = 'drover';

/** `<botDir>/bin`, the dir put first on a task's PATH. */
export function taskCliDir(botDir: string): string {
  return path.join(botDir, 'bin');
}

/**
 * Where this bot's CLI comes from: its own executable when released, the checkout's
 * apps/cli/bin/drover.js when run from sources; undefined for bundled bot code (no CLI there).
 */
export function taskCliSource(moduleUrl: string = import.meta.url): TaskCliSource | undefined {
  if (isSingleExecutable()) return { kind: 'executable', target: process.execPath };
  const file = fileURLToPath(moduleUrl);
  // Bundled, this module is part of drover-bot.js: not in a checkout.
  if (!file.endsWith(path.join('apps', 'bot', 'src', 'task-cli.ts'))) return undefined;
  const cliBin = path.resolve(path.dirname(file), '..', '..', 'cli', 'bin', 'drover.js');
  return existsSync(cliBin) ? { kind: 'script', node: process.execPath, cliBin } : undefined;
}

/** The checkout's script: exec's node on the CLI's launcher with the task's arguments. */
export function cliScript(node: string, cliBin: string): string {
  return [
    '#!/bin/sh',
    "# The drover CLI for this bot's tasks (DROVER_CLI), made by drover-bot at its start.",
    `exec ${shellQuote(node)} ${shellQuote(cliBin)} "$@"`,
    '',
  ].join('\n');
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Makes `<botDir>/bin/drover` from `source`, replacing what was there in one rename (a task of a
 * previous run never sees half a file); returns its path.
 */
export async function installTaskCli(botDir: string, source: TaskCliSource): Promise<string> {
  const dir = taskCliDir(botDir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  // Whatever the umask or an older dir's mode: the task user must be able to enter it.
  await chmod(dir, 0o755);
  const file = path.join(dir, DROVER_CLI_NAME);
  const tmp = path.join(dir, `.${DROVER_CLI_NAME}.tmp-${process.pid}`);
  await rm(tmp, { force: true });
  try {
    if (source.kind === 'executable') {
      await symlink(source.target, tmp);
    } else {
      await writeFile(tmp, cliScript(source.node, source.cliBin), { mode: 0o755 });
      await chmod(tmp, 0o755);
    }
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}
