import { UsageError } from './scenario';

/** Which store the coordinators of a run use, and how many replicas share it. */
export interface StoreChoice {
  readonly kind: 'sqlite' | 'postgres';
  /** Coordinator processes; more than one only on PostgreSQL. */
  readonly replicas: number;
}

export const SQLITE_ONE: StoreChoice = { kind: 'sqlite', replicas: 1 };

/** `--store sqlite|postgres` (sqlite) and `--replicas N` (1; N > 1 needs postgres). */
export function storeChoice(options: Readonly<Record<string, string>>): StoreChoice {
  const kind = options['store'] ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new UsageError(`--store: must be sqlite or postgres, got ${JSON.stringify(kind)}`);
  }
  const raw = options['replicas'] ?? '1';
  const replicas = Number(raw);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
    throw new UsageError(`--replicas: must be a whole number from 1 to 16, got ${raw}`);
  }
  if (replicas > 1 && kind !== 'postgres') {
    throw new UsageError(
      `--replicas ${replicas} needs --store postgres: replicas share one PostgreSQL database (SQLite is one coordinator's own file)`,
    );
  }
  return { kind, replicas };
}

/**
 * The result file's name: the scenario's for SQLite (as before), else with store and replicas,
 * e.g. `lifecycle-postgres-r3`, so that runs with different stores do not overwrite each other.
 */
export function storeResultName(scenario: string, choice: StoreChoice): string {
  return choice.kind === 'sqlite' ? scenario : `${scenario}-${choice.kind}-r${choice.replicas}`;
}

/** How the store is described in a result file's parameters. */
export function storeDescription(choice: StoreChoice): string {
  return choice.kind === 'sqlite'
    ? 'SQLite (WAL, synchronous=NORMAL) in a temp dir'
    : `PostgreSQL on 127.0.0.1, a fresh schema drover_bench_<random> dropped at the end, ${choice.replicas} coordinator replica(s), each its own process, changes exchanged by LISTEN/NOTIFY`;
}
