// Service Access on one coordinator (SQLite): tokens created, used, scoped, revoked and expired;
// principals and bot groups edited live; the tokens file's entries read-only; bad input named;
// only hashes in the database file; a revoked bot group token ends its real bot process's
// session at once while a tokens-file bot stays; each change audited.
import * as grpc from '@grpc/grpc-js';
import {
  hashToken,
  type AccessClient,
  type AccessToken,
  type AccessTokenOut,
  type CreateTokenResponseOut,
} from '@drover/protocol';
import { openSqliteStore } from '@drover/state';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import {
  accessStub,
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
  waitForEvent,
} from '../harness';
import { shTask } from '../faults/tasks-api';

const dir = tempDir('drover-access-');
/** A settable clock: real time plus what a test adds (the expiry test). */
let offsetMs = 0;
let coord: RunningCoordinator;
let access: AccessClient;
let admin: string;
const bots: ChildProcess[] = [];

beforeAll(async () => {
  coord = await startTestCoordinator(join(dir.path, 'coord'), {}, () => Date.now() + offsetMs);
  admin = readToken(join(dir.path, 'coord'), 'client');
  access = accessStub(coord.grpcAddress);
});

afterAll(async () => {
  for (const b of bots) await stopProcess(b);
  access?.close();
  await coord?.close();
  dir.remove();
});

type Method = keyof AccessClient & string;

/** Calls an Access method with `token` (the admin's by default). */
function rpc<Res>(method: Method, req: object, token = admin): Promise<Res> {
  const fn = (access[method] as (...a: unknown[]) => unknown).bind(access);
  return call<Res>((md, cb) => fn(req, md, cb), bearer(token));
}

async function refusal(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected a refusal');
}

/** Counts tasks with `token`: a call any viewer may make. */
function countTasks(token: string, pool?: string): Promise<unknown> {
  const tasks = tasksStub(coord.grpcAddress);
  return call(
    (md, cb) => tasks.CountTasks({ tags: pool === undefined ? [] : [`pool:${pool}`] }, md, cb),
    bearer(token),
  ).finally(() => tasks.close());
}

/** Submits a task to `pool` with `token`: needs the submit role there. */
function submit(token: string, pool: string): Promise<unknown> {
  const tasks = tasksStub(coord.grpcAddress);
  const req = shTask('true');
  const slice = req.task_slices![0]!;
  const inPool = {
    ...req,
    task_slices: [
      { ...slice, properties: { ...slice.properties, dimensions: [{ key: 'pool', value: pool }] } },
    ],
  };
  return call((md, cb) => tasks.NewTask(inPool, md, cb), bearer(token)).finally(() =>
    tasks.close(),
  );
}

async function createToken(req: object): Promise<CreateTokenResponseOut> {
  return rpc<CreateTokenResponseOut>('CreateToken', req);
}

