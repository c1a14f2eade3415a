// Pipelines over the Graph service (issue 25), real gRPC and real SQLite: dependencies declared
// with the attempts (EnsureGraphData.needs), runs recorded with them (EnsureGraphData.run, read by
// GetRun and ListRuns, per pool), and a quest's display name (Quest.Desc.name, not in its id).
import { status, type ServiceError } from '@grpc/grpc-js';
import type { EnsureGraphDataRequest, GraphClient } from '@drover/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { bearer, call, startTestCoordinator, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, ensure, graphStub, waitForAttempt, walk } from './graph-harness';

const TOKENS = {
  ci: 'drv_test_ci',
  other: 'drv_test_other',
  admin: 'drv_test_admin',
  bots: 'drv_test_bots',
} as const;

const TOKENS_YAML = `version: 2
principals:
  - { name: ci, sha256: ${hashToken(TOKENS.ci)}, roles: { default: [view, submit] } }
  - { name: other, sha256: ${hashToken(TOKENS.other)}, roles: { b: [view, submit] } }
  - { name: admin, sha256: ${hashToken(TOKENS.admin)}, admin: true }
botGroups:
  - name: bots
    sha256: ${hashToken(TOKENS.bots)}
    botIds: ['graph-bot*']
    dimensions: { pool: [default] }
`;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: GraphClient;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  // Strictly increasing milliseconds: runs created one after the other are ordered by time.
  let last = 0;
  const clock = () => (last = Math.max(last + 1, Date.now()));
  coord = await startTestCoordinator(dir.path, { tokensFile }, clock);
  stub = graphStub(coord.grpcAddress);
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  await coord.close();
  dir.remove();
});

async function bot(id = 'graph-bot'): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, TOKENS.bots);
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

function getRun(run: string, token: string = TOKENS.ci): Promise<RunOut> {
  return call(
    (md, cb) => stub.GetRun({ run }, md, cb),
    bearer(token),
  ) as Promise<unknown> as Promise<RunOut>;
}

function listRuns(
  req: { name_glob?: string; limit?: number; cursor?: string },
  token: string = TOKENS.ci,
): Promise<ListRunsResponseOut> {
  return call(
    (md, cb) => stub.ListRuns(req, md, cb),
    bearer(token),
  ) as Promise<unknown> as Promise<ListRunsResponseOut>;
}

/** Run as proto-loader decodes it (the parts these tests read). */
interface RunOut {
  id: string;
  name: string;
  created: { seconds: string | number } | null;
  user: string;
  pools: string[];
  steps: Array<{ name: string; attempt: { quest: string; id: number }; needs: string[] }>;
}
interface ListRunsResponseOut {
  runs: RunOut[];
  cursor: string;
}

const at = (quest: string, id = 1) => ({ quest, id });
const retryNone = { as_account: '', retry: null, timeouts: null };

/** A diamond's first two steps: `a`, and `b` needing it (quests by position). */
function pipeline(prefix: string, run?: EnsureGraphDataRequest['run']): EnsureGraphDataRequest {
  return {
    quests: [
      { ...desc(`${prefix}-a`, retryNone), name: 'a' },
      { ...desc(`${prefix}-b`, retryNone), name: 'b' },
    ],
    attempts: [at('0'), at('1')],
    needs: [{ attempt: at('1'), needs: [at('0')] }],
    ...(run === undefined ? {} : { run }),
  };
}

const TWO_STEPS = (name: string) => ({
  name,
  steps: [
    { name: 'a', attempt: at('0') },
    { name: 'b', attempt: at('1'), needs: ['a'] },
  ],
});

