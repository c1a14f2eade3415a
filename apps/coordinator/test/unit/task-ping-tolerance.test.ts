// The watchdog with a task's own bot ping tolerance, on a fake clock: the bot's
// silence is judged by the tolerance of the task it runs (read at every check, as BotSession
// wires it through TaskEngine.pingToleranceOf), the coordinator's --bot-ping-tolerance when it
// runs none or its task has none.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoopStalls } from '../../src/stalls/loop-stalls';
import { SilenceWatch } from '../../src/stalls/silence-watch';

const DEFAULT_MS = 60_000;

/** A bot heard at the start, then silent; `toleranceMs` is what its task allows right now. */
function silentBot(initialToleranceMs: number) {
  const bot = { toleranceMs: initialToleranceMs, silentAfterMs: undefined as number | undefined };
  const startedAtMs = Date.now();
  const stalls = new LoopStalls({ clock: () => Date.now(), monotonic: () => Date.now() });
  const watch = new SilenceWatch({
    stalls,
    toleranceMs: () => bot.toleranceMs,
    lastHeardMs: () => startedAtMs,
    onSilent: () => {
      bot.silentAfterMs = Date.now() - startedAtMs;
    },
  });
  watch.start();
  return { bot, watch };
}

describe('SilenceWatch judging a bot by its task’s ping tolerance', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up a bot whose task allows 30 s after 30 s of silence, though the default is 60 s', () => {
    const { bot, watch } = silentBot(30_000);
    vi.advanceTimersByTime(29_999);
    expect(bot.silentAfterMs).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(bot.silentAfterMs).toBe(30_000);
    watch.stop();
  });

  it('keeps a bot whose task allows 300 s through 60 s of silence, and gives it up at 300 s', () => {
    const { bot, watch } = silentBot(300_000);
    vi.advanceTimersByTime(DEFAULT_MS);
    expect(bot.silentAfterMs).toBeUndefined();
    vi.advanceTimersByTime(239_999);
    expect(bot.silentAfterMs).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(bot.silentAfterMs).toBe(300_000);
    watch.stop();
  });

  it('judges an idle bot by the coordinator’s default', () => {
    const { bot, watch } = silentBot(DEFAULT_MS);
    vi.advanceTimersByTime(DEFAULT_MS);
    expect(bot.silentAfterMs).toBe(DEFAULT_MS);
    watch.stop();
  });

  it('a task given while armed on the default is judged by its shorter tolerance once re-armed', () => {
    const { bot, watch } = silentBot(DEFAULT_MS);
    vi.advanceTimersByTime(10_000);
    // The assignment (BotSession.send of an assign) brings a 30 s tolerance and re-arms.
    bot.toleranceMs = 30_000;
    watch.start();
    vi.advanceTimersByTime(19_999);
    expect(bot.silentAfterMs).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(bot.silentAfterMs).toBe(30_000);
    watch.stop();
  });

  it('a longer tolerance read at the default’s check lets the bot be silent on', () => {
    const { bot, watch } = silentBot(DEFAULT_MS);
    bot.toleranceMs = 300_000;
    vi.advanceTimersByTime(DEFAULT_MS);
    expect(bot.silentAfterMs).toBeUndefined();
    vi.advanceTimersByTime(240_000);
    expect(bot.silentAfterMs).toBe(300_000);
    watch.stop();
  });
});
