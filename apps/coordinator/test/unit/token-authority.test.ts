// TokenAuthority beyond the tokens file: tokens of the store (revoked, expired, scoped, their
// subject gone), the JWT seam (prepare, the verified-JWT cache, refusal reasons) and last-used
// bookkeeping. The clock is a settable fake; nothing else is.
import { describe, expect, it } from 'vitest';
import type { AccessTokenRecord } from '@drover/state';
import type { JwtVerifier } from '../../src/auth/identity';
import { can, type Principal } from '../../src/auth/principal';
import { TokenAuthority, hashToken, newToken, type TokensFile } from '../../src/auth/tokens';

const FILE_ADMIN = newToken('client');
const FILE: TokensFile = {
  version: 2,
  principals: [{ name: 'file-admin', sha256: [hashToken(FILE_ADMIN)], admin: true, roles: {} }],
  botGroups: [
    { name: 'file-bots', sha256: [hashToken(newToken('bot'))], botIds: [], dimensions: {} },
  ],
};

function tokenRecord(secret: string, over: Partial<AccessTokenRecord>): AccessTokenRecord {
  return {
    id: 'tok-0000000000000001',
    hash: hashToken(secret),
    kind: 'principal',
    subject: 'alice',
    description: '',
    scope: {},
    createdMs: 1000,
    createdBy: 'file-admin',
    expiresMs: 0,
    revokedMs: 0,
    revokedBy: '',
    lastUsedMs: 0,
    ...over,
  };
}

function setup(nowMs = 10_000) {
  const clock = { nowMs };
  const tokens = new TokenAuthority(FILE, { clock: () => clock.nowMs });
  return { clock, tokens };
}

const bearer = (t: string) => `Bearer ${t}`;
const ALICE = {
  name: 'alice',
  admin: false,
  roles: { ci: ['submit', 'cancel'], '*': ['view'] },
  description: '',
  updatedMs: 1,
  updatedBy: 'file-admin',
};

describe('tokens of the store', () => {
  it('authenticates as the subject, with the token id, and stops at once when revoked', () => {
    const { tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, {})],
      principals: [ALICE],
      groups: [],
    });
    const p = tokens.authenticate(bearer(secret));
    expect(p).toMatchObject({ kind: 'client', name: 'alice', source: 'store' });
    expect(p?.tokenId).toBe('tok-0000000000000001');
    expect(can(p!, 'submit', ['ci'])).toBe(true);
    expect(can(p!, 'submit', ['prod'])).toBe(false);

    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { revokedMs: 20_000, revokedBy: 'file-admin' })],
      principals: [ALICE],
      groups: [],
    });
    expect(tokens.authenticate(bearer(secret))).toBeUndefined();
    expect(tokens.refusal(bearer(secret))).toMatch(/^token tok-0000000000000001 was revoked at /);
  });

  it('refuses a token once the clock reaches its expiry', () => {
    const { clock, tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { expiresMs: 20_000 })],
      principals: [ALICE],
      groups: [],
    });
    expect(tokens.authenticate(bearer(secret))?.name).toBe('alice');
    clock.nowMs = 20_000;
    expect(tokens.authenticate(bearer(secret))).toBeUndefined();
    expect(tokens.refusal(bearer(secret))).toContain('expired at 1970-01-01T00:00:20.000Z');
    expect(tokens.storeToken('tok-0000000000000001')).toEqual({
      refused: expect.stringContaining('expired') as string,
    });
  });

  it('narrows a scoped token to what both the subject and the scope grant', () => {
    const { tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { scope: { ci: ['submit', 'view'], prod: ['submit'] } })],
      principals: [ALICE],
      groups: [],
    });
    const p = tokens.authenticate(bearer(secret))!;
    expect(can(p, 'submit', ['ci'])).toBe(true);
    expect(can(p, 'view', ['ci'])).toBe(true);
    // Alice may cancel in ci, but the scope does not say so; she may not submit in prod at all.
    expect(can(p, 'cancel', ['ci'])).toBe(false);
    expect(can(p, 'submit', ['prod'])).toBe(false);
    expect(can(p, 'view', ['other'])).toBe(false);
  });

  it('gives a scoped token of a server-wide admin exactly its scope', () => {
    const { tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { subject: 'file-admin', scope: { ci: ['submit'] } })],
      principals: [],
      groups: [],
    });
    const p: Principal = tokens.authenticate(bearer(secret))!;
    expect(p.admin).toBe(false);
    expect(can(p, 'submit', ['ci'])).toBe(true);
    expect(can(p, 'cancel', ['ci'])).toBe(false);
  });

  it('refuses a token whose subject is gone, and says so', () => {
    const { tokens } = setup();
    const secret = newToken('bot');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { kind: 'bot_group', subject: 'ci-bots' })],
      principals: [],
      groups: [],
    });
    expect(tokens.authenticate(bearer(secret))).toBeUndefined();
    expect(tokens.refusal(bearer(secret))).toBe(
      'bot group ci-bots of token tok-0000000000000001 is gone',
    );
  });

  it('a tokens file entry keeps its name: the store may not redefine it', () => {
    const { tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({
      tokens: [tokenRecord(secret, { subject: 'file-admin' })],
      principals: [{ ...ALICE, name: 'file-admin' }],
      groups: [],
    });
    expect(tokens.authenticate(bearer(secret))?.admin).toBe(true);
    expect(tokens.authenticate(bearer(FILE_ADMIN))?.source).toBe('file');
    expect(tokens.inFile('principal', 'file-admin')).toBe(true);
    expect(tokens.inFile('bot_group', 'file-admin')).toBe(false);
  });

  it('remembers each use for a write, once per token, the latest', () => {
    const { clock, tokens } = setup();
    const secret = newToken('client');
    tokens.setStoreAccess({ tokens: [tokenRecord(secret, {})], principals: [ALICE], groups: [] });
    tokens.authenticate(bearer(secret));
    clock.nowMs = 15_000;
    tokens.authenticate(bearer(secret));
    expect(tokens.takeUnwrittenUses()).toEqual([
      { id: 'tok-0000000000000001', lastUsedMs: 15_000 },
    ]);
    expect(tokens.takeUnwrittenUses()).toEqual([]);
    expect(tokens.lastUsedMs('tok-0000000000000001')).toBe(15_000);
  });
});

