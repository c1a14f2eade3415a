import * as grpc from '@grpc/grpc-js';
import {
  BLOB_HASH,
  parseTree,
  symlinkLanding,
  TREE_LIMITS,
  type CasClient,
  type DownloadChunkOut,
  type Tree,
} from '@drover/protocol';
import { createHash } from 'node:crypto';
import { chmod, copyFile, link, mkdir, open, readFile, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { blobName, type BlobKey, type CacheLease, type CasCache } from './cas-cache';
import { giveTo, type TaskUser } from './task-user';

/**
 * A task's input tree (TaskManifest.cas_input_root), before its process starts: the tree blob
 * fetched and parsed (cas-tree.ts), the blobs the cache lacks fetched with Cas.Download (the
 * bot's token, 4 at a time, SHA-256 checked while written to a temp file then renamed in place;
 * a transient failure retried 3 times with backoff), then every file hard-linked from the cache
 * into the work dir (copied when the link fails: another file system), read-only (0444, 0555
 * executable), symlinks as listed, empty dirs made. Outcomes are data: a blob the coordinator
 * does not have (NOT_FOUND), a tree blob that is not a tree, or a fetch that keeps failing is a
 * `clientError` naming the digest; no process starts.
 */

export interface InputsSource {
  readonly cache: CasCache;
  /** A Cas client on the bot's channel to the coordinator the task came from. */
  readonly client: () => CasClient;
  readonly token: string;
  /** Waits before each retry of a failed download. @default [250, 1000, 4000] (3 retries) */
  readonly retryDelaysMs?: readonly number[];
  /** Downloads at once. @default 4 */
  readonly parallel?: number;
  /** A download receiving nothing for this long is cancelled (and retried). @default 60_000 */
  readonly stallTimeoutMs?: number;
}

export interface DigestLike {
  readonly hash: string;
  readonly size_bytes: number | string;
}

export type InputsOutcome =
  | { readonly kind: 'ok'; readonly fetchedBytes: number; readonly durationSecs: number }
  | {
      readonly kind: 'client-error';
      readonly clientError: string;
      readonly fetchedBytes: number;
      readonly durationSecs: number;
    }
  | { readonly kind: 'canceled'; readonly fetchedBytes: number; readonly durationSecs: number };

export interface PrepareInputsInput {
  readonly root: DigestLike;
  readonly workDir: string;
  readonly source: InputsSource;
  /** The task's pins (released by the caller once the task is over). */
  readonly lease: CacheLease;
  readonly signal: AbortSignal;
  readonly user?: TaskUser;
  readonly log: Logger;
}

const DEFAULT_RETRY_DELAYS_MS = [250, 1000, 4000] as const;

/** Status codes after which the same download may succeed. */
const TRANSIENT = new Set<grpc.status>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
  grpc.status.ABORTED,
  grpc.status.RESOURCE_EXHAUSTED,
]);

/** Why a fetch failed: `missing` (NOT_FOUND), or anything else after the retries. */
class FetchFailed extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

class Canceled extends Error {}

const field = 'cas_input_root';

function digestText(key: { hash: string; size: number }): string {
  return `${key.hash}/${key.size}`;
}

