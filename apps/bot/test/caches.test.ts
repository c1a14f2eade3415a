import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evictionOrder } from '../src/cache-eviction';
import { CacheManager } from '../src/caches';
import { startTask, type RunResult, type RunTaskOptions } from '../src/index';
import { resolveTaskUser, type TaskUser } from '../src/task-user';
import { sh, tempDir, within } from './helpers';

/** Named caches and DROVER_OUTDIR as the runner sees them, with real payload processes. */

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

function run(over: Partial<RunTaskOptions> & Pick<RunTaskOptions, 'manifest'>) {
  const chunks: Buffer[] = [];
  const t = startTask({
    taskId: 't1',
    leaseId: 'l1',
    botId: 'bot-a',
    server: '127.0.0.1:9',
    botDir: path.join(root, 'bot'),
    baseEnv: { PATH: process.env.PATH },
    onOutput: (b) => chunks.push(b),
    ...over,
  });
  return {
    result: within('task result', t.result, 10_000) as Promise<RunResult>,
    output: () => Buffer.concat(chunks).toString('utf8'),
  };
}

describe('named caches in the runner', () => {
  it('mounts the cache at its path while the task runs and takes it back after', async () => {
    const caches = new CacheManager({ root: path.join(root, 'bot', 'caches') });
    const changes: string[][] = [];
    caches.onChange = () => changes.push(caches.names());
    const first = run({
      taskId: 'one',
      caches,
      // Moved in, not linked: the cache is really inside the work dir.
      manifest: sh('echo kept > tools/bin/x && test -d tools/bin && ! test -L tools/bin && pwd', {
        caches: [{ name: 'tools', path: 'tools/bin' }],
      }),
    });
    expect((await first.result).exitCode).toBe(0);
    // The cache went back before the work dir went, and the bot heard of it.
    expect(existsSync(path.join(root, 'bot', 'w', 'one'))).toBe(false);
    expect(await readFile(path.join(root, 'bot', 'caches', 'tools', 'x'), 'utf8')).toBe('kept\n');
    expect(changes).toEqual([['tools']]);
    expect(caches.info()).toEqual([{ name: 'tools', sizeBytes: 5 }]);

    const second = run({
      taskId: 'two',
      caches,
      manifest: sh('cat t/x', { caches: [{ name: 'tools', path: 't' }] }),
    });
    expect((await second.result).exitCode).toBe(0);
    expect(second.output()).toBe('kept\n');
  });

  it('finds the caches a previous run of the bot left, and makes the cwd inside one', async () => {
    const dir = path.join(root, 'bot', 'caches');
    const before = new CacheManager({ root: dir });
    const r = run({
      caches: before,
      manifest: sh('echo $PWD', { relative_cwd: 'c/deep', caches: [{ name: 'c1', path: 'c' }] }),
    });
    expect((await r.result).exitCode).toBe(0);
    // The cwd was made inside the mounted cache: it is now part of it.
    expect(lstatSync(path.join(dir, 'c1', 'deep')).isDirectory()).toBe(true);
    const after = new CacheManager({ root: dir });
    expect(after.names()).toEqual(['c1']);
  });

  it('refuses a cache a bot without caches cannot mount, and a path taken twice', async () => {
    const none = run({ manifest: sh('true', { caches: [{ name: 'a', path: 'a' }] }) });
    expect((await none.result).clientError).toMatch(/keeps no named caches/);
    const caches = new CacheManager({ root: path.join(root, 'bot', 'caches') });
    const clash = run({
      caches,
      manifest: sh('true', {
        caches: [
          { name: 'a', path: 'x' },
          { name: 'b', path: 'x' },
        ],
      }),
    });
    expect((await clash.result).clientError).toMatch(/cannot mount b at 'x'/);
    // Nothing stays in use after a refused mount: the next task gets `a`.
    const next = run({
      taskId: 't2',
      caches,
      manifest: sh('true', { caches: [{ name: 'a', path: 'y' }] }),
    });
    expect((await next.result).exitCode).toBe(0);
  });

  it('never gives one cache to two tasks at once', async () => {
    const caches = new CacheManager({ root: path.join(root, 'bot', 'caches') });
    mkdirSync(path.join(root, 'w1'));
    const held = caches.mount('holder', [{ name: 'shared', path: 's' }], path.join(root, 'w1'));
    expect(held.ok).toBe(true);
    const r = run({ caches, manifest: sh('true', { caches: [{ name: 'shared', path: 's' }] }) });
    const result = await r.result;
    expect(result.exitCode).toBe(126);
    expect(r.output()).toMatch(/cache shared is in use by another task/);
    if (held.ok) await caches.release(held.value);
  });
});

