import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants as fsConstants, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { constants as osConstants } from 'node:os';

/**
 * The bot's fork server (issue 24): `drover-spawn` (apps/bot/native/drover-spawn.c), a process of
 * a few hundred KiB started once by the bot, forks every payload instead of the bot. A fork of
 * the bot copies the page tables of ~100 MiB, about 5 ms of CPU per payload on a loaded 2-core
 * host; the server's, a fraction of a millisecond. With cgroups it forks the payload straight
 * into the task's cgroup (clone3 with CLONE_INTO_CGROUP), so no process moves between cgroups
 * and no spare is made ahead (spare-launch.ts is the way without it).
 *
 * The payload is the server's child, not the bot's: the server reports its exit status, and the
 * two pipes it writes to are opened by the bot as `/proc/<server>/fd/<n>` (the same pipes: a
 * byte written before is not lost) before the server closes its own ends. A ForkedChild stands
 * for the payload as a ChildProcess does: pid, stdout, stderr, 'exit' (code, signal).
 *
 * The server has a session of its own and ignores the signals sent to a whole group. Should it
 * die anyway (SIGKILL by hand: nothing of a task can signal it unless it runs as the bot's own
 * user, which can kill the bot too), its payloads' exits can no longer be known: each is killed
 * (its process group) and ends as SIGKILL, marked `lost`; the bot forks payloads itself until the
 * server is started again (a second later).
 */

/** The server's answer to a spawn. */
export type ForkOutcome =
  | { readonly ok: true; readonly child: ForkedChild }
  | {
      readonly ok: false;
      /**
       * Where it failed: `chdir`, `setid` or `exec` — the command cannot run as given (the task's
       * CLIENT_ERROR, as a failed spawn() is); `pipe`, `cgroup`, `clone`, `server` — the server's
       * own failure (fork the payload another way).
       */
      readonly stage: 'pipe' | 'cgroup' | 'clone' | 'chdir' | 'setid' | 'exec' | 'server';
      /** The errno's name (ENOENT), or a word for the server's failure. */
      readonly code: string;
      /**
       * The request had reached the server when it failed (it died, or its pipes could not be
       * opened): a payload may have been started, and must be made sure gone before another try.
       */
      readonly sent?: boolean;
    };

export interface ForkSpec {
  /**
   * The command as the task gave it: a path with a slash as it is (relative to the cwd), a bare
   * name found on the PATH of `env` as execvp finds it, as the task user when there is one.
   */
  readonly file: string;
  /** argv[0]. */
  readonly argv0: string;
  readonly args: readonly string[];
  /** Exactly the payload's environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The cgroup v2 directory to fork the payload into; none: the server's own. */
  readonly cgroupDir?: string;
  readonly uid?: number;
  readonly gid?: number;
}

/** The longest request the server takes (drover-spawn.c's MAX_FRAME). */
const MAX_FRAME_BYTES = 8 << 20;

/** How long the server may take to say it is ready. */
const START_TIMEOUT_MS = 10_000;

/** A payload the server forked: what the runner reads of a ChildProcess. */
export class ForkedChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Killed because its fork server died (its real end could not be known). */
  lost = false;
  #ended = false;

  constructor(
    readonly pid: number,
    readonly stdout: net.Socket,
    readonly stderr: net.Socket,
  ) {
    super();
  }

  /** Sends `signal` to the payload (not its group) while it has not ended; false once it has. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.#ended) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * @internal the server reported its end. Said on the next turn of the event loop, as a
   * ChildProcess says it: the end may come in the same read as the start, before whoever awaited
   * the start has listened for it.
   */
  end(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#ended) return;
    this.#ended = true;
    setImmediate(() => {
      this.exitCode = code;
      this.signalCode = signal;
      this.emit('exit', code, signal);
    });
  }
}

interface Pending {
  readonly resolve: (outcome: ForkOutcome) => void;
}

