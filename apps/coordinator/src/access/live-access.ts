/**
 * Keeps the TokenAuthority's view of the store's tokens, principals and bot groups current: read
 * at start, read again after this coordinator's own writes (service Access awaits `reload`) and
 * when the change feed says another replica wrote them (`access`) or that notes may have been
 * missed (`resync`), so every replica applies a change within a second without a restart. Also
 * writes when tokens were last used: at most once a minute per token, and on close.
 */
import type { AccessStore, ChangeFeed } from '@drover/state';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/tokens';

/** How often uses of tokens are written (each token at most once per period). */
export const LAST_USED_EVERY_MS = 60_000;
/** A failed read is tried again after this long (the store out of reach at start, say). */
const RETRY_MS = 2_000;

export interface LiveAccessDeps {
  readonly store: Pick<
    AccessStore,
    'listAccessTokens' | 'listPrincipals' | 'listBotGroups' | 'touchAccessTokens'
  >;
  /** Other replicas' changes (PostgreSQL); undefined for a store this process alone writes. */
  readonly feed: ChangeFeed | undefined;
  readonly tokens: TokenAuthority;
  readonly log: Logger;
  /** @default LAST_USED_EVERY_MS */
  readonly lastUsedEveryMs?: number;
}

export class LiveAccess {
  readonly #deps: LiveAccessDeps;
  #unsubscribe: (() => void) | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The read in progress; reloads asked for (numbered) and the last one a read covered. */
  #reading = false;
  #wanted = 0;
  #done = 0;
  #waiters: { readonly wanted: number; readonly resolve: () => void }[] = [];
  #closed = false;

  constructor(deps: LiveAccessDeps) {
    this.#deps = deps;
  }

  /**
   * Follows the change feed (before reading, so that no change falls between), then reads. A
   * store that cannot be read leaves only the tokens file working, and is tried again.
   */
  async start(): Promise<void> {
    this.#unsubscribe = this.#deps.feed?.subscribe((note) => {
      if (note.kind === 'access' || note.kind === 'resync') void this.reload();
    });
    await this.reload();
    const everyMs = this.#deps.lastUsedEveryMs ?? LAST_USED_EVERY_MS;
    this.#flushTimer = setInterval(() => void this.#flushUses(), everyMs);
    this.#flushTimer.unref();
  }

  /**
   * Reads the store's access again and hands it to the authority; resolves once a read that
   * began after this call has been applied. Never rejects (a failure is logged and retried).
   */
  reload(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const wanted = ++this.#wanted;
    const applied = new Promise<void>((resolve) => this.#waiters.push({ wanted, resolve }));
    if (!this.#reading) {
      this.#reading = true;
      void this.#readLoop();
    }
    return applied;
  }

  async #readLoop(): Promise<void> {
    try {
      while (this.#done < this.#wanted && !this.#closed) {
        const target = this.#wanted;
        try {
          const [tokens, principals, groups] = await Promise.all([
            this.#deps.store.listAccessTokens(),
            this.#deps.store.listPrincipals(),
            this.#deps.store.listBotGroups(),
          ]);
          if (!this.#closed) this.#deps.tokens.setStoreAccess({ tokens, principals, groups });
        } catch (err) {
          this.#deps.log.error({ err }, 'reading tokens, principals and bot groups failed');
          this.#retryLater();
        }
        this.#done = target;
        this.#waiters = this.#waiters.filter((w) => {
          if (w.wanted > target) return true;
          w.resolve();
          return false;
        });
      }
    } finally {
      // Right after the loop's last check, with no await between: a reload from now on starts
      // a new loop.
      this.#reading = false;
      if (this.#closed) {
        for (const w of this.#waiters) w.resolve();
        this.#waiters = [];
      }
    }
  }

  #retryLater(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.reload();
    }, RETRY_MS);
    this.#retryTimer.unref();
  }

  async #flushUses(): Promise<void> {
    const used = this.#deps.tokens.takeUnwrittenUses();
    if (used.length === 0) return;
    try {
      await this.#deps.store.touchAccessTokens(used);
    } catch (err) {
      this.#deps.log.warn({ err, tokens: used.length }, 'recording when tokens were used failed');
    }
  }

  /** Stops following, writes the uses not yet written; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#deps.tokens.close();
    await this.#flushUses();
  }
}
