import type { Pool, PoolClient } from 'pg';
import { addDependencies, authenticateExecution } from '../../graph/add-dependencies';
import { applyExecutionEvent } from '../../graph/apply-execution-event';
import { transitionAttempt } from '../../graph/attempt-transition';
import { createAttempt } from '../../graph/create-attempt';
import { findCycleAsync } from '../../graph/cycle-search';
import { transitionExecution } from '../../graph/execution-transition';
import type { ExecutionEvent, GraphEffect } from '../../graph/graph-events';
import type { AttemptState } from '../../graph/graph-state';
import type { Attempt, AttemptId, Execution, ExecutionId, Quest } from '../../graph/graph-types';
import { attemptKey, attemptOf, sameAttempt } from '../../graph/graph-types';
import { scheduleExecution } from '../../graph/schedule-execution';
import type {
  AddEdgesOutcome,
  EnsureGraphOutcome,
  GraphCommit,
  GraphStore,
  ScheduleExecutionInput,
} from '../graph-store';
import {
  backDepsOf,
  fwdDepsOf,
  insertAttempt,
  insertEdge,
  insertExecution,
  insertQuest,
  readAttempt,
  readExecution,
  readQuest,
  writeAttempt,
  writeExecution,
} from './pg-graph-rows';
import { LOCK_SPACE, inTransaction } from './pg-tx';

/**
 * The graph half of the PostgreSQL store. Each method is one READ COMMITTED transaction that
 * locks the rows it changes (SELECT … FOR UPDATE: the attempt, then its execution, then any
 * dependency or dependent), runs the pure core on them, writes conditionally on the state read
 * and applies propagation (`propagate-final`, `rerun-expired`) before commit, so that a
 * dependency finishing and an edge to it being added serialize on the dependency's row: no lost
 * wake-ups. Edge insertion (with its cycle search) is serialized across coordinators by an
 * advisory lock. A deadlock between two such transactions rolls one back; it runs again.
 */
