/** One benchmark (DESIGN.md §8): `npm run bench -- <name>` runs it. */
export interface Scenario {
  /** kebab-case; also the name of its result file, bench/results/<name>.json. */
  readonly name: string;
  /** One line for `npm run bench -- --list`. */
  readonly description: string;
  run(ctx: ScenarioContext): Promise<ScenarioReport>;
  /** Checks the options before anything starts; throws a UsageError (exit 2) when they are wrong. */
  readonly checkOptions?: (options: Readonly<Record<string, string>>) => void;
  /** The result file's name when it depends on the options (default: `name`). */
  readonly resultName?: (options: Readonly<Record<string, string>>) => string;
  /** Why the scenario cannot run here (printed as one line, not a failure), or undefined. */
  readonly skip?: (options: Readonly<Record<string, string>>) => Promise<string | undefined>;
}

/** Wrong options: `npm run bench` prints the message and exits 2 before running anything. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ScenarioContext {
  /** The repository root. */
  readonly root: string;
  /** `--key=value` flags from the command line, for scaling a scenario down while developing. */
  readonly options: Readonly<Record<string, string>>;
  /** Progress for people (stderr); the result goes to the table and the JSON file. */
  progress(message: string): void;
  /** Aborted on Ctrl-C or when the scenario overruns its budget. */
  readonly signal: AbortSignal;
}

/** Spread of one percentile over the rounds: the median round, and the lowest and highest. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** A latency (or any distribution) measured over several rounds. */
export interface Figure {
  readonly name: string;
  readonly unit: 'ns' | 'µs' | 'ms';
  readonly rounds: number;
  /** Samples per round (the smallest round, when they differ). */
  readonly samplesPerRound: number;
  readonly p50: Spread;
  readonly p90: Spread;
  readonly p99: Spread;
  readonly max: Spread;
}

/** A single measurement: a start-up time, a memory size, a rate. */
export interface Value {
  readonly name: string;
  /** With `rounds`: the median over the rounds. */
  readonly value: number;
  readonly unit: string;
  /** When measured over several rounds: their lowest and highest. */
  readonly rounds?: { readonly count: number; readonly min: number; readonly max: number };
}

export interface ScenarioReport {
  /** What the run was asked to do (sizes, rounds), as written to the result file. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly figures: readonly Figure[];
  readonly values: readonly Value[];
  /** Findings worth reading beside the numbers. */
  readonly notes: readonly string[];
}

/** Reads a numeric `--key=value` option with a default. */
export function numberOption(ctx: ScenarioContext, key: string, fallback: number): number {
  const raw = ctx.options[key];
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${key}: must be a number ≥ 0, got ${raw}`);
  return n;
}
