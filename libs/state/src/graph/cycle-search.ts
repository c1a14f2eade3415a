import type { AttemptId } from './graph-types';
import { attemptKey } from './graph-types';

/** The search gives up past this many attempts (the shell answers RESOURCE_EXHAUSTED). */
export const DEFAULT_MAX_VISITED = 100_000;

export type CycleVerdict =
  | { readonly ok: true }
  /** from → to[i] → … → from, as attempt keys: the edge would close this cycle. */
  | { readonly cycle: readonly string[] }
  | { readonly tooLarge: number };

/** The forward deps of each key asked for (missing key = no deps). */
export type FwdDepsBatch = ReadonlyMap<string, readonly AttemptId[]>;

/**
 * Would edges from → to[] close a cycle? Breadth-first over forward edges from every `to`, looking
 * for `from`. A generator so that the shell can load each level in one query: it yields the keys
 * whose forward deps it needs next and receives them. findCycle/findCycleAsync drive it.
 */
export function* searchCycle(
  from: AttemptId,
  to: readonly AttemptId[],
  maxVisited = DEFAULT_MAX_VISITED,
): Generator<readonly string[], CycleVerdict, FwdDepsBatch> {
  const target = attemptKey(from);
  /** key → the key it was reached from (null for a `to`). */
  const parent = new Map<string, string | null>();
  let frontier: string[] = [];
  for (const id of to) {
    const key = attemptKey(id);
    if (key === target) return { cycle: [target, target] };
    if (!parent.has(key)) {
      parent.set(key, null);
      frontier.push(key);
    }
  }
  while (frontier.length > 0) {
    if (parent.size > maxVisited) return { tooLarge: parent.size };
    const batch = yield frontier;
    const next: string[] = [];
    for (const key of frontier) {
      for (const dep of batch.get(key) ?? []) {
        const depKey = attemptKey(dep);
        if (depKey === target) return { cycle: [target, ...pathTo(parent, key), target] };
        if (parent.has(depKey)) continue;
        parent.set(depKey, key);
        next.push(depKey);
      }
    }
    frontier = next;
  }
  return { ok: true };
}

function pathTo(parent: ReadonlyMap<string, string | null>, key: string): string[] {
  const path: string[] = [];
  for (let k: string | null = key; k !== null; k = parent.get(k) ?? null) path.push(k);
  return path.reverse();
}

/** searchCycle over a synchronous lookup (a preloaded graph, tests). */
export function findCycle(
  from: AttemptId,
  to: readonly AttemptId[],
  fwdDepsOf: (key: string) => readonly AttemptId[] | undefined,
  maxVisited = DEFAULT_MAX_VISITED,
): CycleVerdict {
  const search = searchCycle(from, to, maxVisited);
  let step = search.next(new Map());
  while (step.done !== true) {
    step = search.next(new Map(step.value.map((k) => [k, fwdDepsOf(k) ?? []])));
  }
  return step.value;
}

/** searchCycle over an async loader (one call per level: `keys` → their forward deps). */
export async function findCycleAsync(
  from: AttemptId,
  to: readonly AttemptId[],
  loadFwdDeps: (keys: readonly string[]) => Promise<FwdDepsBatch>,
  maxVisited = DEFAULT_MAX_VISITED,
): Promise<CycleVerdict> {
  const search = searchCycle(from, to, maxVisited);
  let step = search.next(new Map());
  while (step.done !== true) step = search.next(await loadFwdDeps(step.value));
  return step.value;
}
