// The Tasks API as fault tests use it: a client of @drover/protocol (loadDroverProto +
// CLIENT_CHANNEL_OPTIONS, bearer token), every call bounded by a gRPC deadline.
import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  timestampToMs,
  type CancelTaskResponseOut,
  type NewTaskRequest,
  type NewTaskResponseOut,
  type TaskOutputOut,
  type TaskResultOut,
  type TasksClient,
  type TimestampOut,
} from '@drover/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Unary calls give up after this long. */
const CALL_DEADLINE_MS = 10_000;
/** GetStdout returns at most this much per call. */
const STDOUT_PAGE = 16 * 1024 * 1024;

export const FINAL_STATES = new Set([
  'EXPIRED',
  'TIMED_OUT',
  'BOT_DIED',
  'CANCELED',
  'COMPLETED',
  'KILLED',
  'NO_RESOURCE',
  'CLIENT_ERROR',
]);

export interface ShTaskOptions {
  /** Extra dimensions besides pool=default, as key=value. */
  readonly dims?: readonly string[];
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly executionTimeoutSecs?: number;
  readonly ioTimeoutSecs?: number;
  readonly gracePeriodSecs?: number;
}

/** A one-slice task running `sh -c script` on a bot of pool=default (and `dims`). */
export function shTask(script: string, opts: ShTaskOptions = {}): NewTaskRequest {
  const dimensions = ['pool=default', ...(opts.dims ?? [])].map((d) => ({
    key: d.slice(0, d.indexOf('=')),
    value: d.slice(d.indexOf('=') + 1),
  }));
  return {
    name: opts.name ?? 'fault',
    tags: [...(opts.tags ?? [])],
    task_slices: [
      {
        properties: {
          command: ['sh', '-c', script],
          dimensions,
          execution_timeout_secs: opts.executionTimeoutSecs ?? 120,
          io_timeout_secs: opts.ioTimeoutSecs ?? 0,
          grace_period_secs: opts.gracePeriodSecs ?? 1,
        },
        expiration_secs: 120,
      },
    ],
  };
}

export const tsMs = (ts: TimestampOut | null | undefined): number | null => timestampToMs(ts);

export class TasksApi {
  readonly #stub: TasksClient;
  readonly #token: string;

