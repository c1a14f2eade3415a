import type { CoordinatorMessage } from '@drover/protocol';
import {
  NO_ADMIN_STATE,
  matchesDimensions,
  toDimensionMap,
  type BotAdminState,
  type BotDimensionMap,
  type BotRecord,
  type KeyValue,
  type KeyValues,
  type Store,
} from '@drover/state';
import { EventEmitter } from 'node:events';
import type { Fleet } from '../engine/fleet';
import { InputTreeHolders } from '../fleet/input-trees';

/** A live connection to a bot, as the registry sees it. */
export interface SessionHandle {
  readonly sessionId: string;
  send(message: CoordinatorMessage): boolean;
  /** Ends the stream (a newer session replaced it, or the coordinator stops). */
  close(reason: string): void;
}

interface KnownBot {
  dimensions: readonly KeyValues[];
  dimensionMap: BotDimensionMap;
  lastSeenMs: number;
  session: SessionHandle | undefined;
  /** Non-empty: the bot asked not to get tasks (stopping, low disk); it is not capacity. */
  quarantinedReason: string;
  /** What admins decided (quarantine, maintenance): such a bot is not capacity either. */
  admin: BotAdminState;
  /** The session id another replica holds for it, as that replica's record says. */
  remoteSession?: string | undefined;
}

function fromRecord(bot: BotRecord, shared: boolean): KnownBot {
  return {
    dimensions: bot.dimensions,
    dimensionMap: toDimensionMap(bot.dimensions),
    lastSeenMs: bot.lastSeenMs,
    session: undefined,
    quarantinedReason:
      typeof bot.state['quarantined_reason'] === 'string' ? bot.state['quarantined_reason'] : '',
    admin: bot.admin,
    remoteSession: shared && bot.connected ? bot.sessionId : undefined,
  };
}

function sameAdmin(a: BotAdminState, b: BotAdminState): boolean {
  return (
    a.quarantinedReason === b.quarantinedReason &&
    a.maintenance === b.maintenance &&
    a.maintenanceMsg === b.maintenanceMsg
  );
}

/** Whether the bot may be given tasks (and so counts as capacity). */
function takesTasks(bot: KnownBot): boolean {
  return (
    bot.quarantinedReason === '' && bot.admin.quarantinedReason === '' && !bot.admin.maintenance
  );
}

/**
 * The fleet as the coordinator knows it: every bot seen within the death timeout, with its live
 * session if connected. Answers capacity questions and carries pushes to bots.
 */
export class BotRegistry implements Fleet {
  /**
   * Emits 'connected' and 'disconnected' with the bot id (tests, metrics, dashboard, bot events),
   * 'quarantine' with the bot id and its own new reason ('' = healthy again), and 'admin' with
   * the bot id after an admin change (quarantine, maintenance).
   */
  readonly events = new EventEmitter<{
    connected: [string];
    disconnected: [string];
    quarantine: [string, string];
    admin: [string];
  }>();
  readonly #bots = new Map<string, KnownBot>();
  /** The input trees connected bots hold (BotHealth.input_trees), for cache-aware dispatch. */
  readonly #inputTrees = new InputTreeHolders();
  readonly #clock: () => number;
  readonly #shared: boolean;
  readonly #deathTimeoutMs: number;

  /** How recent another replica's record of a live session must be to believe it. */
  readonly #remoteFreshMs: number;

  constructor(deps: {
    /** Other replicas share the store: a stored "connected" row may be a live remote session. */
    shared: boolean;
    clock: () => number;
    botDeathTimeoutMs: number;
    botPingToleranceMs?: number;
  }) {
    this.#shared = deps.shared;
    this.#clock = deps.clock;
    this.#deathTimeoutMs = deps.botDeathTimeoutMs;
    this.#remoteFreshMs = deps.botPingToleranceMs ?? deps.botDeathTimeoutMs;
  }

  /** Loads the bots the store knows, so capacity survives a coordinator restart. */
  async load(store: Store): Promise<void> {
    // Alone on the store, a row saying "connected" is only what a previous run left.
    for (const bot of await store.listBots()) this.#bots.set(bot.id, fromRecord(bot, this.#shared));
  }

