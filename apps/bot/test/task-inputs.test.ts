import * as grpc from '@grpc/grpc-js';
import { loadDroverProto, SERVER_OPTIONS, type CasClient } from '@drover/protocol';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CasCache } from '../src/cas-cache';
import { layoutTree, prepareInputs, type InputsSource } from '../src/task-inputs';
import { FakeCas } from './fake-cas';
import { tempDir } from './helpers';

/** prepareInputs and layoutTree on their own, against a fake Cas over real gRPC. */

let root = '';
let cleanup: () => Promise<void> = async () => {};
let server: grpc.Server;
let client: CasClient;
let cas: FakeCas;
const log = pino({ level: 'silent' });

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  cas = new FakeCas('tok');
  server = new grpc.Server(SERVER_OPTIONS);
  cas.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  client = new (loadDroverProto().drover.v1.Cas)(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
});

afterEach(async () => {
  client.close();
  server.forceShutdown();
  await cleanup();
});

function source(over: Partial<InputsSource> = {}): InputsSource {
  return {
    cache: new CasCache({ root: path.join(root, 'cas') }),
    client: () => client,
    token: 'tok',
    retryDelaysMs: [5, 5, 5],
    ...over,
  };
}

function workDir(): string {
  const w = path.join(root, 'w');
  mkdirSync(w);
  return w;
}

describe('prepareInputs', () => {
  it('gives up a download that stalls, and retries it', async () => {
    const file = cas.put('slow bytes');
    const tree = cas.putTree({
      files: [{ path: 'f', hash: file.hash, size: file.size, executable: false }],
      symlinks: [],
      dirs: [],
    });
    let release = () => {};
    cas.gate = new Promise<void>((r) => (release = r));
    // The tree blob's first download is held (it stalls); the gate opens once the retry asks.
    const opener = setInterval(() => {
      if (cas.downloads.length < 2) return;
      clearInterval(opener);
      cas.gate = undefined;
      release();
    }, 5);
    const src = source({ stallTimeoutMs: 150 });
    const w = workDir();
    const got = await prepareInputs({
      root: tree,
      workDir: w,
      source: src,
      lease: src.cache.lease(),
      signal: new AbortController().signal,
      log,
    });
    expect(got.kind).toBe('ok');
    expect(cas.downloadsOf(tree.hash)).toBe(2);
    expect(readFileSync(path.join(w, 'f'), 'utf8')).toBe('slow bytes');
  });

  it('a tree blob that is not a tree is a client error naming its digest', async () => {
    const notTree = cas.put('{"not":"a tree"}');
    const src = source();
    const got = await prepareInputs({
      root: { hash: notTree.hash, size_bytes: notTree.size },
      workDir: workDir(),
      source: src,
      lease: src.cache.lease(),
      signal: new AbortController().signal,
      log,
    });
    expect(got).toMatchObject({ kind: 'client-error' });
    expect(got.kind === 'client-error' && got.clientError).toContain(
      `${notTree.hash}/${notTree.size} is not a tree`,
    );
  });

  it('a digest that is not one is a client error; nothing is asked', async () => {
    const src = source();
    const got = await prepareInputs({
      root: { hash: 'nope', size_bytes: 3 },
      workDir: workDir(),
      source: src,
      lease: src.cache.lease(),
      signal: new AbortController().signal,
      log,
    });
    expect(got).toMatchObject({ kind: 'client-error' });
    expect(cas.downloads).toEqual([]);
  });
});

describe('layoutTree', () => {
  it('refuses a symlink landing outside the tree, even in a listing not parsed', async () => {
    const why = await layoutTree(
      { files: [], symlinks: [{ path: 'a/l', target: '../../etc' }], dirs: [] },
      workDir(),
      new Map(),
      undefined,
    );
    expect(why).toMatch(/symlink "a\/l" → "..\/..\/etc" leaves the tree/);
  });
});
