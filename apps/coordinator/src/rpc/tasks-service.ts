import type * as grpc from '@grpc/grpc-js';
import {
  DroverError,
  InvalidArgumentError,
  MAX_NEW_TASKS,
  taskToRequest,
  taskToResult,
  traceHop,
  traceNowMs,
  validateNewTask,
  type CancelTaskResponse,
  type NewTaskRequestOut,
  type NewTaskResponse,
  type NewTasksRequestOut,
  type NewTasksResponse,
  type TaskOutput,
  type TaskRequest,
  type TaskResult,
} from '@drover/protocol';
import { isFinalState, type Store, type Task, type TaskSpec } from '@drover/state';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { ChildCanceller } from '../children/child-canceller';
import { checkParent } from '../children/parent-check';
import type { SubmitExtras, TaskEngine } from '../engine/task-engine';
import { checkNotifyUrl, type WebhookTargetPolicy } from '../notify/webhook-targets';
import type { TaskSecrets } from '../secrets/task-secrets';
import type { CasInputs } from '../cas/cas-inputs';
import { taskStates } from '../watch/task-states';
import { grpcPeer, type AuditLog } from '../audit/audit-log';
import { authenticate, serverStream, unary, write } from './grpc-edge';
import { cancelTask } from './tasks-cancel-task';
import { checkSubmit, loadTaskAs, mayView } from './task-access';

/** Largest slice of output one GetStdout / StreamOutput message carries. */
const MAX_OUTPUT_CHUNK = 1024 * 1024;
const MAX_STDOUT_LENGTH = 16 * 1024 * 1024;

interface IdRequest {
  task_id: string;
}

export function tasksHandlers(deps: {
  engine: TaskEngine;
  store: Store;
  tokens: TokenAuthority;
  log: Logger;
  /** Cancels a child whose parent ended while it was being created. */
  children?: Pick<ChildCanceller, 'childCreated'>;
  /** Where a task's notify.url may point (webhook-allow; none: notify refused). */
  webhookTargets: WebhookTargetPolicy;
  /** Checks and references input trees (cas_input_root); absent: a request with one is refused. */
  casInputs?: CasInputs;
  /** Seals requests' secret_bytes; absent: a request with them is refused. */
  secrets?: TaskSecrets;
  /** Records cancels and kills (audit/). */
  audit: AuditLog;
}): grpc.UntypedServiceImplementation {
  const { engine, store, tokens, log } = deps;

  /**
   * The spec of a new task when `principal` may create it (NewTask, each of NewTasks): valid, its
   * webhook allowed, its pools and priority permitted, its parent visible and running.
   */
  const admit = async (req: NewTaskRequestOut, principal: Principal): Promise<TaskSpec> => {
    const validated = validateNewTask(req, principal.name);
    if (validated.notify !== undefined) checkNotifyUrl(validated.notify.url, deps.webhookTargets);
    checkSubmit(principal, validated);
    await checkParent(store, principal, validated.parentTaskId);
    return validated.user === '' ? { ...validated, user: principal.name } : validated;
  };

  /** How the request's secret_bytes are stored with its task (never with the request). */
  const secretOf = (req: NewTaskRequestOut) => {
    if ((req.secret_bytes?.length ?? 0) === 0) return undefined;
    if (deps.secrets === undefined) {
      throw new InvalidArgumentError('secret_bytes', 'this coordinator keeps no secret bytes');
    }
    return deps.secrets.extrasFor(req.secret_bytes);
  };

  /**
   * The CAS blobs a new task references (its input trees and their files), each checked held;
   * recorded as its references in the task's insert transaction (cas/cas-inputs.ts).
   */
  const casBlobsOf = async (spec: TaskSpec, seen?: Map<string, string[]>): Promise<string[]> => {
    if (!spec.slices.some((s) => s.properties.casInputRoot !== undefined)) return [];
    if (deps.casInputs === undefined) {
      throw new InvalidArgumentError(
        'task_slices[0].properties.cas_input_root',
        'this coordinator has no CAS',
      );
    }
    return deps.casInputs.check(spec, seen);
  };

  /** What NewTask answers for a submitted task; a new child is tied to its parent first. */
  const created = async (submitted: { task: Task; created: boolean }): Promise<NewTaskResponse> => {
    const task =
      submitted.created && deps.children !== undefined
        ? await deps.children.childCreated(submitted.task)
        : submitted.task;
    return { task_id: task.id, request: taskToRequest(task), result: taskToResult(task) };
  };

  /** The task, when the caller may view it (see task-access.ts for what others are told). */
  const view = (call: { metadata: grpc.Metadata }, taskId: string): Promise<Task> =>
    loadTaskAs(store, authenticate(tokens, call.metadata, 'client'), 'view', taskId);

  return {
    NewTask: unary<NewTaskRequestOut, NewTaskResponse>(log, 'NewTask', async (req, call) => {
      const receivedMs = traceNowMs();
      const principal = authenticate(tokens, call.metadata, 'client');
      const spec = await admit(req, principal);
      const inputs = await casBlobsOf(spec);
      const submitted = await engine.submit(spec, withInputs(secretOf(req), inputs));
      traceHop(submitted.task.id, 'coordinator-receive', receivedMs);
      return created(submitted);
    }),

    NewTasks: unary<NewTasksRequestOut, NewTasksResponse>(log, 'NewTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      const n = req.requests.length;
      if (n === 0 || n > MAX_NEW_TASKS) {
        throw new InvalidArgumentError('requests', `1 to ${MAX_NEW_TASKS} tasks, got ${n}`);
      }
      // Every task admitted before any is stored: one refused refuses the batch.
      const specs: TaskSpec[] = [];
      const extras: (SubmitExtras | undefined)[] = [];
      const trees = new Map<string, string[]>();
      for (const [i, one] of req.requests.entries()) {
        try {
          const spec = await admit(one, principal);
          specs.push(spec);
          extras.push(withInputs(secretOf(one), await casBlobsOf(spec, trees)));
        } catch (err) {
          throw inBatch(i, err);
        }
      }
      const submitted = await engine.submitMany(specs, extras);
      const responses: NewTaskResponse[] = [];
      for (const s of submitted) responses.push(await created(s));
      return { responses };
    }),

    GetResult: unary<IdRequest, TaskResult>(log, 'GetResult', async (req, call) => {
      return taskToResult(await view(call, req.task_id));
    }),

    BatchGetResult: unary<{ task_ids: string[] }, { items: unknown[] }>(
      log,
      'BatchGetResult',
      async (req, call) => {
        const principal = authenticate(tokens, call.metadata, 'client');
        if (req.task_ids.length > 1000) throw new InvalidArgumentError('task_ids', 'at most 1000');
        const items = [];
        for (const id of req.task_ids) {
          const task = await store.getTask(id);
          // A task the caller may not see looks exactly like a missing one.
          items.push(
            task === undefined || !mayView(principal, task)
              ? { task_id: id, error: 'not found' }
              : { task_id: id, result: taskToResult(task) },
          );
        }
        return { items };
      },
    ),

    GetRequest: unary<IdRequest, TaskRequest>(log, 'GetRequest', async (req, call) => {
      return taskToRequest(await view(call, req.task_id));
    }),

    GetStdout: unary<{ task_id: string; offset: number; length: number }, TaskOutput>(
      log,
      'GetStdout',
      async (req, call) => {
        const task = await view(call, req.task_id);
        if (req.offset < 0) throw new InvalidArgumentError('offset', 'must be ≥ 0');
        if (req.length < 0)
          throw new InvalidArgumentError('length', 'must be ≥ 0 (0 = to the end)');
        const length = Math.min(
          req.length === 0 ? MAX_STDOUT_LENGTH : req.length,
          MAX_STDOUT_LENGTH,
        );
        const output = await store.readOutput(outputOwner(task), req.offset, length);
        return { offset: req.offset, output, state: task.state, size: task.outputSize };
      },
    ),

    StreamOutput: serverStream<{ task_id: string; offset: number }, TaskOutput>(
      log,
      'StreamOutput',
      async (req, call, signal) => {
        await view(call, req.task_id);
        if (req.offset < 0) throw new InvalidArgumentError('offset', 'must be ≥ 0');
        let offset = req.offset;
        await followTask(engine, req.task_id, signal, async () => {
          const task = (await store.getTask(req.task_id))!;
          while (offset < task.outputSize && !signal.aborted) {
            const output = await store.readOutput(outputOwner(task), offset, MAX_OUTPUT_CHUNK);
            if (output.length === 0) break;
            await write(call, { offset, output, state: task.state, size: task.outputSize }, signal);
            offset += output.length;
          }
          return isFinalState(task.state) && offset >= task.outputSize;
        });
      },
    ),

    // The result now, then one per change of state (tasks.proto): the process starting, a kill
    // asked, the next slice are not state changes.
    WaitTask: serverStream<IdRequest, TaskResult>(log, 'WaitTask', async (req, call, signal) => {
      await view(call, req.task_id);
      const source = { watchers: engine.taskWatchers, getTask: (id: string) => store.getTask(id) };
      for await (const task of taskStates(source, req.task_id, signal)) {
        await write(call, taskToResult(task), signal);
      }
    }),

    CancelTask: unary<{ task_id: string; kill_running: boolean }, CancelTaskResponse>(
      log,
      'CancelTask',
      async (req, call) => {
        const actor = {
          principal: authenticate(tokens, call.metadata, 'client'),
          peer: grpcPeer(call),
        };
        return cancelTask(deps, actor, req.task_id, req.kill_running);
      },
    ),
  };
}

