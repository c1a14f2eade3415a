// A dashboard live socket or a WatchTasks stream opened with a token of the store ends when that
// token stops working (issue 22): revoked, or its principal deleted — as a bot session does —
// instead of pushing the pools' task changes to a token that every request already refuses. One
// whose principal lost a pool sees that pool's tasks no more.
import * as grpc from '@grpc/grpc-js';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import {
  type AccessClient,
  type CreateTokenResponseOut,
  type TaskChangeOut,
} from '@drover/protocol';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { CLOSE_UNAUTHENTICATED } from '../../src/dashboard/live-hub';
import {
  accessStub,
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
} from '../harness';
import { submitTask } from '../dashboard/dashboard-client';
import { LiveSocket } from '../dashboard/live-socket';

const dir = tempDir('drover-access-live-');
let coord: RunningCoordinator;
let access: AccessClient;
let admin: string;
const sockets: LiveSocket[] = [];

beforeAll(async () => {
  coord = await startTestCoordinator(join(dir.path, 'coord'));
  admin = readToken(join(dir.path, 'coord'), 'client');
  access = accessStub(coord.grpcAddress);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  access?.close();
  await coord?.close();
  dir.remove();
});

function rpc<Res>(method: keyof AccessClient & string, req: object): Promise<Res> {
  const fn = (access[method] as (...a: unknown[]) => unknown).bind(access);
  return call<Res>((md, cb) => fn(req, md, cb), bearer(admin));
}

let seq = 0;
/** A task in `pool` that stays PENDING (no bot), submitted by the admin. */
async function submitIn(pool: string): Promise<string> {
  const tasks = tasksStub(coord.grpcAddress);
  try {
    return await submitTask(tasks, admin, {
      pool,
      name: `live-${++seq}`,
      dimensions: [{ key: 'os', value: 'Nowhere' }],
      waitForCapacity: true,
    });
  } finally {
    tasks.close();
  }
}

/** A live socket authenticated with `token`, subscribed to tasks, that has seen a task of ci. */
async function liveSocket(token: string): Promise<LiveSocket> {
  const s = new LiveSocket(coord);
  sockets.push(s);
  await s.open();
  s.send({ type: 'auth', token });
  await s.next((m) => m.type === 'ready');
  s.send({ type: 'subscribe', topics: ['tasks'] });
  // Subscribed once a change is pushed (the subscribe message is handled in order).
  const id = await submitIn('ci');
  await s.next((m) => m.type === 'tasks' && (m.items ?? []).some((t) => t['task_id'] === id));
  return s;
}

async function tokenOf(subject: string): Promise<CreateTokenResponseOut> {
  return rpc<CreateTokenResponseOut>('CreateToken', { kind: 'principal', subject });
}

describe('live sockets of store tokens', () => {
  it('closes the socket of a revoked token at once (4401)', async () => {
    await rpc('PutPrincipal', { name: 'viewer-r', roles: { ci: { roles: ['view'] } } });
    const created = await tokenOf('viewer-r');
    const s = await liveSocket(created.secret);
    await rpc('RevokeToken', { id: created.token!.id });
    await s.until(() => s.closed, 15_000).catch(() => undefined);
    expect(s.closed?.code).toBe(CLOSE_UNAUTHENTICATED);
  });

  it('closes the socket of a deleted principal’s token (4401)', async () => {
    await rpc('PutPrincipal', { name: 'viewer-d', roles: { ci: { roles: ['view'] } } });
    const s = await liveSocket((await tokenOf('viewer-d')).secret);
    await rpc('DeletePrincipal', { name: 'viewer-d' });
    await s.until(() => s.closed, 15_000).catch(() => undefined);
    expect(s.closed?.code).toBe(CLOSE_UNAUTHENTICATED);
  });

  it('stops pushing a pool the principal no longer views', async () => {
    await rpc('PutPrincipal', {
      name: 'viewer-p',
      roles: { ci: { roles: ['view'] }, web: { roles: ['view'] } },
    });
    const s = await liveSocket((await tokenOf('viewer-p')).secret);
    const before = await submitIn('web');
    await s.next((m) => m.type === 'tasks' && (m.items ?? []).some((t) => t['task_id'] === before));
    await rpc('PutPrincipal', { name: 'viewer-p', roles: { ci: { roles: ['view'] } } });
    const hidden = await submitIn('web');
    // A task of ci submitted after it is pushed: the one of web before it would have been too.
    const shown = await submitIn('ci');
    await s.next((m) => m.type === 'tasks' && (m.items ?? []).some((t) => t['task_id'] === shown));
    const seen = s.messages.flatMap((m) => (m.type === 'tasks' ? (m.items ?? []) : []));
    expect(seen.map((t) => t['task_id'])).not.toContain(hidden);
    expect(s.closed).toBeUndefined();
  });
});

