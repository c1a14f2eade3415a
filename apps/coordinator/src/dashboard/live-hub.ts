import { status } from '@grpc/grpc-js';
import { canonicalJson, DroverError } from '@drover/protocol';
import type { Task, TaskNote } from '@drover/state';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { can, type Principal } from '../auth/principal';
import { CONNECTION_CAPS } from '../connections/connection-caps';
import { peerAddress, type PendingCaps } from '../connections/pending-caps';
import { PendingConnections, type PendingConnection } from '../connections/pending-connections';
import type { TaskTransition } from '../engine/task-engine';
import { mayView, loadTaskAs } from '../rpc/task-access';
import { viewBot, type BotsDeps } from '../rpc/bots-view';
import { clientOfToken } from './http-json';
import { OutputFollow } from './output-follow';
import { taskResultJson } from './task-json';

/** Close codes the page acts on: back to the login form, or a message. */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** Closed to make room for newer unauthenticated sockets (RFC 6455: try again later). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

const TOPICS = ['tasks', 'bots'] as const;
type Topic = (typeof TOPICS)[number];

/** A socket told to close that has not within this long is destroyed. */
const CLOSE_GRACE_MS = 1_000;
const PING_INTERVAL_MS = 30_000;
const MAX_MESSAGE_BYTES = 16 * 1024;
const MAX_FOLLOWS_PER_SOCKET = 8;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;
/** Above this much unsent data a socket gets no topic batches, then one `resync`. */
const LAGGING_BYTES = 4 * 1024 * 1024;

export interface LiveHubDeps extends BotsDeps {
  /** How long changes are gathered into one batch per socket. @default 150 */
  readonly batchMs?: number;
  /**
   * Sockets whose `auth` message has not come: per address, in all, and for how long.
   * @default CONNECTION_CAPS.dashboardSocket
   */
  readonly pendingSockets?: PendingCaps;
}

interface Client {
  readonly ws: WebSocket;
  principal: Principal | undefined;
  readonly topics: Set<Topic>;
  readonly follows: Map<string, OutputFollow>;
  lagging: boolean;
  alive: boolean;
  /** Its entry among the unauthenticated sockets until it authenticates. */
  readonly pending: PendingConnection;
  /** The dashboard session's `authorization` (its cookie, same-origin upgrades only). */
  readonly session: string | undefined;
  /** While the `auth` message is being checked (a JWT takes I/O): later messages wait. */
  authenticating: boolean;
  /** Closes the socket when its JWT expires. */
  expiryTimer: NodeJS.Timeout | undefined;
}

/**
 * The dashboard's WebSocket endpoint (`/ws`). The first message authenticates
 * (`{type:'auth', token}`: the token never travels in the URL); then the page subscribes to
 * topics (`tasks`: state changes of the tasks it may view, `{type:'tasks', items}` of
 * TaskResult; `bots`: bot changes in pools it may view, `{type:'bots', items}` of BotInfo), and
 * follows tasks' output (`{type:'follow', task_id, offset}`; OutputFollow). Messages are JSON
 * objects with a `type`; the messages they carry are canonical JSON (docs/json.md). Changes are
 * batched per socket every `batchMs`, latest state of each task or bot only; a socket that falls
 * behind gets `resync` instead of a backlog.
 */
export class LiveHub {
  readonly #deps: LiveHubDeps;
  readonly #log: Logger;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  readonly #clients = new Set<Client>();
  readonly #pending: PendingConnections<PendingConnection>;
  readonly #pendingTasks = new Map<string, Task>();
  readonly #pendingBots = new Set<string>();
  readonly #batchMs: number;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing = false;
  readonly #pingTimer: NodeJS.Timeout;
  #closed = false;

