/**
 * Bot sessions opened with a token of the store, ended the moment that token stops working: it
 * was revoked or expired, or its bot group was deleted (which revokes it) or no longer takes the
 * bot's id. Checked each time the authority's view changes (its `changed` event: a reload on any
 * replica's write, a token's expiry). Sessions of the tokens file's bots are never tracked.
 */
import type { Logger } from 'pino';
import { mayUseBotId, type Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';

interface Tracked {
  readonly tokenId: string;
  /** The bot id once its Hello named it ('' before). */
  botId: () => string;
  readonly end: (reason: string) => void;
}

export class TokenSessions {
  readonly #tokens: TokenAuthority;
  readonly #log: Logger;
  readonly #sessions = new Set<Tracked>();
  readonly #onChanged = () => this.check();

  constructor(tokens: TokenAuthority, log: Logger) {
    this.#tokens = tokens;
    this.#log = log;
    tokens.events.on('changed', this.#onChanged);
  }

  /**
   * Tracks a session authenticated as `principal`, if a token of the store did it; `end` closes
   * the session with the reason. Returns the function that stops tracking it (idempotent).
   */
  add(principal: Principal, botId: () => string, end: (reason: string) => void): () => void {
    const tokenId = principal.tokenId;
    if (tokenId === undefined) return () => undefined;
    const tracked: Tracked = { tokenId, botId, end };
    this.#sessions.add(tracked);
    return () => this.#sessions.delete(tracked);
  }

  /** Ends every tracked session whose token no longer lets its bot in. */
  check(): void {
    for (const s of [...this.#sessions]) {
      const now = this.#tokens.storeToken(s.tokenId);
      const botId = s.botId();
      const reason =
        'refused' in now
          ? now.refused
          : botId !== '' && !mayUseBotId(now.principal, botId)
            ? `bot group ${now.principal.name} no longer takes bot id ${botId}`
            : undefined;
      if (reason === undefined) continue;
      this.#sessions.delete(s);
      this.#log.info({ tokenId: s.tokenId, botId, reason }, 'ending a bot session: token refused');
      s.end(reason);
    }
  }

  /** How many sessions are tracked (tests). */
  get size(): number {
    return this.#sessions.size;
  }

  close(): void {
    this.#tokens.events.off('changed', this.#onChanged);
    this.#sessions.clear();
  }
}
