// The workflow graph end to end: a coordinator on loopback, real drover-bot processes,
// and payloads that are shell scripts calling the real `drover graph` CLI. One coordinator and
// two bots in pool `default` serve the whole file; each test makes its own quests (and the crash
// test its own pool). Every wait is on the coordinator's graph events, with a deadline.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphClient, GraphDataOut, QuestDescWire } from '@drover/protocol';
import type { Attempt, AttemptId } from '@drover/state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { killGroup, readPids, waitUntil } from '../faults/conditions';
import { readToken, startBotProcess, startTestCoordinator, stopProcess, tempDir } from '../harness';
import { ensure, graphStub, waitForAttempt, walk } from './graph-harness';
import {
  DIAMOND_NODE,
  PREAMBLE,
  ref,
  retryMeta,
  shQuest,
  waitForExecutions,
} from './real-bot-payloads';

/**
 * Small, so a killed bot's task is BOT_DIED soon; large enough for a busy 2-core machine (3 s
 * once let a loaded CI run take a live bot for dead, ending the diamond's A without a result).
 */
const PING_TOLERANCE_SECS = 6;
/** Each test's own deadline; the runs take a few seconds (each CLI call starts node + tsx). */
const TEST_TIMEOUT_MS = 45_000;
const WAIT_MS = 30_000;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: GraphClient;
let token: string;
const bots = new Map<string, ChildProcess>();
const orphans: number[] = [];

beforeAll(async () => {
  dir = tempDir('drover-graph-bots-');
  coord = await startTestCoordinator(dir.path, { botPingToleranceSecs: PING_TOLERANCE_SECS });
  stub = graphStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
  await Promise.all(['graph-bot-1', 'graph-bot-2'].map((id) => startBot(id)));
}, 60_000);

afterAll(async () => {
  await Promise.all([...bots.values()].map((b) => stopProcess(b)));
  for (const pid of orphans) killGroup(pid);
  stub?.close();
  await coord?.close();
  dir?.remove();
});

async function startBot(id: string, pool = 'default'): Promise<ChildProcess> {
  const child = await startBotProcess(coord, dir.path, id, ['--pool', pool]);
  bots.set(id, child);
  return child;
}

