import type { Parsed } from './args';

/** A named cache as `drover submit --cache name=path` gives it (the server checks it again). */
export interface CacheArg {
  readonly name: string;
  readonly path: string;
}

const CACHE_NAME = /^[a-z0-9_]{1,128}$/;

/** `--cache name=path`: name `[a-z0-9_]{1,128}`, path relative to the task's work dir. */
export function parseCache(text: string): Parsed<CacheArg> {
  const eq = text.indexOf('=');
  if (eq < 0) return { ok: false, message: 'expected name=path (e.g. npm=.npm)' };
  const name = text.slice(0, eq);
  const path = text.slice(eq + 1);
  if (!CACHE_NAME.test(name))
    return { ok: false, message: `${JSON.stringify(name)} is not a cache name ([a-z0-9_]{1,128})` };
  if (path === '' || path.startsWith('/'))
    return { ok: false, message: 'the path must be relative to the task directory' };
  return { ok: true, value: { name, path } };
}
