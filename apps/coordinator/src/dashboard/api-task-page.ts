import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PARENT_TAG_KEY,
} from '@drover/protocol';
import type { PendingSummary, Store, TaskSpec } from '@drover/state';
import type { TaskEngine } from '../engine/task-engine';
import type { OutputStore } from '../outputs/output-store';
import { viewBot, type BotViewDeps } from '../rpc/bots-view';
import { checkSubmit, loadTaskAs } from '../rpc/task-access';
import type { ApiRoute } from './api-route';
import { sendJson, sendMessage } from './http-json';
import { outputOwner, timestampJson } from './task-json';
import { whyWaiting } from './wait-reasons';

/** How much output one store read fetches while streaming a whole log. */
const LOG_CHUNK = 1024 * 1024;

export interface TaskPageApiDeps extends BotViewDeps {
  readonly store: Store;
  readonly outputs?: OutputStore;
  readonly engine: TaskEngine;
}

/** The tag a retry carries, as `drover retry` gives it. */
const RETRY_TAG_KEY = 'retry_of';

/**
 * The spec of a retry of `spec` (task `id`), as `drover retry` builds its request: the same
 * slices, name, user and priority, tagged `retry_of:<id>` (an earlier `retry_of:` and the parent
 * tag dropped), never the request_uuid, no parent and no webhook (the dashboard does not check
 * one again).
 */
export function retrySpec(spec: TaskSpec, id: string, caller: string): TaskSpec {
  const drop = (tag: string) =>
    tag.startsWith(`${RETRY_TAG_KEY}:`) || tag.startsWith(`${PARENT_TAG_KEY}:`);
  const { notify: _notify, ...rest } = spec;
  return {
    ...rest,
    authenticated: caller,
    requestUuid: '',
    parentTaskId: '',
    tags: [...spec.tags.filter((t) => !drop(t)), `${RETRY_TAG_KEY}:${id}`],
  };
}

/** A task id as a file name: ids are URL-safe already, anything else becomes `_`. */
function fileNameOf(taskId: string): string {
  return taskId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * What the task page needs besides GetResult/GetRequest/GetStdout (api-tasks.ts), with the same
 * access rule (view of the task's pools): the whole output as a file (`text/plain`, attachment),
 * streamed in 1 MiB store reads so a large log never sits in memory; why a task waits
 * (wait-reasons.ts over the stored bots with their live state and the PENDING tasks).
 */
export function taskPageRoutes(deps: TaskPageApiDeps): ApiRoute[] {
  const { store } = deps;
  return [
    {
      // A new task from the request of this one (`drover retry`): the NewTaskResponse's task_id.
      // Needs the submit role in its pools; a task with secret bytes or an input tree is retried
      // with `drover retry` (the dashboard cannot give the bytes again or check the tree).
      method: 'POST',
      pattern: /^\/api\/tasks\/([^/]+)\/retry$/,
      async handle({ res, principal, params }) {
        const original = await loadTaskAs(store, principal, 'view', params[0]!);
        if (original.spec.terminate !== undefined)
          throw new FailedPreconditionError('a termination task is not retried');
        if (original.spec.hasSecretBytes === true)
          throw new FailedPreconditionError('a task with secret bytes: use drover retry');
        if (original.spec.slices.some((sl) => sl.properties.casInputRoot !== undefined))
          throw new FailedPreconditionError('a task with an input tree: use drover retry');
        const spec = retrySpec(original.spec, original.id, principal.name);
        checkSubmit(principal, spec);
        const { task } = await deps.engine.submit(spec);
        sendMessage(res, 'NewTaskResponse', { task_id: task.id });
      },
    },
    {
      // One output file (TaskResult.outputs) as GetOutput gives it: ?path=<its path>; the bytes
      // as an attachment named after the file, its digest in `x-drover-digest`.
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/outputs$/,
      async handle({ res, principal, params, query }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const path = query.get('path') ?? '';
        if (path === '') throw new InvalidArgumentError('path', 'required');
        const file = task.outputs?.files.find((f) => f.path === path);
        if (file === undefined || deps.outputs === undefined)
          throw new NotFoundError(`output file ${JSON.stringify(path)} of task ${task.id}`);
        if (!(await deps.outputs.has(file.digest, file.size)))
          throw new NotFoundError(`the content of output ${file.path} of task ${task.id}`);
        const name = (file.path.split('/').pop() ?? 'output').replace(/[^A-Za-z0-9._-]/g, '_');
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename="${name}"`,
          'content-length': file.size,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-drover-digest': file.digest,
        });
        if (file.size === 0) {
          res.end();
          return;
        }
        for await (const data of deps.outputs.read(file.digest, LOG_CHUNK)) {
          if (!res.write(data as Buffer)) await new Promise((r) => res.once('drain', r));
        }
        res.end();
      },
    },
    {
      // { slices: [{ index, current, dimensions, deadline_ts, bots: { total, idle, busy,
      // quarantined, maintenance, disconnected, dead } }], position, queued }
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/wait$/,
      async handle({ res, principal, params }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const nowMs = deps.clock();
        const views = await Promise.all(
          (await store.listBots()).map(async (b) => ({ b, v: await viewBot(deps, b, nowMs) })),
        );
        const bots = views.map(({ b, v }) => ({
          id: b.id,
          dimensions: b.dimensions,
          connected: v.info.connected,
          dead: v.info.is_dead,
          quarantined: v.info.quarantined,
          maintenance: v.info.in_maintenance,
          busy: v.busy,
        }));
        const pending: PendingSummary[] = [];
        if (task.state === 'PENDING') await store.forEachPending((p) => pending.push(p));
        const why = whyWaiting(task, bots, pending);
        sendJson(res, 200, {
          slices: why.slices.map((s) => ({
            index: s.index,
            current: s.current,
            dimensions: s.dimensions.map((d) => `${d.key}=${d.value}`),
            deadline_ts: timestampJson(s.deadlineMs),
            bots: s.bots,
          })),
          position: why.position,
          queued: why.queued,
        });
      },
    },
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