describe('named caches on the real file system', () => {
  const user = (): TaskUser => {
    const outcome = resolveTaskUser('nobody');
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.user;
  };

  it('keeps the caches dir the bot’s alone (0700)', () => {
    const dir = path.join(root, 'bot', 'caches');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    new CacheManager({ root: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a cache path through a symlink a task left in a cache, creating nothing outside', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    const caches = new CacheManager({ root: path.join(root, 'bot', 'caches') });
    const plant = run({
      taskId: 'plant',
      caches,
      manifest: sh(`ln -s ${outside} c/evil`, { caches: [{ name: 'c1', path: 'c' }] }),
    });
    expect((await plant.result).exitCode).toBe(0);
    expect(lstatSync(path.join(root, 'bot', 'caches', 'c1', 'evil')).isSymbolicLink()).toBe(true);

    const nested = run({
      taskId: 'nested',
      caches,
      manifest: sh('true', {
        caches: [
          { name: 'c1', path: 'c' },
          { name: 'c2', path: 'c/evil/inner' },
        ],
      }),
    });
    expect((await nested.result).clientError).toBe(
      "caches: path 'c/evil/inner' leads outside the task's work dir (symlink at 'c/evil')",
    );
    const cwd = run({
      taskId: 'cwd',
      caches,
      manifest: sh('true', { relative_cwd: 'c/evil/x', caches: [{ name: 'c1', path: 'c' }] }),
    });
    expect((await cwd.result).clientError).toBe(
      "relative_cwd: 'c/evil/x' leads outside the task's work dir (symlink at 'c/evil')",
    );
    expect(readdirSync(outside)).toEqual([]);
    // c1 came back after each refusal, its link still in it; c2 was never made.
    expect(caches.names()).toEqual(['c1']);
    expect(lstatSync(path.join(root, 'bot', 'caches', 'c1', 'evil')).isSymbolicLink()).toBe(true);
  });

  it('drops a cache the task replaced with a symlink, and takes nothing in from outside', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'keep'), 'x');
    const caches = new CacheManager({ root: path.join(root, 'bot', 'caches') });
    const r = run({
      caches,
      manifest: sh(`rm -r c && ln -s ${outside} c`, { caches: [{ name: 'c1', path: 'c' }] }),
    });
    expect((await r.result).exitCode).toBe(0);
    expect(caches.names()).toEqual([]);
    expect(existsSync(path.join(root, 'bot', 'caches', 'c1'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep']);
  });

  it('gives a cache to the task user, all of it the first time, hard links left alone', () => {
    const nobody = user();
    const dir = path.join(root, 'bot', 'caches');
    mkdirSync(path.join(dir, 'c1', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'c1', 'sub', 'f'), 'x');
    // As if a payload had hard-linked a file of the system into the cache.
    const system = path.join(root, 'system-file');
    writeFileSync(system, 'root only');
    linkSync(system, path.join(dir, 'c1', 'linked'));
    const caches = new CacheManager({ root: dir, owner: nobody });
    const work = path.join(root, 'w1');
    mkdirSync(work);
    const mounted = caches.mount('t1', [{ name: 'c1', path: 'deep/c' }], work);
    expect(mounted).toMatchObject({ ok: true, value: { links: [path.join(work, 'deep', 'c')] } });
    for (const p of ['deep', 'deep/c', 'deep/c/sub', 'deep/c/sub/f'])
      expect(statSync(path.join(work, p)).uid, p).toBe(nobody.uid);
    expect(statSync(system).uid).toBe(process.geteuid?.());
  });
});

describe('DROVER_OUTDIR', () => {
  it('is an empty directory outside the work dir, removed after the task by default', async () => {
    const r = run({
      manifest: sh(
        'ls -A "$DROVER_OUTDIR" | wc -l; echo "$DROVER_OUTDIR"; echo x > "$DROVER_OUTDIR/f"',
      ),
    });
    expect((await r.result).exitCode).toBe(0);
    const [count, outDir] = r.output().trim().split('\n');
    expect(count?.trim()).toBe('0');
    expect(outDir).toBe(path.join(root, 'bot', 'out', 't1'));
    expect(existsSync(outDir!)).toBe(false);
  });
});

describe('evictionOrder', () => {
  const rec = (name: string, sizeBytes: number, lastUsedMs: number) => ({
    name,
    sizeBytes,
    lastUsedMs,
  });

  it('evicts nothing at or under the limit', () => {
    expect(evictionOrder([rec('a', 500, 1), rec('b', 500, 2)], new Set(), 1000)).toEqual([]);
  });

  it('evicts the least recently used first until the total fits, skipping caches in use', () => {
    const records = [rec('new', 400, 30), rec('old', 400, 10), rec('mid', 400, 20)];
    expect(evictionOrder(records, new Set(), 500)).toEqual(['old', 'mid']);
    expect(evictionOrder(records, new Set(['old']), 500)).toEqual(['mid', 'new']);
    expect(evictionOrder(records, new Set(['old', 'mid', 'new']), 500)).toEqual([]);
  });
});