/** One drover-spawn process. */
class ServerProcess {
  readonly #proc: ChildProcess;
  readonly #pid: number;
  readonly #pending = new Map<number, Pending>();
  readonly #running = new Map<number, ForkedChild>();
  readonly #onDeath: (why: string) => void;
  #nextId = 1;
  #lineRest = '';
  #alive = true;

  private constructor(proc: ChildProcess, pid: number, onDeath: (why: string) => void) {
    this.#proc = proc;
    this.#pid = pid;
    this.#onDeath = onDeath;
  }

  /**
   * Starts `binary` and waits for its word that it is ready; rejects when it cannot start.
   * `onDeath` hears once if it dies before dispose() (its running payloads were killed).
   */
  static start(binary: string, onDeath: (why: string) => void): Promise<ServerProcess> {
    return new Promise((resolve, reject) => {
      const proc = spawn(binary, [], {
        // Nothing of the bot's environment: every payload gets exactly its own.
        env: {},
        cwd: '/',
        stdio: ['pipe', 'pipe', 'inherit'],
        // A session of its own: a Ctrl-C or a supervisor's signal to the bot's group is the bot's
        // to handle (it drains), never the server's (which would take the payloads along).
        detached: true,
      });
      let server: ServerProcess | undefined;
      let head = '';
      const timer = setTimeout(() => fail(new Error('it did not start in time')), START_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new Error(`fork server ${binary}: ${err.message}`));
      };
      proc.once('error', fail);
      proc.stdin!.on('error', () => {});
      // 'close': it exited and every line it wrote was read (a start it reported is not lost).
      proc.once('close', (code, signal) => {
        if (server === undefined) fail(new Error(`it exited (${signal ?? code})`));
        else server.#died(`it exited (${signal ?? code})`);
      });
      const onHead = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const nl = head.indexOf('\n');
        if (nl < 0) return;
        const m = /^R (\d+)$/.exec(head.slice(0, nl));
        if (m === null || proc.pid === undefined) return fail(new Error('a bad first line'));
        clearTimeout(timer);
        proc.stdout!.off('data', onHead);
        proc.off('error', fail);
        proc.on('error', () => {});
        server = new ServerProcess(proc, proc.pid, onDeath);
        proc.stdout!.on('data', (c: Buffer) => server!.#onData(c));
        server.#onData(Buffer.from(head.slice(nl + 1), 'latin1'));
        resolve(server);
      };
      proc.stdout!.on('data', onHead);
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  get pid(): number {
    return this.#pid;
  }

  /** Forks the payload; resolves once it runs (or with why it does not). Never rejects. */
  spawn(spec: ForkSpec): Promise<ForkOutcome> {
    if (!this.#alive) return Promise.resolve({ ok: false, stage: 'server', code: 'gone' });
    const id = this.#nextId++;
    const frame = encode(id, spec);
    if (frame === undefined) return Promise.resolve({ ok: false, stage: 'server', code: 'frame' });
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve });
      this.#proc.stdin!.write(frame);
    });
  }

  /** Ends the process; payloads it forked run on (their tasks end them). */
  dispose(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#proc.stdin!.end();
    this.#failPending('disposed');
  }

  #onData(chunk: Buffer): void {
    const text = this.#lineRest + chunk.toString('latin1');
    const lines = text.split('\n');
    this.#lineRest = lines.pop()!;
    for (const line of lines) this.#onLine(line);
  }

  #onLine(line: string): void {
    const f = line.split(' ');
    switch (f[0]) {
      case 'S': {
        const [id, pid, outFd, errFd] = f.slice(1).map(Number) as [number, number, number, number];
        this.#started(id, pid, outFd, errFd);
        return;
      }
      case 'E': {
        const pending = this.#take(Number(f[1]));
        const stage = f[2] as Exclude<ForkOutcome, { ok: true }>['stage'];
        pending?.resolve({ ok: false, stage, code: errnoName(Number(f[3])) });
        return;
      }
      case 'X': {
        const pid = Number(f[1]);
        const child = this.#running.get(pid);
        if (child === undefined) return;
        this.#running.delete(pid);
        const sig = Number(f[3]);
        child.end(sig === 0 ? Number(f[2]) : null, sig === 0 ? null : signalName(sig));
        return;
      }
      default:
        // Nothing else is written (drover-spawn.c): a line of another version is ignored.
        return;
    }
  }

  #started(id: number, pid: number, outFd: number, errFd: number): void {
    const pending = this.#take(id);
    const fds: number[] = [];
    try {
      for (const fd of [outFd, errFd])
        fds.push(openSync(`/proc/${this.#pid}/fd/${fd}`, fsConstants.O_RDONLY));
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      this.#closeRemote(outFd, errFd);
      // Cannot read its output: it must not run unseen.
      killGroup(pid);
      pending?.resolve({
        ok: false,
        stage: 'server',
        code: (err as NodeJS.ErrnoException).code ?? 'open',
        sent: true,
      });
      return;
    }
    this.#closeRemote(outFd, errFd);
    const socket = (fd: number) => new net.Socket({ fd, readable: true, writable: false });
    const child = new ForkedChild(pid, socket(fds[0]!), socket(fds[1]!));
    this.#running.set(pid, child);
    if (pending === undefined) {
      // Nobody asked for it any more (disposed meanwhile): it goes.
      killGroup(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      return;
    }
    pending.resolve({ ok: true, child });
  }

  #closeRemote(outFd: number, errFd: number): void {
    if (!this.#alive) return;
    const body = Buffer.from(`C${outFd}\0${errFd}\0`, 'latin1');
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    this.#proc.stdin!.write(Buffer.concat([head, body]));
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    return p;
  }

  #failPending(code: string): void {
    for (const p of this.#pending.values())
      p.resolve({ ok: false, stage: 'server', code, sent: true });
    this.#pending.clear();
  }

  #died(why: string): void {
    if (!this.#alive) return; // disposed: its payloads are their tasks' to end
    this.#alive = false;
    this.#failPending('gone');
    // Their exits can no longer be known: they end now, so their tasks do.
    for (const child of this.#running.values()) {
      killGroup(child.pid);
      child.lost = true;
      child.end(null, 'SIGKILL');
    }
    this.#running.clear();
    this.#onDeath(why);
  }
}

