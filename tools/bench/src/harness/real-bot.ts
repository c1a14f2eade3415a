import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from './children';

/** A real drover-bot process (apps/bot), connected to a benchmark's coordinator. */
export interface RealBot {
  readonly botId: string;
  readonly pid: number;
  /** SIGTERM (the bot drains: nothing runs between rounds), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

export interface RealBotOptions {
  readonly root: string;
  readonly address: string;
  readonly token: string;
  /** The bot's data dir (its working root is <dataDir>/bots/<id>). */
  readonly dataDir: string;
  readonly botId: string;
  readonly pool: string;
  /** Node flags for the bot process, e.g. `--cpu-prof`. */
  readonly execArgv?: readonly string[];
  /** More drover-bot flags, e.g. `--cas-cache-max-bytes`. */
  readonly args?: readonly string[];
}

/** Starts the bot; it connects on its own (wait for it with a task pinned to `id:<botId>`). */
export function startRealBot(o: RealBotOptions): RealBot {
  const bin = join(o.root, 'apps', 'bot', 'bin', 'drover-bot.js');
  const args = [
    ...(o.execArgv ?? []),
    bin,
    '--server',
    o.address,
    '--data-dir',
    o.dataDir,
    '--id',
    o.botId,
    '--pool',
    o.pool,
    '--min-free-disk',
    '0',
    '--log-level',
    'error',
    ...(o.args ?? []),
  ];
  const child: ChildProcess = trackChild(
    spawn(process.execPath, args, {
      cwd: o.root,
      // The token through the environment, as an operator would: never on a command line.
      env: { ...process.env, DROVER_BOT_TOKEN: o.token },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  let stopping: Promise<void> | undefined;
  return {
    botId: o.botId,
    pid: child.pid ?? 0,
    stop: () => (stopping ??= stopChild(child, 'SIGTERM', 10_000)),
  };
}
