import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tree, TreeFile } from '@drover/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { CasCache } from '../src/cas-cache';
import { prepareBotDirForTaskUser, resolveTaskUser } from '../src/task-user';
import { FakeCas } from './fake-cas';
import { sh, tempDir, until } from './helpers';
import { capturingLogger, useSessionHarness } from './session-harness';
import { TestCoordinator, type TestStream } from './test-coordinator';

/**
 * Input trees (cas_input_root) against a real BotSession and a fake Cas on the coordinator's
 * server: the layout (bytes, modes, links from the cache), the cache (nothing fetched twice, a
 * tampered blob fetched again, eviction sparing a running task's blobs), failures (a missing
 * blob is CLIENT_ERROR naming it, transient ones retried), input_trees in the health, and
 * secret_bytes.
 */

const h = useSessionHarness();
let cas: FakeCas;

beforeEach(async () => {
  h.coordinator.close();
  cas = new FakeCas();
  h.coordinator = await TestCoordinator.start(undefined, (server) => cas.register(server));
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Fixture {
  readonly tree: Tree;
  readonly root: { hash: string; size_bytes: number };
  /** Path → bytes, for every file. */
  readonly files: Map<string, Buffer>;
}

/** A tree of many files: nested dirs, executables, a duplicate blob, symlinks, an empty dir. */
function fixture(nSmall = 150): Fixture {
  const files = new Map<string, Buffer>();
  const entries: TreeFile[] = [];
  const add = (p: string, data: Buffer, executable = false) => {
    files.set(p, data);
    const d = cas.put(data);
    entries.push({ path: p, hash: d.hash, size: d.size, executable });
  };
  add('README', Buffer.from('hello inputs\n'));
  add('bin/run.sh', Buffer.from('#!/bin/sh\necho ran "$@"\n'), true);
  add('data/big.bin', randomBytes(700 * 1024));
  add('data/empty.txt', Buffer.alloc(0));
  // The same bytes as README, executable here: the cache keeps both modes.
  add('bin/readme-exec', Buffer.from('hello inputs\n'), true);
  for (let i = 0; i < nSmall; i++)
    add(`many/d${i % 7}/sub${i % 3}/f${i}.txt`, Buffer.from(`file ${i}\n${'x'.repeat(i)}`));
  const tree: Tree = {
    files: entries,
    symlinks: [
      { path: 'link-to-readme', target: 'README' },
      { path: 'many/d0/up', target: '../../data' },
    ],
    dirs: ['empty/inner'],
  };
  return { tree, root: cas.putTree(tree), files };
}

/** A payload listing its work dir: `type mode links path [target]`, then each file's sha256. */
const LIST = `find . -mindepth 1 -printf '%y %m %n %p %l\\n' | LC_ALL=C sort; echo ---; find . -type f | LC_ALL=C sort | xargs -r sha256sum`;

function expectedListing(f: Fixture): { entries: Map<string, string>; sums: Map<string, string> } {
  const entries = new Map<string, string>();
  const dirs = new Set<string>(f.tree.dirs);
  for (const p of [...f.files.keys(), ...f.tree.symlinks.map((l) => l.path)]) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of f.tree.dirs) {
    const parts = d.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of dirs) entries.set(`./${d}`, 'd');
  for (const file of f.tree.files)
    entries.set(`./${file.path}`, file.executable ? 'f 555' : 'f 444');
  for (const l of f.tree.symlinks) entries.set(`./${l.path}`, `l -> ${l.target}`);
  const sums = new Map<string, string>();
  for (const [p, data] of f.files) sums.set(`./${p}`, sha(data));
  return { entries, sums };
}

function parseListing(out: string): {
  entries: Map<string, string>;
  links: Map<string, number>;
  sums: Map<string, string>;
} {
  const [list = '', sumText = ''] = out.split('---\n');
  const entries = new Map<string, string>();
  const links = new Map<string, number>();
  for (const line of list.split('\n').filter((l) => l !== '')) {
    const [type, mode, n, p, target] = line.split(' ');
    if (p === undefined) continue;
    if (type === 'd') entries.set(p, 'd');
    else if (type === 'f') entries.set(p, `f ${mode}`);
    else if (type === 'l') entries.set(p, `l -> ${target}`);
    if (type === 'f') links.set(p, Number(n));
  }
  const sums = new Map<string, string>();
  for (const line of sumText.split('\n').filter((l) => l !== '')) {
    const [sum, p] = line.split(/\s+/);
    if (sum !== undefined && p !== undefined) sums.set(p, sum);
  }
  return { entries, links, sums };
}

async function runTask(
  stream: TestStream,
  taskId: string,
  script: string,
  root: { hash: string; size_bytes: number } | null,
  over: Parameters<typeof sh>[1] = {},
) {
  stream.send({
    assign: {
      task_id: taskId,
      lease_id: `lease-${taskId}`,
      manifest: sh(script, { cas_input_root: root, ...over }),
    },
  });
  for (;;) {
    const finished = await stream.take('task_finished', 20_000);
    if (finished.task_id !== taskId) continue;
    const output = stream
      .all('output')
      .filter((o) => o.task_id === taskId)
      .map((o) => o.data.toString('utf8'))
      .join('');
    stream.send({ ack: { task_id: taskId, lease_id: `lease-${taskId}`, finished: true } });
    return { finished, output };
  }
}

describe('input trees', () => {
  it('lays a tree out with its bytes and modes, linked from the cache; a second task fetches nothing', async () => {
    const f = fixture();
    h.startSession();
    const stream = await h.connected();
    const first = await runTask(stream, 't1', LIST, f.root);
    expect(first.finished.client_error).toBe('');
    expect(first.finished.exit_code).toBe(0);
    const want = expectedListing(f);
    const got = parseListing(first.output);
    expect(Object.fromEntries(got.entries)).toEqual(Object.fromEntries(want.entries));
    expect(Object.fromEntries(got.sums)).toEqual(Object.fromEntries(want.sums));
    // Hard links: the cache's file and the work dir's.
    expect(got.links.get('./data/big.bin')).toBe(2);
    const blobBytes = [...new Map(f.tree.files.map((x) => [x.hash, x.size])).values()].reduce(
      (a, b) => a + b,
      0,
    );
    // Every distinct blob once (README's bytes fetched once, its executable copy made locally).
    expect(first.finished.inputs_fetched_bytes).toBe(blobBytes + f.root.size_bytes);
    expect(first.finished.inputs_fetch_duration).toBeGreaterThan(0);
    const downloads = cas.downloads.length;
    expect(downloads).toBe(new Set(f.tree.files.map((x) => x.hash)).size + 1);

    const second = await runTask(stream, 't2', LIST, f.root);
    expect(second.finished.exit_code).toBe(0);
    expect(second.finished.inputs_fetched_bytes).toBe(0);
    expect(cas.downloads.length).toBe(downloads);
    expect(Object.fromEntries(parseListing(second.output).sums)).toEqual(
      Object.fromEntries(want.sums),
    );
    // The cache's files are read-only, the bot's; the work dirs are gone.
    const big = f.tree.files.find((x) => x.path === 'data/big.bin')!;
    expect(statSync(path.join(h.root, 'cas', big.hash)).mode & 0o777).toBe(0o444);
    await until('the work dirs removed', () => readdirSync(path.join(h.root, 'w')).length === 0);
  }, 30_000);

  it('reports the trees it holds in its health (input_trees) at once, not at the next heartbeat', async () => {
    const f = fixture(3);
    // No periodic heartbeat within the test: the one carrying the tree is sent for it.
    h.startSession({ heartbeatIntervalMs: 600_000 });
    const stream = await h.connected();
    await runTask(stream, 't1', 'true', f.root);
    await until('a heartbeat naming the tree', () =>
      stream.all('heartbeat').some((hb) => hb.state?.input_trees.includes(f.root.hash) === true),
    );
    // A new stream's Hello says so too.
    h.coordinator.streams[0]!.fail(14, 'gone');
    const next = await h.coordinator.stream(1);
    const hello = await next.take('hello');
    expect(hello.state?.input_trees).toEqual([f.root.hash]);
  });

  it('a tampered cached blob is detected, discarded and fetched again', async () => {
    const f = fixture(2);
    h.startSession();
    const stream = await h.connected();
    await runTask(stream, 't1', 'true', f.root);
    const run = f.tree.files.find((x) => x.path === 'bin/run.sh')!;
    const cached = path.join(h.root, 'cas', `${run.hash}.x`);
    const original = f.files.get('bin/run.sh')!;
    chmodSync(cached, 0o755);
    writeFileSync(cached, original.toString().toUpperCase()); // the same size, other bytes
    chmodSync(cached, 0o555);
    const before = cas.downloadsOf(run.hash);
    const second = await runTask(stream, 't2', 'bin/run.sh ok', f.root);
    expect(second.output).toBe('ran ok\n');
    expect(cas.downloadsOf(run.hash)).toBe(before + 1);
    expect(second.finished.inputs_fetched_bytes).toBe(run.size);
  });

  it('a blob the CAS does not have ends the task CLIENT_ERROR naming its digest; nothing runs', async () => {
    const missing = { hash: sha(Buffer.from('never uploaded')), size: 14 };
    const tree: Tree = {
      files: [
        { path: 'ok', ...cas.put('fine'), executable: false },
        { path: 'gone', hash: missing.hash, size: missing.size, executable: false },
      ],
      symlinks: [],
      dirs: [],
    };
    const root = cas.putTree(tree);
    h.startSession();
    const stream = await h.connected();
    const { finished, output } = await runTask(stream, 't1', 'echo SHOULD-NOT-RUN', root);
    expect(finished.client_error).toContain(missing.hash);
    expect(finished.client_error).toContain('not found');
    expect(finished.exit_code ?? null).toBeNull();
    expect(output).not.toContain('SHOULD-NOT-RUN');
    // NOT_FOUND is not retried.
    expect(cas.downloadsOf(missing.hash)).toBe(1);
  });

  it('a tree digest the CAS does not have is CLIENT_ERROR naming it', async () => {
    h.startSession();
    const stream = await h.connected();
    const root = { hash: sha(Buffer.from('no tree')), size_bytes: 7 };
    const { finished } = await runTask(stream, 't1', 'true', root);
    expect(finished.client_error).toContain(root.hash);
  });

  it('retries a transient failure and bytes corrupted in transit', async () => {
    const f = fixture(2);
    const readme = f.tree.files.find((x) => x.path === 'README')!;
    const big = f.tree.files.find((x) => x.path === 'data/big.bin')!;
    cas.unavailable.set(readme.hash, 2);
    cas.corrupt.set(big.hash, 1);
    h.startSession({ inputRetryDelaysMs: [10, 10, 10] });
    const stream = await h.connected();
    const { finished, output } = await runTask(stream, 't1', 'cat README', f.root);
    expect(finished.client_error).toBe('');
    expect(output).toBe('hello inputs\n');
    expect(cas.downloadsOf(readme.hash)).toBe(3);
    expect(cas.downloadsOf(big.hash)).toBe(2);
  });

  it('gives up after 3 retries: CLIENT_ERROR naming the digest', async () => {
    const f = fixture(1);
    const readme = f.tree.files.find((x) => x.path === 'README')!;
    cas.unavailable.set(readme.hash, 10);
    h.startSession({ inputRetryDelaysMs: [5, 5, 5] });
    const stream = await h.connected();
    const { finished } = await runTask(stream, 't1', 'true', f.root);
    expect(finished.client_error).toContain(readme.hash);
    expect(finished.client_error).toContain('UNAVAILABLE');
    expect(cas.downloadsOf(readme.hash)).toBe(4);
  });

  it('eviction keeps the blobs of a running task; they go once it is over', async () => {
    const f = fixture(1);
    const big = f.tree.files.find((x) => x.path === 'data/big.bin')!;
    h.startSession({ casCacheMaxBytes: 1 });
    const stream = await h.connected();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'lease-t1',
        manifest: sh('echo started; sleep 30', { cas_input_root: f.root }),
      },
    });
    await stream.outputUntil('t1', 'started', 10_000);
    // Over the limit, but every blob is the running task's.
    expect(existsSync(path.join(h.root, 'cas', big.hash))).toBe(true);
    stream.send({ kill: { task_id: 't1', lease_id: 'lease-t1', reason: 'test' } });
    await stream.take('task_finished', 10_000);
    await until('the blobs evicted', () => !existsSync(path.join(h.root, 'cas', big.hash)), 10_000);
  }, 30_000);

  it('a task canceled while its inputs download never starts', async () => {
    const f = fixture(1);
    let release = () => {};
    cas.gate = new Promise<void>((r) => (release = r));
    h.startSession();
    const stream = await h.connected();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'lease-t1',
        manifest: sh('echo RAN', { cas_input_root: f.root }),
      },
    });
    await until('a download asked', () => cas.downloads.length > 0);
    stream.send({ kill: { task_id: 't1', lease_id: 'lease-t1', reason: 'test' } });
    const finished = await stream.take('task_finished', 10_000);
    release();
    expect(finished.canceled).toBe(true);
    expect(stream.outputBytes('t1')).toBe(0);
  });
});

