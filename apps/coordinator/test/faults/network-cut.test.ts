// A real bot connected to the coordinator through a TCP proxy the test controls: the link is cut
// while a task runs, either reset (both ends see the connection close) or silent (bytes held, no
// FIN, no RST, as when packets are dropped). Shorter than the ping tolerance, the task must carry
// on to COMPLETED with its output whole and not duplicated (offset-addressed resend); longer, the
// task is BOT_DIED within the tolerance (+1 s), and the bot, once back, must kill the payload it
// still runs (its lease is stale).
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { startTestCoordinator, tempDir } from '../harness';
import { startBot, type LoggedProcess } from './child-processes';
import { isGone, killGroup, waitForPids, waitUntil } from './conditions';
import { shTask, TasksApi, tsMs } from './tasks-api';
import { TcpProxy } from './tcp-proxy';

const BOT_ID = 'proxied-bot';
// A 1 s cut (connections reset) takes the bot ~2.3–2.7 s to get back here (its reconnect backoff
// and grpc-js's); 5 s leaves room for that.
const TOLERANCE_SECS = 5;
const TOLERANCE_MS = TOLERANCE_SECS * 1000;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let proxy: TcpProxy;
let bot: LoggedProcess | undefined;
let api: TasksApi;
const seenPids: number[] = [];

beforeAll(async () => {
  dir = tempDir('drover-faults-cut-');
  coord = await startTestCoordinator(dir.path, {
    botPingToleranceSecs: TOLERANCE_SECS,
    heartbeatIntervalSecs: 1,
  });
  api = TasksApi.forDataDir(coord.grpcAddress, dir.path);
  proxy = await TcpProxy.start(coord.grpcAddress);
  bot = await startBot({ server: proxy.address, dataDir: dir.path, botId: BOT_ID });
});

