import type Database from 'better-sqlite3';
import type { AttemptState } from '../../graph/graph-state';
import type {
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  GraphRun,
  Quest,
} from '../../graph/graph-types';
import { attemptKey } from '../../graph/graph-types';
import { runSync, type GraphTx, type SyncGraphSteps } from '../graph/graph-steps';
import { runColumns, runFromRow, sqliteGlob, type RunRow } from '../graph/run-rows';
import { TransactionalGraphStore } from '../graph/transactional-graph-store';
import type { GraphStore, RunFilter } from '../graph-store';
import { StatementCache } from './statement-cache';

interface BodyRow {
  body: string;
}

interface QuestRow {
  id: string;
  desc: string;
  created_ms: number;
  name: string;
}

interface EdgeRow {
  from_quest: string;
  from_attempt: number;
}

/** listRecentQuests: newest first, read backwards along graph_quests_by_created. */
export const RECENT_QUESTS_SQL =
  'SELECT id FROM graph_quests ORDER BY created_ms DESC, id DESC LIMIT ?';

/**
 * The graph half of the SQLite store: the shared graph transactions (graph/graph-transactions.ts)
 * driven synchronously, each in one IMMEDIATE transaction (the single writer). better-sqlite3 is
 * synchronous and nothing inside awaits, so no other statement interleaves; the single writer
 * also serializes edge insertion, as the cycle search requires, so `lock-edges` does nothing.
 */
export class SqliteGraphStore extends TransactionalGraphStore implements GraphStore {
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
  readonly #insertRun: Database.Statement;
  readonly #steps: SyncGraphSteps;

  constructor(db: Database.Database, statements = new StatementCache(db)) {
    super();
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
      'INSERT OR IGNORE INTO graph_quests (id, desc, created_ms, name) VALUES (?, ?, ?, ?)',
    );
    this.#insertRun = db.prepare(
      `INSERT INTO graph_runs (id, name, created_ms, user_name, pools, steps)
       VALUES (@id, @name, @created_ms, @user_name, @pools, @steps)`,
    );
    this.#steps = this.#driver();
  }

  /** How each graph step runs on this connection's prepared statements. */
  #driver(): SyncGraphSteps {
    return {
      'read-quest': (s) => this.#quest(s.id),
      'read-attempt': (s) => this.#attempt(s.id),
      'read-execution': (s) => this.#execution(s.id),
      'read-back-deps': (s) => this.#backDepsOf(s.id),
      'read-fwd-deps': (s) =>
        new Map(s.keys.map((key) => [key, this.#attemptByKey(key)?.fwdDeps ?? []])),
      'lock-edges': () => undefined,
      'insert-quest': ({ quest }) => {
        const info = this.#insertQuest.run(
          quest.id,
          JSON.stringify(quest.desc),
          quest.createdAtMs,
          quest.desc.name,
        );
        return info.changes === 1;
      },
      'insert-attempt': ({ attempt }) => {
        const columns = { ...attemptColumns(attempt), created_ms: attempt.createdAtMs };
        return this.#insertAttempt.run(columns).changes === 1;
      },
      'insert-execution': (s) => {
        this.#insertExecution.run(executionColumns(s.execution));
      },
      'insert-edge': ({ from, to }) => {
        this.#insertEdge.run(from.quest, from.attempt, to.quest, to.attempt);
      },
      'insert-run': ({ run }) => {
        this.#insertRun.run(runColumns(run));
      },
      'write-attempt': (s) => this.#writeAttempt(s.before, s.after),
      'write-execution': (s) => this.#writeExecution(s.before, s.after),
    };
  }

  async getQuest(id: string): Promise<Quest | undefined> {
    return this.#quest(id);
  }

  async listRecentQuests(limit: number): Promise<Quest[]> {
    const rows = this.#gdb.prepare<[number], { id: string }>(RECENT_QUESTS_SQL).all(limit);
    return rows.flatMap((r) => this.#quest(r.id) ?? []);
  }

  async getAttempt(id: AttemptId): Promise<Attempt | undefined> {
    return this.#attempt(id);
  }

  async getRun(id: string): Promise<GraphRun | undefined> {
    const row = this.#gsql.get<[string], RunRow>('SELECT * FROM graph_runs WHERE id = ?').get(id);
    return row === undefined ? undefined : runFromRow(row);
  }

  async getRunByName(name: string): Promise<GraphRun | undefined> {
    const row = this.#gsql
      .get<[string], RunRow>(
        `SELECT * FROM graph_runs WHERE name = ? ORDER BY created_ms DESC, id DESC LIMIT 1`,
      )
      .get(name);
    return row === undefined ? undefined : runFromRow(row);
  }

  /**
   * One index range: the glob as a (case-sensitive) GLOB pattern, the cursor as a row-value
   * comparison with the cursor run's (created, id) — a cursor run that does not exist ends the
   * list.
   */
  async listRuns(filter: RunFilter): Promise<GraphRun[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.nameGlob !== undefined) {
      where.push('name GLOB ?');
      params.push(sqliteGlob(filter.nameGlob));
    }
    if (filter.before !== undefined) {
      where.push('(created_ms, id) < (SELECT created_ms, id FROM graph_runs WHERE id = ?)');
      params.push(filter.before);
    }
    params.push(Math.max(0, filter.limit));
    return this.#gsql
      .get<(string | number)[], RunRow>(
        `SELECT * FROM graph_runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_ms DESC, id DESC LIMIT ?`,
      )
      .all(...params)
      .map(runFromRow);
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

  /** One IMMEDIATE transaction: the single writer, and no await inside. */
  protected override async runGraphTransaction<R>(tx: () => GraphTx<R>): Promise<R> {
    return this.#gdb.transaction(() => runSync(tx(), this.#steps)).immediate();
  }

  #backDepsOf(id: AttemptId): AttemptId[] {
    return this.#backDeps
      .all(id.quest, id.attempt)
      .map((r) => ({ quest: r.from_quest, attempt: r.from_attempt }));
  }

  #quest(id: string): Quest | undefined {
    const row = this.#getQuest.get(id);
    if (row === undefined) return undefined;
    // The name column is the truth (rows from before it have '' there and none in desc).
    const desc = { ...(JSON.parse(row.desc) as Quest['desc']), name: row.name };
    return { id: row.id, desc, createdAtMs: row.created_ms };
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
