import * as grpc from '@grpc/grpc-js';
import type { BotApiClient, OutputFileChunk, UploadOutputsResponseOut } from '@drover/protocol';
import { createReadStream } from 'node:fs';
import type { OutputFileEntry } from './output-files';
import { openFileInside } from './safe-paths';

/**
 * Sends a task's output files with BotApi.UploadOutputs: one call, the files one after the
 * other, each in chunks of `chunkBytes` at increasing offsets, every chunk naming the bot, task
 * and lease (the coordinator checks them, and each file's SHA-256). Each file is opened again as
 * listOutputFiles did (never through a symbolic link, a regular file inside the out dir): one
 * that no longer is fails the upload. Outcomes are data.
 */

export const OUTPUT_CHUNK_BYTES = 1024 * 1024;

export interface UploadTarget {
  readonly client: BotApiClient;
  readonly token: string;
  readonly botId: string;
  readonly taskId: string;
  readonly leaseId: string;
}

export type UploadOutcome =
  | { readonly ok: true; readonly files: number; readonly bytes: number }
  | { readonly ok: false; readonly retriable: boolean; readonly why: string };

/** Status codes after which the same upload may succeed later. */
const RETRIABLE = new Set<grpc.status>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
  grpc.status.ABORTED,
]);

class FileRefused extends Error {}

export function uploadOutputFiles(
  target: UploadTarget,
  files: readonly OutputFileEntry[],
  opts: { readonly chunkBytes?: number; readonly timeoutMs?: number } = {},
): Promise<UploadOutcome> {
  const chunkBytes = opts.chunkBytes ?? OUTPUT_CHUNK_BYTES;
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${target.token}`);
  return new Promise<UploadOutcome>((resolve) => {
    let settled = false;
    /** Why a file could not be read, once the call is cancelled for it. */
    let readFailure: string | undefined;
    const abort = new AbortController();
    const call = target.client.UploadOutputs(
      md,
      { deadline: Date.now() + (opts.timeoutMs ?? 600_000) },
      (err: grpc.ServiceError | null, res?: UploadOutputsResponseOut) => {
        settled = true;
        abort.abort();
        if (err === null && res !== undefined) {
          resolve({ ok: true, files: res.files, bytes: Number(res.bytes) });
          return;
        }
        if (readFailure !== undefined) {
          resolve({ ok: false, retriable: false, why: readFailure });
          return;
        }
        const code = err?.code ?? grpc.status.UNKNOWN;
        resolve({
          ok: false,
          retriable: RETRIABLE.has(code),
          why: `${grpc.status[code]}: ${err?.details ?? 'no response'}`,
        });
      },
    );
    const send = async (chunk: OutputFileChunk): Promise<void> => {
      if (settled) throw new Error('upload ended');
      if (call.write(chunk)) return;
      await new Promise<void>((done) => {
        const finish = () => {
          call.off('drain', finish);
          abort.signal.removeEventListener('abort', finish);
          done();
        };
        call.on('drain', finish);
        abort.signal.addEventListener('abort', finish);
      });
    };
    const base = { bot_id: target.botId, task_id: target.taskId, lease_id: target.leaseId };
    void (async () => {
      for (const f of files) {
        const head = { ...base, path: f.path, size: f.size, digest: f.digest };
        if (f.size === 0) {
          await send({ ...head, offset: 0, data: Buffer.alloc(0) });
          continue;
        }
        const opened = openFileInside(f.root, f.absPath);
        if (!opened.ok) throw new FileRefused(`${f.path}: ${opened.why}`);
        let offset = 0;
        const stream = createReadStream('', { fd: opened.fd, highWaterMark: chunkBytes });
        for await (const data of stream) {
          await send({ ...head, offset, data: data as Buffer });
          offset += (data as Buffer).length;
        }
      }
      call.end();
    })().catch((err: unknown) => {
      // A file that cannot be read, or the call already ended: the callback says the rest.
      if (settled) return;
      readFailure = `cannot read ${err instanceof FileRefused ? err.message : String(err)}`;
      call.cancel();
    });
  });
}
