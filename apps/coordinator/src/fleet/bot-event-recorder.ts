import {
  BOT_EVENT_RETENTION_MS,
  isFinalState,
  type BotEventRecord,
  type BotEventType,
  type KeyValues,
  type Store,
} from '@drover/state';
import type { Logger } from 'pino';
import type { BotRegistry } from '../botapi/bot-registry';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';

export interface BotEventRecorderDeps {
  readonly store: Store;
  readonly registry: BotRegistry;
  readonly engine: TaskEngine;
  readonly clock: () => number;
  readonly log: Logger;
  readonly botDeathTimeoutMs: number;
  /** How often disconnected bots are checked against the death timeout. @default 60_000 */
  readonly sweepIntervalMs?: number;
  /** How often events older than BOT_EVENT_RETENTION_MS are deleted. @default 3_600_000 */
  readonly pruneIntervalMs?: number;
}

/**
 * Writes the fleet's history (ListBotEvents, DESIGN.md §4): connections, tasks started and
 * completed, quarantine (the bot's own or an admin's), maintenance, termination, deletion, and
 * `missing` when a disconnected bot stays silent past bot_death_timeout. Events are written in
 * the order they happened: those recorded while a write is in flight go together in the next one
 * (`appendBotEvents`), so a busy fleet costs one write per batch, not per event. A failed write is
 * logged and does not stop the next.
 * Events older than 28 days are pruned at start and hourly.
 */
export class BotEventRecorder {
  readonly #deps: BotEventRecorderDeps;
  /** Recorded, not yet handed to the store. */
  #queued: BotEventRecord[] = [];
  /** The writer loop while it runs: it ends once nothing is queued. */
  #writing: Promise<void> | undefined;
  /** Bots already reported missing since they were last connected. */
  readonly #missing = new Set<string>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #started = false;

  readonly #onConnected = (botId: string): void => {
    this.#missing.delete(botId);
    void this.record(botId, 'connected', '');
  };
  readonly #onDisconnected = (botId: string): void => {
    void this.record(botId, 'disconnected', '');
  };
  readonly #onQuarantine = (botId: string, reason: string): void => {
    if (reason === '') void this.record(botId, 'unquarantined', 'the bot reports healthy again');
    else void this.record(botId, 'quarantined', `the bot reports: ${reason}`);
  };
  readonly #onTransition = (t: TaskTransition): void => this.#transition(t);

  constructor(deps: BotEventRecorderDeps) {
    this.#deps = deps;
  }

  /**
   * Prunes old events, remembers which silent bots were reported missing already (so a restart
   * does not report them twice), then listens and starts the periodic sweep and prune.
   */
  async start(): Promise<void> {
    const { registry, engine, store, clock } = this.#deps;
    await this.prune();
    const cutoffMs = clock() - this.#deps.botDeathTimeoutMs;
    for (const { botId, lastSeenMs } of registry.disconnectedBots()) {
      if (lastSeenMs >= cutoffMs) continue;
      const last = await store.listBotEvents({ botId }, { limit: 1 });
      if (last.events[0]?.eventType === 'missing') this.#missing.add(botId);
    }
    registry.events.on('connected', this.#onConnected);
    registry.events.on('disconnected', this.#onDisconnected);
    registry.events.on('quarantine', this.#onQuarantine);
    engine.events.on('transition', this.#onTransition);
    this.#sweepTimer = setInterval(() => void this.sweep(), this.#deps.sweepIntervalMs ?? 60_000);
    this.#sweepTimer.unref();
    this.#pruneTimer = setInterval(
      () => void this.prune(),
      this.#deps.pruneIntervalMs ?? 3_600_000,
    );
    this.#pruneTimer.unref();
    this.#started = true;
  }

  /** Stops listening and waits for the events already recorded to be written. Idempotent. */
  async close(): Promise<void> {
    if (this.#started) {
      const { registry, engine } = this.#deps;
      registry.events.off('connected', this.#onConnected);
      registry.events.off('disconnected', this.#onDisconnected);
      registry.events.off('quarantine', this.#onQuarantine);
      engine.events.off('transition', this.#onTransition);
      this.#started = false;
    }
    clearInterval(this.#sweepTimer);
    clearInterval(this.#pruneTimer);
    await this.flush();
  }

  /**
   * Queues an event stamped now, with the bot's current dimensions unless given; resolves once
   * written (never rejects: a failed write is logged).
   */
  record(
    botId: string,
    eventType: BotEventType,
    message: string,
    opts: { taskId?: string; dimensions?: readonly KeyValues[] } = {},
  ): Promise<void> {
    this.#queued.push({
      tsMs: this.#deps.clock(),
      botId,
      eventType,
      message,
      taskId: opts.taskId ?? '',
      dimensions: opts.dimensions ?? this.#deps.registry.dimensionListOf(botId) ?? [],
    });
    this.#writing ??= this.#writeQueued();
    return this.#writing;
  }

  /** Resolves once every event recorded so far is written. */
  flush(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #writeQueued(): Promise<void> {
    try {
      while (this.#queued.length > 0) {
        const batch = this.#queued;
        this.#queued = [];
        try {
          await this.#deps.store.appendBotEvents(batch);
        } catch (err) {
          this.#deps.log.warn(
            { err, events: batch.length, first: batch[0] },
            'recording bot events failed',
          );
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  /**
   * Records `missing` for every disconnected bot silent longer than bot_death_timeout, once per
   * disappearance. Runs every minute; ListBotEvents runs it first so the answer is current.
   */
  async sweep(): Promise<void> {
    const cutoffMs = this.#deps.clock() - this.#deps.botDeathTimeoutMs;
    for (const { botId, lastSeenMs } of this.#deps.registry.disconnectedBots()) {
      if (lastSeenMs >= cutoffMs || this.#missing.has(botId)) continue;
      this.#missing.add(botId);
      void this.record(
        botId,
        'missing',
        `silent for more than ${Math.round(this.#deps.botDeathTimeoutMs / 1000)}s`,
      );
    }
    await this.flush();
  }

  /** Deletes events older than the retention (28 days). */
  async prune(): Promise<void> {
    try {
      const pruned = await this.#deps.store.pruneBotEvents(
        this.#deps.clock() - BOT_EVENT_RETENTION_MS,
      );
      if (pruned > 0) this.#deps.log.info({ pruned }, 'old bot events pruned');
    } catch (err) {
      this.#deps.log.warn({ err }, 'pruning bot events failed');
    }
  }

  #transition({ task, from }: TaskTransition): void {
    const botId = task.botId;
    if (botId === null) return;
    if (from === 'PENDING' && task.state === 'RUNNING') {
      void this.record(botId, 'task_started', task.spec.name, { taskId: task.id });
      return;
    }
    if (from !== 'RUNNING' || !isFinalState(task.state)) return;
    const exit = task.exitCode === null ? '' : ` exit ${task.exitCode}`;
    void this.record(botId, 'task_completed', `${task.state}${exit}`, { taskId: task.id });
    const terminate = task.spec.terminate;
    if (terminate !== undefined && task.state === 'COMPLETED')
      void this.record(botId, 'terminated', terminate.reason, { taskId: task.id });
  }
}
