import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type NewTaskRequest,
  type NewTaskResponseOut,
  type NewTasksResponseOut,
  type TasksClient,
} from '@drover/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The plain tokens a coordinator writes beside its tokens file on first start. */
export function readTokens(dataDir: string): { client: string; bot: string } {
  const read = (kind: string) => readFileSync(join(dataDir, `${kind}.token`), 'utf8').trim();
  return { client: read('client'), bot: read('bot') };
}

/** A Tasks client with the client token, for benchmarks. */
export class BenchTasksClient {
  readonly #stub: TasksClient;
  readonly #md = new grpc.Metadata();

  constructor(address: string, token: string) {
    const proto = loadDroverProto().drover.v1;
    this.#stub = new proto.Tasks(
      address,
      grpc.credentials.createInsecure(),
      CLIENT_CHANNEL_OPTIONS,
    );
    this.#md.set('authorization', `Bearer ${token}`);
  }

  newTask(request: NewTaskRequest, timeoutMs = 30_000): Promise<NewTaskResponseOut> {
    return new Promise((resolve, reject) => {
      this.#stub.NewTask(
        request,
        this.#md,
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: NewTaskResponseOut) =>
          err ? reject(err) : resolve(res!),
      );
    });
  }

  /** One NewTasks call: the tasks in one store transaction, answered in the requests' order. */
  newTasks(requests: readonly NewTaskRequest[], timeoutMs = 30_000): Promise<NewTasksResponseOut> {
    return new Promise((resolve, reject) => {
      this.#stub.NewTasks(
        { requests: [...requests] },
        this.#md,
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: NewTasksResponseOut) =>
          err ? reject(err) : resolve(res!),
      );
    });
  }

  close(): void {
    this.#stub.close();
  }
}

/** A task that waits for a bot with these dimensions and runs `command` (default `true`). */
export function benchTaskRequest(
  dimensions: Readonly<Record<string, string>>,
  priority = 100,
  command: readonly string[] = ['true'],
): NewTaskRequest {
  return {
    name: 'bench',
    priority,
    task_slices: [
      {
        properties: {
          command: [...command],
          dimensions: Object.entries(dimensions).map(([key, value]) => ({ key, value })),
        },
        expiration_secs: 3600,
        wait_for_capacity: true,
      },
    ],
  };
}
