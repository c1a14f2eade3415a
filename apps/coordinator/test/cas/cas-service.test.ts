import type { CasClient, NewTaskResponseOut, TaskRequestOut, TasksClient } from '@drover/protocol';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import {
  casStub,
  digestOf,
  download,
  downloadChunks,
  findMissing,
  outcome,
  treeOf,
  upload,
  uploadChunks,
} from './cas-client';

/**
 * Service Cas over real gRPC and SQLite: FindMissing, Upload (verified, chunks in order),
 * Download (ranges, access), and NewTask's cas_input_root checks and references.
 */

const T = (who: string) => `drv_test_${who}`;
const TOKENS_YAML = `version: 2
principals:
  - { name: alice, sha256: ${hashToken(T('alice'))}, roles: { a: [view, submit] } }
  - { name: bob, sha256: ${hashToken(T('bob'))}, roles: { b: [view, submit] } }
  - { name: viewer, sha256: ${hashToken(T('viewer'))}, roles: { a: [view] } }
botGroups:
  - { name: bots-a, sha256: ${hashToken(T('bots-a'))}, botIds: ['bot-a*'], dimensions: { pool: [a] } }
  - { name: bots-b, sha256: ${hashToken(T('bots-b'))}, botIds: ['bot-b*'], dimensions: { pool: [b] } }
`;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let cas: CasClient;
let tasks: TasksClient;
const bots: ScriptedBot[] = [];

beforeAll(async () => {
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  coord = await startTestCoordinator(dir.path, { tokensFile, casDir: join(dir.path, 'cas') });
  cas = casStub(coord.grpcAddress);
  tasks = tasksStub(coord.grpcAddress);
}, 30_000);

afterAll(async () => {
  for (const b of bots) b.crash();
  cas.close();
  tasks.close();
  await coord.close();
  dir.remove();
});

