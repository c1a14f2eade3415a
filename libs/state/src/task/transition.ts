import type { Refusal, TaskEffect, TaskEvent } from './events';
import { sliceDeadlineAtMs } from './slice-deadline';
import type { Task } from './types';
import { isFinalState } from './task-state';
import { matchesDimensions, toDimensionMap } from '../match/match-dimensions';

export type TransitionOutcome =
  { readonly task: Task; readonly effects: readonly TaskEffect[] } | { readonly refused: Refusal };

/**
 * The task state machine of DESIGN.md §2: a pure function of the task, the event and the time.
 * A successor that changes anything is one revision past the input; the shell commits it with a
 * conditional write over the input's revision (Store.updateTask), then runs `effects`. When that
 * write loses a race, the shell reads the task again and calls transition on what it read.
 */
export function transition(task: Task, event: TaskEvent, nowMs: number): TransitionOutcome {
  const outcome = successor(task, event, nowMs);
  if ('refused' in outcome || outcome.task === task) return outcome;
  return { ...outcome, task: { ...outcome.task, revision: task.revision + 1 } };
}

/** The successor's fields, revision aside (transition numbers it). */
function successor(task: Task, event: TaskEvent, nowMs: number): TransitionOutcome {
  if (isFinalState(task.state)) return { refused: 'final' };
  switch (event.type) {
    case 'dispatch':
      return dispatch(task, event, nowMs);
    case 'process-started':
      if (task.state !== 'RUNNING') return { refused: 'not-running' };
      if (event.leaseId !== task.leaseId) return { refused: 'stale-lease' };
      if (task.processStarted) return { task, effects: [] };
      return { task: { ...task, processStarted: true, modifiedAtMs: nowMs }, effects: [] };
    case 'finish':
      return withOutputs(withMemoryLimitKill(finish(task, event, nowMs), event), event);
    case 'cancel':
      return cancel(task, event, nowMs);
    case 'expire':
      return expire(task, event, nowMs);
    case 'bot-died':
      if (task.state !== 'RUNNING') return { refused: 'not-running' };
      if (event.leaseId !== task.leaseId) return { refused: 'stale-lease' };
      return {
        task: {
          ...task,
          state: 'BOT_DIED',
          internalFailure: true,
          abandonedAtMs: nowMs,
          modifiedAtMs: nowMs,
          summary: event.reason,
        },
        effects: [{ type: 'release-bot', botId: task.botId ?? '' }, { type: 'notify' }],
      };
  }
}

function dispatch(
  task: Task,
  event: Extract<TaskEvent, { type: 'dispatch' }>,
  nowMs: number,
): TransitionOutcome {
  if (task.state !== 'PENDING') return { refused: 'not-pending' };
  // The bot was picked for the slice the dispatcher knew; the stored task may be in another one
  // by now (expired to the next slice): never run a slice on a bot that does not match it.
  const required = task.spec.slices[task.currentSlice]?.properties.dimensions ?? [];
  if (!matchesDimensions(required, toDimensionMap(event.botDimensions))) {
    return { refused: 'dimensions-mismatch' };
  }
  return {
    task: {
      ...task,
      state: 'RUNNING',
      botId: event.botId,
      botDimensions: event.botDimensions,
      leaseId: event.leaseId,
      startedAtMs: nowMs,
      modifiedAtMs: nowMs,
      summary: '',
    },
    effects: [
      { type: 'dequeue' },
      { type: 'assign', botId: event.botId, leaseId: event.leaseId },
      { type: 'notify' },
    ],
  };
}

function finish(
  task: Task,
  event: Extract<TaskEvent, { type: 'finish' }>,
  nowMs: number,
): TransitionOutcome {
  if (task.state !== 'RUNNING') return { refused: 'not-running' };
  if (event.leaseId !== task.leaseId) return { refused: 'stale-lease' };
  const base = {
    ...task,
    modifiedAtMs: nowMs,
    durationSecs: event.durationSecs,
    exitCode: event.exitCode,
    ...(event.inputsFetch === undefined ? {} : { inputsFetch: event.inputsFetch }),
  };
  const effects: TaskEffect[] = [
    { type: 'release-bot', botId: task.botId ?? '' },
    { type: 'notify' },
  ];
  if (event.clientError !== '') {
    return {
      task: { ...base, state: 'CLIENT_ERROR', completedAtMs: nowMs, summary: event.clientError },
      effects,
    };
  }
  if (event.canceled) {
    return {
      task: {
        ...base,
        state: 'CANCELED',
        exitCode: null,
        durationSecs: null,
        abandonedAtMs: task.killRequestedAtMs ?? nowMs,
        summary: 'cancelled before the process started',
      },
      effects,
    };
  }
  if (event.killed) {
    return {
      task: {
        ...base,
        state: 'KILLED',
        completedAtMs: nowMs,
        abandonedAtMs: task.killRequestedAtMs ?? nowMs,
        failure: event.exitCode !== null && event.exitCode !== 0,
        summary: 'killed while running',
      },
      effects,
    };
  }
  if (event.timedOut !== 'none') {
    return {
      task: {
        ...base,
        state: 'TIMED_OUT',
        completedAtMs: nowMs,
        failure: true,
        summary:
          event.timedOut === 'io'
            ? `no output for ${task.spec.slices[task.currentSlice]?.properties.ioTimeoutSecs ?? 0}s`
            : `ran longer than ${task.spec.slices[task.currentSlice]?.properties.executionTimeoutSecs ?? 0}s`,
      },
      effects,
    };
  }
  return {
    task: {
      ...base,
      state: 'COMPLETED',
      completedAtMs: nowMs,
      failure: event.exitCode !== null && event.exitCode !== 0,
      summary: '',
    },
    effects,
  };
}

