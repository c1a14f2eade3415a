import * as grpc from '@grpc/grpc-js';
import {
  BLOB_HASH,
  DroverError,
  InvalidArgumentError,
  MAX_CAS_CHUNK_BYTES,
  MAX_CAS_UPLOAD_BLOBS,
  NotFoundError,
  PermissionDeniedError,
  type DigestOut,
  type DownloadChunk,
  type DownloadRequestOut,
  type FindMissingRequestOut,
  type FindMissingResponse,
  type UploadChunkOut,
  type UploadResponse,
} from '@drover/protocol';
import type { Store } from '@drover/state';
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { BlobWriter, OutputStore } from '../outputs/output-store';
import { authenticate, serverStream, toStatus, unary, write } from '../rpc/grpc-edge';
import { mayDownload, mayUpload, uploaderId } from './cas-access';

export interface CasServiceDeps {
  readonly store: Store;
  /** The blobs on disk (outputs/output-store.ts). */
  readonly blobs: OutputStore;
  readonly tokens: TokenAuthority;
  readonly clock: () => number;
  readonly log: Logger;
  /** The largest blob Upload accepts. */
  readonly maxBlobBytes: number;
}

/** A digest's problem, naming `field` (e.g. `digests[3]`), or undefined. */
export function digestProblem(
  d: DigestOut | null | undefined,
  field: string,
  maxBytes = Number.MAX_SAFE_INTEGER,
): InvalidArgumentError | undefined {
  if (d === null || d === undefined) return new InvalidArgumentError(field, 'required');
  if (!BLOB_HASH.test(d.hash)) {
    return new InvalidArgumentError(`${field}.hash`, 'must be a SHA-256 in lower-case hex');
  }
  const size = Number(d.size_bytes);
  if (!Number.isSafeInteger(size) || size < 0) {
    return new InvalidArgumentError(`${field}.size_bytes`, 'must be ≥ 0');
  }
  if (size > maxBytes) {
    return new InvalidArgumentError(
      `${field}.size_bytes`,
      `a blob is at most ${maxBytes} bytes (--cas-max-blob-bytes), got ${size}`,
    );
  }
  return undefined;
}

/**
 * Service Cas (cas.proto): FindMissing, Upload and Download over the blobs of `--cas-dir`. The
 * store records who uploaded what and when a blob was last touched (the GC, blob-gc.ts).
 */
export function casHandlers(deps: CasServiceDeps): grpc.UntypedServiceImplementation {
  const { store, blobs, tokens, log } = deps;
  const client = (metadata: grpc.Metadata): Principal => {
    const p = authenticate(tokens, metadata, 'client');
    if (!mayUpload(p)) {
      throw new PermissionDeniedError('needs the submit role in some pool to store blobs');
    }
    return p;
  };

  return {
    FindMissing: unary<FindMissingRequestOut, FindMissingResponse>(
      log,
      'FindMissing',
      async (req, call) => {
        client(call.metadata);
        for (const [i, d] of req.digests.entries()) {
          const bad = digestProblem(d, `digests[${i}]`);
          if (bad !== undefined) throw bad;
        }
        const digests = req.digests.map((d) => ({ hash: d.hash, sizeBytes: Number(d.size_bytes) }));
        const held = await Promise.all(digests.map((d) => blobs.has(d.hash, d.sizeBytes)));
        const present = digests.filter((_, i) => held[i]);
        // Touched before they are reported held: a GC sweep that started earlier keeps them, and
        // one that removed a blob meanwhile is seen by the second look.
        await store.touchCasBlobs(present, deps.clock());
        const still = await Promise.all(
          digests.map((d, i) => held[i] === true && blobs.has(d.hash, d.sizeBytes)),
        );
        return {
          missing: req.digests
            .filter((_, i) => !still[i])
            .map((d) => ({ hash: d.hash, size_bytes: d.size_bytes })),
        };
      },
    ),

    Upload: uploadHandler(deps, client),

    Download: serverStream<DownloadRequestOut, DownloadChunk>(
      log,
      'Download',
      async (req, call, signal) => {
        const auth = call.metadata.get('authorization')[0];
        const p = tokens.authenticate(typeof auth === 'string' ? auth : undefined);
        const principal = p ?? authenticate(tokens, call.metadata, 'client');
        const bad = digestProblem(req.digest, 'digest');
        if (bad !== undefined) throw bad;
        const hash = req.digest!.hash;
        const size = Number(req.digest!.size_bytes);
        const offset = Number(req.offset);
        const limit = Number(req.limit);
        if (!Number.isSafeInteger(offset) || offset < 0) {
          throw new InvalidArgumentError('offset', 'must be ≥ 0');
        }
        if (!Number.isSafeInteger(limit) || limit < 0) {
          throw new InvalidArgumentError('limit', 'must be ≥ 0 (0 = to the end)');
        }
        const notFound = new NotFoundError(`blob ${hash}/${size}`);
        if (!(await mayDownload(store, principal, hash))) throw notFound;
        let actual: number;
        try {
          actual = (await stat(blobs.blobPath(hash))).size;
        } catch {
          throw notFound;
        }
        if (actual !== size) throw notFound;
        if (offset > size) {
          throw new InvalidArgumentError('offset', `past the end of the blob (${size} bytes)`);
        }
        const end = limit === 0 ? size : Math.min(size, offset + limit);
        if (end === offset) {
          call.write({ offset, data: Buffer.alloc(0) });
          return;
        }
        let at = offset;
        const stream = blobs.read(hash, MAX_CAS_CHUNK_BYTES, offset, end - 1);
        try {
          for await (const data of stream) {
            if (signal.aborted) return;
            const chunk = data as Buffer;
            await write(call, { offset: at, data: chunk }, signal);
            at += chunk.length;
          }
        } finally {
          stream.destroy();
        }
      },
    ),
  };
}

