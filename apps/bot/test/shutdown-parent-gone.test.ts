import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_CODES, SignalShutdown, type StopReason } from '../src/index';

/**
 * The parent process (`npm start`'s launcher) going away, in the signal policy alone; the
 * launcher test (apps/cli/test/launcher.test.ts) kills a real launcher.
 */

function standIn(running: string[]) {
  const calls: { reason: StopReason; killRunning: boolean }[] = [];
  let groupsKilled = 0;
  return {
    calls,
    groupsKilled: () => groupsKilled,
    session: {
      stop(o: { reason: StopReason; killRunning?: boolean }) {
        calls.push({ reason: o.reason, killRunning: o.killRunning === true });
        return o.killRunning === true ? running : [];
      },
      killGroupsNow() {
        groupsKilled += 1;
        return running;
      },
    },
  };
}

const log = pino({ level: 'silent' });
const stopped = { kind: 'stopped', reason: 'signal' } as const;

describe('signal shutdown when the parent is gone', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('kills the running task at once, as a second signal: the next signal is the third', () => {
    const s = standIn(['t1']);
    const codes: number[] = [];
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      parentGoneExitMs: 60_000,
      log,
      exitNow: (code) => codes.push(code),
    });
    shutdown.onParentGone();
    expect(s.calls).toEqual([{ reason: 'signal', killRunning: true }]);
    expect(shutdown.exitCode(stopped)).toBe(EXIT_CODES.taskKilled);
    shutdown.onSignal('SIGTERM');
    expect(s.groupsKilled()).toBe(1);
    expect(codes).toEqual([EXIT_CODES.exitedAtOnce]);
  });

  it('after a first signal (draining) stops draining and kills', () => {
    const s = standIn(['t1']);
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      parentGoneExitMs: 60_000,
      log,
      exitNow() {},
    });
    shutdown.onSignal('SIGINT');
    shutdown.onParentGone();
    shutdown.onParentGone();
    shutdown.dispose();
    expect(s.calls).toEqual([
      { reason: 'signal', killRunning: false },
      { reason: 'signal', killRunning: true },
    ]);
  });

  it('exits at once, SIGKILLing the task, when the bot is still there at the deadline', () => {
    vi.useFakeTimers();
    const s = standIn(['t1']);
    const codes: number[] = [];
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      parentGoneExitMs: 5_000,
      log,
      exitNow: (code) => codes.push(code),
    });
    shutdown.onParentGone();
    vi.advanceTimersByTime(4_999);
    expect(codes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.groupsKilled()).toBe(1);
    expect(codes).toEqual([EXIT_CODES.exitedAtOnce]);
  });

  it('does not exit at the deadline once the session ended (disposed)', () => {
    vi.useFakeTimers();
    const s = standIn([]);
    const codes: number[] = [];
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      parentGoneExitMs: 5_000,
      log,
      exitNow: (code) => codes.push(code),
    });
    shutdown.onParentGone();
    shutdown.dispose();
    vi.advanceTimersByTime(60_000);
    expect(codes).toEqual([]);
    expect(shutdown.exitCode(stopped)).toBe(EXIT_CODES.ok);
  });
});