describe('WatchTasks streams of store tokens', () => {
  /** A WatchTasks stream with `token`, watching once its headers came; how it ended. */
  async function watch(token: string) {
    const tasks = tasksStub(coord.grpcAddress);
    const stream = tasks.WatchTasks(
      { tags: [] },
      bearer(token),
    ) as ClientReadableStream<TaskChangeOut>;
    const changes: TaskChangeOut[] = [];
    stream.on('data', (c: TaskChangeOut) => changes.push(c));
    const ended = new Promise<ServiceError | 'ok'>((resolve) => {
      stream.on('error', (err: ServiceError) => resolve(err));
      stream.on('end', () => resolve('ok'));
    }).finally(() => tasks.close());
    await new Promise((resolve) => stream.once('metadata', resolve));
    return { stream, changes, ended };
  }

  it('ends the stream of a revoked token with UNAUTHENTICATED', async () => {
    await rpc('PutPrincipal', { name: 'watcher-r', roles: { ci: { roles: ['view'] } } });
    const created = await tokenOf('watcher-r');
    const w = await watch(created.secret);
    try {
      await rpc('RevokeToken', { id: created.token!.id });
      const end = await Promise.race([
        w.ended,
        new Promise<'still open'>((r) => setTimeout(() => r('still open'), 10_000).unref()),
      ]);
      expect(end).not.toBe('still open');
      expect((end as ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
      expect((end as ServiceError).details).toContain(`token ${created.token!.id} was revoked`);
    } finally {
      w.stream.cancel();
    }
  });

  it('ends a dozen watches of one token together, with no listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      await rpc('PutPrincipal', { name: 'watcher-m', roles: { ci: { roles: ['view'] } } });
      const created = await tokenOf('watcher-m');
      const watches = await Promise.all(Array.from({ length: 12 }, () => watch(created.secret)));
      await rpc('RevokeToken', { id: created.token!.id });
      const ends = await Promise.all(watches.map((w) => w.ended));
      expect(ends.map((e) => (e === 'ok' ? 'ok' : e.code))).toEqual(
        watches.map(() => grpc.status.UNAUTHENTICATED),
      );
      // A warning is emitted on a later tick than the listener that caused it.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops sending a pool the principal no longer views', async () => {
    await rpc('PutPrincipal', {
      name: 'watcher-p',
      roles: { ci: { roles: ['view'] }, web: { roles: ['view'] } },
    });
    const w = await watch((await tokenOf('watcher-p')).secret);
    try {
      await rpc('PutPrincipal', { name: 'watcher-p', roles: { ci: { roles: ['view'] } } });
      const hidden = await submitIn('web');
      const shown = await submitIn('ci');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no change of ci within 10 s')), 10_000);
        const check = () => {
          if (!w.changes.some((c) => c.task_id === shown)) return;
          clearTimeout(timer);
          resolve();
        };
        w.stream.on('data', check);
        check();
      });
      expect(w.changes.map((c) => c.task_id)).not.toContain(hidden);
    } finally {
      w.stream.cancel();
    }
  });
});
