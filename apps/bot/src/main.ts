import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireBotLock } from './bot-lock';
import { channelCredentials } from './channel-credentials';
import { compileBotConfig } from './config';
import { EXIT_CODES } from './exit-codes';
import { killLeftoverGroups } from './group-records';
import { runInstall } from './install/run-install';
import { createRootLogger } from './logger';
import { probeDimensions } from './probe-dimensions';
import { startBotSession } from './session';
import { SignalShutdown } from './shutdown';
import { readBotToken } from './token';
import { BOT_VERSION } from './version';

/**
 * drover-bot: config → token → the bot dir's lock → leftovers of a crashed run → dimensions
 * (probed once) → session, with signals handled by SignalShutdown. Exit codes: exit-codes.ts.
 * `drover-bot install …` writes a config file and a systemd unit instead (install/).
 */

/** Set once the bot dir is locked: every exit path releases the lock. */
let releaseLock: () => void = () => {};

function exit(code: number): never {
  try {
    releaseLock();
  } finally {
    process.exit(code);
  }
}

async function main(): Promise<number> {
  if (process.argv[2] === 'install') {
    return runInstall(
      process.argv.slice(3),
      {
        cwd: process.cwd(),
        nodePath: process.execPath,
        botBin: fileURLToPath(new URL('../bin/drover-bot.js', import.meta.url)),
      },
      process,
    );
  }
  const compiled = compileBotConfig(process.argv.slice(2), process.env);
  if (compiled.kind === 'help') {
    process.stdout.write(compiled.text);
    return EXIT_CODES.ok;
  }
  if (compiled.kind === 'usage-error') {
    process.stderr.write(
      `drover-bot: ${compiled.message}\n(drover-bot --help lists the options)\n`,
    );
    return EXIT_CODES.usage;
  }
  const config = compiled.config;
  const token = await readBotToken(config);
  if (!token.ok) {
    process.stderr.write(`drover-bot: ${token.message}\n`);
    return EXIT_CODES.usage;
  }
  const log = createRootLogger(config.logLevel);
  await mkdir(config.botDir, { recursive: true });
  // Before anything touches the dir: a second bot on it would kill the first one's payloads.
  const lock = acquireBotLock(config.botDir);
  if (lock.kind === 'held') {
    process.stderr.write(
      `drover-bot: another drover-bot (pid ${lock.pid}) runs on ${config.botDir} (${lock.path}); ` +
        `stop it, or give this one another --dir or --id\n`,
    );
    return EXIT_CODES.botDirLocked;
  }
  releaseLock = lock.release;
  // Until the session runs there is nothing to drain: a signal just ends the process.
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    log.info({ signal }, 'stopped before connecting');
    exit(EXIT_CODES.ok);
  };
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));
  if (lock.tookOver !== undefined)
    log.warn({ ...lock.tookOver, lock: lock.path }, 'took over a stale bot dir lock');
  // A previous run of this bot that crashed left its payloads running: they go first, then
  // their work dirs, which are garbage now.
  for (const leftover of await killLeftoverGroups(config.botDir)) {
    if (leftover.kind === 'killed' || leftover.escaped.length > 0)
      log.warn(leftover, 'killed a payload left by a previous run');
    else log.info(leftover, 'process group record of a previous run');
  }
  await rm(path.join(config.botDir, 'w'), { recursive: true, force: true });

  const dimensions = await probeDimensions(
    { botId: config.botId, pool: config.pool, extras: config.extraDimensions },
    { env: config.taskBaseEnv },
  );
  log.info({ botId: config.botId, dimensions, botDir: config.botDir }, 'dimensions probed');

  let ready = false;
  const session = startBotSession({
    server: config.server,
    credentials: channelCredentials(config.tls),
    token: token.token,
    botId: config.botId,
    dimensions,
    botDir: config.botDir,
    version: BOT_VERSION,
    taskBaseEnv: config.taskBaseEnv,
    once: config.once,
    maxOutputBytes: config.maxOutputBytes,
    minFreeDiskBytes: config.minFreeDiskBytes,
    log,
    onWelcome: (w) => {
      if (ready) return;
      ready = true;
      log.info(
        {
          botId: config.botId,
          server: config.server,
          tls: config.tls.kind,
          sessionId: w.sessionId,
        },
        'bot ready',
      );
    },
  });

  const shutdown = new SignalShutdown({
    session,
    drainTimeoutMs: config.drainTimeoutMs,
    log,
    exitNow: exit,
  });
  onSignal = (signal) => shutdown.onSignal(signal);

  const end = await session.done;
  shutdown.dispose();
  const code = shutdown.exitCode(end);
  log.info({ end, exitCode: code }, 'bot stopped');
  return code;
}

main().then(exit, (err: unknown) => {
  process.stderr.write(
    `drover-bot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  exit(EXIT_CODES.crash);
});
