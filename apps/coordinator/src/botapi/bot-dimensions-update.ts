import type { KeyValues } from '@drover/state';

/**
 * A bot's dimensions as a mid-session update (Heartbeat.dimensions; issue 10: its named caches
 * after a task) gives them: what it claims, with `id` and its group's forced dimensions on top,
 * sorted by key — the same rule Hello follows. Undefined when the update is malformed (an empty
 * key or value list): it is then ignored. Pure.
 */
export function updatedDimensions(
  botId: string,
  claimed: readonly { key: string; value: readonly string[] }[],
  forced: Readonly<Record<string, readonly string[]>>,
): KeyValues[] | undefined {
  const dims = new Map<string, string[]>();
  for (const d of claimed) {
    if (d.key === '' || d.value.length === 0) return undefined;
    dims.set(d.key, [...new Set([...(dims.get(d.key) ?? []), ...d.value])]);
  }
  dims.set('id', [botId]);
  for (const [k, values] of Object.entries(forced)) dims.set(k, [...values]);
  if (!dims.has('pool')) return undefined;
  return [...dims].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, values]) => ({ key, values }));
}

export function sameDimensions(a: readonly KeyValues[], b: readonly KeyValues[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
