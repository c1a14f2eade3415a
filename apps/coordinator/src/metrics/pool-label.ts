import type { KeyValues } from '@drover/state';

/** The label value of "no pool": a task or bot whose dimensions name none. */
export const NO_POOL = '(none)';

/** A pool as a label value: '' becomes NO_POOL. */
export function poolLabel(pool: string): string {
  return pool === '' ? NO_POOL : pool;
}

/** The pool of a bot: its `pool` dimension values, sorted, distinct, joined with `|`. */
export function poolOfBotDimensions(dimensions: readonly KeyValues[]): string {
  return joinPools(dimensions.filter((d) => d.key === 'pool').flatMap((d) => d.values));
}

function joinPools(values: readonly string[]): string {
  return [...new Set(values.filter((v) => v !== ''))].sort().join('|');
}
