import { execFileSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  linkSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInside, makeDirInside, openFileInside } from '../src/safe-paths';
import { resolveTaskUser } from '../src/task-user';
import { tempDir } from './helpers';

let root: string;
let work: string;
let outside: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  root = realpathSync(root);
  work = path.join(root, 'work');
  outside = path.join(root, 'outside');
  mkdirSync(work);
  mkdirSync(outside);
});
afterEach(async () => {
  await cleanup();
});

describe('isInside', () => {
  it.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
    ['/a/b', '/a', false],
    ['/a/b', '/a/b/../c', false],
  ])('%s holds %s: %s', (r, p, inside) => {
    expect(isInside(r, p)).toBe(inside);
  });
});

describe('makeDirInside', () => {
  it('makes the missing dirs one by one and returns the real path', () => {
    expect(makeDirInside(work, 'a/b/c', 'relative_cwd')).toEqual({
      ok: true,
      value: path.join(work, 'a', 'b', 'c'),
    });
    expect(statSync(path.join(work, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(makeDirInside(work, '', 'relative_cwd')).toEqual({ ok: true, value: work });
    expect(makeDirInside(work, './a/../a/b', 'relative_cwd')).toEqual({
      ok: true,
      value: path.join(work, 'a', 'b'),
    });
  });

  it.each([
    ['an absolute path', '/etc', "relative_cwd: '/etc' must be relative to the task's work dir"],
    ['a path up and out', '../outside', "relative_cwd: '../outside' escapes the task's work dir"],
    ['a path out after going in', 'a/../../x', "relative_cwd: 'a/../../x' escapes"],
  ])('refuses %s', (_what, relative, message) => {
    const r = makeDirInside(work, relative, 'relative_cwd');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.clientError).toContain(message);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a symlink that leads outside, naming it, and creates nothing there', () => {
    symlinkSync(outside, path.join(work, 'link'));
    expect(makeDirInside(work, 'link/x/y', 'relative_cwd')).toEqual({
      ok: false,
      clientError: "relative_cwd: 'link/x/y' leads outside the task's work dir (symlink at 'link')",
    });
    // Deeper down, relative, in a dir made by an earlier task.
    mkdirSync(path.join(work, 'cache', 'sub'), { recursive: true });
    symlinkSync('../../../outside', path.join(work, 'cache', 'sub', 'up'));
    expect(makeDirInside(work, 'cache/sub/up/z', 'relative_cwd')).toMatchObject({
      ok: false,
      clientError: expect.stringContaining("(symlink at 'cache/sub/up')") as string,
    });
    // Dangling: following it would make its target.
    symlinkSync(path.join(outside, 'made'), path.join(work, 'dangling'));
    expect(makeDirInside(work, 'dangling/q', 'relative_cwd')).toMatchObject({ ok: false });
    // The last component itself.
    expect(makeDirInside(work, 'dangling', 'relative_cwd')).toMatchObject({ ok: false });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('follows a symlink that stays inside, to a directory', () => {
    mkdirSync(path.join(work, 'real'));
    symlinkSync('real', path.join(work, 'alias'));
    expect(makeDirInside(work, 'alias/deep', 'relative_cwd')).toEqual({
      ok: true,
      value: path.join(work, 'real', 'deep'),
    });
    writeFileSync(path.join(work, 'file'), 'x');
    symlinkSync('file', path.join(work, 'to-file'));
    for (const relative of ['file/x', 'to-file/x']) {
      expect(makeDirInside(work, relative, 'relative_cwd')).toMatchObject({
        ok: false,
        clientError: expect.stringMatching(/is not a directory \(at '(to-)?file'\)/) as string,
      });
    }
  });

  it('gives the dirs it makes to the owner, not those that were there', () => {
    const user = resolveTaskUser('nobody');
    if (!user.ok) throw new Error(user.message);
    mkdirSync(path.join(work, 'kept'));
    const r = makeDirInside(work, 'kept/new', 'relative_cwd', user.user);
    expect(r.ok).toBe(true);
    expect(statSync(path.join(work, 'kept', 'new')).uid).toBe(user.user.uid);
    expect(statSync(path.join(work, 'kept')).uid).toBe(process.geteuid?.());
  });
});

describe('openFileInside', () => {
  it('opens a regular file inside, and nothing else', () => {
    writeFileSync(path.join(work, 'f'), 'hello');
    const ok = openFileInside(work, path.join(work, 'f'));
    expect(ok).toMatchObject({ ok: true, size: 5 });
    if (ok.ok) closeSync(ok.fd);

    writeFileSync(path.join(outside, 'secret'), 'token');
    symlinkSync(path.join(outside, 'secret'), path.join(work, 'link'));
    expect(openFileInside(work, path.join(work, 'link'))).toEqual({
      ok: false,
      why: 'a symbolic link',
    });
    symlinkSync(outside, path.join(work, 'dir-link'));
    expect(openFileInside(work, path.join(work, 'dir-link', 'secret'))).toEqual({
      ok: false,
      why: 'outside its directory',
    });
    execFileSync('mkfifo', [path.join(work, 'fifo')]);
    expect(openFileInside(work, path.join(work, 'fifo'))).toEqual({
      ok: false,
      why: 'not a regular file',
    });
    expect(openFileInside(work, path.join(work, 'nope'))).toEqual({
      ok: false,
      why: 'cannot open (ENOENT)',
    });
    // A hard link to a file of another user than the dir's owner (the task user, here nobody).
    linkSync(path.join(outside, 'secret'), path.join(work, 'hard'));
    chownSync(work, 65534, 65534);
    expect(openFileInside(work, path.join(work, 'hard'))).toEqual({
      ok: false,
      why: "a hard link to another user's file",
    });
    expect(readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('token');
    expect(existsSync(path.join(outside, 'fifo'))).toBe(false);
  });
});
