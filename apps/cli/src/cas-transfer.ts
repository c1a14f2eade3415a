// Moving trees to and from the CAS: `drover cas upload` / `submit --input` (walk, hash, ask
// FindMissing, upload only what is missing) and `drover cas download` / `reproduce` (fetch the
// tree and its blobs, verify each, lay them out), with progress on stderr for large transfers.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { TREE_LIMITS, parseTree, type Tree } from '@drover/protocol';
import { CAS_LIMITS, type BlobDigest, type CasApi } from './cas-client';
import { TreeWalkError, digestText, dirTree, mapLimit, type BlobSource } from './cas-walk';

/** Bytes per Upload call beyond which the next blob goes in a new call (a larger blob alone). */
export const UPLOAD_CALL_BYTES = 64 * 1024 * 1024;

/** Transfers at least this large show progress. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** `12.3 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Bytes done of a total on stderr: on a terminal one line redrawn (at most 10 times a second),
 * otherwise a line every `intervalMs`. Nothing for a total under PROGRESS_MIN_BYTES.
 */
export class Progress {
  #done = 0;
  #last = 0;
  #drawn = false;
  readonly #tty: boolean;

  constructor(
    private readonly stream: Writable,
    private readonly verb: string,
    private readonly total: number,
    private readonly opts: { intervalMs?: number; now?: () => number; minBytes?: number } = {},
  ) {
    this.#tty = (stream as { isTTY?: boolean }).isTTY === true;
    this.#last = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private get shown(): boolean {
    return this.total >= (this.opts.minBytes ?? PROGRESS_MIN_BYTES);
  }

