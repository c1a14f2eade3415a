import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A file an installer writes. */
export interface InstallFile {
  /** Absolute path. */
  readonly path: string;
  /** Permission bits it gets (0o644, 0o600). */
  readonly mode: number;
  readonly content: string;
}

export type WriteOutcome =
  | { readonly kind: 'written' }
  | { readonly kind: 'exists'; readonly paths: readonly string[] }
  | { readonly kind: 'failed'; readonly path: string; readonly code: string };

/** Paths of `files` that exist already. */
export async function existingFiles(files: readonly InstallFile[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    try {
      await stat(file.path);
      found.push(file.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') found.push(file.path);
    }
  }
  return found;
}

/**
 * Writes `files` in order, making their directories. Refuses, writing nothing, when one exists
 * and `force` is not set; a file that appears meanwhile is still not overwritten (`wx`).
 */
export async function writeInstallFiles(
  files: readonly InstallFile[],
  force: boolean,
): Promise<WriteOutcome> {
  if (!force) {
    const exists = await existingFiles(files);
    if (exists.length > 0) return { kind: 'exists', paths: exists };
  }
  for (const file of files) {
    try {
      await mkdir(path.dirname(file.path), { recursive: true, mode: 0o755 });
      await writeFile(file.path, file.content, { mode: file.mode, flag: force ? 'w' : 'wx' });
      // The mode given to writeFile is masked by the umask, and ignored for a file that existed.
      await chmod(file.path, file.mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (code === 'EEXIST') return { kind: 'exists', paths: [file.path] };
      return { kind: 'failed', path: file.path, code };
    }
  }
  return { kind: 'written' };
}

/** Why `files` may not be written (some exist, and no --force), or undefined. Writes nothing. */
export async function refuseExisting(
  files: readonly InstallFile[],
  force: boolean,
): Promise<string | undefined> {
  if (force) return undefined;
  const exists = await existingFiles(files);
  return exists.length > 0 ? existsMessage(exists) : undefined;
}

/** What went wrong in a write, for the operator, naming the file; undefined when all was written. */
export function writeProblem(outcome: WriteOutcome): string | undefined {
  switch (outcome.kind) {
    case 'written':
      return undefined;
    case 'exists':
      return existsMessage(outcome.paths);
    case 'failed':
      return (
        `cannot write ${outcome.path} (${outcome.code})` +
        (outcome.code === 'EACCES' || outcome.code === 'EPERM'
          ? '; run as root, or see what it would write with --dry-run'
          : '')
      );
  }
}

function existsMessage(paths: readonly string[]): string {
  return `${paths.join(' and ')} already exist${paths.length === 1 ? 's' : ''}; add --force to overwrite`;
}
