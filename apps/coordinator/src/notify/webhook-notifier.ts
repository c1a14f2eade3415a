import type { Task, WebhookDelivery, WebhookSettlement, WebhookStore } from '@drover/state';
import { lookup as dnsLookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WebhookConfig } from '../config';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  retryDelayMs,
  signBody,
  webhookBody,
} from './webhook-payload';
import { postWebhook } from './webhook-post';
import { targetSecret } from './webhook-secret';
import { vetTarget, type Lookup } from './webhook-targets';

export type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** An attempt's outcome; `permanent`: refused before connecting, retrying cannot help. */
type AttemptResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly permanent: boolean };

/** The end of one notification: answered 2xx, or given up after `attempts`. */
export interface DeliveryOutcome {
  readonly taskId: string;
  readonly state: Task['state'];
  readonly attempts: number;
  readonly delivered: boolean;
  /** Why it was given up ('' when delivered). */
  readonly error: string;
}

/** Attempts under way at once, over every task. */
const MAX_IN_FLIGHT = 32;
/** How often the store is looked at for notifications nobody woke this process for. */
const POLL_MS = 5_000;
/** Settled notifications are kept this long (a receiver's question, a restart's dedup). */
const KEEP_SETTLED_MS = 7 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;

const defaultLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Tells a task's webhook (TaskSpec.notify) of every state change, creation included: a signed JSON
 * POST per change, retried with exponential backoff until it gets a 2xx answer or runs out of
 * attempts (then logged and given up), one change at a time per task so that a receiver sees a
 * task's states in order.
 *
 * Each change is queued in the store (once per task and state) right after it is committed, and
 * sent from there: a coordinator that stops or dies leaves it waiting, and whichever coordinator
 * runs next on the store sends it. At least once: a receiver may see a notification again when
 * its 2xx answer was lost or the coordinator died mid-attempt.
 *
 * Before connecting, each attempt checks the URL against webhook-allow and resolves the host once,
 * refusing (for good) addresses that are not public unless webhook-allow-addresses lists them; it
 * connects to the address it checked.
 */
export class WebhookNotifier {
  /** 'done': a notification was delivered or given up (tests, metrics). */
  readonly events = new EventEmitter<{ done: [DeliveryOutcome] }>();
  readonly #store: WebhookStore;
  readonly #secret: string;
  readonly #policy: WebhookConfig;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #lookup: Lookup;
  readonly #off: () => void;
  /** Attempts under way, by `taskId:state`; close() aborts them. */
  readonly #inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Queueing in order: a task's changes are stored in the order they were committed. */
  #queueing: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #timerAtMs = Infinity;
  #pumping = false;
  #pumpAgain = false;
  #nextPruneMs = 0;
  #closed = false;

  constructor(deps: {
    engine: Pick<TaskEngine, 'events'>;
    store: WebhookStore;
    secret: string;
    policy: WebhookConfig;
    log: Logger;
    clock?: () => number;
    /** Resolves a host to every address (tests); @default dns.lookup with all: true */
    lookup?: Lookup;
  }) {
    this.#store = deps.store;
    this.#secret = deps.secret;
    this.#policy = deps.policy;
    this.#log = deps.log;
    this.#clock = deps.clock ?? Date.now;
    this.#lookup = deps.lookup ?? defaultLookup;
    const listener = (change: TaskTransition) => this.#onTransition(change);
    deps.engine.events.on('transition', listener);
    this.#off = () => deps.engine.events.off('transition', listener);
    // What an earlier run left waiting goes now.
    this.#wake(0);
  }