  /**
   * A bot's session on another replica is still alive as of `lastSeenMs` (its periodic record):
   * true when that was all there was to learn, false when the record must be read (a new
   * session, a bot not known here).
   */
  touchRemote(botId: string, sessionId: string, connected: boolean, lastSeenMs: number): boolean {
    const bot = this.#bots.get(botId);
    if (bot === undefined) return false;
    // Connected here and there: the newer one wins (applyRecord), so read the row.
    if (bot.session !== undefined) return !(connected && sessionId !== bot.session.sessionId);
    if (!connected || bot.remoteSession !== sessionId) return false;
    bot.lastSeenMs = Math.max(bot.lastSeenMs, lastSeenMs);
    return true;
  }

  /**
   * The stored record of a bot, as another replica changed it (undefined: deleted). A bot
   * connected here keeps what its session says and takes only the admin state; the answer says
   * what the caller must tell the dispatcher ('closed': its session here was closed, deleted).
   */
  applyRecord(
    botId: string,
    record: BotRecord | undefined,
  ): 'unchanged' | 'available' | 'unavailable' | 'closed' {
    const bot = this.#bots.get(botId);
    if (record === undefined) {
      if (bot === undefined) return 'unchanged';
      this.#bots.delete(botId);
      this.#inputTrees.forget(botId);
      bot.session?.close('deleted by an admin on another coordinator');
      return bot.session === undefined ? 'unchanged' : 'closed';
    }
    if (bot?.session !== undefined) {
      if (
        record.connected &&
        record.sessionId !== bot.session.sessionId &&
        record.lastSeenMs >= bot.lastSeenMs
      ) {
        // The bot is connected to another replica now, and more recently than it spoke here:
        // this session is dead (a half-open connection); nothing must be sent into it.
        bot.session.close('the bot is connected to another coordinator');
        return 'unavailable';
      }
      if (sameAdmin(bot.admin, record.admin)) return 'unchanged';
      return this.setAdmin(botId, record.admin) ? 'available' : 'unavailable';
    }
    this.#bots.set(botId, fromRecord(record, true));
    this.events.emit('admin', botId);
    return 'unchanged';
  }

