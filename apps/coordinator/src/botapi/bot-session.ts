import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  traceHop,
  traceOn,
  type BotHealthOut,
  type BotMessageOut,
  type CoordinatorMessage,
  type HelloOut,
  type TaskFinishedOut,
} from '@drover/protocol';
import { isFinalState, type KeyValues, type Store, type Task, type TaskEvent } from '@drover/state';
import { setImmediate } from 'node:timers';
import type { Logger } from 'pino';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskEngine } from '../engine/task-engine';
import { newSessionId } from '../engine/ids';
import { outputsForFinish } from '../outputs/finish-outputs';
import { referenceOutputs } from '../cas/cas-inputs';
import type { OutputStore } from '../outputs/output-store';
import {
  botDimensions,
  forcedDimensions,
  sameDimensions,
  updatedDimensions,
} from './bot-dimensions-update';
import {
  DEFAULT_MAX_TASK_OUTPUT_BYTES,
  coordinatorTruncationMarker,
  planOutput,
} from './output-cap';
import type { BotRegistry, SessionHandle } from './bot-registry';
import { STORE_FAILURE_STATUS, classifyStoreError } from '../store-health/store-failure';
import type { BotCodeSource } from '../bot-code/bot-code-source';
import { BotUpdateOffer } from '../bot-code/update-offer';
import type { LoopStalls } from '../stalls/loop-stalls';
import { SilenceWatch } from '../stalls/silence-watch';

export interface BotSessionDeps {
  /** Applies the bot's reports to its tasks. */
  readonly engine: Pick<TaskEngine, 'apply' | 'outputGrew'>;
  /** Told when the bot is ready for work and when it is gone; knows what it holds. */
  readonly dispatcher: Dispatcher;
  readonly registry: BotRegistry;
  readonly store: Store;
  readonly clock: () => number;
  readonly log: Logger;
  readonly heartbeatIntervalMs: number;
  readonly botPingToleranceMs: number;
  /** This process's own stalls: not counted as the bot's silence. */
  readonly stalls: LoopStalls;
  /** Called once the first message arrived (or the stream closed): it is no longer pending. */
  readonly onSettled?: () => void;
  /** The bot's row is written from heartbeats at most this often (other replicas read it). */
  readonly persistEveryMs: number;
  /** Dimensions of the bot's group that override what it claims (at least pool). */
  readonly forcedDimensions: Readonly<Record<string, readonly string[]>>;
  /** Whether the bot's token may be used by this bot id (its group's `botIds` patterns). */
  readonly mayUseBotId?: (botId: string) => boolean;
  /** Called when a session ends, so the service can watch the bot's running tasks. */
  readonly onDisconnected: (botId: string, lastHeardMs: number) => void;
  /** Called on Hello, so the service stops watching. */
  readonly onConnected: (botId: string) => void;
  /** The bot code served to bots that update themselves (bot-code/); absent: no updates. */
  readonly botCode?: BotCodeSource;
  /** Task output files: where uploads are kept, and a task's limit (in Welcome). */
  readonly outputs?: { readonly store: OutputStore; readonly maxBytes: number };
  /** Bytes of a task's output stored at most (--max-task-output). @default 100 MiB */
  readonly maxTaskOutputBytes?: number;
}

type OutputOut = NonNullable<BotMessageOut['output']>;
type AckMessage = NonNullable<CoordinatorMessage['ack']>;

type Lifecycle = 'awaiting-hello' | 'connected' | 'closed';

const BOT_ID = /^[A-Za-z0-9_.-]{1,128}$/;
/** Messages queued for processing before the stream is paused (backpressure on the bot). */
const PAUSE_AT = 64;
const RESUME_AT = 8;

/**
 * One bot's BotApi.Connect stream. Messages are handled in arrival order (output before the
 * finish that follows it), one at a time, with the stream paused while too many wait. What
 * arrived together is one batch (#drain): a TaskStarted goes into the write of its TaskFinished
 * when that is in the batch too, and the batch's Acks go out at its end, one per task. No
 * message changes: a bot of any version sees the same Acks, fewer of them.
 */
