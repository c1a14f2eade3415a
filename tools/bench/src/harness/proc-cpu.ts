import { readFileSync } from 'node:fs';

/** CPU time of a process from /proc/<pid>/stat, ms: its own, and that of its reaped children. */
export interface ProcCpu {
  readonly ownMs: number;
  readonly childrenMs: number;
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** undefined when the process is gone or there is no /proc. */
export function procCpu(pid: number | undefined): ProcCpu | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After the command (in parentheses, which may hold spaces): field 3 on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = (i: number) => Number(fields[i - 3] ?? 0);
    const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
    return { ownMs: ms(tick(14) + tick(15)), childrenMs: ms(tick(16) + tick(17)) };
  } catch {
    return undefined;
  }
}

/** `after − before`, summed over processes; a process missing on either side counts 0. */
export function cpuDelta(
  before: readonly (ProcCpu | undefined)[],
  after: readonly (ProcCpu | undefined)[],
): ProcCpu {
  let ownMs = 0;
  let childrenMs = 0;
  for (const [i, a] of after.entries()) {
    const b = before[i];
    if (a === undefined || b === undefined) continue;
    ownMs += a.ownMs - b.ownMs;
    childrenMs += a.childrenMs - b.childrenMs;
  }
  return { ownMs, childrenMs };
}
