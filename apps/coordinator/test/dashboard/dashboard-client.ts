// Helpers for the dashboard tests: real HTTP (fetch) against a test coordinator's HTTP port, and
// task submission over real gRPC.
import type { NewTaskResponseOut, TasksClient } from '@drover/protocol';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call } from '../harness';

export function baseUrl(coord: RunningCoordinator): string {
  return `http://${coord.httpAddress}`;
}

/** A request to the dashboard API; the token (if any) as `authorization: Bearer`. */
export async function apiFetch(
  coord: RunningCoordinator,
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown } = {},
  // The body's shape is what each test asserts on.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl(coord)}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

export interface TaskOptions {
  name?: string;
  command?: string[];
  pool?: string;
  tags?: string[];
  /** Extra dimensions (a task for no bot stays PENDING with wait_for_capacity). */
  dimensions?: Array<{ key: string; value: string }>;
  waitForCapacity?: boolean;
  /** The task's parent (NewTaskRequest.parent_task_id): it is tagged `parent_task_id:<id>`. */
  parentTaskId?: string;
}

export async function submitTask(
  tasks: TasksClient,
  token: string,
  opts: TaskOptions = {},
): Promise<string> {
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          name: opts.name ?? 'task',
          tags: opts.tags ?? [],
          ...(opts.parentTaskId === undefined ? {} : { parent_task_id: opts.parentTaskId }),
          task_slices: [
            {
              properties: {
                command: opts.command ?? ['true'],
                dimensions: [
                  { key: 'pool', value: opts.pool ?? 'default' },
                  ...(opts.dimensions ?? []),
                ],
              },
              ...(opts.waitForCapacity === true ? { wait_for_capacity: true } : {}),
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  return res.task_id;
}

/**
 * A payload printing `line 1` … `line n`, each only once the test created `<dir>/go-<i>`: the
 * test decides when output appears, nothing sleeps on the test's side.
 */
export function gatedLines(dir: string, n: number): string[] {
  const seq = Array.from({ length: n }, (_, i) => i + 1).join(' ');
  return [
    'sh',
    '-c',
    `for i in ${seq}; do while [ ! -e "$0/go-$i" ]; do sleep 0.05; done; echo "line $i"; done`,
    dir,
  ];
}
