import type { status as GrpcStatus } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  TASK_STATE_VALUES,
  isFinalState,
  taskPoolOf,
  type PendingSummary,
  type StoredTaskState,
  type Store,
} from '@drover/state';
import type { EventEmitter } from 'node:events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskTransition } from '../engine/task-engine';
import type { CallRecorder } from '../rpc/instrument';
import { BOT_STATUSES, countBotsByStatus, type BotLiveView } from './bot-status';
import { PendingByPool } from './pending-by-pool';
import { poolLabel } from './pool-label';

const STORED_STATES = (Object.keys(TASK_STATE_VALUES) as Array<keyof typeof TASK_STATE_VALUES>)
  .filter((s): s is StoredTaskState => s !== 'INVALID')
  .sort();

const DISPATCH_BUCKETS_SECS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
const DURATION_BUCKETS_SECS = [
  0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400,
];

export interface MetricsDeps {
  readonly store: Pick<Store, 'countTasks' | 'listBots'>;
  readonly engine: {
    readonly events: EventEmitter<{ transition: [TaskTransition] }>;
  };
  /** Which bot connected here is busy. */
  readonly dispatcher: Pick<Dispatcher, 'taskOf'>;
  readonly registry: Omit<BotLiveView, 'taskOf'> & { connectedCount(): number };
  readonly clock: () => number;
  readonly botDeathTimeoutMs: number;
}

/**
 * The coordinator's Prometheus series, in a registry of its own (several coordinators may share a
 * process in tests). Task counts are kept from the engine's transitions after counts taken at
 * start (`start()`, before the engine runs, then `addPendingAtStart` during the engine's own pass
 * over the queue), so a scrape never scans tasks; bots are
 * read from the store at scrape time (a fleet is thousands, not millions). Counts cover the
 * tasks this coordinator changed: with several coordinators on one store, sum them with care.
 */
export class CoordinatorMetrics implements CallRecorder {
  readonly registry = new Registry();
  readonly #deps: MetricsDeps;
  readonly #stateCounts = new Map<StoredTaskState, number>(STORED_STATES.map((s) => [s, 0]));
  readonly #pending = new PendingByPool();
  readonly #dispatchLatency: Histogram<'pool'>;
  readonly #taskDuration: Histogram<'pool' | 'state'>;
  readonly #grpcCalls: Counter<'service' | 'method' | 'code'>;
  readonly #onTransition = (t: TaskTransition) => this.#observe(t);
  #started = false;

