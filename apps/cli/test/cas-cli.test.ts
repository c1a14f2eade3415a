// The CLI's side of input trees without a coordinator: the directory walk and its tree, refused
// symlinks and paths, upload and download through an in-memory CAS (FindMissing honoured, a
// tampered blob caught), progress lines, secret files, and the task file keys input/input-digest.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTreePath, treeBlob, treeText, type TaskRequestOut } from '@drover/protocol';
import type { BlobDigest, CasApi } from '../src/cas-client';
import {
  BlobMismatchError,
  Progress,
  downloadTree,
  uploadBatches,
  uploadDir,
  uploadSummaryJson,
} from '../src/cas-transfer';
import { TreeWalkError, dirTree, parseDigestText, walkDir } from '../src/cas-walk';
import { SECRET_BYTES_MAX, readSecretFile } from '../src/submit-inputs';
import { buildNewTaskRequest, type SubmitOptions } from '../src/submit';
import { readTaskFile } from '../src/task-file';
import { requestToTaskFile, taskFileCaveats } from '../src/task-file-write';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'drover-cas-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** A directory: nested dirs, an executable, an empty dir, an inside symlink, duplicate content. */
function sampleDir(name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'data', 'deep', 'er'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'bin', 'run.sh'), 0o755);
  writeFileSync(join(root, 'data', 'a.txt'), 'alpha\n');
  writeFileSync(join(root, 'data', 'deep', 'er', 'b.txt'), 'alpha\n');
  writeFileSync(join(root, 'zero'), '');
  chmodSync(join(root, 'data', 'a.txt'), 0o600);
  symlinkSync('../data/a.txt', join(root, 'bin', 'a-link'));
  symlinkSync('data', join(root, 'data-link'));
  return root;
}

/** An in-memory CAS that records what each call asked and stored. */
class MemoryCas implements CasApi {
  readonly blobs = new Map<string, Buffer>();
  uploadCalls = 0;
  uploadedBlobs = 0;
  findMissingAsked = 0;
  async findMissing(digests: readonly BlobDigest[]) {
    this.findMissingAsked += digests.length;
    return digests.filter((d) => !this.blobs.has(d.hash));
  }
  async upload(write: Parameters<CasApi['upload']>[0]) {
    this.uploadCalls++;
    const parts = new Map<string, { size: number; chunks: Buffer[] }>();
    let bytes = 0;
    await write(async (chunk) => {
      const data = Buffer.from(chunk.data as Buffer);
      expect(data.length).toBeLessThanOrEqual(1024 * 1024);
      const d = chunk.digest!;
      const p = parts.get(d.hash!) ?? { size: Number(d.size_bytes), chunks: [] };
      const have = p.chunks.reduce((n, c) => n + c.length, 0);
      expect(Number(chunk.offset)).toBe(have);
      p.chunks.push(data);
      parts.set(d.hash!, p);
      bytes += data.length;
    });
    for (const [hash, p] of parts) {
      const all = Buffer.concat(p.chunks);
      expect(all.length).toBe(p.size);
      expect(sha(all)).toBe(hash);
      this.blobs.set(hash, all);
      this.uploadedBlobs++;
    }
    return { stored: parts.size, existed: 0, bytes };
  }
  async *download(digest: BlobDigest) {
    const b = this.blobs.get(digest.hash);
    if (b === undefined) throw new Error(`no blob ${digest.hash}`);
    for (let o = 0; o < b.length || o === 0; o += 1024 * 1024) {
      yield { offset: o, data: b.subarray(o, o + 1024 * 1024) };
      if (b.length === 0) break;
    }
  }
  close() {}
}

const sink = () => {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
};