/** A submission's extras with the CAS blobs its task references (none: as they were). */
function withInputs(
  extras: SubmitExtras | undefined,
  casReferences: readonly string[],
): SubmitExtras | undefined {
  return casReferences.length === 0 ? extras : { ...extras, casReferences };
}

/**
 * A refusal of the `i`th task of a NewTasks, naming it: `requests[3].task_slices[0]…: …` for a
 * field, `requests[3]: …` otherwise. Anything else (a store failure, a bug) passes as it is.
 */
function inBatch(i: number, err: unknown): unknown {
  if (!(err instanceof DroverError)) return err;
  const at = `requests[${i}]`;
  const opts = { retryable: err.retryable, cause: err };
  return err.field === undefined
    ? new DroverError(err.code, `${at}: ${err.message}`, opts)
    : new DroverError(err.code, `${at}.${err.message}`, { ...opts, field: `${at}.${err.field}` });
}

/** A deduplicated task shows the output of the task it was deduplicated from. */
function outputOwner(task: Task): string {
  return task.dedupedFrom ?? task.id;
}

/**
 * Calls `step` now and after every change of the task or its output, until it returns true or
 * the signal aborts. Changes that happen while `step` runs are not lost.
 */
async function followTask(
  engine: TaskEngine,
  taskId: string,
  signal: AbortSignal,
  step: () => Promise<boolean>,
): Promise<void> {
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const offTask = engine.taskWatchers.watch(taskId, poke);
  const offOutput = engine.outputWatchers.watch(taskId, poke);
  signal.addEventListener('abort', poke);
  try {
    while (!signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      dirty = false;
      if (await step()) return;
    }
  } finally {
    offTask();
    offOutput();
    signal.removeEventListener('abort', poke);
  }
}
