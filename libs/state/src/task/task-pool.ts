import type { TaskSpec } from './types';

/**
 * The pools a task may run in: every value of its `pool` dimensions across all slices (a value
 * `a|b` counts as both), sorted and distinct. Empty when no slice names a pool.
 */
export function taskPoolsOf(spec: Pick<TaskSpec, 'slices'>): string[] {
  const pools = new Set<string>();
  for (const slice of spec.slices) {
    for (const d of slice.properties.dimensions) {
      if (d.key !== 'pool') continue;
      for (const v of d.value.split('|')) if (v !== '') pools.add(v);
    }
  }
  return [...pools].sort();
}

/**
 * The task's pool as stored and filtered on (TaskQuery.pools): its pools joined with `|`, or ''
 * when it names none. A task in several pools is seen only by callers who may view all pools.
 */
export function taskPoolOf(spec: Pick<TaskSpec, 'slices'>): string {
  let pool = poolOfSpec.get(spec);
  if (pool === undefined) {
    pool = taskPoolsOf(spec).join('|');
    poolOfSpec.set(spec, pool);
  }
  return pool;
}

/**
 * taskPoolOf of each spec asked about: a task's spec is one object for its whole life, and its
 * pool is asked on every change (metrics, the store, access checks).
 */
const poolOfSpec = new WeakMap<Pick<TaskSpec, 'slices'>, string>();
