import * as grpc from '@grpc/grpc-js';
import {
  loadDroverProto,
  treeBlob,
  type DownloadChunk,
  type DownloadRequestOut,
  type Tree,
} from '@drover/protocol';
import { createHash } from 'node:crypto';

/**
 * A Cas service holding blobs in memory, for the bot's input fetching: Download only (what a
 * bot calls), with the bot token checked, and faults to inject per blob (UNAVAILABLE n times,
 * corrupt bytes n times). Records every Download.
 */
export class FakeCas {
  readonly blobs = new Map<string, Buffer>();
  /** Every Download asked, by hash, in order. */
  readonly downloads: string[] = [];
  /** Blob hash → how many Downloads still fail UNAVAILABLE. */
  readonly unavailable = new Map<string, number>();
  /** Blob hash → how many Downloads still send wrong bytes. */
  readonly corrupt = new Map<string, number>();
  /** Held back until released (a slow download). */
  gate: Promise<void> | undefined;

  constructor(readonly token = 'bot-secret') {}

  put(data: Buffer | string): { hash: string; size: number } {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.blobs.set(hash, bytes);
    return { hash, size: bytes.length };
  }

  /** Stores the tree's listing (not its files); its Digest. */
  putTree(tree: Tree): { hash: string; size_bytes: number } {
    const { text } = treeBlob(tree);
    const d = this.put(text);
    return { hash: d.hash, size_bytes: d.size };
  }

  downloadsOf(hash: string): number {
    return this.downloads.filter((h) => h === hash).length;
  }

  register(server: grpc.Server): void {
    server.addService(loadDroverProto().drover.v1.Cas.service, {
      FindMissing: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb({ code: grpc.status.UNIMPLEMENTED, details: 'fake' }),
      Upload: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb({ code: grpc.status.UNIMPLEMENTED, details: 'fake' }),
      Download: (call: grpc.ServerWritableStream<DownloadRequestOut, DownloadChunk>) => {
        void this.download(call);
      },
    });
  }

  private async download(
    call: grpc.ServerWritableStream<DownloadRequestOut, DownloadChunk>,
  ): Promise<void> {
    const fail = (code: grpc.status, details: string): void => {
      call.emit('error', { code, details });
    };
    if (call.metadata.get('authorization')[0] !== `Bearer ${this.token}`)
      return fail(grpc.status.UNAUTHENTICATED, 'bad token');
    const hash = call.request.digest?.hash ?? '';
    this.downloads.push(hash);
    if (this.gate !== undefined) await this.gate;
    const blob = this.blobs.get(hash);
    if (blob === undefined) return fail(grpc.status.NOT_FOUND, `blob ${hash} not found`);
    const unavailable = this.unavailable.get(hash) ?? 0;
    if (unavailable > 0) {
      this.unavailable.set(hash, unavailable - 1);
      return fail(grpc.status.UNAVAILABLE, 'try again');
    }
    let bytes = blob;
    const corrupt = this.corrupt.get(hash) ?? 0;
    if (corrupt > 0) {
      this.corrupt.set(hash, corrupt - 1);
      bytes = Buffer.from(blob);
      if (bytes.length > 0) bytes[0] = bytes[0]! ^ 0xff;
    }
    const chunk = 64 * 1024;
    for (let offset = 0; offset < bytes.length; offset += chunk)
      call.write({ offset, data: bytes.subarray(offset, offset + chunk) });
    call.end();
  }
}
