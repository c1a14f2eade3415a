import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planCgroups, type CgroupPlan } from './cgroup-discovery';

/**
 * A cgroup v2 per task: every process a payload starts — whatever it does to its
 * session, process group or environment — is in its task's cgroup, and `cgroup.kill` ends them
 * all at once, forks in flight included. The task is over when `cgroup.events` says
 * `populated 0`.
 *
 * The payload is forked inside its cgroup: the bot writes its own pid into the task's
 * `cgroup.procs`, spawns, and writes itself back, all synchronously, so the child's first
 * instruction already runs in the task's cgroup (no helper process, no window in which a fork
 * could land outside; two migrations cost ~0.15 ms). A payload cannot move itself out: the
 * cgroup files belong to the bot's user, and with --task-user the payload is another user.
 *
 * A payload never outlives its bot: a watchdog (`sh`, a few hundred KiB) holds the read end of a
 * pipe whose write end only the bot has; when the bot dies however it dies, the kernel closes the
 * pipe, `read` returns, and the watchdog writes `cgroup.kill` of the bot's `tasks` cgroup. Under
 * systemd the unit's KillMode=control-group does the same on top.
 */

export const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
export type Controller = (typeof CONTROLLERS)[number];

export interface TaskLimits {
  /** memory.max (and memory.swap.max 0), bytes; 0: none. */
  readonly memoryBytes: number;
  /** pids.max; 0: none. */
  readonly pids: number;
  /** cpu.weight (1..10000, 100 is the default share); 0: unchanged. */
  readonly cpuWeight: number;
}

export interface SetupOptions {
  readonly botId: string;
  readonly botDir: string;
  /** The bot's environment: systemd's INVOCATION_ID and SYSTEMD_EXEC_PID. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * systemd's INVOCATION_ID when systemd started this process or its parent (the launcher), not
 * an ancestor further up: a shell in a terminal that runs as a service inherits the variable too.
 * (SYSTEMD_EXEC_PID, systemd 248 and later, names the process it started.)
 */
export function serviceInvocation(
  env: Readonly<Record<string, string | undefined>>,
  pid = process.pid,
  ppid = process.ppid,
): string | undefined {
  const id = env['INVOCATION_ID'];
  if (id === undefined || id === '') return undefined;
  const exec = env['SYSTEMD_EXEC_PID'];
  if (exec === undefined) return id;
  return Number(exec) === pid || Number(exec) === ppid ? id : undefined;
}

export type SetupOutcome =
  | { readonly ok: true; readonly cgroups: BotCgroups }
  | { readonly ok: false; readonly why: string };

/** The bot's cgroups: made once at start (setup), then one per task. */
export class BotCgroups {
  /** Controllers every task cgroup has (limits apply only for these). */
  readonly controllers: ReadonlySet<Controller>;
  #watchdog: ChildProcess | undefined;
  #disposed = false;

  private constructor(
    readonly plan: Exclude<CgroupPlan, { kind: 'unavailable' }>,
    /** `<base>/tasks`: every task's cgroup is a child of it. */
    readonly tasksDir: string,
    /** `cgroup.procs` of the cgroup the bot lives in between spawns. */
    readonly homeProcs: string,
    controllers: ReadonlySet<Controller>,
    /** The cgroups from the top of the bot's own down to `tasks` (handDownControllers). */
    private readonly chain: readonly string[],
  ) {
    this.controllers = controllers;
  }

