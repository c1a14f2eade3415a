import {
  InvalidArgumentError,
  msToTimestamp,
  type AttemptIdWireOut,
  type AttemptWire,
  type EnsureGraphDataRequestOut,
  type ExecutionAuthWireOut,
  type ExecutionWire,
  type QuestDescWireOut,
  type WalkIncludeOut,
} from '@drover/protocol';
import {
  isAttemptNumber,
  isQuestId,
  type AbnormalFinish,
  type Attempt,
  type AttemptId,
  type Execution,
  type ExecutionId,
  type GraphRun,
  type QuestDesc,
  type QuestDescInput,
} from '@drover/state';

/** ExecutionAuth as the service uses it. */
export interface ExecutionAuth {
  readonly id: ExecutionId;
  readonly token: Uint8Array;
}

export type Include = WalkIncludeOut;

/** AttemptNeeds off the wire (EnsureGraphDataRequest.needs). */
export type AttemptNeedsWireOut = EnsureGraphDataRequestOut['needs'][number];
/** Run off the wire (EnsureGraphDataRequest.run). */
export type RunWireOut = NonNullable<EnsureGraphDataRequestOut['run']>;
/** ListRunsRequest as proto-loader decodes it. */
export interface ListRunsRequestOut {
  readonly name_glob: string;
  readonly limit: number;
  readonly cursor: string;
}
/** GetRunRequest as proto-loader decodes it. */
export interface GetRunRequestOut {
  readonly run: string;
}

export const NO_INCLUDE: Include = {
  quest_data: false,
  attempt_data: false,
  attempt_result: false,
  executions: false,
  execution_data: false,
  fwd_deps: false,
  back_deps: false,
};

/** Quest.Desc off the wire → the core's input (absent = default). */
export function descInput(wire: QuestDescWireOut): QuestDescInput {
  const meta = wire.meta;
  return {
    name: wire.name,
    distributorConfigName: wire.distributor_config_name,
    parameters: wire.parameters,
    distributorParameters: wire.distributor_parameters,
    ...(meta === null
      ? {}
      : {
          meta: {
            asAccount: meta.as_account,
            retry: {
              failed: meta.retry?.failed ?? 0,
              crashed: meta.retry?.crashed ?? 0,
              expired: meta.retry?.expired ?? 0,
              timedOut: meta.retry?.timed_out ?? 0,
            },
            timeouts: {
              start: meta.timeouts?.start ?? 0,
              run: meta.timeouts?.run ?? 0,
              stop: meta.timeouts?.stop ?? 0,
            },
          },
        }),
  };
}

export function descToWire(desc: QuestDesc) {
  const { retry, timeouts, asAccount } = desc.meta;
  return {
    name: desc.name,
    distributor_config_name: desc.distributorConfigName,
    parameters: desc.parameters,
    distributor_parameters: desc.distributorParameters,
    meta: {
      as_account: asAccount,
      retry: {
        failed: retry.failed,
        crashed: retry.crashed,
        expired: retry.expired,
        timed_out: retry.timedOut,
      },
      timeouts: { start: timeouts.startSecs, run: timeouts.runSecs, stop: timeouts.stopSecs },
    },
  };
}

/** An AttemptId naming an existing quest by id; INVALID_ARGUMENT names `field`. */
export function attemptIdFromWire(wire: AttemptIdWireOut | null, field: string): AttemptId {
  if (wire === null) throw new InvalidArgumentError(field, 'required');
  if (!isQuestId(wire.quest)) {
    throw new InvalidArgumentError(`${field}.quest`, 'not a quest id (43 base64url characters)');
  }
  if (!isAttemptNumber(wire.id)) throw new InvalidArgumentError(`${field}.id`, 'must be ≥ 1');
  return { quest: wire.quest, attempt: wire.id };
}

