// Input trees of the CAS (docs/cas.md): the canonical listing of a directory — files with their
// digests, sizes and executable bits, symlinks that stay inside, empty directories — whose SHA-256
// is a task's cas_input_root. Pure: the CLI builds trees, the coordinator checks and indexes them,
// the bot lays them out, all with this one module.
import { createHash } from 'node:crypto';

/** A file of a tree: its path, its blob (Digest.hash) and size, and whether it is executable. */
export interface TreeFile {
  readonly path: string;
  readonly hash: string;
  readonly size: number;
  readonly executable: boolean;
}

/** A symlink of a tree: its target is relative and resolves inside the tree. */
export interface TreeSymlink {
  readonly path: string;
  readonly target: string;
}

export interface Tree {
  readonly files: readonly TreeFile[];
  readonly symlinks: readonly TreeSymlink[];
  /** Directories that hold nothing (others are implied by the paths below them). */
  readonly dirs: readonly string[];
}

/** A tree's limits: entries in all, and the size of its listing. */
export const TREE_LIMITS = { entries: 100_000, bytes: 32 * 1024 * 1024, pathChars: 1024 } as const;

/** A SHA-256 as Digest.hash writes it. */
export const BLOB_HASH = /^[0-9a-f]{64}$/;

/**
 * Why `p` is not a tree path (undefined when it is): `/`-separated, relative, no empty, `.` or
 * `..` segment, no NUL or backslash, at most TREE_LIMITS.pathChars characters.
 */
export function badTreePath(p: string): string | undefined {
  if (p === '') return 'empty';
  if (p.length > TREE_LIMITS.pathChars) return `longer than ${TREE_LIMITS.pathChars} characters`;
  if (p.includes('\0') || p.includes('\\')) return 'contains a NUL byte or a backslash';
  if (p.startsWith('/')) return 'absolute';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return 'has an empty, . or .. segment';
  }
  return undefined;
}

/**
 * Where a symlink at `path` pointing at `target` lands, relative to the tree's root; undefined
 * when the target is absolute or leaves the tree.
 */
export function symlinkLanding(path: string, target: string): string | undefined {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return undefined;
  const parts = path.split('/').slice(0, -1);
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(s);
    }
  }
  return parts.join('/');
}

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The problems of a tree (empty when there is none), each naming the entry: bad paths, a path
 * listed twice, an entry below a file or symlink, a symlink leaving the tree, bad hashes or sizes,
 * more than TREE_LIMITS.entries entries.
 */
export function treeProblems(tree: Tree): string[] {
  const problems: string[] = [];
  const count = tree.files.length + tree.symlinks.length + tree.dirs.length;
  if (count > TREE_LIMITS.entries) {
    return [`${count} entries, more than the limit of ${TREE_LIMITS.entries}`];
  }
  const kinds = new Map<string, 'file' | 'symlink' | 'dir'>();
  const add = (path: string, kind: 'file' | 'symlink' | 'dir'): void => {
    const bad = badTreePath(path);
    if (bad !== undefined) problems.push(`${JSON.stringify(path)}: ${bad}`);
    else if (kinds.has(path)) problems.push(`${JSON.stringify(path)}: listed twice`);
    else kinds.set(path, kind);
  };
  for (const f of tree.files) {
    add(f.path, 'file');
    if (!BLOB_HASH.test(f.hash)) problems.push(`${JSON.stringify(f.path)}: bad hash`);
    if (!Number.isSafeInteger(f.size) || f.size < 0) {
      problems.push(`${JSON.stringify(f.path)}: bad size`);
    }
  }
  for (const l of tree.symlinks) {
    add(l.path, 'symlink');
    if (symlinkLanding(l.path, l.target) === undefined) {
      problems.push(
        `${JSON.stringify(l.path)}: its target ${JSON.stringify(l.target)} leaves the tree`,
      );
    }
  }
  for (const d of tree.dirs) add(d, 'dir');
  for (const path of kinds.keys()) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const kind = kinds.get(parent);
      if (kind === 'file' || kind === 'symlink') {
        problems.push(`${JSON.stringify(path)}: below ${kind} ${JSON.stringify(parent)}`);
        break;
      }
    }
  }
  return problems;
}

/**
 * The canonical listing of a tree (docs/cas.md): JSON with no whitespace, keys in this order,
 * each list sorted by the UTF-8 bytes of its paths. Throws when the tree has a problem.
 */
export function treeText(tree: Tree): string {
  const problems = treeProblems(tree);
  if (problems.length > 0) throw new Error(`not a tree: ${problems.slice(0, 3).join('; ')}`);
  const byPath = <T extends { path: string }>(xs: readonly T[]): T[] =>
    [...xs].sort((a, b) => utf8Order(a.path, b.path));
  return JSON.stringify({
    dirs: [...tree.dirs].sort(utf8Order),
    files: byPath(tree.files).map((f) => ({
      executable: f.executable,
      hash: f.hash,
      path: f.path,
      size: f.size,
    })),
    symlinks: byPath(tree.symlinks).map((l) => ({ path: l.path, target: l.target })),
  });
}

/** The tree's listing and its Digest (what cas_input_root names). */
export function treeBlob(tree: Tree): { text: string; hash: string; size: number } {
  const text = treeText(tree);
  const bytes = Buffer.from(text, 'utf8');
  return { text, hash: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

/**
 * Reads a tree's listing: the tree, or why it is not one. Only the canonical text is a tree —
 * the same tree written another way would have another digest — so the text is written again
 * and compared.
 */
export function parseTree(bytes: Uint8Array): { tree: Tree } | { error: string } {
  if (bytes.length > TREE_LIMITS.bytes) {
    return { error: `${bytes.length} bytes, more than the limit of ${TREE_LIMITS.bytes}` };
  }
  const text = Buffer.from(bytes).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const r = raw as { dirs?: unknown; files?: unknown; symlinks?: unknown };
  if (
    typeof raw !== 'object' ||
    raw === null ||
    !Array.isArray(r.dirs) ||
    !Array.isArray(r.files) ||
    !Array.isArray(r.symlinks)
  ) {
    return { error: 'not a tree listing ({"dirs":[…],"files":[…],"symlinks":[…]})' };
  }
  const isString = (x: unknown): x is string => typeof x === 'string';
  const fileShape = (f: unknown): boolean => {
    const o = f as Record<string, unknown>;
    return (
      typeof f === 'object' &&
      f !== null &&
      isString(o['path']) &&
      isString(o['hash']) &&
      typeof o['size'] === 'number' &&
      typeof o['executable'] === 'boolean'
    );
  };
  const linkShape = (l: unknown): boolean => {
    const o = l as Record<string, unknown>;
    return typeof l === 'object' && l !== null && isString(o['path']) && isString(o['target']);
  };
  if (!r.dirs.every(isString) || !r.files.every(fileShape) || !r.symlinks.every(linkShape)) {
    return { error: 'an entry is not {path, hash, size, executable} / {path, target} / a path' };
  }
  const tree: Tree = {
    dirs: r.dirs as string[],
    files: r.files as TreeFile[],
    symlinks: r.symlinks as TreeSymlink[],
  };
  let again: string;
  try {
    again = treeText(tree);
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (again !== text) return { error: 'not in canonical form (docs/cas.md)' };
  return { tree };
}