  /** Registers a new session; returns the one it replaces, if any. */
  connect(
    botId: string,
    dimensions: readonly KeyValues[],
    session: SessionHandle,
  ): SessionHandle | undefined {
    const known = this.#bots.get(botId);
    const previous = known?.session;
    this.#bots.set(botId, {
      dimensions,
      dimensionMap: toDimensionMap(dimensions),
      lastSeenMs: this.#clock(),
      session,
      // Kept until the Hello's own reason is recorded (setQuarantined), so a change is noticed.
      quarantinedReason: known?.quarantinedReason ?? '',
      admin: known?.admin ?? NO_ADMIN_STATE,
    });
    this.events.emit('connected', botId);
    return previous !== session ? previous : undefined;
  }

  /** The bot's dimensions changed mid-session (its named caches after a task). */
  setDimensions(botId: string, dimensions: readonly KeyValues[]): void {
    const bot = this.#bots.get(botId);
    if (bot === undefined) return;
    bot.dimensions = dimensions;
    bot.dimensionMap = toDimensionMap(dimensions);
  }

  /** The session ended; a newer session of the same bot is left alone. */
  disconnect(botId: string, session: SessionHandle): boolean {
    const bot = this.#bots.get(botId);
    if (bot?.session !== session) return false;
    bot.session = undefined;
    bot.lastSeenMs = this.#clock();
    this.#inputTrees.forget(botId);
    this.events.emit('disconnected', botId);
    return true;
  }

  /**
   * The input trees the connected bot holds complete, as its Hello or heartbeat lists them
   * (BotHealth.input_trees; the first 32 well-formed hashes are kept, the rest ignored).
   */
  setInputTrees(botId: string, trees: readonly string[] | undefined): void {
    if (this.#bots.get(botId)?.session === undefined) return;
    this.#inputTrees.set(botId, trees);
  }

  inputTreeHolders(treeHash: string): ReadonlySet<string> | undefined {
    return this.#inputTrees.holdersOf(treeHash);
  }

  /** Records the bot's own quarantine reason ('' = healthy); returns whether it changed. */
  setQuarantined(botId: string, reason: string): boolean {
    const bot = this.#bots.get(botId);
    if (bot === undefined || bot.quarantinedReason === reason) return false;
    bot.quarantinedReason = reason;
    this.events.emit('quarantine', botId, reason);
    return true;
  }

  /**
   * Records what admins decided (as stored). Returns whether the bot takes tasks now; the caller
   * tells the dispatcher (botReady) when the bot is connected here.
   */
  setAdmin(botId: string, admin: BotAdminState): boolean {
    const bot = this.#bots.get(botId);
    if (bot === undefined) return false;
    bot.admin = admin;
    this.events.emit('admin', botId);
    return takesTasks(bot);
  }

  /** Forgets a bot (DeleteBot); returns its live session, which the caller closes. */
  forget(botId: string): SessionHandle | undefined {
    const session = this.#bots.get(botId)?.session;
    this.#bots.delete(botId);
    this.#inputTrees.forget(botId);
    return session;
  }

  /** Whether the bot is known here (connected, or loaded from the store and not deleted). */
  knows(botId: string): boolean {
    return this.#bots.has(botId);
  }

  /** The bot's dimensions as last reported; undefined for a bot not known here. */
  dimensionListOf(botId: string): readonly KeyValues[] | undefined {
    return this.#bots.get(botId)?.dimensions;
  }

  /** Every known bot without a session, with when it was last heard from (the missing sweep). */
  disconnectedBots(): Array<{ botId: string; lastSeenMs: number }> {
    const out: Array<{ botId: string; lastSeenMs: number }> = [];
    for (const [botId, bot] of this.#bots)
      if (bot.session === undefined) out.push({ botId, lastSeenMs: bot.lastSeenMs });
    return out;
  }

  touch(botId: string): void {
    const bot = this.#bots.get(botId);
    if (bot !== undefined) bot.lastSeenMs = this.#clock();
  }

  isConnected(botId: string): boolean {
    return this.#bots.get(botId)?.session !== undefined;
  }

  /**
   * Connected here, or to another replica whose record of it was refreshed within the ping
   * tolerance (replicas refresh it well within it).
   */
  isConnectedAnywhere(botId: string): boolean {
    const bot = this.#bots.get(botId);
    if (bot === undefined) return false;
    if (bot.session !== undefined) return true;
    return bot.remoteSession !== undefined && this.#clock() - bot.lastSeenMs < this.#remoteFreshMs;
  }

  /** When the bot was last heard from (live, unlike the periodically persisted record). */
  lastSeenOf(botId: string): number | undefined {
    return this.#bots.get(botId)?.lastSeenMs;
  }

  /** The bot's own quarantine reason ('' = healthy); undefined for a bot not known here. */
  quarantinedReasonOf(botId: string): string | undefined {
    return this.#bots.get(botId)?.quarantinedReason;
  }

  sessionOf(botId: string): SessionHandle | undefined {
    return this.#bots.get(botId)?.session;
  }

  hasCapacity(dimensions: readonly KeyValue[]): boolean {
    const cutoff = this.#clock() - this.#deathTimeoutMs;
    for (const bot of this.#bots.values()) {
      if (bot.session === undefined && bot.lastSeenMs < cutoff) continue;
      if (!takesTasks(bot)) continue;
      if (matchesDimensions(dimensions, bot.dimensionMap)) return true;
    }
    return false;
  }

  send(botId: string, message: CoordinatorMessage): boolean {
    return this.#bots.get(botId)?.session?.send(message) ?? false;
  }

  dimensionsOf(botId: string): BotDimensionMap | undefined {
    const bot = this.#bots.get(botId);
    if (bot?.session === undefined || !takesTasks(bot)) return undefined;
    return bot.dimensionMap;
  }

  reachableDimensionsOf(botId: string): BotDimensionMap | undefined {
    const bot = this.#bots.get(botId);
    return bot?.session === undefined ? undefined : bot.dimensionMap;
  }

  connectedCount(): number {
    let n = 0;
    for (const bot of this.#bots.values()) if (bot.session !== undefined) n++;
    return n;
  }

  closeAll(reason: string): void {
    for (const bot of this.#bots.values()) bot.session?.close(reason);
  }
}
