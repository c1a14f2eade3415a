import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CoordinatorSettings,
  CoordinatorStats,
  FromCoordinator,
  ToCoordinator,
} from './coordinator-ipc';

/** A real coordinator in a child process (its memory and CPU apart from the benchmark's). */
export interface CoordinatorChild {
  readonly pid: number;
  readonly grpcAddress: string;
  /** How long startCoordinator() took: store open, engine.start() (index rebuild), bind. */
  readonly startMs: number;
  /** Stats right after start. */
  readonly startStats: CoordinatorStats;
  /** Highest RSS the process reached while starting (Linux; 0 elsewhere). */
  readonly startPeakRssBytes: number;
  /** Current stats; with `gc`, after a full garbage collection (the live size). */
  stats(options?: { gc?: boolean }): Promise<CoordinatorStats>;
  /** Closes the coordinator and waits for the process to end (killed if it does not). */
  stop(): Promise<void>;
}

/** How starting went: serving, or (an outcome to report, not a bug) not within the budget. */
export type SpawnOutcome =
  | { readonly kind: 'serving'; readonly coordinator: CoordinatorChild }
  | {
      readonly kind: 'not-serving';
      readonly reason: 'budget' | 'exited' | 'failed';
      readonly detail: string;
      readonly afterMs: number;
      /** Highest and last RSS seen while waiting (Linux; 0 elsewhere). */
      readonly peakRssBytes: number;
      readonly lastRssBytes: number;
    };

export interface SpawnCoordinatorOptions {
  readonly root: string;
  readonly dataDir: string;
  /** Stops waiting (and kills the child) when the coordinator does not serve within this. */
  readonly startBudgetMs: number;
  readonly signal?: AbortSignal;
  /** Coordinator settings besides the addresses and data dir (e.g. the heartbeat interval). */
  readonly settings?: CoordinatorSettings;
  /** Extra node flags for the child, e.g. `--cpu-prof --cpu-prof-dir=…` to profile it. */
  readonly execArgv?: readonly string[];
}

export async function spawnCoordinator(options: SpawnCoordinatorOptions): Promise<SpawnOutcome> {
  const bin = join(options.root, 'tools', 'bench', 'bin', 'bench-coordinator.js');
  const t0 = performance.now();
  const child = fork(bin, [options.dataDir, JSON.stringify(options.settings ?? {})], {
    cwd: options.root,
    execArgv: ['--expose-gc', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Sampled from /proc: a coordinator busy starting answers no IPC.
  let peakRssBytes = 0;
  let lastRssBytes = 0;
  const sample = () => {
    const mem = procMemory(child.pid);
    if (mem !== undefined) {
      lastRssBytes = mem.rssBytes;
      peakRssBytes = Math.max(peakRssBytes, mem.peakRssBytes, mem.rssBytes);
    }
  };
  const sampler = setInterval(sample, 500);
  const waited = await next(child, 'ready', options.startBudgetMs, options.signal);
  sample();
  clearInterval(sampler);
  if (waited.kind !== 'message') {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    if (waited.kind === 'aborted') throw new Error('aborted while the coordinator was starting');
    return {
      kind: 'not-serving',
      reason: waited.kind,
      detail: waited.detail,
      afterMs: performance.now() - t0,
      peakRssBytes,
      lastRssBytes,
    };
  }
  const ready = waited.message;

  let stopping: Promise<void> | undefined;
  const coordinator: CoordinatorChild = {
    pid: child.pid ?? 0,
    grpcAddress: ready.grpcAddress,
    startMs: ready.startMs,
    startStats: ready.stats,
    startPeakRssBytes: peakRssBytes,
    async stats({ gc = false } = {}) {
      send(child, { type: 'stats', gc });
      const got = await next(child, 'stats', 30_000);
      if (got.kind !== 'message') throw new Error(`coordinator stats: ${got.detail}`);
      const stats = got.message.stats;
      // -1: the child could not read its own RSS (no free descriptor); /proc from here can.
      if (stats.rssBytes >= 0) return stats;
      return { ...stats, rssBytes: procMemory(child.pid)?.rssBytes ?? Number.NaN };
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          if (child.connected) send(child, { type: 'stop' });
          // Closing 10,000 bot sessions and writing a CPU profile take a while.
          const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
          await exited;
          clearTimeout(timer);
        }
        process.off('exit', killOnExit);
      })();
      return stopping;
    },
  };
  return { kind: 'serving', coordinator };
}

/** RSS and its high-water mark from /proc (Linux), or undefined. */
export function procMemory(
  pid: number | undefined,
): { rssBytes: number; peakRssBytes: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

function send(child: ChildProcess, message: ToCoordinator): void {
  child.send(message);
}

type Waited<T extends FromCoordinator['type']> =
  | { readonly kind: 'message'; readonly message: Extract<FromCoordinator, { type: T }> }
  | { readonly kind: 'budget' | 'exited' | 'failed' | 'aborted'; readonly detail: string };

/** The next message of a type, or why it did not come. */
function next<T extends FromCoordinator['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Waited<T>> {
  return new Promise((resolve) => {
    const done = (result: Waited<T>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onMessage = (message: FromCoordinator) => {
      if (message.type === 'failed') done({ kind: 'failed', detail: message.error });
      else if (message.type === type) {
        done({ kind: 'message', message: message as Extract<FromCoordinator, { type: T }> });
      }
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null) =>
      done({ kind: 'exited', detail: `exited (${sig ?? `code ${code}`}) before '${type}'` });
    const onAbort = () => done({ kind: 'aborted', detail: 'aborted' });
    const timer = setTimeout(
      () => done({ kind: 'budget', detail: `no '${type}' within ${timeoutMs} ms` }),
      timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