export class PgGraphStore implements GraphStore {
  readonly #pool: Pool;
  /** The advisory lock key of edge insertion: one per schema. */
  readonly #edgesLockName: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#edgesLockName = `${schema}.graph_edges`;
  }

  async ensureGraph(
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
    nowMs: number,
  ): Promise<EnsureGraphOutcome> {
    return inTransaction(this.#pool, async (c): Promise<EnsureGraphOutcome> => {
      const given = new Set(quests.map((q) => q.id));
      for (const a of attempts) {
        if (!given.has(a.quest) && (await readQuest(c, a.quest)) === undefined) {
          return { unknownQuest: a.quest };
        }
      }
      const newQuests: string[] = [];
      for (const q of quests) if (await insertQuest(c, q)) newQuests.push(q.id);
      const newAttempts: AttemptId[] = [];
      for (const id of attempts) {
        if (await insertAttempt(c, createAttempt(id, nowMs).attempt)) newAttempts.push(id);
      }
      return { newQuests, newAttempts };
    });
  }

  async getQuest(id: string): Promise<Quest | undefined> {
    return readQuest(this.#pool, id);
  }

  async getAttempt(id: AttemptId): Promise<Attempt | undefined> {
    return readAttempt(this.#pool, id);
  }

  async listAttempts(quest: string, low: number, high: number): Promise<Attempt[]> {
    const { rows } = await this.#pool.query<{ body: Attempt }>(
      'SELECT body FROM graph_attempts WHERE quest = $1 AND num >= $2 AND num < $3 ORDER BY num',
      [quest, low, high],
    );
    return rows.map((r) => r.body);
  }

  async listAttemptsInStates(states: readonly AttemptState[]): Promise<Attempt[]> {
    if (states.length === 0) return [];
    const { rows } = await this.#pool.query<{ body: Attempt }>(
      `SELECT body FROM graph_attempts WHERE state = ANY($1::text[])
       ORDER BY created_ms, quest, num`,
      [states],
    );
    return rows.map((r) => r.body);
  }

  async listBackDeps(id: AttemptId): Promise<AttemptId[]> {
    return backDepsOf(this.#pool, id);
  }

  async getExecution(id: ExecutionId): Promise<Execution | undefined> {
    return readExecution(this.#pool, id);
  }

  async listExecutions(attempt: AttemptId): Promise<Execution[]> {
    const { rows } = await this.#pool.query<{ body: Execution }>(
      'SELECT body FROM graph_executions WHERE quest = $1 AND attempt = $2 ORDER BY num',
      [attempt.quest, attempt.attempt],
    );
    return rows.map((r) => r.body);
  }

  async listActiveExecutions(): Promise<Execution[]> {
    const { rows } = await this.#pool.query<{ body: Execution }>(
      `SELECT body FROM graph_executions WHERE state NOT IN ('FINISHED', 'ABNORMAL_FINISHED')
       ORDER BY quest, attempt, num`,
    );
    return rows.map((r) => r.body);
  }

  async findExecutionByTask(taskId: string): Promise<Execution | undefined> {
    const { rows } = await this.#pool.query<{ body: Execution }>(
      'SELECT body FROM graph_executions WHERE task_id = $1 LIMIT 1',
      [taskId],
    );
    return rows[0]?.body;
  }

  async scheduleExecution(input: ScheduleExecutionInput, nowMs: number): Promise<GraphCommit> {
    return inTransaction(this.#pool, async (c): Promise<GraphCommit> => {
      const attempt = await readAttempt(c, input.attempt, true);
      const quest = await readQuest(c, input.attempt.quest);
      if (attempt === undefined || quest === undefined) return { refused: 'not-found' };
      if (attempt.state !== 'SCHEDULING' || attempt.numExecutions + 1 !== input.execution) {
        return { ignored: 'stale-execution' };
      }
      const scheduled = scheduleExecution(quest, attempt, input.activationToken, nowMs);
      if (!('attempt' in scheduled)) return scheduled;
      const created = transitionExecution(
        scheduled.execution,
        { type: 'task-created', taskId: input.taskId },
        nowMs,
      );
      if (!('execution' in created)) throw new Error('a new execution must take its task');
      await insertExecution(c, created.execution);
      await writeAttempt(c, attempt, scheduled.attempt);
      const effects = await settle(
        c,
        [...scheduled.effects.filter((e) => e.type !== 'create-task'), ...created.effects],
        nowMs,
      );
      return { attempt: scheduled.attempt, execution: created.execution, effects };
    });
  }

  async applyExecutionEvent(
    id: ExecutionId,
    event: ExecutionEvent,
    nowMs: number,
  ): Promise<GraphCommit> {
    return inTransaction(this.#pool, async (c): Promise<GraphCommit> => {
      const attempt = await readAttempt(c, attemptOf(id), true);
      const execution = await readExecution(c, id, true);
      const quest = await readQuest(c, id.quest);
      if (execution === undefined || attempt === undefined || quest === undefined) {
        return { refused: 'not-found' };
      }
      const outcome = applyExecutionEvent(quest, attempt, execution, event, nowMs);
      if (!('attempt' in outcome)) return outcome;
      if (outcome.execution !== execution) await writeExecution(c, execution, outcome.execution);
      if (outcome.attempt !== attempt) await writeAttempt(c, attempt, outcome.attempt);
      const effects = await settle(c, outcome.effects, nowMs);
      return { attempt: outcome.attempt, execution: outcome.execution, effects };
    });
  }

  async addDependencies(
    id: ExecutionId,
    token: Uint8Array,
    dependencies: readonly AttemptId[],
    nowMs: number,
  ): Promise<AddEdgesOutcome> {
    return inTransaction(this.#pool, async (c): Promise<AddEdgesOutcome> => {
      // One edge writer at a time: the cycle search must see every committed edge.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        LOCK_SPACE.edges,
        this.#edgesLockName,
      ]);
      const attempt = await readAttempt(c, attemptOf(id), true);
      const execution = await readExecution(c, id, true);
      if (execution === undefined || attempt === undefined) return { refused: 'not-found' };
      const refusal = authenticateExecution(execution, token);
      if (refusal !== null) return { refused: refusal };
      const deps: Attempt[] = [];
      for (const [i, depId] of dependencies.entries()) {
        // Locked: a dependency that finishes now waits for this edge, then wakes its source.
        const dep = sameAttempt(depId, attempt.id) ? attempt : await readAttempt(c, depId, true);
        if (dep === undefined) return { unknownDependency: i };
        deps.push(dep);
      }
      const known = new Set(attempt.fwdDeps.map(attemptKey));
      const fresh = deps.filter((d) => !known.has(attemptKey(d.id))).map((d) => d.id);
      const verdict = await findCycleAsync(attempt.id, fresh, (keys) => fwdDepsOf(c, keys));
      if ('cycle' in verdict) return { cycle: verdict.cycle };
      if ('tooLarge' in verdict) return { tooLarge: verdict.tooLarge };
      const outcome = addDependencies({ attempt, execution, token, dependencies: deps }, nowMs);
      if ('refused' in outcome) return outcome;
      if (outcome.attempt !== attempt) await writeAttempt(c, attempt, outcome.attempt);
      if (outcome.execution !== execution) await writeExecution(c, execution, outcome.execution);
      for (const to of outcome.newEdges) await insertEdge(c, attempt.id, to);
      return { ...outcome, effects: await settle(c, outcome.effects, nowMs) };
    });
  }
}

/**
 * Applies `propagate-final` (dependency-final to every back dep) and `rerun-expired`
 * (result-needed) inside the caller's transaction, locking each attempt it changes and following
 * what they cause; returns the effects left for the shell. SqliteGraphStore's #settle, async.
 */
async function settle(
  c: PoolClient,
  effects: readonly GraphEffect[],
  nowMs: number,
): Promise<GraphEffect[]> {
  const out: GraphEffect[] = [];
  const queue = [...effects];
  for (let effect = queue.shift(); effect !== undefined; effect = queue.shift()) {
    if (effect.type === 'propagate-final') {
      const dependency = effect.attempt;
      for (const backId of await backDepsOf(c, dependency)) {
        const back = await readAttempt(c, backId, true);
        if (back === undefined) continue;
        const moved = transitionAttempt(back, { type: 'dependency-final', dependency }, nowMs);
        if (!('attempt' in moved)) continue;
        await writeAttempt(c, back, moved.attempt);
        queue.push(...moved.effects);
      }
    } else if (effect.type === 'rerun-expired') {
      const dep = await readAttempt(c, effect.attempt, true);
      if (dep === undefined) continue;
      const moved = transitionAttempt(dep, { type: 'result-needed' }, nowMs);
      if (!('attempt' in moved)) continue;
      await writeAttempt(c, dep, moved.attempt);
      queue.push(...moved.effects);
    } else {
      out.push(effect);
    }
  }
  return out;
}
