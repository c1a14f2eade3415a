// Several tasks at once: their results as they end (`collect`), their output in order
// (`followOutput`), and submit-then-follow (`run`). Built on WaitTask and StreamOutput, which the
// coordinator answers from its in-memory watchers: one stream per task costs it a listener, not
// a poll, and tells us of a change as soon as it happens.
import { status } from '@grpc/grpc-js';
import { MAX_NEW_TASKS } from '@drover/protocol';
import type { NewTaskRequest, NewTaskResponseOut, TaskResultOut } from '@drover/protocol';
import type { CallOptions } from './call';
import type { DroverClient } from './client';
import { DroverClientError } from './errors';
import { isTerminalState } from './states';

export interface CollectOptions {
  /** Aborting ends the iteration (it rejects with `signal.reason`) and every stream. */
  signal?: AbortSignal;
  /** Every result a WaitTask stream sends, final or not, as it comes: for a live summary. */
  onUpdate?: (result: TaskResultOut) => void;
}

/**
 * A wakeable queue: producers push and poke, one consumer awaits the next poke. A poke that comes
 * while nobody waits is remembered, so none is lost between a check and the wait.
 */
class Mailbox<T> {
  readonly items: T[] = [];
  #wake: (() => void) | undefined;
  #poked = false;

  push(item: T): void {
    this.items.push(item);
    this.poke();
  }

  poke(): void {
    this.#poked = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async next(): Promise<void> {
    if (this.#poked) {
      this.#poked = false;
      return;
    }
    await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#poked = false;
  }
}

/** Links a controller to an outer signal; `release` removes the listener (Node 20 leaks). */
function linkedController(outer: AbortSignal | undefined): {
  controller: AbortController;
  release: () => void;
} {
  const controller = new AbortController();
  if (outer === undefined) return { controller, release: () => {} };
  const onAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => outer.removeEventListener('abort', onAbort) };
}

/**
 * The final result of each of `taskIds` (duplicates counted once), in the order the tasks end.
 * One WaitTask stream per task, all on the client's channel.
 * A failed stream (NOT_FOUND, UNAVAILABLE, …) rejects the iteration and cancels the others; so
 * does a stream the coordinator ends before the task is final (as UNAVAILABLE). Leaving the
 * loop cancels every stream.
 */
