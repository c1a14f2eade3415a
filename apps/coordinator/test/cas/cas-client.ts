import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  treeBlob,
  type CasClient,
  type DigestOut,
  type DownloadChunkOut,
  type FindMissingResponseOut,
  type Tree,
  type UploadChunk,
  type UploadResponseOut,
} from '@drover/protocol';
import { createHash } from 'node:crypto';
import { bearer } from '../harness';

/** A Cas client on `address`; close it after use. */
export function casStub(address: string): CasClient {
  const proto = loadDroverProto().drover.v1;
  return new proto.Cas(address, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function digestOf(b: Buffer): { hash: string; size_bytes: number } {
  return { hash: sha256(b), size_bytes: b.length };
}

/** A tree of these files (path → content) and its listing as a blob. */
export function treeOf(files: Record<string, Buffer>): { tree: Tree; blob: Buffer } {
  const tree: Tree = {
    dirs: [],
    symlinks: [],
    files: Object.entries(files).map(([path, data]) => ({
      path,
      hash: sha256(data),
      size: data.length,
      executable: false,
    })),
  };
  return { tree, blob: Buffer.from(treeBlob(tree).text) };
}

export function findMissing(
  cas: CasClient,
  token: string,
  digests: readonly { hash: string; size_bytes: number }[],
): Promise<DigestOut[]> {
  return new Promise((resolve, reject) => {
    cas.FindMissing(
      { digests: [...digests] },
      bearer(token),
      (err, res?: FindMissingResponseOut) => (err ? reject(err) : resolve(res!.missing)),
    );
  });
}

/** Sends these chunks as they are, in one Upload call. */
export function uploadChunks(
  cas: CasClient,
  token: string,
  chunks: readonly UploadChunk[],
): Promise<UploadResponseOut> {
  return new Promise((resolve, reject) => {
    const s = cas.Upload(bearer(token), (err, res?: UploadResponseOut) =>
      err ? reject(err) : resolve(res!),
    );
    for (const c of chunks) s.write(c);
    s.end();
  });
}

/** Uploads whole blobs, each in chunks of `chunkBytes`. */
export function upload(
  cas: CasClient,
  token: string,
  blobs: readonly Buffer[],
  chunkBytes = 1024 * 1024,
): Promise<UploadResponseOut> {
  const chunks: UploadChunk[] = [];
  for (const b of blobs) {
    const digest = digestOf(b);
    if (b.length === 0) chunks.push({ digest, offset: 0, data: b });
    for (let at = 0; at < b.length; at += chunkBytes) {
      chunks.push({ digest, offset: at, data: b.subarray(at, at + chunkBytes) });
    }
  }
  return uploadChunks(cas, token, chunks);
}

export function downloadChunks(
  cas: CasClient,
  token: string,
  digest: { hash: string; size_bytes: number },
  offset = 0,
  limit = 0,
): Promise<DownloadChunkOut[]> {
  return new Promise((resolve, reject) => {
    const out: DownloadChunkOut[] = [];
    const s = cas.Download({ digest, offset, limit }, bearer(token));
    s.on('data', (c: DownloadChunkOut) => out.push(c));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

export async function download(
  cas: CasClient,
  token: string,
  digest: { hash: string; size_bytes: number },
  offset = 0,
  limit = 0,
): Promise<Buffer> {
  return Buffer.concat(
    (await downloadChunks(cas, token, digest, offset, limit)).map((c) => c.data),
  );
}

/** The gRPC status a call ended with ('OK' on success) and its details. */
export async function outcome(p: Promise<unknown>): Promise<{ code: string; details: string }> {
  try {
    await p;
    return { code: 'OK', details: '' };
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: grpc.status[e.code] ?? String(e.code), details: e.details };
  }
}
