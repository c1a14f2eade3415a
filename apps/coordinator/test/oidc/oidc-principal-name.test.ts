// The name an OIDC JWT gives its principal is shown as one line wherever people read who did
// what — `drover audit`, task lists, logs (issue 22). A name with a line break or an escape
// sequence (a display-name claim the user sets at the provider) could forge audit lines on an
// admin's terminal, and one longer than a task's `user` takes breaks that limit: such a JWT is
// refused (UNAUTHENTICATED, naming the claim), though signed by the provider.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { TasksClient } from '@drover/protocol';
import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';

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
        principalClaim: 'name',
        groups: { 'ci-viewers': { ci: ['view'] } },
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

/** A JWT of the provider whose `name` claim is `name`. */
async function withName(name: string): Promise<string> {
  const key = idp.signingKey();
  const nowSecs = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: idp.cli.clientId,
    sub: 'someone',
    name,
    groups: ['ci-viewers'],
    iat: nowSecs,
    exp: nowSecs + 600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

/** CountTasks in pool ci with `jwt`: undefined when allowed, else the error. */
async function count(jwt: string): Promise<ServiceError | undefined> {
  try {
    await call((md, cb) => tasks.CountTasks({ tags: ['pool:ci'] }, md, cb), bearer(jwt));
    return undefined;
  } catch (err) {
    return err as ServiceError;
  }
}

describe('the principal name of an OIDC JWT', () => {
  it('takes a display name with spaces', async () => {
    expect(await count(await withName('Alice Example'))).toBeUndefined();
  });

  it('refuses a name with a line break or an escape sequence', async () => {
    const forged = 'mallory\n2026-12-06T17:00:00Z  local-admin  127.0.0.1:1  access.token.create';
    for (const name of [forged, 'mallory\u001b[1A\u001b[2Klocal-admin']) {
      const err = await count(await withName(name));
      expect(err?.code).toBe(status.UNAUTHENTICATED);
      expect(err?.details).toContain('claim name: has control characters');
    }
  });

  it('refuses a name longer than 256 characters', async () => {
    const err = await count(await withName('a'.repeat(257)));
    expect(err?.code).toBe(status.UNAUTHENTICATED);
    expect(err?.details).toContain('claim name: at most 256 characters');
    expect(await count(await withName('a'.repeat(256)))).toBeUndefined();
  });
});
