/**
 * `auth.oidc` of the config file (issue 22, docs/auth.md "OIDC"): the identity providers whose
 * JWTs the coordinator accepts, and how their claims map to a principal and roles per pool.
 * Every problem is a ConfigError naming the field (`auth.oidc[0].audience: …`).
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../config-file';
import { ROLES, type Role } from './principal';

export interface OidcIssuerConfig {
  /** The issuer exactly as its tokens' `iss` says it (discovery at `<issuer>/.well-known/…`). */
  readonly issuer: string;
  /** Accepted `aud` values (any one): default the dashboard's and the CLI's client ids. */
  readonly audiences: readonly string[];
  /** The claim naming the principal. @default 'email' */
  readonly principalClaim: string;
  /** The claim listing the user's groups. @default 'groups' */
  readonly groupsClaim: string;
  /** Group → pool (`*` = every pool) → roles. */
  readonly groups: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<Role>>>;
  /** The dashboard's sign-in (authorization code + PKCE), when it signs in with this issuer. */
  readonly dashboard: { readonly clientId: string; readonly clientSecretFile?: string } | undefined;
  /** `drover login`'s client (public, loopback redirect). */
  readonly cli: { readonly clientId: string } | undefined;
  /**
   * After a fetch of the issuer's keys, how long a token with an unknown `kid` waits before it may
   * cause another fetch (a key rotation is seen within this). @default 10 s
   */
  readonly jwksCooldownMs: number;
}

export const DEFAULT_JWKS_COOLDOWN_SECS = 10;

/** Limits (docs/limits.md): issuers, groups per issuer, pools per group, a name's length. */
export const OIDC_LIMITS = {
  issuers: 16,
  groups: 1000,
  poolsPerGroup: 1000,
  nameChars: 256,
  urlChars: 2048,
} as const;

const ISSUER_KEYS = [
  'issuer',
  'audience',
  'principalClaim',
  'groupsClaim',
  'groups',
  'dashboard',
  'cli',
  'jwksCooldown',
] as const;

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function got(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function name(field: string, v: unknown, max: number = OIDC_LIMITS.nameChars): string {
  if (typeof v !== 'string' || v.trim() === '' || v !== v.trim()) {
    throw new ConfigError(
      `${field}: must be a non-empty string without surrounding spaces, got ${got(v)}`,
    );
  }
  if (v.length > max) throw new ConfigError(`${field}: at most ${max} characters`);
  return v;
}

function onlyKeys(field: string, v: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      throw new ConfigError(`${field}.${k}: unknown key (known: ${known.join(', ')})`);
    }
  }
}

function compileIssuerUrl(field: string, v: unknown): string {
  const text = name(field, v, OIDC_LIMITS.urlChars);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${field}: must be an https URL, got ${got(v)}`);
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(
      `${field}: must be an https URL (http only on 127.0.0.1, [::1] or localhost), got ${got(v)}`,
    );
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`${field}: must have no query, fragment or credentials, got ${got(v)}`);
  }
  return text;
}

function compileGroups(
  field: string,
  v: unknown,
): ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<Role>>> {
  const out = new Map<string, ReadonlyMap<string, ReadonlySet<Role>>>();
  if (v === undefined || v === null) return out;
  if (!isMapping(v)) {
    throw new ConfigError(
      `${field}: must be a mapping of group → pool → roles, e.g. {ci-admins: {ci: [admin]}}, got ${got(v)}`,
    );
  }
  const entries = Object.entries(v);
  if (entries.length > OIDC_LIMITS.groups) {
    throw new ConfigError(`${field}: at most ${OIDC_LIMITS.groups} groups`);
  }
  for (const [group, pools] of entries) {
    const gField = `${field}.${group}`;
    name(`${field} (a group's name)`, group);
    if (!isMapping(pools)) {
      throw new ConfigError(
        `${gField}: must be a mapping of pools (* = every pool) to lists of roles, got ${got(pools)}`,
      );
    }
    const byPool = new Map<string, ReadonlySet<Role>>();
    const poolEntries = Object.entries(pools);
    if (poolEntries.length > OIDC_LIMITS.poolsPerGroup) {
      throw new ConfigError(`${gField}: at most ${OIDC_LIMITS.poolsPerGroup} pools`);
    }
    for (const [pool, roles] of poolEntries) {
      const pField = `${gField}.${pool}`;
      name(`${gField} (a pool's name)`, pool);
      const list = typeof roles === 'string' ? [roles] : roles;
      if (!Array.isArray(list) || list.length === 0) {
        throw new ConfigError(
          `${pField}: must be a non-empty list of roles (${ROLES.join(', ')}), got ${got(roles)}`,
        );
      }
      for (const r of list) {
        if (!(ROLES as readonly unknown[]).includes(r)) {
          throw new ConfigError(`${pField}: unknown role ${got(r)} (roles: ${ROLES.join(', ')})`);
        }
      }
      byPool.set(pool, new Set(list as Role[]));
    }
    out.set(group, byPool);
  }
  return out;
}

