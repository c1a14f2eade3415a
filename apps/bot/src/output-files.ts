import { createHash } from 'node:crypto';
import { closeSync, createReadStream } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '@drover/protocol';
import { openFileInside } from './safe-paths';

/**
 * What a task left in its DROVER_OUTDIR: every regular file below it, with its size
 * and SHA-256, and the decision whether it fits the coordinator's limit. The bot — maybe root —
 * reads files a payload wrote, so a payload must not get it to read anything else
 * (/etc/shadow, the bot's token file): symbolic links and other special files are neither
 * followed nor sent but listed in `skipped` with the reason, directories are entered only when
 * they are directories (not links to one), and each file is opened without following a link
 * (safe-paths.ts openFileInside) and must be a regular file inside the out dir once open.
 */

export const DEFAULT_MAX_OUTPUT_FILES_BYTES = 1024 ** 3;

/** The most files TaskFinished may list (the coordinator's limit on `outputs`, docs/limits.md). */
export const MAX_OUTPUT_FILES = 1000;

export interface OutputFileEntry {
  /** Relative to the out dir, `/`-separated. */
  readonly path: string;
  /** Absolute path on the bot. */
  readonly absPath: string;
  /** The out dir's real path: a file is read only if it is still inside (openFileInside). */
  readonly root: string;
  readonly size: number;
  /** SHA-256, lower-case hex. */
  readonly digest: string;
}

export interface OutputListing {
  readonly files: readonly OutputFileEntry[];
  readonly totalBytes: number;
  /** Entries left out (symbolic links, sockets, …), and why. */
  readonly skipped: readonly SkippedOutput[];
}

export interface SkippedOutput {
  /** Relative to the out dir, `/`-separated. */
  readonly path: string;
  readonly why: string;
}

/** Walks `outDir` (depth first, names sorted), hashing each regular file. */
export async function listOutputFiles(outDir: string): Promise<OutputListing> {
  const files: OutputFileEntry[] = [];
  const skipped: SkippedOutput[] = [];
  let root: string;
  try {
    // The out dir itself is never a link (the bot made it; the task user cannot replace it).
    if (!(await lstat(outDir)).isDirectory()) {
      skipped.push({ path: '.', why: 'DROVER_OUTDIR is not a directory' });
      return { files, totalBytes: 0, skipped };
    }
    root = await realpath(outDir);
  } catch {
    return { files, totalBytes: 0, skipped };
  }
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
      else if (e.isSymbolicLink()) skipped.push({ path: relPath, why: 'a symbolic link' });
      else if (!e.isFile()) skipped.push({ path: relPath, why: 'not a regular file' });
      else {
        const opened = openFileInside(root, abs);
        if (!opened.ok) {
          skipped.push({ path: relPath, why: opened.why });
          continue;
        }
        const digest = await sha256Fd(opened.fd);
        files.push({ path: relPath, absPath: abs, root, size: opened.size, digest });
      }
    }
  };
  await walk(root, '');
  return { files, totalBytes: files.reduce((n, f) => n + f.size, 0), skipped };
}

/** SHA-256 of what `fd` holds from its start; closes it. */
export function sha256Fd(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream('', { fd, start: 0, autoClose: true })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (err) => {
        try {
          closeSync(fd);
        } catch {
          // Closed by the stream already.
        }
        reject(err);
      })
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** What `skipped` says in the task's outputs note; '' when nothing was. Pure. */
export function skippedNote(skipped: readonly SkippedOutput[], maxListed = 5): string {
  if (skipped.length === 0) return '';
  const listed = skipped
    .slice(0, maxListed)
    .map((s) => `'${s.path}' (${s.why})`)
    .join(', ');
  const more = skipped.length > maxListed ? ` and ${skipped.length - maxListed} more` : '';
  return `not uploaded from DROVER_OUTDIR, only regular files are: ${listed}${more}`;
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