  readonly #onTransition = ({ task, from }: TaskTransition) => {
    if (this.#subscribed('tasks')) this.#pendingTasks.set(task.id, task);
    if (task.botId !== null && (task.state === 'RUNNING' || from === 'RUNNING')) {
      this.#botChanged(task.botId);
    }
    this.#scheduleFlush();
  };
  /** Another replica changed a task (PostgreSQL, several coordinators): read and push it. */
  readonly #onRemote = (note: TaskNote) => {
    if (note.botId !== null) this.#botChanged(note.botId);
    if (!this.#subscribed('tasks')) return;
    this.#deps.store
      .getTask(note.id)
      .then((task) => {
        if (task === undefined || this.#closed) return;
        this.#pendingTasks.set(task.id, task);
        this.#scheduleFlush();
      })
      .catch((err: unknown) => this.#log.warn({ err, taskId: note.id }, 'reading a task failed'));
  };
  /**
   * The store's tokens, principals or bot groups changed (any replica's write, a token's
   * expiry): a socket opened with a token of the store that no longer works is closed (4401),
   * as a bot session is (access/token-sessions.ts), and the others take their principal's
   * roles as they are now.
   */
  readonly #onAccessChanged = () => {
    for (const c of [...this.#clients]) {
      const tokenId = c.principal?.tokenId;
      if (tokenId === undefined) continue;
      const now = this.#deps.tokens.storeToken(tokenId);
      if ('principal' in now && now.principal.kind === 'client') {
        c.principal = now.principal;
        continue;
      }
      this.#refuse(c, { tokenId, reason: 'refused' in now ? now.refused : 'not a client' });
    }
  };
  readonly #botChanged = (botId: string) => {
    if (!this.#subscribed('bots')) return;
    this.#pendingBots.add(botId);
    this.#scheduleFlush();
  };

  constructor(deps: LiveHubDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#batchMs = deps.batchMs ?? 150;
    this.#pending = new PendingConnections(deps.pendingSockets ?? CONNECTION_CAPS.dashboardSocket);
    deps.engine.events.on('transition', this.#onTransition);
    deps.engine.remoteEvents.on('task', this.#onRemote);
    deps.tokens.events.on('changed', this.#onAccessChanged);
    for (const e of ['connected', 'disconnected', 'quarantine', 'admin'] as const) {
      deps.registry.events.on(e, this.#botChanged);
    }
    this.#pingTimer = setInterval(() => this.#ping(), PING_INTERVAL_MS);
    this.#pingTimer.unref();
  }

  /**
   * Takes over an HTTP upgrade request for `/ws`. `session`: the `authorization` of the
   * dashboard's session cookie, used when the `auth` message carries no token.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, session?: string): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const peer = peerAddress(req.socket.remoteAddress, false);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, peer, session));
  }

  /** Closes every socket and stops listening; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#flushTimer);
    this.#deps.engine.events.off('transition', this.#onTransition);
    this.#deps.engine.remoteEvents.off('task', this.#onRemote);
    this.#deps.tokens.events.off('changed', this.#onAccessChanged);
    for (const e of ['connected', 'disconnected', 'quarantine', 'admin'] as const) {
      this.#deps.registry.events.off(e, this.#botChanged);
    }
    for (const c of this.#clients) this.#drop(c);
    this.#pending.clear();
    this.#wss.close();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  #accept(ws: WebSocket, peer: string, session: string | undefined): void {
    const client: Client = {
      ws,
      principal: undefined,
      session,
      authenticating: false,
      expiryTimer: undefined,
      topics: new Set(),
      follows: new Map(),
      lagging: false,
      alive: true,
      pending: {
        close: (why) => {
          if (why === 'evicted')
            ws.close(CLOSE_TRY_AGAIN_LATER, 'too many unauthenticated sockets');
          else ws.close(CLOSE_UNAUTHENTICATED, 'no auth message');
          // One that never answers the close is not kept waiting for it.
          setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
        },
      },
    };
    this.#pending.admit(client.pending, peer);
    this.#clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.#onMessage(client, data).catch((err: unknown) => {
        this.#log.error({ err }, 'dashboard socket message failed');
      });
    });
    ws.on('close', () => this.#drop(client));
    ws.on('error', () => this.#drop(client));
  }

  /** Closes an authenticated socket whose credential stopped working (4401). */
  #refuse(c: Client, why: Readonly<Record<string, string>>): void {
    this.#log.info(why, 'closing a dashboard socket: token refused');
    // Nothing more reaches it; messages still arriving are ignored (as while authenticating).
    this.#clients.delete(c);
    clearTimeout(c.expiryTimer);
    for (const f of c.follows.values()) f.stop();
    c.follows.clear();
    c.principal = undefined;
    c.authenticating = true;
    c.ws.close(CLOSE_UNAUTHENTICATED, 'token refused');
    setTimeout(() => c.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  #drop(client: Client): void {
    clearTimeout(client.expiryTimer);
    this.#pending.settle(client.pending);
    for (const f of client.follows.values()) f.stop();
    client.follows.clear();
    this.#clients.delete(client);
    if (client.ws.readyState !== client.ws.CLOSED) client.ws.terminate();
  }

  async #onMessage(client: Client, data: RawData): Promise<void> {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(String(data));
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      client.ws.close(1003, 'messages are JSON objects');
      return;
    }
    if (client.principal === undefined) {
      if (!client.authenticating) await this.#authenticate(client, msg);
      return;
    }
    const principal = client.principal;
    switch (msg['type']) {
      case 'subscribe': {
        client.topics.clear();
        const topics = Array.isArray(msg['topics']) ? msg['topics'] : [];
        for (const t of topics)
          if ((TOPICS as readonly unknown[]).includes(t)) client.topics.add(t as Topic);
        return;
      }
      case 'follow': {
        const taskId = typeof msg['task_id'] === 'string' ? msg['task_id'] : '';
        await this.#follow(client, principal, taskId, offsetOf(msg['offset']));
        return;
      }
      case 'unfollow': {
        const taskId = typeof msg['task_id'] === 'string' ? msg['task_id'] : '';
        client.follows.get(taskId)?.stop();
        client.follows.delete(taskId);
        return;
      }
      default:
        send(client, { type: 'error', message: `unknown message type ${String(msg['type'])}` });
    }
  }

  async #authenticate(client: Client, msg: Record<string, unknown>): Promise<void> {
    this.#pending.settle(client.pending);
    const token = msg['type'] === 'auth' && typeof msg['token'] === 'string' ? msg['token'] : '';
    const authorization =
      token === '' && msg['type'] === 'auth' && client.session !== undefined
        ? client.session
        : `Bearer ${token}`;
    client.authenticating = true;
    try {
      await this.#deps.tokens.prepare(authorization);
      client.principal = clientOfToken(this.#deps.tokens, authorization);
    } catch (err) {
      const forbidden = err instanceof DroverError && err.code === status.PERMISSION_DENIED;
      client.ws.close(
        forbidden ? CLOSE_FORBIDDEN : CLOSE_UNAUTHENTICATED,
        forbidden ? 'forbidden' : 'unauthenticated',
      );
      return;
    }
    // A JWT's session ends when the JWT does (the page signs in again).
    const leftMs = this.#deps.tokens.msLeft(client.principal);
    if (leftMs !== undefined && this.#clients.has(client)) {
      const name = client.principal.name;
      client.expiryTimer = setTimeout(
        () => this.#refuse(client, { principal: name, reason: 'the JWT expired' }),
        Math.min(leftMs, MAX_TIMER_MS),
      );
      client.expiryTimer.unref();
    }
    send(client, { type: 'ready', name: client.principal.name });
  }

  async #follow(client: Client, p: Principal, taskId: string, offset: number): Promise<void> {
    client.follows.get(taskId)?.stop();
    client.follows.delete(taskId);
    try {
      await loadTaskAs(this.#deps.store, p, 'view', taskId);
    } catch (err) {
      if (!(err instanceof DroverError)) throw err;
      send(client, { type: 'follow-error', task_id: taskId, message: err.message });
      return;
    }
    if (client.follows.size >= MAX_FOLLOWS_PER_SOCKET) {
      send(client, { type: 'follow-error', task_id: taskId, message: 'too many tasks followed' });
      return;
    }
    const follow = new OutputFollow(this.#deps.engine, this.#deps.store, taskId, offset, (m) =>
      sendAndWait(client, m),
    );
    client.follows.set(taskId, follow);
    follow.start((err) => this.#log.error({ err, taskId }, 'dashboard output follow failed'));
  }

  #subscribed(topic: Topic): boolean {
    for (const c of this.#clients) if (c.topics.has(topic)) return true;
    return false;
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    if (this.#pendingTasks.size === 0 && this.#pendingBots.size === 0) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush().catch((err: unknown) => this.#log.error({ err }, 'dashboard flush failed'));
    }, this.#batchMs);
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      const tasks = [...this.#pendingTasks.values()];
      this.#pendingTasks.clear();
      const botIds = [...this.#pendingBots];
      this.#pendingBots.clear();
      if (tasks.length > 0) {
        const results = tasks.map((t) => ({ task: t, json: taskResultJson(t) }));
        for (const c of this.#clients) {
          if (!c.topics.has('tasks') || c.principal === undefined || !this.#keepUp(c)) continue;
          const p = c.principal;
          const items = results.filter((r) => mayView(p, r.task)).map((r) => r.json);
          if (items.length > 0) send(c, { type: 'tasks', items });
        }
      }
      if (botIds.length > 0) {
        const nowMs = this.#deps.clock();
        const views = [];
        for (const id of botIds) {
          const bot = await this.#deps.store.getBot(id);
          if (bot === undefined) continue;
          const view = await viewBot(this.#deps, bot, nowMs);
          views.push({ pools: view.pools, json: canonicalJson('BotInfo', view.info) });
        }
        for (const c of this.#clients) {
          if (!c.topics.has('bots') || c.principal === undefined || !this.#keepUp(c)) continue;
          const p = c.principal;
          const items = views.filter((v) => can(p, 'view', v.pools)).map((v) => v.json);
          if (items.length > 0) send(c, { type: 'bots', items });
        }
      }
    } finally {
      this.#flushing = false;
      this.#scheduleFlush();
    }
  }

  /** Whether the socket can take a batch; one that fell behind gets `resync` once it caught up. */
  #keepUp(c: Client): boolean {
    if (c.ws.bufferedAmount > LAGGING_BYTES) {
      c.lagging = true;
      return false;
    }
    if (c.lagging) {
      c.lagging = false;
      send(c, { type: 'resync' });
    }
    return true;
  }

  #ping(): void {
    for (const c of this.#clients) {
      if (!c.alive) {
        this.#drop(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

/** A follow's offset: an int64 as canonical JSON writes it (a string) or a number; 0 otherwise. */
function offsetOf(v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? Math.max(0, n) : 0;
}

function send(client: Client, message: object): void {
  if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(message));
}

/** Sends and resolves once the message was handed to the socket (or the socket is gone). */
function sendAndWait(client: Client, message: object): Promise<void> {
  if (client.ws.readyState !== client.ws.OPEN) return Promise.resolve();
  return new Promise((resolve) => client.ws.send(JSON.stringify(message), () => resolve()));
}
