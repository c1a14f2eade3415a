import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { rm, rmdir } from 'node:fs/promises';
import { traceHop } from '@drover/protocol';
import pino, { type Logger } from 'pino';
import type { CacheEntryLike, CacheManager, CacheMount } from './caches';
import { pidMarkNow, sweepProcessesWithEnv, type PidMark } from './escaped-sweep';
import { recordGroup, recordTaskStart, removeGroupRecord } from './group-records';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputPump } from './output-pump';
import { sweepGroup, terminationDance } from './process-group';
import { makeDirInside } from './safe-paths';
import { prepareInputs, type DigestLike, type InputsSource } from './task-inputs';
import { capabilitySet, giveTo, type TaskUser } from './task-user';
import { CgroupMoveError, type BotCgroups, type TaskCgroup } from './containment/task-cgroups';
import type { SpareLaunches, TakenSpare } from './containment/spare-launch';
import { ForkedChild, type ForkServer, type ForkSpec } from './containment/fork-server';
import {
  buildTaskEnv,
  resolveInside,
  taskOutDir,
  taskWorkDir,
  type StringListPairLike,
  type StringPairLike,
} from './task-env';

/**
 * Runs one task's payload: a fresh work dir, the command in its own process group — and, where
 * the bot has cgroups, in a cgroup v2 of its own (containment/task-cgroups.ts) — output delivered
 * as it arrives (capped, and paused on demand: output-pump.ts), the execution and I/O timeouts,
 * kill() — each ending in the termination dance — and, after any end, a clean-up so nothing of
 * the task survives: cgroup.kill and the wait for an empty cgroup; without cgroups, a sweep of
 * its group, then of every process carrying its DROVER_TASK_NONCE (those that left the group:
 * escaped-sweep.ts; one that cleared its environment escapes that). The task is recorded on disk
 * while it may run (group-records.ts), for the next start after a crash: its nonce from before the
 * spawn, its group from right after. With a task user (--task-user) the payload runs as that
 * user; relative_cwd is made on the real file system, never through a symlink leading outside.
 *
 * Outcomes are data: a bad manifest is `clientError` (no process), and so is a command the
 * kernel will not start (not found, not executable, argument list too long): the task ends
 * CLIENT_ERROR with the reason in its summary, never COMPLETED with a shell-like 126/127 — no
 * process of the task ever ran.
 */

/** What the runner reads from a TaskManifest (the wire type fits). */
export interface TaskManifestLike {
  readonly command: readonly string[];
  readonly env: readonly StringPairLike[];
  readonly env_prefixes: readonly StringListPairLike[];
  readonly relative_cwd: string;
  readonly execution_timeout_secs: number;
  readonly io_timeout_secs: number;
  readonly grace_period_secs: number;
  readonly secret_env: readonly StringPairLike[];
  /** Named caches to mount into the work dir (caches.ts). */
  readonly caches?: readonly CacheEntryLike[];
  /** memory.max of the task's cgroup, bytes; 0 or absent: none. */
  readonly memory_limit_bytes?: number;
  /** pids.max of the task's cgroup; 0 or absent: none. */
  readonly pids_limit?: number;
  /** cpu.weight of the task's cgroup; 0 or absent: the default. */
  readonly cpu_weight?: number;
  /** The input tree laid out in the work dir before the process starts (task-inputs.ts). */
  readonly cas_input_root?: DigestLike | null;
  /** Written to a 0600 file named by DROVER_SECRET_BYTES_PATH; never logged. */
  readonly secret_bytes?: Uint8Array;
}

/**
 * How the runner keeps a task's processes together: a cgroup v2 per task (containment/), or the
 * payload's process group plus a sweep by DROVER_TASK_NONCE where the bot has no cgroups.
 */
export type RunContainment =
  | {
      readonly kind: 'cgroup';
      readonly cgroups: BotCgroups;
      /** The next payload's process made ahead, in its cgroup (spare-launch.ts); none: made at spawn. */
      readonly spares?: SpareLaunches;
      /** Forks payloads instead of the bot (containment/fork-server.ts); before any spare. */
      readonly forkServer?: ForkServer;
    }
  | {
      readonly kind: 'pgroup';
      /** Forks payloads instead of the bot (containment/fork-server.ts). */
      readonly forkServer?: ForkServer;
    };

