import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config';

export type PrincipalKind = 'client' | 'bot';

export interface Principal {
  readonly kind: PrincipalKind;
  readonly name: string;
  /** Server-wide admin: may use priorities below 20. */
  readonly admin: boolean;
  /** For bots: dimensions the server forces on every bot of this group (at least pool). */
  readonly forcedDimensions: Readonly<Record<string, readonly string[]>>;
}

interface TokenEntry {
  readonly name: string;
  readonly sha256: string;
  readonly admin?: boolean;
  /** Bot groups only: dimensions forced on the group's bots, e.g. { "pool": ["ci"] }. */
  readonly dimensions?: Readonly<Record<string, readonly string[]>>;
}

/** The tokens file: only SHA-256 hashes of tokens are stored. */
export interface TokensFile {
  readonly version: 1;
  readonly clients: readonly TokenEntry[];
  readonly bots: readonly TokenEntry[];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(kind: PrincipalKind): string {
  return `drv_${kind === 'client' ? 'c' : 'b'}_${randomBytes(32).toString('base64url')}`;
}

/** Looks tokens up by hash; constant-time comparison of the hashes. */
export class TokenAuthority {
  readonly #byHash: Map<string, Principal>;

  constructor(file: TokensFile) {
    this.#byHash = new Map();
    for (const c of file.clients) {
      this.#byHash.set(c.sha256, {
        kind: 'client',
        name: c.name,
        admin: c.admin === true,
        forcedDimensions: {},
      });
    }
    for (const b of file.bots) {
      this.#byHash.set(b.sha256, {
        kind: 'bot',
        name: b.name,
        admin: false,
        forcedDimensions: b.dimensions ?? {},
      });
    }
  }

  /** The principal of an `authorization: Bearer <token>` value, or undefined. */
  authenticate(authorization: string | undefined): Principal | undefined {
    if (authorization === undefined) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (m === null) return undefined;
    // Only hashes are kept; looking up the hash reveals nothing about other tokens.
    return this.#byHash.get(hashToken(m[1]!));
  }
}

/**
 * Loads the tokens file. When it does not exist, creates it with one client and one bot token
 * and writes the plain tokens beside it (client.token, bot.token, mode 0600) so that the CLI and
 * a local bot find them: the zero-configuration quickstart.
 */
export function loadOrCreateTokens(tokensFile: string): { file: TokensFile; created: boolean } {
  if (existsSync(tokensFile)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(tokensFile, 'utf8'));
    } catch (err) {
      throw new ConfigError(
        `tokens-file: ${tokensFile} is not valid JSON: ${(err as Error).message}`,
      );
    }
    return { file: checkTokensFile(tokensFile, parsed), created: false };
  }
  const dir = dirname(tokensFile);
  mkdirSync(dir, { recursive: true });
  const client = newToken('client');
  const bot = newToken('bot');
  writeFileSync(join(dir, 'client.token'), `${client}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'bot.token'), `${bot}\n`, { mode: 0o600 });
  const file: TokensFile = {
    version: 1,
    clients: [{ name: 'local-admin', sha256: hashToken(client), admin: true }],
    bots: [{ name: 'local-bots', sha256: hashToken(bot) }],
  };
  writeFileSync(tokensFile, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return { file, created: true };
}

function checkTokensFile(path: string, v: unknown): TokensFile {
  const fail = (what: string): never => {
    throw new ConfigError(`tokens-file: ${path}: ${what}`);
  };
  if (typeof v !== 'object' || v === null) fail('must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['version', 'clients', 'bots'].includes(key)) fail(`unknown key ${JSON.stringify(key)}`);
  }
  if (o.version !== 1) fail('version must be 1');
  const entries = (key: 'clients' | 'bots'): TokenEntry[] => {
    const list = o[key] ?? [];
    if (!Array.isArray(list)) return fail(`${key} must be a list`);
    return list.map((e: unknown, i) => {
      const entry = e as Record<string, unknown>;
      if (typeof entry?.name !== 'string' || entry.name === '')
        fail(`${key}[${i}].name must be a non-empty string`);
      if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
        fail(`${key}[${i}].sha256 must be 64 lowercase hex characters (the SHA-256 of the token)`);
      }
      const allowed =
        key === 'clients' ? ['name', 'sha256', 'admin'] : ['name', 'sha256', 'dimensions'];
      for (const k of Object.keys(entry)) {
        if (!allowed.includes(k)) fail(`${key}[${i}]: unknown key ${JSON.stringify(k)}`);
      }
      if (entry.admin !== undefined && typeof entry.admin !== 'boolean') {
        fail(`${key}[${i}].admin must be true or false`);
      }
      const dimensions = checkForcedDimensions(`${key}[${i}].dimensions`, entry.dimensions, fail);
      return {
        name: entry.name as string,
        sha256: entry.sha256 as string,
        admin: entry.admin === true,
        ...(dimensions === undefined ? {} : { dimensions }),
      };
    });
  };
  return { version: 1, clients: entries('clients'), bots: entries('bots') };
}

function checkForcedDimensions(
  field: string,
  v: unknown,
  fail: (what: string) => never,
): Record<string, string[]> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return fail(`${field} must be an object like {"pool": ["ci"]}`);
  }
  const out: Record<string, string[]> = {};
  for (const [k, values] of Object.entries(v)) {
    if (!/^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/.test(k) || k === 'id')
      fail(`${field}: bad key ${JSON.stringify(k)}`);
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((x) => typeof x === 'string' && x !== '')
    ) {
      fail(`${field}.${k} must be a non-empty list of non-empty strings`);
    }
    out[k] = values as string[];
  }
  return out;
}
