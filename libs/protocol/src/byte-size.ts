/**
 * Sizes in bytes as people write them (`10MiB`, `1.5G`, `4096`) and as Drover prints them
 * (`100 MiB`, `512.3 MiB`). Pure.
 *
 * Suffixes, case-insensitive, an optional space before them: none or `B` (bytes); `K`, `KiB`,
 * `M`, `MiB`, `G`, `GiB`, `T`, `TiB` (powers of 1024, as `head -c 10M`); `KB`, `MB`, `GB`, `TB`
 * (powers of 1000).
 */

const KIB = 1024;
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: KIB,
  kib: KIB,
  m: KIB ** 2,
  mib: KIB ** 2,
  g: KIB ** 3,
  gib: KIB ** 3,
  t: KIB ** 4,
  tib: KIB ** 4,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes for `text` (fractions round down); undefined if it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (m === null) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const PRINTED = [
  ['TiB', KIB ** 4],
  ['GiB', KIB ** 3],
  ['MiB', KIB ** 2],
  ['KiB', KIB],
] as const;

/** `100 MiB` for whole units, `512.3 MiB` otherwise, `999 bytes` below 1 KiB. */
export function formatBytes(bytes: number): string {
  for (const [name, size] of PRINTED) {
    if (bytes < size) continue;
    const n = bytes / size;
    return `${Number.isInteger(n) ? n : n.toFixed(1)} ${name}`;
  }
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
}
