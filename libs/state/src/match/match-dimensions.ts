import type { KeyValue, KeyValues } from '../task/types';

/** A bot's dimensions as a lookup: key → its values. */
export type BotDimensionMap = ReadonlyMap<string, ReadonlySet<string>>;

export function toDimensionMap(dimensions: readonly KeyValues[]): BotDimensionMap {
  const map = new Map<string, Set<string>>();
  for (const { key, values } of dimensions) {
    let set = map.get(key);
    if (set === undefined) map.set(key, (set = new Set()));
    for (const v of values) set.add(v);
  }
  return map;
}

/**
 * Does a bot serve a task slice's dimensions? Every requested pair must hold (a repeated key means
 * AND); a value `a|b` holds when the bot has either value for that key.
 */
export function matchesDimensions(requested: readonly KeyValue[], bot: BotDimensionMap): boolean {
  for (const { key, value } of requested) {
    const have = bot.get(key);
    if (have === undefined) return false;
    if (!value.includes('|')) {
      if (!have.has(value)) return false;
      continue;
    }
    if (!value.split('|').some((alt) => have.has(alt))) return false;
  }
  return true;
}

/** How many plain dimension sets `a|b` values expand to (the product of alternatives). */
export function countOrCombinations(requested: readonly KeyValue[]): number {
  let n = 1;
  for (const { value } of requested) n *= value.split('|').length;
  return n;
}

/**
 * Expands OR values into plain dimension sets, each sorted by key then value, e.g.
 * `[pool=ci, os=a|b]` → `[[os=a, pool=ci], [os=b, pool=ci]]`.
 */
export function expandOrDimensions(requested: readonly KeyValue[]): KeyValue[][] {
  let out: KeyValue[][] = [[]];
  for (const { key, value } of requested) {
    const alternatives = value.split('|');
    const next: KeyValue[][] = [];
    for (const partial of out) {
      for (const alt of alternatives) next.push([...partial, { key, value: alt }]);
    }
    out = next;
  }
  const unique = new Map<string, KeyValue[]>();
  for (const set of out) {
    const sorted = dedupeSorted(set);
    const id = sorted.map((kv) => `${kv.key}\u0000${kv.value}`).join('\u0001');
    if (!unique.has(id)) unique.set(id, sorted);
  }
  return [...unique.values()];
}

function dedupeSorted(set: KeyValue[]): KeyValue[] {
  const seen = new Set<string>();
  const out: KeyValue[] = [];
  for (const kv of [...set].sort(compareKeyValue)) {
    const id = `${kv.key}\u0000${kv.value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(kv);
  }
  return out;
}

function compareKeyValue(a: KeyValue, b: KeyValue): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}
