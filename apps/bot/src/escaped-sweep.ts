import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Processes of a task that left its process group (`setsid`, a daemonizing double fork) are out
 * of reach of the group's signals, but they inherited the task's environment: every process of a
 * task carries `DROVER_TASK_NONCE=<random>`, unguessable, so a match is the task's and nothing
 * else's. Linux reads `/proc/<pid>/environ` (the environment the process was started with); an
 * entry we may not read is another user's, not ours. Elsewhere there is nothing to scan.
 *
 * Reading every process's environ costs ~25 µs each (hundreds on a busy machine: milliseconds
 * per task), so the sweep after a task reads only the pids allocated since the task was spawned
 * (`PidWindow`): Linux hands out pids in increasing order, wrapping at `pid_max`, so every
 * descendant of the payload has a pid in the cyclic interval (payload pid, last pid allocated].
 * That holds until the allocator has gone all the way round, which takes at least
 * `pid_max − 300` allocations and skips; while forks since the spawn plus the threads alive at
 * the spawn (each skip is over a pid in use, allocated before the spawn or since) stay below that,
 * no lap is possible. Otherwise, or when any figure cannot be read, every process is read.
 *
 * A process that cleared its environment (`env -i`) escapes this too; its pipes are then
 * abandoned after the runner's drain limit.
 */

/** The pid allocator's position when a task was spawned (`pidMarkNow()` before the spawn). */
export interface PidMark {
  /** Forks (processes and threads) since boot, `/proc/stat` `processes`. */
  readonly forks: number;
  /** Threads alive, `/proc/loadavg`. */
  readonly threads: number;
}

/** Pids to read: those allocated from `firstPid` (the payload) on; `mark` taken before it. */
export interface PidWindow {
  readonly firstPid: number;
  readonly mark: PidMark;
}

/** Linux reserves the pids below this one when it wraps (RESERVED_PIDS). */
const RESERVED_PIDS = 300;

/** Reads where the pid allocator stands; undefined where it cannot tell (not Linux, no /proc). */
export function pidMarkNow(): PidMark | undefined {
  if (!procIsOurs()) return undefined;
  const forks = readForks();
  const load = readLoadavg();
  if (forks === undefined || load === undefined) return undefined;
  return { forks, threads: load.threads };
}

/**
 * Whether `pid` lies in the cyclic interval [first, last] of a pid space wrapping at `pidMax`.
 * Exported for the tests.
 */
export function inPidWindow(pid: number, first: number, last: number): boolean {
  return first <= last ? pid >= first && pid <= last : pid >= first || pid <= last;
}

/**
 * The interval of pids to read for `window`, or undefined when every process must be read (a lap
 * of the allocator is possible, or a figure is missing). Exported for the tests.
 */
export function pidRange(
  window: PidWindow,
  now: { readonly forks: number; readonly lastPid: number; readonly pidMax: number },
): { readonly first: number; readonly last: number } | undefined {
  const allocations = now.forks - window.mark.forks;
  if (!(allocations >= 0) || window.mark.threads + allocations >= now.pidMax - RESERVED_PIDS)
    return undefined;
  return { first: window.firstPid, last: now.lastPid };
}

/**
 * Running (not zombie) pids, other than this process, whose environment holds `entry` (`K=V`);
 * with a `window`, only among the pids allocated since its first one (see above).
 */
