import { describe, expect, it } from 'vitest';
import { makeRoomFor, peerAddress } from '../../src/connections/pending-caps';

/** Pending entries named by their peer and age: `a1` is the oldest from `a`. */
const entries = (...keys: string[]) => keys.map((key) => ({ key, peer: key[0]! }));

describe('makeRoomFor', () => {
  const caps = { perPeer: 2, total: 4 };
  it.each([
    ['nothing pending', [], 'a', []],
    ['room for the peer and in all', entries('a1', 'b1'), 'a', []],
    ['the peer at its cap: its oldest goes', entries('a1', 'b1', 'a2'), 'a', ['a1']],
    ['another peer at its cap: nothing goes', entries('a1', 'a2', 'b1'), 'b', []],
    ['the total at its cap: the oldest of all goes', entries('a1', 'b1', 'c1', 'd1'), 'e', ['a1']],
    [
      'both caps: the peer first, then the total has room',
      entries('a1', 'a2', 'b1', 'c1'),
      'a',
      ['a1'],
    ],
    [
      'over both caps (smaller caps now): enough go',
      entries('a1', 'a2', 'a3', 'b1', 'c1'),
      'a',
      ['a1', 'a2'],
    ],
  ] as const)('%s', (_name, pending, peer, expected) => {
    expect(makeRoomFor([...pending], peer, caps)).toEqual(expected);
  });

  it('with a cap of one, every newcomer replaces the one before', () => {
    expect(makeRoomFor(entries('a1'), 'a', { perPeer: 1, total: 1 })).toEqual(['a1']);
    expect(makeRoomFor(entries('a1'), 'b', { perPeer: 1, total: 1 })).toEqual(['a1']);
  });

  it('is not blocked by a flood: a newcomer always fits after what it returns', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => ({ key: `x${i}`, peer: 'x' }));
    const caps2 = { perPeer: 64, total: 100 };
    const evicted = makeRoomFor(flood, 'x', caps2);
    expect(flood.length - evicted.length).toBe(63);
    expect(evicted[0]).toBe('x0');
  });
});

describe('peerAddress', () => {
  it.each([
    ['127.0.0.1:5555', true, '127.0.0.1'],
    ['::1:5555', true, '::1'],
    ['[::1]:5555', true, '::1'],
    ['::ffff:10.0.0.2:80', true, '10.0.0.2'],
    ['::ffff:10.0.0.2', false, '10.0.0.2'],
    ['2001:db8::7', false, '2001:db8::7'],
    ['127.0.0.1', false, '127.0.0.1'],
    [undefined, false, 'unknown'],
    ['', true, 'unknown'],
  ] as const)('%s (port: %s) is %s', (peer, hasPort, expected) => {
    expect(peerAddress(peer, hasPort)).toBe(expected);
  });
});
