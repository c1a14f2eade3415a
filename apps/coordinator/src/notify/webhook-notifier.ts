import { isFinalState, type Task } from '@drover/state';
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

/** One notification: a task's change into `state`, body and signature fixed for every attempt. */
interface Delivery {
  readonly taskId: string;
  readonly state: Task['state'];
  readonly url: string;
  readonly body: string;
  readonly signature: string;
  /** The last notification of the task (a final state): its queue goes once it is done. */
  readonly last: boolean;
}

/** The notifications of one task, sent one at a time, in order. */
interface TaskQueue {
  readonly items: Delivery[];
  /** States already queued: the coordinator notifies each (task, state) once. */
  readonly queued: Set<string>;
  sending: boolean;
}

export type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** The end of one notification: answered 2xx, or given up after `attempts`. */
export interface DeliveryOutcome {
  readonly taskId: string;
  readonly state: Task['state'];
  readonly attempts: number;
  readonly delivered: boolean;
}

/**
 * Tells a task's webhook (TaskSpec.notify) of every state change, creation included: a signed JSON
 * POST per change, retried with exponential backoff until it gets a 2xx answer or runs out of
 * attempts (then logged and dropped), one change at a time per task so that a receiver sees a
 * task's states in order. At least once: a receiver may see a notification again when its 2xx
 * answer was lost, never because the coordinator queued it twice. Kept in memory: what is not sent
 * when the coordinator stops is lost.
 */
export class WebhookNotifier {
  /** 'done': a notification was delivered or given up (tests, metrics). */
  readonly events = new EventEmitter<{ done: [DeliveryOutcome] }>();
  readonly #queues = new Map<string, TaskQueue>();
  readonly #secret: string;
  readonly #policy: WebhookConfig;
  readonly #log: Logger;
  readonly #off: () => void;
  /** Retry waits under way, by their timer; close() ends them. */
  readonly #waits = new Map<NodeJS.Timeout, () => void>();
  /** Requests under way; close() aborts them. */
  readonly #requests = new Set<AbortController>();
  #closed = false;

  constructor(deps: {
    engine: Pick<TaskEngine, 'events'>;
    secret: string;
    policy: WebhookConfig;
    log: Logger;
  }) {
    this.#secret = deps.secret;
    this.#policy = deps.policy;
    this.#log = deps.log;
    const listener = (change: TaskTransition) => this.#onTransition(change);
    deps.engine.events.on('transition', listener);
    this.#off = () => deps.engine.events.off('transition', listener);
  }

  /** Tasks with notifications waiting or being sent. */
  get pendingTasks(): number {
    return this.#queues.size;
  }

  /** Stops listening, sending and retrying; whatever was not delivered is dropped. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#off();
    for (const [timer, resolve] of this.#waits) {
      clearTimeout(timer);
      resolve();
    }
    this.#waits.clear();
    for (const request of this.#requests) request.abort(new Error('coordinator stopping'));
    if (this.#queues.size > 0) {
      this.#log.warn({ tasks: this.#queues.size }, 'webhook notifications dropped at shutdown');
    }
    this.#queues.clear();
  }

  #onTransition({ task, from }: TaskTransition): void {
    const notify = task.spec.notify;
    if (notify === undefined || this.#closed) return;
    let queue = this.#queues.get(task.id);
    if (queue === undefined) {
      queue = { items: [], queued: new Set(), sending: false };
      this.#queues.set(task.id, queue);
    }
    if (queue.queued.has(task.state)) return;
    queue.queued.add(task.state);
    const body = webhookBody(task, from);
    queue.items.push({
      taskId: task.id,
      state: task.state,
      url: notify.url,
      body,
      signature: signBody(body, this.#secret),
      last: isFinalState(task.state),
    });
    if (!queue.sending) void this.#drain(task.id, queue);
  }

  /** Sends the task's notifications in order until its queue is empty. */
  async #drain(taskId: string, queue: TaskQueue): Promise<void> {
    queue.sending = true;
    try {
      for (let next = queue.items[0]; next !== undefined; next = queue.items[0]) {
        const outcome = await this.#deliver(next);
        queue.items.shift();
        if (this.#closed) return;
        // Nothing left to send: forget the task (its next change may be committed elsewhere, by
        // another replica, and never come here; each state changes once, so nothing repeats).
        if (next.last || queue.items.length === 0) this.#queues.delete(taskId);
        if (outcome !== undefined) this.#done(next, outcome.attempts, outcome.delivered);
      }
    } catch (err) {
      this.#log.error({ err, taskId }, 'webhook delivery failed');
      this.#queues.delete(taskId);
    } finally {
      queue.sending = false;
    }
  }

  /**
   * Attempts one notification until it is answered 2xx or attempts run out (the outcome), or
   * close() (undefined).
   */
  async #deliver(d: Delivery): Promise<{ attempts: number; delivered: boolean } | undefined> {
    const log = this.#log.child({ taskId: d.taskId, state: d.state });
    for (let attempt = 1; !this.#closed; attempt++) {
      const outcome = await this.#attempt(d, attempt);
      if (outcome.ok) {
        log.debug({ attempt }, 'webhook delivered');
        return { attempts: attempt, delivered: true };
      }
      if (attempt >= this.#policy.maxAttempts) {
        log.error(
          { attempt, error: outcome.error, url: redactUrl(d.url) },
          'webhook notification given up',
        );
        return { attempts: attempt, delivered: false };
      }
      const retryInMs = retryDelayMs(attempt, this.#policy);
      log.warn({ attempt, error: outcome.error, retryInMs }, 'webhook attempt failed');
      await this.#wait(retryInMs);
    }
    return undefined;
  }

  #done(d: Delivery, attempts: number, delivered: boolean): void {
    try {
      this.events.emit('done', { taskId: d.taskId, state: d.state, attempts, delivered });
    } catch (err) {
      this.#log.error({ err }, 'a webhook done listener threw');
    }
  }

  async #attempt(d: Delivery, attempt: number): Promise<AttemptOutcome> {
    const request = new AbortController();
    const timeout = AbortSignal.timeout(this.#policy.timeoutMs);
    const onTimeout = () => request.abort(timeout.reason);
    timeout.addEventListener('abort', onTimeout, { once: true });
    this.#requests.add(request);
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'drover-coordinator',
          [SIGNATURE_HEADER]: d.signature,
          [DELIVERY_HEADER]: `${d.taskId}:${d.state}`,
          'x-drover-attempt': String(attempt),
        },
        body: d.body,
        redirect: 'manual',
        signal: request.signal,
      });
      // Only the status matters: the body is dropped unread (a receiver cannot make us hold it).
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300
        ? { ok: true }
        : { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      const reason = request.signal.aborted ? request.signal.reason : err;
      return { ok: false, error: describeFetchError(reason) };
    } finally {
      timeout.removeEventListener('abort', onTimeout);
      this.#requests.delete(request);
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waits.delete(timer);
        resolve();
      }, ms);
      this.#waits.set(timer, resolve);
    });
  }
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

/** The URL without its query and credentials, for logs (a query may hold a token). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
