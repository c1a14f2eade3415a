import { ConfigError } from '../config-file';

/**
 * What a quest's `distributor_parameters` may hold for a Drover-task distributor: everything
 * optional here, `command` required once merged with the distributor's defaults.
 */
export interface DistributorParameters {
  readonly command?: readonly string[];
  /** Task dimensions; a list value repeats the key (AND). `pool` is required in the end. */
  readonly dimensions?: Readonly<Record<string, string | readonly string[]>>;
  readonly env?: Readonly<Record<string, string>>;
  /** 1–255, lower runs first. */
  readonly priority?: number;
  /** Seconds without output before the bot kills the payload; 0 = off. */
  readonly io_timeout?: number;
  readonly relative_cwd?: string;
  /** Wait for a bot to appear (up to timeouts.start) instead of NO_RESOURCE → REJECTED. */
  readonly wait_for_capacity?: boolean;
  readonly tags?: readonly string[];
  /**
   * Named caches the bot keeps across tasks (NewTask's TaskProperties.caches): each `name=path`
   * as `drover submit --cache` takes it, `name:path`, or `{name, path}`; the task validator checks
   * names and paths.
   */
  readonly caches?: readonly DistributorCache[];
}

/** One named cache of DistributorParameters.caches, once parsed. */
export interface DistributorCache {
  readonly name: string;
  readonly path: string;
}

export const DISTRIBUTOR_PARAMETER_KEYS = [
  'command',
  'dimensions',
  'env',
  'priority',
  'io_timeout',
  'relative_cwd',
  'wait_for_capacity',
  'tags',
  'caches',
] as const;

/** One entry of the coordinator config's `distributors`: how quests become tasks. */
export interface DistributorConfig {
  readonly name: string;
  /** Parameters every quest of this distributor gets; the quest's own win (maps merge by key). */
  readonly defaults: DistributorParameters;
}

/** The built-in distributor: the quest's distributor_parameters are the task, as they are. */
export const BUILTIN_DISTRIBUTORS: ReadonlyMap<string, DistributorConfig> = new Map([
  ['drover', Object.freeze({ name: 'drover', defaults: Object.freeze({}) })],
]);

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/**
 * Compiles the config file's `distributors` mapping (name → default parameters) on top of the
 * built-in ones. The defaults are checked for shape here; the task they make is validated per
 * quest (EnsureGraphData). Throws ConfigError naming the key.
 */
export function compileDistributors(raw: unknown): ReadonlyMap<string, DistributorConfig> {
  const out = new Map(BUILTIN_DISTRIBUTORS);
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('distributors: must be a mapping of names to default parameters');
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!NAME.test(name)) {
      throw new ConfigError(`distributors: bad name ${JSON.stringify(name)} (want [a-z0-9_.-])`);
    }
    const parsed = parseDistributorParameters(value ?? {}, `distributors.${name}`);
    if ('error' in parsed) throw new ConfigError(parsed.error);
    out.set(name, Object.freeze({ name, defaults: Object.freeze(parsed.ok) }));
  }
  return out;
}

/**
 * Checks the shape of distributor parameters (types, known keys). Errors start with the field,
 * `${field}.<key>`. Deeper rules (pool present, env names, limits) are the task validator's.
 */
export function parseDistributorParameters(
  value: unknown,
  field: string,
): { readonly ok: DistributorParameters } | { readonly error: string; readonly field: string } {
  const bad = (key: string, problem: string) => ({
    error: `${field}.${key}: ${problem}`,
    field: `${field}.${key}`,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: `${field}: must be a JSON object`, field };
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!(DISTRIBUTOR_PARAMETER_KEYS as readonly string[]).includes(key)) {
      return bad(key, `unknown parameter (known: ${DISTRIBUTOR_PARAMETER_KEYS.join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  if (v['command'] !== undefined) {
    if (!isStringList(v['command'])) return bad('command', 'must be a list of strings');
    out['command'] = v['command'];
  }
  for (const key of ['dimensions', 'env'] as const) {
    const map = v[key];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      return bad(key, 'must be an object of names to values');
    }
    for (const [k, x] of Object.entries(map as Record<string, unknown>)) {
      const okValue =
        typeof x === 'string' || (key === 'dimensions' && isStringList(x) && x.length > 0);
      if (!okValue) {
        return bad(`${key}.${k}`, key === 'env' ? 'must be a string' : 'must be a string or list');
      }
    }
    out[key] = map;
  }
  for (const key of ['priority', 'io_timeout'] as const) {
    const n = v[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      return bad(key, `must be a whole number ≥ 0, got ${JSON.stringify(n)}`);
    }
    out[key] = n;
  }
  if (v['relative_cwd'] !== undefined) {
    if (typeof v['relative_cwd'] !== 'string') return bad('relative_cwd', 'must be a string');
    out['relative_cwd'] = v['relative_cwd'];
  }
  if (v['wait_for_capacity'] !== undefined) {
    if (typeof v['wait_for_capacity'] !== 'boolean') {
      return bad('wait_for_capacity', 'must be true or false');
    }
    out['wait_for_capacity'] = v['wait_for_capacity'];
  }
  if (v['tags'] !== undefined) {
    if (!isStringList(v['tags'])) return bad('tags', 'must be a list of strings');
    out['tags'] = v['tags'];
  }
  if (v['caches'] !== undefined) {
    const list = v['caches'];
    if (!Array.isArray(list)) return bad('caches', 'must be a list of name=path (or {name, path})');
    const caches: DistributorCache[] = [];
    for (const [i, c] of list.entries()) {
      const parsed = parseCache(c);
      if (parsed === undefined) {
        return bad(`caches[${i}]`, 'must be "name=path", "name:path" or {"name": …, "path": …}');
      }
      caches.push(parsed);
    }
    out['caches'] = caches;
  }
  return { ok: out as DistributorParameters };
}

/** The quest's parameters over the distributor's defaults (dimensions and env merge by key). */
export function mergeParameters(
  defaults: DistributorParameters,
  quest: DistributorParameters,
): DistributorParameters {
  return {
    ...defaults,
    ...quest,
    dimensions: { ...defaults.dimensions, ...quest.dimensions },
    env: { ...defaults.env, ...quest.env },
  };
}

/**
 * One cache entry: `name=path` (drover submit --cache), `name:path`, or `{name, path}`. A cache
 * name is [a-z0-9_], so the first `=` or `:` ends it; the path may hold either.
 */
function parseCache(c: unknown): DistributorCache | undefined {
  if (typeof c === 'string') {
    const at = c.search(/[=:]/);
    return at < 0 ? undefined : { name: c.slice(0, at), path: c.slice(at + 1) };
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined;
  const { name, path, ...rest } = c as Record<string, unknown>;
  if (typeof name !== 'string' || typeof path !== 'string' || Object.keys(rest).length > 0) {
    return undefined;
  }
  return { name, path };
}

function isStringList(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}
