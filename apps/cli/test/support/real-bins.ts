// The real executables, as a user runs them: start the coordinator and bots until they log that
// they are ready, run the CLI to its end, stop everything afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = (rel: string) => fileURLToPath(new URL(`../../../${rel}`, import.meta.url));
export const CLI = bin('cli/bin/drover.js');
export const COORDINATOR = bin('coordinator/bin/drover-coordinator.js');
export const BOT = bin('bot/bin/drover-bot.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Processes started in one working directory, stopped together (newest first). */
export class RealBins {
  readonly #children: ChildProcess[] = [];

  constructor(readonly cwd: string) {}

  /** Starts a bin and resolves with the first JSON log record whose msg is `ready`. */
  startUntil(
    path: string,
    args: string[],
    ready: string,
  ): Promise<{ child: ChildProcess; rec: Record<string, unknown> }> {
    const child = spawn(process.execPath, [path, ...args], {
      cwd: this.cwd,
      env: { ...process.env, DROVER_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${path} did not log "${ready}" within 20 s`)),
        20_000,
      );
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
            resolve({ child, rec });
          }
        });
      }
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${path} exited with ${code} before "${ready}"`));
      });
    });
  }

  /**
   * Starts the real coordinator on loopback (gRPC and HTTP on port 0) with its data in `dataDir`
   * (its tokens there: the CLI run in this working directory finds .drover/client.token), and
   * resolves with its gRPC address once it is ready.
   */
  async startCoordinator(dataDir = join(this.cwd, '.drover')): Promise<string> {
    const { rec } = await this.startUntil(
      COORDINATOR,
      ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
      'coordinator ready',
    );
    return String(rec['grpc']);
  }

  /**
   * Runs the CLI to its end against `server`, with nothing of the caller's environment but PATH
   * (HOME is the working directory); `onStderr` sees the stderr received so far, as it grows.
   */
  drover(server: string, args: string[], onStderr?: (soFar: string) => void): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: this.cwd,
        env: { PATH: process.env['PATH'] ?? '', HOME: this.cwd, DROVER_SERVER: server },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        stderr += s;
        onStderr?.(stderr);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** SIGTERM to every process still running, newest first, each awaited. */
  async stopAll(): Promise<void> {
    for (const child of this.#children.splice(0).reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
}
