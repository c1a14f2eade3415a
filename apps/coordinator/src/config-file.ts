import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** Thrown for any bad setting; main prints the message and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** What a setting holds in the config file. */
export type SettingKind = 'string' | 'seconds' | 'count' | 'path' | 'list' | 'duration';

/**
 * Every setting: its flag (also its key in the config file), environment variable and kind.
 * `path` settings in a file resolve against the file's directory; flags and variables against
 * the working directory.
 */
export const SETTINGS = {
  listen: { env: 'DROVER_LISTEN', kind: 'string' },
  'http-listen': { env: 'DROVER_HTTP_LISTEN', kind: 'string' },
  'data-dir': { env: 'DROVER_DATA_DIR', kind: 'path' },
  store: { env: 'DROVER_STORE', kind: 'string' },
  'store-schema': { env: 'DROVER_STORE_SCHEMA', kind: 'string' },
  'tokens-file': { env: 'DROVER_TOKENS_FILE', kind: 'path' },
  'log-level': { env: 'DROVER_LOG_LEVEL', kind: 'string' },
  'log-format': { env: 'DROVER_LOG_FORMAT', kind: 'string' },
  'heartbeat-interval': { env: 'DROVER_HEARTBEAT_INTERVAL', kind: 'seconds' },
  'bot-ping-tolerance': { env: 'DROVER_BOT_PING_TOLERANCE', kind: 'seconds' },
  'bot-death-timeout': { env: 'DROVER_BOT_DEATH_TIMEOUT', kind: 'seconds' },
  'tls-cert': { env: 'DROVER_TLS_CERT', kind: 'path' },
  'tls-key': { env: 'DROVER_TLS_KEY', kind: 'path' },
  'max-output-files-bytes': { env: 'DROVER_MAX_OUTPUT_FILES_BYTES', kind: 'count' },
  'outputs-dir': { env: 'DROVER_OUTPUTS_DIR', kind: 'path' },
  'cas-dir': { env: 'DROVER_CAS_DIR', kind: 'path' },
  'cas-retention': { env: 'DROVER_CAS_RETENTION', kind: 'duration' },
  'cas-max-blob-bytes': { env: 'DROVER_CAS_MAX_BLOB_BYTES', kind: 'count' },
  'max-task-output': { env: 'DROVER_MAX_TASK_OUTPUT', kind: 'count' },
  'bot-update': { env: 'DROVER_BOT_UPDATE', kind: 'string' },
  'bot-code': { env: 'DROVER_BOT_CODE', kind: 'path' },
  'bot-executable': { env: 'DROVER_BOT_EXECUTABLE', kind: 'path' },
  'webhook-secret-file': { env: 'DROVER_WEBHOOK_SECRET_FILE', kind: 'path' },
  'secret-key-file': { env: 'DROVER_SECRET_KEY_FILE', kind: 'path' },
  'webhook-attempts': { env: 'DROVER_WEBHOOK_ATTEMPTS', kind: 'count' },
  'webhook-backoff': { env: 'DROVER_WEBHOOK_BACKOFF', kind: 'seconds' },
  'webhook-backoff-max': { env: 'DROVER_WEBHOOK_BACKOFF_MAX', kind: 'seconds' },
  'webhook-timeout': { env: 'DROVER_WEBHOOK_TIMEOUT', kind: 'seconds' },
  'webhook-allow': { env: 'DROVER_WEBHOOK_ALLOW', kind: 'list' },
  'webhook-allow-addresses': { env: 'DROVER_WEBHOOK_ALLOW_ADDRESSES', kind: 'list' },
  'task-retention': { env: 'DROVER_TASK_RETENTION', kind: 'duration' },
  'audit-retention': { env: 'DROVER_AUDIT_RETENTION', kind: 'duration' },
} as const satisfies Record<string, { env: string; kind: SettingKind }>;

export type SettingName = keyof typeof SETTINGS;

/**
 * Raw values by setting name, as strings (paths absolute), numbers (seconds) or lists of
 * strings (from a file; flags and variables give a list as one string); `distributors`
 * (file only) is the Graph service's mapping of distributor names to default task parameters,
 * checked by compileDistributors().
 */
export type RawSettings = Partial<Record<SettingName, string | number | readonly string[]>> & {
  distributors?: unknown;
  /** Per-pool task retention (file only): pool name → duration (retention-config.ts). */
  'task-retention-pools'?: unknown;
  /** `auth.oidc` (file only): the OIDC issuers, checked by compileOidcConfig (auth/oidc-config.ts). */
  'auth-oidc'?: unknown;
  /** The config file's directory: relative paths inside `auth` resolve against it. */
  'auth-dir'?: string;
};

/** Keys of the file's `auth` section. */
const AUTH_KEYS = ['oidc'];

function isSetting(key: string): key is SettingName {
  return Object.hasOwn(SETTINGS, key);
}

/**
 * Parses a config file's text (YAML, or JSON when the name ends in .json; YAML accepts JSON too)
 * into raw settings. Keys are the flag names; an unknown key or a value of the wrong type is a
 * ConfigError naming the key and the file.
 */
export function parseConfigText(text: string, file: string): RawSettings {
  let doc: unknown;
  try {
    doc = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config ${file}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config ${file}: must be a mapping of setting names to values`);
  }
  const out: RawSettings = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'distributors') {
      out.distributors = value;
      continue;
    }
    if (key === 'task-retention-pools') {
      out['task-retention-pools'] = value;
      continue;
    }
    if (key === 'auth') {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new ConfigError(`config ${file}: auth: must be a mapping like {oidc: [...]}`);
      }
      for (const k of Object.keys(value as object)) {
        if (!AUTH_KEYS.includes(k)) {
          throw new ConfigError(
            `config ${file}: auth.${k}: unknown key (known: ${AUTH_KEYS.join(', ')})`,
          );
        }
      }
      out['auth-oidc'] = (value as Record<string, unknown>)['oidc'];
      out['auth-dir'] = dirname(file);
      continue;
    }
    if (!isSetting(key)) {
      throw new ConfigError(
        `config ${file}: unknown key ${JSON.stringify(key)} (known: ${Object.keys(SETTINGS).join(', ')})`,
      );
    }
    if (value === null) continue;
    const kind: SettingKind = SETTINGS[key].kind;
    if (kind === 'list') {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v !== '')) {
        throw new ConfigError(
          `config ${file}: ${key}: must be a list of non-empty strings, got ${JSON.stringify(value)}`,
        );
      }
      out[key] = list as string[];
    } else if (kind === 'duration') {
      if (typeof value !== 'number' && (typeof value !== 'string' || value === '')) {
        throw new ConfigError(
          `config ${file}: ${key}: must be a duration like 90d, 12h or 30m, got ${JSON.stringify(value)}`,
        );
      }
      out[key] = value;
    } else if (kind === 'seconds' || kind === 'count') {
      if (typeof value !== 'number') {
        throw new ConfigError(
          `config ${file}: ${key}: must be a number${kind === 'seconds' ? ' of seconds' : ''}, got ${JSON.stringify(value)}`,
        );
      }
      out[key] = value;
    } else {
      if (typeof value !== 'string' || value === '') {
        throw new ConfigError(
          `config ${file}: ${key}: must be a non-empty string, got ${JSON.stringify(value)}`,
        );
      }
      out[key] = kind === 'path' && !isAbsolute(value) ? resolve(dirname(file), value) : value;
    }
  }
  return out;
}

/** Reads and parses a config file; a missing or unreadable file is a ConfigError. */
export function readConfigFile(path: string, from: string): RawSettings {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${from}: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseConfigText(text, file);
}
