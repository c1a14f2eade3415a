// The audit trail against a real coordinator: gRPC on 127.0.0.1:0, a bot over the real stream,
// the dashboard's HTTP API, the store on a real SQLite file. Each admin action and each
// cancel/kill appears exactly once with who did it, from where, and the result; ListAudit pages
// and filters what the caller may see; entries past --audit-retention go (settable clock).
import * as grpc from '@grpc/grpc-js';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotsClient,
  type TaskResultOut,
  type TasksClient,
} from '@drover/protocol';
import type { AuditRecord } from '@drover/state';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { submitTask } from '../dashboard/dashboard-client';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';

type Who = 'viewer' | 'canceller' | 'pool-admin' | 'other-admin' | 'admin';
const token = (who: Who | 'bots-a') => `drv_test_${who}`;

const TOKENS_YAML = `version: 2
principals:
  - { name: viewer, sha256: ${hashToken(token('viewer'))}, roles: { a: [view] } }
  - { name: canceller, sha256: ${hashToken(token('canceller'))}, roles: { a: [submit, cancel] } }
  - { name: pool-admin, sha256: ${hashToken(token('pool-admin'))}, roles: { a: [admin] } }
  - { name: other-admin, sha256: ${hashToken(token('other-admin'))}, roles: { b: [admin] } }
  - { name: admin, sha256: ${hashToken(token('admin'))}, admin: true }
botGroups:
  - name: bots-a
    sha256: ${hashToken(token('bots-a'))}
    botIds: ['bot-a*']
    dimensions: { pool: [a] }
`;

