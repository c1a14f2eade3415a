import { addDependencies, authenticateExecution } from '../../graph/add-dependencies';
import { applyExecutionEvent } from '../../graph/apply-execution-event';
import { createAttempt } from '../../graph/create-attempt';
import { searchCycle, type CycleVerdict } from '../../graph/cycle-search';
import { transitionExecution } from '../../graph/execution-transition';
import type { ExecutionEvent, GraphEffect } from '../../graph/graph-events';
import type { Attempt, AttemptId, ExecutionId, Quest } from '../../graph/graph-types';
import { attemptKey, attemptOf, sameAttempt } from '../../graph/graph-types';
import { scheduleExecution } from '../../graph/schedule-execution';
import type {
  AddEdgesOutcome,
  AttemptNeeds,
  EnsureGraphExtras,
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

/**
 * EnsureGraphData's quests and attempts, with the needs declared for them and a pipeline run.
 * Checks first, writing nothing when one fails: a cycle among the call's declared needs (pure,
 * before any step), an attempt of an unknown quest, a need neither in the call nor stored. Then,
 * under the edge lock when needs are declared: the quests, the attempts in topological order of
 * their needs (each created from its needs' rows, read locked), the edges of each NEW attempt
 * (an attempt that existed keeps its edges), the run, and the propagation their effects ask.
 */
export function* ensureGraphTx(
  quests: readonly Quest[],
  attempts: readonly AttemptId[],
  nowMs: number,
  extras: EnsureGraphExtras = {},
): GraphTx<EnsureGraphOutcome> {
  const needs = extras.needs ?? [];
  const plan = planAttempts(attempts, needs);
  if ('cycle' in plan) return plan;
  // One edge writer at a time, and before any attempt row is locked (as addDependencies).
  if (plan.declared) yield* step({ kind: 'lock-edges' });
  const given = new Set(quests.map((q) => q.id));
  for (const a of attempts) {
    if (given.has(a.quest)) continue;
    if ((yield* step({ kind: 'read-quest', id: a.quest })) === undefined) {
      return { unknownQuest: a.quest };
    }
  }
  for (const [index, entry] of needs.entries()) {
    if (!plan.inCall.has(attemptKey(entry.attempt))) continue;
    for (const [i, need] of entry.needs.entries()) {
      if (plan.inCall.has(attemptKey(need))) continue;
      if ((yield* step({ kind: 'read-attempt', id: need, lock: true })) === undefined) {
        return { unknownNeed: { index, need: i } };
      }
    }
  }
  const newQuests: string[] = [];
  for (const quest of quests) {
    if (yield* step({ kind: 'insert-quest', quest })) newQuests.push(quest.id);
  }
  const newAttempts: AttemptId[] = [];
  const effects: GraphEffect[] = [];
  for (const id of plan.order) {
    const rows: Attempt[] = [];
    for (const need of plan.needsOf.get(attemptKey(id)) ?? []) {
      // Locked: a need that finishes now waits for this edge, then wakes the new attempt.
      const row = yield* step({ kind: 'read-attempt', id: need, lock: true });
      if (row === undefined) throw new Error(`need ${attemptKey(need)} vanished`);
      rows.push(row);
    }
    const created = createAttempt(id, nowMs, rows);
    if (!(yield* step({ kind: 'insert-attempt', attempt: created.attempt }))) continue;
    newAttempts.push(id);
    for (const to of created.attempt.fwdDeps) yield* step({ kind: 'insert-edge', from: id, to });
    effects.push(...created.effects);
  }
  if (extras.run !== undefined) yield* step({ kind: 'insert-run', run: extras.run });
  return { newQuests, newAttempts, effects: yield* settle(effects, nowMs) };
}

interface AttemptPlan {
  /** The call's attempts, each once, every need in the call before the attempts needing it. */
  readonly order: readonly AttemptId[];
  /** The declared needs of the call's attempts, by attempt key (merged, each once). */
  readonly needsOf: ReadonlyMap<string, readonly AttemptId[]>;
  readonly inCall: ReadonlySet<string>;
  /** Some attempt of the call declares a need. */
  readonly declared: boolean;
}

/**
 * Orders the call's attempts so that each comes after the needs it declares that the call also
 * creates (depth first, in the call's order), or finds a cycle among those needs. Needs declared
 * for an attempt that is not in the call are left out.
 */
export function planAttempts(
  attempts: readonly AttemptId[],
  needs: readonly AttemptNeeds[],
): AttemptPlan | { readonly cycle: readonly string[] } {
  const ids = new Map(attempts.map((a) => [attemptKey(a), a]));
  const needsOf = new Map<string, Map<string, AttemptId>>();
  for (const entry of needs) {
    const key = attemptKey(entry.attempt);
    if (!ids.has(key) || entry.needs.length === 0) continue;
    const merged = needsOf.get(key) ?? new Map<string, AttemptId>();
    for (const need of entry.needs) merged.set(attemptKey(need), need);
    needsOf.set(key, merged);
  }
  const order: AttemptId[] = [];
  const done = new Set<string>();
  const onPath = new Set<string>();
  for (const root of ids.keys()) {
    if (done.has(root)) continue;
    // Iterative depth-first search: the path, each node with its needs still to visit.
    const path: { key: string; next: string[] }[] = [];
    const enter = (key: string) => {
      onPath.add(key);
      path.push({ key, next: [...(needsOf.get(key)?.keys() ?? [])].filter((k) => ids.has(k)) });
    };
    enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const need = top.next.shift();
      if (need === undefined) {
        path.pop();
        onPath.delete(top.key);
        done.add(top.key);
        order.push(ids.get(top.key)!);
      } else if (onPath.has(need)) {
        const from = path.findIndex((p) => p.key === need);
        return { cycle: [...path.slice(from).map((p) => p.key), need] };
      } else if (!done.has(need)) {
        enter(need);
      }
    }
  }
  return {
    order,
    needsOf: new Map([...needsOf].map(([k, m]) => [k, [...m.values()]])),
    inCall: new Set(ids.keys()),
    declared: needsOf.size > 0,
  };
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
