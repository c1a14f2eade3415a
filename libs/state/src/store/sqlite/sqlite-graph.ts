import type Database from 'better-sqlite3';
import { addDependencies, authenticateExecution } from '../../graph/add-dependencies';
import { applyExecutionEvent } from '../../graph/apply-execution-event';
import { transitionAttempt } from '../../graph/attempt-transition';
import { createAttempt } from '../../graph/create-attempt';
import { findCycle } from '../../graph/cycle-search';
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
import { StatementCache } from './statement-cache';

interface BodyRow {
  body: string;
}

interface QuestRow {
  id: string;
  desc: string;
  created_ms: number;
}

interface EdgeRow {
  from_quest: string;
  from_attempt: number;
}

/**
 * The graph half of the SQLite store. better-sqlite3 is synchronous, so each method is one
 * IMMEDIATE transaction (the single writer): the pure core runs on rows read inside it, writes
 * are conditional on the state read, and propagation (`propagate-final`, `rerun-expired`) is
 * applied before commit. That also serializes edge insertion, as the cycle search requires.
 */
export class SqliteGraphStore implements GraphStore {
  readonly #gdb: Database.Database;
  readonly #gsql: StatementCache;
  readonly #getAttempt: Database.Statement<[string, number], BodyRow>;
  readonly #getExecution: Database.Statement<[string, number, number], BodyRow>;
  readonly #getQuest: Database.Statement<[string], QuestRow>;
  readonly #backDeps: Database.Statement<[string, number], EdgeRow>;
  readonly #updateAttempt: Database.Statement;
  readonly #updateExecution: Database.Statement;
  readonly #insertAttempt: Database.Statement;
  readonly #insertExecution: Database.Statement;
  readonly #insertEdge: Database.Statement;
  readonly #insertQuest: Database.Statement;

