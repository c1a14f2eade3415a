import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from './byte-size';

/**
 * What a task left in its DROVER_OUTDIR (issue 10): every regular file below it, with its size
 * and SHA-256, and the decision whether it fits the coordinator's limit. Symbolic links and
 * other special files are not followed nor sent (a link could point anywhere on the bot).
 */

export const DEFAULT_MAX_OUTPUT_FILES_BYTES = 1024 ** 3;

/** The most files TaskFinished may list (the coordinator's limit on `outputs`, docs/limits.md). */
export const MAX_OUTPUT_FILES = 1000;

export interface OutputFileEntry {
  /** Relative to the out dir, `/`-separated. */
  readonly path: string;
  /** Absolute path on the bot. */
  readonly absPath: string;
  readonly size: number;
  /** SHA-256, lower-case hex. */
  readonly digest: string;
}

export interface OutputListing {
  readonly files: readonly OutputFileEntry[];
  readonly totalBytes: number;
  /** Entries left out: symbolic links, sockets, … */
  readonly skipped: readonly string[];
}

/** Walks `outDir` (depth first, names sorted), hashing each regular file. */
export async function listOutputFiles(outDir: string): Promise<OutputListing> {
  const files: OutputFileEntry[] = [];
  const skipped: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const relPath = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(abs, relPath);
      else if (e.isFile()) {
        const { size } = await lstat(abs);
        files.push({ path: relPath, absPath: abs, size, digest: await sha256File(abs) });
      } else skipped.push(relPath);
    }
  };
  await walk(outDir, '');
  return { files, totalBytes: files.reduce((n, f) => n + f.size, 0), skipped };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export type OutputPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'upload'; readonly files: readonly OutputFileEntry[] }
  /** Over the limit: nothing is uploaded, the result says so. */
  | { readonly kind: 'over-limit'; readonly note: string };

/** What to do with a listing under a limit of `maxBytes` (all or nothing). Pure. */
export function planOutputs(listing: OutputListing, maxBytes: number): OutputPlan {
  if (listing.files.length === 0) return { kind: 'none' };
  if (listing.files.length > MAX_OUTPUT_FILES) {
    return {
      kind: 'over-limit',
      note: `outputs truncated: ${listing.files.length} files is over the limit of ${MAX_OUTPUT_FILES} files; none was uploaded`,
    };
  }
  if (listing.totalBytes <= maxBytes) return { kind: 'upload', files: listing.files };
  return {
    kind: 'over-limit',
    note:
      `outputs truncated: ${formatBytes(listing.totalBytes)} in ${listing.files.length} ` +
      `file(s) is over the limit of ${formatBytes(maxBytes)}; none was uploaded`,
  };
}
