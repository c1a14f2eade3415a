/**
 * Task webhook notifications kept in the store, so that a coordinator restart loses
 * none: queued once per (task, state), sent in order per task, claimed for one attempt at a time
 * (by any coordinator sharing the database), settled as delivered, given up or retried later.
 */
export interface WebhookDelivery {
  readonly taskId: string;
  /** The state the task changed into (a TaskState name). */
  readonly state: string;
  /** The receiver's URL, credentials included (never logged). */
  readonly url: string;
  /** The JSON body, fixed at queueing: every attempt sends the same bytes. */
  readonly body: string;
  readonly createdMs: number;
  /** Attempts started so far; a claimed delivery counts the attempt it was claimed for. */
  readonly attempts: number;
}

export type WebhookSettlement =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'given-up'; readonly error: string }
  /** Waits until `atMs`, then may be claimed again. */
  | { readonly kind: 'retry'; readonly atMs: number; readonly error: string };

/** What the store keeps of one notification (tests, diagnostics). */
export interface WebhookRecord extends WebhookDelivery {
  readonly status: 'waiting' | 'delivered' | 'given-up';
  readonly nextAttemptMs: number;
  readonly claimedUntilMs: number;
  readonly lastError: string;
  /** When it was delivered or given up; 0 while waiting. */
  readonly settledMs: number;
}

/** A notification to queue: the task's change into `state`, its POST body and URL. */
export interface NewWebhook {
  readonly taskId: string;
  readonly state: string;
  readonly url: string;
  readonly body: string;
  readonly nowMs: number;
}

/** The webhook half of the Store port; each method one statement or one transaction. */
export interface WebhookStore {
  /**
   * Queues the notification of the task's change into `state`, due at once, unless one for the
   * same (task, state) was ever queued (and not yet pruned). Returns whether it was queued now.
   */
  enqueueWebhook(d: NewWebhook): Promise<boolean>;
  /**
   * Claims up to `limit` notifications for one attempt each: waiting, due (next attempt ≤ nowMs),
   * not claimed (or their claim ended before nowMs), and the oldest waiting one of their task, so
   * that a task's notifications go in order. Each claimed one has its attempts incremented and is
   * held until `untilMs`; oldest due first.
   */
  claimWebhooks(nowMs: number, untilMs: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Records how attempt `attempt` of (taskId, state) ended and releases its claim. False (nothing
   * written) when that attempt is no longer the current one or the notification is settled.
   */
  settleWebhook(
    taskId: string,
    state: string,
    attempt: number,
    outcome: WebhookSettlement,
    nowMs: number,
  ): Promise<boolean>;
  /** The stored notification of (taskId, state), if any. */
  getWebhook(taskId: string, state: string): Promise<WebhookRecord | undefined>;
  /**
   * When the next claim can take something: the earliest due time (its claim's end if later) of
   * the oldest waiting notification of each task; undefined when nothing waits.
   */
  getNextWebhookDueMs(): Promise<number | undefined>;
  /** Deletes notifications settled before `beforeMs`; returns how many. */
  pruneWebhooks(beforeMs: number): Promise<number>;
}