describe('declared needs', () => {
  it('keeps a dependent WAITING with no execution until its need finishes, then runs it with the result readable', async () => {
    const b = await bot();
    const res = await ensure(stub, pipeline('wait'), TOKENS.ci);
    const [qa, qb] = res.quest_ids.map((q) => q.id);
    const waiting = await coord.store.getAttempt({ quest: qb!, attempt: 1 });
    expect(waiting).toMatchObject({ state: 'WAITING', numExecutions: 0 });
    expect(waiting!.fwdDeps).toEqual([{ quest: qa, attempt: 1 }]);

    const pa = await Payload.next(b);
    expect(pa.id.quest).toBe(qa);
    expect(await coord.store.listExecutions({ quest: qb!, attempt: 1 })).toEqual([]);
    await pa.activate(stub);
    await pa.finish(stub, '{"from":"a"}');
    pa.exit(0);

    const pb = await Payload.next(b);
    expect(pb.id).toEqual({ quest: qb, attempt: 1, id: 1 });
    await pb.activate(stub);
    const seen = await walk(
      stub,
      {
        auth: pb.auth,
        query: { attempt_list: [at(qa!)] },
        include: { attempt_data: true, attempt_result: true },
      },
      undefined,
    );
    expect(seen.quests[qa!]!.attempts[1]!.data!.result!.object).toBe('{"from":"a"}');
    await pb.finish(stub, '{}');
    pb.exit(0);
    await waitForAttempt(coord, { quest: qb!, attempt: 1 }, (x) => x.state === 'FINISHED');
  });

  it('schedules at once an attempt whose need is already FINISHED', async () => {
    const b = await bot();
    const first = await ensure(
      stub,
      { quests: [desc('done-a', retryNone)], attempts: [at('0')] },
      TOKENS.ci,
    );
    const qa = first.quest_ids[0]!.id;
    const pa = await Payload.next(b);
    await pa.activate(stub);
    await pa.finish(stub, '{"n":1}');
    pa.exit(0);
    await waitForAttempt(coord, { quest: qa, attempt: 1 }, (x) => x.state === 'FINISHED');

    const res = await ensure(
      stub,
      {
        quests: [desc('done-b', retryNone)],
        attempts: [at('0')],
        needs: [{ attempt: at('0'), needs: [at(qa)] }],
      },
      TOKENS.ci,
    );
    const qb = res.quest_ids[0]!.id;
    const pb = await Payload.next(b);
    expect(pb.id).toEqual({ quest: qb, attempt: 1, id: 1 });
    expect(await coord.store.getAttempt({ quest: qb, attempt: 1 })).toMatchObject({
      state: 'EXECUTING',
      fwdDeps: [{ quest: qa, attempt: 1 }],
    });
  });

  it('ends dependents CANCELLED without a task when their need ends abnormally, and an attempt created on an abnormal need at once', async () => {
    const b = await bot();
    const res = await ensure(
      stub,
      {
        quests: [desc('bad-a', retryNone), desc('bad-b', retryNone), desc('bad-c', retryNone)],
        attempts: [at('0'), at('1'), at('2')],
        needs: [
          { attempt: at('1'), needs: [at('0')] },
          { attempt: at('2'), needs: [at('1')] },
        ],
      },
      TOKENS.ci,
    );
    const [qa, qb, qc] = res.quest_ids.map((q) => q.id);
    const pa = await Payload.next(b);
    expect(pa.id.quest).toBe(qa);
    await pa.activate(stub);
    pa.exit(0); // no FinishAttempt: FAILED, no retry left

    const ended = await waitForAttempt(
      coord,
      { quest: qc!, attempt: 1 },
      (x) => x.state === 'ABNORMAL_FINISHED',
    );
    expect(ended.abnormalFinish?.status).toBe('CANCELLED');
    const bEnded = await coord.store.getAttempt({ quest: qb!, attempt: 1 });
    expect(bEnded).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      numExecutions: 0,
      abnormalFinish: { status: 'CANCELLED' },
    });
    expect(bEnded!.abnormalFinish!.reason).toContain(qa!);
    expect(bEnded!.abnormalFinish!.reason).toContain('FAILED');
    expect(await coord.store.listExecutions({ quest: qb!, attempt: 1 })).toEqual([]);
    expect(await coord.store.listExecutions({ quest: qc!, attempt: 1 })).toEqual([]);

    const late = await ensure(
      stub,
      {
        quests: [desc('bad-d', retryNone)],
        attempts: [at('0')],
        needs: [{ attempt: at('0'), needs: [at(qa!)] }],
      },
      TOKENS.ci,
    );
    const qd = late.quest_ids[0]!.id;
    expect(await coord.store.getAttempt({ quest: qd, attempt: 1 })).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      numExecutions: 0,
      abnormalFinish: { status: 'CANCELLED' },
    });
    expect(await coord.store.listExecutions({ quest: qd, attempt: 1 })).toEqual([]);
  });

  it('refuses needs from an execution, an unknown need and a cycle, storing nothing', async () => {
    const res = await ensure(stub, { quests: [desc('refuse-x')] }, TOKENS.ci);
    const qx = res.quest_ids[0]!.id;
    const fromExecution = await rejected(
      ensure(
        stub,
        {
          for_execution: { id: { quest: qx, attempt: 1, id: 1 }, token: Buffer.alloc(32, 1) },
          needs: [{ attempt: at(qx), needs: [] }],
        },
        undefined,
      ),
    );
    expect(fromExecution.code).toBe(status.INVALID_ARGUMENT);
    expect(fromExecution.details).toMatch(/^needs: declared needs are for attempts a client/);

    const unknown = await rejected(
      ensure(
        stub,
        {
          quests: [desc('refuse-a'), desc('refuse-b')],
          attempts: [at('0')],
          needs: [{ attempt: at('0'), needs: [at('1', 5)] }],
        },
        TOKENS.ci,
      ),
    );
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toBe('needs[0].needs[0]: no such attempt');

    const notAnAttempt = await rejected(
      ensure(
        stub,
        {
          quests: [desc('refuse-a'), desc('refuse-b')],
          attempts: [at('0')],
          needs: [{ attempt: at('1'), needs: [at('0')] }],
        },
        TOKENS.ci,
      ),
    );
    expect(notAnAttempt.details).toMatch(/^needs\[0\]\.attempt: /);

    const cycle = await rejected(
      ensure(
        stub,
        {
          quests: [
            { ...desc('cycle-a'), name: 'first' },
            { ...desc('cycle-b'), name: 'second' },
          ],
          attempts: [at('0'), at('1')],
          needs: [
            { attempt: at('0'), needs: [at('1')] },
            { attempt: at('1'), needs: [at('0')] },
          ],
        },
        TOKENS.ci,
      ),
    );
    expect(cycle.code).toBe(status.INVALID_ARGUMENT);
    expect(cycle.details).toMatch(/^needs: a cycle: .*(first|second) \(.*→/);
    const after = await ensure(
      stub,
      { quests: [desc('refuse-a'), desc('cycle-a')], attempts: [] },
      TOKENS.ci,
    );
    for (const q of after.quest_ids) {
      expect(after.result!.quests[q.id]!.did_not_exist).toBe(true);
      expect(await coord.store.getAttempt({ quest: q.id, attempt: 1 })).toBeUndefined();
    }
  });

  it('needs submit in the pool of every quest it names', async () => {
    const err = await rejected(ensure(stub, pipeline('perm'), TOKENS.other));
    expect(err.code).toBe(status.PERMISSION_DENIED);
  });
});

