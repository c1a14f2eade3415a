import * as grpc from '@grpc/grpc-js';
import {
  traceHop,
  type AssignOut,
  type BotMessage,
  type CoordinatorMessageOut,
  type WelcomeOut,
} from '@drover/protocol';
import type { Logger } from 'pino';
import { DEFAULT_MAX_OUTPUT_FILES_BYTES } from './output-files';
import { endCall, SessionChannels } from './session-channels';
import { compileSessionOptions, type SessionConfig } from './session-config';
import { SessionHealth } from './session-health';
import { ReconnectPlan } from './session-reconnect';
import { HeldTasks } from './session-tasks';
import {
  callOf,
  publicState,
  STREAM_ENDED,
  stopReasonOf,
  streamOf,
  type BotCall,
  type Lifecycle,
  type LiveState,
  type StreamEnded,
  type StreamState,
} from './session-state';
import {
  FATAL_CODES,
  type SessionEnd,
  type SessionOptions,
  type SessionState,
  type StopReason,
} from './session-types';
import type { Link } from './task-slot';
import { dimensionsFromWire, dimensionsToWire } from './wire';

/**
 * The bot's connection: one BotApi.Connect stream at a time, re-opened with jittered backoff
 * when it ends. Runs what the coordinator assigns, streams its output, keeps what was not
 * acknowledged and sends it again on the next stream. See README.md for the message flow, and
 * session-state.ts for the lifecycle (one `Lifecycle` value) and its diagram.
 *
 * Entering `stopping` writes a heartbeat at once whose quarantined_reason says why, ahead of any
 * later TaskFinished: the coordinator reads the stream in order, so it stops dispatching to the
 * bot before it sees the bot free. An Assign it sent before reading that heartbeat is still run
 * (the lease is the bot's). With nothing left to deliver, the bot half-closes the stream and
 * waits for the coordinator to end it, so such an Assign still arrives; it is then reported on a
 * new stream. While `stopping` the stream is re-opened if it drops, to deliver the last results.
 *
 * Several servers (replicas sharing one database): each gets its own channel, and every
 * connection that fails or ends moves the next attempt to the next one (session-reconnect.ts).
 */

/** Welcome's heartbeat interval when it gives none. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;

/** How long the coordinator has to end a stream the bot half-closed, before it is cancelled. */
const STREAM_END_WAIT_MS = 1_000;

type TerminateOut = NonNullable<CoordinatorMessageOut['terminate']>;

type TimerName = 'backoff' | 'welcome' | 'heartbeat' | 'ackWait' | 'leave';

export function startBotSession(opts: SessionOptions): BotSession {
  const session = new BotSession(opts);
  session.start();
  return session;
}

export class BotSession {
  /** Resolves when the session stopped, with why. */
  readonly done: Promise<SessionEnd>;
  #resolveDone!: (end: SessionEnd) => void;
  readonly #config: SessionConfig;
  readonly #log: Logger;
  #lifecycle: Lifecycle = { kind: 'running', stream: { kind: 'connecting', attempt: 0 } };
  readonly #reconnect: ReconnectPlan;
  readonly #channels: SessionChannels;
  readonly #health: SessionHealth;
  readonly #tasks: HeldTasks;
  #timers: Partial<Record<TimerName, NodeJS.Timeout>> = {};
  /** The coordinator's limit for a task's output files (the latest Welcome that set one). */
  #maxOutputFilesBytes = DEFAULT_MAX_OUTPUT_FILES_BYTES;

