import type { ExecutionEvent } from '../../graph/graph-events';
import type { AttemptId, ExecutionId, Quest } from '../../graph/graph-types';
import type {
  AddEdgesOutcome,
  EnsureGraphExtras,
  EnsureGraphOutcome,
  GraphCommit,
  GraphStore,
  ScheduleExecutionInput,
} from '../graph-store';
import type { GraphTx } from './graph-steps';
import {
  addDependenciesTx,
  applyExecutionEventTx,
  ensureGraphTx,
  scheduleExecutionTx,
} from './graph-transactions';

type GraphWrites = 'ensureGraph' | 'scheduleExecution' | 'applyExecutionEvent' | 'addDependencies';

/**
 * The GraphStore writes, each one shared transaction (graph-transactions.ts). A dialect's store
 * extends this and says only how a transaction runs: its driver of the steps, inside one
 * database transaction.
 */
export abstract class TransactionalGraphStore implements Pick<GraphStore, GraphWrites> {
  /**
   * Runs the transaction `tx()` makes in one database transaction and commits what it wrote.
   * A driver that runs the transaction again (a deadlock) calls `tx` again for a fresh one.
   */
  protected abstract runGraphTransaction<R>(tx: () => GraphTx<R>): Promise<R>;

  ensureGraph(
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
    nowMs: number,
    extras?: EnsureGraphExtras,
  ): Promise<EnsureGraphOutcome> {
    return this.runGraphTransaction(() => ensureGraphTx(quests, attempts, nowMs, extras));
  }

  scheduleExecution(input: ScheduleExecutionInput, nowMs: number): Promise<GraphCommit> {
    return this.runGraphTransaction(() => scheduleExecutionTx(input, nowMs));
  }

  applyExecutionEvent(id: ExecutionId, event: ExecutionEvent, nowMs: number): Promise<GraphCommit> {
    return this.runGraphTransaction(() => applyExecutionEventTx(id, event, nowMs));
  }

  addDependencies(
    id: ExecutionId,
    token: Uint8Array,
    dependencies: readonly AttemptId[],
    nowMs: number,
  ): Promise<AddEdgesOutcome> {
    return this.runGraphTransaction(() => addDependenciesTx(id, token, dependencies, nowMs));
  }
}
