import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  DroverError,
  PermissionDeniedError,
  taskToResult,
  type TaskChange,
  type WatchTasksRequestOut,
} from '@drover/protocol';
import type { Logger } from 'pino';
import { poolsWith } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { TaskTransition } from '../engine/task-engine';
import type { TransitionHub } from '../watch/transition-hub';
import { matchesWatch, toWatchFilter } from '../watch/watch-filter';
import { authenticate, serverStream, write } from './grpc-edge';
import { mayView } from './task-access';

/**
 * Changes a stream may hold that the client has not read yet; past it the stream ends with
 * RESOURCE_EXHAUSTED rather than let one slow reader grow the coordinator's memory.
 */
export const WATCH_MAX_QUEUED = 10_000;

/** The wire TaskChange of a committed transition. */
export function toTaskChange({ task, from }: TaskTransition): TaskChange {
  return {
    task_id: task.id,
    state: task.state,
    previous_state: from ?? 'INVALID',
    result: taskToResult(task),
  };
}

/**
 * Tasks.WatchTasks: every committed state change of a matching task the caller may view, until
 * the client cancels (or the coordinator stops: the stream then ends OK).
 */
export function watchTasksHandlers(deps: {
  hub: TransitionHub;
  tokens: TokenAuthority;
  log: Logger;
  maxQueued?: number;
}): grpc.UntypedServiceImplementation {
  const { hub, tokens, log } = deps;
  const maxQueued = deps.maxQueued ?? WATCH_MAX_QUEUED;
  return {
    WatchTasks: serverStream<WatchTasksRequestOut, TaskChange>(
      log,
      'WatchTasks',
      async (req, call, signal) => {
        let principal = authenticate(tokens, call.metadata, 'client');
        const pools = poolsWith(principal, 'view');
        if (pools !== 'all' && pools.length === 0) {
          throw new PermissionDeniedError('WatchTasks needs the view role in at least one pool');
        }
        const filter = toWatchFilter(req);
        const queue: TaskChange[] = [];
        let overflow = false;
        let hubClosed = false;
        /** Why the caller's token of the store stopped working while it watched. */
        let refused: string | undefined;
        let wake: (() => void) | undefined;
        const poke = () => {
          const w = wake;
          wake = undefined;
          w?.();
        };
        const unsubscribe = hub.subscribe({
          onTransition(change) {
            if (overflow || !matchesWatch(filter, change.task)) return;
            if (!mayView(principal, change.task)) return;
            if (queue.length >= maxQueued) overflow = true;
            else queue.push(toTaskChange(change));
            poke();
          },
          onClose() {
            hubClosed = true;
            poke();
          },
        });
        // A token of the store that stops working (revoked, expired, its principal deleted) ends
        // the watch; a changed role applies to the next change.
        const tokenId = principal.tokenId;
        const onAccessChanged = () => {
          if (tokenId === undefined) return;
          const now = tokens.storeToken(tokenId);
          if ('principal' in now && now.principal.kind === 'client') principal = now.principal;
          else refused ??= 'refused' in now ? now.refused : `token ${tokenId} is not a client's`;
          poke();
        };
        if (tokenId !== undefined) tokens.events.on('changed', onAccessChanged);
        // A JWT's watch ends when the JWT expires.
        const leftMs = tokens.msLeft(principal);
        const expiry =
          leftMs === undefined
            ? undefined
            : setTimeout(
                () => {
                  refused ??= `the JWT expired at ${new Date(principal.expiresMs ?? 0).toISOString()}`;
                  poke();
                },
                Math.min(leftMs, 2_147_483_647),
              );
        expiry?.unref();
        signal.addEventListener('abort', poke);
        // Headers now: the client knows it is watching before the first change.
        call.sendMetadata(new grpc.Metadata());
        try {
          while (!signal.aborted) {
            if (refused !== undefined) {
              throw new DroverError(status.UNAUTHENTICATED, `token refused: ${refused}`);
            }
            if (overflow) {
              throw new DroverError(
                status.RESOURCE_EXHAUSTED,
                `the client fell more than ${maxQueued} changes behind; watch again`,
                { retryable: true },
              );
            }
            const next = queue.shift();
            if (next !== undefined) {
              await write(call, next, signal);
              continue;
            }
            if (hubClosed) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          tokens.events.off('changed', onAccessChanged);
          clearTimeout(expiry);
          unsubscribe();
          signal.removeEventListener('abort', poke);
        }
      },
    ),
  };
}
