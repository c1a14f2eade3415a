// The access half of the Store conformance suite: tokens (only hashes) created once, revoked once,
// last used never backwards; principals and bot groups replaced and deleted with their tokens;
// the audit log newest first, filtered, paged and pruned oldest first; who cancelled a task.
// describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type {
  AccessTokenRecord,
  NewAuditRecord,
  Store,
  StoredBotGroup,
  StoredPrincipal,
  Task,
} from '../src/index';
import { T0, pendingTask, slice, spec } from './fixtures';

function token(n: number, overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return {
    id: `tok-${n.toString(16).padStart(16, '0')}`,
    hash: n.toString(16).padStart(64, '0'),
    kind: 'principal',
    subject: 'alice@example.com',
    description: `token ${n} "quoted" žluť`,
    scope: {},
    createdMs: T0 + n,
    createdBy: 'root',
    expiresMs: 0,
    revokedMs: 0,
    revokedBy: '',
    lastUsedMs: 0,
    ...overrides,
  };
}

function principal(name: string, overrides: Partial<StoredPrincipal> = {}): StoredPrincipal {
  return {
    name,
    admin: false,
    roles: { ci: ['view', 'submit'], '*': ['view'] },
    description: `the ${name}`,
    updatedMs: T0,
    updatedBy: 'root',
    ...overrides,
  };
}

function group(name: string, overrides: Partial<StoredBotGroup> = {}): StoredBotGroup {
  return {
    name,
    botIds: ['ci-*', 'exact-bot'],
    dimensions: { pool: ['ci'], os: ['Linux', 'Linux-Debian'] },
    description: `bots of ${name}`,
    updatedMs: T0,
    updatedBy: 'root',
    ...overrides,
  };
}

function entry(n: number, overrides: Partial<NewAuditRecord> = {}): NewAuditRecord {
  return {
    timeMs: T0 + n * 1_000,
    principal: 'alice@example.com',
    peer: 'ipv4:127.0.0.1:5555',
    action: 'tasks.cancel',
    target: `task-${n}`,
    details: JSON.stringify({ reason: `n=${n}` }),
    result: 'ok',
    pool: 'ci',
    ...overrides,
  };
}

