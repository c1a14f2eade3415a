/** Which named caches go when the bot's caches weigh too much (caches.ts). Pure. */

export interface CacheRecord {
  readonly name: string;
  sizeBytes: number;
  lastUsedMs: number;
}

/**
 * The caches to evict, least recently used first (ties by name), skipping those in use, until
 * the total is at most `maxBytes`. May leave the total over the limit when what is left is in use.
 */
export function evictionOrder(
  records: readonly CacheRecord[],
  inUse: ReadonlySet<string>,
  maxBytes: number,
): string[] {
  let total = records.reduce((sum, r) => sum + r.sizeBytes, 0);
  if (total <= maxBytes) return [];
  const candidates = records
    .filter((r) => !inUse.has(r.name))
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs || (a.name < b.name ? -1 : 1));
  const victims: string[] = [];
  for (const r of candidates) {
    if (total <= maxBytes) break;
    victims.push(r.name);
    total -= r.sizeBytes;
  }
  return victims;
}
