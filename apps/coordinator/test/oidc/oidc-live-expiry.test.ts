// A person's live views end with their ID token (issue 22): a dashboard socket and a WatchTasks
// stream opened with an OIDC JWT are ended when the JWT expires, as every later request is
// refused then, instead of streaming the pools' tasks for as long as the tab stays open. A real
// provider on loopback signs the token; the coordinator checks it against the provider's JWKS.
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { TaskChangeOut } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_UNAUTHENTICATED } from '../../src/dashboard/live-hub';
import { LiveSocket } from '../dashboard/live-socket';
import { bearer, tasksStub } from '../harness';
import { signIdToken, startOidcCoordinator, type OidcCoordinator } from './oidc-setup';

/** How long the crafted ID tokens live: long enough to open a socket, short enough to wait out. */
const TTL_SECS = 4;

let env: OidcCoordinator;

beforeAll(async () => {
  env = await startOidcCoordinator((idp) => ({
    audience: [idp.cli.clientId],
    groups: { 'ci-admins': { ci: ['admin'] } },
  }));
});

afterAll(async () => {
  await env.close();
});

/** alice's ID token, signed with the provider's key, expiring TTL_SECS from now. */
function shortLivedIdToken(): Promise<string> {
  return signIdToken(env.idp, { exp: Math.floor(Date.now() / 1000) + TTL_SECS });
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
    const s = new LiveSocket(env.coord);
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
    const tasks = tasksStub(env.coord.grpcAddress);
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
