import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { evictionOrder, type CacheRecord } from './cache-eviction';
import { makeDirInside, relativeComponents } from './safe-paths';
import type { Resolved } from './task-env';
import type { TaskUser } from './task-user';

/**
 * The bot's named caches: one directory each under `<botDir>/caches/<name>`, kept
 * across tasks. A task that asks for caches gets each one moved into its work dir at its `path`
 * (a rename, before the spawn) and moved back after its process is gone. A cache is used by one
 * task at a time (`inUse`). After a task, when the caches weigh more than `maxBytes` together,
 * the least recently used ones not in use go (cache-eviction.ts decides which). `onChange` fires
 * when the set of names changed (the bot's `caches` dimension) or their sizes did (its state).
 *
 * Moved, not symlinked: `<botDir>/caches` stays 0700, the bot's alone, so a payload running as
 * the task user (task-user.ts) reaches only the caches its task mounted; and a cache's content is
 * really inside the work dir, where safe-paths.ts checks every path. A cache's `path` is resolved
 * on the real file system: a symlink on the way (left in the work dir or in another cache) that
 * leads outside is a client error, and nothing is made outside. What is moved back must still be
 * a directory where the cache was put (not a symlink, its parent not swapped): else the cache is
 * dropped, never a directory from elsewhere taken in.
 *
 * The last use of a cache is its directory's mtime, set when a task gives it back: it survives a
 * restart of the bot without an index file. A bot that dies with caches mounted loses them with
 * the work dir.
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
  /** In the order they were mounted (a cache may be mounted inside another: moved back first). */
  readonly names: readonly string[];
  /** Where each of `names` was moved to: real paths in the work dir. */
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
  /**
   * The task user (--task-user): every cache is given to it (owner of everything below) before
   * a task gets it. @default undefined: caches stay the bot's user's
   */
  readonly owner?: TaskUser;
}

/** The caches dir is the bot's alone: a cache is reachable only while mounted in a work dir. */
const CACHES_DIR_MODE = 0o700;

export class CacheManager {
  readonly root: string;
  readonly maxBytes: number;
  /** Called after a change of names (dimension) or sizes (state). */
  onChange: (() => void) | undefined;
  readonly #records = new Map<string, CacheRecord>();
  readonly #inUse = new Set<string>();
  readonly #clock: () => number;
  readonly #owner: TaskUser | undefined;

  constructor(opts: CacheManagerOptions) {
    this.root = opts.root;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.#clock = opts.clock ?? Date.now;
    this.#owner = opts.owner;
    mkdirSync(this.root, { recursive: true, mode: CACHES_DIR_MODE });
    chmodSync(this.root, CACHES_DIR_MODE);
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
   * Moves the caches into `workDir` (synchronous: on the path from Assign to spawn). A bad path
   * (outside the work dir on the real file system, already there) is a client error and nothing
   * stays mounted; a cache another task holds throws (the bot runs one task at a time: that would
   * be a bug).
   */
  mount(taskId: string, entries: readonly CacheEntryLike[], workDir: string): Resolved<CacheMount> {
    for (const e of entries) {
      if (!CACHE_NAME_RE.test(e.name))
        return { ok: false, clientError: `caches: bad cache name '${e.name}'` };
      if (this.#inUse.has(e.name)) throw new Error(`cache ${e.name} is in use by another task`);
    }
    const links: string[] = [];
    const names: string[] = [];
    const refuse = (clientError: string): Resolved<CacheMount> => {
      this.#unmount({ taskId, names, links });
      return { ok: false, clientError };
    };
    for (const e of entries) {
      // The messages of safe-paths.ts, naming the cache's path whole.
      const named = (message: string, shown: string) =>
        message.replace(`caches: path: '${shown}'`, `caches: path '${e.path}'`);
      const parts = relativeComponents(e.path, 'caches: path');
      if (!parts.ok) return refuse(named(parts.clientError, e.path));
      const last = parts.value.at(-1);
      if (last === undefined) return refuse(`caches: path '${e.path}' escapes the task's work dir`);
      const parentRel = parts.value.slice(0, -1).join('/');
      const parent = makeDirInside(workDir, parentRel, 'caches: path', this.#owner);
      if (!parent.ok) return refuse(named(parent.clientError, parentRel));
      const target = path.join(parent.value, last);
      if (exists(target))
        return refuse(
          `caches: cannot mount ${e.name} at '${e.path}' (EEXIST: already in the work dir)`,
        );
      const dir = path.join(this.root, e.name);
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      this.#giveToOwner(dir);
      try {
        renameSync(dir, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        return refuse(`caches: cannot mount ${e.name} at '${e.path}' (${code})`);
      }
      this.#inUse.add(e.name);
      names.push(e.name);
      links.push(target);
      if (!this.#records.has(e.name))
        this.#records.set(e.name, { name: e.name, sizeBytes: 0, lastUsedMs: this.#clock() });
    }
    return { ok: true, value: { taskId, names, links } };
  }

  /**
   * Takes the caches back after the task's process is gone: moves them back (the last mounted
   * first), marks them used now, measures them, evicts the least recently used caches not in use
   * while the total is over the limit, then calls onChange. A cache the task removed or replaced
   * by something else than a directory is dropped. Never rejects.
   */
  async release(mount: CacheMount): Promise<void> {
    const now = this.#clock();
    this.#unmount(mount);
    for (const name of mount.names) {
      const record = this.#records.get(name);
      try {
        utimesSync(path.join(this.root, name), now / 1000, now / 1000);
        if (record !== undefined) record.lastUsedMs = now;
      } catch {
        // Not moved back: dropped.
        this.#records.delete(name);
        continue;
      }
      await this.#measure(name);
    }
    await this.#evict();
    if (mount.names.length > 0) this.onChange?.();
  }

  /** Moves each mounted cache back, last first, and frees it; synchronous. */
  #unmount(mount: CacheMount): void {
    for (let i = mount.names.length - 1; i >= 0; i--) {
      const name = mount.names[i]!;
      const at = mount.links[i]!;
      this.#inUse.delete(name);
      const home = path.join(this.root, name);
      if (!stillThere(at)) continue;
      try {
        renameSync(at, home);
      } catch {
        // Left in the work dir, which goes with it.
      }
    }
  }

  /**
   * Gives a cache to the task user: everything below when the top is not already its (a cache
   * made before --task-user was set, or for another user), so a big cache is not walked for
   * every task.
   */
  #giveToOwner(dir: string): void {
    const owner = this.#owner;
    if (owner === undefined) return;
    const st = lstatSync(dir);
    if (st.uid === owner.uid && st.gid === owner.gid) return;
    chownTree(dir, owner);
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

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `at` (a real path where a cache was mounted) is still a directory at that same real
 * place: not replaced by a symlink, no component above it swapped for one. Else moving it back
 * could take in a directory from anywhere on the bot.
 */
function stillThere(at: string): boolean {
  try {
    return lstatSync(at).isDirectory() && realpathSync(path.dirname(at)) === path.dirname(at);
  } catch {
    return false;
  }
}

/**
 * lchown of `dir` and everything below, symlinks not followed. A file with several links is
 * left as it is: it may be a file of the system hard-linked into the cache by a payload.
 */
function chownTree(dir: string, owner: TaskUser): void {
  lchownSync(dir, owner.uid, owner.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, owner);
    else if (entry.isSymbolicLink() || lstatSync(p).nlink === 1)
      lchownSync(p, owner.uid, owner.gid);
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