describe('tokens of people', () => {
  it('creates a token for a new principal that works at once, shown once, listed without it', async () => {
    await rpc('PutPrincipal', {
      name: 'carol',
      roles: { ci: { roles: ['view', 'submit'] } },
      description: 'CI owner',
    });
    const created = await createToken({
      kind: 'principal',
      subject: 'carol',
      description: 'laptop',
    });
    expect(created.secret).toMatch(/^drv_c_/);
    expect(created.token?.id).toMatch(/^tok-[0-9a-f]{16}$/);
    expect(created.token).toMatchObject({ subject: 'carol', created_by: 'local-admin' });
    await countTasks(created.secret, 'ci');

    const listed = await rpc<{ tokens: AccessTokenOut[] }>('ListTokens', { subject: 'carol' });
    expect(listed.tokens.map((t) => t.id)).toEqual([created.token!.id]);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(hashToken(created.secret));
    // Used just now: this replica knows it at once (it writes it at most once a minute).
    expect(listed.tokens[0]!.last_used).not.toBeNull();
  });

  it('narrows a scoped token to its scope', async () => {
    await rpc('PutPrincipal', {
      name: 'dave',
      roles: { '*': { roles: ['view'] }, ci: { roles: ['submit', 'cancel'] } },
    });
    const scoped = await createToken({
      kind: 'principal',
      subject: 'dave',
      scope: { ci: { roles: ['view'] } },
    });
    await countTasks(scoped.secret, 'ci');
    // Dave may submit in ci, the token may only view there.
    const refused = await refusal(submit(scoped.secret, 'ci'));
    expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
    await submit((await createToken({ kind: 'principal', subject: 'dave' })).secret, 'ci');
  });

  it('refuses a revoked token at once, saying it was revoked', async () => {
    const created = await createToken({ kind: 'principal', subject: 'carol' });
    await countTasks(created.secret, 'ci');
    const revoked = await rpc<AccessTokenOut>('RevokeToken', { id: created.token!.id });
    expect(revoked.revoked).not.toBeNull();
    expect(revoked.revoked_by).toBe('local-admin');
    const refused = await refusal(countTasks(created.secret, 'ci'));
    expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(refused.details).toContain(`token ${created.token!.id} was revoked`);
    // Listed only with include_inactive.
    const active = await rpc<{ tokens: AccessToken[] }>('ListTokens', { subject: 'carol' });
    expect(active.tokens.map((t) => t.id)).not.toContain(created.token!.id);
    const all = await rpc<{ tokens: AccessToken[] }>('ListTokens', {
      subject: 'carol',
      include_inactive: true,
    });
    expect(all.tokens.map((t) => t.id)).toContain(created.token!.id);
  });

  it('refuses a token once the clock passes its expiry', async () => {
    const created = await createToken({ kind: 'principal', subject: 'carol', ttl_seconds: 3600 });
    await countTasks(created.secret, 'ci');
    offsetMs += 3600_000;
    try {
      const refused = await refusal(countTasks(created.secret, 'ci'));
      expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(refused.details).toContain('expired at');
    } finally {
      offsetMs -= 3600_000;
    }
  });

  it("stops a principal's tokens when it is deleted", async () => {
    await rpc('PutPrincipal', { name: 'erin', roles: { ci: { roles: ['view'] } } });
    const created = await createToken({ kind: 'principal', subject: 'erin' });
    await countTasks(created.secret, 'ci');
    const deleted = await rpc<{ tokens: number }>('DeletePrincipal', { name: 'erin' });
    expect(deleted.tokens).toBe(1);
    expect((await refusal(countTasks(created.secret, 'ci'))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });

  it('applies a changed role without a new token', async () => {
    await rpc('PutPrincipal', { name: 'frank', roles: { ci: { roles: ['view'] } } });
    const created = await createToken({ kind: 'principal', subject: 'frank' });
    expect((await refusal(submit(created.secret, 'ci'))).code).toBe(grpc.status.PERMISSION_DENIED);
    await rpc('PutPrincipal', { name: 'frank', roles: { ci: { roles: ['view', 'submit'] } } });
    await submit(created.secret, 'ci');
  });
});

describe('the tokens file', () => {
  it('lists its entries read-only and refuses to change them', async () => {
    const tokens = await rpc<{ tokens: AccessTokenOut[] }>('ListTokens', {});
    expect(tokens.tokens.filter((t) => t.read_only).map((t) => [t.id, t.kind])).toEqual([
      ['file:local-admin', 'principal'],
      ['file:local-bots', 'bot_group'],
    ]);
    const text = JSON.stringify(tokens);
    expect(text).not.toContain(hashToken(admin));
    const principals = await rpc<{ principals: { name: string; read_only: boolean }[] }>(
      'ListPrincipals',
      {},
    );
    expect(principals.principals[0]).toMatchObject({ name: 'local-admin', read_only: true });
    expect(principals.principals.find((p) => p.name === 'carol')?.read_only).toBe(false);

    for (const p of [
      rpc('PutPrincipal', { name: 'local-admin', roles: {} }),
      rpc('DeletePrincipal', { name: 'local-admin' }),
      rpc('PutBotGroup', { name: 'local-bots', dimensions: [{ key: 'pool', values: ['x'] }] }),
      rpc('DeleteBotGroup', { name: 'local-bots' }),
      rpc('RevokeToken', { id: 'file:local-admin' }),
    ]) {
      const r = await refusal(p);
      expect(r.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(r.details).toMatch(/^(name|id): .*tokens file/);
    }
    // Still working.
    await countTasks(admin);
  });

  it('lets an admin of the file create tokens for its principals', async () => {
    const created = await createToken({
      kind: 'principal',
      subject: 'local-admin',
      scope: { ci: { roles: ['view'] } },
    });
    await countTasks(created.secret, 'ci');
    expect((await refusal(submit(created.secret, 'ci'))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await submit(admin, 'ci')).toBeTruthy();
  });
});

describe('who may call it', () => {
  it('refuses anyone but a server-wide admin, and audits the refusal', async () => {
    await rpc('PutPrincipal', { name: 'gina', roles: { ci: { roles: ['admin'] } } });
    const gina = (await createToken({ kind: 'principal', subject: 'gina' })).secret;
    const r = await refusal(rpc('CreateToken', { kind: 'principal', subject: 'gina' }, gina));
    expect(r.code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await refusal(rpc('ListTokens', {}, gina))).code).toBe(grpc.status.PERMISSION_DENIED);
    const bot = readToken(join(dir.path, 'coord'), 'bot');
    expect((await refusal(rpc('ListPrincipals', {}, bot))).code).toBe(
      grpc.status.PERMISSION_DENIED,
    );
    const audit = await coord.store.listAudit({ principal: 'gina', limit: 10 });
    expect(audit.map((a) => [a.action, a.result.split(':')[0]])).toEqual([
      ['access.token.create', 'PERMISSION_DENIED'],
    ]);
  });

  it('audits each change once with who made it and the target', async () => {
    const created = await createToken({ kind: 'principal', subject: 'carol' });
    await rpc('RevokeToken', { id: created.token!.id });
    const entries = await coord.store.listAudit({ action: 'access.', limit: 100 });
    const mine = entries.filter((e) => e.target === created.token!.id);
    expect(mine.map((e) => [e.action, e.principal, e.result])).toEqual([
      ['access.token.revoke', 'local-admin', 'ok'],
      ['access.token.create', 'local-admin', 'ok'],
    ]);
    expect(mine[0]!.peer).toMatch(/127\.0\.0\.1/);
    for (const e of entries) expect(e.details).not.toContain(created.secret);
  });
});

describe('bad input', () => {
  const cases: [string, Method, object, string][] = [
    ['an unknown kind', 'CreateToken', { kind: 'person', subject: 'carol' }, 'kind'],
    ['an unknown subject', 'CreateToken', { kind: 'principal', subject: 'nobody' }, 'subject'],
    [
      'a scoped bot token',
      'CreateToken',
      { kind: 'bot_group', subject: 'local-bots', scope: { ci: { roles: ['view'] } } },
      'scope',
    ],
    [
      'an unknown role',
      'CreateToken',
      { kind: 'principal', subject: 'carol', scope: { ci: { roles: ['root'] } } },
      'scope.ci.roles[0]',
    ],
    [
      'a negative life',
      'CreateToken',
      { kind: 'principal', subject: 'carol', ttl_seconds: -1 },
      'ttl_seconds',
    ],
    ['a malformed id', 'RevokeToken', { id: 'tok-xyz' }, 'id'],
    ['an empty name', 'PutPrincipal', { name: '' }, 'name'],
    ['a name with a space', 'PutPrincipal', { name: 'a b' }, 'name'],
    ['a name too long', 'PutPrincipal', { name: 'n'.repeat(129) }, 'name'],
    ['a role list without roles', 'PutPrincipal', { name: 'h', roles: { ci: {} } }, 'roles.ci'],
    [
      'too many pools',
      'PutPrincipal',
      {
        name: 'h',
        roles: Object.fromEntries(
          Array.from({ length: 65 }, (_, i) => [`p${i}`, { roles: ['view'] }]),
        ),
      },
      'roles',
    ],
    ['a group forcing no pool', 'PutBotGroup', { name: 'g', bot_ids: ['ci-*'] }, 'dimensions'],
    [
      'a bad bot id pattern',
      'PutBotGroup',
      { name: 'g', bot_ids: ['a b'], dimensions: [{ key: 'pool', values: ['ci'] }] },
      'bot_ids[0]',
    ],
    [
      'a forced bot id',
      'PutBotGroup',
      { name: 'g', dimensions: [{ key: 'id', values: ['x'] }] },
      'dimensions[0].key',
    ],
    [
      'a description too long',
      'PutPrincipal',
      { name: 'h', description: 'd'.repeat(1025) },
      'description',
    ],
  ];
  it.each(cases)('refuses %s, naming the field', async (_what, method, req, field) => {
    const r = await refusal(rpc(method, req));
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.details.startsWith(`${field}: `)).toBe(true);
  });

  it('answers NOT_FOUND for an unknown token, principal or group', async () => {
    for (const p of [
      rpc('RevokeToken', { id: 'tok-0123456789abcdef' }),
      rpc('DeletePrincipal', { name: 'nobody' }),
      rpc('DeleteBotGroup', { name: 'nobody' }),
    ]) {
      expect((await refusal(p)).code).toBe(grpc.status.NOT_FOUND);
    }
  });
});

describe('bot groups', () => {
  it("disconnects a group's bots at once when their token is revoked; a file bot stays", async () => {
    await rpc('PutBotGroup', {
      name: 'ci-bots',
      bot_ids: ['ci-*'],
      dimensions: [{ key: 'pool', values: ['ci'] }],
      description: 'CI fleet',
    });
    const created = await createToken({ kind: 'bot_group', subject: 'ci-bots' });
    expect(created.secret).toMatch(/^drv_b_/);
    const tokenFile = join(dir.path, 'ci-bots.token');
    writeFileSync(tokenFile, `${created.secret}\n`, { mode: 0o600 });

    const fileBot = await startBotProcess(coord, join(dir.path, 'bot-file'), 'file-bot-1', [
      '--token-file',
      join(dir.path, 'coord', 'bot.token'),
    ]);
    bots.push(fileBot);
    const ciBot = await startBotProcess(coord, join(dir.path, 'bot-ci'), 'ci-1', [
      '--token-file',
      tokenFile,
    ]);
    bots.push(ciBot);
    const exited = once(ciBot, 'exit');
    const gone = waitForEvent<string>(coord.registry.events, 'disconnected', (id) => id === 'ci-1');

    await rpc('RevokeToken', { id: created.token!.id });
    await gone;
    // Refused, the bot gives up (exit 3: the coordinator refused it) instead of reconnecting.
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
    expect(coord.registry.isConnected('file-bot-1')).toBe(true);
    expect(coord.registry.isConnected('ci-1')).toBe(false);
  });

  it("disconnects a deleted group's bots", async () => {
    await rpc('PutBotGroup', {
      name: 'gpu-bots',
      dimensions: [{ key: 'pool', values: ['gpu'] }],
    });
    const created = await createToken({ kind: 'bot_group', subject: 'gpu-bots' });
    const tokenFile = join(dir.path, 'gpu-bots.token');
    writeFileSync(tokenFile, `${created.secret}\n`, { mode: 0o600 });
    const bot = await startBotProcess(coord, join(dir.path, 'bot-gpu'), 'gpu-1', [
      '--token-file',
      tokenFile,
    ]);
    bots.push(bot);
    const exited = once(bot, 'exit');
    expect((await rpc<{ tokens: number }>('DeleteBotGroup', { name: 'gpu-bots' })).tokens).toBe(1);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
    expect(coord.registry.isConnected('gpu-1')).toBe(false);
  });
});

describe('bot sessions of a changed group', () => {
  /** A bot group forcing pool ci, a token of it in a file, and a real bot connected with it. */
  async function groupBot(group: string, botId: string, ttlSeconds = 0) {
    await rpc('PutBotGroup', {
      name: group,
      bot_ids: [`${group}-*`],
      dimensions: [{ key: 'pool', values: ['ci'] }],
    });
    const created = await createToken({
      kind: 'bot_group',
      subject: group,
      ttl_seconds: ttlSeconds,
    });
    const tokenFile = join(dir.path, `${group}.token`);
    writeFileSync(tokenFile, `${created.secret}\n`, { mode: 0o600 });
    const bot = await startBotProcess(coord, join(dir.path, `bot-${group}`), botId, [
      '--token-file',
      tokenFile,
    ]);
    bots.push(bot);
    return { bot, exited: once(bot, 'exit') };
  }

  it('disconnects a bot when its token expires while it is connected', async () => {
    const { exited } = await groupBot('short', 'short-1', 5);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
    expect(coord.registry.isConnected('short-1')).toBe(false);
  });

  it('disconnects a bot whose id its group no longer takes', async () => {
    const { exited } = await groupBot('rack', 'rack-1');
    await rpc('PutBotGroup', {
      name: 'rack',
      bot_ids: ['other-*'],
      dimensions: [{ key: 'pool', values: ['ci'] }],
    });
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
    expect(coord.registry.isConnected('rack-1')).toBe(false);
  });
});

describe('the database', () => {
  it('holds no token, only hashes, and keeps when a token was last used', async () => {
    const created = await createToken({ kind: 'principal', subject: 'carol' });
    await countTasks(created.secret, 'ci');
    const db = join(dir.path, 'coord', 'drover.sqlite');
    await coord.close();
    for (const file of [db, `${db}-wal`, `${db}-shm`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(created.secret))).toBe(false);
      expect(bytes.includes(Buffer.from(created.secret.slice(6)))).toBe(false);
    }
    const store = openSqliteStore({ path: db });
    try {
      const stored = (await store.listAccessTokens()).find((t) => t.id === created.token!.id);
      expect(stored?.hash).toBe(hashToken(created.secret));
      // Written on close (uses are written at most once a minute while running).
      expect(stored!.lastUsedMs).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
