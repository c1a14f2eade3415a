import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import {
  checkAuthConfig,
  hashToken,
  newToken,
  type AuthConfig,
  type AuthRole,
} from '@drover/protocol';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError } from '../config';
import type { Principal, Role } from './principal';

export { hashToken, newToken };
export type { Principal, PrincipalKind } from './principal';

/** The tokens file as the coordinator holds it (a version 1 file is read as version 2). */
export type TokensFile = AuthConfig;

// The protocol's role list and the principal's must stay the same list.
const SAME_ROLES: [AuthRole, Role] extends [Role, AuthRole] ? true : never = true;
void SAME_ROLES;

/** Looks tokens up by hash; only hashes are kept, so a lookup reveals nothing about other tokens. */
export class TokenAuthority {
  readonly #byHash = new Map<string, Principal>();

  constructor(file: TokensFile) {
    for (const p of file.principals) {
      const principal: Principal = {
        kind: 'client',
        name: p.name,
        admin: p.admin,
        roles: new Map(Object.entries(p.roles).map(([pool, roles]) => [pool, new Set(roles)])),
        forcedDimensions: {},
        botIdPatterns: [],
      };
      for (const h of p.sha256) this.#byHash.set(h, principal);
    }
    for (const g of file.botGroups) {
      const principal: Principal = {
        kind: 'bot',
        name: g.name,
        admin: false,
        roles: new Map(),
        forcedDimensions: g.dimensions,
        botIdPatterns: g.botIds,
      };
      for (const h of g.sha256) this.#byHash.set(h, principal);
    }
  }

  /** The principal of an `authorization: Bearer <token>` value, or undefined. */
  authenticate(authorization: string | undefined): Principal | undefined {
    if (authorization === undefined) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (m === null) return undefined;
    return this.#byHash.get(hashToken(m[1]!));
  }
}

/** YAML for `.yaml` / `.yml` files, JSON otherwise. */
export function isYamlPath(path: string): boolean {
  return ['.yaml', '.yml'].includes(extname(path).toLowerCase());
}

/**
 * Loads the tokens file. When it does not exist, creates a version 2 file with one server-wide
 * admin and one bot group taking any bot id, and writes the plain tokens beside it (client.token,
 * bot.token, mode 0600) so that the CLI and a local bot find them: the zero-configuration
 * quickstart.
 */
export function loadOrCreateTokens(tokensFile: string): { file: TokensFile; created: boolean } {
  if (existsSync(tokensFile)) return { file: readTokensFile(tokensFile), created: false };
  const dir = dirname(tokensFile);
  mkdirSync(dir, { recursive: true });
  const client = newToken('client');
  const bot = newToken('bot');
  writeFileSync(join(dir, 'client.token'), `${client}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'bot.token'), `${bot}\n`, { mode: 0o600 });
  const written = {
    version: 2,
    principals: [{ name: 'local-admin', sha256: hashToken(client), admin: true }],
    botGroups: [{ name: 'local-bots', sha256: hashToken(bot), botIds: ['*'] }],
  };
  const text = isYamlPath(tokensFile)
    ? stringifyYaml(written)
    : `${JSON.stringify(written, null, 2)}\n`;
  writeFileSync(tokensFile, text, { mode: 0o600 });
  return { file: readTokensFile(tokensFile), created: true };
}

/** Reads and checks a tokens file; any problem is a ConfigError naming the file and field. */
export function readTokensFile(path: string): TokensFile {
  const yaml = isYamlPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`tokens-file: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `tokens-file: ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  const checked = checkAuthConfig(parsed);
  if (!checked.ok) throw new ConfigError(`tokens-file: ${path}: ${checked.problem}`);
  return checked.config;
}