  constructor(address: string, token: string) {
    const proto = loadDroverProto();
    this.#stub = new proto.drover.v1.Tasks(
      address,
      grpc.credentials.createInsecure(),
      CLIENT_CHANNEL_OPTIONS,
    );
    this.#token = token;
  }

  /** A client for the coordinator whose data dir holds `client.token`. */
  static forDataDir(address: string, dataDir: string): TasksApi {
    return new TasksApi(address, readFileSync(join(dataDir, 'client.token'), 'utf8').trim());
  }

  close(): void {
    this.#stub.close();
  }

  newTask(req: NewTaskRequest): Promise<NewTaskResponseOut> {
    return this.#unary((md, opts, cb) => this.#stub.NewTask(req, md, opts, cb));
  }

  result(taskId: string): Promise<TaskResultOut> {
    return this.#unary((md, opts, cb) => this.#stub.GetResult({ task_id: taskId }, md, opts, cb));
  }

  cancel(taskId: string, killRunning: boolean): Promise<CancelTaskResponseOut> {
    return this.#unary((md, opts, cb) =>
      this.#stub.CancelTask({ task_id: taskId, kill_running: killRunning }, md, opts, cb),
    );
  }

  async count(state: string): Promise<number> {
    const res = await this.#unary<{ count: number }>((md, opts, cb) =>
      this.#stub.CountTasks({ state: state as never }, md, opts, cb),
    );
    return Number(res.count);
  }

  async list(state: string, limit = 1000): Promise<TaskResultOut[]> {
    const res = await this.#unary<{ items: TaskResultOut[] }>((md, opts, cb) =>
      this.#stub.ListTasks({ state: state as never, limit }, md, opts, cb),
    );
    return res.items;
  }

  /** The whole stored output (paged through GetStdout). */
  async output(taskId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const page = await this.#unary<TaskOutputOut>((md, opts, cb) =>
        this.#stub.GetStdout({ task_id: taskId, offset, length: STDOUT_PAGE }, md, opts, cb),
      );
      parts.push(page.output);
      offset += page.output.length;
      if (page.output.length === 0 || offset >= Number(page.size)) break;
    }
    return Buffer.concat(parts);
  }

  /**
   * Follows WaitTask until the task is final; resolves with every result seen. `onResult` sees
   * each as it arrives. Rejects at the deadline (the stream is cancelled).
   */
  follow(
    taskId: string,
    opts: { deadlineMs?: number; onResult?: (r: TaskResultOut) => void } = {},
  ): Promise<TaskResultOut[]> {
    const deadlineMs = opts.deadlineMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const seen: TaskResultOut[] = [];
      const stream = this.#stub.WaitTask({ task_id: taskId }, this.#md(), {
        deadline: Date.now() + deadlineMs,
      });
      stream.on('data', (r: TaskResultOut) => {
        seen.push(r);
        opts.onResult?.(r);
      });
      stream.on('end', () => resolve(seen));
      stream.on('error', (err: grpc.ServiceError) => {
        const states = seen.map((r) => r.state).join(' → ');
        reject(new Error(`WaitTask ${taskId} failed after [${states}]: ${err.message}`));
      });
    });
  }

  /** Follows the task until it is final; resolves with the final result. */
  async final(taskId: string, deadlineMs = 30_000): Promise<TaskResultOut> {
    const seen = await this.follow(taskId, { deadlineMs });
    const last = seen.at(-1);
    if (last === undefined || !FINAL_STATES.has(last.state)) {
      throw new Error(`WaitTask ${taskId} ended without a final state (${last?.state})`);
    }
    return last;
  }

  /** Resolves with the first result WaitTask reports satisfying `pred`. */
  until(
    taskId: string,
    what: string,
    pred: (r: TaskResultOut) => boolean,
    deadlineMs = 30_000,
  ): Promise<TaskResultOut> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const seen: string[] = [];
      const stream = this.#stub.WaitTask({ task_id: taskId }, this.#md(), {
        deadline: Date.now() + deadlineMs,
      });
      stream.on('data', (r: TaskResultOut) => {
        seen.push(r.state);
        if (settled || !pred(r)) return;
        settled = true;
        resolve(r);
        stream.cancel();
      });
      stream.on('error', (err: grpc.ServiceError) => {
        if (settled) return;
        settled = true;
        reject(new Error(`task ${taskId}: no ${what} (saw ${seen.join(' → ')}): ${err.message}`));
      });
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        reject(new Error(`task ${taskId} ended without ${what} (saw ${seen.join(' → ')})`));
      });
    });
  }

  /**
   * Resolves once some of the task's output is stored (StreamOutput's first chunk): WaitTask
   * tells changes of state only, not output growing.
   */
  outputStored(taskId: string, deadlineMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const stream = this.#stub.StreamOutput({ task_id: taskId, offset: 0 }, this.#md(), {
        deadline: Date.now() + deadlineMs,
      });
      stream.on('data', (chunk: TaskOutputOut) => {
        if (settled || chunk.output.length === 0) return;
        settled = true;
        resolve();
        stream.cancel();
      });
      stream.on('error', (err: grpc.ServiceError) => {
        if (settled) return;
        settled = true;
        reject(new Error(`task ${taskId}: no output stored: ${err.message}`));
      });
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        reject(new Error(`task ${taskId} ended without output`));
      });
    });
  }

  #md(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.#token}`);
    return md;
  }

  #unary<Res>(
    fn: (
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Res) => void,
    ) => unknown,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn(this.#md(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) =>
        err ? reject(err) : resolve(res!),
      );
    });
  }
}
