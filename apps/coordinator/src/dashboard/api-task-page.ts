import type { Store } from '@drover/state';
import { loadTaskAs } from '../rpc/task-access';
import type { ApiRoute } from './api-route';
import { outputOwner } from './task-json';

/** How much output one store read fetches while streaming a whole log. */
const LOG_CHUNK = 1024 * 1024;

export interface TaskPageApiDeps {
  readonly store: Store;
}

/** A task id as a file name: ids are URL-safe already, anything else becomes `_`. */
function fileNameOf(taskId: string): string {
  return taskId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * What the task page needs besides GetResult/GetRequest/GetStdout (api-tasks.ts), with the same
 * access rule (view of the task's pools): the whole output as a file (`text/plain`, attachment),
 * streamed in 1 MiB store reads so a large log never sits in memory.
 */
export function taskPageRoutes(deps: TaskPageApiDeps): ApiRoute[] {
  const { store } = deps;
  return [
    {
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/log$/,
      async handle({ res, principal, params }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const owner = outputOwner(task);
        const size = task.outputSize;
        res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="${fileNameOf(task.id)}.log"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        for (let offset = 0; offset < size; offset += LOG_CHUNK) {
          const chunk = await store.readOutput(owner, offset, Math.min(LOG_CHUNK, size - offset));
          if (chunk.length === 0) break;
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        }
        res.end();
      },
    },
  ];
}