/** What the runner reads of the payload's process: a ChildProcess, or the fork server's. */
interface PayloadProcess {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(
    event: 'exit',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
  once(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export type TimedOut = 'none' | 'hard' | 'io';

/** What was uploaded of DROVER_OUTDIR (task-outputs.ts), for TaskFinished. */
export interface RunOutputs {
  readonly files: readonly {
    readonly path: string;
    readonly size: number;
    readonly digest: string;
  }[];
  /** Not every file is listed; `note` says why. */
  readonly truncated: boolean;
  readonly note: string;
}

export interface RunResult {
  /** The exit code; minus the signal number when a signal ended it (-9); null if never started. */
  readonly exitCode: number | null;
  /** Seconds from spawn to exit. */
  readonly durationSecs: number;
  readonly timedOut: TimedOut;
  /** kill() stopped it (or stopped it from starting: then `canceled` too). */
  readonly killed: boolean;
  /** kill() came before the process started. */
  readonly canceled: boolean;
  /** The task cannot run (bad relative_cwd, empty command...); no process was started. */
  readonly clientError?: string;
  /** Bytes delivered to onOutput (at most the cap, plus the line saying what was dropped). */
  readonly outputSize: number;
  /** Bytes read past the output cap and dropped. */
  readonly outputDropped?: number;
  /**
   * Processes of the task still running after its end, SIGKILLed then: those left in its cgroup,
   * or (without cgroups) those outside its group carrying its nonce.
   */
  readonly escapedKilled?: readonly number[];
  /** The kernel's OOM killer killed a process of the task under its memory limit. */
  readonly memoryLimitKilled?: boolean;
  /** Processes of the task still there at the clean-up's deadline (stuck in the kernel). */
  readonly stuck?: readonly number[];
  /** Set by the launcher once DROVER_OUTDIR was uploaded (not by the runner). */
  readonly outputs?: RunOutputs;
  /** Seconds spent fetching and laying out the input tree (none: no cas_input_root). */
  readonly inputsFetchSecs?: number;
  /** Bytes of input blobs downloaded for this task (0: all in the bot's cache). */
  readonly inputsFetchedBytes?: number;
}

export interface Clock {
  /** Monotonic milliseconds. */
  nowMs(): number;
}

export const monotonicClock: Clock = { nowMs: () => performance.now() };

export interface RunTaskOptions {
  readonly taskId: string;
  readonly leaseId: string;
  readonly manifest: TaskManifestLike;
  readonly botId: string;
  readonly server: string;
  /** The bot's working root; the task runs in `<botDir>/w/<taskId>`. */
  readonly botDir: string;
  /** The environment the payload inherits (the bot's, without its token). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Every stdout and stderr byte, in order of arrival, up to `maxOutputBytes`; then a marker line. */
  readonly onOutput: (bytes: Buffer) => void;
  /** Output delivered at most; the rest is read and dropped. @default 100 MiB */
  readonly maxOutputBytes?: number;
  /** @default monotonicClock */
  readonly clock?: Clock;
  /** Overrides `execution_timeout_secs` (≤ 0: none). */
  readonly executionTimeoutMs?: number;
  /** Overrides `io_timeout_secs` (≤ 0: off). */
  readonly ioTimeoutMs?: number;
  /** Overrides `grace_period_secs`. */
  readonly graceMs?: number;
  /** After the exit, how long the output pipes may stay open (a runaway holding them). @default 2000 */
  readonly drainMs?: number;
  /** Remove the work dir when the task ends. @default true */
  readonly removeWorkDir?: boolean;
  /**
   * The bot holds ambient capabilities (/proc/self/status CapAmb), which a payload it forked
   * itself would keep. @default read from /proc/self/status once
   */
  readonly ambientCapabilities?: boolean;
  /** The bot's named caches; a manifest asking for caches without them is a client error. */
  readonly caches?: CacheManager;
  /**
   * Leave the task's DROVER_OUTDIR (`<botDir>/out/<taskId>`) for the caller, who uploads and then
   * removes it. @default false: removed with the work dir
   */
  readonly keepOutDir?: boolean;
  /** @default { kind: 'pgroup' } */
  readonly containment?: RunContainment;
  /**
   * Run the payload as this user (the bot may switch users): its work dir, DROVER_OUTDIR and
   * TMPDIR are given to it, HOME is its TMPDIR.
   */
  readonly taskUser?: TaskUser;
  /**
   * The `drover` executable tasks get (task-cli.ts): DROVER_CLI, its dir first on PATH.
   * @default none
   */
  readonly droverCli?: string;
  /** Where input trees come from (cas_input_root); a manifest naming one without it: client error. */
  readonly inputs?: InputsSource;
  /** The task's logger (the inputs' fetch). @default silent */
  readonly log?: Logger;
}

export interface TaskRun {
  readonly taskId: string;
  readonly leaseId: string;
  /**
   * Resolves once the process is gone and all its output was delivered, while its work dir may
   * still be being removed: the moment to report the result. Never rejects.
   */
  readonly ended: Promise<RunResult>;
  /** Resolves with the same result once everything of the task is cleaned up; never rejects. */
  readonly result: Promise<RunResult>;
  /** Stops the task with the termination dance (or keeps it from starting). Idempotent. */
  kill(reason: string): void;
  /** The payload's pid (= its process group id) once started. */
  readonly pid: number | undefined;
  /**
   * Stop reading the payload's output (it blocks on write once the pipes are full) until
   * resumeOutput(); no effect past the output cap or after the payload ended. The I/O timeout
   * does not run meanwhile. Idempotent.
   */
  pauseOutput(): void;
  resumeOutput(): void;
}

/** Why kill() was called; the AbortSignal's reason. */
export class TaskKilled extends Error {
  constructor(readonly reason: string) {
    super(`task killed: ${reason}`);
    this.name = 'TaskKilled';
  }
}

/** What the TaskRun handle reaches of a running process; filled in once it started. */
interface RunControl {
  pid: number | undefined;
  pump: OutputPump | undefined;
  pauseWanted: boolean;
  /** Output paused or resumed. */
  onFlow: (() => void) | undefined;
  /** The process is gone and its output delivered (before the work dir is removed). */
  ended: (result: RunResult) => void;
  /** What fetching the inputs took, once done (or failed). */
  inputs: { readonly durationSecs: number; readonly fetchedBytes: number } | undefined;
}

export function startTask(opts: RunTaskOptions): TaskRun {
  const abort = new AbortController();
  let reportEnded: (result: RunResult) => void = ignore;
  const ended = new Promise<RunResult>((resolve) => (reportEnded = resolve));
  const control: RunControl = {
    pid: undefined,
    pump: undefined,
    pauseWanted: false,
    onFlow: undefined,
    ended: (r) => reportEnded(withInputs(r)),
    inputs: undefined,
  };
  // The fetch's figures go with every result once the inputs were fetched (even a failure).
  const withInputs = (r: RunResult): RunResult =>
    control.inputs === undefined
      ? r
      : {
          ...r,
          inputsFetchSecs: control.inputs.durationSecs,
          inputsFetchedBytes: control.inputs.fetchedBytes,
        };
  // Every path ends `ended` too (the first resolution wins: a process's, before the clean-up).
  const result = execute(opts, abort.signal, control)
    .catch((err: unknown) => botFailure(opts, err))
    .then(withInputs)
    .then((r) => {
      reportEnded(r);
      return r;
    });
  const flow = (pause: boolean) => {
    control.pauseWanted = pause;
    if (pause) control.pump?.pause();
    else control.pump?.resume();
    control.onFlow?.();
  };
  return {
    taskId: opts.taskId,
    leaseId: opts.leaseId,
    ended,
    result,
    kill(reason) {
      if (!abort.signal.aborted) abort.abort(new TaskKilled(reason));
    },
    get pid() {
      return control.pid;
    },
    pauseOutput: () => flow(true),
    resumeOutput: () => flow(false),
  };
}

function notStarted(canceled: boolean): RunResult {
  return {
    exitCode: null,
    durationSecs: 0,
    timedOut: 'none',
    killed: canceled,
    canceled,
    outputSize: 0,
  };
}

async function execute(
  opts: RunTaskOptions,
  signal: AbortSignal,
  control: RunControl,
): Promise<RunResult> {
  const { manifest } = opts;
  const clock = opts.clock ?? monotonicClock;
  const clientError = (message: string): RunResult => ({
    ...notStarted(false),
    clientError: message,
  });

  const workDir = taskWorkDir(opts.botDir, opts.taskId);
  if (!workDir.ok) return clientError(workDir.clientError);
  // Lexically first (no process, no dir made for a path that could never be inside).
  const cwdLexical = resolveInside(workDir.value, manifest.relative_cwd || '.', 'relative_cwd');
  if (!cwdLexical.ok) return clientError(cwdLexical.clientError);
  const [file, ...args] = manifest.command;
  if (file === undefined || file === '') return clientError('command: empty');
  const nonce = randomBytes(16).toString('hex');
  // The task id is a plain file name (taskWorkDir checked it).
  const outDir = taskOutDir(opts.botDir, opts.taskId)!;
  const user = opts.taskUser;
  // As another user the payload gets a TMPDIR (and HOME) of its own: the bot's are not its.
  const tmpDir = user === undefined ? undefined : path.join(opts.botDir, 'tmp', opts.taskId);
  const secret = manifest.secret_bytes ?? new Uint8Array(0);
  // Outside the work dir (never listed with it, never an output), removed with it.
  const secretDir = secret.length > 0 ? taskSecretDir(opts.botDir, opts.taskId) : undefined;
  const secretFile = secretDir === undefined ? undefined : path.join(secretDir, 'secret_bytes');
  const env = buildTaskEnv({
    baseEnv:
      user === undefined || tmpDir === undefined
        ? opts.baseEnv
        : {
            ...opts.baseEnv,
            TMPDIR: tmpDir,
            HOME: tmpDir,
            USER: user.name,
            LOGNAME: user.name,
          },
    env: manifest.env,
    secretEnv: manifest.secret_env,
    envPrefixes: manifest.env_prefixes,
    workDir: workDir.value,
    taskId: opts.taskId,
    botId: opts.botId,
    server: opts.server,
    taskNonce: nonce,
    outDir,
    ...(opts.droverCli === undefined ? {} : { droverCli: opts.droverCli }),
    ...(secretFile === undefined ? {} : { secretBytesPath: secretFile }),
  });
  if (!env.ok) return clientError(env.clientError);
  const inputRoot = manifest.cas_input_root ?? undefined;
  if (inputRoot !== undefined && opts.inputs === undefined)
    return clientError('cas_input_root: this bot keeps no input cache');

  // Synchronous when the work dir is new (the usual case): Assign → spawn in one go.
  const fresh = freshDir(workDir.value);
  if (fresh !== undefined) await fresh;
  let mount: CacheMount | undefined;
  const lease = inputRoot === undefined ? undefined : opts.inputs?.cache.lease();
  try {
    freshOutDir(outDir);
    if (user !== undefined && tmpDir !== undefined) {
      freshOutDir(tmpDir);
      for (const dir of [workDir.value, outDir, tmpDir]) giveTo(dir, user);
    }
    if (secretDir !== undefined && secretFile !== undefined)
      writeSecret(secretDir, secretFile, secret, user);
    // The input tree first (into the empty work dir), then the caches, then the cwd.
    if (inputRoot !== undefined && opts.inputs !== undefined && lease !== undefined) {
      const got = await prepareInputs({
        root: inputRoot,
        workDir: workDir.value,
        source: opts.inputs,
        lease,
        signal,
        ...(user === undefined ? {} : { user }),
        log: opts.log ?? silentLog,
      });
      control.inputs = { durationSecs: got.durationSecs, fetchedBytes: got.fetchedBytes };
      if (got.kind === 'client-error') return clientError(got.clientError);
      if (got.kind === 'canceled') return notStarted(true);
    }
    // The caches before the cwd: a cwd inside a cache's path is then made inside the cache.
    const caches = manifest.caches ?? [];
    if (caches.length > 0) {
      if (opts.caches === undefined) return clientError('caches: this bot keeps no named caches');
      const mounted = opts.caches.mount(opts.taskId, caches, workDir.value);
      if (!mounted.ok) return clientError(mounted.clientError);
      mount = mounted.value;
    }
    // Made on the real file system: a symlink (left in a cache, say) may not lead it outside.
    const cwd = makeDirInside(workDir.value, manifest.relative_cwd || '.', 'relative_cwd', user);
    if (!cwd.ok) return clientError(cwd.clientError);
    if (signal.aborted) return notStarted(true);
    const ran = await runProcess({
      opts,
      file,
      args,
      cwd: cwd.value,
      env: env.value,
      clock,
      signal,
      control,
      nonce,
    });
    // The secret is gone before the result goes (one unlink and one rmdir): a task reported
    // finished has left no secret on the bot, whatever the bot does next.
    if (secretDir !== undefined) {
      try {
        rmSync(secretDir, { recursive: true, force: true });
      } catch {
        // The finally below tries again.
      }
    }
    // Taken back before the result goes: the bot's `caches` dimension is updated first.
    const held = mount;
    mount = undefined;
    if (held !== undefined) await opts.caches?.release(held);
    control.ended(ran);
    return ran;
  } finally {
    if (mount !== undefined) await opts.caches?.release(mount);
    if (secretDir !== undefined)
      await rm(secretDir, { recursive: true, force: true }).catch(() => {});
    if (opts.removeWorkDir !== false) await removeDir(workDir.value).catch(() => {});
    if (lease !== undefined) {
      lease.release();
      await opts.inputs?.cache.evict().catch(() => {});
    }
    if (opts.keepOutDir !== true)
      await rm(outDir, { recursive: true, force: true }).catch(() => {});
    if (tmpDir !== undefined) await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** `<botDir>/secrets/<taskId>`: the dir of the task's secret_bytes file. */
export function taskSecretDir(botDir: string, taskId: string): string {
  return path.join(botDir, 'secrets', taskId);
}

/**
 * Writes the task's secret bytes to `file` (0600) in `dir` (0700), both the task user's when
 * there is one: the payload reads them, nobody else. `<botDir>/secrets` lets the task user
 * through to its own dir only (0711), or is the bot's alone (0700).
 */
function writeSecret(dir: string, file: string, bytes: Uint8Array, user: TaskUser | undefined) {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  chmodSync(parent, user === undefined ? 0o700 : 0o711);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  giveTo(dir, user);
  writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  giveTo(file, user);
}

/** Makes `outDir` (DROVER_OUTDIR) exist and empty; synchronous, like the usual freshDir. */
function freshOutDir(outDir: string): void {
  try {
    mkdirSync(outDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') rmSync(outDir, { recursive: true, force: true });
    else if (code !== 'ENOENT') throw err;
    mkdirSync(outDir, { recursive: true });
  }
}

/**
 * Makes `workDir` exist and empty. A task id is new, so the work dir usually does not exist yet:
 * one mkdir, no recursive removal, and nothing to wait for (undefined); a promise only when an
 * old dir of the same name has to go first.
 */
function freshDir(workDir: string): Promise<void> | undefined {
  try {
    mkdirSync(workDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      return rm(workDir, { recursive: true, force: true }).then(() => {
        mkdirSync(workDir, { recursive: true });
      });
    if (code !== 'ENOENT') throw err;
    mkdirSync(workDir, { recursive: true });
  }
  return undefined;
}

/**
 * Removes the work dir: one rmdir when the payload left it empty (it usually does). Off the main
 * thread: an rmdir may wait for the file system's journal.
 */
async function removeDir(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      await rm(dir, { recursive: true, force: true });
  }
}

interface ProcessParams {
  readonly opts: RunTaskOptions;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly control: RunControl;
  readonly nonce: string;
}

async function runProcess(p: ProcessParams): Promise<RunResult> {
  const { opts, clock, signal } = p;
  const secs = (v: number) => v * 1000;
  const executionTimeoutMs = opts.executionTimeoutMs ?? secs(opts.manifest.execution_timeout_secs);
  const ioTimeoutMs = opts.ioTimeoutMs ?? secs(opts.manifest.io_timeout_secs);
  const graceMs = opts.graceMs ?? secs(opts.manifest.grace_period_secs);

  // On disk from before the spawn until the sweep below, so that a bot restarted after a crash
  // finds the payload: by its nonce (the payload may kill the bot before its group is recorded),
  // and by its group once that is recorded right after the spawn. (With cgroups the next start
  // finds the task's cgroup by name first.)
  const containment = opts.containment ?? { kind: 'pgroup' };
  // The payload is forked by the fork server when there is one (straight into the task's cgroup);
  // else from a spare made ahead in its cgroup, or by the bot (moving into the cgroup for the fork).
  const server = containment.forkServer?.alive === true ? containment.forkServer : undefined;
  const forkSpec = server === undefined ? undefined : serverSpec(p);
  // Only the fork server may start the payload of a bot holding ambient capabilities: before
  // anything of the task is made when there is none.
  const serverOnly = opts.ambientCapabilities ?? holdsAmbientCapabilities();
  if (serverOnly && forkSpec === undefined) throw new UnsafeSpawnError();
  recordTaskStart(opts.botDir, opts.taskId, p.nonce);
  const forget = () => removeGroupRecord(opts.botDir, opts.taskId).catch(() => {});
  let cg: TaskCgroup | undefined;
  let spare =
    containment.kind === 'cgroup' && forkSpec === undefined
      ? containment.spares?.take({ file: p.file, args: p.args, env: p.env, cwd: p.cwd })
      : undefined;
  // Still moving into its cgroup: wait for that (the grace period the bot's own move would wait).
  if (spare !== undefined && !spare.ready && !(await spare.moved)) spare = undefined;
  if (spare !== undefined) cg = spare.cgroup;
  else if (containment.kind === 'cgroup')
    cg =
      containment.cgroups.tryCreateTask(opts.taskId) ??
      (await containment.cgroups.createTask(opts.taskId));
  // Limits this bot cannot apply are said in the task's output, before any of the payload's.
  let preamble = 0;
  for (const note of limitNotes(opts.manifest, cg)) {
    const line = Buffer.from(`drover-bot: ${note}\n`);
    preamble += line.length;
    opts.onOutput(line);
  }
  // Where the pid allocator stands: the sweep after the end reads only the pids allocated since.
  const pidMark = cg === undefined ? pidMarkNow() : undefined;
  const startMs = clock.nowMs();
  let subprocess: PayloadProcess;
  traceHop(opts.taskId, 'spawn-called');
  try {
    const forked =
      server !== undefined && forkSpec !== undefined
        ? await server.spawn(cg === undefined ? forkSpec : { ...forkSpec, cgroupDir: cg.dir })
        : undefined;
    if (forked !== undefined && !forked.ok && isCommandStage(forked.stage)) {
      // The kernel would not start the command: as a failed spawn() is.
      await forget();
      await cg?.remove();
      return spawnFailure(p, { code: forked.code });
    }
    if (forked !== undefined && !forked.ok && forked.sent) {
      // The server died with the request in hand: it may have started the payload. Whatever it
      // started goes before the bot starts it again, so that the command never runs twice.
      if (cg !== undefined) {
        cg.kill();
        await cg.waitEmpty(CGROUP_EMPTY_DEADLINE_MS);
      } else await sweepProcessesWithEnv(`DROVER_TASK_NONCE=${p.nonce}`, 2_000);
    }
    // The server could not take it (no spare was taken: there is a server).
    if (forked?.ok !== true && serverOnly) throw new UnsafeSpawnError();
    subprocess =
      forked?.ok === true
        ? forked.child
        : spare !== undefined && cg !== undefined
          ? launchSpare(spare, cg, p)
          : cg === undefined
            ? spawnPayload(p)
            : cg.spawnInside(() => spawnPayload(p));
  } catch (err) {
    // Arguments spawn() refuses (a NUL byte in one): the command cannot be run.
    await forget();
    await cg?.remove();
    // The bot's failure, not the command's.
    if (err instanceof CgroupMoveError || err instanceof UnsafeSpawnError) throw err;
    return spawnFailure(p, err as NodeJS.ErrnoException);
  }
  traceHop(opts.taskId, 'spawn-returned');
  const pid = subprocess.pid;
  if (pid === undefined) {
    // Not started (ENOENT, EACCES...): the 'error' event says why, on the next tick.
    const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
      subprocess.once('error', resolve),
    );
    await forget();
    await cg?.remove();
    return spawnFailure(p, err);
  }
  recordGroup(opts.botDir, opts.taskId, pid, p.nonce);
  p.control.pid = pid;
  // Started: the only 'error' left is a failed subprocess.kill(), which the runner never calls.
  subprocess.on('error', ignore);

  let cause: TimedOut | 'kill' | undefined;
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    subprocess.once('exit', (code, sig) => {
      traceHop(opts.taskId, 'exit-seen');
      exitedFlag = true;
      resolve({ code, signal: sig });
    });
  });

  const pump = new OutputPump({
    // stdio 'pipe': both are there.
    streams: [subprocess.stdout!, subprocess.stderr!],
    maxBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    onOutput: opts.onOutput,
    onRead: () => {
      if (cause === undefined && !exitedFlag) ioTimer?.refresh();
    },
  });
  p.control.pump = pump;
  p.control.onFlow = () => {
    if (!pump.paused && cause === undefined && !exitedFlag) ioTimer?.refresh();
  };
  if (p.control.pauseWanted) pump.pause();

  const terminate = (why: TimedOut | 'kill') => {
    if (cause !== undefined || exitedFlag) return;
    cause = why;
    clearTimeout(hardTimer);
    clearTimeout(ioTimer);
    if (cg !== undefined) cg.terminate(graceMs, exited).catch(() => {});
    else terminationDance(pid, graceMs, exited).catch(() => {}); // only EPERM could throw: not ours
  };
  const hardTimer =
    executionTimeoutMs > 0 ? setTimeout(() => terminate('hard'), executionTimeoutMs) : undefined;
  // While the output is paused the payload is blocked on write, not silent: the timer waits.
  const ioTimer =
    ioTimeoutMs > 0
      ? setTimeout(() => (pump.paused ? ioTimer?.refresh() : terminate('io')), ioTimeoutMs)
      : undefined;
  const onAbort = () => terminate('kill');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();

  try {
    const exit = await exited;
    const durationSecs = (clock.nowMs() - startMs) / 1000;
    clearTimeout(hardTimer);
    clearTimeout(ioTimer);
    const after =
      cg === undefined ? await sweepAfter(pid, p.nonce, pidMark) : await cgroupAfter(cg);
    await forget();
    await pump.drain(opts.drainMs ?? 2_000);
    if (subprocess instanceof ForkedChild && subprocess.lost) {
      const line = Buffer.from(
        'drover-bot: the fork server died while the task ran: its payload was killed\n',
      );
      preamble += line.length;
      opts.onOutput(line);
    }
    const marker = pump.truncationMarker();
    if (marker !== undefined) opts.onOutput(marker);
    return {
      exitCode: exit.code ?? signalExitCode(exit.signal),
      durationSecs,
      timedOut: cause === 'hard' || cause === 'io' ? cause : 'none',
      killed: cause === 'kill',
      canceled: false,
      outputSize: preamble + pump.delivered + (marker?.length ?? 0),
      outputDropped: pump.dropped,
      escapedKilled: after.killed,
      ...(after.memoryLimitKilled ? { memoryLimitKilled: true } : {}),
      ...(after.stuck.length > 0 ? { stuck: after.stuck } : {}),
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    pump.detach();
    p.control.onFlow = undefined;
  }
}

interface AfterEnd {
  readonly killed: readonly number[];
  readonly stuck: readonly number[];
  readonly memoryLimitKilled: boolean;
}

/**
 * Without cgroups: whatever of the group outlived its leader goes now, then whatever left the
 * group carrying the task's nonce; their pipes close with them.
 */
async function sweepAfter(
  pid: number,
  nonce: string,
  pidMark: PidMark | undefined,
): Promise<AfterEnd> {
  const left = await sweepGroup(pid, 2_000);
  const escaped = await sweepProcessesWithEnv(
    `DROVER_TASK_NONCE=${nonce}`,
    2_000,
    pidMark === undefined ? undefined : { firstPid: pid, mark: pidMark },
  );
  return {
    killed: escaped.killed,
    stuck: [...left, ...escaped.survivors],
    memoryLimitKilled: false,
  };
}

/** The cgroup waits before it is removed for this long at most (a process stuck in the kernel). */
const CGROUP_EMPTY_DEADLINE_MS = 10_000;

/**
 * With a cgroup: what is left of the task (daemons, orphans, anything) dies at once, and the task
 * is over when the cgroup is empty. A cgroup that does not empty is left for the next start.
 */
async function cgroupAfter(cg: TaskCgroup): Promise<AfterEnd> {
  // Usually nothing outlived the payload: one read of cgroup.events says so.
  let killed: number[] = [];
  let empty = !cg.populated();
  if (!empty) {
    killed = cg.pids();
    cg.kill();
    empty = await cg.waitEmpty(CGROUP_EMPTY_DEADLINE_MS);
  }
  const memoryLimitKilled = cg.oomKilled();
  const stuck = empty ? [] : cg.pids();
  if (empty) void cg.remove();
  return { killed, stuck, memoryLimitKilled };
}

/** Lines for the limits the manifest asks for that this task's containment cannot apply. */
function limitNotes(manifest: TaskManifestLike, cg: TaskCgroup | undefined): string[] {
  const limits = {
    memoryBytes: manifest.memory_limit_bytes ?? 0,
    pids: manifest.pids_limit ?? 0,
    cpuWeight: manifest.cpu_weight ?? 0,
  };
  if (cg !== undefined) return cg.applyLimits(limits);
  return (
    [
      ['memory_limit_bytes', limits.memoryBytes],
      ['pids_limit', limits.pids],
      ['cpu_weight', limits.cpuWeight],
    ] as const
  )
    .filter(([, v]) => v > 0)
    .map(
      ([field]) => `${field} not applied: this bot runs tasks without cgroups (containment=pgroup)`,
    );
}

/**
 * Where the fork server failing means the command cannot run (not the server's own failure).
 * `setid` is not one: the server may lack the capabilities the bot has (file capabilities do not
 * pass to it); the bot's own spawn then switches users, or says why it cannot.
 */
function isCommandStage(stage: string): boolean {
  return stage === 'chdir' || stage === 'exec';
}

/**
 * The fork server's request for the payload: the command as given (the server finds it on the
 * task's PATH as the task user, as execvp would). A request the server does not take (a NUL byte
 * in a string) comes back as its own failure, and goes the bot's way.
 */
function serverSpec(p: ProcessParams): ForkSpec {
  const user = p.opts.taskUser;
  return {
    file: p.file,
    argv0: p.file,
    args: p.args,
    env: p.env,
    cwd: p.cwd,
    ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
  };
}

/** The payload from its spare; the direct way, in the spare's cgroup, if the spare's shell is gone. */
function launchSpare(spare: TakenSpare, cg: TaskCgroup, p: ProcessParams): ChildProcess {
  try {
    return spare.launch();
  } catch {
    return cg.spawnInside(() => spawnPayload(p));
  }
}

/**
 * The payload leads a process group of its own (`detached`: setsid), reads nothing (stdin is
 * /dev/null), and writes to two pipes; its environment is exactly `env` (nothing of the bot's);
 * with a task user it runs as that user.
 * The bot does not kill it when it exits: a crash leaves it to the next start (group-records.ts).
 */
function spawnPayload(p: ProcessParams): ChildProcess {
  const user = p.opts.taskUser;
  return spawn(p.file, p.args, {
    cwd: p.cwd,
    env: p.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
    // libuv drops the supplementary groups, then sets the gid and the uid, before the exec.
    ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
  });
}

function ignore(): void {}

const silentLog = pino({ level: 'silent' });

function signalExitCode(signal: NodeJS.Signals | null): number | null {
  if (signal === null) return null;
  const n = osConstants.signals[signal];
  return typeof n === 'number' ? -n : null;
}

/** Why spawn() failed, in words, by errno code. */
const SPAWN_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file (command not found)',
  EACCES: 'permission denied (not executable)',
  E2BIG: 'argument list too long for exec',
  ENOEXEC: 'not an executable format',
  ENOTDIR: 'a component of the path is not a directory',
};

/** The longest part of a message quoted from the command (TaskFinished.client_error is bounded). */
const QUOTE_CHARS = 200;

/**
 * The command could not be started: CLIENT_ERROR with the reason (the program, the errno code),
 * no exit code and no output.
 */
function spawnFailure(p: ProcessParams, err: { code?: string; message?: string }): RunResult {
  const code = err.code ?? '';
  const quote = (s: string) => (s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS)}…` : s);
  const why = SPAWN_ERRORS[code] ?? quote(err.message ?? code);
  return {
    ...notStarted(false),
    clientError: `command[0]: cannot run ${JSON.stringify(quote(p.file))}: ${why}${code !== '' ? ` (${code})` : ''}`,
  };
}

/**
 * A payload the bot would fork itself (no fork server running) while the bot holds ambient
 * capabilities: the payload would keep them (with CAP_SETUID it could make itself root). Only the
 * fork server, which clears them in each payload, starts payloads of such a bot.
 */
class UnsafeSpawnError extends Error {
  constructor() {
    super(
      'the bot holds ambient capabilities (CapAmb in /proc/self/status) that a payload it forks itself would keep, and its fork server, which drops them, is not running',
    );
    this.name = 'UnsafeSpawnError';
  }
}

let ambientHeld: boolean | undefined;

/**
 * The bot is not root and its ambient capability set is not empty (read once: neither changes).
 * A root bot's ambient capabilities are harmless: a switch away from root clears them, and a
 * payload run as root has root's anyway.
 */
function holdsAmbientCapabilities(): boolean {
  if (ambientHeld === undefined) {
    try {
      ambientHeld =
        process.geteuid?.() !== 0 &&
        capabilitySet(readFileSync('/proc/self/status', 'utf8'), 'CapAmb') !== 0n;
    } catch {
      ambientHeld = false; // no /proc: no capabilities to speak of
    }
  }
  return ambientHeld;
}

/**
 * The bot itself failed (e.g. it cannot create the work dir). The wire has no internal-failure
 * field, so this is reported like a command that cannot execute: 126 and a line saying why.
 */
function botFailure(opts: RunTaskOptions, err: unknown): RunResult {
  const why = err instanceof Error ? err.message : String(err);
  const text = Buffer.from(`drover-bot: internal error, the task could not be started: ${why}\n`);
  opts.onOutput(text);
  return {
    exitCode: 126,
    durationSecs: 0,
    timedOut: 'none',
    killed: false,
    canceled: false,
    outputSize: text.length,
  };
}