export async function* collect(
  client: DroverClient,
  taskIds: readonly string[],
  opts: CollectOptions = {},
): AsyncGenerator<TaskResultOut, void, undefined> {
  const ids = [...new Set(taskIds)];
  const { controller, release } = linkedController(opts.signal);
  const signal = controller.signal;
  const mailbox = new Mailbox<TaskResultOut>();
  let failure: { err: unknown } | undefined;
  const follow = async (taskId: string): Promise<void> => {
    try {
      for await (const result of client.waitTask(taskId, { signal })) {
        opts.onUpdate?.(result);
        if (isTerminalState(result.state)) {
          mailbox.push(result);
          return;
        }
      }
      throw new DroverClientError(
        status.UNAVAILABLE,
        `the coordinator ended the wait before task ${taskId} was final`,
        client.server,
      );
    } catch (err) {
      if (signal.aborted) return;
      failure ??= { err };
      controller.abort(err);
      mailbox.poke();
    }
  };
  const onAbort = (): void => mailbox.poke();
  signal.addEventListener('abort', onAbort, { once: true });
  const followers = ids.map(follow);
  try {
    let delivered = 0;
    while (delivered < ids.length) {
      const result = mailbox.items.shift();
      if (result !== undefined) {
        delivered++;
        yield result;
        continue;
      }
      if (failure !== undefined) throw failure.err;
      opts.signal?.throwIfAborted();
      await mailbox.next();
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    controller.abort(new Error('collect ended'));
    release();
    await Promise.allSettled(followers);
  }
}

/**
 * A task's output bytes from `offset`, in order and each once, until the task is final and all of
 * it was sent (StreamOutput). Chunks are placed by offset: a repeated range is skipped, a missing
 * one fetched with GetStdout. `deadlineMs` bounds each GetStdout; the stream itself has none.
 */
export async function* followOutput(
  client: DroverClient,
  taskId: string,
  opts: CallOptions & { offset?: number } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = opts.offset ?? 0;
  const call = { signal: opts.signal };
  for await (const chunk of client.streamOutput(taskId, offset, call)) {
    if (chunk.offset > offset) {
      const gap = await client.getStdout(taskId, offset, chunk.offset - offset, {
        ...call,
        deadlineMs: opts.deadlineMs,
      });
      if (gap.output.length > 0) yield gap.output;
      offset += gap.output.length;
    }
    const end = chunk.offset + chunk.output.length;
    if (end > offset && chunk.offset <= offset) {
      yield chunk.output.subarray(offset - chunk.offset);
      offset = end;
    }
  }
}

export interface RunOptions {
  /** Aborting leaves at once (rejecting with `signal.reason`); the tasks are left as they are. */
  signal?: AbortSignal;
  /**
   * Aborting cancels every task not yet final (killing running ones), then keeps following them
   * to their end: the results then say CANCELED or KILLED.
   */
  cancel?: AbortSignal;
  /** Each task's id once all were submitted, in the order of `requests`. */
  onSubmitted?: (taskIds: readonly string[]) => void;
  /** Output bytes of the task at `index` (in `requests`), in order; none when absent. */
  onOutput?: (index: number, bytes: Uint8Array) => void | Promise<void>;
  /** The output of the task at `index` was all passed to `onOutput`. */
  onOutputEnd?: (index: number) => void | Promise<void>;
  /** Every result as it comes, final or not. */
  onUpdate?: (result: TaskResultOut) => void;
  /** Each final result as its task ends (before its output may have all been written). */
  onResult?: (index: number, result: TaskResultOut) => void | Promise<void>;
  /** Deadline of each NewTask and CancelTask call. */
  deadlineMs?: number;
}

export interface RunOutcome {
  readonly taskIds: readonly string[];
  /** The final results, in the order of `requests`. */
  readonly results: readonly TaskResultOut[];
}

/**
 * Submits `requests` (`submitAll`), follows their output and results, and returns once every task is final and its
 * output written. See `RunOptions` for Ctrl-C's two meanings: `signal` (leave) and `cancel`.
 */
export async function run(
  client: DroverClient,
  requests: readonly NewTaskRequest[],
  opts: RunOptions = {},
): Promise<RunOutcome> {
  const submitted = await submitAll(client, requests, {
    signal: opts.signal,
    deadlineMs: opts.deadlineMs,
  });
  const taskIds = submitted.map((response) => response.task_id);
  opts.onSubmitted?.(taskIds);
  const indexOf = new Map(taskIds.map((id, i) => [id, i]));
  const results: Array<TaskResultOut | undefined> = taskIds.map(() => undefined);
  const onCancel = (): void => {
    const open = taskIds.filter((_, i) => results[i] === undefined);
    void cancelAll(client, open, { deadlineMs: opts.deadlineMs });
  };
  if (opts.cancel?.aborted === true) onCancel();
  else opts.cancel?.addEventListener('abort', onCancel, { once: true });
  const { controller, release } = linkedController(opts.signal);
  const outputs =
    opts.onOutput === undefined
      ? []
      : taskIds.map(async (taskId, index) => {
          for await (const bytes of followOutput(client, taskId, { signal: controller.signal }))
            await opts.onOutput?.(index, bytes);
          await opts.onOutputEnd?.(index);
        });
  try {
    const collecting = (async () => {
      for await (const result of collect(client, taskIds, {
        signal: controller.signal,
        onUpdate: opts.onUpdate,
      })) {
        const index = indexOf.get(result.task_id) ?? -1;
        results[index] = result;
        await opts.onResult?.(index, result);
      }
    })();
    // One failure (a stream or a write) stops the rest: no output for a task nobody collects.
    await Promise.all([collecting, ...outputs].map((p) => p.catch(failWith)));
    if (controller.signal.aborted) throw controller.signal.reason;
  } finally {
    opts.cancel?.removeEventListener('abort', onCancel);
    controller.abort(new Error('run ended'));
    release();
  }
  return { taskIds, results: results.map((r) => r!) };

  function failWith(err: unknown): void {
    if (!controller.signal.aborted) controller.abort(err);
  }
}

/**
 * Submits every request, all or none; the responses in request order. One request is a NewTask
 * call; more are NewTasks calls of up to MAX_NEW_TASKS, each all or nothing on the coordinator.
 * When a later batch is refused, the tasks of the batches before it are cancelled (killed if
 * running) and the error thrown.
 */
export async function submitAll(
  client: DroverClient,
  requests: readonly NewTaskRequest[],
  opts: CallOptions = {},
): Promise<NewTaskResponseOut[]> {
  if (requests.length === 1) return [await client.newTask(requests[0]!, opts)];
  const responses: NewTaskResponseOut[] = [];
  try {
    for (let start = 0; start < requests.length; start += MAX_NEW_TASKS)
      responses.push(
        ...(await client.newTasks(requests.slice(start, start + MAX_NEW_TASKS), opts)),
      );
  } catch (err) {
    const made = responses.map((r) => r.task_id);
    await cancelAll(client, made, { deadlineMs: opts.deadlineMs });
    throw err;
  }
  return responses;
}

/** CancelTask (killing running ones) for each id, ignoring refusals: best effort on the way out. */
async function cancelAll(
  client: DroverClient,
  taskIds: readonly string[],
  opts: CallOptions,
): Promise<void> {
  await Promise.allSettled(taskIds.map((id) => client.cancelTask(id, true, opts)));
}
