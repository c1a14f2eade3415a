// The execution state machine (DESIGN.md §5) as one table: every (state, event) pair, illegal
// ones included. Each row gives the resulting execution (as changes to the input), the refusal
// (a caller's request that does not apply) or the ignored reason (a late or duplicate system
// event), and the effects the shell must run.
import { describe, expect, it } from 'vitest';
import {
  EXECUTION_STATE_VALUES,
  hashToken,
  transitionExecution,
  type AbnormalFinish,
  type Execution,
  type ExecutionEvent,
  type ExecutionEventType,
  type GraphEffect,
  type GraphIgnored,
  type GraphRefusal,
  type TaskOutcome,
} from '../../src/index';
import {
  ACTIVATION_TOKEN,
  ATTEMPT_ID,
  EXECUTION_TOKEN,
  OTHER_TOKEN,
  T0,
  deepFreeze,
  execution,
  result,
} from './graph-fixtures';

const NOW = T0 + 60_000;
const ACTIVATED_AT = T0 + 10_000;
const STOPPING_AT = T0 + 50_000;
const ENDED_AT = T0 + 55_000;
const EXEC_ID = { ...ATTEMPT_ID, execution: 1 };
const RESULT = result('{"answer":42}');
const OTHER_RESULT = result('{"answer":43}');

const FIXTURES = {
  SCHEDULING: execution(),
  'SCHEDULING (no task yet)': execution({ taskId: null }),
  RUNNING: execution({
    state: 'RUNNING',
    executionTokenHash: hashToken(EXECUTION_TOKEN),
    activatedAtMs: ACTIVATED_AT,
    modifiedAtMs: ACTIVATED_AT,
    deadlineAtMs: ACTIVATED_AT + 3_600_000,
  }),
  'STOPPING (FinishAttempt)': execution({
    state: 'STOPPING',
    executionTokenHash: hashToken(EXECUTION_TOKEN),
    activatedAtMs: ACTIVATED_AT,
    stoppingAtMs: STOPPING_AT,
    modifiedAtMs: STOPPING_AT,
    deadlineAtMs: STOPPING_AT + 30_000,
    pendingResult: RESULT,
  }),
  'STOPPING (halted)': execution({
    state: 'STOPPING',
    executionTokenHash: hashToken(EXECUTION_TOKEN),
    activatedAtMs: ACTIVATED_AT,
    stoppingAtMs: STOPPING_AT,
    modifiedAtMs: STOPPING_AT,
    deadlineAtMs: STOPPING_AT + 30_000,
    shouldHalt: true,
  }),
  FINISHED: execution({
    state: 'FINISHED',
    executionTokenHash: hashToken(EXECUTION_TOKEN),
    activatedAtMs: ACTIVATED_AT,
    stoppingAtMs: STOPPING_AT,
    endedAtMs: ENDED_AT,
    modifiedAtMs: ENDED_AT,
    deadlineAtMs: null,
    pendingResult: RESULT,
  }),
  ABNORMAL_FINISHED: execution({
    state: 'ABNORMAL_FINISHED',
    executionTokenHash: hashToken(EXECUTION_TOKEN),
    activatedAtMs: ACTIVATED_AT,
    endedAtMs: ENDED_AT,
    modifiedAtMs: ENDED_AT,
    deadlineAtMs: null,
    abnormalFinish: { status: 'CRASHED', reason: 'the bot running the task died' },
  }),
} as const satisfies Record<string, Execution>;

type FixtureName = keyof typeof FIXTURES;

type Expectation =
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored }
  | { readonly changes: Partial<Execution>; readonly effects: readonly GraphEffect[] };

interface EventCase {
  readonly name: string;
  readonly event: ExecutionEvent;
  /** The clock reading for a fixture; NOW unless given. */
  readonly nowMs?: (e: Execution) => number;
  readonly expect: Readonly<Record<FixtureName, Expectation>>;
}

const notify: GraphEffect = { type: 'notify', attempt: ATTEMPT_ID };
const unchanged: Expectation = { changes: {}, effects: [] };
const refused = (r: GraphRefusal): Expectation => ({ refused: r });
const ignored = (r: GraphIgnored): Expectation => ({ ignored: r });

/** The same expectation for the two final fixtures. */
function finals(
  e: Expectation,
): Pick<Record<FixtureName, Expectation>, 'FINISHED' | 'ABNORMAL_FINISHED'> {
  return { FINISHED: e, ABNORMAL_FINISHED: e };
}

function abnormal(
  abnormalFinish: AbnormalFinish,
  nowMs: number,
  kill: string | null,
  taskId: string | null = 'task-1',
): Expectation {
  return {
    changes: {
      state: 'ABNORMAL_FINISHED',
      abnormalFinish,
      deadlineAtMs: null,
      endedAtMs: nowMs,
      modifiedAtMs: nowMs,
    },
    effects: [
      ...(kill !== null && taskId !== null
        ? [{ type: 'kill-task', taskId, reason: kill } as const]
        : []),
      notify,
    ],
  };
}

