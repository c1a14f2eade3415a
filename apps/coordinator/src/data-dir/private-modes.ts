import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config';

/**
 * The data dir is the coordinator's alone (0700) and every file in it that holds a secret or
 * task data — the database, tokens, the webhook secret — is 0600, whatever the umask: they are
 * created so (mode bits a umask can only take away). What already exists is not changed (an
 * operator may have widened it on purpose) but checked at start, and a wider mode is a warning.
 */

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** A path other users may read (or enter). */
export interface WiderMode {
  readonly path: string;
  readonly kind: 'dir' | 'file';
  /** Octal, as `ls` would tell it: `0755`. */
  readonly mode: string;
  readonly wanted: string;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Creates `dir` (0700, its missing parents too) when missing; an existing one wider than 0700 is returned. */
export function ensurePrivateDir(dir: string): WiderMode | undefined {
  if (mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined) return undefined;
  return wider(dir, 'dir', PRIVATE_DIR_MODE);
}

/** Those of `files` that exist with a mode wider than 0600. */
export function widerFiles(files: readonly string[]): WiderMode[] {
  return files
    .map((file) => wider(file, 'file', PRIVATE_FILE_MODE))
    .filter((w): w is WiderMode => w !== undefined);
}

/** The files of a coordinator that must be 0600: the SQLite files, tokens, the webhook secret. */
export function coordinatorPrivateFiles(config: CoordinatorConfig): string[] {
  const tokensDir = dirname(config.tokensFile);
  const store = config.store;
  return [
    ...(store.kind === 'sqlite' ? ['', '-wal', '-shm'].map((end) => `${store.path}${end}`) : []),
    config.tokensFile,
    join(tokensDir, 'client.token'),
    join(tokensDir, 'bot.token'),
    config.webhooks.secretFile,
  ];
}

/** One warning per path, saying what to run. */
export function warnWiderModes(log: Logger, found: readonly WiderMode[]): void {
  for (const w of found) {
    log.warn(
      {
        path: w.path,
        kind: w.kind,
        mode: w.mode,
        wanted: w.wanted,
        fix: `chmod ${w.wanted.slice(1)} ${w.path}`,
      },
      'other users may read this coordinator path',
    );
  }
}

function wider(path: string, kind: WiderMode['kind'], wanted: number): WiderMode | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o777 & ~wanted) === 0) return undefined;
  return { path, kind, mode: octal(mode), wanted: octal(wanted) };
}
