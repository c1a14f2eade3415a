import type { TaskTransition } from '../engine/task-engine';
import {
  isFinalState,
  taskPoolOf,
  type FleetRange,
  type FleetSampleRow,
  type Store,
} from '@drover/state';
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

/** A sample as the store keeps it (FleetStore): its pools as JSON text. */
export function sampleToRow(range: FleetRange, sample: FleetSample): FleetSampleRow {
  return { range, atMs: sample.atMs, pools: JSON.stringify(sample.pools) };
}

/** A stored sample; undefined when its pools are not what sampleToRow writes. */
export function sampleFromRow(row: FleetSampleRow): FleetSample | undefined {
  let pools: unknown;
  try {
    pools = JSON.parse(row.pools);
  } catch {
    return undefined;
  }
  if (!Array.isArray(pools)) return undefined;
  const ok = pools.every(
    (p: Record<string, unknown>) =>
      typeof p === 'object' &&
      p !== null &&
      typeof p['pool'] === 'string' &&
      ['pending', 'busy', 'idle', 'dead', 'startedPerMin', 'endedPerMin'].every(
        (k) => typeof p[k] === 'number',
      ),
  );
  return ok ? { atMs: row.atMs, pools: pools as PoolSample[] } : undefined;
}

/**
 * Fleet and queue over time: the hour at the sampling interval (10 s by default) and the day at
 * 5 min, each a bounded ring. Pure: the caller passes the time and the counts (`record`) and the
 * task starts and ends (`taskStarted`, `taskEnded`), stores what `record` and `takeClosedDays`
 * give (FleetSampler keeps them in the store) and gives them back at start (`restore`).
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
  /** Day samples made since takeClosedDays was last called. */
  #closedDays: FleetSample[] = [];

  constructor(sampleMs = 10_000) {
    if (!(sampleMs > 0)) throw new Error('sampleMs must be > 0');
    this.sampleMs = sampleMs;
    this.#hour = new Ring(Math.min(MAX_HOUR_SAMPLES, Math.ceil(HOUR_MS / sampleMs)));
  }

  /** How many hour samples are kept (the hour at the sampling interval, at most 3600). */
  get hourCapacity(): number {
    return this.#hour.capacity;
  }

  /**
   * Puts back samples kept from before a restart (each range oldest first), before any `record`:
   * the rings, the pools seen and the day's open 5-minute window (the hour samples after the
   * last day sample). The throughput after a restart counts from the first new sample.
   */
  restore(hour: readonly FleetSample[], day: readonly FleetSample[]): void {
    for (const s of day) this.#day.push(s);
    for (const s of hour) this.#hour.push(s);
    for (const s of [...day, ...hour]) for (const p of s.pools) this.#pools.add(p.pool);
    const last = hour.at(-1);
    if (last === undefined) return;
    const start = Math.floor(last.atMs / DAY_STEP_MS) * DAY_STEP_MS;
    if (start > (day.at(-1)?.atMs ?? -Infinity)) {
      this.#windowStartMs = start;
      this.#window = hour.filter((s) => s.atMs >= start);
    }
  }

  /** The day samples made since the last call (a 5-minute window closed), oldest first. */
  takeClosedDays(): FleetSample[] {
    const closed = this.#closedDays;
    this.#closedDays = [];
    return closed;
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
      if (this.#window.length > 0) {
        const day = mean(this.#windowStartMs, this.#window);
        this.#day.push(day);
        this.#closedDays.push(day);
      }
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
  /** The bots, and where the samples are kept across restarts (FleetStore). */
  readonly store: Pick<Store, 'listBots' | 'putFleetSample' | 'listFleetSamples'>;
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
 * transitions. Each sample (and each closed 5-minute day sample) is kept in the store, rows older
 * than their range pruned as it goes, and read back at start: a restart keeps the hour and day.
 */
export class FleetSampler {
  readonly history: FleetHistory;
  readonly #deps: FleetSamplerDeps;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sampling = false;
  /** The samples kept from before this start, put back once (start); samples wait for it. */
  #restored: Promise<void> | undefined;
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
    this.#restored ??= this.#restore().catch((err: unknown) => this.#deps.onError?.(err));
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

  async #restore(): Promise<void> {
    const { store, clock } = this.#deps;
    const nowMs = clock();
    const read = async (range: FleetRange, spanMs: number, limit: number) =>
      (await store.listFleetSamples(range, nowMs - spanMs, limit)).flatMap(
        (row) => sampleFromRow(row) ?? [],
      );
    const hour = await read('hour', HOUR_MS, this.history.hourCapacity);
    const day = await read('day', DAY_MS, DAY_MS / DAY_STEP_MS);
    this.history.restore(hour, day);
  }

  /** Takes one sample now (the timer's job; tests call it) and keeps it in the store. */
  async sampleNow(): Promise<FleetSample | undefined> {
    if (this.#sampling) return undefined;
    this.#sampling = true;
    try {
      await this.#restored;
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
      const sample = this.history.record(nowMs, counts);
      // Rows past what the rings hold are pruned: each range keeps a bounded number of rows.
      const hourSpanMs = Math.min(HOUR_MS, this.history.hourCapacity * this.history.sampleMs);
      await d.store.putFleetSample(sampleToRow('hour', sample), nowMs - hourSpanMs);
      for (const day of this.history.takeClosedDays()) {
        await d.store.putFleetSample(sampleToRow('day', day), nowMs - DAY_MS);
      }
      return sample;
    } finally {
      this.#sampling = false;
    }
  }
}
