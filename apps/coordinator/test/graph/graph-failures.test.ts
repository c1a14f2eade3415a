// How task outcomes end executions, and how attempts retry (DESIGN.md §5), over real gRPC.
import type { GraphClient } from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startTestCoordinator, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, ensure, graphStub, waitForAttempt } from './graph-harness';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: GraphClient;
let token: string;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = graphStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  await coord.close();
  dir.remove();
});

async function bot(id = 'graph-bot'): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  bots.push(b);
  b.hello(id);
  await b.next((m) => m.msg === 'welcome');
  return b;
}

async function oneAttempt(name: string, meta: Parameters<typeof desc>[1]) {
  const res = await ensure(
    stub,
    { quests: [desc(name, meta)], attempts: [{ quest: '0', id: 1 }] },
    token,
  );
  return { quest: res.quest_ids[0]!.id, attempt: 1 };
}

describe('task outcomes and retries', () => {
  it('retries an execution whose task completed without FinishAttempt twice under retry.failed = 2, then finishes abnormally FAILED', async () => {
    const b = await bot();
    const id = await oneAttempt('flaky', { as_account: '', retry: { failed: 2 }, timeouts: null });
    for (let n = 1; n <= 3; n++) {
      const payload = await Payload.next(b);
      expect(payload.id.id).toBe(n);
      await payload.activate(stub);
      payload.exit(n === 2 ? 1 : 0);
    }
    const done = await waitForAttempt(coord, id, (a) => a.state === 'ABNORMAL_FINISHED');
    expect(done).toMatchObject({ numExecutions: 3, abnormalFinish: { status: 'FAILED' } });
  });

  it('resets the counters in a row when an execution succeeds', async () => {
    const b = await bot();
    const id = await oneAttempt('recovers', {
      as_account: '',
      retry: { failed: 1 },
      timeouts: null,
    });
    const failing = await Payload.next(b);
    await failing.activate(stub);
    failing.exit(0);
    const good = await Payload.next(b);
    await good.activate(stub);
    await good.finish(stub, '{"ok":true}');
    good.exit(0);
    const done = await waitForAttempt(coord, id, (a) => a.state === 'FINISHED');
    expect(done.retryCounts).toEqual({ failed: 0, crashed: 0, expired: 0, timedOut: 0 });
  });

  it('ends the execution CRASHED when its bot dies, and retries it under retry.crashed', async () => {
    const first = await bot('crashy');
    const id = await oneAttempt('crash', { as_account: '', retry: { crashed: 1 }, timeouts: null });
    const payload = await Payload.next(first);
    await payload.activate(stub);
    first.crash();
    // The bot comes back without the task (it restarted): the task is BOT_DIED.
    const again = await bot('crashy');
    const retried = await Payload.next(again);
    expect(retried.id.id).toBe(2);
    const executions = await coord.store.listExecutions(id);
    expect(executions[0]).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      abnormalFinish: { status: 'CRASHED' },
    });
  });

  it('kills an execution that outlives timeouts.run and ends it TIMED_OUT', async () => {
    const b = await bot();
    const id = await oneAttempt('hangs', {
      as_account: '',
      retry: null,
      timeouts: { start: 60, run: 1, stop: 1 },
    });
    const payload = await Payload.next(b);
    await payload.activate(stub);
    const kill = await b.next((m) => m.msg === 'kill');
    expect(kill.kill!.task_id).toBe(payload.taskId);
    const done = await waitForAttempt(coord, id, (a) => a.state === 'ABNORMAL_FINISHED');
    expect(done.abnormalFinish?.status).toBe('TIMED_OUT');
  });

  it('ends the execution RESULT_MALFORMED when FinishAttempt carries a malformed result', async () => {
    const b = await bot();
    const id = await oneAttempt('malformed', null);
    const payload = await Payload.next(b);
    await payload.activate(stub);
    await expect(payload.finish(stub, '[1, 2]')).rejects.toMatchObject({
      details: expect.stringMatching(/^data\.object:/) as unknown,
    });
    const done = await waitForAttempt(coord, id, (a) => a.state === 'ABNORMAL_FINISHED');
    expect(done.abnormalFinish?.status).toBe('RESULT_MALFORMED');
  });
});
