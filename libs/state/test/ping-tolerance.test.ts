// A task's own bot ping tolerance: what judges its bot's silence and moves its
// RUNNING backstop, the coordinator's --bot-ping-tolerance standing in when it has none.
import { describe, expect, it } from 'vitest';
import {
  botPingToleranceMs,
  judgeTasksOfSilentBot,
  propertiesHash,
  runningBackstopAtMs,
  taskPingToleranceMs,
  type Task,
} from '../src/index';
import { T0, pendingTask, properties, spec } from './fixtures';

const DEFAULT_MS = 60_000;

/** A task RUNNING since T0 on bot-1 whose only slice has `toleranceSecs` (none: undefined). */
function running(id: string, toleranceSecs?: number): Task {
  const props = properties(
    toleranceSecs === undefined ? {} : { botPingToleranceSecs: toleranceSecs },
  );
  return pendingTask(
    spec([{ properties: props, expirationSecs: 60, waitForCapacity: false, propertiesHash: id }]),
    { id, state: 'RUNNING', startedAtMs: T0, botId: 'bot-1', leaseId: `lease-${id}` },
  );
}

describe('taskPingToleranceMs', () => {
  it("is the task's own tolerance when it has one", () => {
    expect(taskPingToleranceMs(running('a', 30), DEFAULT_MS)).toBe(30_000);
    expect(taskPingToleranceMs(running('b', 300), DEFAULT_MS)).toBe(300_000);
  });

  it("is the coordinator's when the task has none", () => {
    expect(taskPingToleranceMs(running('a'), DEFAULT_MS)).toBe(DEFAULT_MS);
  });

  it('reads the current slice, not the first', () => {
    const task = running('a', 30);
    const second = {
      ...task.spec.slices[0]!,
      properties: properties({ botPingToleranceSecs: 600 }),
    };
    const moved = {
      ...task,
      spec: { ...task.spec, slices: [task.spec.slices[0]!, second] },
      currentSlice: 1,
    };
    expect(taskPingToleranceMs(moved, DEFAULT_MS)).toBe(600_000);
  });
});

describe('botPingToleranceMs', () => {
  it("is the coordinator's for an idle bot", () => {
    expect(botPingToleranceMs([], DEFAULT_MS)).toBe(DEFAULT_MS);
  });

  it("is its task's, shorter or longer than the coordinator's", () => {
    expect(botPingToleranceMs([running('a', 30)], DEFAULT_MS)).toBe(30_000);
    expect(botPingToleranceMs([running('a', 300)], DEFAULT_MS)).toBe(300_000);
  });

  it('is the smallest of several tasks (the default counting for one without its own)', () => {
    expect(botPingToleranceMs([running('a', 300), running('b')], DEFAULT_MS)).toBe(DEFAULT_MS);
  });
});

describe('judgeTasksOfSilentBot', () => {
  const short = running('short', 30);
  const plain = running('plain');
  const long = running('long', 300);

  it('after 30 s of silence ends only the task whose own tolerance is 30 s', () => {
    expect(judgeTasksOfSilentBot([short, plain, long], 30_000, DEFAULT_MS)).toEqual({
      died: [short],
      waiting: [plain, long],
    });
  });

  it('after 60 s ends the task on the default too, and the 300 s one survives', () => {
    expect(judgeTasksOfSilentBot([short, plain, long], 60_000, DEFAULT_MS)).toEqual({
      died: [short, plain],
      waiting: [long],
    });
  });

  it('after 300 s ends them all', () => {
    expect(judgeTasksOfSilentBot([short, plain, long], 300_000, DEFAULT_MS).waiting).toEqual([]);
  });
});

describe('runningBackstopAtMs with a task tolerance', () => {
  it("adds the task's own tolerance after execution timeout and grace", () => {
    expect(runningBackstopAtMs(running('a', 300), DEFAULT_MS)).toBe(T0 + (3600 + 30 + 300) * 1000);
    expect(runningBackstopAtMs(running('a', 30), DEFAULT_MS)).toBe(T0 + (3600 + 30 + 30) * 1000);
  });

  it("adds the coordinator's when the task has none", () => {
    expect(runningBackstopAtMs(running('a'), DEFAULT_MS)).toBe(T0 + (3600 + 30 + 60) * 1000);
  });
});

describe('propertiesHash and bot_ping_tolerance_secs', () => {
  it('keeps the hash of properties without a tolerance what it was', () => {
    expect(propertiesHash(properties())).toBe(
      '5e9a72e06122ee37022bfd1367e6d553473669371ebfbccdbf0dc705f30c84a5',
    );
  });

  it('tells none, one tolerance and another apart', () => {
    const hashes = new Set(
      [
        properties(),
        properties({ botPingToleranceSecs: 60 }),
        properties({ botPingToleranceSecs: 300 }),
      ].map(propertiesHash),
    );
    expect(hashes.size).toBe(3);
  });
});
