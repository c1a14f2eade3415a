// The name an OIDC JWT gives its principal is shown as one line wherever people read who did
// what — `drover audit`, task lists, logs (issue 22). A name with a line break or an escape
// sequence (a display-name claim the user sets at the provider) could forge audit lines on an
// admin's terminal, and one longer than a task's `user` takes breaks that limit: such a JWT is
// refused (UNAUTHENTICATED, naming the claim), though signed by the provider.
import { status } from '@grpc/grpc-js';
import type { TasksClient } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasksStub } from '../harness';
import { countInCi, signIdToken, startOidcCoordinator, type OidcCoordinator } from './oidc-setup';

let env: OidcCoordinator;
let tasks: TasksClient;

beforeAll(async () => {
  env = await startOidcCoordinator((idp) => ({
    audience: [idp.cli.clientId],
    principalClaim: 'name',
    groups: { 'ci-viewers': { ci: ['view'] } },
  }));
  tasks = tasksStub(env.coord.grpcAddress);
});

afterAll(async () => {
  tasks.close();
  await env.close();
});

/** A JWT of the provider whose `name` claim is `name`. */
function withName(name: string): Promise<string> {
  return signIdToken(env.idp, { sub: 'someone', email: undefined, name, groups: ['ci-viewers'] });
}

const count = (jwt: string) => countInCi(tasks, jwt);

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