  constructor(deps: MetricsDeps) {
    this.#deps = deps;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const counts = this.#stateCounts;
    new Gauge({
      name: 'drover_tasks',
      help: 'Tasks by state (every task in the store at start, then the changes made here).',
      labelNames: ['state'],
      registers,
      collect() {
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    const pending = this.#pending;
    const clock = deps.clock;
    new Gauge({
      name: 'drover_tasks_pending',
      help: 'PENDING tasks by pool ("(none)" = no pool dimension).',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const p of pending.summary()) this.set({ pool: poolLabel(p.pool) }, p.count);
      },
    });
    new Gauge({
      name: 'drover_tasks_pending_oldest_age_seconds',
      help: 'Age of the oldest PENDING task by pool (0 when none waits).',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        const nowMs = clock();
        for (const p of pending.summary()) {
          const ageMs = p.oldestCreatedAtMs === undefined ? 0 : nowMs - p.oldestCreatedAtMs;
          this.set({ pool: poolLabel(p.pool) }, Math.max(0, ageMs) / 1000);
        }
      },
    });
    this.#dispatchLatency = new Histogram({
      name: 'drover_task_dispatch_latency_seconds',
      help: 'From creation to dispatch (PENDING → RUNNING), by pool.',
      labelNames: ['pool'],
      buckets: DISPATCH_BUCKETS_SECS,
      registers,
    });
    this.#taskDuration = new Histogram({
      name: 'drover_task_duration_seconds',
      help: 'Run time of final tasks as the bot measured it, by pool and final state.',
      labelNames: ['pool', 'state'],
      buckets: DURATION_BUCKETS_SECS,
      registers,
    });
    const d = deps;
    new Gauge({
      name: 'drover_bots',
      help:
        'Known bots by pool and status: alive|dead, busy|idle (alive bots), ' +
        'quarantined and maintenance (counted on top).',
      labelNames: ['pool', 'status'],
      registers,
      async collect() {
        const bots = await d.store.listBots();
        const byPool = countBotsByStatus(
          bots,
          {
            isConnected: (id) => d.registry.isConnected(id),
            lastSeenOf: (id) => d.registry.lastSeenOf(id),
            quarantinedReasonOf: (id) => d.registry.quarantinedReasonOf(id),
            taskOf: (id) => d.dispatcher.taskOf(id),
          },
          d.clock(),
          d.botDeathTimeoutMs,
        );
        this.reset();
        for (const [pool, counts] of byPool) {
          for (const s of BOT_STATUSES) this.set({ pool, status: s }, counts[s]);
        }
      },
    });
    new Gauge({
      name: 'drover_bot_streams',
      help: 'Bots connected to this coordinator (open BotApi.Connect streams).',
      registers,
      collect() {
        this.set(d.registry.connectedCount());
      },
    });
    this.#grpcCalls = new Counter({
      name: 'drover_grpc_calls_total',
      help: 'Finished gRPC calls by service, method and status code.',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
  }

  /**
   * Counts the stored tasks by final and running states, then follows the engine's transitions
   * (PENDING ones come through `addPendingAtStart`). Call before the engine starts, so that no change is missed or counted
   * twice.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { store } = this.#deps;
    for (const state of STORED_STATES) {
      if (state === 'PENDING') continue;
      this.#stateCounts.set(state, await store.countTasks({ states: [state] }));
    }
    this.#stateCounts.set('PENDING', 0);
    this.#deps.engine.events.on('transition', this.#onTransition);
  }

  /**
   * One waiting task found at start-up: pass this to `engine.start` (after `start()`), so the
   * one pass over the queue the engine makes also fills the pending series.
   */
  readonly addPendingAtStart = (e: PendingSummary): void => {
    this.#pending.add(e.pool, e.taskId, e.createdAtMs);
    this.#stateCounts.set('PENDING', (this.#stateCounts.get('PENDING') ?? 0) + 1);
  };

  close(): void {
    this.#deps.engine.events.off('transition', this.#onTransition);
  }

  /** Final tasks deleted past their retention (retention/): drover_tasks counts them no more. */
  tasksPurged(states: Readonly<Partial<Record<StoredTaskState, number>>>): void {
    for (const [state, n] of Object.entries(states) as Array<[StoredTaskState, number]>) {
      this.#stateCounts.set(state, Math.max(0, (this.#stateCounts.get(state) ?? 0) - n));
    }
  }

  callEnded(service: string, method: string, code: GrpcStatus): void {
    this.#grpcCalls.inc({ service, method, code: status[code] ?? String(code) });
  }

  /**
   * PENDING tasks by pool (the pool as `taskPoolOf` gives it, '' = none) with the creation time
   * of the oldest: what the pending series show, for the dashboard.
   */
  pendingByPool(): Array<{ pool: string; count: number; oldestCreatedAtMs: number | undefined }> {
    return [...this.#pending.summary()];
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #observe({ task, from }: TaskTransition): void {
    if (from !== undefined) this.#stateCounts.set(from, (this.#stateCounts.get(from) ?? 0) - 1);
    this.#stateCounts.set(task.state, (this.#stateCounts.get(task.state) ?? 0) + 1);
    const pool = taskPoolOf(task.spec);
    if (task.state === 'PENDING' && from !== 'PENDING') {
      this.#pending.add(pool, task.id, task.createdAtMs);
    } else if (from === 'PENDING' && task.state !== 'PENDING') {
      this.#pending.remove(pool, task.id);
    }
    if (from === 'PENDING' && task.state === 'RUNNING' && task.startedAtMs !== null) {
      this.#dispatchLatency.observe(
        { pool: poolLabel(pool) },
        Math.max(0, task.startedAtMs - task.createdAtMs) / 1000,
      );
    }
    if (isFinalState(task.state) && task.durationSecs !== null && from !== undefined) {
      this.#taskDuration.observe({ pool: poolLabel(pool), state: task.state }, task.durationSecs);
    }
  }
}
