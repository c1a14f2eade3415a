import type { NewTaskResponseOut, TaskResultOut, TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskTransition } from '../../src/engine/task-engine';
import type { RunningCoordinator } from '../../src/index';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
  waitForEvent,
} from '../harness';

/**
 * A payload the bot's kernel will not start ends CLIENT_ERROR with the reason in its
 * summary — never COMPLETED with a shell's 126/127. (A command line too long for exec cannot
 * reach a bot: the coordinator refuses it at submit, field-limits.test.ts; the bot's own answer
 * to E2BIG is in apps/bot/test/runner.test.ts.)
 */

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let stub: TasksClient;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  token = readToken(dir.path, 'client');
  stub = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'spawn-bot', ['--pool', 'default']);
}, 30_000);

afterAll(async () => {
  await stopProcess(bot);
  stub.close();
  await coord.close();
  dir.remove();
});

async function runToEnd(command: string[]): Promise<TaskResultOut> {
  let id = '';
  const ended = waitForEvent<TaskTransition>(
    coord.engine.events,
    'transition',
    (t) => t.task.id === id && t.task.state !== 'PENDING' && t.task.state !== 'RUNNING',
    20_000,
  );
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          task_slices: [
            { properties: { command, dimensions: [{ key: 'pool', value: 'default' }] } },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  id = res.task_id;
  await ended;
  return call<TaskResultOut>((md, cb) => stub.GetResult({ task_id: id }, md, cb), bearer(token));
}

describe('a payload the bot cannot start', () => {
  it('ends CLIENT_ERROR when its program does not exist (ENOENT)', async () => {
    const r = await runToEnd(['/nonexistent/drover-no-such-program', 'x']);
    expect(r.state).toBe('CLIENT_ERROR');
    expect(r.summary).toMatch(/cannot run "\/nonexistent\/drover-no-such-program".*\(ENOENT\)/);
    expect(r.exit_code ?? null).toBeNull();
  });

  it('ends CLIENT_ERROR when its program is not executable (EACCES)', async () => {
    const script = join(dir.path, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const r = await runToEnd([script]);
    expect(r.state).toBe('CLIENT_ERROR');
    expect(r.summary).toMatch(/cannot run ".*not-executable\.sh": permission denied.*\(EACCES\)/);
    expect(r.exit_code ?? null).toBeNull();
  });

  it('still COMPLETES a program that runs and fails (exit 127 of its own is its business)', async () => {
    const r = await runToEnd(['sh', '-c', 'exit 127']);
    expect(r.state).toBe('COMPLETED');
    expect(r.exit_code).toBe(127);
  });
});
