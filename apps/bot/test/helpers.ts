import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TaskManifestOut } from '@drover/protocol';

/** A fresh temp dir, removed by the returned cleanup. */
export async function tempDir(
  prefix = 'drover-bot-test-',
  parent = os.tmpdir(),
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(parent, prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function manifest(command: string[], over: Partial<TaskManifestOut> = {}): TaskManifestOut {
  return {
    command,
    env: [],
    env_prefixes: [],
    relative_cwd: '',
    execution_timeout_secs: 30,
    io_timeout_secs: 0,
    grace_period_secs: 1,
    secret_env: [],
    caches: [],
    memory_limit_bytes: 0,
    pids_limit: 0,
    cpu_weight: 0,
    cas_input_root: null,
    secret_bytes: Buffer.alloc(0),
    ...over,
  };
}

export function sh(script: string, over: Partial<TaskManifestOut> = {}): TaskManifestOut {
  return manifest(['sh', '-c', script], over);
}

/**
 * Resolves when `check` holds, asked every `intervalMs`; rejects with `what` once `timeoutMs`
 * passed.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Rejects if `p` does not settle within `timeoutMs`. */
export async function within<T>(what: string, p: Promise<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for: ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `pid` sleeps writing to its full stdout (Linux: its wchan; Node's child stdio is a
 * socket pair, a pipe elsewhere).
 */
export function blockedOnWrite(pid: number | undefined): boolean {
  try {
    return (
      pid !== undefined &&
      /sock_alloc_send|unix_stream_sendmsg|pipe_write/.test(
        readFileSync(`/proc/${pid}/wchan`, 'utf8'),
      )
    );
  } catch {
    return false;
  }
}