describe('runs', () => {
  it('records a run with its attempts, read back by id and by name with the steps’ states', async () => {
    const res = await ensure(stub, pipeline('run', TWO_STEPS('diamond')), TOKENS.ci);
    expect(res.run_id).toMatch(/^run-[a-z2-7]{16}$/);
    const [qa, qb] = res.quest_ids.map((q) => q.id);
    const run = await getRun(res.run_id);
    expect(run).toMatchObject({
      id: res.run_id,
      name: 'diamond',
      user: 'ci',
      pools: ['default'],
      steps: [
        {
          name: 'a',
          attempt: { quest: qa, id: 1 },
          needs: [],
          state: expect.stringMatching(/^(SCHEDULING|EXECUTING)$/) as unknown,
        },
        { name: 'b', attempt: { quest: qb, id: 1 }, needs: ['a'], state: 'WAITING' },
      ],
    });
    expect(Number(run.created!.seconds)).toBeGreaterThan(0);

    const again = await ensure(stub, pipeline('run', TWO_STEPS('diamond')), TOKENS.ci);
    expect(again.run_id).not.toBe(res.run_id);
    expect((await getRun('diamond')).id).toBe(again.run_id);
    expect((await getRun(res.run_id)).id).toBe(res.run_id);

    const missing = await rejected(getRun('no-such-run'));
    expect(missing.code).toBe(status.NOT_FOUND);
    const bad = await rejected(getRun('not a name'));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
  });

  it('lists runs newest first, by glob, page by page, and only to who may view every pool', async () => {
    const ids: string[] = [];
    for (const name of ['nightly-1', 'nightly-2', 'other', 'nightly-3']) {
      ids.push((await ensure(stub, pipeline(name, TWO_STEPS(name)), TOKENS.ci)).run_id);
    }
    const all = await listRuns({});
    expect(all.runs.map((r) => r.name)).toEqual(['nightly-3', 'other', 'nightly-2', 'nightly-1']);
    expect(all.cursor).toBe('');
    expect(all.runs[0]!.steps.map((s) => s.name)).toEqual(['a', 'b']);

    const pages: string[][] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await listRuns({ name_glob: 'nightly-*', limit: 1, cursor });
      pages.push(page.runs.map((r) => r.name));
      cursor = page.cursor;
      if (cursor === '') break;
    }
    expect(pages.flat()).toEqual(['nightly-3', 'nightly-2', 'nightly-1']);
    expect(pages.every((p) => p.length <= 1)).toBe(true);
    expect((await listRuns({ name_glob: 'nightly-?', limit: 2 })).runs).toHaveLength(2);
    expect((await listRuns({ name_glob: 'oth*' })).runs.map((r) => r.id)).toEqual([ids[2]]);

    // Another pool's client sees none of them, and cannot tell they exist.
    expect((await listRuns({}, TOKENS.other)).runs).toEqual([]);
    const hidden = await rejected(getRun(ids[0]!, TOKENS.other));
    expect(hidden.code).toBe(status.NOT_FOUND);
    expect((await listRuns({}, TOKENS.admin)).runs).toHaveLength(4);

    const badLimit = await rejected(listRuns({ limit: 1001 }));
    expect(badLimit.code).toBe(status.INVALID_ARGUMENT);
    expect(badLimit.details).toMatch(/^limit: /);
    const badCursor = await rejected(listRuns({ cursor: 'nope' }));
    expect(badCursor.details).toMatch(/^cursor: /);
    const anonymous = await rejected(
      call((md, cb) => stub.ListRuns({}, md, cb), bearer(undefined)),
    );
    expect(anonymous.code, anonymous.details).toBe(status.UNAUTHENTICATED);
  });

  it('refuses a bad run before anything is stored, naming the field', async () => {
    const cases: Array<[EnsureGraphDataRequest['run'], RegExp]> = [
      [{ ...TWO_STEPS('has space') }, /^run\.name: /],
      [{ name: '', steps: TWO_STEPS('x').steps }, /^run\.name: /],
      [{ name: 'empty', steps: [] }, /^run\.steps: /],
      [
        {
          name: 'dup',
          steps: [
            { name: 'a', attempt: at('0') },
            { name: 'a', attempt: at('1') },
          ],
        },
        /^run\.steps\[1\]\.name: /,
      ],
      [
        { name: 'bad-step', steps: [{ name: 'a/b', attempt: at('0') }] },
        /^run\.steps\[0\]\.name: /,
      ],
      [
        { name: 'unknown-need', steps: [{ name: 'a', attempt: at('0'), needs: ['zz'] }] },
        /^run\.steps\[0\]\.needs\[0\]: "zz": no such step/,
      ],
      [
        { name: 'not-of-call', steps: [{ name: 'a', attempt: at('0', 7) }] },
        /^run\.steps\[0\]\.attempt: /,
      ],
    ];
    for (const [run, field] of cases) {
      const err = await rejected(ensure(stub, pipeline('bad-run', run), TOKENS.ci));
      expect(err.code, String(field)).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(field);
    }
    expect((await listRuns({}, TOKENS.admin)).runs).toEqual([]);
    const fromExecution = await rejected(
      ensure(
        stub,
        {
          for_execution: {
            id: { quest: 'A'.repeat(43), attempt: 1, id: 1 },
            token: Buffer.alloc(32, 1),
          },
          run: TWO_STEPS('x'),
        },
        undefined,
      ),
    );
    expect(fromExecution.code).toBe(status.INVALID_ARGUMENT);
    expect(fromExecution.details).toMatch(/^run: /);
  });
});

