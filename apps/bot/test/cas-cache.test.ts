import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { treeBlob } from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CasCache } from '../src/cas-cache';
import { tempDir } from './helpers';

let root = '';
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Puts `text` in the cache as a downloaded blob would arrive (temp file, adopt). */
async function put(cache: CasCache, text: string, executable = false) {
  const key = { hash: sha(text), size: Buffer.byteLength(text), executable };
  cache.load();
  const tmp = cache.tempPath(key.hash);
  writeFileSync(tmp, text, { mode: 0o600 });
  await cache.adopt(tmp, key);
  return key;
}

describe('CasCache', () => {
  it('keeps blobs read-only, 0444 or 0555, in <root>', async () => {
    const cache = new CasCache({ root: path.join(root, 'cas') });
    const a = await put(cache, 'aaa');
    const x = await put(cache, 'xxx', true);
    expect(statSync(cache.pathOf(a)).mode & 0o777).toBe(0o444);
    expect(statSync(cache.pathOf(x)).mode & 0o777).toBe(0o555);
    expect(cache.pathOf(x)).toBe(path.join(root, 'cas', `${x.hash}.x`));
    expect(statSync(path.join(root, 'cas')).mode & 0o777).toBe(0o700);
    expect(await cache.usable(a)).toBe(cache.pathOf(a));
  });

  it('evicts the least recently used blobs past its limit, never a pinned one', async () => {
    const cache = new CasCache({ root: path.join(root, 'cas'), maxBytes: 8 });
    const a = await put(cache, 'aaaa');
    const b = await put(cache, 'bbbb');
    const c = await put(cache, 'cccc');
    // a used last: b is the least recently used, then c.
    await cache.usable(a);
    const lease = cache.lease();
    lease.pin(b);
    expect(await cache.evict()).toEqual([c.hash]);
    expect(existsSync(cache.pathOf(b))).toBe(true);
    lease.pin(a);
    const big = await put(cache, 'dddddddd');
    // Over the limit, but a and b are pinned: only d can go.
    expect(await cache.evict()).toEqual([big.hash]);
    lease.release();
    await put(cache, 'eeee');
    // a, b, e: b is the least recently used.
    expect(await cache.evict()).toEqual([b.hash]);
    expect(cache.sizeBytes).toBe(8);
  });

  it('a tree is reported while every blob of it is held, most recent first', async () => {
    const cache = new CasCache({ root: path.join(root, 'cas'), maxBytes: 100 });
    const a = await put(cache, 'aaaa');
    const b = await put(cache, 'bbbb');
    cache.noteTree('t1', [a]);
    cache.noteTree('t2', [a, b]);
    expect(cache.inputTrees()).toEqual(['t2', 't1']);
    cache.noteTree('t1', [a]);
    expect(cache.inputTrees()).toEqual(['t1', 't2']);
    const small = new CasCache({ root: path.join(root, 'cas'), maxBytes: 4 });
    small.load();
    // A cache read from disk knows no trees.
    expect(small.inputTrees()).toEqual([]);
    // b goes: t2 is no longer whole.
    const lease = cache.lease();
    lease.pin(a);
    (cache as unknown as { maxBytes: number }).maxBytes = 4;
    await cache.evict();
    expect(cache.inputTrees()).toEqual(['t1']);
    const tree = (n: number) => `tree-${n}`;
    for (let i = 0; i < 40; i++) cache.noteTree(tree(i), [a]);
    expect(cache.inputTrees()).toHaveLength(32);
    expect(cache.inputTrees()[0]).toBe(tree(39));
  });

  it('a restarted bot still reports the trees it holds whole (trees.json)', async () => {
    const dir = path.join(root, 'cas');
    const first = new CasCache({ root: dir });
    const a = await put(first, 'file a');
    const x = await put(first, 'tool', true);
    const listing = treeBlob({
      files: [
        { path: 'a', hash: a.hash, size: a.size, executable: false },
        { path: 'bin/tool', hash: x.hash, size: x.size, executable: true },
      ],
      symlinks: [],
      dirs: [],
    });
    const t = await put(first, listing.text);
    first.noteTree(t.hash, [t, a, x]);
    expect(first.inputTrees()).toEqual([t.hash]);

    const second = new CasCache({ root: dir });
    second.load();
    expect(second.inputTrees()).toEqual([t.hash]);

    rmSync(first.pathOf(x));
    const third = new CasCache({ root: dir });
    third.load();
    expect(third.inputTrees()).toEqual([]);
  });

  it('after a restart, re-hashes a blob before its first use; one changed meanwhile is discarded', async () => {
    const dir = path.join(root, 'cas');
    const first = new CasCache({ root: dir });
    const good = await put(first, 'good bytes');
    const bad = await put(first, 'will change');
    // Changed while the bot was down, the mtime put back: only a hash can tell.
    const st = statSync(first.pathOf(bad));
    chmodSync(first.pathOf(bad), 0o644);
    writeFileSync(first.pathOf(bad), 'WILL CHANGE');
    chmodSync(first.pathOf(bad), 0o444);
    utimesSync(first.pathOf(bad), st.atime, st.mtime);
    // Leftovers: a temp file, a stray file.
    writeFileSync(path.join(dir, 'tmp', 'partial'), 'x');
    writeFileSync(path.join(dir, 'not-a-blob'), 'x');
    mkdirSync(path.join(dir, 'junk-dir'));

    const second = new CasCache({ root: dir });
    second.load();
    expect(readdirSync(dir).sort()).toEqual([bad.hash, good.hash, 'tmp'].sort());
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(second.sizeBytes).toBe(good.size + bad.size);
    expect(await second.usable(good)).toBe(second.pathOf(good));
    expect(await second.usable(bad)).toBeUndefined();
    expect(existsSync(second.pathOf(bad))).toBe(false);
  });

  it('a blob whose mode changed is checked again; one whose bytes changed is discarded', async () => {
    const cache = new CasCache({ root: path.join(root, 'cas') });
    const a = await put(cache, 'stable');
    chmodSync(cache.pathOf(a), 0o644);
    expect(await cache.usable(a)).toBe(cache.pathOf(a));
    // Put back read-only once its bytes were found right.
    expect(statSync(cache.pathOf(a)).mode & 0o777).toBe(0o444);
    const b = await put(cache, 'tampered');
    chmodSync(cache.pathOf(b), 0o644);
    writeFileSync(cache.pathOf(b), 'TAMPERED');
    chmodSync(cache.pathOf(b), 0o444);
    expect(await cache.usable(b)).toBeUndefined();
    expect(cache.has(b)).toBe(false);
  });

  it('makes the other mode of a blob from the one it holds (a local copy)', async () => {
    const cache = new CasCache({ root: path.join(root, 'cas') });
    const a = await put(cache, '#!/bin/sh\n');
    const x = { ...a, executable: true };
    expect(await cache.usable(x)).toBeUndefined();
    const p = await cache.fromSibling(x);
    expect(p).toBe(cache.pathOf(x));
    expect(statSync(p!).mode & 0o777).toBe(0o555);
    expect(statSync(p!).ino).not.toBe(statSync(cache.pathOf(a)).ino);
  });
});