const STOPPED = (changes: Partial<Execution>): Expectation => ({
  changes: {
    state: 'STOPPING',
    stoppingAtMs: NOW,
    deadlineAtMs: NOW + 30_000,
    modifiedAtMs: NOW,
    ...changes,
  },
  effects: [{ type: 'schedule-deadline', execution: EXEC_ID, atMs: NOW + 30_000 }, notify],
});

const FINISHED_NOW: Expectation = {
  changes: { state: 'FINISHED', deadlineAtMs: null, endedAtMs: NOW, modifiedAtMs: NOW },
  effects: [notify],
};

/** Task outcomes and the abnormal finish they give an execution not stopping (and stopping). */
const TASK_OUTCOMES: readonly {
  readonly outcome: TaskOutcome;
  readonly abnormal: AbnormalFinish['status'];
  /** COMPLETED after FinishAttempt or a halt finishes the execution instead. */
  readonly finishesWhenStopping: boolean;
}[] = [
  { outcome: { state: 'COMPLETED', exitCode: 0 }, abnormal: 'FAILED', finishesWhenStopping: true },
  { outcome: { state: 'COMPLETED', exitCode: 1 }, abnormal: 'FAILED', finishesWhenStopping: true },
  {
    outcome: { state: 'BOT_DIED', exitCode: null },
    abnormal: 'CRASHED',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'EXPIRED', exitCode: null },
    abnormal: 'EXPIRED',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'TIMED_OUT', exitCode: -9 },
    abnormal: 'TIMED_OUT',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'CANCELED', exitCode: null },
    abnormal: 'CANCELLED',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'KILLED', exitCode: -15 },
    abnormal: 'CANCELLED',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'NO_RESOURCE', exitCode: null },
    abnormal: 'REJECTED',
    finishesWhenStopping: false,
  },
  {
    outcome: { state: 'CLIENT_ERROR', exitCode: null },
    abnormal: 'REJECTED',
    finishesWhenStopping: false,
  },
  { outcome: { state: 'unknown-task' }, abnormal: 'MISSING', finishesWhenStopping: false },
];

function taskEnded(outcome: TaskOutcome): string {
  if (outcome.state === 'unknown-task') return 'a task the task system does not know';
  return `a task ending ${outcome.state}${outcome.state === 'COMPLETED' ? ` exit ${outcome.exitCode}` : ''}`;
}

const endedAbnormally = (status: AbnormalFinish['status'], taskId: string | null = 'task-1') =>
  abnormal({ status, reason: expect.any(String) as string }, NOW, null, taskId);

