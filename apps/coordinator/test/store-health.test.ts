import { status } from '@grpc/grpc-js';
import { openSqliteStore, type Store } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { toStatus } from '../src/rpc/grpc-edge';
import { classifyStoreError } from '../src/store-health/store-failure';
import { StoreHealth, watchStore, type StoreCondition } from '../src/store-health/store-health';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyStoreError', () => {
  it.each([
    ['SQLITE_FULL', 'full'],
    ['ENOSPC', 'full'],
    ['EDQUOT', 'full'],
    ['53100', 'full'],
    ['SQLITE_IOERR_WRITE', 'unavailable'],
    ['SQLITE_BUSY', 'unavailable'],
    ['ECONNREFUSED', 'unavailable'],
    ['08006', 'unavailable'],
    ['57P01', 'unavailable'],
    ['SQLITE_CONSTRAINT_UNIQUE', undefined],
    ['23505', undefined],
    ['ENOENT', undefined],
  ])('%s is %s', (code, failure) => {
    expect(classifyStoreError(coded(code))).toBe(failure);
  });

  it('looks through causes, and calls plain errors bugs', () => {
    expect(classifyStoreError(new Error('wrapped', { cause: coded('SQLITE_FULL') }))).toBe('full');
    expect(classifyStoreError(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyStoreError('SQLITE_FULL')).toBeUndefined();
  });
});

describe('toStatus at the gRPC edge', () => {
  const log = pino({ level: 'silent' });
  it('answers RESOURCE_EXHAUSTED for a full disk and UNAVAILABLE for a lost store', () => {
    expect(toStatus(coded('SQLITE_FULL', 'database or disk is full'), log, 'NewTask')).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details: 'coordinator data dir is full',
    });
    expect(toStatus(coded('ECONNREFUSED'), log, 'NewTask').code).toBe(status.UNAVAILABLE);
    expect(toStatus(new Error('bug'), log, 'NewTask').code).toBe(status.INTERNAL);
  });
});

describe('StoreHealth over a watched store', () => {
  it('fails on a full write, stays failing through reads and no-op writes, recovers on a real write', async () => {
    const changes: StoreCondition['kind'][] = [];
    const health = new StoreHealth(() => 1_000, { onChange: (c) => changes.push(c.kind) });
    const raw = openSqliteStore({ path: ':memory:' });
    let full = true;
    const failing = new Proxy(raw, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'upsertBot' && typeof value === 'function') {
          return async (...args: unknown[]) => {
            if (full) throw coded('SQLITE_FULL', 'database or disk is full');
            return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = watchStore(failing, health);
    const bot = {
      id: 'b',
      dimensions: [],
      version: 'v',
      firstSeenMs: 0,
      lastSeenMs: 0,
      state: {},
      sessionId: 's',
      connected: true,
    };
    await expect(store.upsertBot(bot)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    expect(health.condition).toEqual({ kind: 'failing', reason: 'full', sinceMs: 1_000 });
    await store.listBots();
    // Succeeding without writing a page (nothing to prune) says nothing about the disk.
    await store.pruneBotEvents(0);
    expect(health.condition.kind).toBe('failing');
    full = false;
    await store.upsertBot(bot);
    expect(health.condition.kind).toBe('ok');
    expect(changes).toEqual(['failing', 'ok']);

    const registry = new Registry();
    health.register(registry);
    const text = await registry.metrics();
    expect(text).toContain('drover_store_failing{reason="full"} 0');
    expect(text).toContain('drover_store_failures_total{reason="full"} 1');
    await store.close();
  });
});

describe('watchStore', () => {
  it('runs getters and methods on the store itself (private fields), not on the proxy', async () => {
    class WithPrivate {
      readonly #feed = { ready: () => Promise.resolve() };
      get changes() {
        return this.#feed;
      }
      async getTask() {
        return this.#feed === undefined ? 'no' : 'yes';
      }
    }
    const health = new StoreHealth(() => 0, { onChange: () => {} });
    const store = watchStore(new WithPrivate() as unknown as Store, health);
    expect(store.changes).toBeDefined();
    expect(await store.getTask('x')).toBe('yes');
  });
});
