import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InstallFile } from './render-install';

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
