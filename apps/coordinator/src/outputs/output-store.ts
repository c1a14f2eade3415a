import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The coordinator's content-addressed storage (CAS): task inputs (service Cas) and output files
 * on disk, by content: `<root>/sha256/ab/<hex>`, where `ab` is the first two hex digits. A file is
 * written to `<root>/tmp/` first, hashed as it is written, and renamed into place only when its
 * SHA-256 and size are what the sender announced: a blob is complete or absent, and equal content
 * is kept once. With PostgreSQL, every replica must see the same root (a shared `--cas-dir`).
 * What the store records of the blobs (uploaders, references, touch times) is in cas/.
 */

export const DIGEST_RE = /^[0-9a-f]{64}$/;

export type CommitOutcome = 'stored' | 'digest-mismatch' | 'size-mismatch';

/** Uploads remembered for tasks that have not reported their end yet (oldest dropped first). */
const MAX_RECEIPTS = 10_000;

export class OutputStore {
  /**
   * (task, lease) → the digests its bot uploaded here. A TaskFinished may list only these: a
   * blob stored for another task (by digest) cannot be claimed, and so read, through this one.
   */
  readonly #receipts = new Map<string, Set<string>>();

  constructor(readonly root: string) {}

  /** The bot holding (task, lease) uploaded this blob, complete and verified. */
  recordReceipt(taskId: string, leaseId: string, digest: string): void {
    const key = `${taskId}\n${leaseId}`;
    let digests = this.#receipts.get(key);
    if (digests === undefined) {
      if (this.#receipts.size >= MAX_RECEIPTS) {
        const [oldest] = this.#receipts.keys();
        this.#receipts.delete(oldest!);
      }
      this.#receipts.set(key, (digests = new Set()));
    }
    digests.add(digest);
  }

  /** Whether the bot holding (task, lease) uploaded this blob here. */
  received(taskId: string, leaseId: string, digest: string): boolean {
    return this.#receipts.get(`${taskId}\n${leaseId}`)?.has(digest) ?? false;
  }

  /** The task reported its end: its receipts are no longer needed. */
  forgetReceipts(taskId: string, leaseId: string): void {
    this.#receipts.delete(`${taskId}\n${leaseId}`);
  }

  blobPath(digest: string): string {
    if (!DIGEST_RE.test(digest)) throw new Error(`not a SHA-256 digest: ${digest}`);
    return join(this.root, 'sha256', digest.slice(0, 2), digest);
  }

  /** Whether the blob is stored with this size. */
  async has(digest: string, size: number): Promise<boolean> {
    if (!DIGEST_RE.test(digest)) return false;
    try {
      return (await stat(this.blobPath(digest))).size === size;
    } catch {
      return false;
    }
  }

  /** Reads a stored blob, in chunks of `chunkBytes`, from `start` to `end` (inclusive). */
  read(digest: string, chunkBytes: number, start?: number, end?: number): ReadStream {
    return createReadStream(this.blobPath(digest), {
      highWaterMark: chunkBytes,
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
    });
  }

  /**
   * Starts writing a blob announced with this digest and size. `discard`: the blob is held
   * already; its bytes are only hashed (so the sender proves it has them), never written.
   */
  async begin(digest: string, size: number, discard = false): Promise<BlobWriter> {
    if (discard) return new BlobWriter(this, digest, size, undefined, undefined);
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${digest}.${randomBytes(6).toString('hex')}`);
    return new BlobWriter(this, digest, size, tmp, await open(tmp, 'wx'));
  }

  /** Reads a whole (small) stored blob: a tree listing. */
  async readAll(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /**
   * Moves a stored blob out of place (the blob GC, cas/blob-gc.ts): the path it is now at, or
   * undefined when it was not there. `keepOrDrop` then decides whether it goes back.
   */
  async takeOut(digest: string): Promise<string | undefined> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const out = join(tmpDir, `gc.${digest}.${randomBytes(6).toString('hex')}`);
    try {
      await rename(this.blobPath(digest), out);
      return out;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * A blob taken out: put back in place when `keep` (unless another copy is there already:
   * link() never replaces), deleted otherwise.
   */
  async keepOrDrop(taken: string, digest: string, keep: boolean): Promise<void> {
    if (keep) {
      try {
        await link(taken, this.blobPath(digest));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    await rm(taken, { force: true });
  }
}

export class BlobWriter {
  written = 0;
  readonly #hash = createHash('sha256');
  #closed = false;

  constructor(
    private readonly store: OutputStore,
    readonly digest: string,
    readonly size: number,
    /** Both undefined: the bytes are hashed and dropped (begin's `discard`). */
    private readonly tmp: string | undefined,
    private readonly fd: FileHandle | undefined,
  ) {}

  get complete(): boolean {
    return this.written === this.size;
  }

  async write(data: Uint8Array): Promise<void> {
    this.#hash.update(data);
    let done = 0;
    while (this.fd !== undefined && done < data.length) {
      const { bytesWritten } = await this.fd.write(data, done, data.length - done);
      done += bytesWritten;
    }
    this.written += data.length;
  }

  /** The SHA-256 of the bytes received (after commit). */
  actual = '';

  /**
   * Checks the content and renames it into place (atomic); the temp file goes either way.
   * `beforeRename` runs once the content is checked, before it is in place (the CAS records the
   * blob as touched then, so that a GC sweep never removes what it just stored).
   */
  async commit(beforeRename?: () => Promise<void>): Promise<CommitOutcome> {
    await this.#close();
    const drop = () => (this.tmp === undefined ? undefined : rm(this.tmp, { force: true }));
    if (this.written !== this.size) {
      await drop();
      return 'size-mismatch';
    }
    this.actual = this.#hash.digest('hex');
    if (this.actual !== this.digest) {
      await drop();
      return 'digest-mismatch';
    }
    try {
      await beforeRename?.();
    } catch (err) {
      await drop();
      throw err;
    }
    if (this.tmp === undefined) return 'stored';
    const target = this.store.blobPath(this.digest);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(this.tmp, target);
    return 'stored';
  }

  /** Drops what was written. Idempotent. */
  async abort(): Promise<void> {
    await this.#close();
    if (this.tmp !== undefined) await rm(this.tmp, { force: true });
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fd?.close().catch(() => {});
  }
}