describe('the directory walk and its tree', () => {
  it('lists files with sizes and executable bits, inside symlinks and empty dirs', async () => {
    const root = sampleDir('walk');
    const walked = await walkDir(root);
    expect(walked.files.map((f) => [f.path, f.size, f.executable]).sort()).toEqual([
      ['bin/run.sh', 18, true],
      ['data/a.txt', 6, false],
      ['data/deep/er/b.txt', 6, false],
      ['zero', 0, false],
    ]);
    expect([...walked.symlinks].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'bin/a-link', target: '../data/a.txt' },
      { path: 'data-link', target: 'data' },
    ]);
    expect(walked.dirs).toEqual(['empty']);

    const t = await dirTree(root);
    const expected = treeBlob({
      files: [
        { path: 'bin/run.sh', hash: sha('#!/bin/sh\necho hi\n'), size: 18, executable: true },
        { path: 'data/a.txt', hash: sha('alpha\n'), size: 6, executable: false },
        { path: 'data/deep/er/b.txt', hash: sha('alpha\n'), size: 6, executable: false },
        { path: 'zero', hash: sha(''), size: 0, executable: false },
      ],
      symlinks: [
        { path: 'bin/a-link', target: '../data/a.txt' },
        { path: 'data-link', target: 'data' },
      ],
      dirs: ['empty'],
    });
    expect(t.blob).toEqual(expected);
    // The same content once, the listing last.
    expect(t.blobs.map((b) => b.hash)).toHaveLength(4);
    expect(t.blobs.at(-1)?.hash).toBe(expected.hash);
  });

  it('refuses a symlink leaving the tree, or absolute, naming it', async () => {
    const out = join(work, 'outside');
    mkdirSync(join(out, 'sub'), { recursive: true });
    symlinkSync('../../etc/passwd', join(out, 'sub', 'escape'));
    await expect(walkDir(out)).rejects.toThrow(TreeWalkError);
    await expect(walkDir(out)).rejects.toThrow(
      /sub\/escape: symlink to "..\/..\/etc\/passwd" leaves/,
    );

    const abs = join(work, 'absolute');
    mkdirSync(abs);
    symlinkSync('/etc/hostname', join(abs, 'host'));
    await expect(walkDir(abs)).rejects.toThrow(
      /host: symlink to the absolute path "\/etc\/hostname"/,
    );
  });

  it('refuses other kinds of files (a named pipe)', async () => {
    const dir = join(work, 'fifo');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await expect(walkDir(dir)).rejects.toThrow(/pipe: a named pipe/);
  });

  it('a walk never yields `..`, but a tree path with `..` is refused by badTreePath', () => {
    expect(badTreePath('a/../b')).toMatch(/\.\. segment/);
    expect(badTreePath('..')).toMatch(/\.\. segment/);
    expect(badTreePath('a/b')).toBeUndefined();
    expect(() =>
      treeText({
        files: [{ path: '../x', hash: sha(''), size: 0, executable: false }],
        symlinks: [],
        dirs: [],
      }),
    ).toThrow(/not a tree/);
  });

  it('refuses what is not a directory', async () => {
    writeFileSync(join(work, 'plain'), 'x');
    await expect(walkDir(join(work, 'plain'))).rejects.toThrow(/not a directory/);
    await expect(walkDir(join(work, 'missing'))).rejects.toThrow(TreeWalkError);
  });

  it('parses <hash>/<size>', () => {
    const h = sha('x');
    expect(parseDigestText(`${h}/1`)).toEqual({ ok: true, value: { hash: h, size: 1 } });
    expect(parseDigestText(h).ok).toBe(false);
    expect(parseDigestText(`${h.toUpperCase()}/1`).ok).toBe(false);
    expect(parseDigestText(`${h}/-1`).ok).toBe(false);
  });
});

