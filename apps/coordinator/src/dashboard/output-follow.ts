import { canonicalJson } from '@drover/protocol';
import { isFinalState, type Store } from '@drover/state';
import type { TaskEngine } from '../engine/task-engine';
import { outputOwner, taskResultJson } from './task-json';

/** Output bytes per message to the browser. */
const CHUNK_BYTES = 64 * 1024;

/** What a follow sends: JSON messages, each resolved once handed to the socket (backpressure). */
export type SendFn = (message: object) => Promise<void>;

/**
 * Follows one task for one socket: its TaskResult on every change (`{type: 'task', result}`),
 * and its output from `offset` to the end as StreamOutput sends it, TaskOutput chunks
 * (`{type: 'output', task_id, output}`), however long; ends (`output-end`, whose TaskOutput is
 * empty at the end of the output) once the task is final and everything was sent. Messages are
 * canonical JSON (docs/json.md). Changes that happen while a pump runs are not lost (the dirty
 * flag).
 */
export class OutputFollow {
  readonly #engine: Pick<TaskEngine, 'taskWatchers' | 'outputWatchers'>;
  readonly #store: Pick<Store, 'getTask' | 'readOutput'>;
  readonly #taskId: string;
  readonly #send: SendFn;
  #offset: number;
  #lastModifiedMs = -1;
  #lastState = '';
  #dirty = true;
  #pumping = false;
  #stopped = false;
  #unwatch: Array<() => void> = [];

  /** `engine` tells of the task's changes and new output; `store` reads them. */
  constructor(
    engine: Pick<TaskEngine, 'taskWatchers' | 'outputWatchers'>,
    store: Pick<Store, 'getTask' | 'readOutput'>,
    taskId: string,
    offset: number,
    send: SendFn,
  ) {
    this.#engine = engine;
    this.#store = store;
    this.#taskId = taskId;
    this.#offset = offset;
    this.#send = send;
  }

  /** Starts following; `onError` hears a failed read (a bug or a closed store). */
  start(onError: (err: unknown) => void): void {
    const poke = () => {
      this.#dirty = true;
      this.#pump().catch(onError);
    };
    this.#unwatch = [
      this.#engine.taskWatchers.watch(this.#taskId, poke),
      this.#engine.outputWatchers.watch(this.#taskId, poke),
    ];
    this.#pump().catch(onError);
  }

  stop(): void {
    this.#stopped = true;
    for (const off of this.#unwatch) off();
    this.#unwatch = [];
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#dirty && !this.#stopped) {
        this.#dirty = false;
        if (await this.#step()) {
          this.stop();
          return;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Sends what changed; true when the task is final and all its output was sent. */
  async #step(): Promise<boolean> {
    const task = await this.#store.getTask(this.#taskId);
    if (task === undefined) return true;
    if (task.modifiedAtMs !== this.#lastModifiedMs || task.state !== this.#lastState) {
      this.#lastModifiedMs = task.modifiedAtMs;
      this.#lastState = task.state;
      await this.#send({ type: 'task', result: taskResultJson(task) });
    }
    const owner = outputOwner(task);
    while (this.#offset < task.outputSize && !this.#stopped) {
      const data = await this.#store.readOutput(owner, this.#offset, CHUNK_BYTES);
      if (data.length === 0) break;
      await this.#send({
        type: 'output',
        task_id: this.#taskId,
        output: canonicalJson('TaskOutput', {
          offset: this.#offset,
          output: data,
          state: task.state,
          size: task.outputSize,
        }),
      });
      this.#offset += data.length;
    }
    if (isFinalState(task.state) && this.#offset >= task.outputSize) {
      await this.#send({
        type: 'output-end',
        task_id: this.#taskId,
        output: canonicalJson('TaskOutput', {
          offset: this.#offset,
          output: Buffer.alloc(0),
          state: task.state,
          size: this.#offset,
        }),
      });
      return true;
    }
    return false;
  }
}