export async function prepareInputs(input: PrepareInputsInput): Promise<InputsOutcome> {
  const started = performance.now();
  let fetchedBytes = 0;
  const secs = () => (performance.now() - started) / 1000;
  const { root, source, lease, signal, log } = input;
  const clientError = (message: string): InputsOutcome => ({
    kind: 'client-error',
    clientError: message,
    fetchedBytes,
    durationSecs: secs(),
  });
  const size = Number(root.size_bytes);
  if (!BLOB_HASH.test(root.hash) || !Number.isSafeInteger(size) || size < 0)
    return clientError(`${field}: not a digest (${JSON.stringify(root.hash)}/${root.size_bytes})`);
  if (size > TREE_LIMITS.bytes)
    return clientError(`${field}: a tree of ${size} bytes, more than ${TREE_LIMITS.bytes}`);
  const fetch = async (key: BlobKey): Promise<string> => {
    const got = await ensureBlob(key, source, signal, log);
    fetchedBytes += got.fetched;
    return got.path;
  };
  try {
    const treeKey: BlobKey = { hash: root.hash, size, executable: false };
    lease.pin(treeKey);
    const treePath = await fetch(treeKey);
    const parsed = parseTree(await readFile(treePath));
    if ('error' in parsed)
      return clientError(`${field}: ${digestText(treeKey)} is not a tree: ${parsed.error}`);
    const { tree } = parsed;
    // Every blob pinned first: nothing the task needs is evicted while the rest arrives.
    for (const f of tree.files) lease.pin(f);
    const byHash = new Map<string, BlobKey[]>();
    for (const f of tree.files) {
      const keys = byHash.get(f.hash) ?? [];
      if (!keys.some((k) => k.executable === f.executable))
        keys.push({ hash: f.hash, size: f.size, executable: f.executable });
      byHash.set(f.hash, keys);
    }
    const paths = new Map<string, string>();
    await inParallel([...byHash.values()], source.parallel ?? 4, async (keys) => {
      // The first mode fetched (or found); the other, if needed, copied from it.
      for (const key of keys) paths.set(blobName(key), await fetch(key));
    });
    await source.cache.evict();
    if (signal.aborted) throw new Canceled();
    const laid = await layoutTree(tree, input.workDir, paths, input.user);
    if (laid !== undefined) return clientError(laid);
    source.cache.noteTree(root.hash, [treeKey, ...tree.files]);
    log.info(
      { tree: root.hash, files: tree.files.length, fetchedBytes, durationSecs: secs() },
      'inputs laid out',
    );
    return { kind: 'ok', fetchedBytes, durationSecs: secs() };
  } catch (err) {
    if (err instanceof Canceled || signal.aborted)
      return { kind: 'canceled', fetchedBytes, durationSecs: secs() };
    if (err instanceof FetchFailed) return clientError(err.message);
    throw err;
  }
}

/** The cached file of `key`: found (checked), made from its other mode, or downloaded. */
async function ensureBlob(
  key: BlobKey,
  source: InputsSource,
  signal: AbortSignal,
  log: Logger,
): Promise<{ path: string; fetched: number }> {
  const { cache } = source;
  const cached = (await cache.usable(key)) ?? (await cache.fromSibling(key));
  if (cached !== undefined) return { path: cached, fetched: 0 };
  const delays = source.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new Canceled();
    const tmp = cache.tempPath(key.hash);
    try {
      await downloadTo(source, key, tmp, signal);
      return { path: await cache.adopt(tmp, key), fetched: key.size };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      if (signal.aborted) throw new Canceled();
      if (!(err instanceof FetchFailed)) throw err;
      const delayMs = delays[attempt];
      if (!err.transient || delayMs === undefined) throw err;
      log.warn(
        { blob: key.hash, why: err.message, attempt, delayMs },
        'input fetch failed; retrying',
      );
      await sleep(delayMs, signal);
    }
  }
}