export function processesWithEnv(entry: string, window?: PidWindow): number[] {
  if (process.platform !== 'linux') return [];
  const range = window === undefined ? undefined : currentRange(window);
  const needle = Buffer.from(`\0${entry}\0`);
  const pids: number[] = [];
  const check = (pid: number) => {
    // A zombie's environ reads empty: it does not match, and counts as gone.
    if (pid !== process.pid && environHolds(pid, needle)) pids.push(pid);
  };
  const size = range === undefined ? Infinity : windowSize(range);
  if (range !== undefined && size <= PROBE_AT_MOST) {
    // A few pids since the spawn (the usual case): try each, no listing of /proc.
    for (let i = 0, pid = range.first; i < size; i++, pid = pid >= range.pidMax - 1 ? 1 : pid + 1)
      check(pid);
    return pids;
  }
  for (const name of safeReaddir('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    if (range === undefined || inPidWindow(pid, range.first, range.last)) check(pid);
  }
  return pids;
}

/** Up to this many pids in the window, each is tried; past it, /proc is listed. */
const PROBE_AT_MOST = 512;

function windowSize(range: { first: number; last: number; pidMax: number }): number {
  return range.first <= range.last
    ? range.last - range.first + 1
    : range.pidMax - range.first + range.last;
}

export interface EnvSweep {
  /** Every pid found carrying the entry (and sent SIGKILL). */
  readonly killed: readonly number[];
  /** Still running at the deadline (stuck in the kernel). */
  readonly survivors: readonly number[];
}

/**
 * SIGKILLs every process carrying `entry` until none is left, or `deadlineMs` passed; with a
 * `window`, looks only at the pids allocated since its first one.
 */
export async function sweepProcessesWithEnv(
  entry: string,
  deadlineMs: number,
  window?: PidWindow,
): Promise<EnvSweep> {
  const until = Date.now() + deadlineMs;
  const killed = new Set<number>();
  for (;;) {
    const found = processesWithEnv(entry, window);
    if (found.length === 0) return { killed: [...killed], survivors: [] };
    if (Date.now() >= until) return { killed: [...killed], survivors: found };
    for (const pid of found) {
      killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile (ESRCH), or not ours (EPERM: it could not have matched).
      }
    }
    await sleep(5);
  }
}

function currentRange(
  window: PidWindow,
): { first: number; last: number; pidMax: number } | undefined {
  const forks = readForks();
  const load = readLoadavg();
  const pidMax = readNumber('/proc/sys/kernel/pid_max');
  if (forks === undefined || load === undefined || pidMax === undefined) return undefined;
  const range = pidRange(window, { forks, lastPid: load.lastPid, pidMax });
  return range === undefined ? undefined : { ...range, pidMax };
}

/** One buffer for every environ read: the bot reads them one at a time. */
let readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Whether the NUL-separated environment of `pid` has `needle` (`\0K=V\0`) as one of its entries. */
function environHolds(pid: number, needle: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r');
  } catch {
    return false; // gone, or not ours to read
  }
  try {
    // A leading NUL makes the first entry look like every other: `\0K=V\0`.
    readBuffer[0] = 0;
    let length = 1;
    for (;;) {
      if (length === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, length);
        readBuffer = bigger;
      }
      const n = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return readBuffer.subarray(0, length).includes(needle);
  } catch {
    return false; // gone while reading
  } finally {
    closeSync(fd);
  }
}

/** `/proc` shows this process's own pid namespace (not another one's, mounted there). */
let procOurs: boolean | undefined;
function procIsOurs(): boolean {
  if (procOurs === undefined) {
    try {
      procOurs =
        process.platform === 'linux' &&
        readFileSync('/proc/self/stat', 'latin1').startsWith(`${process.pid} `);
    } catch {
      procOurs = false;
    }
  }
  return procOurs;
}

/** A small /proc file, in one read (they are generated whole on open). */
function readProc(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, procBuffer, 0, procBuffer.length, null);
    return procBuffer.toString('latin1', 0, n);
  } finally {
    closeSync(fd);
  }
}
const procBuffer = Buffer.allocUnsafe(64 * 1024);

function readForks(): number | undefined {
  try {
    const text = readProc('/proc/stat');
    const m = /^processes (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `/proc/loadavg`: "0.50 0.40 0.30 running/threads lastpid". */
function readLoadavg(): { threads: number; lastPid: number } | undefined {
  try {
    const fields = readProc('/proc/loadavg').trim().split(' ');
    const threads = Number(fields[3]?.split('/')[1]);
    const lastPid = Number(fields[4]);
    return Number.isInteger(threads) && Number.isInteger(lastPid)
      ? { threads, lastPid }
      : undefined;
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readProc(file).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
