/**
 * Service Access requests checked field by field (pure): every problem is an INVALID_ARGUMENT
 * naming the field, every limit is ACCESS_LIMITS (docs/limits.md).
 */
import {
  ACCESS_LIMITS,
  AUTH_ROLES,
  BOT_ID_GLOB,
  EVERY_POOL,
  InvalidArgumentError,
  type AuthRole,
} from '@drover/protocol';
import type { AccessTokenKind, PoolRoles } from '@drover/state';

/** A token id as service Access makes them. */
export const TOKEN_ID = /^tok-[0-9a-f]{16}$/;
/** How the tokens file's entries are listed (not revocable here). */
export const FILE_TOKEN_ID = /^file:/;

const NAME = /^[^\s\p{Cc}]+$/u;
const POOL = /^[^\s|\p{Cc}]+$/u;
const DIMENSION_KEY = /^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/;

function fail(field: string, problem: string): never {
  throw new InvalidArgumentError(field, problem);
}

/** A principal's or bot group's name: 1–128 characters, no whitespace or control characters. */
export function checkName(field: string, v: string): string {
  if (v === '') fail(field, 'must not be empty');
  if (v.length > ACCESS_LIMITS.nameChars) {
    fail(field, `at most ${ACCESS_LIMITS.nameChars} characters, got ${v.length}`);
  }
  if (!NAME.test(v)) fail(field, 'must have no whitespace or control characters');
  return v;
}

export function checkDescription(field: string, v: string): string {
  if (v.length > ACCESS_LIMITS.descriptionChars) {
    fail(field, `at most ${ACCESS_LIMITS.descriptionChars} characters, got ${v.length}`);
  }
  if (/\p{Cc}/u.test(v.replace(/\t/g, ''))) fail(field, 'must have no control characters');
  return v;
}

export function checkKind(field: string, v: string): AccessTokenKind {
  if (v !== 'principal' && v !== 'bot_group') fail(field, 'must be "principal" or "bot_group"');
  return v;
}

/** Roles per pool (a protobuf map of RoleList): at most 64 pools, each 1–4 distinct roles. */
export function checkPoolRoles(
  field: string,
  v: Readonly<Record<string, { readonly roles: readonly string[] }>>,
): PoolRoles {
  const pools = Object.keys(v);
  if (pools.length > ACCESS_LIMITS.pools) {
    fail(field, `at most ${ACCESS_LIMITS.pools} pools, got ${pools.length}`);
  }
  const out: Record<string, AuthRole[]> = {};
  for (const pool of pools.sort()) {
    if (pool.length > ACCESS_LIMITS.poolChars) {
      fail(`${field}`, `a pool name has at most ${ACCESS_LIMITS.poolChars} characters`);
    }
    if (pool !== EVERY_POOL && !POOL.test(pool)) {
      fail(field, `bad pool ${JSON.stringify(pool)}: no whitespace or |`);
    }
    const roles = v[pool]?.roles ?? [];
    if (roles.length === 0) fail(`${field}.${pool}`, `must list roles (${AUTH_ROLES.join(', ')})`);
    const seen = new Set<AuthRole>();
    roles.forEach((r, i) => {
      if (!(AUTH_ROLES as readonly string[]).includes(r)) {
        fail(`${field}.${pool}.roles[${i}]`, `must be one of ${AUTH_ROLES.join(', ')}`);
      }
      if (seen.has(r as AuthRole)) fail(`${field}.${pool}.roles[${i}]`, `${r} listed twice`);
      seen.add(r as AuthRole);
    });
    out[pool] = [...seen].sort(
      (a, b) => AUTH_ROLES.indexOf(a) - AUTH_ROLES.indexOf(b),
    ) as AuthRole[];
  }
  return out;
}

/** Bot id patterns: at most 64, each as BOT_ID_GLOB, each once. */
export function checkBotIds(field: string, v: readonly string[]): string[] {
  if (v.length > ACCESS_LIMITS.botIds) {
    fail(field, `at most ${ACCESS_LIMITS.botIds} items, got ${v.length}`);
  }
  const seen = new Set<string>();
  v.forEach((g, i) => {
    if (!BOT_ID_GLOB.test(g)) fail(`${field}[${i}]`, `must match ${BOT_ID_GLOB.source}`);
    if (seen.has(g)) fail(`${field}[${i}]`, `${g} listed twice`);
    seen.add(g);
  });
  return [...seen];
}

/** Forced dimensions: `pool` among them; at most 32 keys of at most 16 values each. */
export function checkForcedDimensions(
  field: string,
  v: readonly { readonly key: string; readonly values: readonly string[] }[],
): Record<string, string[]> {
  if (v.length > ACCESS_LIMITS.dimensions) {
    fail(field, `at most ${ACCESS_LIMITS.dimensions} keys, got ${v.length}`);
  }
  const out: Record<string, string[]> = {};
  v.forEach((d, i) => {
    const at = `${field}[${i}]`;
    if (d.key.length > ACCESS_LIMITS.dimensionKeyChars || !DIMENSION_KEY.test(d.key)) {
      fail(`${at}.key`, `must match ${DIMENSION_KEY.source}, at most 64 characters`);
    }
    if (d.key === 'id') fail(`${at}.key`, 'the bot id cannot be forced');
    if (out[d.key] !== undefined) fail(`${at}.key`, `${d.key} listed twice`);
    if (d.values.length === 0) fail(`${at}.values`, 'must not be empty');
    if (d.values.length > ACCESS_LIMITS.dimensionValues) {
      fail(
        `${at}.values`,
        `at most ${ACCESS_LIMITS.dimensionValues} items, got ${d.values.length}`,
      );
    }
    d.values.forEach((value, j) => {
      if (value === '' || value.length > ACCESS_LIMITS.dimensionValueChars) {
        fail(
          `${at}.values[${j}]`,
          `must have 1 to ${ACCESS_LIMITS.dimensionValueChars} characters`,
        );
      }
    });
    out[d.key] = [...new Set(d.values)];
  });
  if (out['pool'] === undefined) fail(field, 'must force a pool (pool=NAME)');
  return out;
}

/** A token's life in seconds: 0 (never expires) up to ten years. */
export function checkTtlSeconds(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > ACCESS_LIMITS.maxTtlSeconds) {
    fail(field, `must be 0 (never expires) up to ${ACCESS_LIMITS.maxTtlSeconds} (10 years)`);
  }
  return v;
}