export class BotSession implements SessionHandle {
  readonly sessionId = newSessionId();
  readonly #call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>;
  readonly #deps: BotSessionDeps;
  #log: Logger;
  #state: Lifecycle = 'awaiting-hello';
  #botId = '';
  #dimensions: KeyValues[] = [];
  #version = '';
  #firstSeenMs = 0;
  #lastPersistMs = 0;
  /** Messages received and not yet handled, in arrival order (the next batch). */
  #pending: BotMessageOut[] = [];
  /** A drain is scheduled or running: it takes #pending batch after batch. */
  #draining = false;
  /** The bot half-closed: our side ends once what it sent before is handled. */
  #endedByBot = false;
  /** Messages received and not yet handled (the batch in hand included). */
  #queued = 0;
  #paused = false;
  /** While a batch is handled: its Acks, by task and lease, sent together at its end. */
  #acks: Map<string, AckMessage> | undefined;
  /** TaskStarted folded into the TaskFinished behind it in the same batch: task id → lease. */
  readonly #foldedStarts = new Map<string, string>();
  readonly #watchdog: SilenceWatch;
  /** The health the bot reported last; kept in the store when it disconnects. */
  #lastState: object = {};
  /** The bot's own reason not to take tasks (stopping, low disk); '' when healthy. */
  #quarantinedReason = '';
  /** When the bot last sent anything: its silence is measured from here. */
  #lastHeardMs: number;
  /** Tasks of this bot whose output reached the cap and has its marker stored. */
  readonly #markedAtCap = new Set<string>();
  /** Bot self-update (bot-code/update-offer.ts), from Hello on. */
  #updates: BotUpdateOffer | undefined;

