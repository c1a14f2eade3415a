import * as grpc from '@grpc/grpc-js';
import type { OutputFileChunkOut, UploadOutputsResponse } from '@drover/protocol';
import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import { mayUseBotId } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import { badOutputPath } from './output-path';
import { DIGEST_RE, type BlobWriter, type OutputStore } from './output-store';

/**
 * BotApi.UploadOutputs: a bot sends the files its task left in DROVER_OUTDIR, after
 * the process ended and before its TaskFinished. Authorised like the bot's other reports: a bot
 * token whose group may use the chunk's bot id, for a task that is RUNNING on that bot under that
 * lease (the store decides, so it holds across replicas). Files arrive one after the other, each
 * at increasing offsets; each is checked (size, SHA-256) and stored by content (output-store.ts).
 * Nothing is recorded on the task here: the TaskFinished that follows lists the files, and the
 * final state is written with them. A call that fails half-way leaves only complete blobs.
 */

export interface UploadOutputsDeps {
  readonly store: Store;
  readonly outputs: OutputStore;
  readonly tokens: TokenAuthority;
  /** The most bytes one task may upload (the sum of the announced sizes). */
  readonly maxBytes: number;
  readonly log: Logger;
  /** Output blobs are CAS blobs: recorded as touched now (cas/blob-gc.ts). @default Date.now */
  readonly clock?: () => number;
}

type Failure = { readonly code: grpc.status; readonly details: string };

interface UploadState {
  identity: { botId: string; taskId: string; leaseId: string } | undefined;
  current: { path: string; writer: BlobWriter } | undefined;
  paths: Set<string>;
  announcedBytes: number;
  files: number;
  bytes: number;
}

export function uploadOutputsHandler(
  deps: UploadOutputsDeps,
): grpc.handleClientStreamingCall<OutputFileChunkOut, UploadOutputsResponse> {
  return (call, callback) => {
    const auth = call.metadata.get('authorization')[0];
    const principal = deps.tokens.authenticate(typeof auth === 'string' ? auth : undefined);
    if (principal === undefined) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or invalid bot token' });
      return;
    }
    if (principal.kind !== 'bot') {
      callback({ code: grpc.status.PERMISSION_DENIED, details: 'only bot tokens may upload' });
      return;
    }
    const state: UploadState = {
      identity: undefined,
      current: undefined,
      paths: new Set(),
      announcedBytes: 0,
      files: 0,
      bytes: 0,
    };
    let done = false;
    let queue: Promise<void> = Promise.resolve();
    const finish = (failure: Failure | undefined) => {
      if (done) return;
      done = true;
      const writer = state.current?.writer;
      state.current = undefined;
      if (failure !== undefined) {
        void writer?.abort();
        deps.log.warn({ ...state.identity, ...failure }, 'output upload refused');
        callback(failure);
        return;
      }
      deps.log.info(
        { ...state.identity, files: state.files, bytes: state.bytes },
        'outputs stored',
      );
      callback(null, { files: state.files, bytes: state.bytes });
    };
    const fail = (code: grpc.status, details: string): Failure => ({ code, details });

    const onChunk = async (chunk: OutputFileChunkOut): Promise<Failure | undefined> => {
      if (state.identity === undefined) {
        const refused = await authorise(deps, (id) => mayUseBotId(principal, id), chunk);
        if (refused !== undefined) return refused;
        state.identity = { botId: chunk.bot_id, taskId: chunk.task_id, leaseId: chunk.lease_id };
      } else if (
        chunk.bot_id !== state.identity.botId ||
        chunk.task_id !== state.identity.taskId ||
        chunk.lease_id !== state.identity.leaseId
      ) {
        return fail(grpc.status.INVALID_ARGUMENT, 'task_id: one upload is for one task and lease');
      }
      if (state.current === undefined || state.current.path !== chunk.path) {
        if (state.current !== undefined)
          return fail(grpc.status.INVALID_ARGUMENT, `path: ${state.current.path} is incomplete`);
        const started = await startFile(deps, state, chunk);
        if (started !== undefined) return started;
      }
      const cur = state.current!;
      if (chunk.offset !== cur.writer.written)
        return fail(
          grpc.status.INVALID_ARGUMENT,
          `offset: ${chunk.path} expected ${cur.writer.written}, got ${chunk.offset}`,
        );
      if (cur.writer.written + chunk.data.length > cur.writer.size)
        return fail(grpc.status.INVALID_ARGUMENT, `data: ${chunk.path} is longer than its size`);
      if (chunk.data.length > 0) await cur.writer.write(chunk.data);
      if (!cur.writer.complete) return undefined;
      state.current = undefined;
      const clock = deps.clock ?? Date.now;
      const blob = { hash: cur.writer.digest, sizeBytes: cur.writer.size };
      const outcome = await cur.writer.commit(() => deps.store.touchCasBlobs([blob], clock()));
      if (outcome !== 'stored')
        return fail(grpc.status.DATA_LOSS, `digest: ${cur.path} does not match its content`);
      state.files += 1;
      state.bytes += cur.writer.size;
      deps.outputs.recordReceipt(state.identity.taskId, state.identity.leaseId, cur.writer.digest);
      return undefined;
    };

    call.on('data', (chunk: OutputFileChunkOut) => {
      call.pause();
      queue = queue
        .then(async () => {
          if (done) return;
          const failure = await onChunk(chunk);
          if (failure !== undefined) finish(failure);
        })
        .catch((err: unknown) => {
          deps.log.error({ err }, 'storing an output chunk failed');
          finish(fail(grpc.status.INTERNAL, 'internal error storing outputs'));
        })
        .finally(() => {
          if (!done) call.resume();
        });
    });
    call.on('end', () => {
      queue = queue.then(() => {
        if (state.current !== undefined)
          finish(fail(grpc.status.INVALID_ARGUMENT, `path: ${state.current.path} is incomplete`));
        else finish(undefined);
      });
    });
    call.on('cancelled', () => {
      queue = queue.then(() => {
        done = true;
        void state.current?.writer.abort();
        state.current = undefined;
      });
    });
  };
}