/**
 * An OOM kill under the task's memory limit is said in the summary of a process that ran; the
 * state stays what the exit made it (COMPLETED with failure, TIMED_OUT, KILLED): the limit is
 * the task's own, like its exit code, not a state of its own.
 */
function withMemoryLimitKill(
  outcome: TransitionOutcome,
  event: Extract<TaskEvent, { type: 'finish' }>,
): TransitionOutcome {
  if ('refused' in outcome || event.memoryLimitKilled !== true) return outcome;
  const { task } = outcome;
  if (task.state === 'CANCELED' || task.state === 'CLIENT_ERROR') return outcome;
  const limit = task.spec.slices[task.currentSlice]?.properties.memoryLimitBytes;
  const line =
    limit === undefined
      ? 'killed by the memory limit'
      : `killed by the memory limit (${limit} bytes)`;
  return { ...outcome, task: { ...task, summary: appendLine(task.summary, line) } };
}

/** `summary` with `line` added, `; `-separated. */
function appendLine(summary: string, line: string): string {
  return line === '' ? summary : summary === '' ? line : `${summary}; ${line}`;
}

/**
 * The outputs go with the final state of a process that ran (not CANCELED or CLIENT_ERROR: no
 * process, no outputs), in the same write; a note on them becomes part of the summary.
 */
function withOutputs(
  outcome: TransitionOutcome,
  event: Extract<TaskEvent, { type: 'finish' }>,
): TransitionOutcome {
  if ('refused' in outcome || event.outputs === undefined) return outcome;
  const { task } = outcome;
  if (task.state === 'CANCELED' || task.state === 'CLIENT_ERROR') return outcome;
  const summary = appendLine(task.summary, event.outputsNote ?? '');
  return { ...outcome, task: { ...task, outputs: event.outputs, summary } };
}

function cancel(
  task: Task,
  event: Extract<TaskEvent, { type: 'cancel' }>,
  nowMs: number,
): TransitionOutcome {
  if (task.state === 'PENDING') {
    return {
      task: {
        ...task,
        state: 'CANCELED',
        abandonedAtMs: nowMs,
        modifiedAtMs: nowMs,
        summary: 'cancelled while pending',
        ...canceledBy(task, event),
      },
      effects: [{ type: 'dequeue' }, { type: 'notify' }],
    };
  }
  // RUNNING (the only other non-final state).
  if (!event.killRunning) return { refused: 'running-needs-kill' };
  const killRequestedAtMs = task.killRequestedAtMs ?? nowMs;
  return {
    task: { ...task, killRequestedAtMs, modifiedAtMs: nowMs, ...canceledBy(task, event) },
    effects: [
      {
        type: 'kill',
        botId: task.botId ?? '',
        leaseId: task.leaseId ?? '',
        reason: 'cancelled by request',
      },
      { type: 'notify' },
    ],
  };
}

/** Who cancelled the task: the first to ask keeps it (a second kill does not take it over). */
function canceledBy(
  task: Task,
  event: Extract<TaskEvent, { type: 'cancel' }>,
): Pick<Task, 'canceledBy'> {
  const by = task.canceledBy ?? event.by;
  return by === undefined || by === '' ? {} : { canceledBy: by };
}

function expire(
  task: Task,
  event: Extract<TaskEvent, { type: 'expire' }>,
  nowMs: number,
): TransitionOutcome {
  if (task.state !== 'PENDING') return { refused: 'not-pending' };
  if (nowMs < sliceDeadlineAtMs(task.spec, task.createdAtMs, task.currentSlice)) {
    return { refused: 'not-due' };
  }
  for (let i = task.currentSlice + 1; i < task.spec.slices.length; i++) {
    const deadline = sliceDeadlineAtMs(task.spec, task.createdAtMs, i);
    if (deadline <= nowMs) continue;
    if (task.spec.slices[i]!.waitForCapacity || event.capacity[i] === true) {
      return {
        task: { ...task, currentSlice: i, modifiedAtMs: nowMs },
        effects: [
          { type: 'dequeue' },
          { type: 'enqueue', slice: i },
          { type: 'schedule-expiry', atMs: deadline },
          { type: 'notify' },
        ],
      };
    }
  }
  return {
    task: {
      ...task,
      state: 'EXPIRED',
      abandonedAtMs: nowMs,
      modifiedAtMs: nowMs,
      summary: 'no bot took the task before its last slice expired',
    },
    effects: [{ type: 'dequeue' }, { type: 'notify' }],
  };
}