interface Current {
  readonly writer: BlobWriter;
  readonly existed: boolean;
}

/**
 * Cas.Upload: blobs one after another, each as chunks in order (cas.proto). A blob not held is
 * written to a temp file, checked (size, SHA-256) and renamed in place; one held already is only
 * hashed, so that its uploader is recorded only for bytes it has. Either way the blob is touched
 * in the store before it is reported stored.
 */
function uploadHandler(
  deps: CasServiceDeps,
  client: (metadata: grpc.Metadata) => Principal,
): grpc.handleClientStreamingCall<UploadChunkOut, UploadResponse> {
  return (call, callback) => {
    let principal: Principal;
    try {
      principal = client(call.metadata);
    } catch (err) {
      callback(toStatus(err, deps.log, 'Upload'));
      return;
    }
    const uploader = uploaderId(principal);
    let current: Current | undefined;
    let blobsSeen = 0;
    const result = { stored: 0, existed: 0, bytes: 0 };
    let done = false;
    let queue: Promise<void> = Promise.resolve();
    const finish = (err: unknown) => {
      if (done) return;
      done = true;
      const writer = current?.writer;
      current = undefined;
      if (err !== undefined) {
        const status = toStatus(err, deps.log, 'Upload');
        deps.log.info({ uploader, ...status }, 'blob upload refused');
        // The refused blob's temp file is gone before the caller hears of the refusal.
        void (writer?.abort() ?? Promise.resolve()).catch(() => {}).then(() => callback(status));
        return;
      }
      deps.log.info({ uploader, ...result }, 'blobs stored');
      callback(null, result);
    };

    const onChunk = async (chunk: UploadChunkOut): Promise<void> => {
      const bad = digestProblem(chunk.digest, 'digest', deps.maxBlobBytes);
      if (bad !== undefined) throw bad;
      const hash = chunk.digest!.hash;
      const size = Number(chunk.digest!.size_bytes);
      const offset = Number(chunk.offset);
      if (current !== undefined && current.writer.digest !== hash) {
        throw new InvalidArgumentError(
          'digest',
          `blob ${current.writer.digest} is incomplete (${current.writer.written} of ${current.writer.size} bytes)`,
        );
      }
      if (current === undefined) {
        if (offset !== 0) {
          throw new InvalidArgumentError(
            'offset',
            `the first chunk of blob ${hash} is at 0, got ${offset}`,
          );
        }
        blobsSeen += 1;
        if (blobsSeen > MAX_CAS_UPLOAD_BLOBS) {
          throw new InvalidArgumentError(
            'digest',
            `at most ${MAX_CAS_UPLOAD_BLOBS} blobs per call`,
          );
        }
        const existed = await deps.blobs.has(hash, size);
        current = { writer: await deps.blobs.begin(hash, size, existed), existed };
      }
      const cur = current;
      if (size !== cur.writer.size) {
        throw new InvalidArgumentError('digest.size_bytes', `blob ${hash} changed size mid-way`);
      }
      if (offset !== cur.writer.written) {
        throw new InvalidArgumentError(
          'offset',
          `blob ${hash}: expected ${cur.writer.written}, got ${offset}`,
        );
      }
      if (cur.writer.written + chunk.data.length > cur.writer.size) {
        throw new InvalidArgumentError('data', `blob ${hash} is longer than its size (${size})`);
      }
      if (chunk.data.length > 0) await cur.writer.write(chunk.data);
      result.bytes += chunk.data.length;
      if (!cur.writer.complete) return;
      current = undefined;
      const outcome = await cur.writer.commit(() =>
        deps.store.touchCasBlobs([{ hash, sizeBytes: size }], deps.clock(), uploader),
      );
      if (outcome !== 'stored') {
        throw new InvalidArgumentError(
          'digest',
          `the bytes of blob ${hash}/${size} hash to ${cur.writer.actual}: not stored`,
        );
      }
      if (cur.existed && !(await deps.blobs.has(hash, size))) {
        // Removed by a GC sweep between the check and the touch (its bytes were not kept).
        throw new DroverError(
          grpc.status.UNAVAILABLE,
          `blob ${hash} was being removed: upload it again`,
          {
            retryable: true,
          },
        );
      }
      if (cur.existed) result.existed += 1;
      else result.stored += 1;
    };

    call.on('data', (chunk: UploadChunkOut) => {
      call.pause();
      queue = queue
        .then(async () => {
          if (!done) await onChunk(chunk);
        })
        .catch((err: unknown) => finish(err))
        .finally(() => {
          if (!done) call.resume();
        });
    });
    call.on('end', () => {
      queue = queue.then(() => {
        if (current !== undefined) {
          finish(
            new InvalidArgumentError(
              'digest',
              `blob ${current.writer.digest} is incomplete (${current.writer.written} of ${current.writer.size} bytes)`,
            ),
          );
        } else finish(undefined);
      });
    });
    call.on('cancelled', () => {
      queue = queue.then(() => {
        done = true;
        void current?.writer.abort();
        current = undefined;
      });
    });
  };
}
