import type * as grpc from '@grpc/grpc-js';
import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import type { TokenAuthority } from './auth/tokens';
import { ChildCanceller } from './children/child-canceller';
import type { CoordinatorConfig } from './config';
import type { TaskEngine } from './engine/task-engine';
import { WebhookNotifier } from './notify/webhook-notifier';
import { loadOrCreateWebhookSecret } from './notify/webhook-secret';
import { watchTasksHandlers } from './rpc/tasks-watch';
import { TransitionHub } from './watch/transition-hub';

/**
 * What follows the engine's committed transitions from outside it: children cancelled when their
 * parent ends, task webhooks, WatchTasks streams. Built right after the engine, before it starts,
 * so that nothing it does at start-up (expiring overdue tasks) goes unseen.
 */
export class TransitionListeners {
  readonly children: ChildCanceller;
  readonly webhooks: WebhookNotifier;
  readonly hub: TransitionHub;
  #closing: Promise<void> | undefined;

  constructor(deps: {
    engine: TaskEngine;
    store: Store;
    config: CoordinatorConfig;
    log: Logger;
    /** This process is the store's only writer: see ChildCanceller's parents cache. */
    cacheParents: boolean;
  }) {
    const { engine, store, config, log } = deps;
    const { secret, created } = loadOrCreateWebhookSecret(config.webhooks.secretFile);
    if (created) log.info({ file: config.webhooks.secretFile }, 'created the webhook secret');
    this.children = new ChildCanceller({
      engine,
      store,
      cacheParents: deps.cacheParents,
      log: log.child({ component: 'children' }),
    });
    this.webhooks = new WebhookNotifier({
      engine,
      store,
      secret,
      policy: config.webhooks,
      log: log.child({ component: 'webhooks' }),
    });
    this.hub = new TransitionHub(engine, store);
  }

  /** Tasks.WatchTasks. */
  handlers(tokens: TokenAuthority, log: Logger): grpc.UntypedServiceImplementation {
    return watchTasksHandlers({ hub: this.hub, tokens, log });
  }

  /**
   * Ends the watch streams, stops sending notifications (undelivered ones stay in the store for
   * the next start), waits for sweeps; idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.hub.close();
      await this.webhooks.close();
      await this.children.close();
    })();
    return this.#closing;
  }
}
