import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Files under `dir`, relative, `/`-separated, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    out.push(path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  }
  return out.sort();
}
