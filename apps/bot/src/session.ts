import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type AckOut,
  type AssignOut,
  type BotApiClient,
  type BotMessage,
  type CoordinatorMessageOut,
  type KillOut,
  type WelcomeOut,
} from '@drover/protocol';
import type { Logger } from 'pino';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff';
import { probeHealth } from './health';
import { startTask, type TaskManifestLike, type TaskRun } from './runner';
import {
  FATAL_CODES,
  type SessionEnd,
  type SessionOptions,
  type SessionState,
  type StopReason,
} from './session-types';
import { DEFAULT_COALESCE, TaskSlot, type Link } from './task-slot';
import { dimensionsFromWire, dimensionsToWire } from './wire';

/**
 * The bot's connection: one BotApi.Connect stream at a time, re-opened with jittered backoff
 * when it ends. Runs what the coordinator assigns, streams its output, keeps what was not
 * acknowledged and sends it again on the next stream. See README.md for the message flow.
 *
 *   connecting ──Welcome──▶ connected ──stream ends──▶ backoff ──timer──▶ connecting
 *        └──────────── stream ends ───────────────────────▲
 *   any ──stop()/Terminate/--once──▶ stopping ──tasks ended, results acked──▶ stopped
 *   any ──UNAUTHENTICATED/PERMISSION_DENIED/INVALID_ARGUMENT──▶ stopped (fatal)
 *
 * While `stopping` the stream is still re-opened if it drops, to deliver the last results.
 */

type TimerName = 'backoff' | 'welcome' | 'heartbeat' | 'drain';

