import {
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { evictionOrder, type CacheRecord } from './cache-eviction';
import type { Resolved } from './task-env';

/**
 * The bot's named caches (issue 10): one directory each under `<botDir>/caches/<name>`, kept
 * across tasks. A task that asks for caches gets each one mounted into its work dir at its
 * `path` (a symlink made before the spawn) and taken back after its process is gone (the symlink
 * removed, the content kept). A cache is used by one task at a time (`inUse`). After a task,
 * when the caches weigh more than `maxBytes` together, the least recently used ones not in use
 * go (cache-eviction.ts decides which). `onChange` fires when the set of names changed (the
 * bot's `caches` dimension) or their sizes did (its state).
 *
 * The last use of a cache is its directory's mtime, set when a task gives it back: it survives a
 * restart of the bot without an index file.
 */

export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;
const CACHE_NAME_RE = /^[a-z0-9_]{1,128}$/;

export interface CacheEntryLike {
  readonly name: string;
  readonly path: string;
}

/** The caches a task holds: returned by mount(), handed back to release(). */
export interface CacheMount {
  readonly taskId: string;
  readonly names: readonly string[];
  /** The symlinks made in the work dir. */
  readonly links: readonly string[];
}

export interface CacheInfoLike {
  readonly name: string;
  readonly sizeBytes: number;
}

export interface CacheManagerOptions {
  /** `<botDir>/caches` */
  readonly root: string;
  /** @default DEFAULT_CACHE_MAX_BYTES (10 GiB) */
  readonly maxBytes?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

export class CacheManager {
  readonly root: string;
  readonly maxBytes: number;
  /** Called after a change of names (dimension) or sizes (state). */
  onChange: (() => void) | undefined;
  readonly #records = new Map<string, CacheRecord>();
  readonly #inUse = new Set<string>();
  readonly #clock: () => number;

  constructor(opts: CacheManagerOptions) {
    this.root = opts.root;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.#clock = opts.clock ?? Date.now;
    mkdirSync(this.root, { recursive: true });
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !CACHE_NAME_RE.test(entry.name)) continue;
      const st = lstatSync(path.join(this.root, entry.name));
      this.#records.set(entry.name, { name: entry.name, sizeBytes: 0, lastUsedMs: st.mtimeMs });
    }
  }

  /** The names of the caches kept, sorted (the `caches` dimension). */
  names(): string[] {
    return [...this.#records.keys()].sort();
  }

  /** Name and size of every cache, sorted by name (BotHealth.caches). */
  info(): CacheInfoLike[] {
    return this.names().map((name) => ({ name, sizeBytes: this.#records.get(name)!.sizeBytes }));
  }

  totalBytes(): number {
    let total = 0;
    for (const r of this.#records.values()) total += r.sizeBytes;
    return total;
  }

  /** Measures every cache (at start-up), then evicts down to the limit. */
  async measureAll(): Promise<void> {
    for (const name of this.#records.keys()) await this.#measure(name);
    await this.#evict();
    this.onChange?.();
  }

  /**
   * Mounts the caches into `workDir` (synchronous: on the path from Assign to spawn). A bad path
   * (outside the work dir, already there) is a client error; a cache another task holds throws
   * (the bot runs one task at a time: that would be a bug).
   */
  mount(taskId: string, entries: readonly CacheEntryLike[], workDir: string): Resolved<CacheMount> {
    for (const e of entries) {
      if (!CACHE_NAME_RE.test(e.name))
        return { ok: false, clientError: `caches: bad cache name '${e.name}'` };
      if (this.#inUse.has(e.name)) throw new Error(`cache ${e.name} is in use by another task`);
    }
    const links: string[] = [];
    const names: string[] = [];
    const undo = () => {
      for (const link of links) unlinkQuietly(link);
      for (const name of names) this.#inUse.delete(name);
    };
    for (const e of entries) {
      const link = path.resolve(workDir, e.path);
      const rel = path.relative(workDir, link);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
        undo();
        return { ok: false, clientError: `caches: path '${e.path}' escapes the task's work dir` };
      }
      const dir = path.join(this.root, e.name);
      mkdirSync(dir, { recursive: true });
      mkdirSync(path.dirname(link), { recursive: true });
      try {
        symlinkSync(dir, link, 'dir');
      } catch (err) {
        undo();
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        return {
          ok: false,
          clientError: `caches: cannot mount ${e.name} at '${e.path}' (${code})`,
        };
      }
      this.#inUse.add(e.name);
      names.push(e.name);
      links.push(link);
      if (!this.#records.has(e.name))
        this.#records.set(e.name, { name: e.name, sizeBytes: 0, lastUsedMs: this.#clock() });
    }
    return { ok: true, value: { taskId, names, links } };
  }

  /**
   * Takes the caches back after the task's process is gone: removes the symlinks (the content
   * stays), marks them used now, measures them, evicts the least recently used caches not in use
   * while the total is over the limit, then calls onChange. Never rejects.
   */
  async release(mount: CacheMount): Promise<void> {
    const now = this.#clock();
    for (const link of mount.links) unlinkQuietly(link);
    for (const name of mount.names) {
      this.#inUse.delete(name);
      const record = this.#records.get(name);
      if (record !== undefined) record.lastUsedMs = now;
      try {
        utimesSync(path.join(this.root, name), now / 1000, now / 1000);
      } catch {
        // Gone (removed by hand): measured as empty below.
      }
      await this.#measure(name);
    }
    await this.#evict();
    if (mount.names.length > 0) this.onChange?.();
  }

  async #measure(name: string): Promise<void> {
    const record = this.#records.get(name);
    if (record !== undefined) record.sizeBytes = await treeBytes(path.join(this.root, name));
  }

  async #evict(): Promise<void> {
    const victims = evictionOrder([...this.#records.values()], this.#inUse, this.maxBytes);
    for (const name of victims) {
      this.#records.delete(name);
      await rm(path.join(this.root, name), { recursive: true, force: true }).catch(() =>
        rmSync(path.join(this.root, name), { recursive: true, force: true }),
      );
    }
  }
}

function unlinkQuietly(link: string): void {
  try {
    // Only our symlink: if the task replaced it with something else, the work dir removal takes it.
    if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
  } catch {
    // Already gone.
  }
}

/** Bytes of the regular files under `dir`, symlinks not followed; 0 when it is gone. */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile())
      total += await lstat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}
