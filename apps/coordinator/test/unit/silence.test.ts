import { describe, expect, it } from 'vitest';
import {
  judgeSilence,
  stalledMsWithin,
  stallOfLateTimer,
  type SilenceCheck,
  type Stall,
} from '../../src/stalls/silence';
import { LoopStalls } from '../../src/stalls/loop-stalls';

const TOLERANCE = 1_000;
const LATE = 250;

/** A check at `nowMs`, on time unless `dueAtMs` says otherwise. */
function check(over: Partial<SilenceCheck> & { nowMs: number; lastHeardMs: number }): SilenceCheck {
  return {
    toleranceMs: TOLERANCE,
    dueAtMs: over.nowMs,
    stalls: [],
    listened: false,
    lateMs: LATE,
    ...over,
  };
}

describe('stalledMsWithin', () => {
  const cases: [string, Stall[], number, number, number][] = [
    ['no stalls', [], 0, 1000, 0],
    ['an empty window', [{ fromMs: 0, toMs: 500 }], 100, 100, 0],
    ['a backwards window', [{ fromMs: 0, toMs: 500 }], 400, 100, 0],
    ['a stall inside', [{ fromMs: 100, toMs: 300 }], 0, 1000, 200],
    ['a stall over the start', [{ fromMs: -100, toMs: 300 }], 0, 1000, 300],
    ['a stall over the end', [{ fromMs: 900, toMs: 1500 }], 0, 1000, 100],
    ['a stall over the whole window', [{ fromMs: -1, toMs: 2000 }], 0, 1000, 1000],
    ['a stall before', [{ fromMs: -500, toMs: 0 }], 0, 1000, 0],
    ['a stall after', [{ fromMs: 1000, toMs: 1200 }], 0, 1000, 0],
    [
      'two apart',
      [
        { fromMs: 100, toMs: 200 },
        { fromMs: 500, toMs: 700 },
      ],
      0,
      1000,
      300,
    ],
    [
      'two overlapping',
      [
        { fromMs: 100, toMs: 400 },
        { fromMs: 300, toMs: 600 },
      ],
      0,
      1000,
      500,
    ],
    [
      'one inside another',
      [
        { fromMs: 100, toMs: 900 },
        { fromMs: 200, toMs: 300 },
      ],
      0,
      1000,
      800,
    ],
    [
      'out of order',
      [
        { fromMs: 500, toMs: 700 },
        { fromMs: 100, toMs: 200 },
      ],
      0,
      1000,
      300,
    ],
    [
      'the same twice',
      [
        { fromMs: 100, toMs: 200 },
        { fromMs: 100, toMs: 200 },
      ],
      0,
      1000,
      100,
    ],
  ];
  it.each(cases)('counts %s', (_name, stalls, fromMs, toMs, expected) => {
    expect(stalledMsWithin(stalls, fromMs, toMs)).toBe(expected);
  });
});

describe('stallOfLateTimer', () => {
  it.each([
    [1000, 1000, undefined],
    [1000, 1249, undefined],
    [1000, 1250, { fromMs: 1000, toMs: 1250 }],
    [1000, 9000, { fromMs: 1000, toMs: 9000 }],
    [1000, 900, undefined],
  ])('a timer due at %i running at %i reveals %j', (dueAtMs, nowMs, expected) => {
    expect(stallOfLateTimer(dueAtMs, nowMs, LATE)).toEqual(expected);
  });
});

