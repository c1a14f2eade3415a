// Waiting on conditions with a deadline, and what /proc says about a process. No sleep-and-hope:
// every wait names what it waits for and fails with that name at its deadline.
import { existsSync, readFileSync } from 'node:fs';

/**
 * Resolves with the first truthy value of `probe` (checked now, then every `intervalMs`), or
 * rejects at the deadline with `what` in the message.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: { deadlineMs: number; intervalMs?: number },
): Promise<T> {
  const deadlineAtMs = Date.now() + opts.deadlineMs;
  const intervalMs = opts.intervalMs ?? 20;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadlineAtMs) {
      throw new Error(`timed out after ${opts.deadlineMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The one-letter state of a process (R, S, D, Z, …), or undefined when there is no such pid. */
export function processState(pid: number): string | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+(\S)/m.exec(status)?.[1];
  } catch {
    return undefined;
  }
}

/** The process does not run any more: no such pid, or a zombie waiting to be reaped. */
export function isGone(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === 'Z' || state === 'X';
}

/** Resident set size of a process in bytes (VmRSS), or undefined once it is gone. */
export function vmRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** The positive integers a payload wrote to `file`, one a line; [] while it has none. */
export function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Waits until `file` lists at least `count` pids, and returns them. */
export function waitForPids(file: string, count: number, deadlineMs = 15_000): Promise<number[]> {
  return waitUntil(
    `${count} pid(s) in ${file}`,
    () => {
      const pids = readPids(file);
      return pids.length >= count ? pids : undefined;
    },
    { deadlineMs },
  );
}

/** SIGKILLs a process group a test left behind (a payload orphaned on purpose); never throws. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
