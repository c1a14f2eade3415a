import { transitionExecution } from './execution-transition';
import { tokenMatches } from './execution-token';
import type { GraphEffect, GraphRefusal } from './graph-events';
import { isFinalExecutionState } from './graph-state';
import type { Attempt, AttemptId, Execution } from './graph-types';
import { attemptKey, compareAttemptIds, sameAttempt } from './graph-types';
import { resultSatisfies } from './json-result';

/**
 * Whether an edge to `dependency`, asked at `nowMs`, is satisfied at once: the dependency is final
 * — FINISHED with a result that has not expired, or ABNORMAL_FINISHED (final too: the dependent
 * sees its AbnormalFinish, no deadlock). An expired result does not satisfy a new dependency.
 */
export function dependencySatisfied(dependency: Attempt, nowMs: number): boolean {
  if (dependency.state === 'ABNORMAL_FINISHED') return true;
  return (
    dependency.state === 'FINISHED' &&
    dependency.result !== null &&
    resultSatisfies(dependency.result, nowMs)
  );
}

/** Refuses unless `token` authenticates `execution` as RUNNING (EnsureGraphData, WalkGraph). */
export function authenticateExecution(
  execution: Execution,
  token: Uint8Array,
): GraphRefusal | null {
  if (isFinalExecutionState(execution.state)) return 'final';
  if (!tokenMatches(token, execution.executionTokenHash)) return 'bad-token';
  if (execution.state !== 'RUNNING') return 'not-running';
  return null;
}

export interface AddDependenciesInput {
  /** The calling execution's attempt. */
  readonly attempt: Attempt;
  /** The calling execution (ExecutionAuth.id) and its ExecutionAuth.token. */
  readonly execution: Execution;
  readonly token: Uint8Array;
  /** The attempts asked for, as read in the same transaction (existing or just created). */
  readonly dependencies: readonly Attempt[];
}

export type AddDependenciesOutcome =
  | {
      readonly attempt: Attempt;
      readonly execution: Execution;
      /** EnsureGraphDataResponse.should_halt: the payload must exit; the attempt will wait. */
      readonly shouldHalt: boolean;
      /** Edges not recorded before: the shell inserts their reverse (back-dep) rows. */
      readonly newEdges: readonly AttemptId[];
      readonly effects: readonly GraphEffect[];
    }
  | { readonly refused: GraphRefusal };

/**
 * EnsureGraphData's dependencies from a RUNNING execution. Every edge is evaluated at `nowMs`;
 * an unsatisfied one joins `waitingOn` and the execution halts (RUNNING → STOPPING, should_halt).
 * A FINISHED dependency with an expired result is re-run (`rerun-expired`). A self-edge is a
 * cycle; longer cycles must be ruled out by the shell first (findCycle), in the same transaction.
 *
 * No lost wake-up — the invariant the shell keeps: the satisfaction check, the edge rows and the
 * new `waitingOn` are written in ONE transaction that also locks (reads for update) each
 * dependency's row; a dependency becoming final applies `dependency-final` to the attempts with
 * an edge to it in ITS transaction (propagate-final), which updates that row. The two conflict on
 * the dependency's row, so one sees the other: either the edge is there when the dependency
 * finishes, or the dependency is final when the edge is checked. `dependency-final` is idempotent.
 */
export function addDependencies(
  input: AddDependenciesInput,
  nowMs: number,
): AddDependenciesOutcome {
  const { attempt, execution, token } = input;
  const refusal = authenticateExecution(execution, token);
  if (refusal !== null) return { refused: refusal };
  if (
    attempt.state !== 'EXECUTING' ||
    attempt.numExecutions !== execution.id.execution ||
    !sameAttempt(attempt.id, execution.id)
  ) {
    return { refused: 'stale-execution' };
  }
  const byKey = new Map(input.dependencies.map((d) => [attemptKey(d.id), d]));
  if (byKey.has(attemptKey(attempt.id))) return { refused: 'cycle' };

  const fwd = new Map(attempt.fwdDeps.map((d) => [attemptKey(d), d]));
  const waiting = new Map(attempt.waitingOn.map((d) => [attemptKey(d), d]));
  const newEdges: AttemptId[] = [];
  const effects: GraphEffect[] = [];
  for (const [key, dep] of byKey) {
    if (!fwd.has(key)) {
      fwd.set(key, dep.id);
      newEdges.push(dep.id);
    }
    if (dependencySatisfied(dep, nowMs)) continue;
    waiting.set(key, dep.id);
    if (dep.state === 'FINISHED') effects.push({ type: 'rerun-expired', attempt: dep.id });
  }
  newEdges.sort(compareAttemptIds);
  const changed: Attempt =
    newEdges.length === 0 && waiting.size === attempt.waitingOn.length
      ? attempt
      : {
          ...attempt,
          fwdDeps: [...fwd.values()].sort(compareAttemptIds),
          waitingOn: [...waiting.values()].sort(compareAttemptIds),
          modifiedAtMs: nowMs,
        };
  if (changed.waitingOn.length === 0) {
    return { attempt: changed, execution, shouldHalt: false, newEdges, effects };
  }
  const halted = transitionExecution(execution, { type: 'halt' }, nowMs);
  if (!('execution' in halted)) throw new Error('addDependencies: a RUNNING execution must halt');
  return {
    attempt: changed,
    execution: halted.execution,
    shouldHalt: true,
    newEdges,
    effects: [...effects, ...halted.effects],
  };
}
