import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  treeBlob,
  type CasClient,
  type UploadResponseOut,
} from '@drover/protocol';
import { createHash, randomBytes } from 'node:crypto';

/** A tree of the scenario: its files' bytes and its listing (docs/cas.md). */
export interface BenchTree {
  readonly hash: string;
  readonly size: number;
  /** The listing and every file, as blobs to upload. */
  readonly blobs: readonly Buffer[];
  /** Bytes of its files (what a bot that holds nothing downloads, plus the listing). */
  readonly fileBytes: number;
}

const CHUNK = 1024 * 1024;

/** `count` trees of `files` random files of `fileBytes` each (no file shared between trees). */
export function makeTrees(count: number, files: number, fileBytes: number): BenchTree[] {
  return Array.from({ length: count }, (_, t) => {
    const blobs = Array.from({ length: files }, () => randomBytes(fileBytes));
    const tree = treeBlob({
      files: blobs.map((b, i) => ({
        path: `t${t}/f${i}.bin`,
        hash: sha256(b),
        size: b.length,
        executable: false,
      })),
      symlinks: [],
      dirs: [],
    });
    return {
      hash: tree.hash,
      size: tree.size,
      blobs: [...blobs, Buffer.from(tree.text, 'utf8')],
      fileBytes: files * fileBytes,
    };
  });
}

/** Uploads every blob of the trees with Cas.Upload (the client token), the files first. */
export async function uploadTrees(
  address: string,
  token: string,
  trees: readonly BenchTree[],
): Promise<void> {
  const proto = loadDroverProto().drover.v1;
  const cas = new proto.Cas(
    address,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as CasClient;
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  try {
    for (const tree of trees) {
      await new Promise<UploadResponseOut>((resolve, reject) => {
        const stream = cas.Upload(md, (err, res) => (err ? reject(err) : resolve(res!)));
        for (const blob of tree.blobs) {
          const digest = { hash: sha256(blob), size_bytes: blob.length };
          for (let offset = 0; offset === 0 || offset < blob.length; offset += CHUNK) {
            stream.write({ digest, offset, data: blob.subarray(offset, offset + CHUNK) });
          }
        }
        stream.end();
      });
    }
  } finally {
    cas.close();
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The same `n` tree indices in [0, trees) every run: a seeded PRNG (mulberry32). */
export function treeSequence(n: number, trees: number, seed: number): number[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.floor(next() * trees));
}
