// Shared by the parent/child, webhook and WatchTasks tests: a coordinator whose tokens
// file grants roles per pool, a real bot process on pool `default`, and waits with deadlines.
import type { ServiceError } from '@grpc/grpc-js';
import type {
  NewTaskRequest,
  NewTaskResponseOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import type { StoredTaskState, Task } from '@drover/state';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, type CoordinatorOptions, type RunningCoordinator } from '../../src/index';
import type { TaskTransition } from '../../src/engine/task-engine';
import {
  bearer,
  call,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
  waitForEvent,
} from '../harness';

export const TOKENS = {
  admin: 'drv_test_links_admin',
  /** view + submit + cancel in pool b only. */
  poolB: 'drv_test_links_pool_b',
  /** submit in pool c, view nowhere. */
  blind: 'drv_test_links_blind',
  bot: 'drv_test_links_bot',
} as const;

const TOKENS_YAML = `version: 2
principals:
  - { name: admin, sha256: ${hashToken(TOKENS.admin)}, admin: true }
  - { name: pool-b, sha256: ${hashToken(TOKENS.poolB)}, roles: { b: [view, submit, cancel] } }
  - { name: blind, sha256: ${hashToken(TOKENS.blind)}, roles: { c: [submit] } }
botGroups:
  - { name: bots, sha256: ${hashToken(TOKENS.bot)}, botIds: ['*'] }
`;

export interface LinksWorld {
  readonly dir: ReturnType<typeof tempDir>;
  readonly coord: RunningCoordinator;
  readonly stub: TasksClient;
  readonly bot: ChildProcess | undefined;
  close(): Promise<void>;
}

/** A coordinator with the roles above, and (unless `bot` is false) a real bot on pool default. */
export async function startLinksWorld(
  options: CoordinatorOptions = {},
  bot = true,
): Promise<LinksWorld> {
  const dir = tempDir('drover-links-');
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  writeFileSync(join(dir.path, 'bot.token'), `${TOKENS.bot}\n`, { mode: 0o600 });
  const coord = await startTestCoordinator(dir.path, { tokensFile, ...options });
  const stub = tasksStub(coord.grpcAddress);
  const child = bot ? await startBotProcess(coord, dir.path, 'links-bot') : undefined;
  return {
    dir,
    coord,
    stub,
    bot: child,
    async close() {
      await stopProcess(child);
      stub.close();
      await coord.close();
      dir.remove();
    },
  };
}

/** A one-slice request: `command` on pool `pool`; a pool without bots waits for capacity. */
export function taskRequest(
  command: string[],
  over: Partial<NewTaskRequest> & { pool?: string } = {},
): NewTaskRequest {
  const { pool = 'default', ...rest } = over;
  return {
    name: 'links',
    task_slices: [
      {
        properties: { command, dimensions: [{ key: 'pool', value: pool }] },
        wait_for_capacity: pool !== 'default',
      },
    ],
    ...rest,
  };
}

export function newTask(
  world: LinksWorld,
  request: NewTaskRequest,
  token: string = TOKENS.admin,
): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => world.stub.NewTask(request, md, cb), bearer(token));
}

export function getResult(world: LinksWorld, taskId: string): Promise<TaskResultOut> {
  return call<TaskResultOut>(
    (md, cb) => world.stub.GetResult({ task_id: taskId }, md, cb),
    bearer(TOKENS.admin),
  );
}

/** The status a call failed with (its code name and details); throws when it succeeded. */
export async function failure(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded');
}

/** Resolves with the task once it is in `state` (now or by a later transition). */
export async function waitForState(
  coord: RunningCoordinator,
  taskId: string,
  state: StoredTaskState,
  deadlineMs = 20_000,
): Promise<Task> {
  const seen = waitForEvent<TaskTransition>(
    coord.engine.events,
    'transition',
    (t) => t.task.id === taskId && t.task.state === state,
    deadlineMs,
  );
  const now = await coord.store.getTask(taskId);
  if (now?.state === state) {
    seen.catch(() => {});
    return now;
  }
  return (await seen).task;
}

/** Resolves once `pred()` holds, checking every 10 ms; rejects at the deadline. */
export async function waitUntil(pred: () => boolean, what: string, deadlineMs = 10_000) {
  const deadline = Date.now() + deadlineMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
