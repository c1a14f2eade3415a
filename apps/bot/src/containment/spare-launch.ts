import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BotCgroups, TaskCgroup } from './task-cgroups';

/**
 * The next payload's process, made while the bot is idle (containment=cgroup, issue 24): a
 * `/bin/sh` blocked on its stdin, already leader of its own process group and already in a cgroup
 * of its own. Moving a process into a cgroup makes the kernel wait for an RCU grace period
 * (cgroup_threadgroup_rwsem): about 10 ms on a loaded 2-core host, which the bot paid between
 * Assign and spawn() when it moved itself into the task's cgroup for the fork. Here the move is
 * made ahead, off the path. On Assign the bot writes the launch into `<botDir>/spare.fifo` (the
 * bot's alone: the launch holds the task's environment, secrets too, and goes through the kernel's
 * pipe, never to disk) — `cd` to the task's cwd, then `exec` of the command with exactly the task's
 * environment, stdin from /dev/null — and then a line to the shell's stdin: the shell, blocked in
 * `read` there, reads the launch from the FIFO, and the payload replaces it: the same pid, group
 * and cgroup. (The launch goes by a FIFO: Node gives a child a socket for its stdin, which `.`
 * cannot open as /dev/stdin, and `read` takes a byte per system call.)
 *
 * The bot holds the FIFO open for reading and writing as long as it runs: a launch written waits
 * there for its shell, and stale bytes (a shell that died before reading its launch) are drained
 * before the next. Only the shell told on its stdin opens the FIFO, so no other reads a launch not
 * its own; a spare whose bot died sees its stdin end and exits (it may not have reached its cgroup
 * yet, where the bot's watchdog would kill it).
 *
 * Only for a command that resolves to an executable file (as execvp would find it on the task's
 * PATH) and an environment of shell names: anything else goes the direct way, where the kernel's
 * refusal is the task's CLIENT_ERROR. A spare that died, or is not yet in its cgroup, is not used.
 */

/** The shell's part: wait for the bot's word on stdin (its end: exit), then run the launch in `$1`. */
const SPARE_SCRIPT = 'read -r _ && . "$1"';

/** The longest launch (bytes) that goes this way: it must fit the pipe's buffer at once. */
const MAX_LAUNCH_BYTES = 32 * 1024;

export interface SpareLaunch {
  /** The payload's process (the shell until the launch): its pid, pipes and exit. */
  readonly child: ChildProcess;
  /** Its cgroup, to be the task's. */
  readonly cgroup: TaskCgroup;
}

/** What a launch needs: the command as given, its arguments, the environment, the cwd. */
export interface LaunchSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

interface Spare {
  readonly launch: SpareLaunch;
  /** In its cgroup. */
  ready: boolean;
  /** Resolves once the move into its cgroup is done: true, or failed (the spare is discarded). */
  moved: Promise<boolean>;
  /** Exited. */
  dead: boolean;
  /** Given to a task: its cgroup is the task's now. */
  taken: boolean;
}

/** A spare given to a task (SpareLaunches.take). */
export interface TakenSpare extends SpareLaunch {
  /** In its cgroup already. */
  readonly ready: boolean;
  /** The move into its cgroup: true once done, false if it failed. */
  readonly moved: Promise<boolean>;
  /** Starts the payload in it; throws when its shell is gone. */
  launch(): ChildProcess;
}

export class SpareLaunches {
  readonly #cgroups: BotCgroups;
  readonly #fifo: string | undefined;
  /** The FIFO, open for reading and writing while the bot runs. */
  #fifoFd: number | undefined;
  #spare: Spare | undefined;
  #disposed = false;

