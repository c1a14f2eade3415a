import {
  constants as fsConstants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  closeSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { giveTo, type TaskUser } from './task-user';
import type { Resolved } from './task-env';

/**
 * Paths from a manifest checked on the real file system, not only lexically. A task's work dir
 * may hold symlinks a payload left (in a named cache, kept across tasks): `relative_cwd: 'c/x'`
 * with `c` a symlink to `/etc` would have the bot — maybe root — create `/etc/x`. So a path is
 * walked one component at a time from its root, each symlink followed only when its target
 * stays inside the root, and each missing directory made on its own (never `mkdir -p` across a
 * symlink). These checks hold while no process of the task user runs besides the bot's own
 * work (the sweep after every task: escaped-sweep.ts), which could otherwise swap a component
 * between the check and its use.
 */

/** Whether real path `p` is `root` or below it (both already resolved: realpath). Pure. */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** Whether `p`, symlinks followed, is inside `root`, symlinks followed; false when `p` is gone. */
export function isInsideReal(root: string, p: string): boolean {
  try {
    return isInside(realpathSync(root), realpathSync(p));
  } catch {
    return false;
  }
}

/**
 * The components of `relative` below a root, lexically normalized; a client error for an
 * absolute path or one whose `..` climb above the root (as task-env.ts resolveInside).
 */
export function relativeComponents(relative: string, field: string): Resolved<readonly string[]> {
  if (path.isAbsolute(relative)) {
    return {
      ok: false,
      clientError: `${field}: '${relative}' must be relative to the task's work dir`,
    };
  }
  const normal = path.normalize(relative === '' ? '.' : relative);
  if (normal === '..' || normal.startsWith(`..${path.sep}`)) {
    return { ok: false, clientError: `${field}: '${relative}' escapes the task's work dir` };
  }
  return { ok: true, value: normal.split(path.sep).filter((c) => c !== '' && c !== '.') };
}

/**
 * Makes directory `relative` inside `root` and returns its real path. Walks it component by
 * component: an existing directory is entered, a symlink is followed only when its real path
 * stays inside realpath(root) and is a directory, a missing component is made (0755, given to
 * `owner`). Anything leading outside is a client error naming the component, and nothing is
 * created outside: each mkdir is in a directory already checked.
 */
export function makeDirInside(
  root: string,
  relative: string,
  field: string,
  owner?: TaskUser,
): Resolved<string> {
  const parts = relativeComponents(relative, field);
  if (!parts.ok) return parts;
  const realRoot = realpathSync(root);
  let current = realRoot;
  for (let i = 0; i < parts.value.length; i++) {
    const shown = parts.value.slice(0, i + 1).join('/');
    const next = path.join(current, parts.value[i]!);
    const entered = enter(realRoot, next, owner);
    switch (entered.kind) {
      case 'dir':
        current = entered.real;
        break;
      case 'outside':
        return {
          ok: false,
          clientError: `${field}: '${relative}' leads outside the task's work dir (symlink at '${shown}')`,
        };
      case 'not-dir':
        return {
          ok: false,
          clientError: `${field}: '${relative}' is not a directory (at '${shown}')`,
        };
    }
  }
  return { ok: true, value: current };
}

type Entered =
  | { readonly kind: 'dir'; readonly real: string }
  | { readonly kind: 'outside' }
  | { readonly kind: 'not-dir' };

/** One step of makeDirInside: `next` in an already checked real directory. */
function enter(realRoot: string, next: string, owner: TaskUser | undefined): Entered {
  for (;;) {
    let st;
    try {
      st = lstatSync(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      try {
        // Not recursive, and mkdir never follows a symlink at `next`: made here or not at all.
        mkdirSync(next, { mode: 0o755 });
      } catch (mkdirErr) {
        // Made meanwhile: look again.
        if ((mkdirErr as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw mkdirErr;
      }
      giveTo(next, owner);
      return { kind: 'dir', real: next };
    }
    if (st.isDirectory()) return { kind: 'dir', real: next };
    if (!st.isSymbolicLink()) return { kind: 'not-dir' };
    let real: string;
    try {
      real = realpathSync(next);
    } catch {
      // Dangling: following it would make its target, wherever that is.
      return { kind: 'outside' };
    }
    if (!isInside(realRoot, real)) return { kind: 'outside' };
    return lstatSync(real).isDirectory() ? { kind: 'dir', real } : { kind: 'not-dir' };
  }
}

export type OpenedFile =
  | { readonly ok: true; readonly fd: number; readonly size: number }
  | { readonly ok: false; readonly why: string };

/**
 * Opens `file` for reading only if it is a regular file whose real path is inside `realRoot`:
 * never through a symlink at its name (O_NOFOLLOW), never a FIFO or device (O_NONBLOCK, then
 * fstat), not a hard link to a file of another user than the dir's owner, and — read back from /proc/self/fd where there is one — never through a directory a
 * symlink swapped in. The caller closes the fd.
 */
export function openFileInside(realRoot: string, file: string): OpenedFile {
  const flags = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;
  let fd: number;
  try {
    fd = openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, why: code === 'ELOOP' ? 'a symbolic link' : `cannot open (${code})` };
  }
  const refuse = (why: string): OpenedFile => {
    closeSync(fd);
    return { ok: false, why };
  };
  const st = fstatSync(fd);
  if (!st.isFile()) return refuse('not a regular file');
  // A payload may hard-link a file of another user into its dir (where the kernel lets it:
  // fs.protected_hardlinks=0): a file with several names must be the dir owner's own.
  if (st.nlink > 1 && st.uid !== statSync(realRoot).uid)
    return refuse("a hard link to another user's file");
  let opened: string | undefined;
  try {
    opened = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    // No /proc: the file's real path as it is now.
    try {
      opened = realpathSync(file);
    } catch {
      opened = undefined;
    }
  }
  if (opened === undefined || !isInside(realRoot, opened)) return refuse('outside its directory');
  return { ok: true, fd, size: st.size };
}
