import { createDroverClient, type DroverClient, type TaskResultOut } from '@drover/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTaskRequest, readTokens } from '../clients/tasks-client';
import { spawnCoordinator, type CoordinatorChild } from './coordinator-child';
import type { CoordinatorSettings } from './coordinator-ipc';
import { startRealBot, type RealBot } from './real-bot';
import type { ScenarioContext } from './scenario';

export const BENCH_POOL = 'bench';

/** A coordinator in a child process, real bots beside it, and a client with the client token. */
export interface DroverRig {
  readonly coordinator: CoordinatorChild;
  readonly client: DroverClient;
  readonly tokens: { readonly client: string; readonly bot: string };
  readonly dataDir: string;
  readonly bots: readonly RealBot[];
  /** Stops the bots, the client and the coordinator, removes the data dir. Idempotent. */
  close(): Promise<void>;
}

export interface DroverRigOptions {
  /** Real drover-bot processes in pool `bench`, ids `bench-bot-<i>`. */
  readonly realBots: number;
  readonly settings?: CoordinatorSettings;
  readonly execArgv?: readonly string[];
  /** Node flags for the real bots. */
  readonly botExecArgv?: readonly string[];
}

/** Starts the rig; resolves once every real bot has run one task (connected, warm). */
export async function startDroverRig(
  ctx: ScenarioContext,
  o: DroverRigOptions,
): Promise<DroverRig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-'));
  const started = await spawnCoordinator({
    root: ctx.root,
    dataDir,
    startBudgetMs: 60_000,
    signal: ctx.signal,
    ...(o.settings ? { settings: o.settings } : {}),
    ...(o.execArgv ? { execArgv: o.execArgv } : {}),
  });
  if (started.kind === 'not-serving') {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the coordinator did not start: ${started.reason}: ${started.detail}`);
  }
  const coordinator = started.coordinator;
  const tokens = readTokens(dataDir);
  const client = createDroverClient({ server: coordinator.grpcAddress, token: tokens.client });
  const bots: RealBot[] = [];
  let closing: Promise<void> | undefined;
  const rig: DroverRig = {
    coordinator,
    client,
    tokens,
    dataDir,
    bots,
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled(bots.map((b) => b.stop()));
        client.close();
        await coordinator.stop();
        rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
  try {
    for (let i = 0; i < o.realBots; i++) {
      bots.push(
        startRealBot({
          root: ctx.root,
          address: coordinator.grpcAddress,
          token: tokens.bot,
          dataDir: join(dataDir, 'bot-data'),
          botId: `bench-bot-${i}`,
          pool: BENCH_POOL,
          ...(o.botExecArgv ? { execArgv: o.botExecArgv } : {}),
        }),
      );
    }
    // One task pinned to each bot: it is connected and has run a payload once.
    await Promise.all(
      bots.map(async (bot) => {
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