  /** Finds and makes the bot's subtree; `ok: false` says why there is none. */
  static setup(o: SetupOptions): SetupOutcome {
    if (process.platform !== 'linux') return { ok: false, why: 'cgroups are Linux only' };
    let plan: CgroupPlan;
    try {
      plan = planCgroups({
        mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'),
        procSelfCgroup: readFileSync('/proc/self/cgroup', 'utf8'),
        euid: process.geteuid?.() ?? -1,
        invocationId: serviceInvocation(o.env),
        botId: o.botId,
        botDir: o.botDir,
        writable: (file) => {
          try {
            accessSync(file, fsConstants.W_OK);
            return true;
          } catch {
            return false;
          }
        },
        exists: existsSync,
      });
    } catch (err) {
      return { ok: false, why: `cannot read /proc (${errText(err)})` };
    }
    if (plan.kind === 'unavailable') return { ok: false, why: plan.why };
    try {
      const tasksDir = path.join(plan.base, 'tasks');
      let home: string;
      if (plan.kind === 'delegated') {
        // Every process of the unit (the bot, its launcher) moves to a leaf, so that the unit's
        // cgroup may hand controllers down.
        home = path.join(plan.base, 'bot');
        mkdirSync(home, { recursive: true });
        for (let round = 0; round < 10; round++) {
          const pids = readPids(path.join(plan.base, 'cgroup.procs'));
          if (pids.length === 0) break;
          for (const pid of pids) tryWrite(path.join(home, 'cgroup.procs'), String(pid));
        }
      } else {
        home = plan.home;
      }
      mkdirSync(tasksDir, { recursive: true });
      if (!existsSync(path.join(tasksDir, 'cgroup.kill')))
        return { ok: false, why: 'the kernel has no cgroup.kill (Linux 5.14 or later has)' };
      const chain =
        plan.kind === 'delegated'
          ? [plan.base, tasksDir]
          : [path.join(plan.mount, 'drover'), plan.base, tasksDir];
      const controllers = handDownControllers(chain);
      // Where the bot returns after each spawn; checked now, not at the first task.
      accessSync(path.join(home, 'cgroup.procs'), fsConstants.W_OK);
      return {
        ok: true,
        cgroups: new BotCgroups(
          plan,
          tasksDir,
          path.join(home, 'cgroup.procs'),
          controllers,
          chain,
        ),
      };
    } catch (err) {
      return {
        ok: false,
        why: `cannot make the bot's cgroups under ${plan.base} (${errText(err)})`,
      };
    }
  }

  /** A short description for the start-up log. */
  describe(): Record<string, unknown> {
    return {
      kind: this.plan.kind,
      tasks: this.tasksDir,
      controllers: [...this.controllers],
    };
  }

  /**
   * Kills what a crashed run of this bot left in its task cgroups, and removes them. Returns the
   * task ids found with processes still in them.
   */
  async killLeftovers(deadlineMs = 5_000): Promise<{ taskIds: string[]; stuck: string[] }> {
    const taskIds: string[] = [];
    const stuck: string[] = [];
    for (const name of safeReaddir(this.tasksDir)) {
      if (!name.startsWith('task-')) continue;
      const cg = new TaskCgroup(path.join(this.tasksDir, name), this);
      if (cg.populated()) {
        taskIds.push(name.slice('task-'.length));
        cg.kill();
        if (!(await cg.waitEmpty(deadlineMs))) stuck.push(name.slice('task-'.length));
      }
      await cg.remove();
    }
    return { taskIds, stuck };
  }

  /** A new cgroup for the task, synchronously; undefined when one of that name is in the way. */
  tryCreateTask(taskId: string): TaskCgroup | undefined {
    const dir = path.join(this.tasksDir, `task-${taskId}`);
    try {
      this.#mkdirTask(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    return new TaskCgroup(dir, this);
  }

  /**
   * Makes a task's cgroup; when `tasks` itself is gone (the watchdog of a dead run on the same
   * bot dir removes the subtree it leaves) makes it again, with its controllers.
   */
  #mkdirTask(dir: string): void {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(this.tasksDir, { recursive: true });
      handDownControllers(this.chain);
      mkdirSync(dir);
    }
  }

  /**
   * A new, empty cgroup for the task (one of the same name, left by an earlier run of the task, is
   * killed and removed first).
   */
  async createTask(taskId: string): Promise<TaskCgroup> {
    const dir = path.join(this.tasksDir, `task-${taskId}`);
    try {
      this.#mkdirTask(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const old = new TaskCgroup(dir, this);
      old.kill();
      await old.waitEmpty(5_000);
      await old.remove();
      this.#mkdirTask(dir);
    }
    return new TaskCgroup(dir, this);
  }

