import type { KeyValues } from '@drover/state';

/** A bot's dimensions as the coordinator matches them, or why what it claims is refused. */
export type BotDimensionsOutcome =
  { readonly dimensions: KeyValues[] } | { readonly error: string };

/**
 * A bot's dimensions from what it claims (Hello, or a mid-session update such as its named
 * caches after a task): values merged per key, `id` and its group's forced dimensions on top,
 * sorted by key. Refused: an empty key or value list, or no `pool`. Pure.
 */
export function botDimensions(
  botId: string,
  claimed: readonly { key: string; value: readonly string[] }[],
  forced: Readonly<Record<string, readonly string[]>>,
): BotDimensionsOutcome {
  const dims = new Map<string, string[]>();
  for (const d of claimed) {
    if (d.key === '' || d.value.length === 0) {
      return { error: `${JSON.stringify(d.key)} needs a key and a value` };
    }
    dims.set(d.key, [...new Set([...(dims.get(d.key) ?? []), ...d.value])]);
  }
  for (const [key, values] of forcedDimensions(botId, forced)) dims.set(key, [...values]);
  if (!dims.has('pool')) return { error: 'pool is required' };
  const dimensions = [...dims]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, values]) => ({ key, values }));
  return { dimensions };
}

/** The dimensions the coordinator sets whatever the bot claims: `id`, then its group's. */
export function forcedDimensions(
  botId: string,
  forced: Readonly<Record<string, readonly string[]>>,
): Array<[string, readonly string[]]> {
  return [['id', [botId]], ...Object.entries(forced)];
}

/** botDimensions for a mid-session update: undefined when malformed (it is then ignored). */
export function updatedDimensions(
  botId: string,
  claimed: readonly { key: string; value: readonly string[] }[],
  forced: Readonly<Record<string, readonly string[]>>,
): KeyValues[] | undefined {
  const outcome = botDimensions(botId, claimed, forced);
  return 'error' in outcome ? undefined : outcome.dimensions;
}

export function sameDimensions(a: readonly KeyValues[], b: readonly KeyValues[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
