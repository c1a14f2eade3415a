import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { botLockPath, EXIT_CODES } from '../src/index';
import { useBotProcesses } from './bot-process-harness';
import { sh, within } from './helpers';

/** One bot per bot dir, and the output cap, on real bot processes. */

const h = useBotProcesses();
const MiB = 1024 ** 2;

/** The resident set of a process, from /proc/<pid>/status (Linux); 0 once it is gone. */
function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

describe('drover-bot limits', () => {
  it('a second bot on the same bot dir exits 6 naming the first; the first removes its lock when it stops', async () => {
    const first = h.start(h.args());
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    const lock = botLockPath(path.join(h.root, 'bots', 'bot-p'));
    expect(readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(first.pid));

    const second = await within('second bot exit', h.start(h.args()).run, 15_000);
    expect(second.exitCode).toBe(EXIT_CODES.botDirLocked);
    expect(second.stderr).toContain(`another drover-bot (pid ${first.pid}) runs on`);
    expect(h.coordinator.streams).toHaveLength(1);

    first.run.kill('SIGTERM');
    expect((await within('first bot exit', first.run, 15_000)).exitCode).toBe(EXIT_CODES.ok);
    expect(() => readFileSync(lock)).toThrow(/ENOENT/);
  });

  it('keeps exactly --max-output of a payload printing 200 MiB, then a marker line, with its RSS bounded', async () => {
    const printed = 200 * MiB;
    const bot = h.start(h.args('--max-output', '1MiB'));
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.autoAck();
    await bot.logged('bot ready');
    const baseline = rssBytes(bot.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(bot.pid))), 5);
    try {
      stream.send({
        assign: { task_id: 't1', lease_id: 'l1', manifest: sh(`head -c ${printed} /dev/zero`) },
      });
      const finished = await stream.take('task_finished', 15_000);
      const marker = `\n[drover: output truncated: ${printed - MiB} bytes dropped past the 1 MiB cap]\n`;
      expect(finished).toMatchObject({ exit_code: 0, output_size: MiB + marker.length });
      const pieces = stream.all('output').map((o) => ({ offset: Number(o.offset), data: o.data }));
      const all = Buffer.concat(pieces.map((p) => p.data));
      expect(all.length).toBe(MiB + marker.length);
      expect(all.subarray(0, MiB).equals(Buffer.alloc(MiB))).toBe(true);
      expect(all.subarray(MiB).toString()).toBe(marker);
    } finally {
      clearInterval(sampler);
    }
    // The bot read all 200 MiB through its pipes (head exited 0) and kept 1 MiB of it: its RSS
    // grows by garbage not yet collected (about 35 MiB here), far below what it read.
    expect(baseline).toBeGreaterThan(0);
    expect(peak - baseline).toBeLessThan(80 * MiB);
  });
});
