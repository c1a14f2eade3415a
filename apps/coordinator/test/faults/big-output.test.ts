// A payload printing 1 GiB to a bot whose output cap is small (--max-output): the task must end,
// the stored output must stop at the cap plus one marker line, and neither the coordinator nor
// the bot may grow with what was printed (VmRSS sampled from /proc during the run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './child-processes';
import { vmRssBytes } from './conditions';
import { shTask, TasksApi } from './tasks-api';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const CAP_BYTES = 1 * MIB;
/** The marker line after a truncated output is short. */
const MARKER_MAX_BYTES = 512;
const RSS_BOUND_BYTES = 400 * MIB;

let dir: ReturnType<typeof tempDir>;
let coord: CoordinatorChild | undefined;
let bot: LoggedProcess | undefined;
let api: TasksApi;

beforeAll(async () => {
  dir = tempDir('drover-faults-big-output-');
  coord = await startCoordinatorChild({ dataDir: dir.path });
  api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
  bot = await startBot({
    server: coord.grpcAddress,
    dataDir: dir.path,
    botId: 'big-output-bot',
    extraArgs: ['--max-output', String(CAP_BYTES)],
  });
});

afterAll(async () => {
  api?.close();
  await bot?.kill9();
  await coord?.proc.stop();
  dir?.remove();
});

/** Samples the peak VmRSS of some processes every `everyMs` until stopped. */
function samplePeakRss(pids: Record<string, number>, everyMs = 50) {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      peak[name] = Math.max(peak[name] ?? 0, vmRssBytes(pid) ?? 0);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

describe('a payload printing 1 GiB to a bot with a small output cap', () => {
  it('ends with the output capped plus a marker line, the coordinator and bot staying small', async () => {
    const rss = samplePeakRss({ coordinator: coord!.pid, bot: bot!.pid });
    let peak: Record<string, number>;
    let done;
    try {
      const created = await api.newTask(
        shTask(`head -c ${GIB} /dev/zero`, { executionTimeoutSecs: 60 }),
      );
      done = await api.final(created.task_id, 30_000);
    } finally {
      peak = rss.stop();
    }

    expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    const size = Number(done.output_size);
    expect(size).toBeGreaterThanOrEqual(CAP_BYTES);
    expect(size).toBeLessThanOrEqual(CAP_BYTES + MARKER_MAX_BYTES);
    const output = await api.output(done.task_id);
    expect(output.length).toBe(size);
    // The cap's worth of what the payload printed, then one line saying the rest was dropped.
    expect(output.subarray(0, CAP_BYTES).every((b) => b === 0)).toBe(true);
    const marker = output.subarray(CAP_BYTES).toString('utf8');
    expect(marker).toMatch(/truncat/i);
    expect(marker.endsWith('\n')).toBe(true);
    expect(marker.trim().split('\n')).toHaveLength(1);

    expect(peak.coordinator, `coordinator peak VmRSS ${peak.coordinator! / MIB} MiB`).toBeLessThan(
      RSS_BOUND_BYTES,
    );
    expect(peak.bot, `bot peak VmRSS ${peak.bot! / MIB} MiB`).toBeLessThan(RSS_BOUND_BYTES);
  }, 40_000);
});