const EMPTY_MANIFEST: TaskManifestLike = {
  command: [],
  env: [],
  env_prefixes: [],
  relative_cwd: '',
  execution_timeout_secs: 0,
  io_timeout_secs: 0,
  grace_period_secs: 0,
  secret_env: [],
};

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
  private readonly client: BotApiClient;
  private readonly slots = new Map<string, TaskSlot>();
  private readonly runs = new Set<TaskRun>();
  private readonly link: Link;
  private call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut> | undefined;
  private linked = false;
  private attempt = 0;
  private stopReason: StopReason | undefined;
  private finalizing: Promise<void> | undefined;
  /** Set once the end is decided (fatal, close): stop() and draining have no say any more. */
  private ending = false;
  private closing: Promise<void> | undefined;
  private heartbeatBusy = false;
  private timers: Partial<Record<TimerName, NodeJS.Timeout>> = {};

  constructor(private readonly opts: SessionOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = opts.log.child({ component: 'session' });
    const { BotApi } = loadDroverProto().drover.v1;
    this.client = new BotApi(opts.server, grpc.credentials.createInsecure(), {
      ...CLIENT_CHANNEL_OPTIONS,
      // Our own backoff paces reconnects; keep the channel's from adding a second, longer one.
      'grpc.initial_reconnect_backoff_ms': (opts.backoff ?? DEFAULT_BACKOFF).initialMs,
      'grpc.max_reconnect_backoff_ms': (opts.backoff ?? DEFAULT_BACKOFF).maxMs,
      ...opts.channelOptions,
    });
    this.link = { isUp: () => this.linked, write: (msg) => this.write(msg) };
  }

  get state(): SessionState {
    return this.current;
  }

  start(): void {
    this.log.info({ server: this.opts.server, botId: this.opts.botId }, 'session starting');
    void this.connect();
  }

  /** Take no more tasks; let the running one finish (or kill it), deliver results, then stop. */
  stop(opts: { reason: StopReason; killRunning?: boolean }): void {
    if (this.isStopped() || this.ending) return;
    if (this.stopReason === undefined) {
      this.stopReason = opts.reason;
      this.setState({ kind: 'stopping', reason: opts.reason });
      if (this.linked) void this.heartbeat();
    }
    if (opts.killRunning === true)
      for (const run of this.runs) run.kill(`bot stopping (${opts.reason})`);
    this.maybeFinishStop();
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
      const state = await probeHealth({
        botDir: this.opts.botDir,
        runningTaskId: this.runningTaskId(),
        quarantinedReason: this.quarantinedReason(),
      });
      if (this.isStopped() || this.ending) return;
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${this.opts.token}`);
      const call = this.client.Connect(metadata);
      this.call = call;
      this.linked = false;
      call.on('data', (msg: CoordinatorMessageOut) => this.onMessage(call, msg));
      call.on('error', () => {}); // the 'status' event carries the outcome
      call.on('status', (status: grpc.StatusObject) => this.onStatus(call, status));
      call.write({
        hello: {
          bot_id: this.opts.botId,
          dimensions: dimensionsToWire(this.opts.dimensions),
          state,
          version: this.opts.version,
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
    this.dropStream();
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
    this.log.warn({ code: grpc.status[status.code], details: status.details }, 'stream ended');
    if (this.stopReason !== undefined && this.runs.size === 0 && this.slots.size === 0) {
      void this.finalize({ kind: 'stopped', reason: this.stopReason });
      return;
    }
    this.scheduleReconnect();
  }

  private dropStream(): void {
    this.call = undefined;
    this.linked = false;
    this.clearTimer('welcome');
    this.clearTimer('heartbeat');
  }

  private scheduleReconnect(): void {
    const delayMs = backoffDelayMs(
      this.attempt,
      this.opts.random ?? Math.random,
      this.opts.backoff,
    );
    this.attempt += 1;
    if (this.stopReason === undefined)
      this.setState({ kind: 'backoff', attempt: this.attempt, delayMs });
    this.timers.backoff = setTimeout(() => void this.connect(), delayMs);
  }

  private write(msg: BotMessage): void {
    this.call?.write(msg);
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
      case 'terminate':
        this.log.info({ reason: msg.terminate?.reason ?? '' }, 'terminate requested');
        this.stop({ reason: 'terminate' });
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
    this.attempt = 0;
    this.clearTimer('welcome');
    if (this.stopReason === undefined)
      this.setState({ kind: 'connected', sessionId: w.session_id });
    else this.log.info({ sessionId: w.session_id }, 'reconnected while stopping');
    const heartbeatIntervalMs =
      this.opts.heartbeatIntervalMs ??
      (w.heartbeat_interval_secs > 0 ? w.heartbeat_interval_secs * 1000 : 30_000);
    this.timers.heartbeat = setInterval(() => void this.heartbeat(), heartbeatIntervalMs);
    for (const slot of this.slots.values()) slot.resend();
    if (this.stopReason !== undefined) void this.heartbeat();
    this.opts.onWelcome?.({
      sessionId: w.session_id,
      heartbeatIntervalMs,
      dimensions: dimensionsFromWire(w.dimensions),
      forcedDimensions: dimensionsFromWire(w.forced_dimensions),
    });
  }

  private onAssign(a: AssignOut): void {
    const log = this.opts.log.child({ component: 'task', taskId: a.task_id, leaseId: a.lease_id });
    if (this.stopReason !== undefined) {
      log.warn({ reason: this.stopReason }, 'assignment ignored: the bot is stopping');
      return;
    }
    if (this.slots.has(a.task_id)) {
      log.warn({}, 'assignment ignored: the task is already held');
      return;
    }
    const manifest = a.manifest ?? EMPTY_MANIFEST;
    const slot = new TaskSlot(
      a.task_id,
      a.lease_id,
      this.link,
      this.opts.coalesce ?? DEFAULT_COALESCE,
    );
    this.slots.set(a.task_id, slot);
    this.write({ task_started: { task_id: a.task_id, lease_id: a.lease_id } });
    log.info({ command: manifest.command }, 'task started');
    const run = startTask({
      ...this.opts.taskOverrides,
      taskId: a.task_id,
      leaseId: a.lease_id,
      manifest,
      botId: this.opts.botId,
      server: this.opts.server,
      botDir: this.opts.botDir,
      baseEnv: this.opts.taskBaseEnv,
      onOutput: (bytes) => slot.onOutput(bytes),
    });
    slot.attach(run);
    this.runs.add(run);
    void run.result.then((result) => {
      this.runs.delete(run);
      log.info(
        {
          exitCode: result.exitCode,
          durationSecs: result.durationSecs,
          timedOut: result.timedOut,
          killed: result.killed,
          canceled: result.canceled,
          outputSize: result.outputSize,
          clientError: result.clientError,
        },
        'task ended',
      );
      slot.ended(result);
      if (this.opts.once === true) this.stop({ reason: 'once' });
      this.maybeFinishStop();
    });
  }

  private onKill(k: KillOut): void {
    const slot = this.slots.get(k.task_id);
    if (slot === undefined || slot.leaseId !== k.lease_id) {
      this.log.warn({ taskId: k.task_id, leaseId: k.lease_id }, 'kill for a task not held ignored');
      return;
    }
    this.log.info({ taskId: k.task_id, reason: k.reason }, 'kill requested');
    slot.kill(k.reason === '' ? 'killed by the coordinator' : k.reason);
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
      this.log.info({ taskId: a.task_id, stale: a.stale }, 'task forgotten');
    } else {
      slot.outbox.ack(a.output_offset);
    }
    this.maybeFinishStop();
  }

  // --- heartbeats and stopping -----------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    if (this.heartbeatBusy) return;
    this.heartbeatBusy = true;
    try {
      const call = this.call;
      const state = await probeHealth({
        botDir: this.opts.botDir,
        runningTaskId: this.runningTaskId(),
        quarantinedReason: this.quarantinedReason(),
      });
      if (call !== undefined && call === this.call && this.linked)
        call.write({ heartbeat: { state } });
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed');
    } finally {
      this.heartbeatBusy = false;
    }
  }

  private runningTaskId(): string {
    for (const slot of this.slots.values()) if (slot.running) return slot.taskId;
    return '';
  }

  private quarantinedReason(): string {
    return this.stopReason === undefined ? '' : `bot is stopping (${this.stopReason})`;
  }

  private maybeFinishStop(): void {
    if (this.stopReason === undefined || this.ending || this.isStopped() || this.runs.size > 0)
      return;
    if (this.slots.size === 0) {
      void this.finalize({ kind: 'stopped', reason: this.stopReason });
      return;
    }
    const drainTimeoutMs = this.opts.drainTimeoutMs ?? 10_000;
    this.timers.drain ??= setTimeout(() => {
      this.log.warn(
        { tasks: [...this.slots.keys()], drainTimeoutMs },
        'results not acknowledged; stopping anyway',
      );
      void this.finalize({ kind: 'stopped', reason: this.stopReason ?? 'close' });
    }, drainTimeoutMs);
  }

  /** Ends the stream and the channel; every step runs even if one fails. */
  private finalize(end: SessionEnd): Promise<void> {
    this.finalizing ??= (async () => {
      this.ending = true;
      this.setState({ kind: 'stopped', end });
      for (const name of ['backoff', 'welcome', 'heartbeat', 'drain'] as const)
        this.clearTimer(name);
      for (const slot of this.slots.values()) slot.forget();
      const call = this.call;
      this.dropStream();
      if (call !== undefined)
        await endCall(call, 1_000).catch((err: unknown) => this.log.warn({ err }, 'end stream'));
      try {
        this.client.close();
      } catch (err) {
        this.log.warn({ err }, 'close channel');
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

/** Half-closes the stream and waits (bounded) for the coordinator to end it, then cancels. */
function endCall(
  call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>,
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
    call.end();
  });
}
