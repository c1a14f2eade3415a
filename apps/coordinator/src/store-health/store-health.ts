import type { Store } from '@drover/state';
import { Counter, Gauge, type Registry } from 'prom-client';
import { classifyStoreError, type StoreFailure } from './store-failure';

/**
 * Whether the store takes writes: failing from a write that failed as `full` or `unavailable`
 * (store-failure.ts) until a write succeeds again. `/healthz` answers 503 meanwhile, and
 * /metrics says so (`drover_store_failing{reason}`, `drover_store_failures_total{reason}`).
 *
 *   ok ──write fails (full | unavailable)──▶ failing(reason) ──a write succeeds──▶ ok
 */
export type StoreCondition =
  | { readonly kind: 'ok' }
  | { readonly kind: 'failing'; readonly reason: StoreFailure; readonly sinceMs: number };

export interface StoreHealthEvents {
  /** Called on each change, to log it once. */
  readonly onChange: (next: StoreCondition, err?: unknown) => void;
}

export class StoreHealth {
  #condition: StoreCondition = { kind: 'ok' };
  readonly #failures = new Map<StoreFailure, number>([
    ['full', 0],
    ['unavailable', 0],
  ]);

  constructor(
    private readonly clock: () => number,
    private readonly events: StoreHealthEvents,
  ) {}

  get condition(): StoreCondition {
    return this.#condition;
  }

  /** A store call failed: a failure of the store's condition makes it failing. */
  failed(err: unknown): void {
    const reason = classifyStoreError(err);
    if (reason === undefined) return;
    this.#failures.set(reason, (this.#failures.get(reason) ?? 0) + 1);
    if (this.#condition.kind === 'failing' && this.#condition.reason === reason) return;
    this.#condition = { kind: 'failing', reason, sinceMs: this.clock() };
    this.events.onChange(this.#condition, err);
  }

  /** A write succeeded: the store takes writes again. */
  wrote(): void {
    if (this.#condition.kind === 'ok') return;
    this.#condition = { kind: 'ok' };
    this.events.onChange(this.#condition);
  }

  /** Its series, in the coordinator's registry. */
  register(registry: Registry): void {
    const condition = () => this.#condition;
    const failures = this.#failures;
    new Gauge({
      name: 'drover_store_failing',
      help: 'Whether the store refuses writes now (1), by reason: full (no disk), unavailable',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        const now = condition();
        for (const reason of failures.keys()) {
          this.set({ reason }, now.kind === 'failing' && now.reason === reason ? 1 : 0);
        }
      },
    });
    new Counter({
      name: 'drover_store_failures_total',
      help: 'Store calls that failed for want of disk (full) or of the store (unavailable)',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of failures) this.inc({ reason }, n);
      },
    });
  }
}

/**
 * The calls whose success proves a write went through (a row inserted, output appended): only
 * these say the store takes writes again. Others may succeed without writing a page (an update
 * whose condition matched nothing, a prune or claim with nothing to do) even on a full disk.
 */
const WROTE: ReadonlyMap<string, (result: unknown) => boolean> = new Map([
  ['insertTask', (r: unknown) => (r as { inserted?: unknown }).inserted === true],
  ['insertTasks', (r: unknown) => (r as { inserted?: unknown }[]).some((o) => o.inserted === true)],
  ['appendOutput', (r: unknown) => (r as { kind?: unknown }).kind === 'appended'],
  ['upsertBot', () => true],
  ['appendBotEvent', () => true],
]);

/**
 * The store as the coordinator uses it, with every call's outcome told to `health`: any failure
 * is classified; a call that certainly wrote (WROTE) clears the failing condition. Methods and
 * getters run on the store itself, never on the proxy (they use private fields: `changes` of
 * PostgreSQL).
 */
export function watchStore(store: Store, health: StoreHealth): Store {
  /** Each method's wrapper, made at its first use (a store call is on every hot path). */
  const wrappers = new Map<string, { of: unknown; call: unknown }>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || prop === 'close') return value.bind(target) as unknown;
      const made = wrappers.get(prop);
      if (made?.of === value) return made.call;
      const wrote = WROTE.get(prop);
      const call = (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          health.failed(err);
          throw err;
        }
        if (result instanceof Promise) {
          return result.then(
            (v: unknown) => {
              if (wrote?.(v) === true) health.wrote();
              return v;
            },
            (err: unknown) => {
              health.failed(err);
              throw err;
            },
          );
        }
        return result;
      };
      wrappers.set(prop, { of: value, call });
      return call;
    },
  });
}
