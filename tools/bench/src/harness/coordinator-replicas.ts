import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokens } from '../clients/tasks-client';
import { spawnCoordinator, type CoordinatorChild } from './coordinator-child';
import type { CoordinatorSettings, CoordinatorStats } from './coordinator-ipc';
import { dropSchema, freshSchemaName, pgUnreachable, pgUrl } from './pg-schema';
import type { ScenarioContext } from './scenario';
import type { StoreChoice } from './store-choice';

/**
 * The coordinators of one run: one on SQLite in a temp dir, or N replicas (each its own child
 * process) on a fresh PostgreSQL schema. Replica 0 creates the tokens in its data dir; the others
 * read its tokens file.
 */
export interface ReplicaSet {
  readonly store: StoreChoice;
  readonly replicas: readonly CoordinatorChild[];
  readonly tokens: { readonly client: string; readonly bot: string };
  /** The run's temp dir (replica i's data dir is <dataDir>/r<i> on PostgreSQL). */
  readonly dataDir: string;
  /** The PostgreSQL schema, dropped by close(). */
  readonly schema: string | undefined;
  /** Replica `i % N`'s gRPC address. */
  address(i: number): string;
  /** Each replica's stats, in order. */
  stats(): Promise<CoordinatorStats[]>;
  /** Stops every replica, drops the schema, removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

export interface ReplicaSetOptions {
  readonly store: StoreChoice;
  readonly settings?: CoordinatorSettings;
  readonly execArgv?: readonly string[];
  /** Temp dir prefix. @default 'drover-bench-' */
  readonly prefix?: string;
}

export async function startReplicaSet(
  ctx: ScenarioContext,
  o: ReplicaSetOptions,
): Promise<ReplicaSet> {
  const url = pgUrl();
  if (o.store.kind === 'postgres') {
    const why = await pgUnreachable(url);
    if (why !== undefined) throw new Error(`PostgreSQL unreachable (DROVER_TEST_PG_URL): ${why}`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), o.prefix ?? 'drover-bench-'));
  const schema = o.store.kind === 'postgres' ? freshSchemaName() : undefined;
  // Slot i is replica i once it serves (they start concurrently).
  const slots: (CoordinatorChild | undefined)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.allSettled(slots.map((r) => r?.stop()));
      try {
        if (schema !== undefined) await dropSchema(url, schema);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    })());

  const start = async (i: number): Promise<CoordinatorChild> => {
    const dir = schema === undefined ? dataDir : join(dataDir, `r${i}`);
    const pgSettings: CoordinatorSettings =
      schema === undefined
        ? {}
        : {
            store: url,
            storeSchema: schema,
            ...(i > 0 ? { tokensFile: join(dataDir, 'r0', 'tokens.json') } : {}),
          };
    const started = await spawnCoordinator({
      root: ctx.root,
      dataDir: dir,
      startBudgetMs: 60_000,
      signal: ctx.signal,
      settings: { ...o.settings, ...pgSettings },
      ...(o.execArgv ? { execArgv: o.execArgv } : {}),
    });
    if (started.kind === 'not-serving') {
      throw new Error(
        `coordinator ${i} did not start: ${started.reason}: ${started.detail.split('\n')[0]}`,
      );
    }
    slots[i] = started.coordinator;
    return started.coordinator;
  };

  try {
    // Replica 0 first: it writes the tokens and migrates the schema; the rest together.
    await start(0);
    const rest = await Promise.allSettled(
      Array.from({ length: o.store.replicas - 1 }, (_, i) => start(i + 1)),
    );
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const replicas = slots as CoordinatorChild[];
    const tokens = readTokens(schema === undefined ? dataDir : join(dataDir, 'r0'));
    return {
      store: o.store,
      replicas,
      tokens,
      dataDir,
      schema,
      address: (i) => replicas[i % replicas.length]!.grpcAddress,
      stats: () => Promise.all(replicas.map((r) => r.stats())),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** User + system CPU time, ms. */
export const cpuMsOf = (s: CoordinatorStats): number => s.cpuUserMs + s.cpuSystemMs;
