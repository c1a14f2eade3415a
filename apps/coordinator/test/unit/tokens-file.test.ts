// The tokens file (the auth config, docs/auth.md): loading, the first-start bootstrap, version 1
// compatibility, every malformed field named, and what the principals it yields may do.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { can, mayUseBotId, poolsWith, type Principal } from '../../src/auth/principal';
import {
  TokenAuthority,
  hashToken,
  loadOrCreateTokens,
  readTokensFile,
} from '../../src/auth/tokens';
import { ConfigError } from '../../src/config';
import { tempDir } from '../harness';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('drover-tokens-');
});
afterEach(() => dir.remove());

const H = (t: string) => hashToken(t);

function authorityFrom(name: string, text: string): TokenAuthority {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return new TokenAuthority(readTokensFile(path));
}

function principalOf(tokens: TokenAuthority, token: string): Principal {
  const p = tokens.authenticate(`Bearer ${token}`);
  if (p === undefined) throw new Error(`token ${token} not accepted`);
  return p;
}

describe('the first start', () => {
  it('writes a version 2 file with a server-wide admin and a bot group taking any id', () => {
    const path = join(dir.path, 'tokens.json');
    const { file, created } = loadOrCreateTokens(path);
    expect(created).toBe(true);
    const written = JSON.parse(readFileSync(path, 'utf8')) as { version: number };
    expect(written.version).toBe(2);
    expect(file.principals.map((p) => [p.name, p.admin])).toEqual([['local-admin', true]]);
    expect(file.botGroups.map((g) => [g.name, g.botIds])).toEqual([['local-bots', ['*']]]);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const tokens = new TokenAuthority(file);
    const client = readFileSync(join(dir.path, 'client.token'), 'utf8').trim();
    const bot = readFileSync(join(dir.path, 'bot.token'), 'utf8').trim();
    expect(principalOf(tokens, client)).toMatchObject({ kind: 'client', admin: true });
    expect(mayUseBotId(principalOf(tokens, bot), 'any-bot-7')).toBe(true);
    expect(readFileSync(path, 'utf8')).not.toContain(client);
  });

  it('writes YAML when the tokens file is named .yaml, and reads it back', () => {
    const path = join(dir.path, 'auth.yaml');
    loadOrCreateTokens(path);
    expect((parseYaml(readFileSync(path, 'utf8')) as { version: number }).version).toBe(2);
    const again = loadOrCreateTokens(path);
    expect(again.created).toBe(false);
    expect(again.file.principals[0]?.name).toBe('local-admin');
  });
});

describe('a version 2 file', () => {
  const yaml = `
version: 2
principals:
  - name: dev
    sha256: [${H('old')}, ${H('new')}]
    roles: { ci: [view, submit], '*': [view] }
  - { name: ops, sha256: ${H('ops')}, roles: { ci: [admin] } }
botGroups:
  - { name: ci-bots, sha256: ${H('bots')}, botIds: ['ci-*', 'build.1'], dimensions: { pool: [ci] } }
`;

  it('accepts every hash of a principal during a rotation', () => {
    const tokens = authorityFrom('t.yaml', yaml);
    expect(principalOf(tokens, 'old')).toBe(principalOf(tokens, 'new'));
  });

  it('grants roles per pool, `*` for every pool, and admin in a pool implies the rest there', () => {
    const tokens = authorityFrom('t.yml', yaml);
    const dev = principalOf(tokens, 'new');
    expect(can(dev, 'submit', ['ci'])).toBe(true);
    expect(can(dev, 'submit', ['gpu'])).toBe(false);
    expect(can(dev, 'view', ['gpu'])).toBe(true);
    expect(can(dev, 'cancel', ['ci'])).toBe(false);
    expect(poolsWith(dev, 'view')).toBe('all');
    expect(poolsWith(dev, 'submit')).toEqual(['ci']);
    const ops = principalOf(tokens, 'ops');
    expect(['view', 'submit', 'cancel', 'admin'].map((r) => can(ops, r as 'view', ['ci']))).toEqual(
      [true, true, true, true],
    );
    expect(can(ops, 'view', ['gpu'])).toBe(false);
    expect(poolsWith(ops, 'cancel')).toEqual(['ci']);
  });

  it('lets a bot group connect only bot ids matching its patterns, with its forced dimensions', () => {
    const tokens = authorityFrom('t.yaml', yaml);
    const bots = principalOf(tokens, 'bots');
    expect(bots.kind).toBe('bot');
    expect(bots.forcedDimensions).toEqual({ pool: ['ci'] });
    expect(mayUseBotId(bots, 'ci-7')).toBe(true);
    expect(mayUseBotId(bots, 'ci-')).toBe(true);
    expect(mayUseBotId(bots, 'xci-7')).toBe(false);
    // Only `*` is special: `?` and `.` are literal.
    expect(mayUseBotId(bots, 'build.1')).toBe(true);
    expect(mayUseBotId(bots, 'build-1')).toBe(false);
    expect(can(bots, 'view', ['ci'])).toBe(false);
  });

  it('accepts only a well-formed Bearer header', () => {
    const tokens = authorityFrom('t.yaml', yaml);
    expect(tokens.authenticate('bearer ops')?.name).toBe('ops');
    expect(tokens.authenticate('  Bearer   ops ')?.name).toBe('ops');
    for (const bad of [undefined, '', 'ops', 'Basic ops', 'Bearer', 'Bearer ops extra']) {
      expect(tokens.authenticate(bad)).toBeUndefined();
    }
  });
});