const EVENTS: readonly EventCase[] = [
  {
    name: 'task-created for the recorded task',
    event: { type: 'task-created', taskId: 'task-1' },
    expect: {
      SCHEDULING: unchanged,
      'SCHEDULING (no task yet)': { changes: { taskId: 'task-1', modifiedAtMs: NOW }, effects: [] },
      RUNNING: unchanged,
      'STOPPING (FinishAttempt)': unchanged,
      'STOPPING (halted)': unchanged,
      ...finals(ignored('final')),
    },
  },
  {
    name: 'task-created for another task',
    event: { type: 'task-created', taskId: 'task-2' },
    expect: {
      SCHEDULING: refused('task-mismatch'),
      'SCHEDULING (no task yet)': { changes: { taskId: 'task-2', modifiedAtMs: NOW }, effects: [] },
      RUNNING: refused('task-mismatch'),
      'STOPPING (FinishAttempt)': refused('task-mismatch'),
      'STOPPING (halted)': refused('task-mismatch'),
      ...finals(ignored('final')),
    },
  },
  {
    name: 'an activation with the right tokens',
    event: { type: 'activate', activationToken: ACTIVATION_TOKEN, executionToken: EXECUTION_TOKEN },
    expect: {
      SCHEDULING: {
        changes: {
          state: 'RUNNING',
          executionTokenHash: hashToken(EXECUTION_TOKEN),
          activatedAtMs: NOW,
          deadlineAtMs: NOW + 3_600_000,
          modifiedAtMs: NOW,
        },
        effects: [{ type: 'schedule-deadline', execution: EXEC_ID, atMs: NOW + 3_600_000 }, notify],
      },
      'SCHEDULING (no task yet)': {
        changes: {
          state: 'RUNNING',
          executionTokenHash: hashToken(EXECUTION_TOKEN),
          activatedAtMs: NOW,
          deadlineAtMs: NOW + 3_600_000,
          modifiedAtMs: NOW,
        },
        effects: [{ type: 'schedule-deadline', execution: EXEC_ID, atMs: NOW + 3_600_000 }, notify],
      },
      // Idempotent for the same token.
      RUNNING: unchanged,
      'STOPPING (FinishAttempt)': unchanged,
      'STOPPING (halted)': unchanged,
      ...finals(refused('final')),
    },
  },
  {
    name: 'an activation with a wrong activation token',
    event: { type: 'activate', activationToken: OTHER_TOKEN, executionToken: EXECUTION_TOKEN },
    expect: {
      SCHEDULING: refused('bad-token'),
      'SCHEDULING (no task yet)': refused('bad-token'),
      RUNNING: refused('bad-token'),
      'STOPPING (FinishAttempt)': refused('bad-token'),
      'STOPPING (halted)': refused('bad-token'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'an activation with another execution token',
    event: { type: 'activate', activationToken: ACTIVATION_TOKEN, executionToken: OTHER_TOKEN },
    expect: {
      SCHEDULING: {
        changes: {
          state: 'RUNNING',
          executionTokenHash: hashToken(OTHER_TOKEN),
          activatedAtMs: NOW,
          deadlineAtMs: NOW + 3_600_000,
          modifiedAtMs: NOW,
        },
        effects: [{ type: 'schedule-deadline', execution: EXEC_ID, atMs: NOW + 3_600_000 }, notify],
      },
      'SCHEDULING (no task yet)': {
        changes: {
          state: 'RUNNING',
          executionTokenHash: hashToken(OTHER_TOKEN),
          activatedAtMs: NOW,
          deadlineAtMs: NOW + 3_600_000,
          modifiedAtMs: NOW,
        },
        effects: [{ type: 'schedule-deadline', execution: EXEC_ID, atMs: NOW + 3_600_000 }, notify],
      },
      // Anyone else is refused.
      RUNNING: refused('already-activated'),
      'STOPPING (FinishAttempt)': refused('already-activated'),
      'STOPPING (halted)': refused('already-activated'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'an activation with a 31-byte execution token',
    event: {
      type: 'activate',
      activationToken: ACTIVATION_TOKEN,
      executionToken: Buffer.alloc(31, 's'),
    },
    expect: {
      SCHEDULING: refused('short-token'),
      'SCHEDULING (no task yet)': refused('short-token'),
      RUNNING: refused('already-activated'),
      'STOPPING (FinishAttempt)': refused('already-activated'),
      'STOPPING (halted)': refused('already-activated'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'a FinishAttempt',
    event: { type: 'finish-attempt', token: EXECUTION_TOKEN, result: RESULT },
    expect: {
      SCHEDULING: refused('bad-token'),
      'SCHEDULING (no task yet)': refused('bad-token'),
      RUNNING: STOPPED({ pendingResult: RESULT }),
      // A client retry of the same FinishAttempt.
      'STOPPING (FinishAttempt)': unchanged,
      'STOPPING (halted)': refused('not-running'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'a FinishAttempt with another result',
    event: { type: 'finish-attempt', token: EXECUTION_TOKEN, result: OTHER_RESULT },
    expect: {
      SCHEDULING: refused('bad-token'),
      'SCHEDULING (no task yet)': refused('bad-token'),
      RUNNING: STOPPED({ pendingResult: OTHER_RESULT }),
      'STOPPING (FinishAttempt)': refused('not-running'),
      'STOPPING (halted)': refused('not-running'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'a FinishAttempt with a wrong token',
    event: { type: 'finish-attempt', token: OTHER_TOKEN, result: RESULT },
    expect: {
      SCHEDULING: refused('bad-token'),
      'SCHEDULING (no task yet)': refused('bad-token'),
      RUNNING: refused('bad-token'),
      'STOPPING (FinishAttempt)': refused('bad-token'),
      'STOPPING (halted)': refused('bad-token'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'a malformed FinishAttempt',
    event: { type: 'result-malformed', token: EXECUTION_TOKEN, reason: 'too large' },
    expect: {
      SCHEDULING: refused('bad-token'),
      'SCHEDULING (no task yet)': refused('bad-token'),
      RUNNING: abnormal(
        { status: 'RESULT_MALFORMED', reason: 'too large' },
        NOW,
        'the result was malformed',
      ),
      'STOPPING (FinishAttempt)': refused('not-running'),
      'STOPPING (halted)': refused('not-running'),
      ...finals(refused('final')),
    },
  },
  {
    name: 'a halt',
    event: { type: 'halt' },
    expect: {
      SCHEDULING: refused('not-running'),
      'SCHEDULING (no task yet)': refused('not-running'),
      RUNNING: STOPPED({ shouldHalt: true }),
      'STOPPING (FinishAttempt)': refused('not-running'),
      'STOPPING (halted)': unchanged,
      ...finals(refused('final')),
    },
  },
  ...TASK_OUTCOMES.map((c): EventCase => ({
    name: taskEnded(c.outcome),
    event: { type: 'task-ended', outcome: c.outcome },
    expect: {
      SCHEDULING: endedAbnormally(c.abnormal),
      'SCHEDULING (no task yet)': endedAbnormally(c.abnormal, null),
      RUNNING: endedAbnormally(c.abnormal),
      'STOPPING (FinishAttempt)': c.finishesWhenStopping
        ? FINISHED_NOW
        : endedAbnormally(c.abnormal),
      'STOPPING (halted)': c.finishesWhenStopping ? FINISHED_NOW : endedAbnormally(c.abnormal),
      ...finals(ignored('final')),
    },
  })),
  {
    name: 'a deadline timer 1 ms early',
    event: { type: 'deadline' },
    nowMs: (e) => (e.deadlineAtMs ?? NOW + 1) - 1,
    expect: {
      SCHEDULING: ignored('not-due'),
      'SCHEDULING (no task yet)': ignored('not-due'),
      RUNNING: ignored('not-due'),
      'STOPPING (FinishAttempt)': ignored('not-due'),
      'STOPPING (halted)': ignored('not-due'),
      ...finals(ignored('final')),
    },
  },
  {
    name: 'a deadline timer at the deadline',
    event: { type: 'deadline' },
    nowMs: (e) => e.deadlineAtMs ?? NOW,
    expect: {
      SCHEDULING: abnormal(
        { status: 'EXPIRED', reason: 'not activated within timeouts.start (600s)' },
        T0 + 600_000,
        'not activated in time',
      ),
      'SCHEDULING (no task yet)': abnormal(
        { status: 'EXPIRED', reason: 'not activated within timeouts.start (600s)' },
        T0 + 600_000,
        'not activated in time',
        null,
      ),
      RUNNING: abnormal(
        { status: 'TIMED_OUT', reason: 'still running after timeouts.run (3600s)' },
        ACTIVATED_AT + 3_600_000,
        'execution timed out',
      ),
      'STOPPING (FinishAttempt)': abnormal(
        { status: 'TIMED_OUT', reason: 'did not exit within timeouts.stop (30s)' },
        STOPPING_AT + 30_000,
        'execution did not stop in time',
      ),
      'STOPPING (halted)': abnormal(
        { status: 'TIMED_OUT', reason: 'did not exit within timeouts.stop (30s)' },
        STOPPING_AT + 30_000,
        'execution did not stop in time',
      ),
      ...finals(ignored('final')),
    },
  },
];

function title(c: EventCase, e: Expectation): string {
  if ('refused' in e) return `refuses ${c.name} (${e.refused})`;
  if ('ignored' in e) return `ignores ${c.name} (${e.ignored})`;
  if (e.changes.state !== undefined) return `becomes ${e.changes.state} on ${c.name}`;
  if (Object.keys(e.changes).length > 0) return `records ${c.name}`;
  return `accepts ${c.name} again, changing nothing`;
}

describe('transitionExecution', () => {
  for (const [name, fixture] of Object.entries(FIXTURES) as [FixtureName, Execution][]) {
    describe(`from ${name}`, () => {
      for (const c of EVENTS) {
        const expectation = c.expect[name];
        it(title(c, expectation), () => {
          const input = deepFreeze(fixture);
          const outcome = transitionExecution(input, c.event, c.nowMs?.(input) ?? NOW);
          if ('refused' in expectation || 'ignored' in expectation) {
            expect(outcome).toEqual(expectation);
            return;
          }
          expect(outcome).toEqual({
            execution: { ...input, ...expectation.changes },
            effects: expectation.effects,
          });
        });
      }
    });
  }

  it('covers every state and every event type', () => {
    const covered = new Set(Object.values(FIXTURES).map((f) => f.state));
    expect([...covered].sort()).toEqual(Object.keys(EXECUTION_STATE_VALUES).sort());
    const eventTypes: readonly ExecutionEventType[] = [
      'task-created',
      'activate',
      'finish-attempt',
      'result-malformed',
      'halt',
      'task-ended',
      'deadline',
    ];
    expect(new Set(EVENTS.map((c) => c.event.type))).toEqual(new Set(eventTypes));
  });

  it('keeps only hashes of tokens', () => {
    const outcome = transitionExecution(
      FIXTURES.SCHEDULING,
      { type: 'activate', activationToken: ACTIVATION_TOKEN, executionToken: EXECUTION_TOKEN },
      NOW,
    );
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(EXECUTION_TOKEN.toString('hex'));
    expect(text).not.toContain(EXECUTION_TOKEN.toString());
    expect(text).toContain(hashToken(EXECUTION_TOKEN));
  });
});