/** A fresh directory for one test's payload files. */
function outDir(name: string): string {
  const path = join(dir.path, 'out', name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Stores the quests (no attempts) and returns their ids, in order. */
async function questIds(...descs: QuestDescWire[]): Promise<string[]> {
  return (await ensure(stub, { quests: descs }, token)).quest_ids.map((q) => q.id);
}

/** Creates attempt 1 of `quest` (its first execution is scheduled at once). */
async function startAttempt(quest: string): Promise<AttemptId> {
  await ensure(stub, { attempts: [{ quest, id: 1 }] }, token);
  return { quest, attempt: 1 };
}

const isFinal = (a: Attempt) => a.state === 'FINISHED' || a.state === 'ABNORMAL_FINISHED';

const wireId = (a: AttemptId) => ({ quest: a.quest, id: a.attempt });

function attemptsIn(data: GraphDataOut): string[] {
  return Object.values(data.quests)
    .flatMap((q) => Object.values(q.attempts).map((a) => `${a.id!.quest}:${a.id!.id}`))
    .sort();
}

describe('a diamond A → {B, C} → D of shell payloads using drover graph', () => {
  let out: string;
  const ids = {} as Record<'a' | 'b' | 'c' | 'd', AttemptId>;

  beforeAll(async () => {
    out = outDir('diamond');
    // Files naming the attempts whose edges would close a cycle (A's desc names B and C, so
    // theirs cannot name A): C → A (A → C → A), C → C, and D → A (A → B → D → A).
    const cycleFile = (name: string) => join(out, `${name}.cycle-to`);
    const node = (name: string, deps: AttemptId[], extra: Record<string, string> = {}) =>
      shQuest(out, name, DIAMOND_NODE, { env: { DEPS: deps.map(ref).join(' '), ...extra } });
    const [qd] = await questIds(node('D', [], { CYCLE: cycleFile('D') }));
    ids.d = { quest: qd!, attempt: 1 };
    const [qb, qc] = await questIds(
      node('B', [ids.d]),
      node('C', [ids.d], { CYCLE: cycleFile('C') }),
    );
    ids.b = { quest: qb!, attempt: 1 };
    ids.c = { quest: qc!, attempt: 1 };
    // A depends on B and C, not on D: its execution peeks at D to show it may not read it.
    const [qa] = await questIds(node('A', [ids.b, ids.c], { PEEK: ref(ids.d) }));
    ids.a = { quest: qa!, attempt: 1 };
    writeFileSync(cycleFile('C'), `${ref(ids.a)}\n${ref(ids.c)}\n`);
    writeFileSync(cycleFile('D'), `${ref(ids.a)}\n`);
    await startAttempt(qa!);
    await waitForAttempt(coord, ids.a, isFinal, WAIT_MS * 2);
  }, TEST_TIMEOUT_MS * 2);

  it("ends with A's result combining B's and C's, each combining D's, and D run once", async () => {
    const a = (await coord.store.getAttempt(ids.a))!;
    const fromD = '{"deps":[],"name":"D"}';
    // A failure says why A ended without its result (a CI run under load once did): its
    // abnormal finish and every execution of the diamond with its task's end.
    const why = async () =>
      JSON.stringify({
        a: { state: a.state, abnormalFinish: a.abnormalFinish },
        executions: await Promise.all(
          Object.entries(ids).map(async ([name, id]) => ({
            name,
            executions: await Promise.all(
              (await coord.store.listExecutions(id)).map(async (e) => {
                const task = e.taskId ? await coord.store.getTask(e.taskId) : undefined;
                return {
                  ...e,
                  task: task && {
                    state: task.state,
                    exitCode: task.exitCode,
                    summary: task.summary,
                    botId: task.botId,
                    // What the payload printed (its stderr is in the task's output).
                    output: (await coord.store.readOutput(task.id, 0, 4096)).toString(),
                  },
                };
              }),
            ),
          })),
        ),
      });
    expect(a.result?.object, a.result === null ? await why() : undefined).toBe(
      `{"deps":[{"deps":[${fromD}],"name":"B"},{"deps":[${fromD}],"name":"C"}],"name":"A"}`,
    );
    // A halted once (exit code 75 after should_halt still ends its execution FINISHED).
    expect(a.numExecutions).toBe(2);
    const executions = await coord.store.listExecutions(ids.a);
    expect(executions.map((e) => e.state)).toEqual(['FINISHED', 'FINISHED']);
    expect(executions[0]!.shouldHalt).toBe(true);
    for (const dep of [ids.b, ids.c, ids.d]) {
      expect((await coord.store.getAttempt(dep))?.state).toBe('FINISHED');
    }
    expect((await coord.store.getAttempt(ids.d))?.numExecutions).toBe(1);
    expect(readFileSync(join(out, 'D.runs'), 'utf8').trim()).toBe('1');
  });

  it('refuses edges that would close a cycle (C → A, C → C, D → A through B) with INVALID_ARGUMENT', async () => {
    const read = (f: string) => readFileSync(join(out, f), 'utf8').trim();
    for (const tried of ['C.cycle.1', 'C.cycle.2', 'D.cycle.1']) {
      // The CLI exits 2 for INVALID_ARGUMENT and prints the coordinator's message.
      expect(read(`${tried}.rc`), tried).toBe('2');
      expect(read(`${tried}.err`), tried).toMatch(/dependencies: .*cycle/);
    }
    // No edge was recorded, and the refused executions went on (they finished).
    expect((await coord.store.getAttempt(ids.c))?.fwdDeps).toEqual([ids.d]);
    expect((await coord.store.getAttempt(ids.d))?.fwdDeps).toEqual([]);
  });

  it('shows an execution NOT_AUTHORIZED for the result of an attempt it does not depend on', () => {
    // `drover graph walk` prints the GraphData's canonical JSON (docs/json.md); the fields read
    // here are the same in GraphDataOut (uint32 a number, enums by name).
    const peek = JSON.parse(readFileSync(join(out, 'A.peek.json'), 'utf8')) as GraphDataOut;
    const d = peek.quests[ids.d.quest]!.attempts[1]!;
    expect(d.partial?.result).toBe('NOT_AUTHORIZED');
    expect(d.data?.result).toMatchObject({ object: '', size: '{"deps":[],"name":"D"}'.length });
    expect(d.data?.state).toBe('FINISHED');
  });

  it('walks to max_depth 0 (the seeds), 1 and -1 (all), setting had_more when depth cut it', async () => {
    const seeds = await walk(stub, { query: { attempt_list: [wireId(ids.a)] } }, token);
    expect(attemptsIn(seeds)).toEqual([ref(ids.a)]);
    expect(seeds).toMatchObject({ had_more: true, had_errors: false });

    const one = await walk(
      stub,
      { query: { attempt_list: [wireId(ids.a)] }, limit: { max_depth: 1 } },
      token,
    );
    expect(attemptsIn(one)).toEqual([ref(ids.a), ref(ids.b), ref(ids.c)].sort());
    expect(one.had_more).toBe(true);

    const all = await walk(
      stub,
      {
        query: { attempt_list: [wireId(ids.a)] },
        limit: { max_depth: -1 },
        include: { attempt_data: true, attempt_result: true, fwd_deps: true, back_deps: true },
      },
      token,
    );
    expect(attemptsIn(all)).toEqual([ids.a, ids.b, ids.c, ids.d].map(ref).sort());
    expect(all).toMatchObject({ had_more: false, had_errors: false });
    const d = all.quests[ids.d.quest]!.attempts[1]!;
    expect(d.back_deps.map((x) => `${x.quest}:${x.id}`).sort()).toEqual(
      [ref(ids.b), ref(ids.c)].sort(),
    );
    expect(d.partial).toMatchObject({ result: 'LOADED', fwd_deps: false, back_deps: false });

    const back = await walk(
      stub,
      {
        query: { attempt_list: [wireId(ids.d)] },
        mode: { direction: 'BACKWARDS' },
        limit: { max_depth: -1 },
      },
      token,
    );
    expect(attemptsIn(back)).toEqual([ids.a, ids.b, ids.c, ids.d].map(ref).sort());
    expect(back.had_more).toBe(false);
  });

  it('withholds a result past max_data_size (DATA_SIZE_LIMIT, size still given) and sets had_more', async () => {
    const tiny = await walk(
      stub,
      {
        query: { attempt_list: [wireId(ids.a)] },
        limit: { max_depth: -1, max_data_size: 1 },
        include: { attempt_data: true, attempt_result: true },
      },
      token,
    );
    const a = tiny.quests[ids.a.quest]!.attempts[1]!;
    expect(a.partial?.result).toBe('DATA_SIZE_LIMIT');
    expect(a.data?.result?.object).toBe('');
    expect(a.data?.result?.size).toBeGreaterThan(1);
    expect(attemptsIn(tiny).length).toBeLessThan(4);
    expect(tiny).toMatchObject({ had_more: true, had_errors: false });
  });

  it('sets had_errors (and so had_more) for seeds that do not exist, still walking the others', async () => {
    const data = await walk(
      stub,
      {
        query: {
          attempt_list: [
            wireId(ids.a),
            { quest: 'Q'.repeat(43), id: 1 },
            { ...wireId(ids.b), id: 9 },
          ],
        },
      },
      token,
    );
    expect(attemptsIn(data)).toEqual([ref(ids.a)]);
    expect(data).toMatchObject({ had_errors: true, had_more: true });
  });
});

describe('retries', () => {
  it(
    'runs a payload that fails twice, then succeeds, three times under retry.failed = 2',
    async () => {
      const out = outDir('retry');
      const script = `${PREAMBLE}
g activate > /dev/null
if [ "$run" -le 2 ]; then exit 1; fi
g finish "{\\"runs\\":$run}" > /dev/null
`;
      const [q] = await questIds(shQuest(out, 'flaky', script, { meta: retryMeta({ failed: 2 }) }));
      const id = await startAttempt(q!);
      const done = await waitForAttempt(coord, id, isFinal, WAIT_MS);
      expect(done).toMatchObject({
        state: 'FINISHED',
        numExecutions: 3,
        result: { object: '{"runs":3}' },
        retryCounts: { failed: 0, crashed: 0, expired: 0, timedOut: 0 },
      });
      const executions = await coord.store.listExecutions(id);
      expect(executions.map((e) => [e.state, e.abnormalFinish?.status ?? null])).toEqual([
        ['ABNORMAL_FINISHED', 'FAILED'],
        ['ABNORMAL_FINISHED', 'FAILED'],
        ['FINISHED', null],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'ends an execution CRASHED when its bot is killed with SIGKILL, and retries it under retry.crashed = 1',
    async () => {
      const out = outDir('crash');
      // The first run activates, then hangs (its pid written first); the second finishes.
      const script = `${PREAMBLE}
if [ "$run" -eq 1 ]; then
  echo $$ > "$OUT/$NAME.pid"
  g activate > /dev/null
  exec sleep 300
fi
g activate > /dev/null
g finish "{\\"run\\":$run}" > /dev/null
`;
      await Promise.all([startBot('crash-bot-1', 'crash'), startBot('crash-bot-2', 'crash')]);
      const [q] = await questIds(
        shQuest(out, 'crashy', script, { pool: 'crash', meta: retryMeta({ crashed: 1 }) }),
      );
      const id = await startAttempt(q!);
      const [first] = await waitForExecutions(coord, id, (l) => l[0]?.state === 'RUNNING', WAIT_MS);
      orphans.push(...readPids(join(out, 'crashy.pid')));
      const task = await coord.store.getTask(first!.taskId!);
      const victim = bots.get(task!.botId!);
      expect(victim, `bot ${task?.botId}`).toBeDefined();
      await stopProcess(victim);

      const done = await waitForAttempt(coord, id, isFinal, WAIT_MS);
      expect(done).toMatchObject({
        state: 'FINISHED',
        numExecutions: 2,
        result: { object: '{"run":2}' },
      });
      const executions = await coord.store.listExecutions(id);
      expect(executions[0]).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: { status: 'CRASHED' },
      });
      expect((await coord.store.getTask(first!.taskId!))?.state).toBe('BOT_DIED');
      expect(executions[1]?.state).toBe('FINISHED');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('result expiration', () => {
  it(
    'runs a dependency again when a new dependent asks for it after its result expired',
    async () => {
      const out = outDir('expiry');
      // X's first result expires a second after it is given; later ones never do.
      const script = `${PREAMBLE}
g activate > /dev/null
if [ "$run" -eq 1 ]; then set -- --expires-in 1; else set --; fi
g finish "{\\"run\\":$run}" "$@" > /dev/null
`;
      const [qx] = await questIds(shQuest(out, 'X', script));
      const x = await startAttempt(qx!);
      const first = await waitForAttempt(coord, x, (a) => a.state === 'FINISHED', WAIT_MS);
      expect(first.result).toMatchObject({ object: '{"run":1}' });
      const expiresAtMs = first.result!.expiresAtMs!;
      expect(expiresAtMs).not.toBeNull();
      // The result has a deadline of its own: wait until the coordinator's clock is past it.
      await waitUntil('X result expired', () => Date.now() > expiresAtMs, {
        deadlineMs: expiresAtMs - Date.now() + 5_000,
        intervalMs: 50,
      });

      // Y asks for X again when it is woken: the fresh result satisfies it.
      const [qy] = await questIds(
        shQuest(out, 'Y', DIAMOND_NODE, { env: { DEPS: ref(x), ASK_AGAIN: '1' } }),
      );
      const y = await startAttempt(qy!);
      const done = await waitForAttempt(coord, y, isFinal, WAIT_MS);
      expect(done).toMatchObject({
        state: 'FINISHED',
        result: { object: '{"deps":[{"run":2}],"name":"Y"}' },
      });
      expect(await coord.store.getAttempt(x)).toMatchObject({
        state: 'FINISHED',
        numExecutions: 2,
        result: { object: '{"run":2}', expiresAtMs: null },
      });
    },
    TEST_TIMEOUT_MS,
  );
});
