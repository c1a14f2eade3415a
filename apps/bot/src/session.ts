import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import {
  CLIENT_CHANNEL_OPTIONS,
  MAX_BOT_DIMENSION_VALUES,
  MAX_BOT_HEALTH_CACHES,
  loadDroverProto,
  type AckOut,
  type AssignOut,
  type BotApiClient,
  type BotHealth,
  type BotMessage,
  type CoordinatorMessageOut,
  type KillOut,
  type WelcomeOut,
} from '@drover/protocol';
import type { Logger } from 'pino';
import { backoffDelayMs, channelBackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { CacheManager } from './caches';
import type { Dimensions } from './config';
import { freeDiskBytes, healthNow, lowDiskReason } from './health';
import { DEFAULT_MAX_OUTPUT_FILES_BYTES } from './output-files';
import { signalGroup } from './process-group';
import type { RunResult, TaskRun } from './runner';
import {
  FATAL_CODES,
  STOP_REASON_TEXT,
  type SessionEnd,
  type SessionOptions,
  type SessionState,
  type StopReason,
} from './session-types';
import { launchTask } from './task-launch';
import { TaskSlot, type Link } from './task-slot';
import { canceledFinish, dimensionsFromWire, dimensionsToWire } from './wire';

/**
 * The bot's connection: one BotApi.Connect stream at a time, re-opened with jittered backoff
 * when it ends. Runs what the coordinator assigns, streams its output, keeps what was not
 * acknowledged and sends it again on the next stream. See README.md for the message flow.
 *
 *   connecting ──Welcome──▶ connected ──stream ends──▶ backoff ──timer──▶ connecting
 *        └──────────── stream ends ───────────────────────▲
 *   any ──stop()/Terminate/--once──▶ stopping ──tasks ended, results acked, stream ended──▶ stopped
 *   any ──UNAUTHENTICATED/PERMISSION_DENIED/INVALID_ARGUMENT──▶ stopped (fatal)
 *
 * Entering `stopping` writes a heartbeat at once whose quarantined_reason says why, ahead of any
 * later TaskFinished: the coordinator reads the stream in order, so it stops dispatching to the
 * bot before it sees the bot free. An Assign it sent before reading that heartbeat is still run
 * (the lease is the bot's). With nothing left to deliver, the bot half-closes the stream and
 * waits for the coordinator to end it, so such an Assign still arrives; it is then reported on a
 * new stream. While `stopping` the stream is re-opened if it drops, to deliver the last results.
 *
 * Several servers (replicas sharing one database): each gets its own channel; the first stream
 * goes to the first, and every connection that fails or ends moves the next attempt to the next
 * server (round robin), taking the bot's held results along (Hello's `running`, then resends).
 * Failing over is immediate while some server of the list has not been tried since the last
 * backoff wait: so a bot whose replica died (or a first server that is down) reaches a live one
 * at once, but once every server failed in a row the usual jittered backoff applies (60 s cap,
 * 5 s while holding a task), then a new round starts. A Welcome resets the backoff exponent, not
 * the round: a server that welcomes then drops at once cannot spin the bot through the list.
 */

/** What the bot reports for its termination task: done at once, nothing ran, no output. */
const TERMINATION_RESULT: RunResult = {
  exitCode: 0,
  durationSecs: 0,
  timedOut: 'none',
  killed: false,
  canceled: false,
  outputSize: 0,
};

type TerminateOut = NonNullable<CoordinatorMessageOut['terminate']>;

/** A stream that ends sooner after its Welcome, as the one before, does not reset the backoff. */
const STABLE_STREAM_MS = 10_000;

type TimerName = 'backoff' | 'welcome' | 'heartbeat' | 'ackWait' | 'leave';

export function startBotSession(opts: SessionOptions): BotSession {
  const session = new BotSession(opts);
  session.start();
  return session;
}

export class BotSession {
  /** Resolves when the session stopped, with why. */
  readonly done: Promise<SessionEnd>;
  private resolveDone!: (end: SessionEnd) => void;
  private current: SessionState = { kind: 'connecting', attempt: 0 };
  private readonly log: Logger;
  /** The coordinator addresses, at least one; `server` indexes the one in use. */
  private readonly servers: readonly string[];
  private server = 0;
  /** Streams opened since the last backoff wait (the first connect counts). */
  private triesSinceWait = 0;
  /** One channel per server, made on first use. */
  private readonly clients = new Map<string, BotApiClient>();
  private readonly slots = new Map<string, TaskSlot>();
  private readonly runs = new Set<TaskRun>();
  private readonly link: Link;
  private call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut> | undefined;
  /** The current stream got its Welcome. */
  private linked = false;
  /** The bot half-closed the current stream (it is leaving): it may read but not write. */
  private halfClosed = false;
  /** From the latest statfs of the bot dir (Hello and heartbeats carry it). */
  private freeDisk: number | undefined;
  /** `low disk: …` while the free disk is below the minimum, '' otherwise. */
  private lowDisk = '';
  /** `updating to <version>` while the bot fetches new code (update/updater.ts), else ''. */
  private updating = '';
  private attempt = 0;
  /** `attempt` before the current stream's Welcome reset it (see keepBackoffAfter). */
  private attemptBeforeWelcome = 0;
  /** When the current stream got its Welcome. */
  private welcomedAtMs = 0;
  /** How the previous stream ended (code and details). */
  private previousEnd = '';
  private stopReason: StopReason | undefined;
  private finalizing: Promise<void> | undefined;
  /** Set once the end is decided (fatal, close): stop() and draining have no say any more. */
  private ending = false;
  private closing: Promise<void> | undefined;
  private heartbeatBusy = false;
  private timers: Partial<Record<TimerName, NodeJS.Timeout>> = {};
  /** Named caches (caches.ts): their names are the `caches` dimension, sizes in the health. */
  private readonly caches: CacheManager;
  /** The dimensions as last sent (Hello or a heartbeat), JSON. */
  private sentDimensions = '';
  /** The coordinator's limit for a task's output files (Welcome). */
  private maxOutputFilesBytes = DEFAULT_MAX_OUTPUT_FILES_BYTES;

  constructor(private readonly opts: SessionOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = opts.log.child({ component: 'session' });
    this.servers = serverList(opts.server);
    this.link = { isUp: () => this.linked && !this.halfClosed, write: (msg) => this.write(msg) };
    this.caches =
      opts.caches ??
      new CacheManager({
        root: path.join(opts.botDir, 'caches'),
        maxBytes: opts.cacheMaxBytes,
        ...(opts.taskUser === undefined ? {} : { owner: opts.taskUser }),
      });
    this.caches.onChange = () => this.sendDimensionsIfChanged();
  }

  // --- bot self-update (update/updater.ts) ---

  /** Holds no task: none running, no result waiting for its Ack. */
  isIdle(): boolean {
    return this.slots.size === 0 && this.runs.size === 0;
  }

  /** Takes no tasks while `reason` is set (said on a heartbeat now); '' takes them again. */
  setUpdating(reason: string): void {
    if (reason === this.updating) return;
    this.updating = reason;
    this.sendHeartbeatNow();
  }

  get state(): SessionState {
    return this.current;
  }

  start(): void {
    this.log.info({ servers: this.servers, botId: this.opts.botId }, 'session starting');
    void this.connect();
  }

  /**
   * Take no more tasks; let the running one finish (or kill it with the termination dance),
   * deliver results, then stop. Returns the ids of the tasks it asked to kill.
   */
  stop(opts: { reason: StopReason; killRunning?: boolean }): readonly string[] {
    if (this.isStopped() || this.ending) return [];
    if (this.stopReason === undefined) {
      this.stopReason = opts.reason;
      this.setState({ kind: 'stopping', reason: opts.reason });
      this.sendHeartbeatNow();
    }
    const killed: string[] = [];
    if (opts.killRunning === true) {
      for (const run of this.runs) {
        run.kill(`bot stopping (${opts.reason})`);
        killed.push(run.taskId);
      }
    }
    this.maybeFinishStop();
    return killed;
  }

  /**
   * For a process about to exit at once: SIGKILLs the process group of every running task, now,
   * without waiting. Their records stay, so the next start sweeps what is left. Returns the ids.
   */
  killGroupsNow(): readonly string[] {
    const killed: string[] = [];
    for (const run of this.runs) {
      if (run.pid === undefined) continue;
      try {
        signalGroup(run.pid, 'SIGKILL');
        killed.push(run.taskId);
      } catch {
        // EPERM: not ours any more.
      }
    }
    return killed;
  }

  /** Kills running tasks (with the dance), waits for them, closes the stream. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.killAllThenFinalize('bot closing', { kind: 'stopped', reason: 'close' });
    return this.closing;
  }

  /** Runs the dance on every task still running and waits for them, so none outlives the bot. */
  private async killAllThenFinalize(reason: string, end: SessionEnd): Promise<void> {
    this.ending = true;
    for (const run of this.runs) run.kill(reason);
    await Promise.allSettled([...this.runs].map((r) => r.result));
    await this.finalize(end);
  }

  // --- connection ------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.timers.backoff = undefined;
    if (this.isStopped() || this.ending) return;
    if (this.stopReason === undefined) this.setState({ kind: 'connecting', attempt: this.attempt });
    try {
      await this.measureDisk();
      if (this.isStopped() || this.ending) return;
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${this.opts.token}`);
      const server = this.servers[this.server] ?? this.servers[0]!;
      this.triesSinceWait += 1;
      this.log.info({ server, attempt: this.attempt }, 'connecting');
      const call = this.clientFor(server).Connect(metadata);
      this.call = call;
      this.linked = false;
      call.on('data', (msg: CoordinatorMessageOut) => this.onMessage(call, msg));
      call.on('error', () => {}); // the 'status' event carries the outcome
      call.on('status', (status: grpc.StatusObject) => this.onStatus(call, status));
      call.write({
        hello: {
          bot_id: this.opts.botId,
          dimensions: dimensionsToWire(this.dimensionsNow()),
          state: this.health(),
          version: this.opts.version,
          self_update: this.opts.selfUpdate === true,
          running: [...this.slots.values()].map((s) => s.runningEntry()),
        },
      });
      this.timers.welcome = setTimeout(() => {
        if (this.call !== call || this.linked) return;
        this.log.warn(
          { timeoutMs: this.welcomeTimeoutMs() },
          'no welcome in time; dropping the stream',
        );
        call.cancel();
      }, this.welcomeTimeoutMs());
    } catch (err) {
      this.log.error({ err }, 'cannot open the stream');
      this.scheduleReconnect();
    }
  }

  private onStatus(
    call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>,
    status: grpc.StatusObject,
  ): void {
    if (call !== this.call) return;
    const left = this.halfClosed;
    const welcomed = this.linked;
    this.dropStream();
    this.keepBackoffAfter(welcomed, status);
    if (this.isStopped() || this.ending) return;
    if (FATAL_CODES.has(status.code)) {
      this.log.error(
        { code: grpc.status[status.code], details: status.details },
        'coordinator refused the bot',
      );
      void this.killAllThenFinalize('coordinator refused the bot', {
        kind: 'fatal',
        code: status.code,
        details: status.details,
      });
      return;
    }
    this.log[left ? 'info' : 'warn'](
      { code: grpc.status[status.code], details: status.details },
      'stream ended',
    );
    if (this.stopReason !== undefined && this.runs.size === 0 && this.slots.size === 0) {
      void this.finalize({ kind: 'stopped', reason: this.stopReason });
      return;
    }
    this.scheduleReconnect();
  }

  /**
   * A Welcome resets the backoff exponent, unless the stream then fails as before: the
   * coordinator said to back off (RESOURCE_EXHAUSTED: its data dir is full, say, so our output
   * cannot be stored), or the stream ended as the previous one did, within STABLE_STREAM_MS of
   * its Welcome. Then the exponent goes on from where it was: a coordinator that welcomes and
   * fails each time sees one reconnect per backoff step, not several a second.
   */
  private keepBackoffAfter(welcomed: boolean, status: grpc.StatusObject): void {
    const end = `${status.code} ${status.details}`;
    const same = end === this.previousEnd;
    this.previousEnd = end;
    if (!welcomed) return;
    const brief = Date.now() - this.welcomedAtMs < STABLE_STREAM_MS;
    if (status.code !== grpc.status.RESOURCE_EXHAUSTED && !(same && brief)) return;
    this.attempt = Math.max(this.attempt, this.attemptBeforeWelcome);
    this.log.warn(
      { code: grpc.status[status.code], details: status.details, attempt: this.attempt },
      'the coordinator failed again after its welcome; backing off further',
    );
  }

  private dropStream(): void {
    this.call = undefined;
    this.linked = false;
    this.halfClosed = false;
    this.clearTimer('welcome');
    this.clearTimer('heartbeat');
    this.clearTimer('leave');
  }

  /** The channel to `server`, made on first use (our backoff paces reconnects, not grpc-js's). */
  private clientFor(server: string): BotApiClient {
    let client = this.clients.get(server);
    if (client === undefined) {
      const { BotApi } = loadDroverProto().drover.v1;
      client = new BotApi(server, this.opts.credentials ?? grpc.credentials.createInsecure(), {
        ...CLIENT_CHANNEL_OPTIONS,
        // Our own backoff paces reconnects; keep the channel's from adding a second, longer one.
        ...channelBackoffOptions(this.opts.backoff ?? DEFAULT_BACKOFF),
        ...this.opts.channelOptions,
      });
      this.clients.set(server, client);
    }
    return client;
  }

  /**
   * The connection failed or ended: the next attempt goes to the next server, at once while some
   * server has not been tried since the last wait, else after the backoff (see the class comment).
   */
  private scheduleReconnect(): void {
    this.server = (this.server + 1) % this.servers.length;
    if (this.triesSinceWait < this.servers.length) {
      this.timers.backoff = setTimeout(() => void this.connect(), 0);
      return;
    }
    this.triesSinceWait = 0;
    const delayMs = backoffDelayMs(
      {
        attempt: this.attempt,
        holdingTask: this.slots.size > 0,
        random: this.opts.random ?? Math.random,
      },
      this.opts.backoff,
    );
    this.attempt += 1;
    if (this.stopReason === undefined)
      this.setState({ kind: 'backoff', attempt: this.attempt, delayMs });
    this.timers.backoff = setTimeout(() => void this.connect(), delayMs);
  }

  private write(msg: BotMessage): void {
    if (!this.halfClosed) this.call?.write(msg);
  }

  // --- coordinator messages --------------------------------------------------------------------

  private onMessage(
    call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>,
    msg: CoordinatorMessageOut,
  ): void {
    if (call !== this.call || this.isStopped()) return;
    if (msg.msg !== 'welcome' && !this.linked) {
      this.log.warn({ msg: msg.msg }, 'message before welcome ignored');
      return;
    }
    switch (msg.msg) {
      case 'welcome':
        if (msg.welcome) this.onWelcome(msg.welcome);
        return;
      case 'assign':
        if (msg.assign) this.onAssign(msg.assign);
        return;
      case 'kill':
        if (msg.kill) this.onKill(msg.kill);
        return;
      case 'ack':
        if (msg.ack) this.onAck(msg.ack);
        return;
      case 'update':
        if (msg.update) this.opts.onUpdate?.(msg.update);
        return;
      case 'terminate':
        this.onTerminate(msg.terminate ?? { reason: '', task_id: '', lease_id: '' });
        return;
      case undefined:
        return;
    }
  }

  private onWelcome(w: WelcomeOut): void {
    if (this.linked) {
      this.log.warn({ sessionId: w.session_id }, 'second welcome ignored');
      return;
    }
    this.linked = true;
    this.attemptBeforeWelcome = this.attempt;
    this.attempt = 0;
    this.welcomedAtMs = Date.now();
    this.clearTimer('welcome');
    if (this.stopReason === undefined)
      this.setState({ kind: 'connected', sessionId: w.session_id });
    else this.log.info({ sessionId: w.session_id }, 'reconnected while stopping');
    const heartbeatIntervalMs =
      this.opts.heartbeatIntervalMs ??
      (w.heartbeat_interval_ms > 0
        ? w.heartbeat_interval_ms
        : w.heartbeat_interval_secs > 0
          ? w.heartbeat_interval_secs * 1000
          : 30_000);
    this.timers.heartbeat = setInterval(() => void this.heartbeat(), heartbeatIntervalMs);
    if (w.max_output_files_bytes > 0) this.maxOutputFilesBytes = w.max_output_files_bytes;
    // Still stopping: say so before any result goes again (Hello said it too).
    if (this.stopReason !== undefined) this.sendHeartbeatNow();
    for (const slot of this.slots.values()) slot.resend();
    this.opts.onWelcome?.({
      sessionId: w.session_id,
      heartbeatIntervalMs,
      dimensions: dimensionsFromWire(w.dimensions),
      forcedDimensions: dimensionsFromWire(w.forced_dimensions),
    });
  }

  private onAssign(a: AssignOut): void {
    const log = this.opts.log.child({ component: 'task', taskId: a.task_id, leaseId: a.lease_id });
    if (this.ending) {
      log.warn({}, 'assignment ignored: the bot is closing');
      return;
    }
    if (this.slots.has(a.task_id)) {
      log.warn({}, 'assignment ignored: the task is already held');
      return;
    }
    if (this.stopReason !== undefined) {
      // Sent before the coordinator read our stopping heartbeat: the lease is ours, so run it.
      log.warn({ reason: this.stopReason }, 'assignment arrived while stopping; running it');
      this.clearTimer('ackWait');
    }
    const { slot, run } = launchTask(a, {
      opts: this.opts,
      link: this.link,
      log,
      server: this.servers[this.server] ?? this.servers[0]!,
      caches: this.caches,
      uploadClient: () => this.clientFor(this.servers[this.server] ?? this.servers[0]!),
      maxOutputFilesBytes: this.maxOutputFilesBytes,
      onOutputFlow: (paused, keptBytes) =>
        log.debug(
          { keptBytes },
          paused
            ? 'output paused: too much waits for acknowledgement'
            : 'output resumed: acknowledged',
        ),
      onEnded: (ended) => {
        this.runs.delete(ended);
        // The Ack may have come before the work dir was gone: idle only now (a waiting update).
        if (this.isIdle()) this.opts.onIdle?.();
        this.maybeFinishStop();
      },
    });
    this.slots.set(a.task_id, slot);
    this.runs.add(run);
    if (this.opts.once === true) this.stop({ reason: 'once' });
  }

  private onKill(k: KillOut): void {
    const slot = this.slots.get(k.task_id);
    if (slot === undefined || slot.leaseId !== k.lease_id) {
      // Nothing runs under that lease here: let the coordinator close the task rather than wait.
      this.log.warn({ taskId: k.task_id, leaseId: k.lease_id }, 'kill for a task not held');
      if (this.link.isUp()) this.write({ task_finished: canceledFinish(k.task_id, k.lease_id) });
      return;
    }
    this.log.info({ taskId: k.task_id, reason: k.reason }, 'kill requested');
    slot.kill(k.reason === '' ? 'killed by the coordinator' : k.reason);
  }

  /**
   * Stop once the current task is done. With a task_id and lease_id the Terminate is the bot's
   * termination task (TerminateBot): nothing runs; the bot reports it started and COMPLETED exit
   * 0 (after the stopping heartbeat, so the coordinator gives it nothing else), and leaves once
   * the result is acknowledged. Until then the result is kept and resent like any other.
   */
  private onTerminate(t: TerminateOut): void {
    this.log.info({ reason: t.reason, taskId: t.task_id || undefined }, 'terminate requested');
    if (t.task_id === '' || t.lease_id === '' || this.ending || this.slots.has(t.task_id)) {
      this.stop({ reason: 'terminate' });
      return;
    }
    const slot = new TaskSlot(t.task_id, t.lease_id, this.link);
    this.slots.set(t.task_id, slot);
    this.stop({ reason: 'terminate' });
    slot.started();
    slot.ended(TERMINATION_RESULT);
  }

  private onAck(a: AckOut): void {
    const slot = this.slots.get(a.task_id);
    if (slot === undefined || slot.leaseId !== a.lease_id) {
      this.log.debug({ taskId: a.task_id, leaseId: a.lease_id }, 'ack for a task not held ignored');
      return;
    }
    if (a.stale || a.finished) {
      if (slot.running)
        slot.kill(a.stale ? 'the lease is stale' : 'the coordinator finished the task');
      slot.forget();
      this.slots.delete(a.task_id);
      if (this.isIdle()) this.opts.onIdle?.();
      this.log.info({ taskId: a.task_id, stale: a.stale }, 'task forgotten');
    } else if (slot.ackOutput(a.output_offset) === 'gap') {
      this.log.warn(
        { taskId: a.task_id, outputOffset: a.output_offset },
        'the coordinator is missing output; sending it again',
      );
    }
    this.maybeFinishStop();
  }

  // --- heartbeats and stopping -----------------------------------------------------------------

  /** Periodic: measures the free disk, then says how the bot is. */
  private async heartbeat(): Promise<void> {
    if (this.heartbeatBusy) return;
    this.heartbeatBusy = true;
    try {
      await this.measureDisk();
      this.sendHeartbeatNow();
    } finally {
      this.heartbeatBusy = false;
    }
  }

  /** Measures the free disk of the bot dir; quarantines the bot below the minimum. */
  private async measureDisk(): Promise<void> {
    const probe = this.opts.freeDiskProbe ?? freeDiskBytes;
    const minFreeDiskBytes = this.opts.minFreeDiskBytes ?? 0;
    this.freeDisk = await probe(this.opts.botDir);
    const lowDisk = lowDiskReason(this.freeDisk, minFreeDiskBytes);
    if (lowDisk === this.lowDisk) return;
    const was = this.lowDisk;
    this.lowDisk = lowDisk;
    const fields = { freeDiskBytes: this.freeDisk, minFreeDiskBytes, botDir: this.opts.botDir };
    if (lowDisk !== '' && was === '') this.log.warn(fields, 'low disk: taking no tasks');
    else if (lowDisk === '') this.log.info(fields, 'disk space recovered: taking tasks again');
  }

  /** A heartbeat written now (state as of now), if a stream can take it. */
  private sendHeartbeatNow(): void {
    if (this.link.isUp()) this.write({ heartbeat: { state: this.health() } });
  }

  /**
   * The probed dimensions plus `caches` (the names of the named caches kept), when any: the
   * first MAX_BOT_DIMENSION_VALUES by name, the most the coordinator takes (docs/limits.md).
   */
  private dimensionsNow(): Dimensions {
    const names = this.caches.names().slice(0, MAX_BOT_DIMENSION_VALUES);
    const dims =
      names.length === 0 ? this.opts.dimensions : { ...this.opts.dimensions, caches: names };
    this.sentDimensions = JSON.stringify(dims);
    return dims;
  }

  /**
   * The caches changed (after a task, before its result goes): a heartbeat carrying the new
   * dimensions, so that the coordinator matches the bot with them when it is free again.
   */
  private sendDimensionsIfChanged(): void {
    const before = this.sentDimensions;
    if (!this.link.isUp()) return; // the next Hello carries them
    const dims = this.dimensionsNow();
    if (this.sentDimensions === before) return;
    this.log.info({ caches: dims['caches'] ?? [] }, 'dimensions changed');
    this.write({ heartbeat: { state: this.health(), dimensions: dimensionsToWire(dims) } });
  }

  private health(): BotHealth {
    return {
      ...healthNow({
        freeDiskBytes: this.freeDisk,
        runningTaskId: this.runningTaskId(),
        quarantinedReason: this.quarantinedReason(),
      }),
      caches: this.caches
        .info()
        .slice(0, MAX_BOT_HEALTH_CACHES)
        .map((c) => ({ name: c.name, size_bytes: c.sizeBytes })),
    };
  }

  private runningTaskId(): string {
    for (const slot of this.slots.values()) if (slot.running) return slot.taskId;
    return '';
  }

  /** Stopping wins: it is for good; low disk may clear. */
  private quarantinedReason(): string {
    if (this.stopReason !== undefined) return STOP_REASON_TEXT[this.stopReason];
    return this.lowDisk !== '' ? this.lowDisk : this.updating;
  }

  private maybeFinishStop(): void {
    if (this.stopReason === undefined || this.ending || this.isStopped() || this.runs.size > 0)
      return;
    if (this.slots.size === 0) {
      this.leave(this.stopReason);
      return;
    }
    const ackWaitMs = this.opts.ackWaitMs ?? 10_000;
    this.timers.ackWait ??= setTimeout(() => {
      this.log.warn(
        { tasks: [...this.slots.keys()], ackWaitMs },
        'results not acknowledged; stopping anyway',
      );
      void this.finalize({ kind: 'stopped', reason: this.stopReason ?? 'close' });
    }, ackWaitMs);
  }

  /**
   * Nothing left to deliver: half-close the stream and let the coordinator end it. An Assign it
   * sent before it read the stopping heartbeat still arrives meanwhile and is run (then reported
   * on a new stream: onStatus reconnects while a task is held).
   */
  private leave(reason: StopReason): void {
    const call = this.call;
    if (call === undefined || !this.linked) {
      void this.finalize({ kind: 'stopped', reason });
      return;
    }
    if (this.halfClosed) return;
    this.halfClosed = true;
    this.clearTimer('heartbeat');
    this.clearTimer('ackWait');
    call.end();
    this.timers.leave = setTimeout(() => {
      this.log.warn({}, 'the coordinator did not end the stream; cancelling it');
      call.cancel();
    }, 1_000);
  }

  /** Ends the stream and the channel; every step runs even if one fails. */
  private finalize(end: SessionEnd): Promise<void> {
    this.finalizing ??= (async () => {
      this.ending = true;
      this.setState({ kind: 'stopped', end });
      for (const name of ['backoff', 'welcome', 'heartbeat', 'ackWait', 'leave'] as const)
        this.clearTimer(name);
      for (const slot of this.slots.values()) slot.forget();
      const call = this.call;
      const halfClosed = this.halfClosed;
      this.dropStream();
      if (call !== undefined)
        await endCall(call, halfClosed, 1_000).catch((err: unknown) =>
          this.log.warn({ err }, 'end stream'),
        );
      for (const [server, client] of this.clients) {
        try {
          client.close();
        } catch (err) {
          this.log.warn({ err, server }, 'close channel');
        }
      }
      this.resolveDone(end);
    })();
    return this.finalizing;
  }

  private setState(next: SessionState): void {
    const from = this.current;
    this.current = next;
    if (from.kind === next.kind && JSON.stringify(from) === JSON.stringify(next)) return;
    const { kind, ...details } = next;
    this.log.info({ from: from.kind, to: kind, ...details }, 'session state changed');
  }

  private clearTimer(name: TimerName): void {
    clearTimeout(this.timers[name]);
    this.timers[name] = undefined;
  }

  private isStopped(): boolean {
    return this.current.kind === 'stopped';
  }

  private welcomeTimeoutMs(): number {
    return this.opts.welcomeTimeoutMs ?? 30_000;
  }
}

/** `host:port` or comma-separated ones → the addresses (at least one). */
function serverList(server: string): readonly string[] {
  const list = server
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new Error('BotSession: no server given');
  return list;
}

/** Half-closes the stream and waits (bounded) for the coordinator to end it, then cancels. */
function endCall(
  call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>,
  halfClosed: boolean,
  waitMs: number,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      call.cancel();
      resolve();
    }, waitMs);
    call.once('status', () => {
      clearTimeout(timer);
      resolve();
    });
    if (!halfClosed) call.end();
  });
}
