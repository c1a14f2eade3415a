import { afterPendingInput } from '../stalls/loop-stalls';
import { makeRoomFor, type PendingCaps } from './pending-caps';

/** What the shell does with a pending connection: close it, saying why. */
export interface PendingConnection {
  close(reason: 'evicted' | 'timed-out'): void;
}

/**
 * The connections not yet authenticated (the shell around pending-caps.ts): each admitted one is
 * closed when it stays pending past the timeout, or when newer ones need its room. `settle` when
 * it authenticates or closes; idempotent.
 */
export class PendingConnections<C extends PendingConnection> {
  readonly #caps: PendingCaps;
  /** Insertion order is age order. */
  readonly #pending = new Map<C, { readonly peer: string; readonly timer: NodeJS.Timeout }>();
  #evicted = 0;
  #timedOut = 0;

  constructor(caps: PendingCaps) {
    this.#caps = caps;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Connections closed to make room for newer ones, and for staying pending too long. */
  get counts(): { readonly evicted: number; readonly timedOut: number } {
    return { evicted: this.#evicted, timedOut: this.#timedOut };
  }

  /** Admits `conn` from `peer`, first closing the oldest pending ones it needs room from. */
  admit(conn: C, peer: string): void {
    const entries = [...this.#pending].map(([key, e]) => ({ key, peer: e.peer }));
    for (const old of makeRoomFor(entries, peer, this.#caps)) {
      this.settle(old);
      this.#evicted++;
      old.close('evicted');
    }
    const timer = setTimeout(() => {
      // Its authentication may be waiting unread (the loop ran late): read first.
      void afterPendingInput().then(() => {
        if (!this.#pending.has(conn)) return;
        this.settle(conn);
        this.#timedOut++;
        conn.close('timed-out');
      });
    }, this.#caps.timeoutMs);
    timer.unref();
    this.#pending.set(conn, { peer, timer });
  }

  /** `conn` authenticated or closed: no longer pending. */
  settle(conn: C): void {
    const entry = this.#pending.get(conn);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.#pending.delete(conn);
  }

  /** Closes nothing; forgets every timer (the server is stopping). */
  clear(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
