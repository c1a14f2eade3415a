// A person's live views end with their ID token (issue 22): a dashboard socket and a WatchTasks
// stream opened with an OIDC JWT are ended when the JWT expires, as every later request is
// refused then, instead of streaming the pools' tasks for as long as the tab stays open. A real
// provider on loopback signs the token; the coordinator checks it against the provider's JWKS.
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { TaskChangeOut } from '@drover/protocol';
import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { CLOSE_UNAUTHENTICATED } from '../../src/dashboard/live-hub';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
import { LiveSocket } from '../dashboard/live-socket';
import { bearer, startTestCoordinator, tasksStub, tempDir } from '../harness';

/** How long the crafted ID tokens live: long enough to open a socket, short enough to wait out. */
const TTL_SECS = 4;

let idp: OidcTestProvider;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;

beforeAll(async () => {
  idp = await startOidcTestProvider();
  dir = tempDir();
  coord = await startTestCoordinator(dir.path, {
    oidc: [
      {
        issuer: idp.issuer,
        audience: [idp.cli.clientId],
        groups: { 'ci-admins': { ci: ['admin'] } },
      },
    ],
  });
});

afterAll(async () => {
  await coord.close();
  dir.remove();
  await idp.stop();
});

/** alice's ID token, signed with the provider's key, expiring TTL_SECS from now. */
async function shortLivedIdToken(): Promise<string> {
  const key = idp.signingKey();
  const nowSecs = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: idp.cli.clientId,
    sub: 'alice@example.com',
    email: 'alice@example.com',
    groups: ['ci-admins'],
    iat: nowSecs,
    exp: nowSecs + TTL_SECS,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

/** Resolves with `p`'s value, or 'still open' after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([
    p,
    new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms).unref()),
  ]);
}

describe('live views of an OIDC JWT', () => {
  it('closes the dashboard socket when the JWT expires (4401)', async () => {
    const s = new LiveSocket(coord);
    try {
      await s.open();
      s.send({ type: 'auth', token: await shortLivedIdToken() });
      expect(await s.next((m) => m.type === 'ready')).toMatchObject({ name: 'alice@example.com' });
      s.send({ type: 'subscribe', topics: ['tasks'] });
      await s.until(() => s.closed, (TTL_SECS + 10) * 1000).catch(() => undefined);
      expect(s.closed?.code).toBe(CLOSE_UNAUTHENTICATED);
    } finally {
      s.close();
    }
  });

  it('ends a WatchTasks stream when the JWT expires (UNAUTHENTICATED)', async () => {
    const tasks = tasksStub(coord.grpcAddress);
    const stream = tasks.WatchTasks(
      { tags: [] },
      bearer(await shortLivedIdToken()),
    ) as ClientReadableStream<TaskChangeOut>;
    try {
      stream.on('data', () => undefined);
      const ended = new Promise<ServiceError | 'ok'>((resolve) => {
        stream.on('error', (err: ServiceError) => resolve(err));
        stream.on('end', () => resolve('ok'));
      });
      // Watching: the JWT was accepted.
      await within(new Promise((resolve) => stream.once('metadata', resolve)), TTL_SECS * 1000);
      const end = await within(ended, (TTL_SECS + 10) * 1000);
      expect(end).not.toBe('still open');
      expect((end as ServiceError).code).toBe(status.UNAUTHENTICATED);
      expect((end as ServiceError).details).toContain('the JWT expired');
    } finally {
      stream.cancel();
      tasks.close();
    }
  });
});