function fakeVerifier(
  answer: (jwt: string) => Awaited<ReturnType<JwtVerifier['verify']>>,
): JwtVerifier & { calls: number } {
  const v = {
    calls: 0,
    verify: async (jwt: string) => {
      v.calls++;
      await Promise.resolve();
      return answer(jwt);
    },
  };
  return v;
}

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
const OIDC_ALICE: Principal = {
  kind: 'client',
  name: 'alice@example.com',
  admin: false,
  roles: new Map([['ci', new Set(['view' as const])]]),
  forcedDimensions: {},
  botIdPatterns: [],
  source: 'oidc',
};

describe('JWTs (the OIDC seam)', () => {
  it('finds a JWT only once prepared, verifying it once for concurrent calls', async () => {
    const { tokens } = setup();
    const verifier = fakeVerifier(() => ({ ok: true, principal: OIDC_ALICE, expiresMs: 60_000 }));
    tokens.setJwtVerifier(verifier);
    expect(tokens.authenticate(bearer(JWT))).toBeUndefined();
    await Promise.all([tokens.prepare(bearer(JWT)), tokens.prepare(bearer(JWT))]);
    await tokens.prepare(bearer(JWT));
    expect(verifier.calls).toBe(1);
    expect(tokens.authenticate(bearer(JWT))).toBe(OIDC_ALICE);
  });

  it('drops a verified JWT at its expiry', async () => {
    const { clock, tokens } = setup();
    tokens.setJwtVerifier(
      fakeVerifier(() => ({ ok: true, principal: OIDC_ALICE, expiresMs: 60_000 })),
    );
    await tokens.prepare(bearer(JWT));
    clock.nowMs = 60_000;
    expect(tokens.authenticate(bearer(JWT))).toBeUndefined();
    expect(tokens.refusal(bearer(JWT))).toContain('expired');
  });

  it("carries the verifier's reason to the refusal", async () => {
    const { tokens } = setup();
    tokens.setJwtVerifier(fakeVerifier(() => ({ ok: false, reason: 'wrong audience "x"' })));
    await tokens.prepare(bearer(JWT));
    expect(tokens.authenticate(bearer(JWT))).toBeUndefined();
    expect(tokens.refusal(bearer(JWT))).toBe('wrong audience "x"');
  });

  it('refuses JWTs when no verifier is configured, and says why', async () => {
    const { tokens } = setup();
    await tokens.prepare(bearer(JWT));
    expect(tokens.authenticate(bearer(JWT))).toBeUndefined();
    expect(tokens.refusal(bearer(JWT))).toBe('a JWT, but no OIDC issuer is configured');
  });

  it('needs no preparation for opaque tokens and does not call the verifier for them', async () => {
    const { tokens } = setup();
    const verifier = fakeVerifier(() => ({ ok: false, reason: 'no' }));
    tokens.setJwtVerifier(verifier);
    await tokens.prepare(bearer(FILE_ADMIN));
    expect(verifier.calls).toBe(0);
    expect(tokens.authenticate(bearer(FILE_ADMIN))?.name).toBe('file-admin');
  });
});
