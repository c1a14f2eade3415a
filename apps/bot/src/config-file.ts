import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * The bot's config file (`--config FILE` / `DROVER_BOT_CONFIG`): YAML or JSON (JSON is YAML), a
 * mapping whose keys are the long flag names without `--`. What it says is overridden by
 * `DROVER_*` variables, which flags override. Relative paths in it are relative to the file.
 *
 *   server: coord.example.com:7070      # or several: [a:7070, b:7070] or 'a:7070,b:7070'
 *   token-file: /etc/drover/bot.token
 *   pool: ci
 *   dimension: { zone: eu, gpu: [none] }   # or a list: [zone=eu, gpu=none]
 *   drain-timeout: 600
 *   tls: true
 */

type KeyKind = 'string' | 'path' | 'boolean' | 'dimensions' | 'list';

/** Every key a config file may hold, and what its value is. */
export const CONFIG_FILE_KEYS = {
  server: 'list',
  token: 'string',
  'token-file': 'path',
  'data-dir': 'path',
  id: 'string',
  pool: 'string',
  dimension: 'dimensions',
  dir: 'path',
  'log-level': 'string',
  once: 'boolean',
  'max-output': 'string',
  'drain-timeout': 'string',
  'min-free-disk': 'string',
  'cache-max-bytes': 'string',
  'cas-cache-max-bytes': 'string',
  'task-user': 'string',
  containment: 'string',
  tls: 'boolean',
  'ca-file': 'path',
} as const satisfies Record<string, KeyKind>;

export type ConfigFileKey = keyof typeof CONFIG_FILE_KEYS;

/**
 * A config file's values, as flags would give them (`dimension` as `k=v` items; a `list` as its
 * items, each possibly still comma-separated: config.ts splits and checks them).
 */
export type ConfigFileValues = {
  readonly [K in ConfigFileKey]?: (typeof CONFIG_FILE_KEYS)[K] extends 'boolean'
    ? boolean
    : (typeof CONFIG_FILE_KEYS)[K] extends 'dimensions' | 'list'
      ? readonly string[]
      : string;
};

export type ConfigFileOutcome =
  | { readonly ok: true; readonly values: ConfigFileValues }
  | { readonly ok: false; readonly message: string };

/** Parses the text of config file `file` (an absolute path). Pure: the caller reads the file. */
export function parseConfigFile(file: string, text: string): ConfigFileOutcome {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    return { ok: false, message: `${file}: not valid YAML or JSON: ${first}` };
  }
  if (doc === null || doc === undefined) return { ok: true, values: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, message: `${file}: expected a mapping of option names to values` };
  }
  const values: Record<string, string | boolean | readonly string[]> = {};
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (!Object.hasOwn(CONFIG_FILE_KEYS, key)) {
      return {
        ok: false,
        message: `${file}: unknown key '${key}' (keys are the flag names: ${Object.keys(CONFIG_FILE_KEYS).join(', ')})`,
      };
    }
    const kind: KeyKind = CONFIG_FILE_KEYS[key as ConfigFileKey];
    const value = convert(kind, raw, path.dirname(file));
    if (typeof value === 'object' && 'error' in value) {
      return { ok: false, message: `${file}: ${key}: ${value.error}` };
    }
    values[key] = value;
  }
  return { ok: true, values: values as ConfigFileValues };
}

type Converted = string | boolean | readonly string[] | { readonly error: string };

function convert(kind: KeyKind, raw: unknown, baseDir: string): Converted {
  switch (kind) {
    case 'boolean':
      return typeof raw === 'boolean' ? raw : { error: `expected true or false, got ${show(raw)}` };
    case 'string':
    case 'path': {
      const text = scalar(raw);
      if (text === undefined) return { error: `expected a string, got ${show(raw)}` };
      return kind === 'path' ? path.resolve(baseDir, text) : text;
    }
    case 'dimensions':
      return dimensionItems(raw);
    case 'list':
      return listItems(raw);
  }
}

function scalar(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

/** A string (maybe comma-separated) or a list of strings → its items. */
function listItems(raw: unknown): readonly string[] | { readonly error: string } {
  const one = scalar(raw);
  if (one !== undefined) return [one];
  if (Array.isArray(raw)) {
    const items = raw.map(scalar);
    if (items.every((i) => i !== undefined)) return items as string[];
  }
  return { error: `expected a string or a list of strings, got ${show(raw)}` };
}

/** `k=v`, a list of `k=v`, or a mapping `{k: v}` / `{k: [v, w]}` → `k=v` items. */
function dimensionItems(raw: unknown): readonly string[] | { readonly error: string } {
  const expected = { error: `expected k=v, a list of k=v, or a mapping of keys to values` };
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw)) {
    const items = raw.map(scalar);
    return items.every((i) => i !== undefined) ? (items as string[]) : expected;
  }
  if (raw === null || typeof raw !== 'object') return expected;
  const items: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const list: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of list) {
      const text = scalar(v);
      if (text === undefined) return { error: `${key}: expected a string, got ${show(v)}` };
      items.push(`${key}=${text}`);
    }
  }
  return items;
}

function show(raw: unknown): string {
  return raw === null || typeof raw !== 'object'
    ? JSON.stringify(raw)
    : Array.isArray(raw)
      ? 'a list'
      : 'a mapping';
}
