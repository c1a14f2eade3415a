import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentBootId, isProcessRunning, processStartTicks } from './process-group';

/**
 * One bot per bot dir: `<botDir>/bot.lock`, whose first line is the holder's pid (the second its
 * start time and boot, so that a pid reused since by another process does not hold the dir). Two
 * bots on one dir would wipe each other's work dirs and kill each other's payloads at start-up.
 *
 * The lock is created whole and exclusively: written to a file of our own, then hard-linked to
 * `bot.lock` (link fails if the name exists). A lock whose holder no longer runs (dead, a zombie,
 * a reused pid, or our own pid: a container restarted with the same pid) is stale: it is renamed
 * away and checked to be the one judged stale — a racing bot's fresh lock taken by mistake is put
 * back — then the creation is tried again.
 */

export type BotLockOutcome =
  | {
      readonly kind: 'acquired';
      readonly path: string;
      /** The stale lock taken over, if any. */
      readonly tookOver: { readonly pid: number; readonly why: string } | undefined;
      /** Removes the lock if it is still ours. Idempotent, synchronous (safe right before exit). */
      release(): void;
    }
  | { readonly kind: 'held'; readonly path: string; readonly pid: number };

interface Holder {
  readonly pid: number;
  readonly startTicks: number | undefined;
  readonly bootId: string | undefined;
}

const ATTEMPTS = 5;

export function botLockPath(botDir: string): string {
  return path.join(botDir, 'bot.lock');
}

/** Takes `<botDir>/bot.lock` for this process (`botDir` exists). */
export function acquireBotLock(botDir: string): BotLockOutcome {
  const lockPath = botLockPath(botDir);
  const self = process.pid;
  const mine = `${lockPath}.${self}.new`;
  const content = `${self}\n${processStartTicks(self) ?? '-'} ${currentBootId() ?? '-'}\n`;
  writeFileSync(mine, content);
  let tookOver: { pid: number; why: string } | undefined;
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (tryLink(mine, lockPath)) {
        return { kind: 'acquired', path: lockPath, tookOver, release: releaser(lockPath, self) };
      }
      const text = readOrEmpty(lockPath);
      if (text === undefined) continue; // removed meanwhile: try again
      const holder = parseHolder(text);
      const why = holder === undefined ? 'unreadable lock' : staleBecause(holder, self);
      if (why === undefined && holder !== undefined)
        return { kind: 'held', path: lockPath, pid: holder.pid };
      if (removeIfStill(lockPath, text, `${lockPath}.${self}.stale`))
        tookOver = { pid: holder?.pid ?? 0, why: why ?? 'unreadable lock' };
    }
    throw new Error(`cannot take ${lockPath}: it keeps changing`);
  } finally {
    unlinkQuietly(mine);
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Why the lock's holder does not hold it any more; undefined while it does. */
function staleBecause(holder: Holder, self: number): string | undefined {
  const { pid } = holder;
  if (pid === self) return `pid ${pid} is this process`;
  if (!isProcessRunning(pid)) return `pid ${pid} is not running`;
  const bootId = currentBootId();
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId)
    return 'written before a reboot';
  const startTicks = processStartTicks(pid);
  if (
    holder.startTicks !== undefined &&
    startTicks !== undefined &&
    startTicks !== holder.startTicks
  )
    return `pid ${pid} now names another process`;
  return undefined;
}

/**
 * Renames the lock away if it still holds `text` (the stale lock judged); puts back a lock that
 * another bot created meanwhile. True if the stale lock is gone.
 */
function removeIfStill(lockPath: string, text: string, aside: string): boolean {
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const taken = readOrEmpty(aside);
  if (taken !== text) tryLink(aside, lockPath); // a fresh lock: its holder keeps it
  unlinkQuietly(aside);
  return taken === text;
}

function releaser(lockPath: string, self: number): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const holder = parseHolder(readOrEmpty(lockPath) ?? '');
    if (holder?.pid === self) unlinkQuietly(lockPath);
  };
}

function parseHolder(text: string): Holder | undefined {
  const [first = '', second = ''] = text.split('\n');
  if (!/^\d+$/.test(first.trim())) return undefined;
  const pid = Number(first.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const [ticks, boot] = second.trim().split(/\s+/);
  return {
    pid,
    startTicks: ticks !== undefined && /^\d+$/.test(ticks) ? Number(ticks) : undefined,
    bootId: boot !== undefined && boot !== '-' && boot !== '' ? boot : undefined,
  };
}

function readOrEmpty(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}