  constructor(db: Database.Database, statements = new StatementCache(db)) {
    this.#gdb = db;
    this.#gsql = statements;
    this.#getAttempt = db.prepare('SELECT body FROM graph_attempts WHERE quest = ? AND num = ?');
    this.#getExecution = db.prepare(
      'SELECT body FROM graph_executions WHERE quest = ? AND attempt = ? AND num = ?',
    );
    this.#getQuest = db.prepare('SELECT * FROM graph_quests WHERE id = ?');
    this.#backDeps = db.prepare(
      `SELECT from_quest, from_attempt FROM graph_edges WHERE to_quest = ? AND to_attempt = ?
       ORDER BY from_quest, from_attempt`,
    );
    this.#updateAttempt = db.prepare(
      `UPDATE graph_attempts SET state = @state, num_executions = @num_executions, body = @body
       WHERE quest = @quest AND num = @num AND state = @expected_state
         AND num_executions = @expected_num_executions`,
    );
    this.#updateExecution = db.prepare(
      `UPDATE graph_executions SET state = @state, task_id = @task_id, body = @body
       WHERE quest = @quest AND attempt = @attempt AND num = @num AND state = @expected_state`,
    );
    this.#insertAttempt = db.prepare(
      `INSERT OR IGNORE INTO graph_attempts (quest, num, state, num_executions, created_ms, body)
       VALUES (@quest, @num, @state, @num_executions, @created_ms, @body)`,
    );
    this.#insertExecution = db.prepare(
      `INSERT INTO graph_executions (quest, attempt, num, state, task_id, body)
       VALUES (@quest, @attempt, @num, @state, @task_id, @body)`,
    );
    this.#insertEdge = db.prepare(
      `INSERT OR IGNORE INTO graph_edges (from_quest, from_attempt, to_quest, to_attempt)
       VALUES (?, ?, ?, ?)`,
    );
    this.#insertQuest = db.prepare(
      'INSERT OR IGNORE INTO graph_quests (id, desc, created_ms) VALUES (?, ?, ?)',
    );
  }

  async ensureGraph(
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
    nowMs: number,
  ): Promise<EnsureGraphOutcome> {
    return this.#gdb
      .transaction((): EnsureGraphOutcome => {
        const given = new Set(quests.map((q) => q.id));
        for (const a of attempts) {
          if (!given.has(a.quest) && this.#getQuest.get(a.quest) === undefined) {
            return { unknownQuest: a.quest };
          }
        }
        const newQuests: string[] = [];
        for (const q of quests) {
          const info = this.#insertQuest.run(q.id, JSON.stringify(q.desc), q.createdAtMs);
          if (info.changes === 1) newQuests.push(q.id);
        }
        const newAttempts: AttemptId[] = [];
        for (const id of attempts) {
          const { attempt } = createAttempt(id, nowMs);
          const info = this.#insertAttempt.run({
            ...attemptColumns(attempt),
            created_ms: attempt.createdAtMs,
          });
          if (info.changes === 1) newAttempts.push(id);
        }
        return { newQuests, newAttempts };
      })
      .immediate();
  }

  async getQuest(id: string): Promise<Quest | undefined> {
    return this.#quest(id);
  }

  async getAttempt(id: AttemptId): Promise<Attempt | undefined> {
    return this.#attempt(id);
  }

  async listAttempts(quest: string, low: number, high: number): Promise<Attempt[]> {
    return this.#gsql
      .get<[string, number, number], BodyRow>(
        'SELECT body FROM graph_attempts WHERE quest = ? AND num >= ? AND num < ? ORDER BY num',
      )
      .all(quest, low, high)
      .map((r) => JSON.parse(r.body) as Attempt);
  }

  async listAttemptsInStates(states: readonly AttemptState[]): Promise<Attempt[]> {
    if (states.length === 0) return [];
    return this.#gsql
      .get<string[], BodyRow>(
        `SELECT body FROM graph_attempts WHERE state IN (${states.map(() => '?').join(', ')})
         ORDER BY created_ms, quest, num`,
      )
      .all(...states)
      .map((r) => JSON.parse(r.body) as Attempt);
  }

  async listBackDeps(id: AttemptId): Promise<AttemptId[]> {
    return this.#backDepsOf(id);
  }

  async getExecution(id: ExecutionId): Promise<Execution | undefined> {
    return this.#execution(id);
  }

  async listExecutions(attempt: AttemptId): Promise<Execution[]> {
    return this.#gsql
      .get<[string, number], BodyRow>(
        'SELECT body FROM graph_executions WHERE quest = ? AND attempt = ? ORDER BY num',
      )
      .all(attempt.quest, attempt.attempt)
      .map((r) => JSON.parse(r.body) as Execution);
  }

  async listActiveExecutions(): Promise<Execution[]> {
    return this.#gsql
      .get<[], BodyRow>(
        `SELECT body FROM graph_executions WHERE state NOT IN ('FINISHED', 'ABNORMAL_FINISHED')
         ORDER BY quest, attempt, num`,
      )
      .all()
      .map((r) => JSON.parse(r.body) as Execution);
  }

  async findExecutionByTask(taskId: string): Promise<Execution | undefined> {
    const row = this.#gsql
      .get<[string], BodyRow>('SELECT body FROM graph_executions WHERE task_id = ?')
      .get(taskId);
    return row === undefined ? undefined : (JSON.parse(row.body) as Execution);
  }

  async scheduleExecution(input: ScheduleExecutionInput, nowMs: number): Promise<GraphCommit> {
    return this.#gdb
      .transaction((): GraphCommit => {
        const attempt = this.#attempt(input.attempt);
        const quest = this.#quest(input.attempt.quest);
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
        this.#insertExecution.run(executionColumns(created.execution));
        this.#writeAttempt(attempt, scheduled.attempt);
        const effects = this.#settle(
          [...scheduled.effects.filter((e) => e.type !== 'create-task'), ...created.effects],
          nowMs,
        );
        return { attempt: scheduled.attempt, execution: created.execution, effects };
      })
      .immediate();
  }

  async applyExecutionEvent(
    id: ExecutionId,
    event: ExecutionEvent,
    nowMs: number,
  ): Promise<GraphCommit> {
    return this.#gdb
      .transaction((): GraphCommit => {
        const execution = this.#execution(id);
        const attempt = this.#attempt(attemptOf(id));
        const quest = this.#quest(id.quest);
        if (execution === undefined || attempt === undefined || quest === undefined) {
          return { refused: 'not-found' };
        }
        const outcome = applyExecutionEvent(quest, attempt, execution, event, nowMs);
        if (!('attempt' in outcome)) return outcome;
        if (outcome.execution !== execution) this.#writeExecution(execution, outcome.execution);
        if (outcome.attempt !== attempt) this.#writeAttempt(attempt, outcome.attempt);
        const effects = this.#settle(outcome.effects, nowMs);
        return { attempt: outcome.attempt, execution: outcome.execution, effects };
      })
      .immediate();
  }

  async addDependencies(
    id: ExecutionId,
    token: Uint8Array,
    dependencies: readonly AttemptId[],
    nowMs: number,
  ): Promise<AddEdgesOutcome> {
    return this.#gdb
      .transaction((): AddEdgesOutcome => {
        const execution = this.#execution(id);
        const attempt = this.#attempt(attemptOf(id));
        if (execution === undefined || attempt === undefined) return { refused: 'not-found' };
        const refusal = authenticateExecution(execution, token);
        if (refusal !== null) return { refused: refusal };
        const deps: Attempt[] = [];
        for (const [i, depId] of dependencies.entries()) {
          const dep = sameAttempt(depId, attempt.id) ? attempt : this.#attempt(depId);
          if (dep === undefined) return { unknownDependency: i };
          deps.push(dep);
        }
        const known = new Set(attempt.fwdDeps.map(attemptKey));
        const fresh = deps.filter((d) => !known.has(attemptKey(d.id))).map((d) => d.id);
        const verdict = findCycle(attempt.id, fresh, (key) => this.#attemptByKey(key)?.fwdDeps);
        if ('cycle' in verdict) return { cycle: verdict.cycle };
        if ('tooLarge' in verdict) return { tooLarge: verdict.tooLarge };
        const outcome = addDependencies({ attempt, execution, token, dependencies: deps }, nowMs);
        if ('refused' in outcome) return outcome;
        if (outcome.attempt !== attempt) this.#writeAttempt(attempt, outcome.attempt);
        if (outcome.execution !== execution) this.#writeExecution(execution, outcome.execution);
        for (const to of outcome.newEdges) {
          this.#insertEdge.run(attempt.id.quest, attempt.id.attempt, to.quest, to.attempt);
        }
        return { ...outcome, effects: this.#settle(outcome.effects, nowMs) };
      })
      .immediate();
  }

  /**
   * Applies `propagate-final` (dependency-final to every back dep) and `rerun-expired`
   * (result-needed) inside the caller's transaction, following what they cause; returns the
   * effects left for the shell.
   */
  #settle(effects: readonly GraphEffect[], nowMs: number): GraphEffect[] {
    const out: GraphEffect[] = [];
    const queue = [...effects];
    for (let effect = queue.shift(); effect !== undefined; effect = queue.shift()) {
      if (effect.type === 'propagate-final') {
        const dependency = effect.attempt;
        for (const backId of this.#backDepsOf(dependency)) {
          const back = this.#attempt(backId);
          if (back === undefined) continue;
          const moved = transitionAttempt(back, { type: 'dependency-final', dependency }, nowMs);
          if (!('attempt' in moved)) continue;
          this.#writeAttempt(back, moved.attempt);
          queue.push(...moved.effects);
        }
      } else if (effect.type === 'rerun-expired') {
        const dep = this.#attempt(effect.attempt);
        if (dep === undefined) continue;
        const moved = transitionAttempt(dep, { type: 'result-needed' }, nowMs);
        if (!('attempt' in moved)) continue;
        this.#writeAttempt(dep, moved.attempt);
        queue.push(...moved.effects);
      } else {
        out.push(effect);
      }
    }
    return out;
  }

  #backDepsOf(id: AttemptId): AttemptId[] {
    return this.#backDeps
      .all(id.quest, id.attempt)
      .map((r) => ({ quest: r.from_quest, attempt: r.from_attempt }));
  }

  #quest(id: string): Quest | undefined {
    const row = this.#getQuest.get(id);
    if (row === undefined) return undefined;
    return { id: row.id, desc: JSON.parse(row.desc) as Quest['desc'], createdAtMs: row.created_ms };
  }

  #attempt(id: AttemptId): Attempt | undefined {
    const row = this.#getAttempt.get(id.quest, id.attempt);
    return row === undefined ? undefined : (JSON.parse(row.body) as Attempt);
  }

  #attemptByKey(key: string): Attempt | undefined {
    const colon = key.lastIndexOf(':');
    return this.#attempt({ quest: key.slice(0, colon), attempt: Number(key.slice(colon + 1)) });
  }

  #execution(id: ExecutionId): Execution | undefined {
    const row = this.#getExecution.get(id.quest, id.attempt, id.execution);
    return row === undefined ? undefined : (JSON.parse(row.body) as Execution);
  }

  /** Conditional on the state and execution count read: a lost race is a bug in one writer. */
  #writeAttempt(before: Attempt, after: Attempt): void {
    const info = this.#updateAttempt.run({
      ...attemptColumns(after),
      expected_state: before.state,
      expected_num_executions: before.numExecutions,
    });
    if (info.changes !== 1) throw new Error(`attempt ${attemptKey(before.id)} changed under us`);
  }

  #writeExecution(before: Execution, after: Execution): void {
    const info = this.#updateExecution.run({
      ...executionColumns(after),
      expected_state: before.state,
    });
    if (info.changes !== 1) throw new Error('execution changed under us');
  }
}

function attemptColumns(a: Attempt) {
  return {
    quest: a.id.quest,
    num: a.id.attempt,
    state: a.state,
    num_executions: a.numExecutions,
    body: JSON.stringify(a),
  };
}

function executionColumns(e: Execution) {
  return {
    quest: e.id.quest,
    attempt: e.id.attempt,
    num: e.id.execution,
    state: e.state,
    task_id: e.taskId,
    body: JSON.stringify(e),
  };
}