  /**
   * Starts the watchdog that kills every task when the bot dies (see the top of the file), and
   * starts it again if something kills it; `onRestart` is told.
   */
  startWatchdog(onRestart?: (why: string) => void): void {
    if (this.#disposed || this.#watchdog !== undefined) return;
    // Signals from the terminal or a process group do not stop it: only the pipe's end does. A
    // subtree the bot made itself is removed once empty (a few seconds at most), so that bots on
    // passing dirs (tests, one-off runs) leave no cgroups behind; a new run on the same dir makes
    // it again (#mkdirTask).
    const child = spawn(
      '/bin/sh',
      ['-c', WATCHDOG_SCRIPT, 'drover-bot-watchdog', this.tasksDir, this.#ownSubtree() ?? ''],
      // Nothing of the bot's environment (its token, if given in DROVER_BOT_TOKEN).
      { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: { PATH: '/usr/bin:/bin' } },
    );
    child.unref();
    // The pipe must not keep the bot's event loop alive.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => {});
    child.on('error', () => {});
    child.once('exit', (code, signal) => {
      this.#watchdog = undefined;
      if (this.#disposed) return;
      onRestart?.(`the watchdog exited (${signal ?? code})`);
      this.startWatchdog(onRestart);
    });
    this.#watchdog = child;
  }

  /** The subtree the bot made itself (run by hand), which it may remove; none under systemd. */
  #ownSubtree(): string | undefined {
    return this.plan.kind === 'own-subtree' ? this.plan.base : undefined;
  }

  /** Stops the watchdog without its kill (the bot ends its tasks itself on a clean stop). */
  dispose(): void {
    this.#disposed = true;
    const w = this.#watchdog;
    this.#watchdog = undefined;
    // SIGKILL: it ignores the others, and closing the pipe would make it kill the tasks.
    w?.kill('SIGKILL');
  }
}

/**
 * The watchdog: `$1` the bot's `tasks` cgroup, `$2` its own subtree or empty. Blocks in `read`
 * until the bot's end of the pipe closes, kills every task, then removes what is empty.
 */
const WATCHDOG_SCRIPT = [
  'trap "" INT TERM HUP QUIT',
  'read _',
  'echo 1 > "$1/cgroup.kill"',
  '[ -n "$2" ] || exit 0',
  'i=0',
  'while [ $i -lt 50 ]; do',
  '  for d in "$1"/task-*; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done',
  '  rmdir "$1" "$2" 2>/dev/null && exit 0',
  '  sleep 0.1; i=$((i+1))',
  'done',
].join('\n');

/**
 * Hands the controllers down from the top of what is the bot's to `tasks`: each level gets those
 * its parent gave it; one refused (processes in the way, not delegated) stops there. Returns the
 * controllers `tasks` hands to each task.
 */
function handDownControllers(chain: readonly string[]): Set<Controller> {
  for (const dir of chain) {
    const available = readWords(path.join(dir, 'cgroup.controllers'));
    for (const c of CONTROLLERS)
      if (available.has(c)) tryWrite(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
  }
  const last = chain[chain.length - 1];
  const enabled =
    last === undefined ? new Set<string>() : readWords(path.join(last, 'cgroup.subtree_control'));
  return new Set(CONTROLLERS.filter((c) => enabled.has(c)));
}

/** The bot could not move itself in or out of a task's cgroup: the bot's failure, not the task's. */
export class CgroupMoveError extends Error {
  constructor(message: string, cause: unknown) {
    super(`${message} (${errText(cause)})`);
    this.name = 'CgroupMoveError';
  }
}

/** One task's cgroup. */
export class TaskCgroup {
  constructor(
    readonly dir: string,
    private readonly bot: BotCgroups,
  ) {}

  /**
   * Applies the limits this cgroup has controllers for; returns a line for each that could not
   * be applied (for the task's output).
   */
  applyLimits(limits: TaskLimits): string[] {
    const notes: string[] = [];
    const want = (
      value: number,
      controller: Controller,
      field: string,
      apply: () => void,
    ): void => {
      if (value <= 0) return;
      if (!this.bot.controllers.has(controller)) {
        notes.push(
          `${field} not applied: this bot's cgroup has no ${controller} controller (it does not advertise limits=${controller})`,
        );
        return;
      }
      try {
        apply();
      } catch (err) {
        notes.push(`${field} not applied: ${errText(err)}`);
      }
    };
    want(limits.memoryBytes, 'memory', 'memory_limit_bytes', () => {
      this.#write('memory.max', String(limits.memoryBytes));
      // The limit is memory, not memory then swap; and one process killed kills the task's rest.
      if (existsSync(path.join(this.dir, 'memory.swap.max'))) this.#write('memory.swap.max', '0');
      if (existsSync(path.join(this.dir, 'memory.oom.group'))) this.#write('memory.oom.group', '1');
    });
    want(limits.pids, 'pids', 'pids_limit', () => this.#write('pids.max', String(limits.pids)));
    want(limits.cpuWeight, 'cpu', 'cpu_weight', () =>
      this.#write('cpu.weight', String(limits.cpuWeight)),
    );
    return notes;
  }

  /**
   * Runs `fork` (a synchronous spawn) with the bot inside this cgroup, so that the child starts
   * there; the bot is back home before this returns, whatever `fork` did.
   */
  spawnInside<T>(fork: () => T): T {
    try {
      writeFileSync(path.join(this.dir, 'cgroup.procs'), String(process.pid));
    } catch (err) {
      throw new CgroupMoveError(`cannot move the bot into ${this.dir}`, err);
    }
    let forked: { value: T } | { error: unknown };
    try {
      forked = { value: fork() };
    } catch (error) {
      forked = { error };
    }
    try {
      writeFileSync(this.bot.homeProcs, String(process.pid));
    } catch (err) {
      // The bot stays in the task's cgroup, where the task's kill would take the bot with it:
      // nothing can run safely after this.
      throw new CgroupMoveError(`cannot move the bot back to ${this.bot.homeProcs}`, err);
    }
    if ('error' in forked) throw forked.error;
    return forked.value;
  }

  /**
   * The termination dance on the whole task: SIGTERM to every process in the cgroup, `graceMs`
   * for the payload (`exited`) to leave, then cgroup.kill; resolves once the payload is reaped.
   * What outlived the payload within the grace period is the caller's to kill afterwards.
   */
  async terminate(
    graceMs: number,
    exited: Promise<unknown>,
  ): Promise<'exited-in-grace' | 'killed'> {
    this.signalAll('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
    });
    const inGrace = await Promise.race([exited.then(() => true as const), graceOver]);
    clearTimeout(timer);
    if (!inGrace) this.kill();
    await exited;
    return inGrace ? 'exited-in-grace' : 'killed';
  }

  /** The pids in this cgroup and any below it (a payload as root could make some). */
  pids(): number[] {
    const out: number[] = [];
    const walk = (dir: string, depth: number) => {
      out.push(...readPids(path.join(dir, 'cgroup.procs')));
      if (depth > 8) return;
      for (const e of safeReaddirDirs(dir)) walk(path.join(dir, e), depth + 1);
    };
    walk(this.dir, 0);
    return out.filter((pid) => pid !== process.pid);
  }

  /** Sends `signal` to every process of the task. */
  signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone meanwhile.
      }
    }
  }

