// The real drover-coordinator and drover-bot executables as child processes, each followed
// through its JSON log lines (pino): a start resolves on the line saying it is ready, and tests
// can await any later line. The last lines are kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = (rel: string) => fileURLToPath(new URL(`../../../${rel}`, import.meta.url));
export const COORDINATOR_BIN = bin('coordinator/bin/drover-coordinator.js');
export const BOT_BIN = bin('bot/bin/drover-bot.js');

export type LogRecord = Record<string, unknown> & { msg?: string };

const TAIL_LINES = 40;

/**
 * How long a coordinator or bot may take to say it is ready: half a second on an idle machine,
 * but a suite run beside a busy loop once had a bot print nothing for 20 s while five others and
 * three coordinators started with it.
 */
const READY_MS = 60_000;

/** A running executable and its log. */
export class LoggedProcess {
  readonly child: ChildProcess;
  /** Emits 'record' with each JSON log line. */
  readonly records = new EventEmitter<{ record: [LogRecord] }>();
  readonly #tail: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    path: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [path, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.#line(line));
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last log lines, for failure messages. */
  tail(): string {
    return this.#tail.join('\n');
  }

  /**
   * Resolves with the first record (from now on) satisfying `pred`; rejects when the process
   * exits first or at the deadline.
   */
  waitForRecord(
    what: string,
    pred: (rec: LogRecord) => boolean,
    deadlineMs = 20_000,
  ): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.records.off('record', onRecord);
        this.child.off('exit', onExit);
      };
      const onRecord = (rec: LogRecord) => {
        if (!pred(rec)) return;
        done();
        resolve(rec);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(
          new Error(
            `${this.name} exited (${signal ?? code}) before ${what}; last lines:\n${this.tail()}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.name}: no ${what} within ${deadlineMs} ms; last lines:\n${this.tail()}`,
          ),
        );
      }, deadlineMs);
      this.records.on('record', onRecord);
      this.child.once('exit', onExit);
      if (!this.running) onExit(this.child.exitCode, this.child.signalCode);
    });
  }

  /** kill -9, then waits for the exit. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, then SIGKILL if still running after `graceMs`; waits for the exit. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #line(line: string): void {
    this.#tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    let rec: LogRecord;
    try {
      rec = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    this.records.emit('record', rec);
  }
}

/** A port free right now on 127.0.0.1 (bound to :0 and closed), for a server that must restart on it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CoordinatorChild {
  readonly proc: LoggedProcess;
  readonly grpcAddress: string;
  readonly pid: number;
}

/** Starts drover-coordinator; resolves once it logged `coordinator ready`. */
export async function startCoordinatorChild(opts: {
  dataDir: string;
  /** @default '127.0.0.1:0' */
  listen?: string;
  extraArgs?: readonly string[];
}): Promise<CoordinatorChild> {
  const proc = new LoggedProcess(
    'drover-coordinator',
    COORDINATOR_BIN,
    [
      '--listen',
      opts.listen ?? '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--data-dir',
      opts.dataDir,
      ...(opts.extraArgs ?? []),
    ],
    { ...process.env, DROVER_LOG_LEVEL: 'info' },
  );
  try {
    const ready = await proc.waitForRecord(
      '"coordinator ready"',
      (r) => r.msg === 'coordinator ready',
      READY_MS,
    );
    return { proc, grpcAddress: String(ready['grpc']), pid: proc.pid };
  } catch (err) {
    await proc.kill9();
    throw err;
  }
}

/** Spawns drover-bot (log level info); `ready` resolves once it logged `bot ready`. */
export function spawnBot(opts: {
  server: string;
  dataDir: string;
  botId: string;
  extraArgs?: readonly string[];
}): { proc: LoggedProcess; ready: Promise<LoggedProcess> } {
  const proc = new LoggedProcess(
    `drover-bot ${opts.botId}`,
    BOT_BIN,
    [
      '--server',
      opts.server,
      '--data-dir',
      opts.dataDir,
      '--id',
      opts.botId,
      ...(opts.extraArgs ?? []),
    ],
    { ...process.env, DROVER_LOG_LEVEL: 'info' },
  );
  const ready = proc
    .waitForRecord('"bot ready"', (r) => r.msg === 'bot ready', READY_MS)
    .then(() => proc);
  // A caller that kills the bot before it is ready must not see an unhandled rejection.
  ready.catch(() => {});
  return { proc, ready };
}

/** Starts drover-bot and resolves once it logged `bot ready` (it has its Welcome). */
export async function startBot(opts: Parameters<typeof spawnBot>[0]): Promise<LoggedProcess> {
  const { proc, ready } = spawnBot(opts);
  try {
    return await ready;
  } catch (err) {
    await proc.kill9();
    throw err;
  }
}