describe('judgeSilence', () => {
  it('finds a peer silent for the tolerance on a check on time silent', () => {
    expect(judgeSilence(check({ nowMs: 1000, lastHeardMs: 0 }))).toEqual({
      kind: 'silent',
      silentMs: 1000,
    });
  });

  it('finds a peer silent for longer than the tolerance silent, with how long', () => {
    expect(judgeSilence(check({ nowMs: 1800, lastHeardMs: 0, dueAtMs: 1700 }))).toEqual({
      kind: 'silent',
      silentMs: 1800,
    });
  });

  it('looks again when the tolerance is over from the last message heard', () => {
    expect(judgeSilence(check({ nowMs: 1000, lastHeardMs: 400 }))).toEqual({
      kind: 'heard',
      checkAtMs: 1400,
    });
  });

  it('looks again at once-in-tolerance for a peer heard just now', () => {
    expect(judgeSilence(check({ nowMs: 1000, lastHeardMs: 1000 }))).toEqual({
      kind: 'heard',
      checkAtMs: 2000,
    });
  });

  it('never condemns on a late check: it asks to read pending input first', () => {
    expect(judgeSilence(check({ nowMs: 9000, lastHeardMs: 0, dueAtMs: 1000 }))).toEqual({
      kind: 'listen-first',
      stall: { fromMs: 1000, toMs: 9000 },
    });
  });

  it('does not count jitter below the lateness threshold as a stall', () => {
    expect(judgeSilence(check({ nowMs: 1249, lastHeardMs: 0, dueAtMs: 1000 }))).toEqual({
      kind: 'silent',
      silentMs: 1249,
    });
  });

  it('after reading, a peer heard meanwhile is alive (its heartbeats were waiting)', () => {
    const stalls = [{ fromMs: 1000, toMs: 9000 }];
    expect(judgeSilence(check({ nowMs: 9001, lastHeardMs: 9000, stalls, listened: true }))).toEqual(
      { kind: 'heard', checkAtMs: 10_000 },
    );
  });

  it('after reading, a peer not heard gets the rest of its tolerance in time this process runs', () => {
    // Heard at 0, stalled 500–9000: silent 500 ms of running time by 9000, 501 by 9001.
    const stalls = [{ fromMs: 500, toMs: 9000 }];
    expect(judgeSilence(check({ nowMs: 9001, lastHeardMs: 0, stalls, listened: true }))).toEqual({
      kind: 'heard',
      checkAtMs: 9500,
    });
    // …and is silent once that is over.
    expect(judgeSilence(check({ nowMs: 9500, lastHeardMs: 0, stalls }))).toEqual({
      kind: 'silent',
      silentMs: 1000,
    });
  });

  it('a second look that is late again decides, counting the stall it reveals', () => {
    const stalls = [{ fromMs: 500, toMs: 5000 }];
    expect(
      judgeSilence(check({ nowMs: 9000, lastHeardMs: 0, dueAtMs: 5000, stalls, listened: true })),
    ).toEqual({ kind: 'heard', checkAtMs: 9500, stall: { fromMs: 5000, toMs: 9000 } });
  });

  it('a stall before the peer was last heard does not lengthen its tolerance', () => {
    const stalls = [{ fromMs: -5000, toMs: -1 }];
    expect(judgeSilence(check({ nowMs: 1000, lastHeardMs: 0, stalls }))).toEqual({
      kind: 'silent',
      silentMs: 1000,
    });
  });

  it('a peer silent through several short stalls is judged by the time between them', () => {
    const stalls = [
      { fromMs: 100, toMs: 400 },
      { fromMs: 600, toMs: 900 },
    ];
    // 1500 ms since heard, 600 of them stalled: 900 ms of silence, 100 ms left.
    expect(judgeSilence(check({ nowMs: 1500, lastHeardMs: 0, stalls }))).toEqual({
      kind: 'heard',
      checkAtMs: 1600,
    });
    expect(judgeSilence(check({ nowMs: 1600, lastHeardMs: 0, stalls }))).toEqual({
      kind: 'silent',
      silentMs: 1000,
    });
  });

  it('a clock behind the last-heard time is no silence', () => {
    expect(judgeSilence(check({ nowMs: 0, lastHeardMs: 500 }))).toEqual({
      kind: 'heard',
      checkAtMs: 1000,
    });
  });
});

describe('LoopStalls', () => {
  /** Clocks the test moves: `wall` (the coordinator's) and `mono` (the monotonic one). */
  function clocks() {
    const c = { wall: 10_000, mono: 0 };
    const stalls = new LoopStalls({ clock: () => c.wall, monotonic: () => c.mono, lateMs: LATE });
    return { c, stalls };
  }

  it('records the stall a late timer reveals, on the wall clock', () => {
    const { c, stalls } = clocks();
    c.wall += 5_000;
    c.mono += 5_000;
    expect(stalls.dueAtMs(1_000)).toBe(11_000);
    expect(stalls.stalls).toEqual([{ fromMs: 11_000, toMs: 15_000 }]);
    expect(stalls.longestMs).toBe(4_000);
  });

  it('does not take a moved wall clock (NTP, a test clock) for a stall', () => {
    const { c, stalls } = clocks();
    c.wall += 60_000;
    c.mono += 10;
    expect(stalls.dueAtMs(10)).toBe(70_000);
    expect(stalls.stalls).toEqual([]);
  });

  it('merges a stall seen by two timers into one', () => {
    const { c, stalls } = clocks();
    c.wall += 5_000;
    c.mono += 5_000;
    stalls.dueAtMs(100);
    stalls.dueAtMs(2_000);
    expect(stalls.stalls).toEqual([{ fromMs: 10_100, toMs: 15_000 }]);
    expect(stalls.stalledMsWithin(0, 20_000)).toBe(4_900);
  });

  it('forgets stalls older than it keeps', () => {
    const c = { wall: 0, mono: 0 };
    const stalls = new LoopStalls({
      clock: () => c.wall,
      monotonic: () => c.mono,
      lateMs: LATE,
      keepMs: 10_000,
    });
    stalls.record({ fromMs: 0, toMs: 1_000 });
    stalls.record({ fromMs: 5_000, toMs: 6_000 });
    stalls.record({ fromMs: 20_000, toMs: 21_000 });
    expect(stalls.stalls).toEqual([{ fromMs: 20_000, toMs: 21_000 }]);
  });
});
