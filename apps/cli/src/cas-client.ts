// A client of service Cas (proto/drover/v1/cas.proto) on the connection every command resolves:
// FindMissing in batches, Upload as streams of ≤ 1 MiB chunks (several blobs a call), Download
// as a stream. Errors are DroverClientErrors, as the other calls', so withClient reports them.
import * as grpc from '@grpc/grpc-js';
import { DroverClientError } from '@drover/client';
import {
  CLIENT_CHANNEL_OPTIONS,
  MAX_CAS_CHUNK_BYTES,
  MAX_CAS_FIND_MISSING,
  MAX_CAS_UPLOAD_BLOBS,
  loadDroverProto,
} from '@drover/protocol';
import type { CasClient, DownloadChunkOut, UploadChunk, UploadResponseOut } from '@drover/protocol';
import type { Connection } from './context';

/** cas.proto's limits (request-limits.ts): digests per FindMissing, blobs per Upload, chunk bytes. */
export const CAS_LIMITS = {
  findMissingDigests: MAX_CAS_FIND_MISSING,
  uploadBlobs: MAX_CAS_UPLOAD_BLOBS,
  chunkBytes: MAX_CAS_CHUNK_BYTES,
} as const;

export interface BlobDigest {
  readonly hash: string;
  readonly size: number;
}

export interface CasApi {
  /** The digests the CAS lacks, in the order asked (any number: batched). */
  findMissing(digests: readonly BlobDigest[]): Promise<BlobDigest[]>;
  /**
   * One Upload call: `write` is given a function sending one chunk (waiting while the stream is
   * full); the call ends when `write` resolves, and rejects (the call cancelled) when it throws.
   */
  upload(
    write: (send: (chunk: UploadChunk) => Promise<void>) => Promise<void>,
  ): Promise<UploadResponseOut>;
  /** A blob's bytes, chunk by chunk. */
  download(digest: BlobDigest, offset?: number): AsyncGenerator<DownloadChunkOut, void, undefined>;
  close(): void;
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<grpc.ServiceError>).code === 'number' &&
    typeof (err as Partial<grpc.ServiceError>).details === 'string'
  );
}

function clientError(err: unknown, server: string): unknown {
  if (err instanceof DroverClientError || !isServiceError(err)) return err;
  return new DroverClientError(err.code, err.details, server, { cause: err });
}

function credentials(tls: Connection['tls']): grpc.ChannelCredentials {
  if (tls === false) return grpc.credentials.createInsecure();
  if (tls === true) return grpc.credentials.createSsl();
  return grpc.credentials.createSsl(tls.rootCerts);
}

/** Deadline of a FindMissing call. Uploads and downloads have none (a blob may be 4 GiB). */
const FIND_MISSING_DEADLINE_MS = 60_000;

export function createCasClient(conn: Connection): CasApi {
  const proto = loadDroverProto().drover.v1;
  const stub: CasClient = new proto.Cas(conn.server, credentials(conn.tls), CLIENT_CHANNEL_OPTIONS);
  const metadata = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    if (conn.token !== undefined && conn.token !== '')
      md.set('authorization', `Bearer ${conn.token}`);
    return md;
  };
  return {
    async findMissing(digests) {
      const missing: BlobDigest[] = [];
      for (let i = 0; i < digests.length; i += CAS_LIMITS.findMissingDigests) {
        const batch = digests
          .slice(i, i + CAS_LIMITS.findMissingDigests)
          .map((d) => ({ hash: d.hash, size_bytes: d.size }));
        const res = await new Promise<{ missing: Array<{ hash: string; size_bytes: number }> }>(
          (resolve, reject) =>
            stub.findMissing(
              { digests: batch },
              metadata(),
              { deadline: Date.now() + FIND_MISSING_DEADLINE_MS },
              (err, value) =>
                err ? reject(clientError(err, conn.server)) : resolve(value ?? { missing: [] }),
            ),
        );
        for (const d of res.missing) missing.push({ hash: d.hash, size: Number(d.size_bytes) });
      }
      return missing;
    },

    async upload(write) {
      let settle!: { resolve: (r: UploadResponseOut) => void; reject: (e: unknown) => void };
      const done = new Promise<UploadResponseOut>((resolve, reject) => {
        settle = { resolve, reject };
      });
      const call = stub.upload(metadata(), {}, (err, value) =>
        err ? settle.reject(clientError(err, conn.server)) : settle.resolve(value!),
      );
      // The call may fail while we write (a refused blob): stop writing then.
      let failed = false;
      void done.catch(() => (failed = true));
      const send = async (chunk: UploadChunk): Promise<void> => {
        if (failed) await done;
        if (!call.write(chunk))
          await new Promise<void>((resolve) => {
            const go = (): void => {
              call.off('drain', go);
              call.off('error', go);
              resolve();
            };
            call.on('drain', go);
            call.on('error', go);
            void done.then(go, go);
          });
        if (failed) await done;
      };
      try {
        await write(send);
      } catch (err) {
        call.cancel();
        await done.catch(() => undefined);
        throw err;
      }
      call.end();
      return done;
    },

    async *download(digest, offset = 0) {
      const call = stub.download(
        { digest: { hash: digest.hash, size_bytes: digest.size }, offset, limit: 0 },
        metadata(),
      );
      try {
        for await (const chunk of call as AsyncIterable<DownloadChunkOut>) yield chunk;
      } catch (err) {
        throw clientError(err, conn.server);
      } finally {
        call.cancel();
      }
    },

    close() {
      stub.close();
    },
  };
}
