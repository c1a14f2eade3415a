import type { AddDependenciesOutcome } from '../graph/add-dependencies';
import type {
  ExecutionEvent,
  GraphEffect,
  GraphIgnored,
  GraphRefusal,
} from '../graph/graph-events';
import type { AttemptState } from '../graph/graph-state';
import type {
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  GraphRun,
  Quest,
} from '../graph/graph-types';

/**
 * Dependencies declared with an attempt (EnsureGraphData.needs, a pipeline's `needs:`): for an
 * attempt the call creates, edges to `needs`, made in the same transaction. Ignored for an
 * attempt that already exists.
 */
export interface AttemptNeeds {
  readonly attempt: AttemptId;
  readonly needs: readonly AttemptId[];
}

/** What ensureGraph is asked to store, besides the quests and attempts. */
export interface EnsureGraphExtras {
  /** Declared dependencies of attempts of `attempts` (each attempt at most once). */
  readonly needs?: readonly AttemptNeeds[];
  /** A pipeline run to record over attempts of the call (its id is chosen by the caller). */
  readonly run?: GraphRun;
}

/** What ensureGraph created; quests and attempts that existed are left as they were. */
export type EnsureGraphOutcome =
  | {
      /** Ids of the quests that did not exist before this call. */
      readonly newQuests: readonly string[];
      /** The attempts created by this call, in any state (WAITING on declared needs too). */
      readonly newAttempts: readonly AttemptId[];
      /**
       * What the shell must still do for the created attempts: `schedule-execution` for each one
       * created SCHEDULING, `notify` for each created; propagation already applied.
       */
      readonly effects: readonly GraphEffect[];
    }
  /** An attempt of a quest that is neither stored nor in the call: nothing was written. */
  | { readonly unknownQuest: string }
  /** needs[i] names an attempt that is neither stored nor created by the call. */
  | { readonly unknownNeed: { readonly index: number; readonly need: number } }
  /** The declared needs close this cycle (attempt keys, from → … → from): nothing was written. */
  | { readonly cycle: readonly string[] };

/** Which runs listRuns returns, newest first. */
export interface RunFilter {
  /** A glob over the run's name (`*` any run of characters, `?` one); undefined = every run. */
  readonly nameGlob?: string;
  /**
   * Only runs strictly older than this one in the list's order (the page cursor: a run id; an
   * unknown id gives an empty page); undefined = from the newest.
   */
  readonly before?: string;
  readonly limit: number;
}

/**
 * A graph change committed by the store, with what the shell must still do. The store has
 * already applied `propagate-final` and `rerun-expired` in the same transaction; `effects` holds
 * the rest (kill-task, schedule-deadline, schedule-execution, notify — for the changed attempt
 * and for every attempt the propagation woke).
 */
export type GraphCommit =
  | {
      readonly attempt: Attempt;
      readonly execution: Execution;
      readonly effects: readonly GraphEffect[];
    }
  | { readonly refused: GraphRefusal | 'not-found' }
  | { readonly ignored: GraphIgnored };

export interface ScheduleExecutionInput {
  readonly attempt: AttemptId;
  /**
   * The number the new execution must get (numExecutions + 1 as the shell read it). When the
   * stored attempt moved on meanwhile the call is ignored ('stale-execution') and the shell
   * cancels the task it created.
   */
  readonly execution: number;
  /** ≥ 32 random bytes; only its hash is stored. */
  readonly activationToken: Uint8Array;
  /** The task already created for the execution (its secret env carries the token). */
  readonly taskId: string;
}

export type AddEdgesOutcome =
  | Exclude<AddDependenciesOutcome, { readonly refused: GraphRefusal }>
  | { readonly refused: GraphRefusal | 'not-found' }
  /** A dependency attempt is not stored (index into the `dependencies` argument). */
  | { readonly unknownDependency: number }
  /** The new edges would close this cycle (attempt keys, from → … → from). */
  | { readonly cycle: readonly string[] }
  /** The cycle search gave up past this many attempts. */
  | { readonly tooLarge: number };

/**
 * The graph half of the Store port (DESIGN.md §5, §6). Each method is ONE transaction that runs
 * the pure core (libs/state/src/graph) on rows it read in that transaction and commits with
 * conditional writes on their input state, so that a PostgreSQL adapter (SELECT … FOR UPDATE)
 * can keep the same contract. Propagation to dependents happens inside the transaction that made
 * an attempt final: no lost wake-ups. The writes are written once, for every dialect, in
 * store/graph/ (graph-transactions.ts over the steps of graph-steps.ts).
 */
export interface GraphStore {
  /**
   * Inserts the quests and attempts that do not exist (quests dedupe by id, attempts by id), the
   * attempts in topological order of `extras.needs` and each new one created from its needs'
   * rows (createAttempt), with its edges; then `extras.run`. One transaction; a refusal writes
   * nothing. Cycles and unknown needs are checked over every attempt of the call, existing ones
   * too (whose needs are otherwise ignored).
   */
  ensureGraph(
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
    nowMs: number,
    extras?: EnsureGraphExtras,
  ): Promise<EnsureGraphOutcome>;
  /** A run by id. */
  getRun(id: string): Promise<GraphRun | undefined>;
  /** The newest run with this exact name. */
  getRunByName(name: string): Promise<GraphRun | undefined>;
  /** Runs, newest first (created, then id), at most `filter.limit`. */
  listRuns(filter: RunFilter): Promise<GraphRun[]>;
  getQuest(id: string): Promise<Quest | undefined>;
  /** The newest quests (created, then id, descending), at most `limit` (the dashboard's list). */
  listRecentQuests(limit: number): Promise<Quest[]>;
  getAttempt(id: AttemptId): Promise<Attempt | undefined>;
  /** Attempts of a quest with low ≤ number < high, by number. */
  listAttempts(quest: string, low: number, high: number): Promise<Attempt[]>;
  /** Every attempt in one of these states (start-up sweep), oldest first. */
  listAttemptsInStates(states: readonly AttemptState[]): Promise<Attempt[]>;
  /** The attempts with an edge to `id` (its back deps), sorted. */
  listBackDeps(id: AttemptId): Promise<AttemptId[]>;
  getExecution(id: ExecutionId): Promise<Execution | undefined>;
  /** The executions of an attempt, by number. */
  listExecutions(attempt: AttemptId): Promise<Execution[]>;
  /** Every execution that is not final (start-up: timers, tasks that ended while down). */
  listActiveExecutions(): Promise<Execution[]>;
  /** The execution a task runs, if any. */
  findExecutionByTask(taskId: string): Promise<Execution | undefined>;
  /**
   * scheduleExecution on a SCHEDULING attempt, then `task-created` on the new execution; the
   * returned effects no longer hold `create-task` (the task exists).
   */
  scheduleExecution(input: ScheduleExecutionInput, nowMs: number): Promise<GraphCommit>;
  /** applyExecutionEvent on the stored rows, and propagation when the attempt became final. */
  applyExecutionEvent(id: ExecutionId, event: ExecutionEvent, nowMs: number): Promise<GraphCommit>;
  /**
   * EnsureGraphData's edges from a RUNNING execution: authentication, the cycle search, the edge
   * rows, `waitingOn`, the halt and any `rerun-expired`, all in one serialized transaction.
   */
  addDependencies(
    id: ExecutionId,
    token: Uint8Array,
    dependencies: readonly AttemptId[],
    nowMs: number,
  ): Promise<AddEdgesOutcome>;
}