function newTask(
  token: string,
  pool: string,
  root: { hash: string; size_bytes: number } | undefined,
): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (md, cb) =>
      tasks.NewTask(
        {
          task_slices: [
            {
              properties: {
                command: ['true'],
                dimensions: [{ key: 'pool', value: pool }],
                ...(root === undefined ? {} : { cas_input_root: root }),
              },
              expiration_secs: 600,
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
}

describe('FindMissing and Upload', () => {
  it('reports what is missing, stores it, then reports nothing missing', async () => {
    const a = randomBytes(3000);
    const b = Buffer.alloc(0);
    const c = randomBytes(2 * 1024 * 1024 + 17);
    const digests = [a, b, c].map(digestOf);
    expect(await findMissing(cas, T('alice'), digests)).toEqual(digests);
    expect(await upload(cas, T('alice'), [a, b, c], 1024 * 1024)).toEqual({
      stored: 3,
      existed: 0,
      bytes: a.length + c.length,
    });
    expect(await findMissing(cas, T('alice'), digests)).toEqual([]);
    // Held already: read (and hashed), not written again.
    expect(await upload(cas, T('bob'), [a])).toEqual({ stored: 0, existed: 1, bytes: a.length });
    const stored = await coord.store.getCasBlob(digestOf(c).hash);
    expect(stored?.sizeBytes).toBe(c.length);
    expect(await coord.store.isCasUploader(digestOf(a).hash, 'client:bob')).toBe(true);
  });

  it('refuses a bad digest, naming it', async () => {
    const r = await outcome(
      findMissing(cas, T('alice'), [digestOf(Buffer.from('x')), { hash: 'ABC', size_bytes: 1 }]),
    );
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toMatch(/^digests\[1\]\.hash: /);
    // A viewer (no submit anywhere) and a bot token may not store.
    expect((await outcome(findMissing(cas, T('viewer'), []))).code).toBe('PERMISSION_DENIED');
    expect((await outcome(upload(cas, T('bots-a'), [Buffer.from('x')]))).code).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('refuses a blob whose bytes do not match its digest, and stores nothing of it', async () => {
    const real = randomBytes(100);
    const claimed = digestOf(randomBytes(100));
    const r = await outcome(
      uploadChunks(cas, T('alice'), [{ digest: claimed, offset: 0, data: real }]),
    );
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toContain(claimed.hash);
    expect(await findMissing(cas, T('alice'), [claimed])).toEqual([claimed]);
    expect(readdirSync(join(dir.path, 'cas', 'tmp'))).toEqual([]);
    // A short blob is refused too.
    const short = await outcome(
      uploadChunks(cas, T('alice'), [
        { digest: digestOf(real), offset: 0, data: real.subarray(0, 50) },
      ]),
    );
    expect(short.code).toBe('INVALID_ARGUMENT');
    expect(await findMissing(cas, T('alice'), [digestOf(real)])).toEqual([digestOf(real)]);
  });

  it('refuses chunks out of order', async () => {
    const blob = randomBytes(300);
    const digest = digestOf(blob);
    const gap = await outcome(
      uploadChunks(cas, T('alice'), [
        { digest, offset: 0, data: blob.subarray(0, 100) },
        { digest, offset: 200, data: blob.subarray(200) },
      ]),
    );
    expect(gap.code).toBe('INVALID_ARGUMENT');
    expect(gap.details).toMatch(/^offset: .*expected 100, got 200/);
    const late = await outcome(
      uploadChunks(cas, T('alice'), [{ digest, offset: 100, data: blob.subarray(100) }]),
    );
    expect(late.code).toBe('INVALID_ARGUMENT');
    expect(await findMissing(cas, T('alice'), [digest])).toEqual([digest]);
    expect(readdirSync(join(dir.path, 'cas', 'tmp'))).toEqual([]);
  });
});

describe('Download', () => {
  it('returns ranges in chunks of 1 MiB at most', async () => {
    const blob = randomBytes(2 * 1024 * 1024 + 512 * 1024);
    const digest = digestOf(blob);
    await upload(cas, T('alice'), [blob]);
    const chunks = await downloadChunks(cas, T('alice'), digest);
    expect(chunks.map((c) => [c.offset, c.data.length])).toEqual([
      [0, 1024 * 1024],
      [1024 * 1024, 1024 * 1024],
      [2 * 1024 * 1024, 512 * 1024],
    ]);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(blob)).toBe(true);
    expect(
      (await download(cas, T('alice'), digest, 1000, 10)).equals(blob.subarray(1000, 1010)),
    ).toBe(true);
    expect(
      (await download(cas, T('alice'), digest, blob.length - 5)).equals(blob.subarray(-5)),
    ).toBe(true);
    expect((await download(cas, T('alice'), digest, blob.length)).length).toBe(0);
    expect((await outcome(download(cas, T('alice'), digest, blob.length + 1))).code).toBe(
      'INVALID_ARGUMENT',
    );
    // A wrong size is another digest: not found.
    expect(
      (await outcome(download(cas, T('alice'), { hash: digest.hash, size_bytes: 1 }))).code,
    ).toBe('NOT_FOUND');
  });

  it('lets the uploader, viewers of a referencing task and its bot read a blob; nobody else', async () => {
    const file = randomBytes(5000);
    const other = randomBytes(10);
    const { blob: tree } = treeOf({ 'data/file.bin': file });
    await upload(cas, T('alice'), [file, tree, other]);
    const root = digestOf(tree);
    // Uploaded, referenced by no task: the uploader only.
    expect((await download(cas, T('alice'), digestOf(file))).equals(file)).toBe(true);
    expect((await outcome(download(cas, T('viewer'), digestOf(file)))).code).toBe('NOT_FOUND');
    expect((await outcome(download(cas, T('bob'), digestOf(file)))).code).toBe('NOT_FOUND');

    const created = await newTask(T('alice'), 'a', root);
    const request = await call<TaskRequestOut>(
      (md, cb) => tasks.GetRequest({ task_id: created.task_id }, md, cb),
      bearer(T('alice')),
    );
    expect(request.task_slices[0]!.properties!.cas_input_root).toEqual(root);
    // A viewer of pool a now reads the tree and its file; a client of pool b still cannot.
    expect((await download(cas, T('viewer'), root)).equals(tree)).toBe(true);
    expect((await download(cas, T('viewer'), digestOf(file))).equals(file)).toBe(true);
    expect((await outcome(download(cas, T('bob'), digestOf(file)))).code).toBe('NOT_FOUND');
    expect((await outcome(download(cas, T('viewer'), digestOf(other)))).code).toBe('NOT_FOUND');

    // Bots: only while running a task that references the blob.
    expect((await outcome(download(cas, T('bots-a'), digestOf(file)))).code).toBe('NOT_FOUND');
    const bot = new ScriptedBot(coord.grpcAddress, T('bots-a'));
    bots.push(bot);
    bot.hello('bot-a1', [], [{ key: 'pool', value: ['a'] }]);
    const assign = await bot.next((m) => m.assign?.task_id === created.task_id);
    expect(assign.assign!.manifest!.cas_input_root).toEqual(root);
    expect((await download(cas, T('bots-a'), digestOf(file))).equals(file)).toBe(true);
    expect((await download(cas, T('bots-a'), root)).equals(tree)).toBe(true);
    expect((await outcome(download(cas, T('bots-a'), digestOf(other)))).code).toBe('NOT_FOUND');
    expect((await outcome(download(cas, T('bots-b'), digestOf(file)))).code).toBe('NOT_FOUND');
  });
});

describe('a bot given a task at its creation', () => {
  it('may read the inputs at once: the references are stored with the task', async () => {
    const file = randomBytes(64);
    const { blob: tree } = treeOf({ 'in/x': file });
    await upload(cas, T('alice'), [file, tree]);
    const bot = new ScriptedBot(coord.grpcAddress, T('bots-a'));
    bots.push(bot);
    bot.hello('bot-a2', [], [{ key: 'pool', value: ['a'] }]);
    const deadline = Date.now() + 10_000;
    while (!coord.dispatcher.isIdle('bot-a2')) {
      if (Date.now() > deadline) throw new Error('bot-a2 never idle');
      await new Promise((r) => setTimeout(r, 10));
    }
    const created = await newTask(T('alice'), 'a', digestOf(tree));
    await bot.next((m) => m.assign?.task_id === created.task_id);
    expect((await download(cas, T('bots-a'), digestOf(file))).equals(file)).toBe(true);
  });
});

describe('NewTask with cas_input_root', () => {
  const field = 'task_slices[0].properties.cas_input_root';

  it('refuses a tree the CAS does not hold, naming the field', async () => {
    const { blob } = treeOf({ f: Buffer.from('never uploaded') });
    const r = await outcome(newTask(T('alice'), 'a', digestOf(blob)));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toContain(field);
    expect(r.details).toContain(digestOf(blob).hash);
  });

  it('refuses a tree whose files are not all held, naming the first missing one', async () => {
    const held = randomBytes(10);
    const missing = randomBytes(11);
    const { blob } = treeOf({ 'a.txt': held, 'b.txt': missing });
    await upload(cas, T('alice'), [held, blob]);
    const r = await outcome(newTask(T('alice'), 'a', digestOf(blob)));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toContain(field);
    expect(r.details).toContain(digestOf(missing).hash);
  });

  it('checks each request of a NewTasks, naming the one refused', async () => {
    const file = randomBytes(20);
    const { blob: tree } = treeOf({ f: file });
    const { blob: absent } = treeOf({ g: randomBytes(20) });
    await upload(cas, T('alice'), [file, tree]);
    const req = (root: { hash: string; size_bytes: number }) => ({
      task_slices: [
        {
          properties: {
            command: ['true'],
            dimensions: [{ key: 'pool', value: 'a' }],
            cas_input_root: root,
          },
          expiration_secs: 600,
          wait_for_capacity: true,
        },
      ],
    });
    const refused = await outcome(
      call(
        (md, cb) =>
          tasks.NewTasks({ requests: [req(digestOf(tree)), req(digestOf(absent))] }, md, cb),
        bearer(T('alice')),
      ),
    );
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.details).toMatch(
      /^requests\[1\]\.task_slices\[0\]\.properties\.cas_input_root: /,
    );
    const ok = await call<{ responses: { task_id: string }[] }>(
      (md, cb) => tasks.NewTasks({ requests: [req(digestOf(tree)), req(digestOf(tree))] }, md, cb),
      bearer(T('alice')),
    );
    for (const r of ok.responses) {
      expect(await coord.store.isCasReferencedByTask(digestOf(file).hash, [r.task_id])).toBe(true);
    }
  });

  it('refuses a blob that is not a tree', async () => {
    const notTree = Buffer.from('{"files":[]}');
    await upload(cas, T('alice'), [notTree]);
    const r = await outcome(newTask(T('alice'), 'a', digestOf(notTree)));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details).toContain(`${field}: `);
    expect(r.details).toContain('not a tree');
  });

  it('makes the input tree part of the properties hash', async () => {
    const f1 = randomBytes(8);
    const f2 = randomBytes(8);
    const t1 = treeOf({ f: f1 }).blob;
    const t2 = treeOf({ f: f2 }).blob;
    await upload(cas, T('alice'), [f1, f2, t1, t2]);
    const one = await newTask(T('alice'), 'a', digestOf(t1));
    const two = await newTask(T('alice'), 'a', digestOf(t2));
    const none = await newTask(T('alice'), 'a', undefined);
    const hashes = [one, two, none].map((r) => r.request!.task_slices[0]!.properties!);
    const stored = await Promise.all([one, two, none].map((r) => coord.store.getTask(r.task_id)));
    const props = new Set(stored.map((t) => t!.spec.slices[0]!.propertiesHash));
    expect(props.size).toBe(3);
    expect(hashes[2]!.cas_input_root).toBeNull();
  });
});
