// A directory as an input tree (docs/cas.md): its regular files hashed as they are read, their
// executable bits, symlinks that stay inside, empty directories — and the tree built from them
// with libs/protocol's treeBlob, whose digest is what `--input-digest` and cas_input_root name.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TREE_LIMITS,
  badTreePath,
  symlinkLanding,
  treeBlob,
  type Tree,
  type TreeFile,
  type TreeSymlink,
} from '@drover/protocol';

/** A file found by the walk, before it is hashed. */
export interface WalkedFile {
  /** Its tree path (`/`-separated, relative to the root). */
  readonly path: string;
  /** Where it is on this machine. */
  readonly abs: string;
  readonly size: number;
  readonly executable: boolean;
}

export interface Walked {
  readonly files: readonly WalkedFile[];
  readonly symlinks: readonly TreeSymlink[];
  /** Directories that hold nothing. */
  readonly dirs: readonly string[];
}

/** A directory that cannot be a tree; the message names the path at fault. */
export class TreeWalkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeWalkError';
  }
}

const kindOf = (s: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean }): string =>
  s.isFIFO()
    ? 'a named pipe'
    : s.isSocket()
      ? 'a socket'
      : s.isBlockDevice()
        ? 'a block device'
        : 'a character device';

/**
 * The entries of the directory `root`: regular files (their sizes and executable bits), symlinks
 * (refused, naming the path, when the target is absolute or leaves the tree) and empty
 * directories. Any other kind of file is refused. A walk never yields `..`: names come from
 * readdir; any name that is not a tree path segment (a backslash) is refused too.
 */
export async function walkDir(root: string): Promise<Walked> {
  let top;
  try {
    top = await stat(root);
  } catch (err) {
    throw new TreeWalkError(`${root}: ${(err as Error).message}`);
  }
  if (!top.isDirectory()) throw new TreeWalkError(`${root}: not a directory`);
  const files: WalkedFile[] = [];
  const symlinks: TreeSymlink[] = [];
  const dirs: string[] = [];
  let entries = 0;
  const visit = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort();
    if (names.length === 0 && rel !== '') dirs.push(rel);
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(abs, name);
      const bad = badTreePath(path);
      if (bad !== undefined) throw new TreeWalkError(`${full}: cannot be in a tree: ${bad}`);
      if (++entries > TREE_LIMITS.entries)
        throw new TreeWalkError(`${root}: more than ${TREE_LIMITS.entries} entries`);
      const s = await lstat(full);
      if (s.isDirectory()) {
        await visit(full, path);
      } else if (s.isFile()) {
        files.push({ path, abs: full, size: s.size, executable: (s.mode & 0o111) !== 0 });
      } else if (s.isSymbolicLink()) {
        const target = await readlink(full);
        if (target.startsWith('/'))
          throw new TreeWalkError(
            `${full}: symlink to the absolute path ${JSON.stringify(target)}: ` +
              'only relative symlinks that stay inside the directory can be uploaded',
          );
        if (symlinkLanding(path, target) === undefined)
          throw new TreeWalkError(
            `${full}: symlink to ${JSON.stringify(target)} leaves the directory: ` +
              'only relative symlinks that stay inside it can be uploaded',
          );
        symlinks.push({ path, target });
      } else {
        throw new TreeWalkError(`${full}: ${kindOf(s)}: only files, directories and symlinks`);
      }
    }
  };
  try {
    await visit(root, '');
  } catch (err) {
    if (err instanceof TreeWalkError) throw err;
    throw new TreeWalkError(`${root}: ${(err as Error).message}`);
  }
  return { files, symlinks, dirs };
}

/** The SHA-256 (hex) and size of a file, read as a stream; `onBytes` sees each chunk's size. */
export async function hashFile(
  abs: string,
  onBytes?: (n: number) => void,
): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(abs, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes?.((chunk as Buffer).length);
  }
  return { hash: hash.digest('hex'), size };
}

/** Runs `fn` over `items`, at most `parallel` at a time, results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}

/** A blob to upload: where its bytes are (a file, or the tree listing itself). */
export type BlobSource =
  | { readonly hash: string; readonly size: number; readonly file: string }
  | { readonly hash: string; readonly size: number; readonly bytes: Buffer };

export interface DirTree {
  readonly tree: Tree;
  /** The tree's listing and digest. */
  readonly blob: { text: string; hash: string; size: number };
  /** Every blob of the tree once (files of the same content share one), the listing last. */
  readonly blobs: readonly BlobSource[];
  /** Bytes of the files (each file counted, duplicates too). */
  readonly fileBytes: number;
}

/**
 * Walks `root`, hashes its files (4 at a time) and builds its tree. `progress` is told the bytes
 * to hash once the walk knows them, then each chunk hashed.
 */
export async function dirTree(
  root: string,
  progress?: (total: number) => { add(n: number): void; finish(): void },
): Promise<DirTree> {
  const walked = await walkDir(root);
  const shown = progress?.(walked.files.reduce((n, f) => n + f.size, 0));
  let hashed: TreeFile[];
  try {
    hashed = await mapLimit(walked.files, 4, async (f): Promise<TreeFile> => {
      const { hash, size } = await hashFile(f.abs, (n) => shown?.add(n));
      return { path: f.path, hash, size, executable: f.executable };
    });
  } finally {
    shown?.finish();
  }
  const tree: Tree = { files: hashed, symlinks: walked.symlinks, dirs: walked.dirs };
  const blob = treeBlob(tree);
  const blobs = new Map<string, BlobSource>();
  let fileBytes = 0;
  hashed.forEach((f, i) => {
    fileBytes += f.size;
    const abs = walked.files[i]?.abs ?? '';
    if (!blobs.has(f.hash)) blobs.set(f.hash, { hash: f.hash, size: f.size, file: abs });
  });
  if (!blobs.has(blob.hash))
    blobs.set(blob.hash, { hash: blob.hash, size: blob.size, bytes: Buffer.from(blob.text) });
  return { tree, blob, blobs: [...blobs.values()], fileBytes };
}

/** `<hash>/<size>`, the form `--input-digest` takes and `drover cas upload` prints. */
export const digestText = (d: { hash: string; size: number }): string => `${d.hash}/${d.size}`;

/** `<64 hex>/<size>` → a Digest. */
export function parseDigestText(
  text: string,
): { ok: true; value: { hash: string; size: number } } | { ok: false; message: string } {
  const m = /^([0-9a-f]{64})\/(\d{1,16})$/.exec(text);
  if (m === null)
    return { ok: false, message: 'expected <sha256 hex>/<size>, as drover cas upload prints it' };
  const size = Number(m[2]);
  if (!Number.isSafeInteger(size)) return { ok: false, message: 'size too large' };
  return { ok: true, value: { hash: m[1] ?? '', size } };
}
