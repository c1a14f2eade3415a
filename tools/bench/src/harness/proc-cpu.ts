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

/**
 * A bot's CPU with its fork server's (apps/bot/src/containment/fork-server.ts), which forks the
 * payloads for it: its own time counts as the bot's own, and the payloads it reaped as the bot's
 * children. undefined when the bot is gone.
 */
export function botCpu(pid: number | undefined): ProcCpu | undefined {
  const bot = procCpu(pid);
  if (bot === undefined || pid === undefined) return bot;
  let ownMs = bot.ownMs;
  let childrenMs = bot.childrenMs;
  for (const child of childPids(pid)) {
    if (commOf(child) !== 'drover-spawn') continue;
    const server = procCpu(child);
    if (server === undefined) continue;
    ownMs += server.ownMs;
    childrenMs += server.childrenMs;
  }
  return { ownMs, childrenMs };
}

/** The children of `pid`'s main thread (every process a Node.js program spawns is one). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .split(' ')
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return undefined;
  }
}
