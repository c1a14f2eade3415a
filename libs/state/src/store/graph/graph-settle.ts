import { transitionAttempt } from '../../graph/attempt-transition';
import type { AttemptEvent, GraphEffect } from '../../graph/graph-events';
import type { Attempt } from '../../graph/graph-types';
import { step, type GraphTx } from './graph-steps';

/**
 * Applies `propagate-final` (dependency-final to every back dep, with the dependency's abnormal
 * status when it carries one: a dependent that never ran is then cancelled, and so on down the
 * graph) and `rerun-expired`
 * (result-needed) inside the caller's transaction, locking each attempt it changes and following
 * what they cause; returns the effects left for the shell.
 */
export function* settle(effects: readonly GraphEffect[], nowMs: number): GraphTx<GraphEffect[]> {
  const out: GraphEffect[] = [];
  const queue = [...effects];
  for (let effect = queue.shift(); effect !== undefined; effect = queue.shift()) {
    if (effect.type === 'propagate-final') {
      const dependency = effect.attempt;
      for (const backId of yield* step({ kind: 'read-back-deps', id: dependency })) {
        const back = yield* step({ kind: 'read-attempt', id: backId, lock: true });
        const event: AttemptEvent =
          effect.abnormal === undefined
            ? { type: 'dependency-final', dependency }
            : { type: 'dependency-final', dependency, abnormal: effect.abnormal };
        queue.push(...(yield* moveAttempt(back, event, nowMs)));
      }
    } else if (effect.type === 'rerun-expired') {
      const dep = yield* step({ kind: 'read-attempt', id: effect.attempt, lock: true });
      queue.push(...(yield* moveAttempt(dep, { type: 'result-needed' }, nowMs)));
    } else {
      out.push(effect);
    }
  }
  return out;
}

/** Applies `event` to a stored attempt and writes it; its effects, or none when it did not move. */
function* moveAttempt(
  attempt: Attempt | undefined,
  event: AttemptEvent,
  nowMs: number,
): GraphTx<readonly GraphEffect[]> {
  if (attempt === undefined) return [];
  const moved = transitionAttempt(attempt, event, nowMs);
  if (!('attempt' in moved)) return [];
  yield* step({ kind: 'write-attempt', before: attempt, after: moved.attempt });
  return moved.effects;
}
