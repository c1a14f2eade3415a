import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The real drover-coordinator and drover-bot executables as child processes, for tests that
 * need the whole system (install, TLS). A process is "up" when it logs a given JSON `msg`.
 */

const bin = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
export const COORDINATOR_BIN = bin('coordinator/bin/drover-coordinator.js');
export const DROVER_BOT_BIN = bin('bot/bin/drover-bot.js');

export interface Started {
  readonly child: ChildProcess;
  /** The JSON log record whose msg was awaited. */
  readonly rec: Record<string, unknown>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

/**
 * Spawns `command` and resolves with the first JSON log record whose msg is `ready`; rejects if
 * the process exits first (with its stderr) or after `timeoutMs`.
 */
export function startUntil(
  command: readonly string[],
  ready: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Started> {
  const [file, ...args] = command;
  const child = spawn(file ?? process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, DROVER_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')} did not log "${ready}" within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (rec['msg'] === ready) {
          clearTimeout(timer);
          resolve({ child, rec, stderr: () => stderr });
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code} before "${ready}":\n${stderr}`));
    });
  });
}

/** A real coordinator on 127.0.0.1:0 with its data (and dev tokens) in `dataDir`. */
export async function startCoordinatorProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<Started & { server: string }> {
  const started = await startUntil(
    [
      process.execPath,
      COORDINATOR_BIN,
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      ...extraArgs,
    ],
    'coordinator ready',
  );
  return { ...started, server: String(started.rec['grpc']) };
}

/** SIGTERMs a child (if it still runs) and waits for it to exit; SIGKILL after `killAfterMs`. */
export async function stopChild(
  child: ChildProcess | undefined,
  killAfterMs = 15_000,
): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command to its end, collecting its output. */
export function run(
  command: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file ?? process.execPath, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