describe('Quest.Desc.name', () => {
  it('is returned by WalkGraph, is not part of the id, and stays the name the quest was created with', async () => {
    const named = await ensure(
      stub,
      { quests: [{ ...desc('named'), name: 'build' }], attempts: [] },
      TOKENS.ci,
    );
    const id = named.quest_ids[0]!.id;
    const unnamed = await ensure(stub, { quests: [desc('named')] }, TOKENS.ci);
    const renamed = await ensure(
      stub,
      { quests: [{ ...desc('named'), name: 'other' }] },
      TOKENS.ci,
    );
    expect(unnamed.quest_ids[0]!.id).toBe(id);
    expect(renamed.quest_ids[0]!.id).toBe(id);
    expect(renamed.result!.quests[id]!.did_not_exist).toBe(false);

    await ensure(
      stub,
      { quests: [{ ...desc('named'), name: 'build' }], attempts: [at('0')] },
      TOKENS.ci,
    );
    const seen = await walk(
      stub,
      { query: { attempt_list: [at(id)] }, include: { quest_data: true } },
      TOKENS.ci,
    );
    expect(seen.quests[id]!.data!.desc!.name).toBe('build');

    const tooLong = await rejected(
      ensure(stub, { quests: [{ ...desc('long'), name: 'n'.repeat(129) }] }, TOKENS.ci),
    );
    expect(tooLong.code).toBe(status.INVALID_ARGUMENT);
    expect(tooLong.details).toMatch(/^quests\[0\]\.name: /);
  });
});
