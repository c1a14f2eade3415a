import type { CacheEntry } from '@drover/state';
import { InvalidArgumentError } from './errors';

/** Named caches of one slice's properties. */

export const MAX_CACHES = 32;
export const CACHE_NAME = /^[a-z0-9_]{1,128}$/;
const MAX_CACHE_PATH_LENGTH = 1024;

/**
 * Validates `caches` of the properties at `path` (e.g. `task_slices[0].properties`): names
 * `[a-z0-9_]{1,128}`, each once; paths relative, without `..`, none inside another. Throws
 * InvalidArgumentError naming `<path>.caches[j].name|path`; returns the entries with paths
 * normalised (`a//b/./c/` → `a/b/c`).
 */
export function validateCaches(
  path: string,
  caches: readonly { name: string; path: string }[],
): CacheEntry[] {
  const at = (j: number, field: 'name' | 'path') => `${path}.caches[${j}].${field}`;
  if (caches.length > MAX_CACHES) {
    throw new InvalidArgumentError(
      `${path}.caches`,
      `at most ${MAX_CACHES} caches, got ${caches.length}`,
    );
  }
  const names = new Set<string>();
  const out: CacheEntry[] = [];
  caches.forEach((c, j) => {
    if (!CACHE_NAME.test(c.name)) {
      throw new InvalidArgumentError(
        at(j, 'name'),
        `must match ${CACHE_NAME.source}, got ${JSON.stringify(c.name)}`,
      );
    }
    if (names.has(c.name))
      throw new InvalidArgumentError(at(j, 'name'), `${c.name} is given twice`);
    names.add(c.name);
    const normalised = normaliseCachePath(c.path);
    if (typeof normalised !== 'string')
      throw new InvalidArgumentError(at(j, 'path'), normalised.why);
    const clash = out.findIndex((o) => overlaps(o.path, normalised));
    if (clash >= 0) {
      throw new InvalidArgumentError(
        at(j, 'path'),
        `${JSON.stringify(c.path)} overlaps caches[${clash}] (${JSON.stringify(out[clash]!.path)})`,
      );
    }
    out.push({ name: c.name, path: normalised });
  });
  return out;
}

function normaliseCachePath(p: string): string | { why: string } {
  if (p === '') return { why: 'required' };
  if (p.length > MAX_CACHE_PATH_LENGTH)
    return { why: `at most ${MAX_CACHE_PATH_LENGTH} characters` };
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p))
    return { why: `must be a relative path, got ${JSON.stringify(p)}` };
  if (p.includes('\0')) return { why: 'must not contain a NUL byte' };
  const parts = p.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  if (parts.includes('..'))
    return { why: `must stay inside the task's work dir, got ${JSON.stringify(p)}` };
  if (parts.length === 0)
    return { why: `must name a directory below the work dir, got ${JSON.stringify(p)}` };
  return parts.join('/');
}

/** One path is the other or a directory above it. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
