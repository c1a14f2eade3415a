import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, SignalShutdown, stepForSignal, type StopReason } from '../src/index';
import { until } from './helpers';

/**
 * The signal policy alone; bot-process-signals.test.ts runs it in a real bot. The session here
 * is a stand-in that records what it was asked and says which tasks a kill reached.
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

describe('signal shutdown', () => {
  it.each([
    [1, 'drain'],
    [2, 'kill'],
    [3, 'exit-now'],
    [4, 'exit-now'],
  ] as const)('signal #%i → %s', (n, step) => {
    expect(stepForSignal(n)).toBe(step);
  });

  it('drains, then kills at the drain limit: exit 4 when a task was killed', async () => {
    const s = standIn(['t1']);
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 0,
      log,
      exitNow() {},
    });
    shutdown.onSignal('SIGTERM');
    expect(s.calls).toEqual([{ reason: 'signal', killRunning: false }]);
    await until('the drain limit', () => s.calls.length === 2);
    expect(s.calls[1]).toEqual({ reason: 'signal', killRunning: true });
    expect(shutdown.exitCode(stopped)).toBe(EXIT_CODES.taskKilled);
  });

  it('exits 0 when nothing was left to kill, 3 when the coordinator refused the bot', () => {
    const s = standIn([]);
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      log,
      exitNow() {},
    });
    shutdown.onSignal('SIGTERM');
    shutdown.onSignal('SIGTERM');
    shutdown.dispose();
    expect(shutdown.exitCode(stopped)).toBe(EXIT_CODES.ok);
    expect(
      shutdown.exitCode({ kind: 'fatal', code: grpc.status.UNAUTHENTICATED, details: 'no' }),
    ).toBe(EXIT_CODES.refused);
  });

  it('on a third signal kills the groups and exits 5 at once', () => {
    const s = standIn(['t1']);
    const codes: number[] = [];
    const shutdown = new SignalShutdown({
      session: s.session,
      drainTimeoutMs: 60_000,
      log,
      exitNow: (code) => codes.push(code),
    });
    for (let i = 0; i < 3; i++) shutdown.onSignal('SIGINT');
    expect(s.groupsKilled()).toBe(1);
    expect(codes).toEqual([EXIT_CODES.exitedAtOnce]);
  });
});