/** ExecutionAuth off the wire, or undefined when absent. */
export function executionAuthFromWire(
  wire: ExecutionAuthWireOut | null,
  field: string,
): ExecutionAuth | undefined {
  if (wire === null || wire.id === null) return undefined;
  const { quest, attempt, id } = wire.id;
  if (!isQuestId(quest)) throw new InvalidArgumentError(`${field}.id.quest`, 'not a quest id');
  if (!isAttemptNumber(attempt))
    throw new InvalidArgumentError(`${field}.id.attempt`, 'must be ≥ 1');
  if (!isAttemptNumber(id)) throw new InvalidArgumentError(`${field}.id.id`, 'must be ≥ 1');
  if (wire.token.length === 0) throw new InvalidArgumentError(`${field}.token`, 'required');
  return { id: { quest, attempt, execution: id }, token: wire.token };
}

export function attemptIdToWire(id: AttemptId) {
  return { quest: id.quest, id: id.attempt };
}

function abnormalToWire(a: AbnormalFinish | null) {
  return a === null ? null : { status: a.status, reason: a.reason };
}

export function executionToWire(e: Execution, include: Include): ExecutionWire {
  return {
    id: { quest: e.id.quest, attempt: e.id.attempt, id: e.id.execution },
    partial: !include.execution_data,
    data: include.execution_data
      ? {
          created: msToTimestamp(e.createdAtMs),
          modified: msToTimestamp(e.modifiedAtMs),
          state: e.state,
          task_id: e.taskId ?? '',
          abnormal_finish: abnormalToWire(e.abnormalFinish),
        }
      : null,
  };
}

/** How the walk loaded an attempt's result (PartialFlags.Result). */
export type ResultLoad = 'LOADED' | 'NOT_LOADED' | 'NOT_AUTHORIZED' | 'DATA_SIZE_LIMIT';

export function attemptToWire(
  a: Attempt,
  include: Include,
  parts: {
    readonly result: ResultLoad;
    readonly executions: readonly Execution[] | undefined;
    readonly backDeps: readonly AttemptId[] | undefined;
  },
): AttemptWire {
  const withData = include.attempt_data || include.attempt_result;
  const result =
    a.result === null
      ? null
      : {
          object: parts.result === 'LOADED' ? a.result.object : '',
          size: a.result.size,
          expiration: msToTimestamp(a.result.expiresAtMs),
        };
  const executions: Record<number, ExecutionWire> = {};
  for (const e of parts.executions ?? []) executions[e.id.execution] = executionToWire(e, include);
  return {
    id: attemptIdToWire(a.id),
    data: withData
      ? {
          created: msToTimestamp(a.createdAtMs),
          modified: msToTimestamp(a.modifiedAtMs),
          state: a.state,
          num_executions: a.numExecutions,
          num_waiting_deps: a.waitingOn.length,
          result,
          abnormal_finish: abnormalToWire(a.abnormalFinish),
        }
      : null,
    executions,
    fwd_deps: include.fwd_deps ? a.fwdDeps.map(attemptIdToWire) : [],
    back_deps: include.back_deps ? (parts.backDeps ?? []).map(attemptIdToWire) : [],
    partial: {
      data: !withData,
      executions: parts.executions === undefined,
      fwd_deps: !include.fwd_deps,
      back_deps: parts.backDeps === undefined || !include.back_deps,
      result: parts.result,
    },
  };
}

/**
 * A run as ListRuns and GetRun answer it; `states` = each step's attempt's state now (attempts
 * are never deleted; one not found reads as SCHEDULING, the enum's zero).
 */
export function runToWire(run: GraphRun, states: readonly (Attempt['state'] | undefined)[]) {
  return {
    id: run.id,
    name: run.name,
    created: msToTimestamp(run.createdAtMs),
    user: run.user,
    pools: [...run.pools],
    steps: run.steps.map((s, i) => ({
      name: s.name,
      attempt: attemptIdToWire(s.attempt),
      needs: [...s.needs],
      state: states[i] ?? 'SCHEDULING',
    })),
  };
}
