// What `submit --input DIR` / `--input-digest D` / `--secret-file F` add to the requests: the
// input tree's digest (uploaded first for --input) on every slice, and the secret's bytes, read
// once, never printed.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NewTaskRequest } from '@drover/protocol';
import type { Parsed } from './args';
import type { BlobDigest, CasApi } from './cas-client';
import { uploadDir, uploadSummaryLine } from './cas-transfer';
import { printError, writeLine, type CommandHost, type Runtime } from './context';
import { EXIT } from './exit-codes';

/** NewTaskRequest.secret_bytes' limit (tasks.proto). */
export const SECRET_BYTES_MAX = 20 * 1024;

/**
 * The bytes of `--secret-file`, read once (one open, one read of at most the limit + 1): refused
 * when empty, over SECRET_BYTES_MAX, or unreadable. The message never holds the bytes.
 */
/**
 * `--secret-file` of a command that may take one: its bytes (none without the option), or
 * `failed` once it printed why the file cannot be read and set the usage exit code.
 */
export async function secretFileOption(
  host: CommandHost,
  path: string | undefined,
): Promise<{ failed: false; secret?: Buffer } | { failed: true }> {
  if (path === undefined) return { failed: false };
  const read = readSecretFile(path, host.rt.cwd);
  if (read.ok) return { failed: false, secret: read.value };
  await printError(host.rt, read.message);
  host.exitWith(EXIT.USAGE);
  return { failed: true };
}

export function readSecretFile(
  path: string,
  cwd: string,
  option = '--secret-file',
): Parsed<Buffer> {
  let fd: number;
  try {
    fd = openSync(resolve(cwd, path), 'r');
  } catch (err) {
    return { ok: false, message: `${option} ${path}: ${(err as Error).message}` };
  }
  try {
    if (!fstatSync(fd).isFile()) return { ok: false, message: `${option} ${path}: not a file` };
    const buf = Buffer.alloc(SECRET_BYTES_MAX + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > SECRET_BYTES_MAX)
        return {
          ok: false,
          message: `${option} ${path}: more than ${SECRET_BYTES_MAX} bytes (20 KiB), the limit of secret bytes`,
        };
    }
    if (n === 0) return { ok: false, message: `${option} ${path}: empty` };
    return { ok: true, value: Buffer.from(buf.subarray(0, n)) };
  } catch (err) {
    return { ok: false, message: `${option} ${path}: ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** Sets cas_input_root on every slice of every request. */
export function setInputRoot(requests: readonly NewTaskRequest[], digest: BlobDigest): void {
  for (const request of requests)
    for (const slice of request.task_slices ?? [])
      slice.properties = {
        ...slice.properties,
        cas_input_root: { hash: digest.hash, size_bytes: digest.size },
      };
}

/** Uploads `dir` (relative to the cwd), says what was uploaded on stderr, returns the digest. */
export async function uploadInput(rt: Runtime, cas: CasApi, dir: string): Promise<BlobDigest> {
  const summary = await uploadDir(cas, resolve(rt.cwd, dir), rt.stderr);
  await writeLine(rt.stderr, uploadSummaryLine(summary));
  return summary.digest;
}