  /** SIGKILLs every process of the task and its descendants at once (cgroup.kill). */
  kill(): void {
    tryWrite(path.join(this.dir, 'cgroup.kill'), '1');
  }

  /** Whether any process of the task is left (cgroup.events `populated`). */
  populated(): boolean {
    try {
      return /^populated 1$/m.test(readFileSync(path.join(this.dir, 'cgroup.events'), 'latin1'));
    } catch {
      return false; // removed: nothing is in it
    }
  }

  /** Waits until `populated 0`, or the deadline; true when empty. */
  async waitEmpty(deadlineMs: number): Promise<boolean> {
    const until = Date.now() + deadlineMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
      if (!this.populated()) return true;
      if (Date.now() >= until) return false;
      await sleep(wait);
    }
  }

  /** The kernel's OOM killer killed a process of the task (memory.events oom_kill). */
  oomKilled(): boolean {
    // Only a cgroup with the memory controller has memory.events.
    if (!this.bot.controllers.has('memory')) return false;
    try {
      const m = /^oom_kill (\d+)$/m.exec(
        readFileSync(path.join(this.dir, 'memory.events'), 'latin1'),
      );
      return m !== null && Number(m[1]) > 0;
    } catch {
      return false;
    }
  }

  /** Removes the (empty) cgroup; a few tries, as the kernel may still be letting go of it. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        // Cgroups a payload running as root made below its own go first.
        if (code === 'ENOTEMPTY') {
          for (const e of safeReaddirDirs(this.dir)) {
            try {
              rmdirSync(path.join(this.dir, e));
            } catch {
              // Still in use: the next attempt.
            }
          }
        } else if (code !== 'EBUSY') return;
        await sleep(5);
      }
    }
  }

  #write(file: string, value: string): void {
    writeFileSync(path.join(this.dir, file), value);
  }
}

function readPids(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'latin1')
      .split('\n')
      .filter((s) => s !== '')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

function readWords(file: string): Set<string> {
  try {
    return new Set(readFileSync(file, 'latin1').split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Child cgroups: the directories of a cgroup dir (its files are the interface). */
function safeReaddirDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function errText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