async function authorise(
  deps: UploadOutputsDeps,
  mayUse: (botId: string) => boolean,
  chunk: OutputFileChunkOut,
): Promise<Failure | undefined> {
  if (!mayUse(chunk.bot_id)) {
    return {
      code: grpc.status.PERMISSION_DENIED,
      details: `bot_id: ${chunk.bot_id} is not a bot id this token's bot group may use`,
    };
  }
  const task = chunk.task_id === '' ? undefined : await deps.store.getTask(chunk.task_id);
  if (
    task === undefined ||
    task.state !== 'RUNNING' ||
    task.botId !== chunk.bot_id ||
    task.leaseId !== chunk.lease_id
  ) {
    return {
      code: grpc.status.FAILED_PRECONDITION,
      details: `task_id: ${chunk.task_id} is not running on ${chunk.bot_id} under this lease`,
    };
  }
  return undefined;
}

async function startFile(
  deps: UploadOutputsDeps,
  state: UploadState,
  chunk: OutputFileChunkOut,
): Promise<Failure | undefined> {
  const bad = badOutputPath(chunk.path);
  if (bad !== undefined)
    return {
      code: grpc.status.INVALID_ARGUMENT,
      details: `path: ${JSON.stringify(chunk.path)} ${bad}`,
    };
  if (state.paths.has(chunk.path))
    return { code: grpc.status.INVALID_ARGUMENT, details: `path: ${chunk.path} sent twice` };
  if (!DIGEST_RE.test(chunk.digest))
    return { code: grpc.status.INVALID_ARGUMENT, details: 'digest: must be a SHA-256 in hex' };
  if (!Number.isSafeInteger(chunk.size) || chunk.size < 0)
    return { code: grpc.status.INVALID_ARGUMENT, details: 'size: must be ≥ 0' };
  state.announcedBytes += chunk.size;
  if (state.announcedBytes > deps.maxBytes) {
    return {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: `size: the outputs exceed the limit of ${deps.maxBytes} bytes per task`,
    };
  }
  state.paths.add(chunk.path);
  state.current = { path: chunk.path, writer: await deps.outputs.begin(chunk.digest, chunk.size) };
  return undefined;
}
