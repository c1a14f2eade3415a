/**
 * Caps on connections that have not authenticated yet: at most `perPeer` from one
 * address and `total` in all. A newcomer is always let in and the oldest pending ones make room:
 * a real client authenticates within milliseconds of connecting, so the oldest are the likeliest
 * to be idle, and a flood can never keep a real client out (refusing newcomers would let it).
 * Pure: the shell keeps the entries and closes what this returns.
 */

export interface PendingCaps {
  /** Unauthenticated connections from one address at once. */
  readonly perPeer: number;
  /** Unauthenticated connections at once. */
  readonly total: number;
  /** How long one may stay unauthenticated before it is closed. */
  readonly timeoutMs: number;
}

export interface PendingEntry<K> {
  readonly key: K;
  readonly peer: string;
}

/**
 * The pending entries to close so that one more from `peer` fits: the oldest from that peer
 * beyond `perPeer - 1`, then the oldest of all beyond `total - 1`. `pending` is oldest first.
 */
export function makeRoomFor<K>(
  pending: readonly PendingEntry<K>[],
  peer: string,
  caps: Pick<PendingCaps, 'perPeer' | 'total'>,
): K[] {
  const evicted = new Set<number>();
  let samePeer = 0;
  for (const e of pending) if (e.peer === peer) samePeer++;
  for (let i = 0; i < pending.length && samePeer >= caps.perPeer; i++) {
    if (pending[i]!.peer !== peer) continue;
    evicted.add(i);
    samePeer--;
  }
  let left = pending.length - evicted.size;
  for (let i = 0; i < pending.length && left >= caps.total; i++) {
    if (evicted.has(i)) continue;
    evicted.add(i);
    left--;
  }
  return [...evicted].sort((a, b) => a - b).map((i) => pending[i]!.key);
}

/**
 * The address part of a peer as grpc-js (`1.2.3.4:567`, `::1:567`) or a socket
 * (`::ffff:1.2.3.4`) gives it: IPv4-mapped IPv6 folded to IPv4, the port dropped.
 */
export function peerAddress(peer: string | undefined, hasPort: boolean): string {
  if (peer === undefined || peer === '') return 'unknown';
  let address = peer;
  if (hasPort) {
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(address);
    if (m !== null) address = m[1]!;
  }
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
