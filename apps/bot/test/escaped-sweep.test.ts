import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  inPidWindow,
  isProcessRunning,
  pidMarkNow,
  pidRange,
  processesWithEnv,
} from '../src/index';
import { until } from './helpers';

/**
 * The sweep after a task reads the environ of the pids allocated since the payload's spawn only
 * (escaped-sweep.ts): the cyclic pid interval, and when it must fall back to reading them all.
 */

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** A process carrying `nonce`, as the first entry of its environment or after PATH. */
function carrier(nonce: string, nonceFirst = false): number {
  const child = spawn('sleep', ['1000'], {
    detached: true,
    stdio: 'ignore',
    env: nonceFirst
      ? { DROVER_TASK_NONCE: nonce, PATH: process.env.PATH }
      : { PATH: process.env.PATH, DROVER_TASK_NONCE: nonce },
  });
  spawned.push(child.pid!);
  return child.pid!;
}

describe('the pid window of the escaped-process sweep', () => {
  it.each([
    // first, last, pid, inside
    [100, 200, 100, true],
    [100, 200, 150, true],
    [100, 200, 200, true],
    [100, 200, 99, false],
    [100, 200, 201, false],
    // The allocator wrapped at pid_max since the spawn.
    [32000, 400, 32500, true],
    [32000, 400, 350, true],
    [32000, 400, 400, true],
    [32000, 400, 401, false],
    [32000, 400, 31999, false],
  ])('from %i to %i, pid %i is inside: %s', (first, last, pid, inside) => {
    expect(inPidWindow(pid, first, last)).toBe(inside);
  });

  it('reads the pids since the spawn while the allocator cannot have gone all the way round', () => {
    const window = { firstPid: 1000, mark: { forks: 50_000, threads: 400 } };
    expect(pidRange(window, { forks: 50_010, lastPid: 1010, pidMax: 32768 })).toEqual({
      first: 1000,
      last: 1010,
    });
    // forks + threads alive at the spawn reach pid_max − 300: a lap is possible, read them all.
    expect(
      pidRange(window, { forks: 50_000 + 32_068, lastPid: 1010, pidMax: 32768 }),
    ).toBeUndefined();
    expect(
      pidRange(window, { forks: 50_000 + 32_067, lastPid: 1010, pidMax: 32768 }),
    ).toBeDefined();
    // A counter that went backwards cannot be trusted.
    expect(pidRange(window, { forks: 49_999, lastPid: 1010, pidMax: 32768 })).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')(
    'finds a process started after the mark by its nonce, and skips one allocated before the window',
    async () => {
      const nonce = '12'.repeat(16);
      const before = carrier(nonce);
      const mark = pidMarkNow();
      expect(mark).toBeDefined();
      const after = carrier(nonce, true);
      await until('both run', () => isProcessRunning(before) && isProcessRunning(after));
      const entry = `DROVER_TASK_NONCE=${nonce}`;
      expect(processesWithEnv(entry).sort()).toEqual([before, after].sort());
      expect(processesWithEnv(entry, { firstPid: after, mark: mark! })).toEqual([after]);
    },
  );

  it.runIf(process.platform === 'linux')('matches whole environment entries only', async () => {
    const nonce = '34'.repeat(16);
    const pid = carrier(`${nonce}ff`);
    await until('it runs', () => isProcessRunning(pid));
    expect(processesWithEnv(`DROVER_TASK_NONCE=${nonce}`)).toEqual([]);
    expect(processesWithEnv(`DROVER_TASK_NONCE=${nonce}ff`)).toEqual([pid]);
  });
});
