// The live connection: one WebSocket, authenticated by its first message, reconnected with
// backoff (0.5 s doubling to 10 s) when the coordinator goes away; subscriptions and follows are
// sent again on every (re)connection.

import { getToken } from './api.js';

const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

export class Live {
  /** @param {{ onStatus: (s: 'on' | 'off') => void, onUnauthenticated: () => void, onForbidden: () => void }} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.ready = false;
    this.backoffMs = 500;
    /** @type {Set<string>} */
    this.topics = new Set();
    /** @type {Map<string, () => number>} task id → its next offset */
    this.follows = new Map();
    /** @type {Map<string, Set<(msg: any) => void>>} */
    this.handlers = new Map();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    if (this.ws === undefined) this.#connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'logged out');
    this.ws = undefined;
    this.ready = false;
  }

  /** @param {string} type @param {(msg: any) => void} fn @returns {() => void} */
  on(type, fn) {
    let set = this.handlers.get(type);
    if (set === undefined) this.handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** @param {string[]} topics */
  subscribe(topics) {
    this.topics = new Set(topics);
    this.#send({ type: 'subscribe', topics });
  }

  /** Follows a task's state and output; `offset` tells where to resume after a reconnection. @param {string} taskId @param {() => number} offset */
  follow(taskId, offset) {
    this.follows.set(taskId, offset);
    this.#send({ type: 'follow', task_id: taskId, offset: offset() });
  }

  /** @param {string} taskId */
  unfollow(taskId) {
    if (this.follows.delete(taskId)) this.#send({ type: 'unfollow', task_id: taskId });
  }

  /** @param {object} msg */
  #send(msg) {
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  #connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token: getToken() })));
    ws.addEventListener('message', (ev) => {
      let msg;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (msg.type === 'ready') {
        this.ready = true;
        this.backoffMs = 500;
        this.hooks.onStatus('on');
        if (this.topics.size > 0) this.#send({ type: 'subscribe', topics: [...this.topics] });
        for (const [taskId, offset] of this.follows) {
          this.#send({ type: 'follow', task_id: taskId, offset: offset() });
        }
      }
      for (const fn of this.handlers.get(msg.type) ?? []) fn(msg);
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.ready = false;
      this.hooks.onStatus('off');
      if (ev.code === CLOSE_UNAUTHENTICATED) {
        this.hooks.onUnauthenticated();
        return;
      }
      if (ev.code === CLOSE_FORBIDDEN) {
        this.hooks.onForbidden();
        return;
      }
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => this.#connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    });
  }
}
