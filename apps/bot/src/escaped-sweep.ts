import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Processes of a task that left its process group (`setsid`, a daemonizing double fork) are out
 * of reach of the group's signals, but they inherited the task's environment: every process of a
 * task carries `DROVER_TASK_NONCE=<random>`, unguessable, so a match is the task's and nothing
 * else's. Linux reads `/proc/<pid>/environ` (the environment the process was started with); an
 * entry we may not read is another user's, not ours. Elsewhere there is nothing to scan.
 *
 * A process that cleared its environment (`env -i`) escapes this too; its pipes are then
 * abandoned after the runner's drain limit.
 */

/** Running (not zombie) pids, other than this process, whose environment holds `entry` (`K=V`). */
export function processesWithEnv(entry: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${entry}\0`);
  const inner = Buffer.from(`\0${entry}\0`);
  const pids: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    // A zombie's environ reads empty: it does not match, and counts as gone.
    if (environ.subarray(0, needle.length).equals(needle) || environ.includes(inner))
      pids.push(pid);
  }
  return pids;
}

export interface EnvSweep {
  /** Every pid found carrying the entry (and sent SIGKILL). */
  readonly killed: readonly number[];
  /** Still running at the deadline (stuck in the kernel). */
  readonly survivors: readonly number[];
}

/** SIGKILLs every process carrying `entry` until none is left, or `deadlineMs` passed. */
export async function sweepProcessesWithEnv(entry: string, deadlineMs: number): Promise<EnvSweep> {
  const until = Date.now() + deadlineMs;
  const killed = new Set<number>();
  for (;;) {
    const found = processesWithEnv(entry);
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

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