/** What a fork server says of itself, for the bot's log. */
export interface ForkServerEvents {
  /** It died (its running payloads were killed); it is started again in `restartInMs`. */
  readonly onDeath?: (why: string, restartInMs: number) => void;
  /** It runs again, as `pid`. */
  readonly onRestart?: (pid: number) => void;
  /** Starting it again failed; tried again in `retryInMs`. */
  readonly onRestartFailed?: (why: string, retryInMs: number) => void;
}

/** The first wait before a dead server is started again; doubled at each failure, up to a minute. */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 60_000;
/** Up this long, a server that dies is started again after the first wait again. */
const STABLE_MS = 60_000;

/**
 * The bot's fork server: a drover-spawn process, started again after a death (1 s later, then
 * backing off to a minute while it keeps failing to start); while none runs, `alive` is false and
 * the bot forks payloads itself.
 */
export class ForkServer {
  readonly #binary: string;
  readonly #events: ForkServerEvents;
  readonly #restartFirstMs: number;
  #current: ServerProcess;
  #restartTimer: NodeJS.Timeout | undefined;
  #disposed = false;
  /** When the running process started. */
  #startedAt = Date.now();
  /** The last wait before a start; half the first wait at first (a first death waits the first). */
  #lastDelayMs: number;

  private constructor(
    binary: string,
    first: ServerProcess,
    events: ForkServerEvents,
    restartFirstMs: number,
  ) {
    this.#binary = binary;
    this.#current = first;
    this.#events = events;
    this.#restartFirstMs = restartFirstMs;
    this.#lastDelayMs = restartFirstMs / 2;
  }

