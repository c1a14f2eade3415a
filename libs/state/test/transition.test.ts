// The task state machine (DESIGN.md §2) as one table: every (state, event) pair, illegal ones
// included. Each row states the resulting task (as changes to the input) or the refusal, and the
// effects the shell must run.
import { describe, expect, it } from 'vitest';
import {
  TASK_STATE_VALUES,
  transition,
  type Refusal,
  type StoredTaskState,
  type Task,
  type TaskEffect,
  type TaskEvent,
  type TaskEventType,
  type TaskSpec,
} from '../src/index';
import { T0, deepFreeze, pendingTask, properties, slice, spec } from './fixtures';

/** The fixed clock for every event but `expire` (which brings its own reading). */
const NOW = T0 + 30_000;
const STARTED_AT = T0 + 5_000;
const KILL_ASKED_AT = T0 + 20_000;
const BOT = 'bot-1';
const LEASE = 'lease-1';
const STALE_LEASE = 'lease-0';
const BOT_DIMENSIONS = [
  { key: 'os', values: ['Linux', 'Linux-Debian'] },
  { key: 'pool', values: ['ci'] },
];

/** Three slices of 60 s each, none waiting for capacity: deadlines at T0 + 60/120/180 s. */
const SPEC = spec([slice(60), slice(60), slice(60)]);
const DEADLINE_0 = T0 + 60_000;
const DEADLINE_1 = T0 + 120_000;
const DEADLINE_2 = T0 + 180_000;

interface RunningVariant {
  readonly killRequested: boolean;
  readonly processStarted: boolean;
}

interface StateFixture {
  readonly name: string;
  readonly build: (taskSpec: TaskSpec) => Task;
  /** Set for the RUNNING fixtures. */
  readonly running?: RunningVariant;
}

function runningTask(taskSpec: TaskSpec, variant: RunningVariant): Task {
  return pendingTask(taskSpec, {
    state: 'RUNNING',
    botId: BOT,
    botDimensions: BOT_DIMENSIONS,
    leaseId: LEASE,
    startedAtMs: STARTED_AT,
    modifiedAtMs: variant.killRequested ? KILL_ASKED_AT : STARTED_AT,
    killRequestedAtMs: variant.killRequested ? KILL_ASKED_AT : null,
    processStarted: variant.processStarted,
  });
}

const RUNNING_VARIANTS: readonly RunningVariant[] = [
  { killRequested: false, processStarted: false },
  { killRequested: false, processStarted: true },
  { killRequested: true, processStarted: false },
  { killRequested: true, processStarted: true },
];

const FINAL_STATES = [
  'EXPIRED',
  'TIMED_OUT',
  'BOT_DIED',
  'CANCELED',
  'COMPLETED',
  'KILLED',
  'NO_RESOURCE',
  'CLIENT_ERROR',
] as const satisfies readonly StoredTaskState[];

/** A task that reached `state`; it still carries the lease, so only finality can refuse. */
function finalTask(taskSpec: TaskSpec, state: StoredTaskState): Task {
  const ran = state !== 'EXPIRED' && state !== 'NO_RESOURCE';
  return pendingTask(taskSpec, {
    state,
    modifiedAtMs: T0 + 25_000,
    ...(ran
      ? { botId: BOT, botDimensions: BOT_DIMENSIONS, leaseId: LEASE, startedAtMs: STARTED_AT }
      : {}),
    completedAtMs: ['TIMED_OUT', 'COMPLETED', 'KILLED', 'CLIENT_ERROR'].includes(state)
      ? T0 + 25_000
      : null,
    abandonedAtMs: ['EXPIRED', 'BOT_DIED', 'CANCELED', 'NO_RESOURCE', 'KILLED'].includes(state)
      ? T0 + 25_000
      : null,
  });
}

