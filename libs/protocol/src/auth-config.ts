// The auth config (the coordinator's tokens file, docs/auth.md): who may call, with which roles
// in which pools, and which bots may connect. Pure: checks a parsed JSON/YAML value and returns
// data; the coordinator turns a problem into a ConfigError, the CLI into exit 2.
import { TOKEN_HASH } from './tokens';

/** Per-pool roles; `admin` in a pool implies the others there. */
export const AUTH_ROLES = ['view', 'submit', 'cancel', 'admin'] as const;
export type AuthRole = (typeof AUTH_ROLES)[number];

/** The pool name granting a role in every pool. */
export const EVERY_POOL = '*';

export interface PrincipalEntry {
  readonly name: string;
  /** Hashes of the tokens of this principal (several during a rotation). */
  readonly sha256: readonly string[];
  /** Server-wide admin: every role in every pool. */
  readonly admin: boolean;
  readonly roles: Readonly<Record<string, readonly AuthRole[]>>;
}

export interface BotGroupEntry {
  readonly name: string;
  readonly sha256: readonly string[];
  /** Glob patterns (`*` only) a bot id must match; empty = any id. */
  readonly botIds: readonly string[];
  /** Dimensions forced on the group's bots over what they claim, e.g. { pool: ['ci'] }. */
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
}

/** The auth config, resolved: version 1 files are read as their version 2 meaning. */
export interface AuthConfig {
  readonly version: 2;
  readonly principals: readonly PrincipalEntry[];
  readonly botGroups: readonly BotGroupEntry[];
}

export type AuthConfigCheck = { ok: true; config: AuthConfig } | { ok: false; problem: string };

/** Thrown inside the checker only; it never leaves this module. */
class Problem extends Error {}

function fail(field: string, what: string): never {
  throw new Problem(field === '' ? what : `${field}: ${what}`);
}

const POOL = /^[^\s|]+$/;
const DIMENSION_KEY = /^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/;
/** Bot id characters (see the bot session) plus the `*` wildcard. */
export const BOT_ID_GLOB = /^[A-Za-z0-9_.*-]{1,128}$/;