  /** Starts `binary`; rejects when it cannot start (the bot then forks payloads itself). */
  static async start(
    binary: string,
    events: ForkServerEvents = {},
    restartFirstMs = RESTART_FIRST_MS,
  ): Promise<ForkServer> {
    // The first process's death goes to the server made from it (never before it is made).
    const made: { server?: ForkServer } = {};
    const first = await ServerProcess.start(binary, (why) => made.server?.died(why));
    made.server = new ForkServer(binary, first, events, restartFirstMs);
    return made.server;
  }

  /** A server runs: spawn() may be asked. */
  get alive(): boolean {
    return this.#current.alive;
  }

  /** The running server's pid (its CPU is the bot's: the benchmarks count it so). */
  get pid(): number {
    return this.#current.pid;
  }

  /** Forks the payload; resolves once it runs (or with why it does not). Never rejects. */
  spawn(spec: ForkSpec): Promise<ForkOutcome> {
    return this.#current.spawn(spec);
  }

  /** Ends the server (and any restart); payloads it forked run on (their tasks end them). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#restartTimer);
    this.#current.dispose();
  }

  /** @internal its process died */
  died(why: string): void {
    if (this.#disposed) return;
    // One that keeps dying soon after its start is started again less and less often.
    const upMs = Date.now() - this.#startedAt;
    const delay =
      upMs >= STABLE_MS ? this.#restartFirstMs : Math.min(this.#lastDelayMs * 2, RESTART_MAX_MS);
    this.#lastDelayMs = delay;
    this.#events.onDeath?.(why, delay);
    this.#restartIn(delay);
  }

  #restartIn(ms: number): void {
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      ServerProcess.start(this.#binary, (why) => this.died(why))
        .then(
          (next) => {
            if (this.#disposed) {
              next.dispose();
              return;
            }
            this.#current = next;
            this.#startedAt = Date.now();
            this.#events.onRestart?.(next.pid);
          },
          (err: unknown) => {
            if (this.#disposed) return;
            const retry = Math.min(ms * 2, RESTART_MAX_MS);
            this.#lastDelayMs = retry;
            this.#events.onRestartFailed?.(err instanceof Error ? err.message : String(err), retry);
            this.#restartIn(retry);
          },
        )
        // A listener that throws is not the server's failure.
        .catch(() => {});
    }, ms);
    // Never what keeps the bot running.
    this.#restartTimer.unref();
  }
}

/** The spawn request (drover-spawn.c): undefined when a string holds a NUL or it is too long. */
function encode(id: number, spec: ForkSpec): Buffer | undefined {
  const fields: string[] = [
    String(id),
    spec.file,
    spec.cwd,
    spec.cgroupDir ?? '',
    spec.uid === undefined ? '' : String(spec.uid),
    spec.gid === undefined ? '' : String(spec.gid),
    String(spec.args.length + 1),
    spec.argv0,
    ...spec.args,
  ];
  const env = Object.entries(spec.env);
  fields.push(String(env.length));
  for (const [k, v] of env) fields.push(`${k}=${v}`);
  let bytes = 5; // the length and the kind
  for (const s of fields) {
    if (s.includes('\0')) return undefined;
    bytes += Buffer.byteLength(s) + 1;
  }
  if (spec.file === '' || spec.cwd === '' || bytes - 4 > MAX_FRAME_BYTES) return undefined;
  const buf = Buffer.allocUnsafe(bytes);
  buf.writeUInt32LE(bytes - 4, 0);
  buf[4] = 0x53; // 'S'
  let off = 5;
  for (const s of fields) {
    off += buf.write(s, off, 'utf8');
    buf[off++] = 0;
  }
  return buf;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** errno numbers by name; the first name of a number (EAGAIN before EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>(
  Object.entries(osConstants.errno)
    .reverse()
    .map(([name, n]) => [n, name]),
);

function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

/** Signal names by number; the first name of a number (SIGABRT before SIGIOT). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals)
    .reverse()
    .map(([name, n]) => [n, name as NodeJS.Signals]),
);

function signalName(n: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(n) ?? null;
}