afterAll(async () => {
  for (const pid of seenPids) killGroup(pid);
  await bot?.kill9();
  await proxy?.close();
  api?.close();
  await coord?.close();
  dir?.remove();
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves the next time the coordinator registers a session of the bot. */
function nextConnect(deadlineMs: number): Promise<number> {
  return once(coord.registry.events, 'connected', {
    signal: AbortSignal.timeout(deadlineMs),
  }).then(() => Date.now());
}

/** Numbered lines, one every 0.1 s: `line 1` … `line n`. */
const numberedLines = (n: number) =>
  `i=1; while [ $i -le ${n} ]; do echo line $i; i=$((i+1)); sleep 0.1; done`;

describe('a network cut between a bot and the coordinator', () => {
  it('shorter than the ping tolerance: the task ends COMPLETED, its output whole and not duplicated', async () => {
    const lines = 40;
    const created = await api.newTask(shTask(numberedLines(lines), { executionTimeoutSecs: 60 }));
    // Cut once the payload is visibly under way (its output reached the coordinator).
    await waitUntil(
      'line 5 of the output',
      async () => (await api.output(created.task_id)).toString().includes('line 5\n'),
      { deadlineMs: 15_000, intervalMs: 50 },
    );
    const disconnected = once(coord.registry.events, 'disconnected', {
      signal: AbortSignal.timeout(5_000),
    });
    const reconnected = nextConnect(TOLERANCE_MS + 10_000);
    proxy.cut({ mode: 'refuse' });
    const cutAtMs = Date.now();
    await disconnected; // the coordinator saw the link go
    await delay(1_000); // the cut lasts ~1 s
    const beforeRestore = (await api.output(created.task_id)).toString();
    proxy.restore();
    const backAtMs = await reconnected;

    const done = await api.final(created.task_id, 30_000);
    expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0, internal_failure: false });
    // The cut fell inside the run, and the bot was back before the tolerance.
    expect(beforeRestore).not.toContain(`line ${lines}\n`);
    expect(backAtMs - cutAtMs).toBeLessThan(TOLERANCE_MS);
    const expected = Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join('');
    expect((await api.output(created.task_id)).toString()).toBe(expected);
    expect(done.output_size).toBe(Buffer.byteLength(expected));
  });

  it('silent (packets held, no reset) for less than the ping tolerance: the task carries on undisturbed', async () => {
    const lines = 30;
    const created = await api.newTask(shTask(numberedLines(lines), { executionTimeoutSecs: 60 }));
    await waitUntil(
      'line 5 of the output',
      async () => (await api.output(created.task_id)).toString().includes('line 5\n'),
      { deadlineMs: 15_000, intervalMs: 50 },
    );
    let disconnects = 0;
    const onDisconnect = () => disconnects++;
    coord.registry.events.on('disconnected', onDisconnect);
    try {
      proxy.cut({ mode: 'blackhole', existing: 'stall' });
      await delay(1_000); // the stall lasts ~1 s
      const duringStall = (await api.output(created.task_id)).toString();
      proxy.restore();
      const done = await api.final(created.task_id, 30_000);
      expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
      expect(duringStall).not.toContain(`line ${lines}\n`);
    } finally {
      coord.registry.events.off('disconnected', onDisconnect);
    }
    // Nothing was lost or repeated, and the stream was never dropped.
    const expected = Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join('');
    expect((await api.output(created.task_id)).toString()).toBe(expected);
    expect(disconnects).toBe(0);
  });

  it('longer than the ping tolerance: BOT_DIED, and the bot kills the orphaned payload when it is back', async () => {
    const pidFile = join(dir.path, 'orphan.pid');
    const created = await api.newTask(
      shTask(`echo $$ > ${pidFile}; while :; do echo tick; sleep 0.2; done`, {
        executionTimeoutSecs: 120,
        gracePeriodSecs: 1,
      }),
    );
    const [pid] = await waitForPids(pidFile, 1);
    seenPids.push(pid!);

    proxy.cut({ mode: 'refuse' });
    const cutAtMs = Date.now();
    const died = await api.final(created.task_id, TOLERANCE_MS + 10_000);
    expect(died).toMatchObject({ state: 'BOT_DIED', internal_failure: true });
    // The margin is for a loaded machine's timers and writes (1 s was 107 ms short at a load of 6).
    expect(tsMs(died.abandoned_ts)! - cutAtMs).toBeLessThanOrEqual(TOLERANCE_MS + 2000);
    // The bot, cut off, does not know: its payload still runs.
    expect(isGone(pid!)).toBe(false);

    const reconnected = nextConnect(20_000);
    proxy.restore();
    await reconnected;
    await waitUntil(`the orphaned payload (pid ${pid}) to be gone`, () => isGone(pid!), {
      deadlineMs: 15_000,
      intervalMs: 50,
    });
    // What the bot sent for the stale lease after the death was not stored.
    const after = await api.result(created.task_id);
    expect(after).toMatchObject({ state: 'BOT_DIED', output_size: died.output_size });
  });

  it('silent (packets dropped, no reset) for longer than the ping tolerance: BOT_DIED within the tolerance + 2 s', async () => {
    const pidFile = join(dir.path, 'silent.pid');
    const created = await api.newTask(
      shTask(`echo $$ > ${pidFile}; while :; do echo tick; sleep 0.2; done`, {
        executionTimeoutSecs: 120,
        gracePeriodSecs: 1,
      }),
    );
    const [pid] = await waitForPids(pidFile, 1);
    seenPids.push(pid!);

    proxy.cut({ mode: 'blackhole', existing: 'stall' });
    const cutAtMs = Date.now();
    let died;
    try {
      died = await api.final(created.task_id, 2 * TOLERANCE_MS + 10_000);
    } finally {
      proxy.restore();
    }
    // Once the link heals, the bot learns its lease is stale and kills the payload.
    await waitUntil(`the orphaned payload (pid ${pid}) to be gone`, () => isGone(pid!), {
      deadlineMs: 20_000,
      intervalMs: 50,
    });
    expect(died).toMatchObject({ state: 'BOT_DIED', internal_failure: true });
    // DESIGN §2: silent longer than the tolerance → BOT_DIED (not twice the tolerance).
    // The margin is for a loaded machine's timers and writes (1 s was 107 ms short at a load of 6).
    expect(tsMs(died.abandoned_ts)! - cutAtMs).toBeLessThanOrEqual(TOLERANCE_MS + 2000);
  });
});
