import { statSync } from 'node:fs';

/**
 * The bot dir is the bot's alone (0700: task work dirs, output, caches) and its token file 0600.
 * Both are created so whatever the umask; what already exists is not changed but checked at
 * start, and a wider mode is a warning. With a task user (task-user.ts) the bot dir is 0711
 * instead: the task user may pass through it to its own dirs, never list it.
 */

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** The bot dir, and its w/, out/ and tmp/, when payloads run as a task user. */
export const TRAVERSE_ONLY_DIR_MODE = 0o711;

/** `path`'s mode as `ls` says it (`0755`) when it exists and grants more than `wanted`. */
export function widerMode(path: string, wanted: number): string | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  return (mode & ~wanted) === 0 ? undefined : `0${mode.toString(8)}`;
}