/** One Cas.Download of `key` into `tmp`, checked (offsets, size, SHA-256); throws FetchFailed. */
async function downloadTo(
  source: InputsSource,
  key: BlobKey,
  tmp: string,
  signal: AbortSignal,
): Promise<void> {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${source.token}`);
  const fh = await open(tmp, 'wx', 0o600);
  const call = source
    .client()
    .Download({ digest: { hash: key.hash, size_bytes: key.size }, offset: 0, limit: 0 }, md);
  // The iteration below reads the error; this keeps one that comes first from being unhandled.
  call.on('error', () => {});
  const onAbort = () => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  // A download that stops moving (a half-dead connection) is given up, then retried.
  const stallMs = source.stallTimeoutMs ?? 60_000;
  let stalled = false;
  const stallTimer = setTimeout(() => {
    stalled = true;
    call.cancel();
  }, stallMs);
  const hash = createHash('sha256');
  let written = 0;
  try {
    for await (const chunk of call as AsyncIterable<DownloadChunkOut>) {
      stallTimer.refresh();
      const data = chunk.data;
      if (Number(chunk.offset) !== written)
        throw new FetchFailed(
          `${field}: blob ${digestText(key)}: a chunk at offset ${chunk.offset}, ${written} expected`,
          true,
        );
      if (written + data.length > key.size)
        throw new FetchFailed(`${field}: blob ${digestText(key)}: more bytes than its size`, true);
      await fh.write(data);
      hash.update(data);
      written += data.length;
    }
  } catch (err) {
    call.cancel();
    if (err instanceof FetchFailed) throw err;
    if (stalled)
      throw new FetchFailed(
        `${field}: blob ${digestText(key)}: nothing received for ${stallMs} ms`,
        true,
      );
    const e = err as Partial<grpc.ServiceError>;
    if (e.code === undefined) throw err;
    if (e.code === grpc.status.NOT_FOUND)
      throw new FetchFailed(
        `${field}: blob ${digestText(key)} not found in the CAS (nobody uploaded it, or it was deleted)`,
        false,
      );
    throw new FetchFailed(
      `${field}: cannot fetch blob ${digestText(key)}: ${grpc.status[e.code]}: ${e.details ?? ''}`,
      TRANSIENT.has(e.code),
    );
  } finally {
    clearTimeout(stallTimer);
    signal.removeEventListener('abort', onAbort);
    await fh.close();
  }
  const got = hash.digest('hex');
  if (written !== key.size || got !== key.hash)
    throw new FetchFailed(
      `${field}: blob ${digestText(key)}: received ${written} bytes hashing to ${got} (corrupted in transit)`,
      true,
    );
}

/**
 * Lays the tree out in `workDir` (the bot made it, empty): dirs (given to the task user, so it
 * may add files beside its inputs), files hard-linked from the cache (copied when linking fails:
 * another file system, a link count at its limit; copies are made read-only too), symlinks last.
 * Undefined when done; otherwise why not (a client error).
 */
export async function layoutTree(
  tree: Tree,
  workDir: string,
  paths: ReadonlyMap<string, string>,
  user: TaskUser | undefined,
): Promise<string | undefined> {
  const dirs = new Set<string>(tree.dirs);
  for (const p of [
    ...tree.files.map((f) => f.path),
    ...tree.symlinks.map((l) => l.path),
    ...tree.dirs,
  ]) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  // Parents before children (a parent is a prefix, so shorter).
  for (const d of [...dirs].sort((a, b) => a.length - b.length)) {
    const abs = path.join(workDir, ...d.split('/'));
    await mkdir(abs, { mode: 0o755 });
    giveTo(abs, user);
  }
  // Several at once: each link is a thread-pool call.
  await inParallel(tree.files, 8, async (f) => {
    const src = paths.get(blobName(f));
    if (src === undefined) throw new Error(`input blob ${f.hash} not fetched`);
    const dest = path.join(workDir, ...f.path.split('/'));
    try {
      await link(src, dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP')
        throw err;
      await copyFile(src, dest);
      await chmod(dest, f.executable ? 0o555 : 0o444);
    }
  });
  for (const l of tree.symlinks) {
    // parseTree refused these already; a listing is never trusted twice removed.
    if (symlinkLanding(l.path, l.target) === undefined)
      return `${field}: symlink ${JSON.stringify(l.path)} → ${JSON.stringify(l.target)} leaves the tree`;
    await symlink(l.target, path.join(workDir, ...l.path.split('/')));
  }
  return undefined;
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  let hasFailed = false;
  const worker = async () => {
    while (!hasFailed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        if (!hasFailed) {
          hasFailed = true;
          failed = err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  if (hasFailed) throw failed;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