  constructor(
    call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>,
    deps: BotSessionDeps,
  ) {
    this.#call = call;
    this.#deps = deps;
    this.#log = deps.log.child({ sessionId: this.sessionId });
    this.#lastHeardMs = deps.clock();
    this.#watchdog = new SilenceWatch({
      stalls: deps.stalls,
      // The tolerance of the task the bot runs, if it has its own (Swarming's semantics).
      toleranceMs: () => this.#toleranceMs(),
      // While the stream is paused this process is not reading: the bot is not silent.
      lastHeardMs: () => (this.#paused ? deps.clock() : this.#lastHeardMs),
      onSilent: (silentMs) =>
        this.#fail(
          status.DEADLINE_EXCEEDED,
          `no message from the bot for ${silentMs} ms (ping tolerance ${this.#toleranceMs()} ms)`,
        ),
    });
  }

  run(): void {
    this.#watchdog.start();
    this.#call.on('data', (msg: BotMessageOut) => {
      if (traceOn && msg.task_finished) traceHop(msg.task_finished.task_id, 'finished-received');
      this.#enqueue(msg);
    });
    this.#call.on('end', () => {
      // The bot half-closed: handle what it sent before (a last result), then end our side.
      this.#endedByBot = true;
      if (!this.#draining) this.#endStream();
    });
    this.#call.on('error', (err: Error) => this.#closed(`stream error: ${err.message}`));
    this.#call.on('cancelled', () => this.#closed('stream cancelled'));
  }

  send(message: CoordinatorMessage): boolean {
    if (this.#state !== 'connected') return false;
    // Acks held for the batch go first: the bot sees every message in the order it was decided.
    if (this.#acks !== undefined && this.#acks.size > 0 && !message.ack) this.#flushAcks();
    // A task of its own ping tolerance: the bot's silence is judged by it from now on.
    if (message.assign !== undefined && message.assign !== null) this.#watchdog.start();
    try {
      this.#call.write(message);
      if (traceOn && message.assign) traceHop(message.assign.task_id ?? '', 'assign-written');
      return true;
    } catch (err) {
      this.#log.warn({ err }, 'write to bot failed');
      return false;
    }
  }

  /** Ends the stream with `status` before it is connected (no Hello in time, no room). */
  abandon(outcome: { readonly code: status; readonly details: string }): void {
    this.#fail(outcome.code, outcome.details);
  }

  close(reason: string): void {
    if (this.#state === 'closed') return;
    this.#log.info({ reason }, 'closing bot session');
    this.#fail(status.UNAVAILABLE, reason);
  }

  /** The silence allowed to this bot: its task's ping tolerance, else the coordinator's. */
  #toleranceMs(): number {
    return this.#botId === ''
      ? this.#deps.botPingToleranceMs
      : this.#deps.dispatcher.pingToleranceOf(this.#botId);
  }

  #enqueue(msg: BotMessageOut): void {
    this.#lastHeardMs = this.#deps.clock();
    this.#deps.onSettled?.();
    this.#queued++;
    if (!this.#paused && this.#queued >= PAUSE_AT) {
      this.#paused = true;
      this.#call.pause();
    }
    this.#pending.push(msg);
    if (!this.#draining) {
      this.#draining = true;
      // After this turn's reads: what the bot wrote together (TaskStarted, Output, TaskFinished)
      // is one batch.
      setImmediate(() => void this.#drain());
    }
  }

  /**
   * Handles the received messages batch after batch, each message in arrival order, one at a
   * time — except a TaskStarted whose TaskFinished (same task and lease) is later in the same
   * batch: it is applied with that finish, in one write. A batch's Acks are sent together at its
   * end, one per task (Acks held).
   */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && !this.#isClosed()) {
      const batch = this.#pending;
      this.#pending = [];
      this.#acks = new Map();
      try {
        for (let i = 0; i < batch.length && !this.#isClosed(); i++) {
          const msg = batch[i]!;
          try {
            if (!this.#foldStart(msg, batch, i)) await this.#handle(msg);
          } catch (err) {
            this.#handlingFailed(err);
          }
        }
      } finally {
        this.#flushAcks();
        this.#acks = undefined;
        // Handled, or dropped with the session.
        this.#handled(batch.length);
      }
    }
    if (this.#isClosed()) this.#pending = [];
    this.#draining = false;
    if (this.#endedByBot) this.#endStream();
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** A TaskStarted with its TaskFinished later in `batch`: kept for that finish (true). */
  #foldStart(msg: BotMessageOut, batch: readonly BotMessageOut[], at: number): boolean {
    if (this.#state !== 'connected' || msg.msg !== 'task_started' || !msg.task_started)
      return false;
    const { task_id, lease_id } = msg.task_started;
    for (let j = at + 1; j < batch.length; j++) {
      const f = batch[j]!.task_finished;
      if (f && f.task_id === task_id && f.lease_id === lease_id) {
        this.#foldedStarts.set(task_id, lease_id);
        return true;
      }
    }
    return false;
  }

  #handled(count: number): void {
    this.#queued -= count;
    if (this.#paused && this.#queued <= RESUME_AT) {
      this.#paused = false;
      this.#call.resume();
    }
  }

  #handlingFailed(err: unknown): void {
    // The store out of disk or reach: the bot is told so and backs off (its output and
    // result are kept and sent again on its next stream), the task stays as it is.
    const failure = classifyStoreError(err);
    if (failure !== undefined) {
      this.#log.warn({ err, failure }, 'store failure; the bot is told to back off');
      const { code, details } = STORE_FAILURE_STATUS[failure];
      this.#fail(code, `${details}; back off`);
      return;
    }
    this.#log.error({ err }, 'handling a bot message failed');
    this.#fail(status.INTERNAL, 'internal error');
  }

  #endStream(): void {
    this.#closed('stream ended by the bot');
    this.#call.end();
  }

  /**
   * An Ack: sent at once outside a batch; within one, held until its end, and one per task and
   * lease — a later Ack of the same task stands for the earlier (a higher output offset, or the
   * result stored or the lease stale, after which the bot forgets the task). An offset lower
   * than the one held (a gap) sends what is held first.
   */
  #ack(ack: AckMessage): void {
    const acks = this.#acks;
    if (acks === undefined) {
      this.send({ ack });
      return;
    }
    const key = `${ack.task_id}\n${ack.lease_id}`;
    const held = acks.get(key);
    if (held !== undefined) {
      const heldFinal = held.finished === true || held.stale === true;
      const final = ack.finished === true || ack.stale === true;
      if (heldFinal && !final) return;
      if (!final && (ack.output_offset ?? 0) < (held.output_offset ?? 0)) this.#flushAcks();
    }
    acks.set(key, ack);
  }

  #flushAcks(): void {
    const acks = this.#acks;
    if (acks === undefined || acks.size === 0) return;
    const held = [...acks.values()];
    acks.clear();
    for (const ack of held) this.send({ ack });
  }

  async #handle(msg: BotMessageOut): Promise<void> {
    if (this.#state === 'awaiting-hello') {
      if (msg.msg !== 'hello' || msg.hello === null || msg.hello === undefined) {
        this.#fail(status.INVALID_ARGUMENT, 'hello: the first message must be Hello');
        return;
      }
      await this.#hello(msg.hello);
      return;
    }
    this.#deps.registry.touch(this.#botId);
    switch (msg.msg) {
      case 'hello':
        this.#fail(status.INVALID_ARGUMENT, 'hello: sent twice on one stream');
        return;
      case 'heartbeat':
        if ((msg.heartbeat?.dimensions.length ?? 0) > 0)
          await this.#dimensionsChanged(msg.heartbeat!.dimensions, msg.heartbeat?.state ?? {});
        await this.#heartbeat(msg.heartbeat?.state ?? {});
        return;
      case 'task_started': {
        const m = msg.task_started!;
        if (!this.#holds(m.task_id, m.lease_id)) return;
        await this.#started(m.task_id, m.lease_id);
        return;
      }
      case 'output':
        await this.#output(msg.output!);
        return;
      case 'task_finished':
        await this.#finished(msg.task_finished!);
        return;
      case undefined:
        this.#fail(status.INVALID_ARGUMENT, 'msg: empty bot message');
        return;
      default: {
        const never: never = msg.msg;
        this.#fail(status.INVALID_ARGUMENT, `msg: unknown message ${String(never)}`);
      }
    }
  }

  async #started(taskId: string, leaseId: string): Promise<void> {
    const outcome = await this.#deps.engine.apply(taskId, { type: 'process-started', leaseId });
    if ('refused' in outcome) this.#staleLease(taskId, leaseId, outcome.refused);
  }

  /**
   * Stores a piece of output at its offset, up to the coordinator's cap (output-cap.ts), and
   * answers with the offset the bot may drop up to.
   */
  async #output(m: OutputOut): Promise<void> {
    if (!this.#holds(m.task_id, m.lease_id)) return;
    const capBytes = this.#deps.maxTaskOutputBytes ?? DEFAULT_MAX_TASK_OUTPUT_BYTES;
    const plan = planOutput(m.offset, m.data, capBytes);
    const ack = (offset: number) =>
      this.#ack({ task_id: m.task_id, lease_id: m.lease_id, output_offset: offset });
    if (plan.kind !== 'drop') {
      const result = await this.#deps.store.appendOutput(
        m.task_id,
        m.lease_id,
        m.offset,
        plan.kind === 'store' ? m.data : plan.head,
      );
      if (result.kind === 'refused') {
        this.#outputRefused(m, result.reason, result.size);
        return;
      }
      if (plan.kind === 'store') {
        if (result.kind === 'appended') this.#deps.engine.outputGrew(m.task_id, result.size);
        ack(result.size);
        return;
      }
    }
    // At the cap (a piece reaching it, or the first one past it: a bot whose own cap is the same
    // sends its marker there): the marker once, then everything acknowledged and not stored.
    if (!this.#markedAtCap.has(m.task_id)) {
      const marked = await this.#deps.store.appendOutput(
        m.task_id,
        m.lease_id,
        capBytes,
        coordinatorTruncationMarker(capBytes),
      );
      if (marked.kind === 'refused') {
        this.#outputRefused(m, marked.reason, marked.size);
        return;
      }
      if (marked.kind === 'appended') {
        this.#log.info({ taskId: m.task_id, capBytes }, 'task output truncated at the cap');
        this.#deps.engine.outputGrew(m.task_id, marked.size);
      }
      this.#markedAtCap.add(m.task_id);
    }
    ack(plan.end);
  }

  /** A gap is answered with the stored size (the bot sends from there again); else stale. */
  #outputRefused(m: OutputOut, reason: string, size: number): void {
    if (reason !== 'gap') {
      this.#staleLease(m.task_id, m.lease_id, reason);
      return;
    }
    this.#log.warn({ taskId: m.task_id, offset: m.offset, size }, 'output gap');
    this.#ack({ task_id: m.task_id, lease_id: m.lease_id, output_offset: size });
  }

  async #hello(hello: HelloOut): Promise<void> {
    if (!BOT_ID.test(hello.bot_id)) {
      this.#fail(
        status.INVALID_ARGUMENT,
        `hello.bot_id: must match ${BOT_ID.source}, got ${JSON.stringify(hello.bot_id)}`,
      );
      return;
    }
    if (this.#deps.mayUseBotId?.(hello.bot_id) === false) {
      this.#fail(
        status.PERMISSION_DENIED,
        `hello.bot_id: ${hello.bot_id} is not a bot id this token's bot group may use`,
      );
      return;
    }
    const outcome = botDimensions(hello.bot_id, hello.dimensions, this.#deps.forcedDimensions);
    if ('error' in outcome) {
      this.#fail(status.INVALID_ARGUMENT, `hello.dimensions: ${outcome.error}`);
      return;
    }
    this.#botId = hello.bot_id;
    this.#version = hello.version;
    this.#dimensions = outcome.dimensions;
    this.#log = this.#log.child({ botId: this.#botId });
    const now = this.#deps.clock();
    const known = await this.#deps.store.getBot(this.#botId);
    this.#firstSeenMs = known?.firstSeenMs ?? now;
    // Register and greet in one synchronous step: nothing can be pushed to the bot before its
    // Welcome. An idle entry left by a replaced session goes first.
    this.#deps.dispatcher.botGone(this.#botId);
    this.#state = 'connected';
    const previous = this.#deps.registry.connect(this.#botId, this.#dimensions, this);
    this.#quarantinedReason = hello.state?.quarantined_reason ?? '';
    this.#deps.registry.setQuarantined(this.#botId, this.#quarantinedReason);
    this.#deps.registry.setInputTrees(this.#botId, hello.state?.input_trees);
    this.send({
      welcome: {
        session_id: this.sessionId,
        heartbeat_interval_secs: Math.max(1, Math.ceil(this.#deps.heartbeatIntervalMs / 1000)),
        heartbeat_interval_ms: this.#deps.heartbeatIntervalMs,
        max_output_files_bytes: this.#deps.outputs?.maxBytes ?? 0,
        dimensions: this.#reportedDimensions().map((d) => ({ key: d.key, value: [...d.values] })),
        forced_dimensions: forcedDimensions(this.#botId, this.#deps.forcedDimensions).map(
          ([key, value]) => ({ key, value: [...value] }),
        ),
      },
    });
    previous?.close('replaced by a new session of the same bot');
    this.#deps.onConnected(this.#botId);
    this.#log.info({ version: this.#version, running: hello.running.length }, 'bot connected');
    if (this.#deps.botCode !== undefined) {
      this.#updates = new BotUpdateOffer({
        source: this.#deps.botCode,
        send: (message) => this.send(message),
        busy: () => this.#deps.dispatcher.isBusy(this.#botId),
        log: this.#log,
      });
      this.#updates.hello(hello.version, hello.self_update);
    }
    await this.#persist(hello.state ?? {}, true);

    const busy = await this.#reconcile(hello);
    if (!busy) {
      // A task may still be pushed after an Update: the bot updates once that task has ended.
      this.#updates?.idle();
      // Its termination task, or the best waiting task if it takes tasks.
      if (this.#state === 'connected') this.#deps.dispatcher.botReady(this.#botId);
    }
  }

  /**
   * The dimensions as reported (Welcome, the store): the matched ones plus `quarantined` while
   * the bot reports a reason. Tasks never ask for it; operators see it.
   */
  #reportedDimensions(): KeyValues[] {
    if (this.#quarantinedReason === '') return this.#dimensions;
    return [...this.#dimensions, { key: 'quarantined', values: [this.#quarantinedReason] }].sort(
      (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
  }

  /** The bot's availability may have changed: the dispatcher decides what it may take now. */
  #ready(): void {
    if (this.#state === 'connected') this.#deps.dispatcher.botReady(this.#botId);
  }

  /**
   * Compares what the bot says it runs with what the store says it was given. A task the bot no
   * longer has died with it; a task the bot has but may not run any more must be stopped.
   * Returns whether the bot still holds a live task.
   */
  async #reconcile(hello: HelloOut): Promise<boolean> {
    const held = new Map(hello.running.map((r) => [r.task_id, r]));
    let busy = false;
    for (const task of await this.#deps.store.listRunningTasksOf(this.#botId)) {
      const report = held.get(task.id);
      if (report !== undefined && report.lease_id === task.leaseId) {
        busy = true;
        held.delete(task.id);
        this.#deps.dispatcher.botReady(this.#botId, task);
        if (task.killRequestedAtMs !== null) {
          // The kill was asked while the bot was away: ask again.
          this.send({
            kill: {
              task_id: task.id,
              lease_id: task.leaseId ?? '',
              reason: 'cancelled by request',
            },
          });
        }
        continue;
      }
      await this.#deps.engine.apply(task.id, {
        type: 'bot-died',
        leaseId: task.leaseId ?? '',
        reason: 'the bot reconnected without the task (it restarted)',
      });
    }
    for (const stale of held.values())
      this.#staleLease(stale.task_id, stale.lease_id, 'not-running');
    if (!busy) {
      // This process may still think the bot holds a task that ended without it knowing (its
      // end committed elsewhere while the note was lost, or while the bot was away).
      const stale = this.#deps.dispatcher.taskOf(this.#botId);
      const task: Task | undefined =
        stale === undefined ? undefined : await this.#deps.store.getTask(stale);
      if (stale !== undefined && (task === undefined || isFinalState(task.state))) {
        this.#deps.dispatcher.release(this.#botId, stale);
      }
    }
    return busy;
  }

  async #heartbeat(state: BotHealthOut | Record<string, never>): Promise<void> {
    this.#lastState = state;
    if ('input_trees' in state) this.#deps.registry.setInputTrees(this.#botId, state.input_trees);
    const reason = 'quarantined_reason' in state ? state.quarantined_reason : '';
    if (this.#deps.registry.setQuarantined(this.#botId, reason)) {
      this.#quarantinedReason = reason;
      this.#log.info({ quarantinedReason: reason }, 'bot quarantine changed');
      this.#ready();
      await this.#persist(state, true);
      return;
    }
    const now = this.#deps.clock();
    if (now - this.#lastPersistMs >= this.#deps.persistEveryMs) await this.#persist(state, true);
  }

  /**
   * The bot's dimensions changed mid-session (its named caches after a task, sent before that
   * task's TaskFinished): the registry matches it with the new ones from now on; an idle bot is
   * offered again under them.
   */
  async #dimensionsChanged(
    claimed: readonly { key: string; value: string[] }[],
    state: object,
  ): Promise<void> {
    const dims = updatedDimensions(this.#botId, claimed, this.#deps.forcedDimensions);
    if (dims === undefined) {
      this.#log.warn({}, 'malformed dimensions update ignored');
      return;
    }
    if (sameDimensions(dims, this.#dimensions)) return;
    this.#dimensions = dims;
    this.#deps.registry.setDimensions(this.#botId, dims);
    this.#log.info({ dimensions: dims }, 'bot dimensions changed');
    this.#ready();
    await this.#persist(state, true);
  }

  async #persist(state: object, connected: boolean): Promise<void> {
    this.#lastState = state;
    const now = this.#deps.clock();
    this.#lastPersistMs = now;
    const report = {
      id: this.#botId,
      dimensions: this.#reportedDimensions(),
      version: this.#version,
      firstSeenMs: this.#firstSeenMs,
      lastSeenMs: now,
      state: { ...state },
      sessionId: this.sessionId,
      connected,
    };
    // A disconnect never overwrites the row of a newer session: the bot may already be connected
    // again (to another replica sharing the store), in one conditional write.
    if (connected) await this.#deps.store.upsertBot(report);
    else await this.#deps.store.botDisconnected(report);
  }

  async #finished(m: TaskFinishedOut): Promise<void> {
    // Its TaskStarted, when it came in the same batch (#foldStart): applied with it.
    const folded = this.#foldedStarts.get(m.task_id) === m.lease_id;
    if (folded) this.#foldedStarts.delete(m.task_id);
    if (!this.#holds(m.task_id, m.lease_id)) return;
    const finish: TaskEvent = {
      type: 'finish',
      leaseId: m.lease_id,
      exitCode: m.exit_code ?? null,
      durationSecs: m.duration,
      timedOut:
        m.timed_out === 'TIMEOUT_HARD' ? 'hard' : m.timed_out === 'TIMEOUT_IO' ? 'io' : 'none',
      killed: m.killed,
      canceled: m.canceled,
      clientError: m.client_error,
      memoryLimitKilled: m.memory_limit_killed,
      // Reported by a bot that fetched inputs (a bot without inputs sends zeros: not recorded).
      ...(m.inputs_fetch_duration > 0 || m.inputs_fetched_bytes > 0
        ? {
            inputsFetch: {
              durationSecs: m.inputs_fetch_duration,
              bytes: m.inputs_fetched_bytes,
            },
          }
        : {}),
      ...(this.#deps.outputs === undefined
        ? {}
        : await outputsForFinish(
            m.outputs,
            m.outputs_truncated,
            m.outputs_note,
            this.#deps.outputs.store,
            { taskId: m.task_id, leaseId: m.lease_id },
          )),
    };
    const started: TaskEvent = { type: 'process-started', leaseId: m.lease_id };
    let outcome = await this.#deps.engine.apply(m.task_id, finish, folded ? started : undefined);
    if (folded && 'refused' in outcome) {
      // Refused together: one at a time, as if they had come apart, each answered as ever.
      await this.#started(m.task_id, m.lease_id);
      outcome = await this.#deps.engine.apply(m.task_id, finish);
    }
    this.#deps.outputs?.store.forgetReceipts(m.task_id, m.lease_id);
    this.#markedAtCap.delete(m.task_id);
    if ('refused' in outcome) {
      this.#log.info({ taskId: m.task_id, refused: outcome.refused }, 'result refused');
      this.#ack({ task_id: m.task_id, lease_id: m.lease_id, finished: true, stale: true });
      // Ended without this report (elsewhere, or while the bot was away): the bot is free. (A
      // stale lease on a task still RUNNING is another matter: the bot may still hold it.)
      if (outcome.refused === 'not-running') {
        this.#deps.dispatcher.release(this.#botId, m.task_id);
      }
      return;
    }
    // Its output files are CAS blobs it references (Download access, blob GC).
    await referenceOutputs(this.#deps.store, outcome.task).catch((err: unknown) =>
      this.#log.warn({ err, taskId: m.task_id }, 'recording output references failed'),
    );
    const capBytes = this.#deps.maxTaskOutputBytes ?? DEFAULT_MAX_TASK_OUTPUT_BYTES;
    if (outcome.task.outputSize < Math.min(m.output_size, capBytes)) {
      this.#log.warn(
        { taskId: m.task_id, stored: outcome.task.outputSize, reported: m.output_size },
        'task finished with output missing',
      );
    }
    this.#ack({ task_id: m.task_id, lease_id: m.lease_id, finished: true });
    // The finish freed the bot in the dispatcher (release-bot), which offered it work already.
    if (!this.#deps.dispatcher.isBusy(this.#botId)) this.#updates?.idle();
  }

  /**
   * A bot may only report on the task it was given: the dispatcher's record of what this bot holds is
   * the authority, so another bot's task is refused even with that task's real lease.
   */
  #holds(taskId: string, leaseId: string): boolean {
    if (this.#deps.dispatcher.taskOf(this.#botId) === taskId) return true;
    this.#staleLease(taskId, leaseId, 'not-this-bots-task');
    return false;
  }

  #staleLease(taskId: string, leaseId: string, why: string): void {
    this.#log.info({ taskId, why }, 'refusing a stale lease');
    this.#ack({ task_id: taskId, lease_id: leaseId, stale: true, finished: true });
  }

  #fail(code: status, details: string): void {
    if (this.#state === 'closed') return;
    this.#closed(details);
    try {
      this.#call.emit('error', { code, details });
    } catch {
      // The stream is already gone.
    }
  }

  #closed(reason: string): void {
    if (this.#state === 'closed') return;
    const wasConnected = this.#state === 'connected';
    this.#state = 'closed';
    this.#updates?.close();
    this.#watchdog.stop();
    this.#deps.onSettled?.();
    if (!wasConnected) return;
    this.#log.info({ reason }, 'bot disconnected');
    if (this.#deps.registry.disconnect(this.#botId, this)) {
      this.#deps.dispatcher.botGone(this.#botId);
      this.#deps.onDisconnected(this.#botId, this.#lastHeardMs);
      this.#persist(this.#lastState, false).catch((err: unknown) =>
        this.#log.warn({ err }, 'persisting bot failed'),
      );
    } else if (!this.#deps.registry.knows(this.#botId)) {
      // Deleted (DeleteBot with force): not stored again, but its running task is still watched.
      this.#deps.dispatcher.botGone(this.#botId);
      this.#deps.onDisconnected(this.#botId, this.#lastHeardMs);
    }
  }
}
