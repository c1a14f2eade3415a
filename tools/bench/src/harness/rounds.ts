import type { Figure, Spread, Value } from './scenario';

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of one round's samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) throw new Error('percentiles of no samples');
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

export interface RoundsOptions {
  readonly rounds: number;
  /** Rounds run first and thrown away (JIT, caches, connection set-up). @default 1 */
  readonly warmupRounds?: number;
  readonly signal?: AbortSignal;
}

/**
 * Runs `round` warm-up + measured times (index < 0 for a warm-up); each call returns that round's
 * samples. The samples of the measured rounds come back in order.
 */
export async function runRounds<T = number[]>(
  options: RoundsOptions,
  round: (index: number) => Promise<T> | T,
): Promise<T[]> {
  const warmup = options.warmupRounds ?? 1;
  const measured: T[] = [];
  for (let i = 0; i < warmup + options.rounds; i++) {
    options.signal?.throwIfAborted();
    const samples = await round(i - warmup);
    if (i >= warmup) measured.push(samples);
  }
  return measured;
}

/** A figure from per-round samples: each percentile's median over the rounds, with min–max. */
export function figure(name: string, unit: Figure['unit'], rounds: readonly number[][]): Figure {
  return figureOfPercentiles(
    name,
    unit,
    rounds.map(percentiles),
    Math.min(...rounds.map((r) => r.length)),
  );
}

/**
 * The per-round difference `a − b` at each percentile (e.g. Drover's submit → payload start minus
 * a plain spawn → payload start, measured in the same rounds): an overhead, as a figure.
 */
export function differenceFigure(
  name: string,
  unit: Figure['unit'],
  a: readonly number[][],
  b: readonly number[][],
): Figure {
  if (a.length !== b.length) throw new Error('differenceFigure: rounds differ');
  const per = a.map((round, i): Percentiles => {
    const pa = percentiles(round);
    const pb = percentiles(b[i]!);
    return {
      p50: pa.p50 - pb.p50,
      p90: pa.p90 - pb.p90,
      p99: pa.p99 - pb.p99,
      max: pa.max - pb.max,
    };
  });
  return figureOfPercentiles(name, unit, per, Math.min(...a.map((r) => r.length)));
}

function figureOfPercentiles(
  name: string,
  unit: Figure['unit'],
  per: readonly Percentiles[],
  samplesPerRound: number,
): Figure {
  const spread = (pick: (p: Percentiles) => number): Spread => {
    const values = per.map(pick).sort((x, y) => x - y);
    return { median: median(values), min: values[0]!, max: values[values.length - 1]! };
  };
  return {
    name,
    unit,
    rounds: per.length,
    samplesPerRound,
    p50: spread((p) => p.p50),
    p90: spread((p) => p.p90),
    p99: spread((p) => p.p99),
    max: spread((p) => p.max),
  };
}

/** The median of some values (not sorted), with min and max: a rate measured over rounds. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((x, y) => x - y);
  return { median: median(sorted), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nanoseconds on the monotonic clock, as a number (exact below 2^53 ns ≈ 104 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Converts nanosecond samples in place to the unit of a figure. */
export function fromNs(samples: number[], unit: Figure['unit']): number[] {
  const div = unit === 'ns' ? 1 : unit === 'µs' ? 1e3 : 1e6;
  for (let i = 0; i < samples.length; i++) samples[i] = samples[i]! / div;
  return samples;
}

/** A value measured once per round (a rate): the median over the rounds, with min–max. */
export function roundsValue(name: string, unit: string, perRound: readonly number[]): Value {
  const s = spreadOf(perRound);
  return {
    name,
    unit,
    value: s.median,
    rounds: { count: perRound.length, min: s.min, max: s.max },
  };
}
