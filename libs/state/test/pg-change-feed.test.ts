// The PostgreSQL store's change feed (LISTEN/NOTIFY): what one store instance commits, another on
// the same schema hears, in commit order; a write that did not apply says nothing; a store does
// not hear itself; another schema's deployment is not heard. Skipped with one line when no
// server answers at DROVER_TEST_PG_URL.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dropPgSchema,
  encodeNote,
  openPgStore,
  pgReachable,
  type ChangeNote,
  type Store,
} from '../src/index';
import { MAX_NOTE_BYTES } from '../src/store/change-feed';
import { changeChannel } from '../src/store/pg/pg-change-feed';
import { T0, pendingTask, properties, slice, spec } from './fixtures';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: change feed skipped');

const opened: Store[] = [];
const schemas: string[] = [];

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const schema of schemas.splice(0)) await dropPgSchema(PG_URL, schema);
});

async function open(schema: string): Promise<Store> {
  const store = await openPgStore({ url: PG_URL, schema });
  opened.push(store);
  return store;
}

function newSchema(): string {
  const schema = `drover_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

/** Collects what `store` hears; `next(n)` resolves once n notes arrived (or fails at 5 s). */
async function listen(store: Store) {
  const notes: ChangeNote[] = [];
  const waiters: Array<() => void> = [];
  store.changes!.subscribe((n) => {
    notes.push(n);
    for (const w of waiters.splice(0)) w();
  });
  await store.changes!.ready();
  return {
    notes,
    async next(count: number): Promise<ChangeNote[]> {
      const deadline = Date.now() + 5_000;
      while (notes.length < count) {
        if (Date.now() > deadline) throw new Error(`heard ${notes.length} of ${count} notes`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
      return notes.slice(0, count);
    },
  };
}

describe.skipIf(!REACHABLE)('the PostgreSQL change feed', () => {
  it('tells another replica of new tasks, state changes and output, in commit order', async () => {
    const schema = newSchema();
    const a = await open(schema);
    const b = await open(schema);
    const heard = await listen(b);
    const task = pendingTask(spec([slice(60)], { priority: 30 }));
    await a.insertTask(task);
    const running = {
      ...task,
      state: 'RUNNING' as const,
      botId: 'bot-1',
      leaseId: 'lease-1',
      revision: 1,
    };
    expect(await a.updateTask(running, { revision: 0 })).toBe(true);
    // A conditional write that does not apply tells nobody.
    expect(await a.updateTask(running, { revision: 0 })).toBe(false);
    await a.appendOutput(task.id, 'lease-1', 0, Buffer.from('hello'));
    const notes = await heard.next(3);
    expect(notes[0]).toEqual({
      kind: 'task',
      id: task.id,
      state: 'PENDING',
      slice: 0,
      botId: null,
      leaseId: null,
      killRequested: false,
      pending: {
        priority: 30,
        createdAtMs: task.createdAtMs,
        deadlineAtMs: task.createdAtMs + 60_000,
        dimensions: task.spec.slices[0]!.properties.dimensions,
        terminate: false,
      },
    });
    expect(notes[1]).toMatchObject({ kind: 'task', state: 'RUNNING', botId: 'bot-1' });
    expect(notes[1]).not.toHaveProperty('pending');
    expect(notes[2]).toEqual({ kind: 'output', id: task.id, size: 5 });
    // The write's own store hears nothing of itself.
    const own = await listen(a);
    await b.upsertBot({
      id: 'bot-1',
      dimensions: [{ key: 'pool', values: ['p'] }],
      version: 'v',
      firstSeenMs: T0,
      lastSeenMs: T0 + 5,
      state: {},
      sessionId: 's-1',
      connected: true,
    });
    expect(await own.next(1)).toEqual([
      { kind: 'bot', id: 'bot-1', connected: true, sessionId: 's-1', lastSeenMs: T0 + 5 },
    ]);
    expect(heard.notes).toHaveLength(3);
  });

  it('tells another replica of every change to tokens, principals and bot groups', async () => {
    const schema = newSchema();
    const a = await open(schema);
    const b = await open(schema);
    const heard = await listen(b);
    const token = {
      id: 'tok-0123456789abcdef',
      hash: 'f'.repeat(64),
      kind: 'principal' as const,
      subject: 'alice',
      description: '',
      scope: {},
      createdMs: T0,
      createdBy: 'root',
      expiresMs: 0,
      revokedMs: 0,
      revokedBy: '',
      lastUsedMs: 0,
    };
    const access = { kind: 'access' };
    const principal = {
      name: 'alice',
      admin: false,
      roles: { ci: ['submit'] },
      description: '',
      updatedMs: T0,
      updatedBy: 'root',
    };
    const group = { ...principal, name: 'ci-bots', botIds: ['ci-*'], dimensions: {} };
    expect(await a.insertAccessToken(token)).toBe(true);
    // What changes nothing, last-used times and the audit log tell nobody.
    expect(await a.insertAccessToken(token)).toBe(false);
    await a.touchAccessTokens([{ id: token.id, lastUsedMs: T0 + 1 }]);
    await a.appendAudit([
      {
        timeMs: T0,
        principal: 'root',
        peer: '',
        action: 'access.token.create',
        target: token.id,
        details: '{}',
        result: 'ok',
        pool: '',
      },
    ]);
    await a.revokeAccessToken(token.id, T0 + 2, 'root');
    await a.revokeAccessToken(token.id, T0 + 3, 'root');
    await a.putPrincipal(principal);
    expect(await a.deletePrincipal('alice', T0 + 4, 'root')).toEqual({ deleted: true, tokens: 0 });
    expect(await a.deletePrincipal('alice', T0 + 5, 'root')).toEqual({ deleted: false, tokens: 0 });
    await a.putBotGroup(group);
    expect(await a.deleteBotGroup('ci-bots', T0 + 6, 'root')).toEqual({ deleted: true, tokens: 0 });
    // A task note last: the feed is in commit order, so every access note is in by then.
    await a.insertTask(pendingTask(spec([slice(60)]), { id: 'marker' }));
    const notes = await heard.next(7);
    expect(notes.slice(0, 6)).toEqual([access, access, access, access, access, access]);
    expect(notes[6]).toMatchObject({ kind: 'task', id: 'marker' });
    expect(heard.notes).toHaveLength(7);
  });

  it('is not heard by a deployment in another schema', async () => {
    const a = await open(newSchema());
    const other = await open(newSchema());
    const heard = await listen(other);
    await a.insertTask(pendingTask(spec([slice(60)])));
    // A write in the other deployment arrives; the first one never did.
    const b = await open(schemas[1]!);
    const mine = pendingTask(spec([slice(60)]), { id: 'mine' });
    await b.insertTask(mine);
    const [note] = await heard.next(1);
    expect(note).toMatchObject({ kind: 'task', id: 'mine' });
  });

  it('names a channel PostgreSQL keeps whole, whatever the schema name', () => {
    const long = 'a'.repeat(62);
    expect(Buffer.byteLength(changeChannel(long))).toBeLessThanOrEqual(63);
    expect(changeChannel(long)).not.toBe(changeChannel(`${'a'.repeat(61)}b`));
    expect(changeChannel('drover')).toBe('drover_changes_drover');
  });

  it('drops the dispatch data of a note too big for NOTIFY, keeping the rest', () => {
    const huge = properties({
      dimensions: [
        { key: 'pool', value: 'p' },
        { key: 'label', value: 'x'.repeat(MAX_NOTE_BYTES) },
      ],
    });
    const task = pendingTask(spec([{ ...slice(60), properties: huge }]));
    const note: ChangeNote = {
      kind: 'task',
      id: task.id,
      state: 'PENDING',
      slice: 0,
      botId: null,
      leaseId: null,
      killRequested: false,
      pending: {
        priority: 1,
        createdAtMs: T0,
        deadlineAtMs: T0,
        dimensions: huge.dimensions,
        terminate: false,
      },
    };
    const wire = encodeNote('me', note);
    expect(Buffer.byteLength(wire)).toBeLessThan(MAX_NOTE_BYTES);
    expect(JSON.parse(wire)).toEqual({
      r: 'me',
      n: {
        kind: 'task',
        id: task.id,
        state: 'PENDING',
        slice: 0,
        botId: null,
        leaseId: null,
        killRequested: false,
      },
    });
  });
});