export function describeAccessConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
  /** A second handle on the same database (another replica); the test closes it. */
  second: () => Promise<Store>;
}): void {
  describe('access tokens', () => {
    it('stores a token and lists it exactly as given, scope and times included', async () => {
      const store = ctx.store();
      const scoped = token(2, {
        scope: { ci: ['submit'] },
        expiresMs: T0 + 86_400_000,
        lastUsedMs: T0 + 5,
      });
      const bots = token(3, { kind: 'bot_group', subject: 'ci-bots', scope: {} });
      expect(await store.insertAccessToken(token(1))).toBe(true);
      expect(await store.insertAccessToken(scoped)).toBe(true);
      expect(await store.insertAccessToken(bots)).toBe(true);
      expect(await store.listAccessTokens()).toEqual([token(1), scoped, bots]);
      const again = await ctx.reopen();
      expect(await again.listAccessTokens()).toEqual([token(1), scoped, bots]);
    });

    it('refuses a second token with the same id or the same hash, writing nothing', async () => {
      const store = ctx.store();
      expect(await store.insertAccessToken(token(1))).toBe(true);
      expect(await store.insertAccessToken(token(2, { id: token(1).id }))).toBe(false);
      expect(await store.insertAccessToken(token(3, { hash: token(1).hash }))).toBe(false);
      expect(await store.listAccessTokens()).toEqual([token(1)]);
    });

    it('lists tokens oldest first, revoked and expired ones included', async () => {
      const store = ctx.store();
      const late = token(1, { createdMs: T0 + 500 });
      const expired = token(2, { createdMs: T0 + 100, expiresMs: T0 + 200 });
      const revoked = token(3, { createdMs: T0 + 300, revokedMs: T0 + 400, revokedBy: 'root' });
      for (const t of [late, expired, revoked]) await store.insertAccessToken(t);
      expect((await store.listAccessTokens()).map((t) => t.id)).toEqual([
        expired.id,
        revoked.id,
        late.id,
      ]);
    });

    it('revokes a token once: a second revocation keeps the first time and revoker', async () => {
      const store = ctx.store();
      await store.insertAccessToken(token(1));
      const first = await store.revokeAccessToken(token(1).id, T0 + 100, 'bob');
      expect(first).toEqual({ ...token(1), revokedMs: T0 + 100, revokedBy: 'bob' });
      const second = await store.revokeAccessToken(token(1).id, T0 + 200, 'carol');
      expect(second).toEqual(first);
      expect(await store.listAccessTokens()).toEqual([first]);
      expect(await store.revokeAccessToken('tok-ffffffffffffffff', T0, 'bob')).toBeUndefined();
    });

    it('records when tokens were last used, never moving a time backwards', async () => {
      const store = ctx.store();
      await store.insertAccessToken(token(1));
      await store.insertAccessToken(token(2, { lastUsedMs: T0 + 900 }));
      await store.touchAccessTokens([
        { id: token(1).id, lastUsedMs: T0 + 50 },
        { id: token(1).id, lastUsedMs: T0 + 40 },
        { id: token(2).id, lastUsedMs: T0 + 100 },
        { id: 'tok-unknown', lastUsedMs: T0 + 100 },
      ]);
      await store.touchAccessTokens([]);
      const used = await store.listAccessTokens();
      expect(used.map((t) => t.lastUsedMs)).toEqual([T0 + 50, T0 + 900]);
      await store.touchAccessTokens([{ id: token(1).id, lastUsedMs: T0 + 10 }]);
      expect((await store.listAccessTokens())[0]?.lastUsedMs).toBe(T0 + 50);
      await store.touchAccessTokens([{ id: token(1).id, lastUsedMs: T0 + 60 }]);
      expect((await store.listAccessTokens())[0]?.lastUsedMs).toBe(T0 + 60);
    });

    it('shows a revocation made through one handle to another (another replica)', async () => {
      const a = ctx.store();
      const b = await ctx.second();
      try {
        await a.insertAccessToken(token(1));
        expect((await b.listAccessTokens()).map((t) => t.revokedMs)).toEqual([0]);
        await a.revokeAccessToken(token(1).id, T0 + 7, 'root');
        expect((await b.listAccessTokens()).map((t) => t.revokedMs)).toEqual([T0 + 7]);
      } finally {
        await b.close();
      }
    });
  });

  describe('principals and bot groups', () => {
    it('creates, replaces and lists principals by name', async () => {
      const store = ctx.store();
      await store.putPrincipal(principal('zed'));
      await store.putPrincipal(principal('alice@example.com', { admin: true, roles: {} }));
      const changed = principal('zed', {
        roles: { ci: ['cancel'] },
        description: '',
        updatedMs: T0 + 9,
        updatedBy: 'alice@example.com',
      });
      await store.putPrincipal(changed);
      expect(await store.listPrincipals()).toEqual([
        principal('alice@example.com', { admin: true, roles: {} }),
        changed,
      ]);
      const again = await ctx.reopen();
      expect((await again.listPrincipals()).map((p) => p.name)).toEqual([
        'alice@example.com',
        'zed',
      ]);
    });

    it('deletes a principal and revokes its live tokens, reporting how many', async () => {
      const store = ctx.store();
      await store.putPrincipal(principal('alice@example.com'));
      await store.putPrincipal(principal('bob'));
      const old = token(1, { revokedMs: T0 + 1, revokedBy: 'root' });
      await store.insertAccessToken(old);
      await store.insertAccessToken(token(2));
      await store.insertAccessToken(token(3));
      await store.insertAccessToken(token(4, { subject: 'bob' }));
      // A bot group of the same name is another subject.
      await store.insertAccessToken(token(5, { kind: 'bot_group' }));
      expect(await store.deletePrincipal('alice@example.com', T0 + 50, 'root')).toEqual({
        deleted: true,
        tokens: 2,
      });
      expect((await store.listPrincipals()).map((p) => p.name)).toEqual(['bob']);
      const after = await store.listAccessTokens();
      expect(after.map((t) => [t.id, t.revokedMs, t.revokedBy])).toEqual([
        [token(1).id, T0 + 1, 'root'],
        [token(2).id, T0 + 50, 'root'],
        [token(3).id, T0 + 50, 'root'],
        [token(4).id, 0, ''],
        [token(5).id, 0, ''],
      ]);
      expect(await store.deletePrincipal('alice@example.com', T0 + 60, 'root')).toEqual({
        deleted: false,
        tokens: 0,
      });
    });

    it('creates, replaces, lists and deletes bot groups, revoking their tokens', async () => {
      const store = ctx.store();
      await store.putBotGroup(group('mac'));
      await store.putBotGroup(group('ci', { botIds: [], dimensions: {} }));
      const changed = group('mac', { botIds: ['mac-*'], updatedMs: T0 + 3 });
      await store.putBotGroup(changed);
      expect(await store.listBotGroups()).toEqual([
        group('ci', { botIds: [], dimensions: {} }),
        changed,
      ]);
      await store.insertAccessToken(token(1, { kind: 'bot_group', subject: 'mac' }));
      await store.insertAccessToken(token(2, { kind: 'principal', subject: 'mac' }));
      expect(await store.deleteBotGroup('mac', T0 + 70, 'root')).toEqual({
        deleted: true,
        tokens: 1,
      });
      expect((await store.listBotGroups()).map((g) => g.name)).toEqual(['ci']);
      expect((await store.listAccessTokens()).map((t) => t.revokedMs)).toEqual([T0 + 70, 0]);
      expect(await store.deleteBotGroup('mac', T0 + 80, 'root')).toEqual({
        deleted: false,
        tokens: 0,
      });
    });

    it('starts a subject created anew without the live tokens left under its name, keeps those of a replaced one', async () => {
      const store = ctx.store();
      // Left under names no stored subject has: a token minted while its principal was being
      // deleted, a bot group's from a tokens-file entry since removed, one already revoked.
      await store.insertAccessToken(token(1));
      await store.insertAccessToken(token(2, { kind: 'bot_group', subject: 'mac' }));
      await store.insertAccessToken(token(3, { revokedMs: T0 + 3, revokedBy: 'root' }));
      await store.putPrincipal(
        principal('alice@example.com', { updatedMs: T0 + 40, updatedBy: 'carol' }),
      );
      await store.putBotGroup(group('mac', { updatedMs: T0 + 41, updatedBy: 'carol' }));
      const revoked = () =>
        store.listAccessTokens().then((ts) => ts.map((t) => [t.id, t.revokedMs, t.revokedBy]));
      expect(await revoked()).toEqual([
        [token(1).id, T0 + 40, 'carol'],
        [token(2).id, T0 + 41, 'carol'],
        [token(3).id, T0 + 3, 'root'],
      ]);
      // Tokens of a stored subject survive its replacement.
      await store.insertAccessToken(token(4));
      await store.insertAccessToken(token(5, { kind: 'bot_group', subject: 'mac' }));
      await store.putPrincipal(principal('alice@example.com', { admin: true, updatedMs: T0 + 50 }));
      await store.putBotGroup(group('mac', { botIds: [], updatedMs: T0 + 51 }));
      expect((await revoked()).slice(3)).toEqual([
        [token(4).id, 0, ''],
        [token(5).id, 0, ''],
      ]);
    });
  });

  describe('audit log', () => {
    /** Entries 1..6: alice/bob, tasks.*, bots.*, access.*, pools ci/gpu/''. */
    async function seed(store: Store): Promise<void> {
      await store.appendAudit([
        entry(1),
        entry(2, { principal: 'bob', action: 'tasks.kill', pool: 'gpu' }),
        entry(3, { action: 'bots.quarantine', target: 'bot-1', result: 'NOT_FOUND: no bot' }),
      ]);
      await store.appendAudit([]);
      await store.appendAudit([
        entry(4, { action: 'access.token.create', pool: '' }),
        entry(5, { principal: 'bob', action: 'tasks.cancel', pool: 'gpu' }),
        entry(6, { action: 'tasksx.cancel' }),
      ]);
    }

    const targets = (rows: { target: string }[]) => rows.map((r) => r.target);

    it('lists entries newest first with increasing ids, each as appended', async () => {
      const store = ctx.store();
      await seed(store);
      const all = await store.listAudit({ limit: 100 });
      expect(targets(all)).toEqual(['task-6', 'task-5', 'task-4', 'bot-1', 'task-2', 'task-1']);
      const ids = all.map((e) => e.id);
      expect([...ids].sort((x, y) => y - x)).toEqual(ids);
      expect(new Set(ids).size).toBe(6);
      const { id: _id, ...third } = all[3]!;
      expect(third).toEqual(
        entry(3, { action: 'bots.quarantine', target: 'bot-1', result: 'NOT_FOUND: no bot' }),
      );
    });

    it('filters by time [since, until), principal, exact action or prefix, and pools', async () => {
      const store = ctx.store();
      await seed(store);
      const list = async (q: Omit<Parameters<Store['listAudit']>[0], 'limit'>) =>
        targets(await store.listAudit({ ...q, limit: 100 }));
      expect(await list({ sinceMs: T0 + 2_000, untilMs: T0 + 4_000 })).toEqual(['bot-1', 'task-2']);
      expect(await list({ principal: 'bob' })).toEqual(['task-5', 'task-2']);
      expect(await list({ principal: 'nobody' })).toEqual([]);
      expect(await list({ action: 'tasks.cancel' })).toEqual(['task-5', 'task-1']);
      expect(await list({ action: 'tasks.' })).toEqual(['task-5', 'task-2', 'task-1']);
      expect(await list({ action: 'tasks' })).toEqual([]);
      expect(await list({ pools: ['gpu'] })).toEqual(['task-5', 'task-2']);
      expect(await list({ pools: ['ci', ''] })).toEqual(['task-6', 'task-4', 'bot-1', 'task-1']);
      expect(await list({ pools: [] })).toEqual([]);
      expect(
        await list({ principal: 'alice@example.com', action: 'tasks.', pools: ['ci'] }),
      ).toEqual(['task-1']);
    });

    it('pages with beforeId and limit, newest first', async () => {
      const store = ctx.store();
      await seed(store);
      const first = await store.listAudit({ limit: 4 });
      expect(targets(first)).toEqual(['task-6', 'task-5', 'task-4', 'bot-1']);
      const next = await store.listAudit({ limit: 4, beforeId: first.at(-1)!.id });
      expect(targets(next)).toEqual(['task-2', 'task-1']);
      expect(await store.listAudit({ limit: 4, beforeId: next.at(-1)!.id })).toEqual([]);
      expect(await store.listAudit({ limit: 0 })).toEqual([]);
      const bobs = await store.listAudit({ limit: 1, principal: 'bob' });
      expect(targets(bobs)).toEqual(['task-5']);
      const older = await store.listAudit({ limit: 1, principal: 'bob', beforeId: bobs[0]!.id });
      expect(targets(older)).toEqual(['task-2']);
    });

    it('prunes the oldest entries before a time, at most limit per call', async () => {
      const store = ctx.store();
      // Appended out of time order: pruning goes by time, not by id.
      await store.appendAudit([entry(3), entry(1), entry(2), entry(9)]);
      expect(await store.pruneAudit(T0 + 5_000, 2)).toBe(2);
      expect(targets(await store.listAudit({ limit: 10 }))).toEqual(['task-9', 'task-3']);
      expect(await store.pruneAudit(T0 + 5_000, 2)).toBe(1);
      expect(await store.pruneAudit(T0 + 5_000, 2)).toBe(0);
      expect(await store.pruneAudit(T0 + 9_000, 0)).toBe(0);
      expect(targets(await store.listAudit({ limit: 10 }))).toEqual(['task-9']);
    });

    it('keeps the log across a reopen, new ids still above the old ones', async () => {
      await seed(ctx.store());
      const again = await ctx.reopen();
      const before = await again.listAudit({ limit: 1 });
      await again.appendAudit([entry(7)]);
      const after = await again.listAudit({ limit: 1 });
      expect(after[0]!.target).toBe('task-7');
      expect(after[0]!.id).toBeGreaterThan(before[0]!.id);
    });
  });

  describe('who cancelled a task', () => {
    const base = (id: string): Task => pendingTask(spec([slice(60)]), { id });

    it('reads back canceledBy written by an update, and none where nobody cancelled', async () => {
      const store = ctx.store();
      const t = base('cancel-me');
      await store.insertTask(t);
      expect(await store.getTask(t.id)).toEqual(t);
      expect(await store.getTask(t.id)).not.toHaveProperty('canceledBy');
      const canceled: Task = {
        ...t,
        state: 'CANCELED',
        modifiedAtMs: T0 + 5,
        completedAtMs: T0 + 5,
        summary: 'cancelled by alice@example.com',
        canceledBy: 'alice@example.com',
        revision: t.revision + 1,
      };
      expect(await store.updateTask(canceled, { revision: t.revision })).toBe(true);
      expect(await store.getTask(t.id)).toEqual(canceled);
      const listed = await store.listTasks({}, { limit: 10 });
      expect(listed.tasks.find((x) => x.id === t.id)?.canceledBy).toBe('alice@example.com');
      expect(await store.listTasksInStates(['CANCELED'])).toEqual([canceled]);
      const again = await ctx.reopen();
      expect((await again.getTask(t.id))?.canceledBy).toBe('alice@example.com');
    });

    it('stores canceledBy given at insert (a task cancelled as it was made)', async () => {
      const store = ctx.store();
      const t: Task = { ...base('born-canceled'), state: 'CANCELED', canceledBy: 'bob' };
      await store.insertTask(t);
      expect(await store.getTask(t.id)).toEqual(t);
    });
  });
}