  /** Attempts under way in this process. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Stops listening and sending; attempts under way are aborted and left waiting in the store
   * (due at once) for the next start. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#off();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const { abort } of this.#inFlight.values()) abort.abort(new Error('coordinator stopping'));
    await Promise.allSettled([this.#queueing, ...[...this.#inFlight.values()].map((f) => f.done)]);
  }

  #onTransition({ task, from }: TaskTransition): void {
    const notify = task.spec.notify;
    if (notify === undefined || this.#closed) return;
    const entry = {
      taskId: task.id,
      state: task.state,
      url: notify.url,
      body: webhookBody(task, from),
      nowMs: this.#clock(),
    };
    this.#queueing = this.#queueing
      .then(() => this.#store.enqueueWebhook(entry))
      .then(
        (queued) => {
          if (queued) this.#wake(0);
        },
        (err: unknown) =>
          this.#log.error(
            { err, taskId: task.id, state: task.state },
            'webhook notification not stored: it will not be sent',
          ),
      );
  }

  /** Makes the pump run at `atMs` (or sooner, if it is already due sooner). */
  #wake(atMs: number): void {
    if (this.#closed || atMs >= this.#timerAtMs) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAtMs = atMs;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAtMs = Infinity;
        void this.#pump();
      },
      Math.max(0, atMs - this.#clock()),
    );
  }

  /** Claims due notifications and starts their attempts; then sleeps until the next is due. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        await this.#claimAndSend();
      } while (this.#pumpAgain && !this.#closed);
      // Full: each attempt that ends wakes the pump.
      if (this.#closed || this.#inFlight.size >= MAX_IN_FLIGHT) return;
      const now = this.#clock();
      const due = await this.#store.getNextWebhookDueMs();
      this.#wake(Math.min(due ?? Infinity, now + POLL_MS));
    } catch (err) {
      this.#log.error({ err }, 'webhook queue could not be read; trying again');
      this.#wake(this.#clock() + POLL_MS);
    } finally {
      this.#pumping = false;
    }
  }

  async #claimAndSend(): Promise<void> {
    const room = MAX_IN_FLIGHT - this.#inFlight.size;
    if (room <= 0 || this.#closed) return;
    const now = this.#clock();
    if (now >= this.#nextPruneMs) {
      this.#nextPruneMs = now + PRUNE_EVERY_MS;
      await this.#store.pruneWebhooks(now - KEEP_SETTLED_MS);
    }
    // Only a read while nothing is due: an idle coordinator writes nothing (and a store watched
    // for failing writes is not told of successes that were none).
    const due = await this.#store.getNextWebhookDueMs();
    if (due === undefined || due > now) return;
    // Held long enough for the lookup, the attempt's timeout and the settlement.
    const holdMs = 2 * this.#policy.timeoutMs + 5_000;
    const claimed = await this.#store.claimWebhooks(now, now + holdMs, room);
    for (const d of claimed) {
      const key = `${d.taskId}:${d.state}`;
      const entry = { abort: new AbortController(), done: Promise.resolve() };
      entry.done = this.#send(d, entry.abort).finally(() => {
        if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
      });
      this.#inFlight.set(key, entry);
    }
  }

  /** One attempt of `d`, then its settlement in the store. */
  async #send(d: WebhookDelivery, abort: AbortController): Promise<void> {
    const log = this.#log.child({ taskId: d.taskId, state: d.state });
    try {
      const outcome = await this.#attempt(d, abort);
      if (this.#closed && !outcome.ok && !outcome.permanent) {
        // Left for the next start, due at once.
        await this.#settle(d, { kind: 'retry', atMs: this.#clock(), error: outcome.error });
        return;
      }
      if (outcome.ok) {
        if (await this.#settle(d, { kind: 'delivered' })) {
          log.debug({ attempt: d.attempts }, 'webhook delivered');
          this.#done(d, true, '');
        }
        return;
      }
      if (outcome.permanent || d.attempts >= this.#policy.maxAttempts) {
        if (await this.#settle(d, { kind: 'given-up', error: outcome.error })) {
          log.error(
            { attempt: d.attempts, error: outcome.error, url: redactUrl(d.url) },
            'webhook notification given up',
          );
          this.#done(d, false, outcome.error);
        }
        return;
      }
      const retryInMs = retryDelayMs(d.attempts, this.#policy);
      const atMs = this.#clock() + retryInMs;
      log.warn({ attempt: d.attempts, error: outcome.error, retryInMs }, 'webhook attempt failed');
      if (await this.#settle(d, { kind: 'retry', atMs, error: outcome.error })) this.#wake(atMs);
    } catch (err) {
      log.error({ err }, 'webhook attempt could not be recorded; it will be tried again');
    } finally {
      // Room for the next claim.
      if (!this.#closed) this.#wake(0);
    }
  }

  async #attempt(d: WebhookDelivery, abort: AbortController): Promise<AttemptResult> {
    if (d.attempts > this.#policy.maxAttempts) {
      return { ok: false, error: 'no attempt left', permanent: true };
    }
    const target = await vetTarget(d.url, this.#policy.targets, this.#lookup);
    if (!target.ok) return target;
    const timer = setTimeout(
      () => abort.abort(new DOMException('timed out', 'TimeoutError')),
      this.#policy.timeoutMs,
    );
    try {
      const posted = await postWebhook({
        url: target.url,
        address: target.address,
        family: target.family,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'drover-coordinator',
          [SIGNATURE_HEADER]: signBody(d.body, targetSecret(this.#secret, d.url)),
          [DELIVERY_HEADER]: `${d.taskId}:${d.state}`,
          'x-drover-attempt': String(d.attempts),
        },
        body: d.body,
        signal: abort.signal,
      });
      return posted.ok ? posted : { ...posted, permanent: false };
    } finally {
      clearTimeout(timer);
    }
  }

  /** False when the claim was lost (another coordinator took the notification over). */
  #settle(d: WebhookDelivery, outcome: WebhookSettlement): Promise<boolean> {
    return this.#store.settleWebhook(d.taskId, d.state, d.attempts, outcome, this.#clock());
  }

  #done(d: WebhookDelivery, delivered: boolean, error: string): void {
    // Settled: no longer under way, as listeners see it.
    this.#inFlight.delete(`${d.taskId}:${d.state}`);
    try {
      this.events.emit('done', {
        taskId: d.taskId,
        state: d.state as Task['state'],
        attempts: d.attempts,
        delivered,
        error,
      });
    } catch (err) {
      this.#log.error({ err }, 'a webhook done listener threw');
    }
  }
}

/** The URL without its credentials, query and fragment, for logs (a query may hold a token). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
