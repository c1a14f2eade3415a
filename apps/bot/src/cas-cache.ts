import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { chmod, copyFile, lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { BLOB_HASH, parseTree } from '@drover/protocol';
import type { Logger } from 'pino';

/**
 * The bot's cache of CAS blobs (task inputs), `<botDir>/cas`: one read-only file per blob, named
 * by its SHA-256 — `<hash>` (0444) or `<hash>.x` (0555) for a blob some tree lists as executable
 * (a hard link shares its inode's mode, so the two modes are two files). Least recently used
 * blobs go once the cache holds more than `maxBytes`, never one a running task uses (pinned by
 * its lease). The index lives in memory, rebuilt from the dir at start (the trees held whole,
 * BotHealth.input_trees, from trees.json); a blob found there is
 * re-hashed on its first use (it may have changed while the bot was down), and so is a blob
 * whose size, mtime or mode changed since it was last verified: a mismatch is discarded, so the
 * caller fetches it again.
 */

export const DEFAULT_CAS_CACHE_MAX_BYTES = 20 * 1024 ** 3;

const BLOB_FILE = /^([0-9a-f]{64})(\.x)?$/;
/** The trees laid out last (hashes, most recent first), so a restarted bot still reports them. */
const TREES_FILE = 'trees.json';

/** A blob as the cache holds it: its hash and mode (two modes, two files). */
export interface BlobKey {
  readonly hash: string;
  readonly size: number;
  readonly executable: boolean;
}

interface Entry {
  readonly name: string;
  readonly size: number;
  /** The file as it was when last hashed; undefined: never hashed by this run. */
  verified: { readonly mtimeMs: number; readonly size: number; readonly mode: number } | undefined;
  lastUse: number;
}

export interface CasCacheOptions {
  readonly root: string;
  /** @default DEFAULT_CAS_CACHE_MAX_BYTES (20 GiB) */
  readonly maxBytes?: number;
  readonly log?: Logger;
}

/** The most input trees BotHealth.input_trees carries. */
export const MAX_INPUT_TREES = 32;

export function blobName(key: { hash: string; executable: boolean }): string {
  return key.executable ? `${key.hash}.x` : key.hash;
}

function fileMode(executable: boolean): number {
  return executable ? 0o555 : 0o444;
}

/** The blobs one task uses: pinned until released. */
export interface CacheLease {
  /** Pins `key` (idempotent within the lease). */
  pin(key: { hash: string; executable: boolean }): void;
  release(): void;
}

export class CasCache {
  readonly root: string;
  readonly maxBytes: number;
  readonly #log: Logger | undefined;
  readonly #entries = new Map<string, Entry>();
  /** Trees whose every blob is held, by hash: the blob names, and when last used. */
  readonly #trees = new Map<string, { names: readonly string[]; lastUse: number }>();
  /** Blob names running tasks use, with how many: never evicted (held once they arrive). */
  readonly #pins = new Map<string, number>();
  #clock = 0;
  #loaded = false;
  /** The trees held whole may have changed (a tree laid out, blobs evicted or discarded). */
  onTreesChange: (() => void) | undefined;

  constructor(opts: CasCacheOptions) {
    this.root = opts.root;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CAS_CACHE_MAX_BYTES;
    this.#log = opts.log;
  }

  /** The temp dir of downloads in progress (same file system: rename). */
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }

  pathOf(key: { hash: string; executable: boolean }): string {
    return path.join(this.root, blobName(key));
  }

  /**
   * Makes the dir (0700) and reads what it holds (once): temp files of an interrupted run go,
   * every blob file is indexed unverified, oldest mtime least recently used.
   */
  load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { mode: 0o700 });
    const found: { name: string; st: Stats }[] = [];
    for (const name of readdirSync(this.root)) {
      if (name === 'tmp' || name === TREES_FILE) continue;
      const p = path.join(this.root, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (!BLOB_FILE.test(name) || !st.isFile()) {
        rmSync(p, { recursive: true, force: true });
        continue;
      }
      found.push({ name, st });
    }
    found.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs);
    for (const { name, st } of found)
      this.#entries.set(name, {
        name,
        size: st.size,
        verified: undefined,
        lastUse: ++this.#clock,
      });
    this.#loadTrees();
  }

  /**
   * The trees of trees.json whose listing and every file are still here (not hashed: a hint for
   * dispatch; a task using one checks every blob anyway). A file that cannot be read: none.
   */
  #loadTrees(): void {
    let hashes: unknown;
    try {
      hashes = JSON.parse(readFileSync(path.join(this.root, TREES_FILE), 'utf8'));
    } catch {
      return;
    }
    if (!Array.isArray(hashes)) return;
    for (const hash of hashes.slice(0, MAX_INPUT_TREES).reverse()) {
      if (typeof hash !== 'string' || !BLOB_HASH.test(hash) || !this.#entries.has(hash)) continue;
      try {
        const parsed = parseTree(readFileSync(path.join(this.root, hash)));
        if ('error' in parsed) continue;
        const keys = [{ hash, executable: false }, ...parsed.tree.files];
        if (keys.every((k) => this.#entries.has(blobName(k))))
          this.#trees.set(hash, {
            names: [...new Set(keys.map(blobName))],
            lastUse: ++this.#clock,
          });
      } catch {
        // Gone meanwhile: not reported.
      }
    }
  }

  /** Writes the trees reported now to trees.json (a temp file, renamed). */
  #saveTrees(): void {
    try {
      const tmp = path.join(this.tmpDir, `${TREES_FILE}.${randomBytes(6).toString('hex')}`);
      writeFileSync(tmp, JSON.stringify(this.inputTrees()), { mode: 0o600 });
      renameSync(tmp, path.join(this.root, TREES_FILE));
    } catch (err) {
      this.#log?.warn({ err }, 'input cache: cannot save the trees held');
    }
  }

  /** Bytes held. */
  get sizeBytes(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.size;
    return n;
  }

  /** Whether the cache lists `key` (not checked on disk). */
  has(key: { hash: string; executable: boolean }): boolean {
    return this.#entries.has(blobName(key));
  }

  lease(): CacheLease {
    this.load();
    const pinned = new Set<string>();
    let released = false;
    return {
      pin: (key) => {
        const name = blobName(key);
        if (released || pinned.has(name)) return;
        pinned.add(name);
        this.#pins.set(name, (this.#pins.get(name) ?? 0) + 1);
      },
      release: () => {
        if (released) return;
        released = true;
        for (const name of pinned) {
          const n = (this.#pins.get(name) ?? 1) - 1;
          if (n <= 0) this.#pins.delete(name);
          else this.#pins.set(name, n);
        }
      },
    };
  }

  /**
   * The cached file of `key`, checked: its path when it is there and its bytes are the blob's
   * (hashed again unless its size, mtime and mode are as when last hashed); undefined when it is
   * not there, or was not the blob (then discarded).
   */
  async usable(key: BlobKey): Promise<string | undefined> {
    this.load();
    const name = blobName(key);
    const e = this.#entries.get(name);
    if (e === undefined) return undefined;
    const p = path.join(this.root, name);
    let st: Stats;
    try {
      st = await lstat(p);
    } catch {
      this.#drop(name);
      return undefined;
    }
    const mode = st.mode & 0o7777;
    const v = e.verified;
    const unchanged =
      st.isFile() &&
      v !== undefined &&
      v.mtimeMs === st.mtimeMs &&
      v.size === st.size &&
      v.mode === mode;
    if (!unchanged) {
      const ok = st.isFile() && st.size === key.size && (await hashFile(p)) === key.hash;
      if (!ok) {
        this.#log?.warn(
          { blob: key.hash, size: st.size },
          'cached input blob does not match its digest (changed on disk): discarded, fetched again',
        );
        await unlink(p).catch(() => {});
        this.#drop(name);
        return undefined;
      }
      if (mode !== fileMode(key.executable)) await chmod(p, fileMode(key.executable));
      const after = await lstat(p);
      e.verified = { mtimeMs: after.mtimeMs, size: after.size, mode: after.mode & 0o7777 };
    }
    e.lastUse = ++this.#clock;
    return p;
  }

  /**
   * Puts a verified temp file (same file system) in place as `key`: made read-only, renamed.
   */
  async adopt(tmpFile: string, key: BlobKey): Promise<string> {
    const mode = fileMode(key.executable);
    await chmod(tmpFile, mode);
    const p = this.pathOf(key);
    await rename(tmpFile, p);
    const st = await lstat(p);
    const name = blobName(key);
    this.#entries.set(name, {
      name,
      size: st.size,
      verified: { mtimeMs: st.mtimeMs, size: st.size, mode: st.mode & 0o7777 },
      lastUse: ++this.#clock,
    });
    return p;
  }

  /** Makes `key` from the other mode's file of the same blob (a local copy); undefined without one. */
  async fromSibling(key: BlobKey): Promise<string | undefined> {
    const other = await this.usable({ ...key, executable: !key.executable });
    if (other === undefined) return undefined;
    const tmp = this.tempPath(key.hash);
    try {
      await copyFile(other, tmp);
      return await this.adopt(tmp, key);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  tempPath(hash: string): string {
    return path.join(this.tmpDir, `${hash}.${randomBytes(6).toString('hex')}`);
  }

  /** The tree `hash` (its blobs `keys`) is held complete. */
  noteTree(hash: string, keys: readonly { hash: string; executable: boolean }[]): void {
    this.#trees.delete(hash);
    this.#trees.set(hash, { names: [...new Set(keys.map(blobName))], lastUse: ++this.#clock });
    // Trees no longer whole (or beyond what is reported) are forgotten.
    const kept = new Set(this.inputTrees());
    for (const h of this.#trees.keys()) if (!kept.has(h)) this.#trees.delete(h);
    this.#saveTrees();
    this.onTreesChange?.();
  }

  /** BotHealth.input_trees: trees whose every blob is held, most recently used first. */
  inputTrees(): string[] {
    return [...this.#trees.entries()]
      .filter(([, t]) => t.names.every((n) => this.#entries.has(n)))
      .sort((a, b) => b[1].lastUse - a[1].lastUse)
      .slice(0, MAX_INPUT_TREES)
      .map(([hash]) => hash);
  }

  /**
   * Removes least recently used blobs no task pins until the cache fits `maxBytes` (or only
   * pinned ones are left). Returns the blobs removed.
   */
  async evict(): Promise<string[]> {
    let total = this.sizeBytes;
    if (total <= this.maxBytes) return [];
    const removed: string[] = [];
    const candidates = [...this.#entries.values()]
      .filter((e) => !this.#pins.has(e.name))
      .sort((a, b) => a.lastUse - b.lastUse);
    for (const e of candidates) {
      if (total <= this.maxBytes) break;
      if (this.#pins.has(e.name)) continue;
      await unlink(path.join(this.root, e.name)).catch(() => {});
      this.#drop(e.name);
      total -= e.size;
      removed.push(e.name);
    }
    if (removed.length > 0)
      this.#log?.info(
        { blobs: removed.length, sizeBytes: total, maxBytes: this.maxBytes },
        'input cache: least recently used blobs evicted',
      );
    return removed;
  }

  #drop(name: string): void {
    this.#entries.delete(name);
    let changed = false;
    for (const [hash, t] of this.#trees)
      if (t.names.includes(name)) {
        this.#trees.delete(hash);
        changed = true;
      }
    if (changed) this.onTreesChange?.();
  }
}

/** The SHA-256 (hex) of a file's bytes. */
export async function hashFile(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Opens `p` for a new file (exclusive), mode 0600. */
export function openNew(p: string): ReturnType<typeof open> {
  return open(p, 'wx', 0o600);
}
