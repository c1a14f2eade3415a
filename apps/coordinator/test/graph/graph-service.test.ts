// Service Graph over real gRPC on loopback, with a scripted bot that is also the payload: it
// reads its execution from the Assign's secret env and calls the Graph service like a payload.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { GraphClient, TaskRequestOut, TasksClient } from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, ensure, graphStub, waitForAttempt, walk } from './graph-harness';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: GraphClient;
let tasks: TasksClient;
let token: string;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = graphStub(coord.grpcAddress);
  tasks = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  tasks.close();
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

async function rejected(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('EnsureGraphData', () => {
  it('dedupes quests: the same desc gives the same id, did_not_exist only the first time', async () => {
    const first = await ensure(stub, { quests: [desc('dedupe')] }, token);
    const again = await ensure(stub, { quests: [desc('dedupe')] }, token);
    const id = first.quest_ids[0]!.id;
    expect(id).toHaveLength(43);
    expect(again.quest_ids[0]!.id).toBe(id);
    expect(first.result!.quests[id]!.did_not_exist).toBe(true);
    expect(again.result!.quests[id]!.did_not_exist).toBe(false);
  });

  it('refuses an unknown distributor and bad distributor parameters, naming the field', async () => {
    const unknown = await rejected(
      ensure(stub, { quests: [{ ...desc('x'), distributor_config_name: 'nope' }] }, token),
    );
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toMatch(/^quests\[0\]\.distributor_config_name:/);
    const noPool = await rejected(
      ensure(
        stub,
        { quests: [{ ...desc('x'), distributor_parameters: '{"command":["true"]}' }] },
        token,
      ),
    );
    expect(noPool.details).toMatch(/^quests\[0\]\.distributor_parameters\.dimensions:/);
    const badKey = await rejected(
      ensure(stub, { quests: [{ ...desc('x'), distributor_parameters: '{"cmd":1}' }] }, token),
    );
    expect(badKey.details).toMatch(/^quests\[0\]\.distributor_parameters\.cmd:/);
  });

  it('needs a client token when no execution calls', async () => {
    const err = await rejected(ensure(stub, { quests: [desc('anon')] }, undefined));
    expect(err.code).toBe(status.UNAUTHENTICATED);
  });
});

describe('an execution', () => {
  it('activates, finishes with a JSON result, and its attempt is FINISHED with it normalized', async () => {
    const b = await bot();
    const res = await ensure(
      stub,
      { quests: [desc('one')], attempts: [{ quest: '0', id: 1 }] },
      token,
    );
    const attemptId = { quest: res.quest_ids[0]!.id, attempt: 1 };
    const payload = await Payload.next(b);
    expect(payload.id).toEqual({ quest: attemptId.quest, attempt: 1, id: 1 });
    await payload.activate(stub);
    await payload.finish(stub, '{ "b": [1, 2.50],\n "a": "x" }');
    payload.exit(0);
    const done = await waitForAttempt(coord, attemptId, (a) => a.state === 'FINISHED');
    expect(done.result).toMatchObject({ object: '{"a":"x","b":[1,2.50]}', size: 22 });
  });

  it('keeps its tokens out of the Tasks API', async () => {
    const b = await bot();
    await ensure(stub, { quests: [desc('secret')], attempts: [{ quest: '0', id: 1 }] }, token);
    const payload = await Payload.next(b);
    const request = await call<TaskRequestOut>(
      (md, cb) => tasks.GetRequest({ task_id: payload.taskId }, md, cb),
      bearer(token),
    );
    const text = JSON.stringify(request);
    expect(text).not.toContain('DROVER_EXECUTION');
    expect(text).not.toContain(payload.activationToken.toString('base64url'));
  });

  it('activates idempotently with the same token and refuses anyone else', async () => {
    const b = await bot();
    await ensure(stub, { quests: [desc('idem')], attempts: [{ quest: '0', id: 1 }] }, token);
    const payload = await Payload.next(b);
    await payload.activate(stub);
    await payload.activate(stub);
    const other = await rejected(
      payload.activate(stub, payload.activationToken, Buffer.alloc(32, 'z')),
    );
    expect(other.code).toBe(status.PERMISSION_DENIED);
    const forged = await rejected(payload.activate(stub, Buffer.alloc(32, 'f')));
    expect(forged.code).toBe(status.PERMISSION_DENIED);
    payload.exit(0);
    const short = await rejected(
      ensure(stub, { quests: [desc('idem')], attempts: [{ quest: '0', id: 2 }] }, token).then(
        async () => (await Payload.next(b)).activate(stub, undefined, Buffer.alloc(8)),
      ),
    );
    expect(short.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('dependencies', () => {
  it('halts A on unfinished B, wakes it when B finishes, and lets it read B only', async () => {
    const b = await bot();
    const res = await ensure(
      stub,
      { quests: [desc('A'), desc('B'), desc('C')], attempts: [{ quest: '0', id: 1 }] },
      token,
    );
    const [qa, qb, qc] = res.quest_ids.map((q) => q.id);
    const a = { quest: qa!, attempt: 1 };
    const first = await Payload.next(b);
    await first.activate(stub);
    const halted = await ensure(
      stub,
      { for_execution: first.auth, dependencies: [{ quest: qb!, id: 1 }] },
      undefined,
    );
    expect(halted.should_halt).toBe(true);
    first.exit(0);
    await waitForAttempt(coord, a, (x) => x.state === 'WAITING');

    // B runs (the bot got its task after A's ended), finishes; C finishes too, unrelated.
    const pb = await Payload.next(b);
    expect(pb.id.quest).toBe(qb);
    await pb.activate(stub);
    await pb.finish(stub, '{"from":"B"}');
    pb.exit(0);

    const second = await Payload.next(b);
    expect(second.id).toEqual({ quest: qa, attempt: 1, id: 2 });
    await second.activate(stub);
    const other = await bot('graph-bot-2');
    await ensure(stub, { quests: [desc('C')], attempts: [{ quest: qc!, id: 1 }] }, token);
    const seen = await walk(
      stub,
      {
        auth: second.auth,
        query: { attempt_list: [{ quest: qb!, id: 1 }] },
        include: { attempt_data: true, attempt_result: true },
      },
      undefined,
    );
    const attemptB = seen.quests[qb!]!.attempts[1]!;
    expect(attemptB.data!.result!.object).toBe('{"from":"B"}');
    expect(attemptB.partial!.result).toBe('LOADED');

    const pc = await Payload.next(other);
    await pc.activate(stub);
    await pc.finish(stub, '{"from":"C"}');
    pc.exit(0);
    await waitForAttempt(coord, { quest: qc!, attempt: 1 }, (x) => x.state === 'FINISHED');
    const notMine = await walk(
      stub,
      {
        auth: second.auth,
        query: { attempt_list: [{ quest: qc!, id: 1 }] },
        include: { attempt_data: true, attempt_result: true },
      },
      undefined,
    );
    const attemptC = notMine.quests[qc!]!.attempts[1]!;
    expect(attemptC.partial!.result).toBe('NOT_AUTHORIZED');
    expect(attemptC.data!.result).toMatchObject({ object: '', size: 12 });
  });

  it('refuses an edge that would close a cycle with INVALID_ARGUMENT', async () => {
    const b = await bot();
    const res = await ensure(
      stub,
      { quests: [desc('cyc-A'), desc('cyc-B')], attempts: [{ quest: '1', id: 1 }] },
      token,
    );
    const [qa, qb] = res.quest_ids.map((q) => q.id);
    const pb = await Payload.next(b);
    await pb.activate(stub);
    const halted = await ensure(
      stub,
      { for_execution: pb.auth, dependencies: [{ quest: qa!, id: 1 }] },
      undefined,
    );
    expect(halted.should_halt).toBe(true);
    pb.exit(0);
    const pa = await Payload.next(b);
    expect(pa.id.quest).toBe(qa);
    await pa.activate(stub);
    const err = await rejected(
      ensure(stub, { for_execution: pa.auth, dependencies: [{ quest: qb!, id: 1 }] }, undefined),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^dependencies: .*cycle/);
    const self = await rejected(
      ensure(stub, { for_execution: pa.auth, dependencies: [{ quest: qa!, id: 1 }] }, undefined),
    );
    expect(self.code).toBe(status.INVALID_ARGUMENT);
  });
});
