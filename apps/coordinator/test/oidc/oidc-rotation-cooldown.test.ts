// A key rotation at the provider that comes within the key-fetch cooldown (issue 22): a token
// of the new key is refused while the coordinator may not fetch the keys again, and accepted as
// soon as it may — its refusal is not kept for the minute a bad token's is, so a person who
// signed in just after a rotation is not locked out for a minute more than the cooldown says.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { TasksClient } from '@drover/protocol';
import { SignJWT, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';

/** The coordinator's jwksCooldown (seconds): far below the minute a refusal is otherwise kept. */
const COOLDOWN_SECS = 5;

let idp: OidcTestProvider;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;

beforeAll(async () => {
  idp = await startOidcTestProvider();
  dir = tempDir();
  coord = await startTestCoordinator(dir.path, {
    oidc: [
      {
        issuer: idp.issuer,
        audience: [idp.cli.clientId],
        groups: { 'ci-viewers': { ci: ['view'] } },
        jwksCooldown: COOLDOWN_SECS,
      },
    ],
  });
  tasks = tasksStub(coord.grpcAddress);
});

afterAll(async () => {
  tasks.close();
  await coord.close();
  dir.remove();
  await idp.stop();
});

/** alice's ID token signed by `key` (its `kid` in the header). */
async function signedWith(key: { kid: string; privateJwk: JWK }): Promise<string> {
  const nowSecs = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: idp.cli.clientId,
    sub: 'alice@example.com',
    email: 'alice@example.com',
    groups: ['ci-viewers'],
    iat: nowSecs,
    exp: nowSecs + 600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

async function count(jwt: string): Promise<ServiceError | undefined> {
  try {
    await call((md, cb) => tasks.CountTasks({ tags: ['pool:ci'] }, md, cb), bearer(jwt));
    return undefined;
  } catch (err) {
    return err as ServiceError;
  }
}

describe('a key rotation within the JWKS cooldown', () => {
  it('accepts the new key’s token once the cooldown allows a fetch, not a minute later', async () => {
    const current = idp.signingKey();
    expect(await count(await signedWith(current))).toBeUndefined();
    // A made-up kid: the coordinator fetches the keys now (or did within the cooldown).
    const madeUp = await count(await signedWith({ ...current, kid: 'k-made-up' }));
    expect(madeUp?.code).toBe(status.UNAUTHENTICATED);

    const rotated = await idp.rotateKeys();
    const token = await signedWith(rotated);
    const first = await count(token);
    expect(first?.code).toBe(status.UNAUTHENTICATED);
    expect(first?.details).toContain('matches the token');

    // Tried again as a client would, until accepted (deadline: the cooldown and a margin, well
    // under the minute a bad token's refusal is kept).
    const deadline = Date.now() + (COOLDOWN_SECS + 15) * 1000;
    let last = first;
    while (last !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      last = await count(token);
    }
    expect(last).toBeUndefined();
  });
});
