import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Signals to a whole process group, and a check that nothing of a group survives. A task's
 * payload leads its own group (spawned detached), so `-pid` reaches it and every descendant that
 * did not leave the group.
 */

/** Sends `signal` (0: probe only) to the group `pgid`; false if the group is gone (ESRCH). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Whether a process is alive and not a zombie. A zombie holds no resources and runs no code; in
 * a container whose init does not reap orphans it lingers, so `kill(pid, 0)` alone is not enough.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

/**
 * PIDs in the group that are still running (not zombies). Linux reads /proc; elsewhere the group
 * counts as running while `kill(-pgid, 0)` succeeds, and the answer is `[pgid]`.
 */
export function runningGroupMembers(pgid: number): number[] {
  if (!signalGroup(pgid, 0)) return [];
  if (process.platform !== 'linux') return [pgid];
  const members: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z') members.push(Number(name));
  }
  return members;
}

/**
 * SIGKILLs the group until no member runs, or the deadline passes. Returns the members still
 * running at the end (empty on success).
 */
export async function sweepGroup(pgid: number, deadlineMs: number): Promise<number[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    signalGroup(pgid, 'SIGKILL');
    const left = runningGroupMembers(pgid);
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(5);
  }
}

/**
 * When the process started, in clock ticks since boot (Linux; undefined elsewhere or if it is
 * gone). With the pid it names one process for good: a reused pid has another start time.
 */
export function processStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

/** This boot's id (Linux); pids from another boot mean nothing now. */
export function currentBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readStat(pid: number): { state: string; pgrp: number; startTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ... starttime(22nd) ..."; comm may hold spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
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

/**
 * The termination dance: SIGTERM to the whole group, wait `graceMs` for the leader to exit, then
 * SIGKILL the group; resolves once the leader is reaped (`exited`). Whether the leader left within
 * the grace period is the answer. Survivors of the group are the caller's to sweep afterwards.
 */
export async function terminationDance(
  pgid: number,
  graceMs: number,
  exited: Promise<unknown>,
): Promise<'exited-in-grace' | 'killed'> {
  signalGroup(pgid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
  });
  const inGrace = await Promise.race([exited.then(() => true as const), graceOver]);
  clearTimeout(timer);
  if (!inGrace) signalGroup(pgid, 'SIGKILL');
  await exited;
  return inGrace ? 'exited-in-grace' : 'killed';
}
