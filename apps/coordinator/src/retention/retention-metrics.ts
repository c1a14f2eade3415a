import type { PurgeTasksResult, Store } from '@drover/state';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The retention series on /metrics: what the store weighs now, and what purges deleted here
 * (counters of this coordinator: with several replicas, the one holding the lease counts).
 */
export class RetentionMetrics {
  readonly #tasks: Counter;
  readonly #rows: Counter;
  readonly #bytes: Counter;

  constructor(registry: Registry, store: Pick<Store, 'sizeBytes'>) {
    const registers = [registry];
    new Gauge({
      name: 'drover_store_bytes',
      help: "Size of the store: the SQLite file and its WAL, or the PostgreSQL schema's tables and indexes",
      registers,
      async collect() {
        this.set(await store.sizeBytes());
      },
    });
    this.#tasks = new Counter({
      name: 'drover_tasks_purged_total',
      help: 'Final tasks deleted past their retention by this coordinator',
      registers,
    });
    this.#rows = new Counter({
      name: 'drover_purged_rows_total',
      help: 'Store rows deleted with those tasks (the tasks, their tags, output chunks, webhooks, …)',
      registers,
    });
    this.#bytes = new Counter({
      name: 'drover_purged_bytes_total',
      help: 'About how many bytes those rows held',
      registers,
    });
  }

  purged(result: PurgeTasksResult): void {
    this.#tasks.inc(result.tasks);
    this.#rows.inc(result.rows);
    this.#bytes.inc(result.bytes);
  }
}
