// LiveAccess over a real SQLite store: what another replica wrote is applied when the change feed
// says `access` or `resync` (the feed is driven by the test: an interrupted feed is the fault
// injected), concurrent reloads all see the latest write, a store that cannot be read at start
// leaves the tokens file working and is read again, and uses are written on close.
import { openSqliteStore, type ChangeFeed, type ChangeNote, type Store } from '@drover/state';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveAccess } from '../../src/access/live-access';
import { TokenAuthority, hashToken, newToken, type TokensFile } from '../../src/auth/tokens';
import { tempDir, waitForEvent } from '../harness';

const FILE_ADMIN = newToken('client');
const FILE: TokensFile = {
  version: 2,
  principals: [{ name: 'file-admin', sha256: [hashToken(FILE_ADMIN)], admin: true, roles: {} }],
  botGroups: [],
};

/** A change feed the test drives. */
function drivenFeed(): ChangeFeed & { emit(note: ChangeNote): void } {
  const subscribers = new Set<(note: ChangeNote) => void>();
  return {
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    ready: () => Promise.resolve(),
    emit(note) {
      for (const fn of subscribers) fn(note);
    },
  };
}

let dir: ReturnType<typeof tempDir>;
let store: Store;
let live: LiveAccess | undefined;
const log = pino({ level: 'silent' });

beforeEach(() => {
  dir = tempDir('drover-live-access-');
  store = openSqliteStore({ path: join(dir.path, 'drover.sqlite') });
});
afterEach(async () => {
  await live?.close();
  live = undefined;
  await store.close();
  dir.remove();
});

/** Writes a principal and a token of it straight to the store, as another replica would. */
async function writeToken(name: string, id: string): Promise<string> {
  const secret = newToken('client');
  await store.putPrincipal({
    name,
    admin: false,
    roles: { ci: ['view'] },
    description: '',
    updatedMs: 1,
    updatedBy: 'file-admin',
  });
  await store.insertAccessToken({
    id,
    hash: hashToken(secret),
    kind: 'principal',
    subject: name,
    description: '',
    scope: {},
    createdMs: 1,
    createdBy: 'file-admin',
    expiresMs: 0,
    revokedMs: 0,
    revokedBy: '',
    lastUsedMs: 0,
  });
  return secret;
}

describe('LiveAccess', () => {
  it("applies another replica's writes on the feed's access and resync notes", async () => {
    const tokens = new TokenAuthority(FILE);
    const feed = drivenFeed();
    live = new LiveAccess({ store, feed, tokens, log });
    await live.start();

    const secret = await writeToken('carol', 'tok-00000000000000c1');
    expect(tokens.authenticate(`Bearer ${secret}`)).toBeUndefined();
    const applied = waitForEvent(tokens.events, 'changed', () => true);
    feed.emit({ kind: 'resync' });
    await applied;
    expect(tokens.authenticate(`Bearer ${secret}`)?.name).toBe('carol');

    await store.revokeAccessToken('tok-00000000000000c1', 2, 'file-admin');
    const revoked = waitForEvent(tokens.events, 'changed', () => true);
    feed.emit({ kind: 'access' });
    await revoked;
    expect(tokens.authenticate(`Bearer ${secret}`)).toBeUndefined();
  });

  it('resolves every concurrent reload only once a read that began after it is applied', async () => {
    const tokens = new TokenAuthority(FILE);
    live = new LiveAccess({ store, feed: undefined, tokens, log });
    await live.start();
    const first = live.reload();
    const secret = await writeToken('dave', 'tok-00000000000000d1');
    // Asked after the write, while the first read may still be going: sees the write.
    await Promise.all([first, live.reload(), live.reload()]);
    expect(tokens.authenticate(`Bearer ${secret}`)?.name).toBe('dave');
  });

  it('keeps the tokens file working when the store cannot be read at start, and reads it again', async () => {
    const secret = await writeToken('erin', 'tok-00000000000000e1');
    let failures = 1;
    const failing = new Proxy(store, {
      get(target, prop) {
        if (prop === 'listAccessTokens' && failures > 0) {
          failures--;
          return () => Promise.reject(new Error('injected: the store is out of reach'));
        }
        const value = Reflect.get(target, prop) as unknown;
        // The store's methods use its private fields: called on the store, not the proxy.
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const tokens = new TokenAuthority(FILE);
    live = new LiveAccess({ store: failing, feed: undefined, tokens, log });
    const applied = waitForEvent(tokens.events, 'changed', () => true, 15_000);
    await live.start();
    expect(tokens.authenticate(`Bearer ${FILE_ADMIN}`)?.name).toBe('file-admin');
    expect(tokens.authenticate(`Bearer ${secret}`)).toBeUndefined();
    await applied;
    expect(tokens.authenticate(`Bearer ${secret}`)?.name).toBe('erin');
  });

  it('writes when tokens were last used on close', async () => {
    const secret = await writeToken('frank', 'tok-00000000000000f1');
    const tokens = new TokenAuthority(FILE, { clock: () => 123_456 });
    live = new LiveAccess({ store, feed: undefined, tokens, log });
    await live.start();
    expect(tokens.authenticate(`Bearer ${secret}`)?.name).toBe('frank');
    await live.close();
    const [stored] = await store.listAccessTokens();
    expect(stored?.lastUsedMs).toBe(123_456);
  });
});
