// A coordinator that welcomes the bot and then fails the stream at once, every time (its data dir
// is full, so what the bot sends cannot be stored): the Welcome must not reset the backoff, or
// the bot reconnects several times a second for as long as the disk stays full.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/index';
import { useSessionHarness } from './session-harness';
import { TestCoordinator, type TestStream } from './test-coordinator';

const h = useSessionHarness();
const BACKOFF = { initialMs: 20, maxMs: 5_000, holdingMaxMs: 5_000 };
const WINDOW_MS = 1_500;

/** How many reconnects fit in `windowMs` at the shortest delays the policy draws. */
function stepsWithin(windowMs: number): number {
  let atMs = 0;
  let steps = 0;
  for (let attempt = 0; ; attempt++) {
    atMs += backoffDelayMs({ attempt, holdingTask: false, random: () => 0 }, BACKOFF);
    if (atMs > windowMs) return steps;
    steps++;
  }
}

/** Streams opened in `windowMs` against a coordinator that welcomes, then fails with `status`. */
async function streamsAgainst(code: grpc.status, details: string): Promise<number> {
  h.coordinator.close();
  h.coordinator = await TestCoordinator.start((s: TestStream) => {
    void s.take('hello').then(() => {
      s.welcome();
      setTimeout(() => s.fail(code, details), 5);
    });
  });
  h.startSession({ backoff: BACKOFF });
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  return h.coordinator.streams.length;
}

describe('a Welcome followed by the same failure', () => {
  it('does not reset the backoff when the coordinator says RESOURCE_EXHAUSTED', async () => {
    const streams = await streamsAgainst(
      grpc.status.RESOURCE_EXHAUSTED,
      'coordinator data dir is full; back off',
    );
    // The first stream, then at most one per backoff step (a reset each time: about 75).
    expect(streams).toBeLessThanOrEqual(1 + stepsWithin(WINDOW_MS));
    expect(streams).toBeGreaterThanOrEqual(3);
  });

  it('does not reset it either when any status repeats soon after each Welcome', async () => {
    const streams = await streamsAgainst(grpc.status.UNAVAILABLE, 'store unavailable');
    // The first failure after a Welcome still resets it once.
    expect(streams).toBeLessThanOrEqual(2 + stepsWithin(WINDOW_MS));
  });
});