describe('secret_bytes', () => {
  it('are in a 0600 file named by DROVER_SECRET_BYTES_PATH, outside the work dir, removed after', async () => {
    h.startSession();
    const stream = await h.connected();
    const secret = Buffer.from('s3cr3t\u0000bytes\n');
    const { finished, output } = await runTask(
      stream,
      't1',
      'p="$DROVER_SECRET_BYTES_PATH"; stat -c "%a" "$p"; case "$p" in "$PWD"/*) echo INSIDE;; esac; od -An -c "$p" | tr -s " "; echo "$p"',
      null,
      { secret_bytes: secret },
    );
    expect(finished.exit_code).toBe(0);
    const lines = output.split('\n');
    expect(lines[0]).toBe('600');
    expect(output).not.toContain('INSIDE');
    expect(output).toContain('s 3 c r 3 t \\0 b y t e s \\n');
    const file = lines.filter((l) => l !== '').at(-1)!;
    expect(file).toBe(path.join(h.root, 'secrets', 't1', 'secret_bytes'));
    expect(existsSync(file)).toBe(false);
  });

  it('never logs them', async () => {
    const { log, lines } = capturingLogger();
    h.startSession({ log });
    const stream = await h.connected();
    const secret = `never-logged-${process.pid}`;
    await runTask(stream, 't1', 'cat "$DROVER_SECRET_BYTES_PATH" >/dev/null', null, {
      secret_bytes: Buffer.from(secret),
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(JSON.stringify(lines)).not.toContain(Buffer.from(secret).toString('base64'));
  });

  it('no secret: no DROVER_SECRET_BYTES_PATH', async () => {
    h.startSession({ taskBaseEnv: { PATH: process.env.PATH, DROVER_SECRET_BYTES_PATH: '/x' } });
    const stream = await h.connected();
    const { output } = await runTask(
      stream,
      't1',
      'echo "[${DROVER_SECRET_BYTES_PATH-unset}]"',
      null,
    );
    expect(output).toBe('[unset]\n');
  });
});

describe('input trees and the task user', () => {
  it('the payload (another user) reads its inputs and its secret, cannot change the cache nor list it', async () => {
    expect(process.geteuid?.(), 'run as root: the payload runs as nobody').toBe(0);
    const found = resolveTaskUser('nobody');
    if (!found.ok) throw new Error(found.message);
    const user = found.user;
    prepareBotDirForTaskUser(h.root, user);
    const f = fixture(2);
    h.startSession({ taskUser: user });
    const stream = await h.connected();
    const script = [
      'id -u',
      'cat README',
      '(echo x > README) 2>/dev/null && echo WROTE-README',
      'chmod u+w data/big.bin 2>/dev/null && echo CHMOD-BLOB',
      `ls ${h.root}/cas >/dev/null 2>&1 && echo LISTED-CACHE`,
      `cat ${h.root}/cas/${f.tree.files[0]!.hash} >/dev/null 2>&1 && echo READ-CACHE-DIRECTLY`,
      'touch many/new-file && echo ADDED-FILE',
      'stat -c "%u %a" "$DROVER_SECRET_BYTES_PATH"',
      'cat "$DROVER_SECRET_BYTES_PATH"; echo',
    ].join('; ');
    const { finished, output } = await runTask(stream, 't1', script, f.root, {
      secret_bytes: Buffer.from('for nobody'),
    });
    expect(finished.client_error).toBe('');
    expect(output).toBe(`${user.uid}\nhello inputs\nADDED-FILE\n${user.uid} 600\nfor nobody\n`);
    const big = f.tree.files.find((x) => x.path === 'data/big.bin')!;
    expect(statSync(path.join(h.root, 'cas', big.hash)).uid).toBe(0);
    expect(statSync(path.join(h.root, 'cas', big.hash)).mode & 0o777).toBe(0o444);
    expect(statSync(path.join(h.root, 'cas')).mode & 0o777).toBe(0o700);
  }, 30_000);
});

describe('input trees across file systems', () => {
  it('copies (read-only) when the cache is on another file system', async () => {
    const shm = '/dev/shm';
    if (!existsSync(shm) || statSync(shm).dev === statSync(h.root).dev) return;
    const { dir, cleanup } = await tempDir('drover-cas-shm-', shm);
    try {
      const f = fixture(2);
      h.startSession({ casCache: new CasCache({ root: path.join(dir, 'cas') }) });
      const stream = await h.connected();
      const { finished, output } = await runTask(stream, 't1', LIST, f.root);
      expect(finished.client_error).toBe('');
      const got = parseListing(output);
      const want = expectedListing(f);
      expect(Object.fromEntries(got.entries)).toEqual(Object.fromEntries(want.entries));
      expect(Object.fromEntries(got.sums)).toEqual(Object.fromEntries(want.sums));
      expect(got.links.get('./data/big.bin')).toBe(1); // a copy
    } finally {
      await cleanup();
    }
  }, 30_000);
});
