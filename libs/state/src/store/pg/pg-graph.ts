import type { Pool } from 'pg';
import type { AttemptState } from '../../graph/graph-state';
import type {
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  GraphRun,
  Quest,
} from '../../graph/graph-types';
import { runAsync, type GraphTx } from '../graph/graph-steps';
import { likePattern, runFromRow, type RunRow } from '../graph/run-rows';
import { TransactionalGraphStore } from '../graph/transactional-graph-store';
import type { GraphStore, RunFilter } from '../graph-store';
import { backDepsOf, pgGraphSteps, readAttempt, readExecution, readQuest } from './pg-graph-rows';
import { inTransaction } from './pg-tx';

/** listRecentQuests: newest first, read backwards along graph_quests_by_created. */
export const RECENT_QUESTS_SQL =
  'SELECT id FROM graph_quests ORDER BY created_ms DESC, id DESC LIMIT $1';

/**
 * The graph half of the PostgreSQL store: the shared graph transactions
 * (graph/graph-transactions.ts) driven with `await`, each in one READ COMMITTED transaction that
 * locks the rows it changes (SELECT … FOR UPDATE: the attempt, then its execution, then any
 * dependency or dependent), runs the pure core on them, writes conditionally on the state read
 * and applies propagation (`propagate-final`, `rerun-expired`) before commit, so that a
 * dependency finishing and an edge to it being added serialize on the dependency's row: no lost
 * wake-ups. Edge insertion (with its cycle search) is serialized across coordinators by an
 * advisory lock. A deadlock between two such transactions rolls one back; it runs again.
 */
export class PgGraphStore extends TransactionalGraphStore implements GraphStore {
  readonly #pool: Pool;
  /** The advisory lock key of edge insertion: one per schema. */
  readonly #edgesLockName: string;

  constructor(pool: Pool, schema: string) {
    super();
    this.#pool = pool;
    this.#edgesLockName = `${schema}.graph_edges`;
  }

  async getQuest(id: string): Promise<Quest | undefined> {
    return readQuest(this.#pool, id);
  }

  async listRecentQuests(limit: number): Promise<Quest[]> {
    const { rows } = await this.#pool.query<{ id: string }>(RECENT_QUESTS_SQL, [limit]);
    const quests = await Promise.all(rows.map((r) => readQuest(this.#pool, r.id)));
    return quests.filter((q): q is Quest => q !== undefined);
  }

  async getAttempt(id: AttemptId): Promise<Attempt | undefined> {
    return readAttempt(this.#pool, id);
  }

  async getRun(id: string): Promise<GraphRun | undefined> {
    const { rows } = await this.#pool.query<RunRow>('SELECT * FROM graph_runs WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  async getRunByName(name: string): Promise<GraphRun | undefined> {
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT * FROM graph_runs WHERE name = $1 ORDER BY created_ms DESC, id DESC LIMIT 1`,
      [name],
    );
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  /**
   * One index range: the glob as a LIKE pattern (case-sensitive), the cursor as a row-value
   * comparison with the cursor run's (created, id) — a cursor run that does not exist ends the
   * list.
   */
  async listRuns(filter: RunFilter): Promise<GraphRun[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.nameGlob !== undefined) {
      params.push(likePattern(filter.nameGlob));
      where.push(`name LIKE $${params.length} ESCAPE '\\'`);
    }
    if (filter.before !== undefined) {
      params.push(filter.before);
      where.push(
        `(created_ms, id) < (SELECT created_ms, id FROM graph_runs WHERE id = $${params.length})`,
      );
    }
    params.push(Math.max(0, filter.limit));
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT * FROM graph_runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_ms DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(runFromRow);
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

  /** Inside BEGIN/COMMIT; a deadlock or serialization failure runs a fresh `tx()` again. */
  protected override async runGraphTransaction<R>(tx: () => GraphTx<R>): Promise<R> {
    return inTransaction(this.#pool, (c) => runAsync(tx(), pgGraphSteps(c, this.#edgesLockName)));
  }
}
