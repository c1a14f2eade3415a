// The coordinator's data dir fills up (a small tmpfs, mounted by this test when it runs as root,
// and a filler file): writes answer RESOURCE_EXHAUSTED "coordinator data dir is full", /healthz
// and /metrics say the store is failing, a bot whose output cannot be stored is told to back off
// and reconnects at most once per backoff step, and its task resumes once space returns (the
// documented choice: the bot keeps the output and result it could not deliver). Nothing
// committed is lost across a restart after that.
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  freePort,
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './child-processes';
import { shTask, TasksApi } from './tasks-api';

const TMPFS_SIZE = '24m';
const LINES = 300;
/** The bot holds a task: its delays are capped at 5 s (apps/bot backoff.ts, holdingMaxMs). */
const HOLDING_DELAYS_MIN_MS = [125, 250, 500, 1000, 2000];
const HOLDING_DELAY_CAP_MIN_MS = 2500;
const WINDOW_MS = 12_000;

const root = tempDir('drover-faults-disk-full-');
const dataDir = join(root.path, 'data');
const botDataDir = join(root.path, 'bot');
mkdirSync(dataDir);
mkdirSync(botDataDir);

/** Mounts the tmpfs; the reason it cannot otherwise (the only allowed skip). */
function mountTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0700`, 'tmpfs', dataDir], {
      stdio: 'pipe',
    });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}`;
  }
}
const cannotMount = mountTmpfs();
if (cannotMount !== undefined) {
  console.warn(`disk-full.test.ts skipped: cannot mount a tmpfs (${cannotMount})`);
}

let port = 0;
let coord: CoordinatorChild | undefined;
let bot: LoggedProcess | undefined;
let api: TasksApi | undefined;
const fillerPath = join(dataDir, 'filler');

async function startCoordinator(): Promise<CoordinatorChild> {
  const c = await startCoordinatorChild({ dataDir, listen: `127.0.0.1:${port}` });
  api?.close();
  api = TasksApi.forDataDir(c.grpcAddress, dataDir);
  return c;
}

function httpAddress(): string {
  return (JSON.parse(readFileSync(join(dataDir, 'coordinator.json'), 'utf8')) as { http: string })
    .http;
}

/** Writes a file until the disk refuses more (ENOSPC). */
function fillDisk(): void {
  const fd = openSync(fillerPath, 'a');
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const block = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, block);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function healthz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${httpAddress()}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 20_000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`no ${what} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reconnects that fit in `windowMs` at the shortest delays a task-holding bot draws. */
function maxReconnectsWithin(windowMs: number): number {
  let atMs = 0;
  let n = 0;
  for (let attempt = 0; ; attempt++) {
    atMs += HOLDING_DELAYS_MIN_MS[attempt] ?? HOLDING_DELAY_CAP_MIN_MS;
    if (atMs > windowMs) return n;
    n++;
  }
}

const expectedLines = Array.from({ length: LINES }, (_, i) => `line-${String(i).padStart(5, '0')}`);

beforeAll(async () => {
  if (cannotMount !== undefined) return;
  port = await freePort();
  coord = await startCoordinator();
  copyFileSync(join(dataDir, 'bot.token'), join(botDataDir, 'bot.token'));
  bot = await startBot({ server: coord.grpcAddress, dataDir: botDataDir, botId: 'disk-full-bot' });
}, 60_000);

afterAll(async () => {
  api?.close();
  await bot?.kill9();
  await coord?.proc.stop();
  if (cannotMount === undefined) {
    try {
      execFileSync('umount', [dataDir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dataDir], { stdio: 'pipe' });
    }
  }
  root.remove();
});

describe.skipIf(cannotMount !== undefined)('a coordinator whose data dir is full', () => {
  it('answers RESOURCE_EXHAUSTED, backs its bot off, resumes the task, loses nothing', async () => {
    const before = await api!.newTask(shTask('echo committed-before'));
    expect(await api!.final(before.task_id)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });

    // ~8 KiB a line, a line every 30 ms: it is still printing while the disk is full.
    const streaming = await api!.newTask(
      shTask(
        `i=0; while [ $i -lt ${LINES} ]; do printf 'line-%05d %08000d\\n' $i 0; i=$((i+1)); sleep 0.03; done`,
        { executionTimeoutSecs: 120 },
      ),
    );
    await api!.outputStored(streaming.task_id);

    fillDisk();
    // NewTask: accepted while SQLite still finds room in pages it has, then refused as full —
    // never INTERNAL. The accepted ones ask for a bot nobody has: they stay PENDING.
    const accepted: string[] = [];
    let refusal: grpc.ServiceError | undefined;
    for (let i = 0; i < 500 && refusal === undefined; i++) {
      try {
        const r = await api!.newTask(shTask('true', { dims: ['nobody=has-this'] }));
        accepted.push(r.task_id);
      } catch (err) {
        refusal = err as grpc.ServiceError;
      }
      fillDisk();
    }
    expect(refusal?.code, String(refusal)).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refusal?.details).toBe('coordinator data dir is full');

    const failing = await waitFor('/healthz 503', async () => {
      const h = await healthz();
      return h.status === 503 ? h : undefined;
    });
    expect(failing.body).toMatchObject({
      status: 'unavailable',
      problem: 'coordinator data dir is full',
    });
    const metrics = await (
      await fetch(`http://${httpAddress()}/metrics`, {
        headers: {
          authorization: `Bearer ${readFileSync(join(dataDir, 'client.token'), 'utf8').trim()}`,
        },
      })
    ).text();
    expect(metrics).toContain('drover_store_failing{reason="full"} 1');

    // The bot's output cannot be stored: it is told to back off, and backs off.
    let connects = 0;
    const onRecord = (r: { msg?: string }) => {
      if (r.msg === 'connecting') connects++;
    };
    bot!.records.on('record', onRecord);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    bot!.records.off('record', onRecord);
    console.info(
      `disk full: ${accepted.length} NewTask accepted before the refusal; ${connects} bot connects in ${WINDOW_MS} ms (at most ${maxReconnectsWithin(WINDOW_MS) + 1} allowed)`,
    );
    expect(connects).toBeGreaterThanOrEqual(1);
    expect(connects).toBeLessThanOrEqual(maxReconnectsWithin(WINDOW_MS) + 1);
    expect((await api!.result(streaming.task_id)).state).toBe('RUNNING');

    // Space returns: the bot's next stream delivers what it kept and the task goes on to its end.
    unlinkSync(fillerPath);
    const done = await api!.final(streaming.task_id, 60_000);
    expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    const lines = (await api!.output(streaming.task_id)).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => l.slice(0, 10))).toEqual(expectedLines);
    await waitFor('/healthz 200', async () =>
      (await healthz()).status === 200 ? true : undefined,
    );

    // Restart: everything committed is still there.
    await coord!.proc.stop();
    coord = await startCoordinator();
    expect(await api!.result(before.task_id)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    expect((await api!.output(before.task_id)).toString()).toBe('committed-before\n');
    expect(await api!.result(streaming.task_id)).toMatchObject({ state: 'COMPLETED' });
    expect(
      (await api!.output(streaming.task_id)).toString('utf8').trimEnd().split('\n'),
    ).toHaveLength(LINES);
    for (const id of accepted) expect((await api!.result(id)).state).toBe('PENDING');
  }, 180_000);
});
