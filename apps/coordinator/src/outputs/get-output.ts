import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  NotFoundError,
  type GetOutputRequest,
  type OutputChunk,
} from '@drover/protocol';
import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/tokens';
import { authenticate, serverStream, write } from '../rpc/grpc-edge';
import { loadTaskAs } from '../rpc/task-access';
import type { OutputStore } from './output-store';

/** Bytes per OutputChunk of GetOutput. */
export const GET_OUTPUT_CHUNK_BYTES = 1024 * 1024;

/**
 * Tasks.GetOutput: the bytes of one file of a task's outputs, for a caller who may view
 * the task (task-access.ts), in chunks of 1 MiB, each carrying the file's size and digest so that
 * the client can check what it got.
 */
export function getOutputHandler(deps: {
  store: Store;
  outputs: OutputStore;
  tokens: TokenAuthority;
  log: Logger;
}): grpc.handleServerStreamingCall<GetOutputRequest, OutputChunk> {
  return serverStream<GetOutputRequest, OutputChunk>(
    deps.log,
    'GetOutput',
    async (req, call, signal) => {
      const principal = authenticate(deps.tokens, call.metadata, 'client');
      const task = await loadTaskAs(deps.store, principal, 'view', req.task_id ?? '');
      if ((req.path ?? '') === '') throw new InvalidArgumentError('path', 'required');
      const file = task.outputs?.files.find((f) => f.path === req.path);
      if (file === undefined)
        throw new NotFoundError(`output file ${JSON.stringify(req.path)} of task ${task.id}`);
      if (!(await deps.outputs.has(file.digest, file.size)))
        throw new NotFoundError(`the content of output ${file.path} of task ${task.id}`);
      let offset = 0;
      const head = { size: file.size, digest: file.digest };
      if (file.size === 0) {
        call.write({ offset: 0, data: Buffer.alloc(0), ...head });
        return;
      }
      for await (const data of deps.outputs.read(file.digest, GET_OUTPUT_CHUNK_BYTES)) {
        if (signal.aborted) return;
        const chunk = data as Buffer;
        await write(call, { offset, data: chunk, ...head }, signal);
        offset += chunk.length;
      }
    },
  );
}
