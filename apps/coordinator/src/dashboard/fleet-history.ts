import type { TaskTransition } from '../engine/task-engine';
import { isFinalState, taskPoolOf, type Store } from '@drover/state';
import { countBotsByStatus, type BotLiveView } from '../metrics/bot-status';
import { poolLabel } from '../metrics/pool-label';

/** One pool at one sample: the numbers of `/metrics` and the throughput since the last sample. */
export interface PoolSample {
  /** The pool as `/metrics` labels it ('(none)' = no pool dimension). */
  readonly pool: string;
  readonly pending: number;
  readonly busy: number;
  readonly idle: number;
  readonly dead: number;
  /** Tasks that started running (PENDING → RUNNING) in this pool, per minute. */
  readonly startedPerMin: number;
  /** Tasks that reached a final state in this pool, per minute. */
  readonly endedPerMin: number;
}

export interface FleetSample {
  readonly atMs: number;
  readonly pools: readonly PoolSample[];
}

/** A bounded ring: the newest `capacity` items, oldest first. */
export class Ring<T> {
  readonly #items: T[] = [];
  #head = 0;
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error('a ring holds at least one item');
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % this.capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  toArray(): T[] {
    return [...this.#items.slice(this.#head), ...this.#items.slice(0, this.#head)];
  }
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The step of the day's ring. */
export const DAY_STEP_MS = 300_000;
/** The hour ring holds at most this many samples, whatever the sampling interval. */
const MAX_HOUR_SAMPLES = 3600;

interface Counts {
  pending: number;
  busy: number;
  idle: number;
  dead: number;
}

/**
 * Fleet and queue over time, in memory (a restart starts it empty): the hour at the sampling
 * interval (10 s by default) and the day at 5 min, each a bounded ring. Pure: the caller passes
 * the time and the counts (`record`) and the task starts and ends (`taskStarted`, `taskEnded`).
 * A day sample is the mean of the hour samples in its 5 minutes (gauges) and their throughput.
 */
export class FleetHistory {
  readonly sampleMs: number;
  readonly #hour: Ring<FleetSample>;
  readonly #day = new Ring<FleetSample>(DAY_MS / DAY_STEP_MS);
  readonly #started = new Map<string, number>();
  readonly #ended = new Map<string, number>();
  /** Every pool seen, so that a pool emptied still shows zeros. */
  readonly #pools = new Set<string>();
  #lastAtMs: number | undefined;
  /** The hour samples of the current 5-minute window of the day ring. */
  #window: FleetSample[] = [];
  #windowStartMs: number | undefined;

  constructor(sampleMs = 10_000) {
    if (!(sampleMs > 0)) throw new Error('sampleMs must be > 0');
    this.sampleMs = sampleMs;
    this.#hour = new Ring(Math.min(MAX_HOUR_SAMPLES, Math.ceil(HOUR_MS / sampleMs)));
  }

  taskStarted(pool: string): void {
    this.#started.set(pool, (this.#started.get(pool) ?? 0) + 1);
  }

  taskEnded(pool: string): void {
    this.#ended.set(pool, (this.#ended.get(pool) ?? 0) + 1);
  }

  /** One sample at `atMs`: the gauges per pool, with the starts and ends counted since the last. */
  record(atMs: number, counts: ReadonlyMap<string, Counts>): FleetSample {
    for (const pool of counts.keys()) this.#pools.add(pool);
    for (const pool of this.#started.keys()) this.#pools.add(pool);
    for (const pool of this.#ended.keys()) this.#pools.add(pool);
    const spanMs = Math.max(1, atMs - (this.#lastAtMs ?? atMs - this.sampleMs));
    const perMin = (n: number) => round2((n * 60_000) / spanMs);
    const pools = [...this.#pools].sort().map((pool): PoolSample => {
      const c = counts.get(pool);
      return {
        pool,
        pending: c?.pending ?? 0,
        busy: c?.busy ?? 0,
        idle: c?.idle ?? 0,
        dead: c?.dead ?? 0,
        startedPerMin: perMin(this.#started.get(pool) ?? 0),
        endedPerMin: perMin(this.#ended.get(pool) ?? 0),
      };
    });
    this.#started.clear();
    this.#ended.clear();
    this.#lastAtMs = atMs;
    const sample = { atMs, pools };
    this.#hour.push(sample);
    this.#addToDay(sample);
    return sample;
  }

  /** The samples of the last hour or day, oldest first (the day's current window included). */
  samples(range: 'hour' | 'day', nowMs: number): FleetSample[] {
    if (range === 'hour') return this.#hour.toArray().filter((s) => s.atMs > nowMs - HOUR_MS);
    const open = this.#window.length > 0 ? [mean(this.#windowStartMs ?? 0, this.#window)] : [];
    return [...this.#day.toArray(), ...open].filter((s) => s.atMs > nowMs - DAY_MS);
  }

  #addToDay(sample: FleetSample): void {
    const start = Math.floor(sample.atMs / DAY_STEP_MS) * DAY_STEP_MS;
    if (this.#windowStartMs !== undefined && start !== this.#windowStartMs) {
      if (this.#window.length > 0) this.#day.push(mean(this.#windowStartMs, this.#window));
      this.#window = [];
    }
    this.#windowStartMs = start;
    this.#window.push(sample);
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The mean of samples, each pool averaged over the samples (a pool absent counts as zeros). */
function mean(atMs: number, samples: readonly FleetSample[]): FleetSample {
  const sums = new Map<string, PoolSample>();
  for (const s of samples) {
    for (const p of s.pools) {
      const o = sums.get(p.pool);
      sums.set(
        p.pool,
        o === undefined
          ? p
          : {
              pool: p.pool,
              pending: o.pending + p.pending,
              busy: o.busy + p.busy,
              idle: o.idle + p.idle,
              dead: o.dead + p.dead,
              startedPerMin: o.startedPerMin + p.startedPerMin,
              endedPerMin: o.endedPerMin + p.endedPerMin,
            },
      );
    }
  }
  const n = samples.length;
  const pools = [...sums.values()]
    .sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0))
    .map((p) => ({
      pool: p.pool,
      pending: round2(p.pending / n),
      busy: round2(p.busy / n),
      idle: round2(p.idle / n),
      dead: round2(p.dead / n),
      startedPerMin: round2(p.startedPerMin / n),
      endedPerMin: round2(p.endedPerMin / n),
    }));
  return { atMs, pools };
}

export interface FleetSamplerDeps {
  readonly store: Pick<Store, 'listBots'>;
  readonly engine: {
    readonly events: {
      on(event: 'transition', fn: (t: TaskTransition) => void): unknown;
      off(event: 'transition', fn: (t: TaskTransition) => void): unknown;
    };
  };
  /** The pending series of `/metrics` (CoordinatorMetrics.pendingByPool). */
  readonly pendingByPool: () => ReadonlyArray<{ pool: string; count: number }>;
  readonly live: BotLiveView;
  readonly clock: () => number;
  readonly botDeathTimeoutMs: number;
  /** @default 10_000 */
  readonly sampleMs?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * Samples the fleet every `sampleMs` into a FleetHistory: pending tasks as `drover_tasks_pending`
 * counts them, bots as `drover_bots` does (countBotsByStatus), starts and ends from the engine's
 * transitions.
 */
export class FleetSampler {
  readonly history: FleetHistory;
  readonly #deps: FleetSamplerDeps;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sampling = false;
  readonly #onTransition = ({ task, from }: TaskTransition) => {
    const pool = poolLabel(taskPoolOf(task.spec));
    if (from === 'PENDING' && task.state === 'RUNNING') this.history.taskStarted(pool);
    if (from !== undefined && !isFinalState(from) && isFinalState(task.state)) {
      this.history.taskEnded(pool);
    }
  };

  constructor(deps: FleetSamplerDeps) {
    this.#deps = deps;
    this.history = new FleetHistory(deps.sampleMs ?? 10_000);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#deps.engine.events.on('transition', this.#onTransition);
    this.#timer = setInterval(() => {
      this.sampleNow().catch((err: unknown) => this.#deps.onError?.(err));
    }, this.history.sampleMs);
    this.#timer.unref?.();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#deps.engine.events.off('transition', this.#onTransition);
  }

  /** Takes one sample now (the timer's job; tests call it). */
  async sampleNow(): Promise<FleetSample | undefined> {
    if (this.#sampling) return undefined;
    this.#sampling = true;
    try {
      const d = this.#deps;
      const bots = await d.store.listBots();
      const nowMs = d.clock();
      const counts = new Map<string, Counts>();
      const get = (pool: string) => {
        let c = counts.get(pool);
        if (c === undefined) counts.set(pool, (c = { pending: 0, busy: 0, idle: 0, dead: 0 }));
        return c;
      };
      for (const p of d.pendingByPool()) get(poolLabel(p.pool)).pending += p.count;
      for (const [pool, b] of countBotsByStatus(bots, d.live, nowMs, d.botDeathTimeoutMs)) {
        const c = get(pool);
        c.busy = b.busy;
        c.idle = b.idle;
        c.dead = b.dead;
      }
      return this.history.record(nowMs, counts);
    } finally {
      this.#sampling = false;
    }
  }
}
