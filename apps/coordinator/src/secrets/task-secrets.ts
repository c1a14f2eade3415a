import type { Store } from '@drover/state';
import type { SubmitExtras } from '../engine/task-engine';
import { SecretBox } from './secret-box';

/**
 * Tasks' secret bytes (NewTaskRequest.secret_bytes) on the coordinator: sealed with the
 * coordinator's key for the task's id when it is created, stored apart from the request (the
 * store's task_secrets table, deleted with the task), opened only to build the Assign of the bot
 * that runs the task. Nothing here logs them; nothing else reads them.
 */
export class TaskSecrets {
  readonly #box: SecretBox;
  readonly #store: Pick<Store, 'getSealedSecret'>;

  constructor(key: Uint8Array, store: Pick<Store, 'getSealedSecret'>) {
    this.#box = new SecretBox(key);
    this.#store = store;
  }

  /** What the engine stores with a new task for a request's secret_bytes (none when empty). */
  extrasFor(secretBytes: Uint8Array | undefined): SubmitExtras | undefined {
    if (secretBytes === undefined || secretBytes.length === 0) return undefined;
    const plain = Buffer.from(secretBytes);
    return { sealSecret: (taskId) => this.#box.seal(taskId, plain) };
  }

  /** The task's secret bytes; throws when none are stored or they do not open with this key. */
  async open(taskId: string): Promise<Buffer> {
    const sealed = await this.#store.getSealedSecret(taskId);
    if (sealed === undefined) throw new Error(`task ${taskId}: no secret bytes are stored`);
    return this.#box.open(taskId, sealed);
  }
}
