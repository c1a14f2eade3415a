// `auth.oidc` in the coordinator's config file: read from YAML with its defaults, and every bad
// field refused with a ConfigError naming it (the coordinator then exits 2 with that message).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileOidcConfig } from '../../src/auth/oidc-config';
import { ConfigError, compileCoordinatorConfig, parseCoordinatorArgs } from '../../src/index';
import { tempDir } from '../harness';

function fromFile(yaml: string) {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'drover.yaml');
    writeFileSync(file, yaml);
    const parsed = parseCoordinatorArgs(['--config', file], {});
    if (parsed.help) throw new Error('unexpected help');
    return { config: compileCoordinatorConfig(parsed.options), dir: dir.path };
  } finally {
    dir.remove();
  }
}

describe('auth.oidc', () => {
  it('reads issuers from the config file, with defaults, and a secret file relative to it', () => {
    const { config, dir } = fromFile(`
auth:
  oidc:
    - issuer: https://idp.example.com
      groups:
        ci-admins: { ci: [admin] }
        everyone: { '*': [view], ci: [submit, cancel] }
      dashboard: { clientId: drover-dashboard, clientSecretFile: secrets/dashboard }
      cli: { clientId: drover-cli }
    - issuer: http://127.0.0.1:5556/dex
      audience: drover
      principalClaim: preferred_username
      groupsClaim: roles
      jwksCooldown: 2
`);
    expect(config.oidc).toHaveLength(2);
    const [a, b] = config.oidc;
    expect(a).toMatchObject({
      issuer: 'https://idp.example.com',
      audiences: ['drover-dashboard', 'drover-cli'],
      principalClaim: 'email',
      groupsClaim: 'groups',
      dashboard: {
        clientId: 'drover-dashboard',
        clientSecretFile: join(dir, 'secrets/dashboard'),
      },
      cli: { clientId: 'drover-cli' },
      jwksCooldownMs: 10_000,
    });
    expect(a!.groups.get('everyone')?.get('*')).toEqual(new Set(['view']));
    expect(a!.groups.get('everyone')?.get('ci')).toEqual(new Set(['submit', 'cancel']));
    expect(b).toMatchObject({
      issuer: 'http://127.0.0.1:5556/dex',
      audiences: ['drover'],
      principalClaim: 'preferred_username',
      groupsClaim: 'roles',
      dashboard: undefined,
      cli: undefined,
      jwksCooldownMs: 2000,
    });
  });

  it('is empty when not configured', () => {
    expect(compileCoordinatorConfig({}).oidc).toEqual([]);
  });

  it('names the field of every problem', () => {
    const ok = { issuer: 'https://idp.example.com', audience: 'drover' };
    const cases: Array<[unknown, RegExp]> = [
      [{ issuer: 'https://a' }, /^auth\.oidc: must be a list/],
      [['x'], /^auth\.oidc\[0\]: must be a mapping/],
      [[{ ...ok, colour: 1 }], /^auth\.oidc\[0\]\.colour: unknown key/],
      [[{ audience: 'drover' }], /^auth\.oidc\[0\]\.issuer: must be a non-empty string/],
      [[{ ...ok, issuer: 'not a url' }], /^auth\.oidc\[0\]\.issuer: must be an https URL/],
      [[{ ...ok, issuer: 'http://idp.example.com' }], /^auth\.oidc\[0\]\.issuer: must be an https/],
      [
        [{ ...ok, issuer: 'https://idp.example.com?x=1' }],
        /^auth\.oidc\[0\]\.issuer: must have no query/,
      ],
      [[ok, ok], /^auth\.oidc\[1\]\.issuer: https:\/\/idp\.example\.com is configured twice/],
      [[{ issuer: ok.issuer }], /^auth\.oidc\[0\]\.audience: required/],
      [
        [{ ...ok, audience: 5 }],
        /^auth\.oidc\[0\]\.audience: must be a string or a non-empty list/,
      ],
      [
        [{ ...ok, audience: [] }],
        /^auth\.oidc\[0\]\.audience: must be a string or a non-empty list/,
      ],
      [
        [{ ...ok, audience: ['a', ''] }],
        /^auth\.oidc\[0\]\.audience\[1\]: must be a non-empty string/,
      ],
      [[{ ...ok, principalClaim: '' }], /^auth\.oidc\[0\]\.principalClaim: must be a non-empty/],
      [[{ ...ok, groupsClaim: 3 }], /^auth\.oidc\[0\]\.groupsClaim: must be a non-empty/],
      [[{ ...ok, groups: ['ci'] }], /^auth\.oidc\[0\]\.groups: must be a mapping of group/],
      [
        [{ ...ok, groups: { admins: 'ci' } }],
        /^auth\.oidc\[0\]\.groups\.admins: must be a mapping of pools/,
      ],
      [
        [{ ...ok, groups: { admins: { ci: [] } } }],
        /^auth\.oidc\[0\]\.groups\.admins\.ci: must be a non-empty list of roles/,
      ],
      [
        [{ ...ok, groups: { admins: { ci: ['root'] } } }],
        /^auth\.oidc\[0\]\.groups\.admins\.ci: unknown role "root"/,
      ],
      [[{ ...ok, dashboard: 'drover' }], /^auth\.oidc\[0\]\.dashboard: must be a mapping/],
      [[{ ...ok, dashboard: {} }], /^auth\.oidc\[0\]\.dashboard\.clientId: must be a non-empty/],
      [
        [{ ...ok, dashboard: { clientId: 'd', secret: 'x' } }],
        /^auth\.oidc\[0\]\.dashboard\.secret: unknown key/,
      ],
      [
        [{ ...ok, cli: { clientId: 'c', clientSecretFile: 'x' } }],
        /^auth\.oidc\[0\]\.cli\.clientSecretFile: unknown key/,
      ],
      [
        [{ ...ok, jwksCooldown: -1 }],
        /^auth\.oidc\[0\]\.jwksCooldown: must be a number of seconds from 0 to 3600/,
      ],
    ];
    for (const [raw, message] of cases) {
      let thrown: unknown;
      try {
        compileOidcConfig(raw);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(raw)).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message, JSON.stringify(raw)).toMatch(message);
    }
  });

  it('refuses an unknown key under auth, naming it and the file', () => {
    expect(() => fromFile('auth:\n  saml: []\n')).toThrow(
      /auth\.saml: unknown key \(known: oidc\)/,
    );
    expect(() => fromFile('auth:\n  oidc: [{ issuer: 3 }]\n')).toThrow(
      /^auth\.oidc\[0\]\.issuer: must be a non-empty string/,
    );
  });
});
