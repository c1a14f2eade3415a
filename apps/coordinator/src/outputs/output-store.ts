import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Task output files on the coordinator's disk, by content:
 * `<root>/sha256/ab/<hex>`, where `ab` is the first two hex digits. A file is written to
 * `<root>/tmp/` first, hashed as it is written, and renamed into place only when its SHA-256 and
 * size are what the bot announced: a blob is complete or absent, and equal content is kept once.
 * With PostgreSQL, every replica must see the same root (a shared `--outputs-dir`).
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

  /** Reads a stored blob, in chunks of `chunkBytes`. */
  read(digest: string, chunkBytes: number): ReadStream {
    return createReadStream(this.blobPath(digest), { highWaterMark: chunkBytes });
  }

  /** Starts writing a blob announced with this digest and size. */
  async begin(digest: string, size: number): Promise<BlobWriter> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${digest}.${randomBytes(6).toString('hex')}`);
    return new BlobWriter(this, digest, size, tmp, await open(tmp, 'wx'));
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
    private readonly tmp: string,
    private readonly fd: FileHandle,
  ) {}

  get complete(): boolean {
    return this.written === this.size;
  }

  async write(data: Uint8Array): Promise<void> {
    this.#hash.update(data);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fd.write(data, done, data.length - done);
      done += bytesWritten;
    }
    this.written += data.length;
  }

  /** Checks the content and renames it into place (atomic); the temp file goes either way. */
  async commit(): Promise<CommitOutcome> {
    await this.#close();
    if (this.written !== this.size) {
      await rm(this.tmp, { force: true });
      return 'size-mismatch';
    }
    if (this.#hash.digest('hex') !== this.digest) {
      await rm(this.tmp, { force: true });
      return 'digest-mismatch';
    }
    const target = this.store.blobPath(this.digest);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(this.tmp, target);
    return 'stored';
  }

  /** Drops what was written. Idempotent. */
  async abort(): Promise<void> {
    await this.#close();
    await rm(this.tmp, { force: true });
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fd.close().catch(() => {});
  }
}
