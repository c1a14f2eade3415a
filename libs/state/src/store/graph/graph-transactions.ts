import { addDependencies, authenticateExecution } from '../../graph/add-dependencies';
import { applyExecutionEvent } from '../../graph/apply-execution-event';
import { createAttempt } from '../../graph/create-attempt';
import { searchCycle, type CycleVerdict } from '../../graph/cycle-search';
import { transitionExecution } from '../../graph/execution-transition';
import type { ExecutionEvent } from '../../graph/graph-events';
import type { Attempt, AttemptId, ExecutionId, Quest } from '../../graph/graph-types';
import { attemptKey, attemptOf, sameAttempt } from '../../graph/graph-types';
import { scheduleExecution } from '../../graph/schedule-execution';
import type {
  AddEdgesOutcome,
  EnsureGraphOutcome,
  GraphCommit,
  ScheduleExecutionInput,
} from '../graph-store';
import { settle } from './graph-settle';
import { step, type GraphTx } from './graph-steps';

// The GraphStore transactions, once for every dialect (see GraphStore for each contract). Each
// reads the rows it needs (locking those it may change, the attempt before its execution), runs
// the pure core on them, writes conditionally on what it read and settles propagation before it
// returns, so that its driver commits one consistent change.

export function* ensureGraphTx(
  quests: readonly Quest[],
  attempts: readonly AttemptId[],
  nowMs: number,
): GraphTx<EnsureGraphOutcome> {
  const given = new Set(quests.map((q) => q.id));
  for (const a of attempts) {
    if (given.has(a.quest)) continue;
    if ((yield* step({ kind: 'read-quest', id: a.quest })) === undefined) {
      return { unknownQuest: a.quest };
    }
  }
  const newQuests: string[] = [];
  for (const quest of quests) {
    if (yield* step({ kind: 'insert-quest', quest })) newQuests.push(quest.id);
  }
  const newAttempts: AttemptId[] = [];
  for (const id of attempts) {
    const { attempt } = createAttempt(id, nowMs);
    if (yield* step({ kind: 'insert-attempt', attempt })) newAttempts.push(id);
  }
  return { newQuests, newAttempts };
}

export function* scheduleExecutionTx(
  input: ScheduleExecutionInput,
  nowMs: number,
): GraphTx<GraphCommit> {
  const attempt = yield* step({ kind: 'read-attempt', id: input.attempt, lock: true });
  const quest = yield* step({ kind: 'read-quest', id: input.attempt.quest });
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
  yield* step({ kind: 'insert-execution', execution: created.execution });
  yield* step({ kind: 'write-attempt', before: attempt, after: scheduled.attempt });
  const effects = yield* settle(
    [...scheduled.effects.filter((e) => e.type !== 'create-task'), ...created.effects],
    nowMs,
  );
  return { attempt: scheduled.attempt, execution: created.execution, effects };
}

export function* applyExecutionEventTx(
  id: ExecutionId,
  event: ExecutionEvent,
  nowMs: number,
): GraphTx<GraphCommit> {
  const attempt = yield* step({ kind: 'read-attempt', id: attemptOf(id), lock: true });
  const execution = yield* step({ kind: 'read-execution', id, lock: true });
  const quest = yield* step({ kind: 'read-quest', id: id.quest });
  if (execution === undefined || attempt === undefined || quest === undefined) {
    return { refused: 'not-found' };
  }
  const outcome = applyExecutionEvent(quest, attempt, execution, event, nowMs);
  if (!('attempt' in outcome)) return outcome;
  if (outcome.execution !== execution) {
    yield* step({ kind: 'write-execution', before: execution, after: outcome.execution });
  }
  if (outcome.attempt !== attempt) {
    yield* step({ kind: 'write-attempt', before: attempt, after: outcome.attempt });
  }
  const effects = yield* settle(outcome.effects, nowMs);
  return { attempt: outcome.attempt, execution: outcome.execution, effects };
}

export function* addDependenciesTx(
  id: ExecutionId,
  token: Uint8Array,
  dependencies: readonly AttemptId[],
  nowMs: number,
): GraphTx<AddEdgesOutcome> {
  // One edge writer at a time: the cycle search must see every committed edge.
  yield* step({ kind: 'lock-edges' });
  const attempt = yield* step({ kind: 'read-attempt', id: attemptOf(id), lock: true });
  const execution = yield* step({ kind: 'read-execution', id, lock: true });
  if (execution === undefined || attempt === undefined) return { refused: 'not-found' };
  const refusal = authenticateExecution(execution, token);
  if (refusal !== null) return { refused: refusal };
  const deps: Attempt[] = [];
  for (const [i, depId] of dependencies.entries()) {
    // Locked: a dependency that finishes now waits for this edge, then wakes its source.
    const dep = sameAttempt(depId, attempt.id)
      ? attempt
      : yield* step({ kind: 'read-attempt', id: depId, lock: true });
    if (dep === undefined) return { unknownDependency: i };
    deps.push(dep);
  }
  const known = new Set(attempt.fwdDeps.map(attemptKey));
  const fresh = deps.filter((d) => !known.has(attemptKey(d.id))).map((d) => d.id);
  const verdict = yield* cycleVerdict(attempt.id, fresh);
  if ('cycle' in verdict) return { cycle: verdict.cycle };
  if ('tooLarge' in verdict) return { tooLarge: verdict.tooLarge };
  const outcome = addDependencies({ attempt, execution, token, dependencies: deps }, nowMs);
  if ('refused' in outcome) return outcome;
  if (outcome.attempt !== attempt) {
    yield* step({ kind: 'write-attempt', before: attempt, after: outcome.attempt });
  }
  if (outcome.execution !== execution) {
    yield* step({ kind: 'write-execution', before: execution, after: outcome.execution });
  }
  for (const to of outcome.newEdges) yield* step({ kind: 'insert-edge', from: attempt.id, to });
  return { ...outcome, effects: yield* settle(outcome.effects, nowMs) };
}

/** searchCycle, each level's forward deps read in one step. */
function* cycleVerdict(from: AttemptId, to: readonly AttemptId[]): GraphTx<CycleVerdict> {
  const search = searchCycle(from, to);
  let level = search.next(new Map());
  while (level.done !== true) {
    level = search.next(yield* step({ kind: 'read-fwd-deps', keys: level.value }));
  }
  return level.value;
}