describe('a version 1 file', () => {
  it('keeps its meaning: admins stay admins, other clients view, submit and cancel anywhere', () => {
    const tokens = authorityFrom(
      'tokens.json',
      JSON.stringify({
        version: 1,
        clients: [
          { name: 'root', sha256: H('root'), admin: true },
          { name: 'dev', sha256: H('dev') },
        ],
        bots: [{ name: 'ci', sha256: H('bot'), dimensions: { pool: ['ci'] } }],
      }),
    );
    expect(principalOf(tokens, 'root').admin).toBe(true);
    const dev = principalOf(tokens, 'dev');
    expect(dev.admin).toBe(false);
    expect(['view', 'submit', 'cancel', 'admin'].map((r) => can(dev, r as 'view', ['x']))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    const bot = principalOf(tokens, 'bot');
    expect(bot.forcedDimensions).toEqual({ pool: ['ci'] });
    expect(mayUseBotId(bot, 'whatever')).toBe(true);
  });
});

describe('a malformed tokens file', () => {
  const p = (extra: Record<string, unknown>) =>
    JSON.stringify({ version: 2, principals: [{ name: 'a', sha256: H('a'), ...extra }] });
  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['not an object', '[]', 'must be an object'],
    ['an unknown top-level key', JSON.stringify({ version: 2, users: [] }), 'unknown key "users"'],
    ['an unknown version', JSON.stringify({ version: 3 }), 'version: must be 2'],
    [
      'principals not a list',
      JSON.stringify({ version: 2, principals: {} }),
      'principals: must be a list',
    ],
    [
      'a missing name',
      JSON.stringify({ version: 2, principals: [{ sha256: H('a') }] }),
      'principals[0].name',
    ],
    ['a short hash', p({ sha256: 'abc' }), 'principals[0].sha256: must be 64 lowercase hex'],
    ['an empty hash list', p({ sha256: [] }), 'principals[0].sha256: must be a SHA-256'],
    ['a bad hash in a list', p({ sha256: [H('a'), 'x'] }), 'principals[0].sha256[1]'],
    ['a non-boolean admin', p({ admin: 'yes' }), 'principals[0].admin: must be true or false'],
    [
      'an unknown role',
      p({ roles: { ci: ['read'] } }),
      'principals[0].roles.ci[0]: must be one of',
    ],
    ['an empty role list', p({ roles: { ci: [] } }), 'principals[0].roles.ci: must be a non-empty'],
    ['an unknown principal key', p({ botIds: ['x'] }), 'principals[0]: unknown key "botIds"'],
    [
      'a bad bot id pattern',
      JSON.stringify({ version: 2, botGroups: [{ name: 'b', sha256: H('b'), botIds: ['a b'] }] }),
      'botGroups[0].botIds[0]',
    ],
    [
      'a forced id dimension',
      JSON.stringify({
        version: 2,
        botGroups: [{ name: 'b', sha256: H('b'), dimensions: { id: ['x'] } }],
      }),
      'botGroups[0].dimensions: bad key "id"',
    ],
    [
      'one hash in a principal and a bot group',
      JSON.stringify({
        version: 2,
        principals: [{ name: 'a', sha256: H('same'), admin: true }],
        botGroups: [{ name: 'b', sha256: [H('b'), H('same')] }],
      }),
      'botGroups[0].sha256: a token hash also used by principals[0]',
    ],
    [
      'two principals with one name',
      JSON.stringify({
        version: 2,
        principals: [
          { name: 'a', sha256: H('1'), admin: true },
          { name: 'a', sha256: H('2'), admin: true },
        ],
      }),
      'principals[1].name: principal a is also principals[0]',
    ],
    [
      'a version 1 client with roles',
      JSON.stringify({ version: 1, clients: [{ name: 'a', sha256: H('a'), roles: {} }] }),
      'clients[0]: unknown key "roles"',
    ],
  ])('is a ConfigError naming the file and the field: %s', (_what, text, message) => {
    const path = join(dir.path, 'tokens.json');
    writeFileSync(path, text);
    expect(() => readTokensFile(path)).toThrow(ConfigError);
    expect(() => readTokensFile(path)).toThrow(`tokens-file: ${path}`);
    expect(() => readTokensFile(path)).toThrow(message);
  });

  it('is a ConfigError for YAML that does not parse', () => {
    const path = join(dir.path, 'tokens.yaml');
    writeFileSync(path, 'version: 2\nprincipals: [\n');
    expect(() => readTokensFile(path)).toThrow(/tokens-file: .*tokens\.yaml is not valid YAML/);
  });
});
