// Builders for the graph core's tests: plain data, a fixed clock, fixed tokens.
import {
  createQuest,
  hashToken,
  normalizeQuestDesc,
  type Attempt,
  type AttemptId,
  type Execution,
  type JsonResult,
  type Quest,
  type QuestDescInput,
} from '../../src/index';

export { deepFreeze } from '../fixtures';

/** The fixed clock every graph test starts from (ms since the epoch). */
export const T0 = 1_700_000_000_000;

export const ACTIVATION_TOKEN = Buffer.alloc(32, 'a');
export const EXECUTION_TOKEN = Buffer.alloc(32, 'e');
export const OTHER_TOKEN = Buffer.alloc(32, 'x');

export function questDescInput(overrides: Partial<QuestDescInput> = {}): QuestDescInput {
  return {
    distributorConfigName: 'drover',
    parameters: '{"target": "//base:tests", "shards": 4}',
    distributorParameters: '{"pool": "ci", "command": ["python3", "run.py"]}',
    meta: {
      asAccount: 'ci@example.com',
      retry: { failed: 2, crashed: 1 },
      timeouts: { start: 600, run: 3600, stop: 30 },
    },
    ...overrides,
  };
}

export function quest(overrides: Partial<QuestDescInput> = {}): Quest {
  const desc = normalizeQuestDesc(questDescInput(overrides));
  if (!('ok' in desc)) throw new Error(desc.message);
  return createQuest(desc.ok, T0);
}

export const QUEST = quest();
export const ATTEMPT_ID: AttemptId = { quest: QUEST.id, attempt: 1 };

export function attemptId(n: number, questId = QUEST.id): AttemptId {
  return { quest: questId, attempt: n };
}

export function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    id: ATTEMPT_ID,
    state: 'SCHEDULING',
    createdAtMs: T0,
    modifiedAtMs: T0,
    numExecutions: 0,
    retryCounts: { failed: 0, crashed: 0, expired: 0, timedOut: 0 },
    fwdDeps: [],
    waitingOn: [],
    result: null,
    abnormalFinish: null,
    ...overrides,
  };
}

export function result(object = '{"ok":true}', expiresAtMs: number | null = null): JsonResult {
  return { object, size: Buffer.byteLength(object), expiresAtMs };
}

/** Execution 1 of ATTEMPT_ID, scheduled at T0 (600 s start, 3600 s run, 30 s stop). */
export function execution(overrides: Partial<Execution> = {}): Execution {
  return {
    id: { ...ATTEMPT_ID, execution: 1 },
    state: 'SCHEDULING',
    createdAtMs: T0,
    modifiedAtMs: T0,
    taskId: 'task-1',
    activationTokenHash: hashToken(ACTIVATION_TOKEN),
    executionTokenHash: null,
    timeouts: QUEST.desc.meta.timeouts,
    deadlineAtMs: T0 + 600_000,
    activatedAtMs: null,
    stoppingAtMs: null,
    endedAtMs: null,
    shouldHalt: false,
    pendingResult: null,
    abnormalFinish: null,
    ...overrides,
  };
}