const STATES: readonly StateFixture[] = [
  { name: 'PENDING', build: (s) => pendingTask(s) },
  ...RUNNING_VARIANTS.map((running) => ({
    name: `RUNNING (${running.killRequested ? 'kill requested' : 'no kill requested'}, process ${
      running.processStarted ? 'started' : 'not started'
    })`,
    build: (s: TaskSpec) => runningTask(s, running),
    running,
  })),
  ...FINAL_STATES.map((state) => ({ name: state, build: (s: TaskSpec) => finalTask(s, state) })),
];

type Expectation =
  | { readonly refused: Refusal }
  | { readonly changes: Partial<Task>; readonly effects: readonly TaskEffect[] };

interface EventCase {
  readonly name: string;
  readonly event: TaskEvent;
  /** The clock reading for this case; NOW unless given. */
  readonly nowMs?: number;
  /** The spec of the task; SPEC unless given. */
  readonly taskSpec?: TaskSpec;
  readonly pending: Expectation;
  readonly running: (variant: RunningVariant) => Expectation;
}

const releaseAndNotify: readonly TaskEffect[] = [
  { type: 'release-bot', botId: BOT },
  { type: 'notify' },
];

function finishEvent(
  overrides: Partial<Extract<TaskEvent, { type: 'finish' }>>,
): Extract<TaskEvent, { type: 'finish' }> {
  return {
    type: 'finish',
    leaseId: LEASE,
    exitCode: 0,
    durationSecs: 12.5,
    timedOut: 'none',
    killed: false,
    canceled: false,
    clientError: '',
    ...overrides,
  };
}

