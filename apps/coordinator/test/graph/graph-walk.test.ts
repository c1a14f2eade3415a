// WalkGraph's limits over a real chain A → B → C, and a coordinator restart in the middle of
// that graph: nothing is lost, and the chain completes after it.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { GraphClient } from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startTestCoordinator, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, ensure, graphStub, waitForAttempt, walk } from './graph-harness';

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

async function bot(
  id = 'walk-bot',
  running: Array<{ task_id: string; lease_id: string }> = [],
): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  bots.push(b);
  b.hello(id, running);
  await b.next((m) => m.msg === 'welcome');
  return b;
}

/** A waits on B, B waits on C; C's execution is RUNNING on the returned bot. */
async function chain() {
  const b = await bot();
  const res = await ensure(
    stub,
    { quests: [desc('A'), desc('B'), desc('C')], attempts: [{ quest: '0', id: 1 }] },
    token,
  );
  const [qa, qb, qc] = res.quest_ids.map((q) => q.id) as [string, string, string];
  const ids = {
    a: { quest: qa, attempt: 1 },
    b: { quest: qb, attempt: 1 },
    c: { quest: qc, attempt: 1 },
  };
  for (const [from, to] of [
    [ids.a, ids.b],
    [ids.b, ids.c],
  ] as const) {
    const p = await Payload.next(b);
    expect(p.id.quest).toBe(from.quest);
    await p.activate(stub);
    const r = await ensure(
      stub,
      { for_execution: p.auth, dependencies: [{ quest: to.quest, id: 1 }] },
      undefined,
    );
    expect(r.should_halt).toBe(true);
    p.exit(0);
    await waitForAttempt(coord, from, (x) => x.state === 'WAITING');
  }
  const pc = await Payload.next(b);
  await pc.activate(stub);
  return { bot: b, ids, pc };
}

const idOf = (a: { quest: string; attempt: number }) => ({ quest: a.quest, id: a.attempt });

function attemptsIn(data: Awaited<ReturnType<typeof walk>>): string[] {
  return Object.values(data.quests)
    .flatMap((q) => Object.values(q.attempts).map((a) => `${a.id!.quest}:${a.id!.id}`))
    .sort();
}

describe('WalkGraph', () => {
  it('follows the limits: depth 0 is the seeds, -1 is all, had_more when a limit cut the walk', async () => {
    const { ids } = await chain();
    const key = (a: { quest: string; attempt: number }) => `${a.quest}:${a.attempt}`;

    const seeds = await walk(stub, { query: { attempt_list: [idOf(ids.a)] } }, token);
    expect(attemptsIn(seeds)).toEqual([key(ids.a)]);
    expect(seeds.had_more).toBe(true);

    const all = await walk(
      stub,
      {
        query: { attempt_list: [idOf(ids.a)] },
        limit: { max_depth: -1 },
        include: { attempt_data: true, fwd_deps: true, back_deps: true },
      },
      token,
    );
    expect(attemptsIn(all)).toEqual([key(ids.a), key(ids.b), key(ids.c)].sort());
    expect(all.had_more).toBe(false);
    const b = all.quests[ids.b.quest]!.attempts[1]!;
    expect(b.data!.state).toBe('WAITING');
    expect(b.data!.num_waiting_deps).toBe(1);
    expect(b.fwd_deps).toEqual([idOf(ids.c)]);
    expect(b.back_deps).toEqual([idOf(ids.a)]);
    expect(b.partial).toMatchObject({ data: false, fwd_deps: false, back_deps: false });

    const back = await walk(
      stub,
      {
        query: { attempt_list: [idOf(ids.c)] },
        mode: { direction: 'BACKWARDS' },
        limit: { max_depth: 1 },
      },
      token,
    );
    expect(attemptsIn(back)).toEqual([key(ids.b), key(ids.c)].sort());
    expect(back.had_more).toBe(true);

    const small = await walk(
      stub,
      { query: { attempt_list: [idOf(ids.a)] }, limit: { max_depth: -1, max_data_size: 300 } },
      token,
    );
    expect(attemptsIn(small).length).toBeLessThan(3);
    expect(small.had_more).toBe(true);
    expect(small.had_errors).toBe(false);
  });

  it('sets had_errors and had_more for a seed that does not exist (an unknown quest or attempt)', async () => {
    const q = (await ensure(stub, { quests: [desc('no-attempts')] }, token)).quest_ids[0]!.id;
    for (const quest of [q, 'Q'.repeat(43)]) {
      const data = await walk(stub, { query: { attempt_list: [{ quest, id: 1 }] } }, token);
      expect(data).toMatchObject({ quests: {}, had_errors: true, had_more: true });
    }
  });

  it('refuses limits beyond the maximum, naming the field', async () => {
    const q = (await ensure(stub, { quests: [desc('lim')] }, token)).quest_ids[0]!.id;
    const query = { attempt_list: [{ quest: q, id: 1 }] };
    for (const [limit, field] of [
      [{ max_time_ms: 60_000 }, 'limit.max_time_ms'],
      [{ max_data_size: 31 * 1024 * 1024 }, 'limit.max_data_size'],
      [{ max_depth: -2 }, 'limit.max_depth'],
    ] as const) {
      const err = (await walk(stub, { query, limit }, token).catch(
        (e: unknown) => e,
      )) as ServiceError;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details.startsWith(`${field}:`)).toBe(true);
    }
  });
});

describe('a coordinator restart in the middle of a graph', () => {
  it('loses nothing: the chain completes after it, each attempt reading its dependency', async () => {
    const { bot: first, ids, pc } = await chain();
    first.crash();
    await coord.close();
    stub.close();
    coord = await startTestCoordinator(dir.path);
    stub = graphStub(coord.grpcAddress);

    const after = await walk(
      stub,
      {
        query: { attempt_list: [idOf(ids.a)] },
        limit: { max_depth: -1 },
        include: { attempt_data: true },
      },
      token,
    );
    const state = (a: { quest: string }) => after.quests[a.quest]!.attempts[1]!.data!.state;
    expect([state(ids.a), state(ids.b), state(ids.c)]).toEqual(['WAITING', 'WAITING', 'EXECUTING']);

    // The bot comes back still running C's task; C's payload finishes with its own token.
    const b = await bot('walk-bot', [{ task_id: pc.taskId, lease_id: pc.leaseId }]);
    await pc.finish(stub, '{"v":1}');
    pc.exit(0, b);
    for (const [next, dep, value] of [
      [ids.b, ids.c, 2],
      [ids.a, ids.b, 3],
    ] as const) {
      const p = await Payload.next(b);
      expect(p.id).toEqual({ quest: next.quest, attempt: 1, id: 2 });
      await p.activate(stub);
      const read = await walk(
        stub,
        {
          auth: p.auth,
          query: { attempt_list: [idOf(dep)] },
          include: { attempt_result: true },
        },
        undefined,
      );
      const depResult = JSON.parse(read.quests[dep.quest]!.attempts[1]!.data!.result!.object) as {
        v: number;
      };
      await p.finish(stub, JSON.stringify({ v: depResult.v + 1 }));
      p.exit(0);
      const done = await waitForAttempt(coord, next, (x) => x.state === 'FINISHED');
      expect(done.result?.object).toBe(`{"v":${value}}`);
    }
  });
});