/** Whether `botId` matches one of `patterns` (`*` matches any run of characters); [] = any. */
export function matchesBotIdGlobs(patterns: readonly string[], botId: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((glob) => {
    const source = glob
      .split('*')
      .map((part) => part.replace(/[.\\+?^${}()|[\]-]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${source}$`).test(botId);
  });
}

/**
 * Checks a parsed tokens file. Every problem names the field path, e.g.
 * `principals[2].roles.ci[0]: must be one of view, submit, cancel, admin`.
 */
export function checkAuthConfig(value: unknown): AuthConfigCheck {
  try {
    return { ok: true, config: check(value) };
  } catch (err) {
    if (err instanceof Problem) return { ok: false, problem: err.message };
    throw err;
  }
}

function check(value: unknown): AuthConfig {
  const o = object('', value, 'must be an object with version, principals and botGroups');
  const config = o['version'] === 1 ? fromVersion1(o) : version2(o);
  checkUnique(config);
  return config;
}

function version2(o: Record<string, unknown>): AuthConfig {
  onlyKeys('', o, ['version', 'principals', 'botGroups']);
  if (o['version'] !== 2) fail('version', 'must be 2 (or 1, the older form)');
  return {
    version: 2,
    principals: list('principals', o['principals']).map((e, i) => principal(`principals[${i}]`, e)),
    botGroups: list('botGroups', o['botGroups']).map((e, i) => botGroup(`botGroups[${i}]`, e)),
  };
}

/** Version 1: `clients` (admin or not) and `bots`; kept working unchanged. */
function fromVersion1(o: Record<string, unknown>): AuthConfig {
  onlyKeys('', o, ['version', 'clients', 'bots']);
  const principals = list('clients', o['clients']).map((e, i): PrincipalEntry => {
    const field = `clients[${i}]`;
    const entry = object(field, e, 'must be an object');
    onlyKeys(field, entry, ['name', 'sha256', 'admin']);
    const admin = bool(`${field}.admin`, entry['admin']);
    return {
      name: name(`${field}.name`, entry['name']),
      sha256: hashes(`${field}.sha256`, entry['sha256']),
      admin,
      roles: admin ? {} : { [EVERY_POOL]: ['view', 'submit', 'cancel'] },
    };
  });
  const botGroups = list('bots', o['bots']).map((e, i): BotGroupEntry => {
    const field = `bots[${i}]`;
    const entry = object(field, e, 'must be an object');
    onlyKeys(field, entry, ['name', 'sha256', 'dimensions']);
    return {
      name: name(`${field}.name`, entry['name']),
      sha256: hashes(`${field}.sha256`, entry['sha256']),
      botIds: [],
      dimensions: dimensions(`${field}.dimensions`, entry['dimensions']),
    };
  });
  return { version: 2, principals, botGroups };
}

function principal(field: string, e: unknown): PrincipalEntry {
  const entry = object(field, e, 'must be an object with name and sha256');
  onlyKeys(field, entry, ['name', 'sha256', 'admin', 'roles']);
  return {
    name: name(`${field}.name`, entry['name']),
    sha256: hashes(`${field}.sha256`, entry['sha256']),
    admin: bool(`${field}.admin`, entry['admin']),
    roles: roles(`${field}.roles`, entry['roles']),
  };
}

function botGroup(field: string, e: unknown): BotGroupEntry {
  const entry = object(field, e, 'must be an object with name and sha256');
  onlyKeys(field, entry, ['name', 'sha256', 'botIds', 'dimensions']);
  const botIds = list(`${field}.botIds`, entry['botIds']).map((g, i) => {
    if (typeof g !== 'string' || !BOT_ID_GLOB.test(g)) {
      fail(`${field}.botIds[${i}]`, `must be a bot id pattern matching ${BOT_ID_GLOB.source}`);
    }
    return g;
  });
  return {
    name: name(`${field}.name`, entry['name']),
    sha256: hashes(`${field}.sha256`, entry['sha256']),
    botIds,
    dimensions: dimensions(`${field}.dimensions`, entry['dimensions']),
  };
}

function roles(field: string, v: unknown): Record<string, AuthRole[]> {
  if (v === undefined) return {};
  const o = object(field, v, 'must map a pool (or "*") to a list of roles');
  const out: Record<string, AuthRole[]> = {};
  for (const [pool, granted] of Object.entries(o)) {
    if (!POOL.test(pool)) fail(`${field}`, `bad pool ${JSON.stringify(pool)}`);
    if (!Array.isArray(granted) || granted.length === 0) {
      fail(`${field}.${pool}`, `must be a non-empty list of roles (${AUTH_ROLES.join(', ')})`);
    }
    out[pool] = granted.map((r: unknown, i) => {
      if (!AUTH_ROLES.includes(r as AuthRole)) {
        fail(`${field}.${pool}[${i}]`, `must be one of ${AUTH_ROLES.join(', ')}`);
      }
      return r as AuthRole;
    });
  }
  return out;
}

function dimensions(field: string, v: unknown): Record<string, string[]> {
  if (v === undefined) return {};
  const o = object(field, v, 'must be an object like {"pool": ["ci"]}');
  const out: Record<string, string[]> = {};
  for (const [k, values] of Object.entries(o)) {
    if (!DIMENSION_KEY.test(k) || k === 'id') fail(field, `bad key ${JSON.stringify(k)}`);
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((x) => typeof x === 'string' && x !== '')
    ) {
      fail(`${field}.${k}`, 'must be a non-empty list of non-empty strings');
    }
    out[k] = values as string[];
  }
  return out;
}

function hashes(field: string, v: unknown): string[] {
  const all = typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 ? v : undefined;
  if (all === undefined) fail(field, 'must be a SHA-256 hex string or a non-empty list of them');
  all.forEach((h: unknown, i) => {
    if (typeof h !== 'string' || !TOKEN_HASH.test(h)) {
      const at = typeof v === 'string' ? field : `${field}[${i}]`;
      fail(at, 'must be 64 lowercase hex characters (the SHA-256 of the token)');
    }
  });
  return all as string[];
}

function checkUnique(config: AuthConfig): void {
  const names = new Map<string, string>();
  const hashesSeen = new Map<string, string>();
  const entries = [
    ...config.principals.map((p, i) => [`principals[${i}]`, p] as const),
    ...config.botGroups.map((g, i) => [`botGroups[${i}]`, g] as const),
  ];
  for (const [field, entry] of entries) {
    const kind = field.startsWith('principals') ? 'principal' : 'bot group';
    const key = `${kind}:${entry.name}`;
    const other = names.get(key);
    if (other !== undefined) fail(`${field}.name`, `${kind} ${entry.name} is also ${other}`);
    names.set(key, field);
    for (const h of entry.sha256) {
      const dup = hashesSeen.get(h);
      if (dup !== undefined) fail(`${field}.sha256`, `a token hash also used by ${dup}`);
      hashesSeen.set(h, field);
    }
  }
}

function object(field: string, v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, what);
  return v as Record<string, unknown>;
}

function onlyKeys(field: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      fail(field, `unknown key ${JSON.stringify(key)} (expected ${allowed.join(', ')})`);
    }
  }
}

function list(field: string, v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field, 'must be a list');
  return v;
}

function name(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'must be a non-empty string');
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') fail(field, 'must be true or false');
  return v === true;
}

/** A principal as written in a tokens file (defaults left out). */
export function principalFileForm(p: PrincipalEntry): Record<string, unknown> {
  return {
    name: p.name,
    sha256: p.sha256.length === 1 ? p.sha256[0] : [...p.sha256],
    ...(p.admin ? { admin: true } : {}),
    ...(Object.keys(p.roles).length === 0 ? {} : { roles: p.roles }),
  };
}

/** A bot group as written in a tokens file (defaults left out). */
export function botGroupFileForm(g: BotGroupEntry): Record<string, unknown> {
  return {
    name: g.name,
    sha256: g.sha256.length === 1 ? g.sha256[0] : [...g.sha256],
    ...(g.botIds.length === 0 ? {} : { botIds: g.botIds }),
    ...(Object.keys(g.dimensions).length === 0 ? {} : { dimensions: g.dimensions }),
  };
}

/** The version 2 tokens file for a config (a version 1 file upgraded keeps its meaning). */
export function authConfigFileForm(config: AuthConfig): Record<string, unknown> {
  return {
    version: 2,
    principals: config.principals.map(principalFileForm),
    botGroups: config.botGroups.map(botGroupFileForm),
  };
}
