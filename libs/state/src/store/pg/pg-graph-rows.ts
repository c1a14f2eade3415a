// Reads and conditional writes of graph rows inside a PostgreSQL transaction: the PostgreSQL
// driver of the shared graph steps (graph/graph-steps.ts), which pg-graph.ts runs.
import type { PoolClient } from 'pg';
import type {
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  GraphRun,
  Quest,
} from '../../graph/graph-types';
import { attemptKey } from '../../graph/graph-types';
import type { AsyncGraphSteps } from '../graph/graph-steps';
import { runColumns } from '../graph/run-rows';
import { LOCK_SPACE, type Queryable } from './pg-tx';

/**
 * How each graph step runs on a transaction's client. Rows a step may change are read FOR
 * UPDATE; `lock-edges` is a transaction-scoped advisory lock named `edgesLockName`.
 */
export function pgGraphSteps(c: PoolClient, edgesLockName: string): AsyncGraphSteps {
  return {
    'read-quest': (s) => readQuest(c, s.id),
    'read-attempt': (s) => readAttempt(c, s.id, s.lock),
    'read-execution': (s) => readExecution(c, s.id, s.lock),
    'read-back-deps': (s) => backDepsOf(c, s.id),
    'read-fwd-deps': (s) => fwdDepsOf(c, s.keys),
    'lock-edges': async () => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        LOCK_SPACE.edges,
        edgesLockName,
      ]);
    },
    'insert-quest': (s) => insertQuest(c, s.quest),
    'insert-attempt': (s) => insertAttempt(c, s.attempt),
    'insert-execution': (s) => insertExecution(c, s.execution),
    'insert-edge': (s) => insertEdge(c, s.from, s.to),
    'insert-run': (s) => insertRun(c, s.run),
    'write-attempt': (s) => writeAttempt(c, s.before, s.after),
    'write-execution': (s) => writeExecution(c, s.before, s.after),
  };
}

interface BodyRow<T> {
  body: T;
}

/** `lock`: SELECT … FOR UPDATE, for a row the transaction may change. */
export async function readAttempt(
  q: Queryable,
  id: AttemptId,
  lock = false,
): Promise<Attempt | undefined> {
  const { rows } = await q.query<BodyRow<Attempt>>(
    `SELECT body FROM graph_attempts WHERE quest = $1 AND num = $2${lock ? ' FOR UPDATE' : ''}`,
    [id.quest, id.attempt],
  );
  return rows[0]?.body;
}

export async function readExecution(
  q: Queryable,
  id: ExecutionId,
  lock = false,
): Promise<Execution | undefined> {
  const { rows } = await q.query<BodyRow<Execution>>(
    `SELECT body FROM graph_executions WHERE quest = $1 AND attempt = $2 AND num = $3
     ${lock ? 'FOR UPDATE' : ''}`,
    [id.quest, id.attempt, id.execution],
  );
  return rows[0]?.body;
}

export async function readQuest(q: Queryable, id: string): Promise<Quest | undefined> {
  const { rows } = await q.query<{
    id: string;
    description: Quest['desc'];
    created_ms: number;
    name: string;
  }>('SELECT id, description, created_ms, name FROM graph_quests WHERE id = $1', [id]);
  const row = rows[0];
  // The name column is the truth (rows from before it have '' there and none in description).
  return row === undefined
    ? undefined
    : { id: row.id, desc: { ...row.description, name: row.name }, createdAtMs: row.created_ms };
}

export async function backDepsOf(q: Queryable, id: AttemptId): Promise<AttemptId[]> {
  const { rows } = await q.query<{ from_quest: string; from_attempt: number }>(
    `SELECT from_quest, from_attempt FROM graph_edges WHERE to_quest = $1 AND to_attempt = $2
     ORDER BY from_quest, from_attempt`,
    [id.quest, id.attempt],
  );
  return rows.map((r) => ({ quest: r.from_quest, attempt: r.from_attempt }));
}

/** The forward deps of the attempts with these keys (one query per cycle-search level). */
export async function fwdDepsOf(
  q: Queryable,
  keys: readonly string[],
): Promise<Map<string, readonly AttemptId[]>> {
  const quests: string[] = [];
  const nums: number[] = [];
  for (const key of keys) {
    const colon = key.lastIndexOf(':');
    quests.push(key.slice(0, colon));
    nums.push(Number(key.slice(colon + 1)));
  }
  const { rows } = await q.query<{ quest: string; num: number; fwd: AttemptId[] | null }>(
    `SELECT a.quest, a.num, a.body->'fwdDeps' AS fwd
       FROM graph_attempts a JOIN unnest($1::text[], $2::int[]) AS k(quest, num)
         ON a.quest = k.quest AND a.num = k.num`,
    [quests, nums],
  );
  return new Map(rows.map((r) => [attemptKey({ quest: r.quest, attempt: r.num }), r.fwd ?? []]));
}

export async function insertAttempt(q: Queryable, a: Attempt): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO graph_attempts (quest, num, state, num_executions, created_ms, body)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [a.id.quest, a.id.attempt, a.state, a.numExecutions, a.createdAtMs, JSON.stringify(a)],
  );
  return rowCount === 1;
}

export async function insertQuest(q: Queryable, quest: Quest): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO graph_quests (id, description, created_ms, name) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [quest.id, JSON.stringify(quest.desc), quest.createdAtMs, quest.desc.name],
  );
  return rowCount === 1;
}

export async function insertExecution(q: Queryable, e: Execution): Promise<void> {
  await q.query(
    `INSERT INTO graph_executions (quest, attempt, num, state, task_id, body)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.id.quest, e.id.attempt, e.id.execution, e.state, e.taskId, JSON.stringify(e)],
  );
}

export async function insertEdge(q: Queryable, from: AttemptId, to: AttemptId): Promise<void> {
  await q.query(
    `INSERT INTO graph_edges (from_quest, from_attempt, to_quest, to_attempt)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [from.quest, from.attempt, to.quest, to.attempt],
  );
}

export async function insertRun(q: Queryable, run: GraphRun): Promise<void> {
  const r = runColumns(run);
  await q.query(
    `INSERT INTO graph_runs (id, name, created_ms, user_name, pools, steps)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.id, r.name, r.created_ms, r.user_name, r.pools, r.steps],
  );
}

/**
 * Conditional on the state and execution count read (FOR UPDATE): a lost race is a bug in one
 * writer, so it throws and the transaction rolls back.
 */
export async function writeAttempt(q: Queryable, before: Attempt, after: Attempt): Promise<void> {
  const { rowCount } = await q.query(
    `UPDATE graph_attempts SET state = $3, num_executions = $4, body = $5
     WHERE quest = $1 AND num = $2 AND state = $6 AND num_executions = $7`,
    [
      after.id.quest,
      after.id.attempt,
      after.state,
      after.numExecutions,
      JSON.stringify(after),
      before.state,
      before.numExecutions,
    ],
  );
  if (rowCount !== 1) throw new Error(`attempt ${attemptKey(before.id)} changed under us`);
}

export async function writeExecution(
  q: Queryable,
  before: Execution,
  after: Execution,
): Promise<void> {
  const { rowCount } = await q.query(
    `UPDATE graph_executions SET state = $4, task_id = $5, body = $6
     WHERE quest = $1 AND attempt = $2 AND num = $3 AND state = $7`,
    [
      after.id.quest,
      after.id.attempt,
      after.id.execution,
      after.state,
      after.taskId,
      JSON.stringify(after),
      before.state,
    ],
  );
  if (rowCount !== 1) throw new Error('execution changed under us');
}