/** The finish reports a bot can send, each applied under the current lease. */
const FINISH_CASES: readonly {
  readonly name: string;
  readonly event: Extract<TaskEvent, { type: 'finish' }>;
  readonly running: (variant: RunningVariant) => Expectation;
}[] = [
  {
    name: 'a finish with exit code 0',
    event: finishEvent({ exitCode: 0 }),
    running: () => ({
      changes: {
        state: 'COMPLETED',
        exitCode: 0,
        durationSecs: 12.5,
        completedAtMs: NOW,
        modifiedAtMs: NOW,
        failure: false,
        summary: '',
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish with exit code 3',
    event: finishEvent({ exitCode: 3 }),
    running: () => ({
      changes: {
        state: 'COMPLETED',
        exitCode: 3,
        durationSecs: 12.5,
        completedAtMs: NOW,
        modifiedAtMs: NOW,
        failure: true,
        summary: '',
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish after the execution timeout',
    event: finishEvent({ exitCode: -9, durationSecs: 3630, timedOut: 'hard' }),
    running: () => ({
      changes: {
        state: 'TIMED_OUT',
        exitCode: -9,
        durationSecs: 3630,
        completedAtMs: NOW,
        modifiedAtMs: NOW,
        failure: true,
        summary: expect.stringContaining('3600') as string,
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish after the io timeout',
    event: finishEvent({ exitCode: -15, durationSecs: 1300, timedOut: 'io' }),
    running: () => ({
      changes: {
        state: 'TIMED_OUT',
        exitCode: -15,
        durationSecs: 1300,
        completedAtMs: NOW,
        modifiedAtMs: NOW,
        failure: true,
        summary: expect.stringContaining('1200') as string,
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish of a killed process',
    event: finishEvent({ exitCode: -15, durationSecs: 21, killed: true }),
    running: (v) => ({
      changes: {
        state: 'KILLED',
        exitCode: -15,
        durationSecs: 21,
        completedAtMs: NOW,
        // For KILLED, abandoned_ts is the time the kill was asked (DESIGN.md §2).
        abandonedAtMs: v.killRequested ? KILL_ASKED_AT : NOW,
        modifiedAtMs: NOW,
        // failure = exit_code ≠ 0 (DESIGN.md §2, "Result").
        failure: true,
        summary: expect.any(String) as string,
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish cancelled before the process started',
    event: finishEvent({ exitCode: null, durationSecs: 0, canceled: true }),
    running: (v) => ({
      changes: {
        state: 'CANCELED',
        exitCode: null,
        durationSecs: null,
        abandonedAtMs: v.killRequested ? KILL_ASKED_AT : NOW,
        modifiedAtMs: NOW,
        summary: expect.any(String) as string,
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a finish with a client error',
    event: finishEvent({ exitCode: null, durationSecs: 0, clientError: 'relative_cwd not found' }),
    running: () => ({
      changes: {
        state: 'CLIENT_ERROR',
        exitCode: null,
        durationSecs: 0,
        completedAtMs: NOW,
        modifiedAtMs: NOW,
        summary: 'relative_cwd not found',
      },
      effects: releaseAndNotify,
    }),
  },
];

const notRunning: Expectation = { refused: 'not-running' };
const notPending: Expectation = { refused: 'not-pending' };
const staleLease: Expectation = { refused: 'stale-lease' };

const cancelPending: Expectation = {
  changes: {
    state: 'CANCELED',
    abandonedAtMs: NOW,
    modifiedAtMs: NOW,
    summary: expect.any(String) as string,
  },
  effects: [{ type: 'dequeue' }, { type: 'notify' }],
};

function movedToSlice(slice: number, nowMs: number, deadlineAtMs: number): Expectation {
  return {
    changes: { currentSlice: slice, modifiedAtMs: nowMs },
    effects: [
      { type: 'dequeue' },
      { type: 'enqueue', slice },
      { type: 'schedule-expiry', atMs: deadlineAtMs },
      { type: 'notify' },
    ],
  };
}

function expired(nowMs: number): Expectation {
  return {
    changes: {
      state: 'EXPIRED',
      abandonedAtMs: nowMs,
      modifiedAtMs: nowMs,
      summary: expect.any(String) as string,
    },
    effects: [{ type: 'dequeue' }, { type: 'notify' }],
  };
}

const EVENTS: readonly EventCase[] = [
  {
    name: 'a dispatch to a bot',
    event: {
      type: 'dispatch',
      botId: 'bot-2',
      botDimensions: [
        { key: 'os', values: ['Linux'] },
        { key: 'pool', values: ['ci'] },
      ],
      leaseId: 'lease-2',
    },
    pending: {
      changes: {
        state: 'RUNNING',
        botId: 'bot-2',
        botDimensions: [
          { key: 'os', values: ['Linux'] },
          { key: 'pool', values: ['ci'] },
        ],
        leaseId: 'lease-2',
        startedAtMs: NOW,
        modifiedAtMs: NOW,
        summary: '',
      },
      effects: [
        { type: 'dequeue' },
        { type: 'assign', botId: 'bot-2', leaseId: 'lease-2' },
        { type: 'notify' },
      ],
    },
    running: () => notPending,
  },
  {
    name: 'a process-started report',
    event: { type: 'process-started', leaseId: LEASE },
    pending: notRunning,
    running: (v) =>
      v.processStarted
        ? { changes: {}, effects: [] }
        : { changes: { processStarted: true, modifiedAtMs: NOW }, effects: [] },
  },
  {
    name: 'a process-started report carrying a stale lease',
    event: { type: 'process-started', leaseId: STALE_LEASE },
    pending: notRunning,
    running: () => staleLease,
  },
  ...FINISH_CASES.map((c) => ({
    name: c.name,
    event: c.event,
    pending: notRunning,
    running: c.running,
  })),
  ...FINISH_CASES.map((c) => ({
    name: `${c.name} carrying a stale lease`,
    event: { ...c.event, leaseId: STALE_LEASE },
    pending: notRunning,
    running: () => staleLease,
  })),
  {
    name: 'a cancel without kill_running',
    event: { type: 'cancel', killRunning: false },
    pending: cancelPending,
    running: () => ({ refused: 'running-needs-kill' }),
  },
  {
    name: 'a cancel with kill_running',
    event: { type: 'cancel', killRunning: true },
    pending: cancelPending,
    running: (v) => ({
      // A second cancel keeps the time of the first request and asks the bot again.
      changes: { killRequestedAtMs: v.killRequested ? KILL_ASKED_AT : NOW, modifiedAtMs: NOW },
      effects: [
        { type: 'kill', botId: BOT, leaseId: LEASE, reason: expect.any(String) as string },
        { type: 'notify' },
      ],
    }),
  },
  {
    name: 'an expiry 1 ms before the slice deadline',
    event: { type: 'expire', capacity: [true, true, true] },
    nowMs: DEADLINE_0 - 1,
    pending: { refused: 'not-due' },
    running: () => notPending,
  },
  {
    name: 'an expiry at the slice deadline while the next slice has capacity',
    event: { type: 'expire', capacity: [false, true, false] },
    nowMs: DEADLINE_0,
    pending: movedToSlice(1, DEADLINE_0, DEADLINE_1),
    running: () => notPending,
  },
  {
    name: 'an expiry while the next slice has no capacity and a later one waits for capacity',
    event: { type: 'expire', capacity: [false, false, false] },
    nowMs: DEADLINE_0 + 1_000,
    taskSpec: spec([slice(60), slice(60), slice(60, true)]),
    pending: movedToSlice(2, DEADLINE_0 + 1_000, DEADLINE_2),
    running: () => notPending,
  },
  {
    name: 'an expiry while the next slice waits for capacity',
    event: { type: 'expire', capacity: [false, false, true] },
    nowMs: DEADLINE_0 + 1_000,
    taskSpec: spec([slice(60), slice(60, true), slice(60)]),
    pending: movedToSlice(1, DEADLINE_0 + 1_000, DEADLINE_1),
    running: () => notPending,
  },
  {
    name: 'an expiry while no later slice has capacity',
    event: { type: 'expire', capacity: [true, false, false] },
    nowMs: DEADLINE_0 + 1_000,
    pending: expired(DEADLINE_0 + 1_000),
    running: () => notPending,
  },
  {
    name: 'an expiry of the only slice',
    event: { type: 'expire', capacity: [true] },
    nowMs: DEADLINE_0,
    taskSpec: spec([slice(60)]),
    pending: expired(DEADLINE_0),
    running: () => notPending,
  },
  {
    name: 'a late expiry when the later slice with capacity is past its deadline too',
    event: { type: 'expire', capacity: [false, true, false] },
    nowMs: DEADLINE_1 + 1,
    pending: expired(DEADLINE_1 + 1),
    running: () => notPending,
  },
  {
    name: 'a late expiry when the waiting later slice is exactly at its deadline',
    event: { type: 'expire', capacity: [false, false, false] },
    nowMs: DEADLINE_1,
    taskSpec: spec([slice(60), slice(60, true), slice(60)]),
    pending: expired(DEADLINE_1),
    running: () => notPending,
  },
  {
    name: 'a late expiry that skips a passed slice for a live one with capacity',
    event: { type: 'expire', capacity: [false, true, true] },
    nowMs: DEADLINE_1 + 1,
    pending: movedToSlice(2, DEADLINE_1 + 1, DEADLINE_2),
    running: () => notPending,
  },
  {
    name: 'a bot-died report',
    event: { type: 'bot-died', leaseId: LEASE, reason: 'bot silent for 60s' },
    pending: notRunning,
    running: () => ({
      changes: {
        state: 'BOT_DIED',
        internalFailure: true,
        abandonedAtMs: NOW,
        modifiedAtMs: NOW,
        summary: 'bot silent for 60s',
      },
      effects: releaseAndNotify,
    }),
  },
  {
    name: 'a bot-died report carrying a stale lease',
    event: { type: 'bot-died', leaseId: STALE_LEASE, reason: 'bot silent for 60s' },
    pending: notRunning,
    running: () => staleLease,
  },
];

function expectationFor(state: StateFixture, c: EventCase): Expectation {
  if (state.running !== undefined) return c.running(state.running);
  if (state.name === 'PENDING') return c.pending;
  return { refused: 'final' };
}

function title(c: EventCase, e: Expectation): string {
  if ('refused' in e) return `refuses ${c.name} (${e.refused})`;
  if (e.changes.state !== undefined) return `becomes ${e.changes.state} on ${c.name}`;
  if (e.changes.currentSlice !== undefined) {
    return `waits in slice ${e.changes.currentSlice} on ${c.name}`;
  }
  if (e.changes.killRequestedAtMs !== undefined) return `asks the bot to kill on ${c.name}`;
  if (e.changes.processStarted === true) return `records that the process started on ${c.name}`;
  return `changes nothing on ${c.name}`;
}

describe('transition', () => {
  for (const state of STATES) {
    describe(`from ${state.name}`, () => {
      for (const c of EVENTS) {
        const expectation = expectationFor(state, c);
        it(title(c, expectation), () => {
          const input = deepFreeze(state.build(c.taskSpec ?? SPEC));
          const outcome = transition(input, c.event, c.nowMs ?? NOW);
          if ('refused' in expectation) {
            expect(outcome).toEqual({ refused: expectation.refused });
            return;
          }
          // A successor that changes anything is the next revision; an unchanged one is not.
          const changed = Object.keys(expectation.changes).length > 0;
          expect(outcome).toEqual({
            task: {
              ...input,
              ...expectation.changes,
              revision: input.revision + (changed ? 1 : 0),
            },
            effects: expectation.effects,
          });
        });
      }
    });
  }

  it('covers every stored state and every event type', () => {
    const stored = Object.keys(TASK_STATE_VALUES).filter((s) => s !== 'INVALID');
    const covered = new Set(STATES.map((s) => s.build(SPEC).state));
    expect([...covered].sort()).toEqual([...stored].sort());
    const eventTypes: readonly TaskEventType[] = [
      'dispatch',
      'process-started',
      'finish',
      'cancel',
      'expire',
      'bot-died',
    ];
    expect(new Set(EVENTS.map((c) => c.event.type))).toEqual(new Set(eventTypes));
  });

  it("refuses to dispatch a bot that does not match the task's current slice", () => {
    // The dispatcher matched the bot against slice 0; the task has moved to slice 1 (gpu).
    const twoSlices = spec([
      slice(60),
      {
        ...slice(60),
        properties: properties({
          dimensions: [
            { key: 'pool', value: 'ci' },
            { key: 'gpu', value: 'yes' },
          ],
        }),
        propertiesHash: 'gpu',
      },
    ]);
    const task = { ...pendingTask(twoSlices), currentSlice: 1 };
    const event = {
      type: 'dispatch' as const,
      botId: 'b',
      botDimensions: BOT_DIMENSIONS,
      leaseId: 'l',
    };
    expect(transition(task, event, NOW)).toEqual({ refused: 'dimensions-mismatch' });
    expect(transition({ ...task, currentSlice: 0 }, event, NOW)).toMatchObject({
      task: { state: 'RUNNING', botId: 'b' },
    });
  });

  it('refuses a result carrying a stale lease', () => {
    const running = runningTask(SPEC, { killRequested: false, processStarted: true });
    const outcome = transition(running, finishEvent({ leaseId: STALE_LEASE }), NOW);
    expect(outcome).toEqual({ refused: 'stale-lease' });
  });

  it('records what fetching the inputs cost with any final state the finish makes', () => {
    const running = runningTask(SPEC, { killRequested: false, processStarted: true });
    const inputsFetch = { durationSecs: 2.5, bytes: 1024 };
    for (const event of [
      finishEvent({ inputsFetch }),
      finishEvent({ inputsFetch, exitCode: 1 }),
      finishEvent({ inputsFetch, exitCode: null, clientError: 'blob ab…/3 not found' }),
    ]) {
      const outcome = transition(running, event, NOW);
      if ('refused' in outcome) throw new Error(outcome.refused);
      expect(outcome.task.inputsFetch).toEqual(inputsFetch);
    }
    const plain = transition(running, finishEvent({}), NOW);
    expect('task' in plain && plain.task).not.toHaveProperty('inputsFetch');
  });

  it('refuses every event on a final task, even one carrying the current lease', () => {
    for (const state of FINAL_STATES) {
      const task = finalTask(SPEC, state);
      for (const c of EVENTS) {
        expect(transition(task, c.event, c.nowMs ?? NOW)).toEqual({ refused: 'final' });
      }
    }
  });

  it('marks a killed task abandoned when the kill was asked and completed when the bot reported', () => {
    let task: Task = pendingTask(SPEC);
    const step = (event: TaskEvent, nowMs: number): void => {
      const outcome = transition(task, event, nowMs);
      if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
      task = outcome.task;
    };
    step(
      { type: 'dispatch', botId: BOT, botDimensions: BOT_DIMENSIONS, leaseId: LEASE },
      T0 + 1_000,
    );
    step({ type: 'process-started', leaseId: LEASE }, T0 + 2_000);
    step({ type: 'cancel', killRunning: true }, T0 + 3_000);
    step({ type: 'cancel', killRunning: true }, T0 + 4_000);
    step(finishEvent({ exitCode: -15, killed: true }), T0 + 5_000);
    expect(task).toMatchObject({
      state: 'KILLED',
      startedAtMs: T0 + 1_000,
      killRequestedAtMs: T0 + 3_000,
      abandonedAtMs: T0 + 3_000,
      completedAtMs: T0 + 5_000,
      modifiedAtMs: T0 + 5_000,
    });
  });

  it('keeps who cancelled a pending task, and the first to ask to kill a running one', () => {
    const pending = transition(
      pendingTask(SPEC),
      { type: 'cancel', killRunning: false, by: 'alice' },
      NOW,
    );
    expect(pending).toMatchObject({ task: { state: 'CANCELED', canceledBy: 'alice' } });
    const bySystem = transition(pendingTask(SPEC), { type: 'cancel', killRunning: false }, NOW);
    expect('task' in bySystem && 'canceledBy' in bySystem.task).toBe(false);

    let task: Task = pendingTask(SPEC);
    const step = (event: TaskEvent, nowMs: number): void => {
      const outcome = transition(task, event, nowMs);
      if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
      task = outcome.task;
    };
    step(
      { type: 'dispatch', botId: BOT, botDimensions: BOT_DIMENSIONS, leaseId: LEASE },
      T0 + 1_000,
    );
    // Refused (kill_running needed): nobody has cancelled it yet.
    expect(
      transition(task, { type: 'cancel', killRunning: false, by: 'carol' }, T0 + 2_000),
    ).toEqual({ refused: 'running-needs-kill' });
    step({ type: 'cancel', killRunning: true, by: 'bob' }, T0 + 3_000);
    expect(task.canceledBy).toBe('bob');
    step({ type: 'cancel', killRunning: true, by: 'alice' }, T0 + 4_000);
    step(finishEvent({ exitCode: -15, killed: true }), T0 + 5_000);
    expect(task).toMatchObject({ state: 'KILLED', canceledBy: 'bob' });
  });

  it('moves a task through every slice and expires it after the last deadline', () => {
    let task: Task = pendingTask(SPEC);
    const deadlines: number[] = [];
    for (const nowMs of [DEADLINE_0, DEADLINE_1, DEADLINE_2]) {
      const outcome = transition(task, { type: 'expire', capacity: [true, true, true] }, nowMs);
      if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
      task = outcome.task;
      for (const effect of outcome.effects) {
        if (effect.type === 'schedule-expiry') deadlines.push(effect.atMs);
      }
    }
    expect(deadlines).toEqual([DEADLINE_1, DEADLINE_2]);
    expect(task).toMatchObject({ state: 'EXPIRED', currentSlice: 2, abandonedAtMs: DEADLINE_2 });
  });
});