describe('upload and download through a CAS', () => {
  it('uploads every blob once, then nothing; downloads the same tree back', async () => {
    const root = sampleDir('roundtrip');
    const cas = new MemoryCas();
    const err = sink();
    const first = await uploadDir(cas, root, err.stream);
    expect(first.uploadedBlobs).toBe(4);
    expect(first.blobs).toBe(4);
    expect(first.files).toBe(4);
    expect(cas.uploadCalls).toBe(1);
    const again = await uploadDir(cas, root, err.stream);
    expect(again).toMatchObject({ digest: first.digest, uploadedBlobs: 0, uploadedBytes: 0 });
    expect(cas.uploadCalls).toBe(1);
    expect(uploadSummaryJson(again)).toMatchObject({
      uploaded_blobs: 0,
      uploaded_bytes: '0',
      input_digest: `${first.digest.hash}/${first.digest.size}`,
    });

    const dest = join(work, 'roundtrip-out');
    const got = await downloadTree(cas, first.digest, dest, err.stream);
    expect(got.blobs).toBe(3);
    expect(readFileSync(join(dest, 'bin', 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dest, 'bin', 'run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dest, 'data', 'a.txt')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dest, 'data', 'deep', 'er', 'b.txt'), 'utf8')).toBe('alpha\n');
    expect(readFileSync(join(dest, 'zero'), 'utf8')).toBe('');
    expect(readlinkSync(join(dest, 'bin', 'a-link'))).toBe('../data/a.txt');
    expect(lstatSync(join(dest, 'data-link')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dest, 'empty'))).toEqual([]);
    // The downloaded tree is the same tree.
    expect((await dirTree(dest)).blob.hash).toBe(first.digest.hash);
    // A DIR that is not empty is refused.
    await expect(downloadTree(cas, first.digest, dest, err.stream)).rejects.toThrow(/not empty/);
  });

  it('splits large blobs into ≤ 1 MiB chunks and many blobs into calls', async () => {
    const root = join(work, 'big');
    mkdirSync(root);
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 5, 7));
    const cas = new MemoryCas();
    const s = await uploadDir(cas, root, sink().stream);
    expect(s.uploadedBytes).toBe(3 * 1024 * 1024 + 5 + s.digest.size);
    const batches = uploadBatches(
      Array.from({ length: 2500 }, () => ({ size: 1 })).concat([{ size: 200 * 1024 * 1024 }]),
    );
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500, 1]);
  });

  it('a tampered blob is caught on download and never takes its path', async () => {
    const root = sampleDir('tamper');
    const cas = new MemoryCas();
    const s = await uploadDir(cas, root, sink().stream);
    cas.blobs.set(sha('alpha\n'), Buffer.from('ALPHA\n'));
    const dest = join(work, 'tamper-out');
    await expect(downloadTree(cas, s.digest, dest, sink().stream)).rejects.toThrow(
      BlobMismatchError,
    );
    expect(() => statSync(join(dest, 'data', 'a.txt'))).toThrow();
    // A tampered listing is no tree either.
    cas.blobs.set(s.digest.hash, Buffer.from('{}'));
    await expect(
      downloadTree(cas, s.digest, join(work, 'tamper-2'), sink().stream),
    ).rejects.toThrow(/SHA-256/);
  });
});

describe('progress', () => {
  it('off a terminal: a line every interval, only for large totals', () => {
    let now = 0;
    const out = sink();
    const p = new Progress(out.stream, 'uploading', 64 * 1024 * 1024, {
      now: () => now,
      intervalMs: 3000,
    });
    p.add(1024 * 1024);
    now = 3000;
    p.add(15 * 1024 * 1024);
    now = 4000;
    p.add(1);
    p.finish();
    expect(out.text()).toBe('uploading 16.0 MiB / 64.0 MiB (25%)\n');
    const small = sink();
    const q = new Progress(small.stream, 'uploading', 1000, { now: () => (now += 10_000) });
    q.add(1000);
    expect(small.text()).toBe('');
  });

  it('on a terminal: one line redrawn, cleared at the end', () => {
    let now = 0;
    const out = sink();
    (out.stream as unknown as { isTTY: boolean }).isTTY = true;
    const p = new Progress(out.stream, 'uploading', 10 * 1024 * 1024, { now: () => now });
    now = 200;
    p.add(5 * 1024 * 1024);
    now = 400;
    p.add(5 * 1024 * 1024);
    p.finish();
    expect(out.text()).toBe(
      '\r\x1b[Kuploading 5.0 MiB / 10.0 MiB (50%)\r\x1b[Kuploading 10.0 MiB / 10.0 MiB (100%)\r\x1b[K',
    );
  });
});

