import type { DroverClient } from '@drover/client';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

/** Downloading a task's output files (`drover outputs --download DIR`). */

export interface OutputFileInfo {
  readonly path: string;
  readonly size: number;
  readonly digest: string;
}

/**
 * Where `relPath` (as the server lists it) goes under `dir`, or why it may not: only plain
 * `/`-separated relative paths that stay inside `dir` are written. Pure.
 */
export function downloadTarget(
  dir: string,
  relPath: string,
): { ok: true; target: string } | { ok: false; why: string } {
  const segments = relPath.split('/');
  if (
    relPath === '' ||
    relPath.startsWith('/') ||
    relPath.includes('\\') ||
    relPath.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    return { ok: false, why: `refusing ${JSON.stringify(relPath)}: not a plain relative path` };
  }
  const root = path.resolve(dir);
  const target = path.resolve(root, ...segments);
  const rel = path.relative(root, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    return { ok: false, why: `refusing ${JSON.stringify(relPath)}: it escapes ${dir}` };
  return { ok: true, target };
}

/**
 * Streams one file to `target` through a temp file beside it, checking its size and SHA-256
 * against the listing before renaming it into place. Returns why it failed, or undefined.
 */
export async function downloadOutput(
  client: DroverClient,
  taskId: string,
  file: OutputFileInfo,
  target: string,
): Promise<string | undefined> {
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.drover-partial`;
  const out = createWriteStream(partial);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of client.getOutput(taskId, file.path)) {
      if (chunk.offset !== size) return `${file.path}: chunk at ${chunk.offset}, expected ${size}`;
      hash.update(chunk.data);
      size += chunk.data.length;
      if (!out.write(chunk.data)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const digest = hash.digest('hex');
    if (size !== file.size || digest !== file.digest)
      return `${file.path}: got ${size} bytes with SHA-256 ${digest}, expected ${file.size} bytes with ${file.digest}`;
    await rename(partial, target);
    return undefined;
  } finally {
    out.destroy();
    await rm(partial, { force: true });
  }
}