  /** Makes `<botDir>/spare.fifo` (none: no spares, every payload is spawned at Assign). */
  constructor(cgroups: BotCgroups, botDir: string) {
    this.#cgroups = cgroups;
    const fifo = path.join(botDir, 'spare.fifo');
    rmSync(fifo, { force: true });
    const made = spawnSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore', timeout: 5000 });
    let fd: number | undefined;
    if (made.status === 0) {
      try {
        // Read and write: the open does not wait for a reader, and what is written stays.
        fd = openSync(fifo, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
      } catch {
        fd = undefined;
      }
    }
    this.#fifo = fd === undefined ? undefined : fifo;
    this.#fifoFd = fd;
  }

  /** Spares are made (the FIFO was). */
  get available(): boolean {
    return this.#fifo !== undefined;
  }

  /** A spare waits in its cgroup: the next launch that may go this way takes it. */
  get ready(): boolean {
    const s = this.#spare;
    return s !== undefined && s.ready && !s.dead;
  }

  /** Makes the next spare if there is none (at once; its move into its cgroup completes later). */
  prepare(): void {
    if (this.#disposed || this.#spare !== undefined || !this.available) return;
    const cgroup = this.#cgroups.tryCreateTask(`spare-${randomBytes(6).toString('hex')}`);
    if (cgroup === undefined) return;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', SPARE_SCRIPT, 'drover-spare', this.#fifo!], {
        // Nothing of the bot's environment: the launch gives the payload its own.
        env: {},
        cwd: '/',
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch {
      void cgroup.remove();
      return;
    }
    const spare: Spare = {
      launch: { child, cgroup },
      ready: false,
      moved: Promise.resolve(false),
      dead: false,
      taken: false,
    };
    this.#spare = spare;
    child.on('error', () => {});
    child.stdin?.on('error', () => {});
    // A spare that ends untaken (killed, or the FIFO gone) takes its cgroup along.
    child.once('exit', () => {
      spare.dead = true;
      if (spare.taken) return;
      if (this.#spare === spare) this.#spare = undefined;
      void cgroup.remove();
    });
    const pid = child.pid;
    if (pid === undefined) return;
    // Off the event loop: the write waits for the kernel's grace period.
    spare.moved = writeFile(path.join(cgroup.dir, 'cgroup.procs'), String(pid)).then(
      () => {
        spare.ready = true;
        return true;
      },
      () => {
        // Whoever took it meanwhile drops it on `false`: its cgroup goes with it.
        spare.taken = false;
        this.#discard(spare);
        return false;
      },
    );
  }

  /**
   * The spare for `spec`, if there is one alive and the command may go this way; undefined
   * otherwise (the caller spawns it directly). The spare is the caller's from then on: when it is
   * not `ready`, `moved` says whether its move into its cgroup succeeded (false: drop it, spawn
   * directly) — that move is the grace period the direct way would wait for too, begun earlier.
   * Its cgroup is the task's (limits go on it before the launch); `launch()` starts the payload,
   * or throws when the shell is gone (nothing of the task ran: spawn directly, in the same cgroup).
   */
  take(spec: LaunchSpec): TakenSpare | undefined {
    const spare = this.#spare;
    const fd = this.#fifoFd;
    if (this.#disposed || spare === undefined || spare.dead || fd === undefined) return;
    const { child } = spare.launch;
    const stdin = child.stdin;
    if (stdin === null || child.exitCode !== null || child.signalCode !== null) return;
    const file = resolveCommand(spec.file, spec.env.PATH, spec.cwd);
    if (file === undefined) return;
    const script = launchScript(file, spec);
    if (script === undefined || Buffer.byteLength(script) > MAX_LAUNCH_BYTES) return;
    this.#spare = undefined;
    spare.taken = true;
    return {
      ...spare.launch,
      ready: spare.ready,
      moved: spare.moved,
      launch: () => {
        try {
          drain(fd);
          const bytes = Buffer.from(script);
          if (writeSync(fd, bytes) !== bytes.length) throw new Error('spare launch: short write');
          // The shell's word: it reads the launch now.
          stdin.end('\n');
        } catch (err) {
          drain(fd);
          child.kill('SIGKILL');
          throw err;
        }
        return child;
      },
    };
  }

  /** Ends the spare (the bot stops). */
  dispose(): void {
    this.#disposed = true;
    if (this.#spare !== undefined) this.#discard(this.#spare);
    if (this.#fifoFd !== undefined) closeSync(this.#fifoFd);
    this.#fifoFd = undefined;
  }

  /** Ends an untaken spare; its cgroup goes once it has exited. */
  #discard(spare: Spare): void {
    if (this.#spare === spare) this.#spare = undefined;
    if (spare.launch.child.pid === undefined) void spare.launch.cgroup.remove();
    else spare.launch.child.kill('SIGKILL');
  }
}

/** Reads away whatever waits in the FIFO (a launch its shell never read). */
function drain(fd: number): void {
  const buf = Buffer.allocUnsafe(64 * 1024);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } catch {
    // EAGAIN: empty.
  }
}

/** `s` as one single-quoted shell word. */
function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A name the shell takes in an assignment (`NAME=value exec …`). */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The launch: cd to the cwd (absolute; a failure ends the shell with 125: the bot's failure),
 * forget the shell's own PWD and OLDPWD, then exec the command with the task's environment as
 * the assignments before `exec` (dash exports them to the command, and nothing else: the shell
 * started with an empty environment). Undefined when something cannot go through: a NUL byte,
 * or a variable name that is not a shell name (such a task is spawned the direct way).
 */
function launchScript(file: string, spec: LaunchSpec): string | undefined {
  const words: string[] = [];
  for (const [name, value] of Object.entries(spec.env)) {
    if (!SHELL_NAME.test(name) || value.includes('\0')) return;
    words.push(`${name}=${quote(value)}`);
  }
  if (!spec.cwd.startsWith('/')) return;
  for (const a of [spec.cwd, file, ...spec.args]) if (a.includes('\0')) return;
  return [
    `cd ${quote(spec.cwd)} || exit 125`,
    'unset PWD OLDPWD',
    `${words.join(' ')} exec ${[file, ...spec.args].map(quote).join(' ')} </dev/null`,
    '',
  ].join('\n');
}

/**
 * The executable `file` names, as execvp would find it: a path with a slash as it is (relative to
 * the cwd), a bare name on PATH. Undefined when there is none: the direct way says why.
 */
function resolveCommand(
  file: string,
  pathVar: string | undefined,
  cwd: string,
): string | undefined {
  if (file === '') return;
  if (file.includes('/')) {
    const full = path.resolve(cwd, file);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of (pathVar ?? '').split(':')) {
    if (dir === '') continue;
    const full = path.resolve(cwd, dir, file);
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    // Most candidates on PATH do not exist: no exception for those.
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