describe('secret files', () => {
  it('reads up to 20 KiB once; refuses more, empty, missing — never echoing the bytes', () => {
    const ok = join(work, 'secret-ok');
    writeFileSync(ok, Buffer.alloc(SECRET_BYTES_MAX, 0x41));
    const read = readSecretFile(ok, work);
    expect(read.ok && read.value.length).toBe(SECRET_BYTES_MAX);
    const big = join(work, 'secret-big');
    writeFileSync(big, Buffer.alloc(SECRET_BYTES_MAX + 1, 0x42));
    const refused = readSecretFile('secret-big', work);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/more than 20480 bytes/);
    expect(!refused.ok && refused.message).not.toContain('BBBB');
    writeFileSync(join(work, 'secret-empty'), '');
    expect(readSecretFile('secret-empty', work).ok).toBe(false);
    expect(readSecretFile('secret-none', work).ok).toBe(false);
  });
});

describe('submit and task files name inputs', () => {
  const caller = { user: 'erin', parentTaskId: undefined };
  const h = sha('tree');

  it('--input-digest sets cas_input_root on every slice; not with --input', () => {
    const opts = {
      dimension: [{ key: 'pool', value: 'p' }],
      ioTimeout: 0,
      inputDigest: { hash: h, size: 9 },
      fallback: [{ expirationSecs: undefined, set: [{ key: 'gpu', value: 'none' }], drop: [] }],
    } as unknown as SubmitOptions;
    const built = buildNewTaskRequest(opts, ['true'], caller);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.value.task_slices?.map((s) => s.properties?.cas_input_root)).toEqual([
      { hash: h, size_bytes: 9 },
      { hash: h, size_bytes: 9 },
    ]);
    const both = buildNewTaskRequest({ ...opts, input: 'dir' }, ['true'], caller);
    expect(both).toEqual({ ok: false, message: 'give --input or --input-digest, not both' });
  });

  it('task files: input relative to the file, input-digest, a slice overriding the task', () => {
    const read = readTaskFile(
      {
        tasks: [
          { command: ['a'], dimensions: { pool: 'p' }, input: 'in' },
          {
            command: ['b'],
            dimensions: { pool: 'p' },
            input: '/abs/in',
            slices: [{}, { 'input-digest': `${h}/9` }],
          },
        ],
      },
      { caller, baseDir: '/files' },
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.inputs).toEqual([
      { task: 0, slice: 0, dir: '/files/in', at: 'tasks[0].input' },
      { task: 1, slice: 0, dir: '/abs/in', at: 'tasks[1].input' },
    ]);
    expect(read.requests[1]?.task_slices?.[1]?.properties?.cas_input_root).toEqual({
      hash: h,
      size_bytes: 9,
    });
    const bad = readTaskFile(
      { command: ['a'], dimensions: { pool: 'p' }, input: 'x', 'input-digest': 'nope' },
      { caller },
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.join('\n')).toMatch(/input-digest: expected <sha256 hex>\/<size>/);
    const both = readTaskFile(
      { command: ['a'], dimensions: { pool: 'p' }, input: 'x', 'input-digest': `${h}/9` },
      { caller },
    );
    expect(!both.ok && both.errors).toEqual(['input: give input or input-digest, not both']);
  });

  it('get-request --yaml writes input-digest, and says secret bytes must be given again', () => {
    const request = {
      task_id: 't1',
      name: 'n',
      user: 'u',
      priority: 100,
      tags: [],
      parent_task_id: '',
      notify: null,
      has_secret_bytes: true,
      task_slices: [
        {
          wait_for_capacity: false,
          expiration_secs: 60,
          properties: {
            command: ['x'],
            env: [],
            env_prefixes: [],
            relative_cwd: '',
            dimensions: [{ key: 'pool', value: 'p' }],
            idempotent: false,
            caches: [],
            io_timeout_secs: 0,
            cas_input_root: { hash: h, size_bytes: 9 },
          },
        },
      ],
    } as unknown as TaskRequestOut;
    expect(requestToTaskFile(request)['input-digest']).toBe(`${h}/9`);
    expect(taskFileCaveats(request).join('\n')).toMatch(/--secret-file/);
    // And the file reads back into the same root.
    const again = readTaskFile(requestToTaskFile(request), { caller });
    expect(again.ok && again.requests[0]?.task_slices?.[0]?.properties?.cas_input_root).toEqual({
      hash: h,
      size_bytes: 9,
    });
  });
});