interface AuditEntryOut {
  id: number;
  time: { seconds: number; nanos: number } | null;
  principal: string;
  peer: string;
  action: string;
  target: string;
  details: string;
  result: string;
  pool: string;
}
interface ListAuditOut {
  entries: AuditEntryOut[];
  next_cursor: string;
}
type Unary = (
  req: unknown,
  md: grpc.Metadata,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => void;
type AccessStub = Record<string, Unary> & { close(): void };

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bots: BotsClient;
let access: AccessStub;
let bot: ScriptedBot;
let nowMs = Date.parse('2026-12-06T12:00:00Z');

beforeAll(async () => {
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  coord = await startTestCoordinator(dir.path, { tokensFile, auditRetention: '1h' }, () => nowMs);
  tasks = tasksStub(coord.grpcAddress);
  const proto = loadDroverProto().drover.v1;
  const insecure = grpc.credentials.createInsecure();
  bots = new proto.Bots(coord.grpcAddress, insecure, CLIENT_CHANNEL_OPTIONS) as BotsClient;
  access = new proto.Access(
    coord.grpcAddress,
    insecure,
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as AccessStub;
  bot = new ScriptedBot(coord.grpcAddress, token('bots-a'));
  bot.hello('bot-a1', [], [{ key: 'pool', value: ['a'] }]);
  await bot.next((m) => m.msg === 'welcome');
});

afterAll(async () => {
  bot?.crash();
  tasks?.close();
  bots?.close();
  access?.close();
  await coord?.close();
  dir?.remove();
});

function rpc<Res>(stub: object, method: string, req: unknown, who: Who): Promise<Res> {
  const fn = (stub as Record<string, Unary>)[method]!.bind(stub);
  return call<Res>((md, cb) => fn(req, md, cb as never), bearer(token(who)));
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return status[(err as ServiceError).code];
  }
  return 'OK';
}

/** Every entry of the store, oldest first (what the tests count). */
async function allEntries(): Promise<AuditRecord[]> {
  return (await coord.store.listAudit({ limit: 10_000 })).reverse();
}

/** The entries with this action and target: each action must appear exactly once. */
async function entriesOf(action: string, target: string): Promise<AuditRecord[]> {
  return (await allEntries()).filter((e) => e.action === action && e.target === target);
}

/** A POST to the dashboard API over a socket whose local address is known (the peer recorded). */
function dashboardPost(
  path: string,
  who: Who,
  body: unknown,
): Promise<{ status: number; peer: string }> {
  return httpPost(path, who, body, { 'x-drover-request': '1' });
}

/** A JSON POST to the HTTP port (dashboard API or Connect); the peer is the socket's local end. */
function httpPost(
  path: string,
  who: Who,
  body: unknown,
  extraHeaders: Record<string, string>,
): Promise<{ status: number; peer: string }> {
  const [host, port] = coord.httpAddress.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token(who)}`,
          'content-type': 'application/json',
          ...extraHeaders,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            peer: `${req.socket?.localAddress}:${req.socket?.localPort}`,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const GRPC_PEER = /^127\.0\.0\.1:\d+$/;

describe('the audit trail', () => {
  it('records a quarantine once with who, from where, the bot, its pool and the reason', async () => {
    await rpc(bots, 'QuarantineBot', { bot_id: 'bot-a1', reason: 'flaky disk' }, 'pool-admin');
    const [entry, ...more] = await entriesOf('bots.quarantine', 'bot-a1');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      principal: 'pool-admin',
      pool: 'a',
      result: 'ok',
      timeMs: nowMs,
    });
    expect(entry!.peer).toMatch(GRPC_PEER);
    expect(JSON.parse(entry!.details)).toEqual({ reason: 'flaky disk' });

    // The same action from the dashboard: one more entry, with the browser's address.
    const res = await dashboardPost('/api/bots/bot-a1/unquarantine', 'admin', {});
    expect(res.status).toBe(200);
    const [un, ...moreUn] = await entriesOf('bots.unquarantine', 'bot-a1');
    expect(moreUn).toEqual([]);
    expect(un).toMatchObject({ principal: 'admin', peer: res.peer, pool: 'a', result: 'ok' });
  });

  it('records a refused admin action with the refusal', async () => {
    expect(
      await refusal(rpc(bots, 'SetMaintenance', { bot_id: 'bot-a1', enabled: true }, 'viewer')),
    ).toBe('PERMISSION_DENIED');
    const [entry, ...more] = await entriesOf('bots.maintenance', 'bot-a1');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ principal: 'viewer', pool: 'a' });
    expect(entry!.result).toMatch(/^PERMISSION_DENIED: bot bot-a1: the admin role in pool a/);
  });

  it('records a cancel once and the task says who cancelled it', async () => {
    const id = await submitTask(tasks, token('canceller'), {
      pool: 'a',
      dimensions: [{ key: 'os', value: 'none' }],
      waitForCapacity: true,
    });
    // Refused first: a viewer may not cancel.
    expect(await refusal(rpc(tasks, 'CancelTask', { task_id: id }, 'viewer'))).toBe(
      'PERMISSION_DENIED',
    );
    await rpc(tasks, 'CancelTask', { task_id: id, kill_running: false }, 'canceller');
    const entries = await entriesOf('tasks.cancel', id);
    expect(entries.map((e) => [e.principal, e.pool, e.result.replace(/:.*/, '')])).toEqual([
      ['viewer', 'a', 'PERMISSION_DENIED'],
      ['canceller', 'a', 'ok'],
    ]);
    expect(JSON.parse(entries[1]!.details)).toEqual({
      kill_running: false,
      canceled: true,
      state: 'CANCELED',
    });
    const result = await rpc<TaskResultOut>(tasks, 'GetResult', { task_id: id }, 'viewer');
    expect(result).toMatchObject({ state: 'CANCELED', canceled_by: 'canceller' });
  });

  it('records a kill of a running task as tasks.kill, once, with the killer kept', async () => {
    const id = await submitTask(tasks, token('canceller'), { pool: 'a' });
    // Assigned: RUNNING on the bot from now on.
    await bot.next((m) => m.msg === 'assign' && m.assign?.task_id === id);
    const res = await dashboardPost(`/api/tasks/${id}/cancel`, 'pool-admin', {
      kill_running: true,
    });
    expect(res.status).toBe(200);
    await bot.next((m) => m.msg === 'kill' && m.kill?.task_id === id);
    const [entry, ...more] = await entriesOf('tasks.kill', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ principal: 'pool-admin', peer: res.peer, result: 'ok' });
    expect((await coord.store.getTask(id))?.canceledBy).toBe('pool-admin');
  });

  it('records CancelTasks once per call with its filter and how many it cancelled', async () => {
    const tag = 'batch:1';
    for (let i = 0; i < 3; i++) {
      await submitTask(tasks, token('canceller'), {
        pool: 'a',
        tags: [tag],
        dimensions: [{ key: 'os', value: 'none' }],
        waitForCapacity: true,
      });
    }
    const res = await rpc<{ matched: number }>(
      tasks,
      'CancelTasks',
      { tags: [tag], kill_running: false },
      'canceller',
    );
    expect(res.matched).toBe(3);
    const entries = (await allEntries()).filter((e) => e.action === 'tasks.cancel_many');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ principal: 'canceller', result: 'ok' });
    expect(JSON.parse(entries[0]!.details)).toMatchObject({ tags: [tag], matched: 3 });
    // The tasks it cancelled say who did it.
    const page = await rpc<{ items: TaskResultOut[] }>(
      tasks,
      'ListTasks',
      { tags: [tag], state: 'QUERY_ALL', limit: 10 },
      'viewer',
    );
    expect(page.items.map((t) => t.canceled_by)).toEqual(['canceller', 'canceller', 'canceller']);
  });

  it("records a Connect call with the HTTP caller's address, and believes no claimed one", async () => {
    const id = await submitTask(tasks, token('canceller'), {
      pool: 'a',
      dimensions: [{ key: 'os', value: 'none' }],
      waitForCapacity: true,
    });
    const res = await httpPost(
      '/drover.v1.Tasks/CancelTask',
      'canceller',
      { task_id: id },
      {
        'x-drover-peer': '6.6.6.6:1',
      },
    );
    expect(res.status).toBe(200);
    const [entry, ...more] = await entriesOf('tasks.cancel', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ principal: 'canceller', peer: res.peer, result: 'ok' });

    // Over gRPC, a claimed address in the metadata is not believed either.
    const md = bearer(token('pool-admin'));
    md.set('x-drover-peer', '6.6.6.6:1');
    md.set('x-drover-peer-secret', 'guess');
    await call((m, cb) => bots.UnquarantineBot({ bot_id: 'bot-a1' }, m, cb), md);
    const entries = await entriesOf('bots.unquarantine', 'bot-a1');
    expect(entries.at(-1)?.peer).toMatch(GRPC_PEER);
  });

  it('records a token revocation once', async () => {
    const created = await rpc<{ token: { id: string } }>(
      access,
      'CreateToken',
      { kind: 'principal', subject: 'viewer', description: 'ci' },
      'admin',
    );
    const id = created.token.id;
    await rpc(access, 'RevokeToken', { id }, 'admin');
    const [entry, ...more] = await entriesOf('access.token.revoke', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ principal: 'admin', result: 'ok' });
    expect(entry!.peer).toMatch(GRPC_PEER);
  });
});

describe('ListAudit', () => {
  it('shows a server-wide admin everything, newest first, in pages', async () => {
    const all = await allEntries();
    const seen: AuditEntryOut[] = [];
    let cursor = '';
    for (;;) {
      const page = await rpc<ListAuditOut>(access, 'ListAudit', { limit: 3, cursor }, 'admin');
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries);
      if (page.next_cursor === '') break;
      cursor = page.next_cursor;
    }
    // The pages' own ListAudit calls are not admin actions: nothing new was recorded.
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
  });

  it('shows a pool admin the entries of their pools only, and refuses anyone else', async () => {
    const page = await rpc<ListAuditOut>(access, 'ListAudit', { limit: 1000 }, 'pool-admin');
    expect(page.entries.length).toBeGreaterThan(0);
    expect(new Set(page.entries.map((e) => e.pool))).toEqual(new Set(['a']));
    const other = await rpc<ListAuditOut>(access, 'ListAudit', {}, 'other-admin');
    expect(other.entries).toEqual([]);
    expect(await refusal(rpc(access, 'ListAudit', {}, 'viewer'))).toBe('PERMISSION_DENIED');
    expect(await refusal(rpc(access, 'ListAudit', {}, 'canceller'))).toBe('PERMISSION_DENIED');
  });

  it('filters by principal, action prefix and time, and names a bad field', async () => {
    const byCanceller = await rpc<ListAuditOut>(
      access,
      'ListAudit',
      { principal: 'canceller', action: 'tasks.' },
      'admin',
    );
    // Its cancel over gRPC, its CancelTasks, its cancel over Connect.
    expect(byCanceller.entries.map((e) => e.action).sort()).toEqual([
      'tasks.cancel',
      'tasks.cancel',
      'tasks.cancel_many',
    ]);
    const exact = await rpc<ListAuditOut>(access, 'ListAudit', { action: 'tasks.kill' }, 'admin');
    expect(exact.entries.map((e) => e.principal)).toEqual(['pool-admin']);
    const since = { seconds: Math.floor(nowMs / 1000) + 1, nanos: 0 };
    const later = await rpc<ListAuditOut>(access, 'ListAudit', { since }, 'admin');
    expect(later.entries).toEqual([]);
    for (const [req, field] of [
      [{ limit: 1001 }, 'limit'],
      [{ action: 'Tasks cancel' }, 'action'],
      [{ cursor: 'nope' }, 'cursor'],
    ] as const) {
      const err = await rpc(access, 'ListAudit', req, 'admin').then(
        () => undefined,
        (e: ServiceError) => e,
      );
      expect(err?.code).toBe(status.INVALID_ARGUMENT);
      expect(err?.details).toMatch(new RegExp(`^${field}: `));
    }
  });
});

describe('--audit-retention', () => {
  it('deletes the entries older than the retention and keeps the newer ones', async () => {
    const before = await allEntries();
    expect(before.length).toBeGreaterThan(0);
    nowMs += 2 * 3600_000;
    await rpc(bots, 'QuarantineBot', { bot_id: 'bot-a1', reason: 'later' }, 'admin');
    const pruned = await coord.auditPruner.runRound();
    expect(pruned).toBe(before.length);
    const after = await allEntries();
    expect(after.map((e) => [e.action, e.timeMs])).toEqual([['bots.quarantine', nowMs]]);
  });
});