  line(): string {
    const pct = this.total === 0 ? 100 : Math.floor((this.#done / this.total) * 100);
    return `${this.verb} ${formatBytes(this.#done)} / ${formatBytes(this.total)} (${pct}%)`;
  }

  add(bytes: number): void {
    this.#done += bytes;
    if (!this.shown) return;
    const now = this.now();
    const every = this.#tty ? 100 : (this.opts.intervalMs ?? 3000);
    if (now - this.#last < every) return;
    this.#last = now;
    this.draw();
  }

  private draw(): void {
    if (this.#tty) {
      this.stream.write(`\r\x1b[K${this.line()}`);
      this.#drawn = true;
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  /** Clears the redrawn line (a terminal) so that the summary replaces it. */
  finish(): void {
    if (this.#drawn) this.stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}

export interface UploadSummary {
  /** The tree's digest: cas_input_root. */
  readonly digest: BlobDigest;
  readonly files: number;
  readonly symlinks: number;
  readonly dirs: number;
  /** Blobs of the tree (each content once, the listing included) and their bytes. */
  readonly blobs: number;
  readonly bytes: number;
  /** What FindMissing said the CAS lacked, and so was uploaded. */
  readonly uploadedBlobs: number;
  readonly uploadedBytes: number;
}

/** The summary's one line for people (stderr). */
export function uploadSummaryLine(s: UploadSummary): string {
  return (
    `input ${digestText(s.digest)}: ${s.files} files, ${formatBytes(s.bytes)} in ${s.blobs} blobs; ` +
    `uploaded ${s.uploadedBlobs} blobs, ${s.uploadedBytes} bytes ` +
    `(${s.blobs - s.uploadedBlobs} already stored)`
  );
}

/** The summary as `drover cas upload --json` prints it (int64 as strings, docs/json.md). */
export function uploadSummaryJson(s: UploadSummary): Record<string, unknown> {
  return {
    digest: { hash: s.digest.hash, size_bytes: String(s.digest.size) },
    input_digest: digestText(s.digest),
    files: s.files,
    symlinks: s.symlinks,
    dirs: s.dirs,
    blobs: s.blobs,
    bytes: String(s.bytes),
    uploaded_blobs: s.uploadedBlobs,
    uploaded_bytes: String(s.uploadedBytes),
  };
}

/** Groups blobs into Upload calls: ≤ CAS_LIMITS.uploadBlobs each, ≤ UPLOAD_CALL_BYTES unless one. */
export function uploadBatches<T extends { size: number }>(blobs: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const b of blobs) {
    if (
      current.length > 0 &&
      (current.length >= CAS_LIMITS.uploadBlobs || bytes + b.size > UPLOAD_CALL_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(b);
    bytes += b.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Sends one blob as chunks of ≤ 1 MiB, checking that a file still has the bytes it was hashed with. */
async function sendBlob(
  blob: BlobSource,
  send: (chunk: {
    digest: { hash: string; size_bytes: number };
    offset: number;
    data: Buffer;
  }) => Promise<void>,
  progress: Progress,
): Promise<void> {
  const digest = { hash: blob.hash, size_bytes: blob.size };
  if ('bytes' in blob) {
    let offset = 0;
    do {
      const data = blob.bytes.subarray(offset, offset + CAS_LIMITS.chunkBytes);
      await send({ digest, offset, data });
      offset += data.length;
      progress.add(data.length);
    } while (offset < blob.bytes.length);
    return;
  }
  const hash = createHash('sha256');
  let offset = 0;
  if (blob.size === 0) await send({ digest, offset: 0, data: Buffer.alloc(0) });
  for await (const chunk of createReadStream(blob.file, { highWaterMark: CAS_LIMITS.chunkBytes })) {
    const data = chunk as Buffer;
    hash.update(data);
    if (offset + data.length > blob.size) break;
    await send({ digest, offset, data });
    offset += data.length;
    progress.add(data.length);
  }
  if (offset !== blob.size || hash.digest('hex') !== blob.hash)
    throw new TreeWalkError(`${blob.file}: changed while it was uploaded; upload again`);
}

/**
 * Uploads the tree of `root`: walks and hashes it, asks FindMissing about every blob and the
 * listing, and uploads only the missing ones (files first, the listing last).
 */
export async function uploadDir(
  cas: CasApi,
  root: string,
  stderr: Writable,
): Promise<UploadSummary> {
  const t = await dirTree(root, (total) => new Progress(stderr, 'hashing', total));
  const missing = new Set(
    (await cas.findMissing(t.blobs.map((b) => ({ hash: b.hash, size: b.size })))).map(
      (d) => d.hash,
    ),
  );
  const toSend = t.blobs.filter((b) => missing.has(b.hash));
  const total = toSend.reduce((n, b) => n + b.size, 0);
  const progress = new Progress(stderr, 'uploading', total);
  try {
    for (const batch of uploadBatches(toSend)) {
      await cas.upload(async (send) => {
        for (const blob of batch) await sendBlob(blob, send, progress);
      });
    }
  } finally {
    progress.finish();
  }
  return {
    digest: { hash: t.blob.hash, size: t.blob.size },
    files: t.tree.files.length,
    symlinks: t.tree.symlinks.length,
    dirs: t.tree.dirs.length,
    blobs: t.blobs.length,
    bytes: t.blobs.reduce((n, b) => n + b.size, 0),
    uploadedBlobs: toSend.length,
    uploadedBytes: total,
  };
}

/** A blob that is not what its digest says. */
export class BlobMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobMismatchError';
  }
}

/**
 * A blob's chunks as the CAS sends them, in order, checked as they come (offsets, no more than
 * its size) and at the end (size and SHA-256): a BlobMismatchError before the last chunk is
 * taken as good.
 */
async function* verifiedChunks(cas: CasApi, digest: BlobDigest): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of cas.download(digest)) {
    if (chunk.offset !== size)
      throw new BlobMismatchError(
        `${digestText(digest)}: chunk at ${chunk.offset}, expected ${size}`,
      );
    size += chunk.data.length;
    if (size > digest.size) break;
    hash.update(chunk.data);
    yield chunk.data;
  }
  const got = hash.digest('hex');
  if (size !== digest.size || got !== digest.hash)
    throw new BlobMismatchError(
      `${digestText(digest)}: the CAS sent ${size} bytes with SHA-256 ${got}, not this blob`,
    );
}

/** Downloads a blob into memory, verified (for the tree listing). */
export async function downloadBlob(cas: CasApi, digest: BlobDigest): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const data of verifiedChunks(cas, digest)) parts.push(data);
  return Buffer.concat(parts);
}

/** Streams a blob to `target` through a temp file beside it, verified before the rename. */
async function downloadBlobTo(
  cas: CasApi,
  digest: BlobDigest,
  target: string,
  progress: Progress,
): Promise<void> {
  const partial = `${target}.drover-partial`;
  const out = createWriteStream(partial, { flags: 'wx' });
  try {
    for await (const data of verifiedChunks(cas, digest)) {
      progress.add(data.length);
      if (!out.write(data)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(partial, target);
  } finally {
    out.destroy();
    await rm(partial, { force: true });
  }
}

/** Made if missing; refused when it exists and holds anything, or is no directory. */
export async function emptyDir(dir: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!s.isDirectory()) throw new TreeWalkError(`${dir}: not a directory`);
  if ((await readdir(dir)).length > 0) throw new TreeWalkError(`${dir}: not empty`);
}

export interface DownloadSummary {
  readonly tree: Tree;
  readonly blobs: number;
  readonly bytes: number;
}

/** Modes of laid-out files: the bot makes them read-only; here they are the user's to edit. */
const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;

/**
 * Lays out the tree `digest` under `dir` (made if missing; refused unless empty): its listing
 * fetched and read (parseTree), each distinct blob fetched once (4 at a time) and verified
 * (size and SHA-256) before it takes its path, copies for the other paths of the same content,
 * files 0644 / 0755, empty dirs, then the symlinks (last: nothing is written through one).
 */
export async function downloadTree(
  cas: CasApi,
  digest: BlobDigest,
  dir: string,
  stderr: Writable,
): Promise<DownloadSummary> {
  if (digest.size > TREE_LIMITS.bytes)
    throw new TreeWalkError(
      `${digestText(digest)}: larger than a tree can be (${TREE_LIMITS.bytes} bytes)`,
    );
  await emptyDir(dir);
  const listing = await downloadBlob(cas, digest);
  const parsed = parseTree(listing);
  if ('error' in parsed)
    throw new TreeWalkError(`${digestText(digest)} is not a tree: ${parsed.error}`);
  const { tree } = parsed;
  const at = (p: string): string => join(dir, ...p.split('/'));
  for (const d of tree.dirs) await mkdir(at(d), { recursive: true });
  const byHash = new Map<string, Array<{ path: string; executable: boolean; size: number }>>();
  for (const f of tree.files) {
    const list = byHash.get(f.hash) ?? [];
    list.push(f);
    byHash.set(f.hash, list);
  }
  const groups = [...byHash.entries()];
  const total = groups.reduce((n, [, fs]) => n + (fs[0]?.size ?? 0), 0);
  const progress = new Progress(stderr, 'downloading', total);
  try {
    await mapLimit(groups, 4, async ([hash, files]) => {
      const [first, ...rest] = files;
      if (first === undefined) return;
      await mkdir(dirname(at(first.path)), { recursive: true });
      await downloadBlobTo(cas, { hash, size: first.size }, at(first.path), progress);
      await chmod(at(first.path), first.executable ? EXEC_MODE : FILE_MODE);
      for (const f of rest) {
        await mkdir(dirname(at(f.path)), { recursive: true });
        await copyFile(at(first.path), at(f.path));
        await chmod(at(f.path), f.executable ? EXEC_MODE : FILE_MODE);
      }
    });
  } finally {
    progress.finish();
  }
  for (const l of tree.symlinks) {
    await mkdir(dirname(at(l.path)), { recursive: true });
    await symlink(l.target, at(l.path));
  }
  return { tree, blobs: groups.length, bytes: total };
}
