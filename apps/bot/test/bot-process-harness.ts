import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach } from 'vitest';
import { tempDir, until } from './helpers';
import { TestCoordinator } from './test-coordinator';

/**
 * The drover-bot executable as real child processes, against a real gRPC server (a fresh
 * TestCoordinator and data dir per test); every bot still running is SIGKILLed after each test.
 * Call `useBotProcesses()` at the top of a test file.
 */

export const BOT_BIN = fileURLToPath(new URL('../bin/drover-bot.js', import.meta.url));

export interface BotProcess {
  readonly run: ResultPromise;
  readonly pid: number;
  /** Everything the bot wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  /** Waits for a log line with this `msg`. */
  logged(msg: string, timeoutMs?: number): Promise<void>;
}

export interface BotProcesses {
  readonly root: string;
  readonly coordinator: TestCoordinator;
  /** A 0600 file holding the token `tok`, outside the data dir's default `bot.token`. */
  readonly tokenFile: string;
  /** `--server`, `--token-file`, `--data-dir`, `--id bot-p`, then `extra`. */
  args(...extra: string[]): string[];
  /** `env`: besides PATH and HOME (the bot's only environment otherwise). */
  start(args: string[], env?: Record<string, string>): BotProcess;
}

export function useBotProcesses(): BotProcesses {
  let root = '';
  let cleanup: () => Promise<void> = async () => {};
  let coordinator: TestCoordinator | undefined;
  const started: BotProcess[] = [];
  const h: BotProcesses = {
    get root() {
      return root;
    },
    get coordinator() {
      if (coordinator === undefined) throw new Error('no coordinator outside a test');
      return coordinator;
    },
    get tokenFile() {
      return path.join(root, 'secret', 'bot.token');
    },
    // Never --token: a command line is readable by every user of the machine (ps).
    args: (...extra) => [
      '--server',
      h.coordinator.address,
      '--token-file',
      h.tokenFile,
      '--data-dir',
      root,
      '--id',
      'bot-p',
      ...extra,
    ],
    start(args, env = {}) {
      const run = execa('node', [BOT_BIN, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: root, ...env },
        extendEnv: false,
        reject: false,
        all: true,
      });
      let stderr = '';
      run.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const bot: BotProcess = {
        run,
        pid: run.pid ?? 0,
        stderr: () => stderr,
        logged: (msg, timeoutMs = 10_000) =>
          until(`log "${msg}"`, () => stderr.includes(`"msg":"${msg}"`), timeoutMs),
      };
      started.push(bot);
      return bot;
    },
  };
  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir());
    mkdirSync(path.dirname(h.tokenFile), { mode: 0o700 });
    writeFileSync(h.tokenFile, 'tok\n', { mode: 0o600 });
    coordinator = await TestCoordinator.start();
  });
  afterEach(async () => {
    for (const bot of started.splice(0)) {
      bot.run.kill('SIGKILL');
      await bot.run;
    }
    coordinator?.close();
    coordinator = undefined;
    await cleanup();
  });
  return h;
}
