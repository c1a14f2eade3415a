import { createDroverClient, type DroverClient, type TaskResultOut } from '@drover/client';
import { join } from 'node:path';
import { benchTaskRequest } from '../clients/tasks-client';
import type { CoordinatorChild } from './coordinator-child';
import type { CoordinatorSettings } from './coordinator-ipc';
import { startReplicaSet, type ReplicaSet } from './coordinator-replicas';
import { startRealBot, type RealBot } from './real-bot';
import type { ScenarioContext } from './scenario';
import { SQLITE_ONE, type StoreChoice } from './store-choice';

export const BENCH_POOL = 'bench';

/**
 * Coordinators in child processes (one on SQLite, or N replicas on PostgreSQL), real bots beside
 * them (bot i on replica i % N), and a client with the client token on each replica.
 */
export interface DroverRig {
  /** Replica 0. */
  readonly coordinator: CoordinatorChild;
  /** A client of replica 0. */
  readonly client: DroverClient;
  /** Client i talks to replica i. */
  readonly clients: readonly DroverClient[];
  readonly set: ReplicaSet;
  readonly tokens: { readonly client: string; readonly bot: string };
  readonly dataDir: string;
  readonly bots: readonly RealBot[];
  /** Stops the bots, the clients and the coordinators, drops the schema, removes the data dir. */
  close(): Promise<void>;
}

export interface DroverRigOptions {
  /** Real drover-bot processes in pool `bench`, ids `bench-bot-<i>`, on replica i % N. */
  readonly realBots: number;
  /** @default SQLite, one coordinator */
  readonly store?: StoreChoice;
  readonly settings?: CoordinatorSettings;
  readonly execArgv?: readonly string[];
  /** Node flags for the real bots. */
  readonly botExecArgv?: readonly string[];
  /** More drover-bot flags for the real bots. */
  readonly botArgs?: readonly string[];
  /**
   * The checkout the real bots run from (its apps/bot/bin/drover-bot.js), e.g. a worktree of an
   * earlier commit for an A/B run (`--bot-root`). @default the bench's own
   */
  readonly botRoot?: string;
}

/** The replica `bench-bot-<i>` is connected to. */
export function botReplica(botId: string, replicas: number): number {
  const i = Number(/^bench-bot-(\d+)$/.exec(botId)?.[1] ?? NaN);
  return Number.isInteger(i) ? i % replicas : -1;
}

/** Starts the rig; resolves once every real bot has run one task (connected, warm). */
export async function startDroverRig(
  ctx: ScenarioContext,
  o: DroverRigOptions,
): Promise<DroverRig> {
  const set = await startReplicaSet(ctx, {
    store: o.store ?? SQLITE_ONE,
    ...(o.settings ? { settings: o.settings } : {}),
    ...(o.execArgv ? { execArgv: o.execArgv } : {}),
  });
  const { tokens, dataDir } = set;
  const clients = set.replicas.map((r) =>
    createDroverClient({ server: r.grpcAddress, token: tokens.client }),
  );
  const bots: RealBot[] = [];
  let closing: Promise<void> | undefined;
  const rig: DroverRig = {
    coordinator: set.replicas[0]!,
    client: clients[0]!,
    clients,
    set,
    tokens,
    dataDir,
    bots,
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled(bots.map((b) => b.stop()));
        for (const c of clients) c.close();
        await set.close();
      })()),
  };
  try {
    for (let i = 0; i < o.realBots; i++) {
      bots.push(
        startRealBot({
          root: o.botRoot ?? ctx.root,
          address: set.address(i),
          token: tokens.bot,
          dataDir: join(dataDir, 'bot-data'),
          botId: `bench-bot-${i}`,
          pool: BENCH_POOL,
          ...(o.botExecArgv ? { execArgv: o.botExecArgv } : {}),
          ...(o.botArgs ? { args: o.botArgs } : {}),
        }),
      );
    }
    // One task pinned to each bot, submitted on its replica: it is connected and has run a
    // payload once.
    await Promise.all(
      bots.map(async (bot, i) => {
        const client = clients[i % clients.length]!;
        const { task_id } = await client.newTask(
          benchTaskRequest({ pool: BENCH_POOL, id: bot.botId }),
          { deadlineMs: 30_000, signal: ctx.signal },
        );
        const result = await waitFinal(client, task_id, 60_000, ctx.signal);
        if (result.state !== 'COMPLETED') {
          throw new Error(`warm-up task on ${bot.botId} ended ${String(result.state)}`);
        }
      }),
    );
    return rig;
  } catch (err) {
    await rig.close();
    throw err;
  }
}

/** Follows WaitTask to the task's final result. */
export async function waitFinal(
  client: DroverClient,
  taskId: string,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<TaskResultOut> {
  let last: TaskResultOut | undefined;
  for await (const result of client.waitTask(taskId, {
    deadlineMs,
    ...(signal ? { signal } : {}),
  })) {
    last = result;
  }
  if (last === undefined) throw new Error(`WaitTask ${taskId}: no result`);
  return last;
}

/**
 * `--cpu-prof[=dir]` → node flags writing a V8 CPU profile into dir (default bench/results/profiles, gitignored)
 * when the process ends; read it with `node tools/bench/bin/profile-top.js <file>`.
 */
export function cpuProfArgs(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return ['--cpu-prof', `--cpu-prof-dir=${value === '1' ? 'bench/results/profiles' : value}`];
}