function compileClient(
  field: string,
  v: unknown,
  withSecret: boolean,
  baseDir: string,
): { clientId: string; clientSecretFile?: string } | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) {
    throw new ConfigError(`${field}: must be a mapping like {clientId: …}, got ${got(v)}`);
  }
  onlyKeys(field, v, withSecret ? ['clientId', 'clientSecretFile'] : ['clientId']);
  const clientId = name(`${field}.clientId`, v['clientId']);
  if (!withSecret || v['clientSecretFile'] === undefined || v['clientSecretFile'] === null) {
    return { clientId };
  }
  const file = name(`${field}.clientSecretFile`, v['clientSecretFile'], 4096);
  return { clientId, clientSecretFile: isAbsolute(file) ? file : resolve(baseDir, file) };
}

function compileAudience(field: string, v: unknown, defaults: readonly string[]): string[] {
  if (v === undefined || v === null) {
    if (defaults.length === 0) {
      throw new ConfigError(
        `${field}: required (the client id(s) the tokens are issued to) when neither dashboard nor cli is given`,
      );
    }
    return [...new Set(defaults)];
  }
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(
      `${field}: must be a string or a non-empty list of strings, got ${got(v)}`,
    );
  }
  return [...new Set(list.map((a, i) => name(`${field}[${i}]`, a)))];
}

function compileCooldown(field: string, v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_JWKS_COOLDOWN_SECS;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 3600) {
    throw new ConfigError(`${field}: must be a number of seconds from 0 to 3600, got ${got(v)}`);
  }
  return v;
}

/**
 * Compiles `auth.oidc` (undefined or null: none). `baseDir`: what a relative clientSecretFile
 * resolves against (the config file's directory).
 */
export function compileOidcConfig(raw: unknown, baseDir = process.cwd()): OidcIssuerConfig[] {
  const field = 'auth.oidc';
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new ConfigError(
      `${field}: must be a list of issuers ({issuer, audience, groups, …}), got ${got(raw)}`,
    );
  }
  if (raw.length > OIDC_LIMITS.issuers) {
    throw new ConfigError(`${field}: at most ${OIDC_LIMITS.issuers} issuers`);
  }
  const out: OidcIssuerConfig[] = [];
  raw.forEach((entry: unknown, i) => {
    const f = `${field}[${i}]`;
    if (!isMapping(entry)) {
      throw new ConfigError(`${f}: must be a mapping like {issuer: https://…}, got ${got(entry)}`);
    }
    onlyKeys(f, entry, ISSUER_KEYS);
    const issuer = compileIssuerUrl(`${f}.issuer`, entry['issuer']);
    if (out.some((o) => o.issuer === issuer)) {
      throw new ConfigError(`${f}.issuer: ${issuer} is configured twice`);
    }
    const dashboard = compileClient(`${f}.dashboard`, entry['dashboard'], true, baseDir);
    const cli = compileClient(`${f}.cli`, entry['cli'], false, baseDir);
    const defaults = [dashboard?.clientId, cli?.clientId].filter(
      (c): c is string => c !== undefined,
    );
    out.push(
      Object.freeze({
        issuer,
        audiences: compileAudience(`${f}.audience`, entry['audience'], defaults),
        principalClaim:
          entry['principalClaim'] === undefined
            ? 'email'
            : name(`${f}.principalClaim`, entry['principalClaim']),
        groupsClaim:
          entry['groupsClaim'] === undefined
            ? 'groups'
            : name(`${f}.groupsClaim`, entry['groupsClaim']),
        groups: compileGroups(`${f}.groups`, entry['groups']),
        dashboard,
        cli,
        jwksCooldownMs: compileCooldown(`${f}.jwksCooldown`, entry['jwksCooldown']) * 1000,
      }),
    );
  });
  return out;
}