  constructor(opts: SessionOptions) {
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#config = compileSessionOptions(opts);
    this.#log = this.#config.log.child({ component: 'session' });
    this.#reconnect = new ReconnectPlan(this.#config);
    this.#channels = new SessionChannels(this.#config);
    const link: Link = { isUp: () => this.#isUp(), write: (msg) => this.#write(msg) };
    this.#tasks = new HeldTasks({
      config: this.#config,
      link,
      log: this.#log,
      onSettled: () => this.#maybeFinishStop(),
    });
    this.#health = new SessionHealth({
      ...this.#config,
      log: this.#log,
      link,
      runningTaskId: () => this.#tasks.runningTaskId(),
      stopReason: () => stopReasonOf(this.#lifecycle),
    });
    this.#config.caches.onChange = () => this.#health.sendDimensionsIfChanged();
    // The input cache is read from disk before the first Hello (its trees are in memory only).
    this.#config.casCache.load();
    this.#config.casCache.onTreesChange = () => this.#health.sendInputTreesIfChanged();
  }

  // --- bot self-update (update/updater.ts) ---

  /** Holds no task: none running, no result waiting for its Ack. */
  isIdle(): boolean {
    return this.#tasks.isIdle();
  }

  /** Takes no tasks while `reason` is set (said on a heartbeat now); '' takes them again. */
  setUpdating(reason: string): void {
    this.#health.setUpdating(reason);
  }

  get state(): SessionState {
    return publicState(this.#lifecycle);
  }

  start(): void {
    this.#log.info(
      { servers: this.#config.servers, botId: this.#config.botId },
      'session starting',
    );
    void this.#connect();
  }

  /**
   * Take no more tasks; let the running one finish (or kill it with the termination dance),
   * deliver results, then stop. Returns the ids of the tasks it asked to kill.
   */
  stop(opts: { reason: StopReason; killRunning?: boolean }): readonly string[] {
    const s = this.#lifecycle;
    if (s.kind !== 'running' && s.kind !== 'stopping') return [];
    if (s.kind === 'running') {
      this.#setLifecycle({ kind: 'stopping', reason: opts.reason, stream: s.stream });
      this.#health.sendNow();
    }
    const killed =
      opts.killRunning === true ? this.#tasks.killRuns(`bot stopping (${opts.reason})`) : [];
    this.#maybeFinishStop();
    return killed;
  }

  /**
   * For a process about to exit at once: SIGKILLs the process group of every running task, now,
   * without waiting. Their records stay, so the next start sweeps what is left. Returns the ids.
   */
  killGroupsNow(): readonly string[] {
    return this.#tasks.killGroupsNow();
  }

  /** Kills running tasks (with the dance), waits for them, closes the stream. Idempotent. */
  close(): Promise<void> {
    const s = this.#lifecycle;
    if (s.kind === 'running' || s.kind === 'stopping')
      this.#closeWith('bot closing', { kind: 'stopped', reason: 'close' }, s, s.stream);
    return this.done.then(() => undefined);
  }

  /**
   * The end is decided: runs the dance on every task still running and waits for them, so none
   * outlives the bot, then finalizes.
   */
  #closeWith(
    reason: string,
    end: SessionEnd,
    from: LiveState,
    stream: StreamState | StreamEnded,
  ): void {
    this.#setLifecycle({ kind: 'closing', from, end, stream });
    this.#tasks.killRuns(reason);
    void this.#tasks.runsEnded().then(() => this.#finalize(end));
  }

  // --- connection ------------------------------------------------------------------------------

  async #connect(): Promise<void> {
    this.#timers.backoff = undefined;
    if (!this.#isLive()) return;
    const attempt = this.#reconnect.attempt;
    this.#setStream({ kind: 'connecting', attempt });
    try {
      await this.#health.measureDisk();
      if (!this.#isLive()) return;
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${this.#config.token}`);
      const server = this.#reconnect.server;
      this.#reconnect.opening();
      this.#log.info({ server, attempt }, 'connecting');
      const call = this.#channels.clientFor(server).Connect(metadata);
      this.#setStream({ kind: 'welcoming', call, attempt });
      call.on('data', (msg: CoordinatorMessageOut) => this.#onMessage(call, msg));
      call.on('error', () => {}); // the 'status' event carries the outcome
      call.on('status', (status: grpc.StatusObject) => this.#onStatus(call, status));
      call.write({
        hello: {
          bot_id: this.#config.botId,
          dimensions: dimensionsToWire(this.#health.dimensionsNow()),
          state: this.#health.healthNow(),
          version: this.#config.version,
          self_update: this.#config.selfUpdate,
          running: this.#tasks.runningEntries(),
        },
      });
      const timeoutMs = this.#config.welcomeTimeoutMs;
      this.#timers.welcome = setTimeout(() => {
        const stream = streamOf(this.#lifecycle);
        if (stream?.kind !== 'welcoming' || stream.call !== call) return;
        this.#log.warn({ timeoutMs }, 'no welcome in time; dropping the stream');
        call.cancel();
      }, timeoutMs);
    } catch (err) {
      this.#log.error({ err }, 'cannot open the stream');
      this.#scheduleReconnect();
    }
  }

  #onStatus(call: BotCall, status: grpc.StatusObject): void {
    const s = this.#lifecycle;
    if (s.kind !== 'running' && s.kind !== 'stopping' && s.kind !== 'closing') return;
    const stream = s.stream;
    if (callOf(stream) !== call) return;
    const left = stream.kind === 'connected' && stream.halfClosed;
    this.#clearStreamTimers();
    const kept = this.#reconnect.streamEnded(
      status,
      stream.kind === 'connected' ? stream : undefined,
      Date.now(),
    );
    if (kept)
      this.#log.warn(
        {
          code: grpc.status[status.code],
          details: status.details,
          attempt: this.#reconnect.attempt,
        },
        'the coordinator failed again after its welcome; backing off further',
      );
    if (s.kind === 'closing') {
      this.#setLifecycle({ ...s, stream: STREAM_ENDED });
      return;
    }
    if (FATAL_CODES.has(status.code)) {
      this.#log.error(
        { code: grpc.status[status.code], details: status.details },
        'coordinator refused the bot',
      );
      const end: SessionEnd = { kind: 'fatal', code: status.code, details: status.details };
      this.#closeWith('coordinator refused the bot', end, s, STREAM_ENDED);
      return;
    }
    this.#log[left ? 'info' : 'warn'](
      { code: grpc.status[status.code], details: status.details },
      'stream ended',
    );
    if (s.kind === 'stopping') {
      this.#setLifecycle({ ...s, stream: STREAM_ENDED });
      if (this.isIdle()) {
        this.#finalize({ kind: 'stopped', reason: s.reason });
        return;
      }
    }
    this.#scheduleReconnect();
  }

  /**
   * The connection failed or ended: the next attempt goes to the next server, at once while some
   * server has not been tried since the last wait, else after the backoff (session-reconnect.ts).
   */
  #scheduleReconnect(): void {
    if (!this.#isLive()) return;
    const next = this.#reconnect.next(this.#tasks.holdsAny());
    if (next.kind === 'now') {
      this.#setStream({ kind: 'connecting', attempt: next.attempt });
      this.#timers.backoff = setTimeout(() => void this.#connect(), 0);
      return;
    }
    this.#setStream({ kind: 'backoff', attempt: next.attempt, delayMs: next.delayMs });
    this.#timers.backoff = setTimeout(() => void this.#connect(), next.delayMs);
  }

  /** Writes on the current stream, unless there is none or the bot half-closed it. */
  #write(msg: BotMessage): void {
    const stream = streamOf(this.#lifecycle);
    if (stream?.kind === 'connected' && stream.halfClosed) return;
    callOf(stream)?.write(msg);
  }

  /** The stream got its Welcome and the bot has not half-closed it: results and heartbeats go. */
  #isUp(): boolean {
    const stream = streamOf(this.#lifecycle);
    return stream?.kind === 'connected' && !stream.halfClosed;
  }

  // --- coordinator messages --------------------------------------------------------------------

  #onMessage(call: BotCall, msg: CoordinatorMessageOut): void {
    const stream = streamOf(this.#lifecycle);
    if (callOf(stream) !== call) return;
    if (msg.msg !== 'welcome' && stream?.kind !== 'connected') {
      this.#log.warn({ msg: msg.msg }, 'message before welcome ignored');
      return;
    }
    switch (msg.msg) {
      case 'welcome':
        if (msg.welcome) this.#onWelcome(msg.welcome);
        return;
      case 'assign':
        if (msg.assign) this.#onAssign(msg.assign);
        return;
      case 'kill':
        if (msg.kill) this.#tasks.onKill(msg.kill);
        return;
      case 'ack':
        if (msg.ack) this.#tasks.onAck(msg.ack);
        return;
      case 'update':
        if (msg.update) this.#config.onUpdate?.(msg.update);
        return;
      case 'terminate':
        this.#onTerminate(msg.terminate ?? { reason: '', task_id: '', lease_id: '' });
        return;
      case undefined:
        return;
    }
  }

  #onWelcome(w: WelcomeOut): void {
    const stream = streamOf(this.#lifecycle);
    if (stream?.kind !== 'welcoming') {
      this.#log.warn({ sessionId: w.session_id }, 'second welcome ignored');
      return;
    }
    this.#setStream({
      kind: 'connected',
      call: stream.call,
      sessionId: w.session_id,
      halfClosed: false,
      welcomedAtMs: Date.now(),
      attemptBeforeWelcome: this.#reconnect.welcomed(),
    });
    this.#clearTimer('welcome');
    const stopping = stopReasonOf(this.#lifecycle);
    if (stopping !== undefined)
      this.#log.info({ sessionId: w.session_id }, 'reconnected while stopping');
    const heartbeatIntervalMs = this.#config.heartbeatIntervalMs ?? welcomeHeartbeatMs(w);
    this.#timers.heartbeat = setInterval(() => void this.#health.tick(), heartbeatIntervalMs);
    if (w.max_output_files_bytes > 0) this.#maxOutputFilesBytes = w.max_output_files_bytes;
    // Still stopping: say so before any result goes again (Hello said it too).
    if (stopping !== undefined) this.#health.sendNow();
    this.#tasks.resendAll();
    this.#config.onWelcome?.({
      sessionId: w.session_id,
      heartbeatIntervalMs,
      dimensions: dimensionsFromWire(w.dimensions),
      forcedDimensions: dimensionsFromWire(w.forced_dimensions),
    });
  }

  #onAssign(a: AssignOut): void {
    traceHop(a.task_id, 'bot-receive');
    const log = this.#config.log.child({
      component: 'task',
      taskId: a.task_id,
      leaseId: a.lease_id,
    });
    const s = this.#lifecycle;
    if (s.kind !== 'running' && s.kind !== 'stopping') {
      log.warn({}, 'assignment ignored: the bot is closing');
      return;
    }
    if (this.#tasks.holds(a.task_id)) {
      log.warn({}, 'assignment ignored: the task is already held');
      return;
    }
    if (s.kind === 'stopping') {
      // Sent before the coordinator read our stopping heartbeat: the lease is ours, so run it.
      log.warn({ reason: s.reason }, 'assignment arrived while stopping; running it');
      this.#clearTimer('ackWait');
    }
    this.#tasks.launch(a, log, {
      server: this.#reconnect.server,
      uploadClient: () => this.#channels.clientFor(this.#reconnect.server),
      casClient: () => this.#channels.casClientFor(this.#reconnect.server),
      maxOutputFilesBytes: this.#maxOutputFilesBytes,
    });
    if (this.#config.once) this.stop({ reason: 'once' });
  }

  /**
   * Stop once the current task is done. With a task_id and lease_id the Terminate is the bot's
   * termination task (TerminateBot): nothing runs; the bot reports it started and COMPLETED exit
   * 0 (after the stopping heartbeat, so the coordinator gives it nothing else), and leaves once
   * the result is acknowledged. Until then the result is kept and resent like any other.
   */
  #onTerminate(t: TerminateOut): void {
    this.#log.info({ reason: t.reason, taskId: t.task_id || undefined }, 'terminate requested');
    if (
      t.task_id === '' ||
      t.lease_id === '' ||
      this.#lifecycle.kind === 'closing' ||
      this.#tasks.holds(t.task_id)
    ) {
      this.stop({ reason: 'terminate' });
      return;
    }
    const termination = this.#tasks.holdTermination(t.task_id, t.lease_id);
    this.stop({ reason: 'terminate' });
    termination.report();
  }

  // --- stopping and the end ------------------------------------------------------------------

  #maybeFinishStop(): void {
    const s = this.#lifecycle;
    if (s.kind !== 'stopping' || this.#tasks.anyRunning()) return;
    if (!this.#tasks.holdsAny()) {
      this.#leave(s);
      return;
    }
    const ackWaitMs = this.#config.ackWaitMs;
    this.#timers.ackWait ??= setTimeout(() => {
      this.#log.warn(
        { tasks: this.#tasks.taskIds(), ackWaitMs },
        'results not acknowledged; stopping anyway',
      );
      this.#finalize({ kind: 'stopped', reason: s.reason });
    }, ackWaitMs);
  }

  /**
   * Nothing left to deliver: half-close the stream and let the coordinator end it. An Assign it
   * sent before it read the stopping heartbeat still arrives meanwhile and is run (then reported
   * on a new stream: onStatus reconnects while a task is held).
   */
  #leave(s: Extract<Lifecycle, { kind: 'stopping' }>): void {
    const stream = s.stream;
    if (stream.kind !== 'connected') {
      this.#finalize({ kind: 'stopped', reason: s.reason });
      return;
    }
    if (stream.halfClosed) return;
    this.#setStream({ ...stream, halfClosed: true });
    this.#clearTimer('heartbeat');
    this.#clearTimer('ackWait');
    stream.call.end();
    this.#timers.leave = setTimeout(() => {
      this.#log.warn({}, 'the coordinator did not end the stream; cancelling it');
      stream.call.cancel();
    }, STREAM_END_WAIT_MS);
  }

  /** Ends the stream and the channels, then resolves `done`; every step runs even if one fails. */
  #finalize(end: SessionEnd): void {
    const s = this.#lifecycle;
    if (s.kind === 'finalizing' || s.kind === 'stopped') return;
    const stream = s.stream;
    this.#setLifecycle({ kind: 'finalizing', end });
    for (const name of ['backoff', 'welcome', 'heartbeat', 'ackWait', 'leave'] as const)
      this.#clearTimer(name);
    this.#tasks.forgetAll();
    const call = callOf(stream);
    const halfClosed = stream.kind === 'connected' && stream.halfClosed;
    void (async () => {
      if (call !== undefined)
        await endCall(call, halfClosed, STREAM_END_WAIT_MS).catch((err: unknown) =>
          this.#log.warn({ err }, 'end stream'),
        );
      this.#channels.closeAll(this.#log);
      this.#setLifecycle({ kind: 'stopped', end });
      this.#resolveDone(end);
    })();
  }

  /** Commits the next lifecycle state; logs when what `state` reports changed. */
  #setLifecycle(next: Lifecycle): void {
    const from = publicState(this.#lifecycle);
    this.#lifecycle = next;
    const to = publicState(next);
    if (from.kind === to.kind && JSON.stringify(from) === JSON.stringify(to)) return;
    const { kind, ...details } = to;
    this.#log.info({ from: from.kind, to: kind, ...details }, 'session state changed');
  }

  /** The current stream changed (a state that has none keeps none). */
  #setStream(stream: StreamState): void {
    const s = this.#lifecycle;
    if (s.kind === 'finalizing' || s.kind === 'stopped') return;
    this.#setLifecycle({ ...s, stream });
  }

  /** Running or stopping: the session may take a task and open a stream. */
  #isLive(): boolean {
    return this.#lifecycle.kind === 'running' || this.#lifecycle.kind === 'stopping';
  }

  #clearTimer(name: TimerName): void {
    clearTimeout(this.#timers[name]);
    this.#timers[name] = undefined;
  }

  /** The timers that belong to one stream. */
  #clearStreamTimers(): void {
    this.#clearTimer('welcome');
    this.#clearTimer('heartbeat');
    this.#clearTimer('leave');
  }
}

/** Welcome's heartbeat interval (milliseconds, else seconds), or the default when it gives none. */
function welcomeHeartbeatMs(w: WelcomeOut): number {
  if (w.heartbeat_interval_ms > 0) return w.heartbeat_interval_ms;
  if (w.heartbeat_interval_secs > 0) return w.heartbeat_interval_secs * 1000;
  return DEFAULT_HEARTBEAT_INTERVAL_MS;
}
