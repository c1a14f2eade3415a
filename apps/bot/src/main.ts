import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { compileBotConfig } from './config';
import { EXIT_CODES } from './exit-codes';
import { killLeftoverGroups } from './group-records';
import { createRootLogger } from './logger';
import { probeDimensions } from './probe-dimensions';
import { startBotSession } from './session';
import type { SessionEnd } from './session-types';
import { readBotToken } from './token';
import { BOT_VERSION } from './version';

/**
 * drover-bot: config → token → dimensions (probed once) → session. Exit codes: exit-codes.ts
 * (0 stopped as asked, 1 unexpected error, 2 usage/config error, 3 refused by the coordinator).
 */

async function main(): Promise<number> {
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
  // A previous run of this bot that crashed left its payloads running: they go first, then
  // their work dirs, which are garbage now.
  for (const leftover of await killLeftoverGroups(config.botDir)) {
    if (leftover.kind === 'killed') log.warn(leftover, 'killed a payload left by a previous run');
    else log.info(leftover, 'process group record of a previous run');
  }
  await rm(path.join(config.botDir, 'w'), { recursive: true, force: true });

  const dimensions = await probeDimensions({
    botId: config.botId,
    pool: config.pool,
    extras: config.extraDimensions,
  });
  log.info({ botId: config.botId, dimensions, botDir: config.botDir }, 'dimensions probed');

  let ready = false;
  const session = startBotSession({
    server: config.server,
    token: token.token,
    botId: config.botId,
    dimensions,
    botDir: config.botDir,
    version: BOT_VERSION,
    taskBaseEnv: config.taskBaseEnv,
    once: config.once,
    log,
    onWelcome: (w) => {
      if (ready) return;
      ready = true;
      log.info({ botId: config.botId, server: config.server, sessionId: w.sessionId }, 'bot ready');
    },
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log.info({ signal }, 'stopping: no new tasks, the running one may finish');
      session.stop({ reason: 'signal' });
    } else {
      log.warn({ signal }, 'stopping now: killing the running task');
      session.stop({ reason: 'signal', killRunning: true });
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const end = await session.done;
  log.info({ end }, 'bot stopped');
  return exitCodeFor(end);
}

function exitCodeFor(end: SessionEnd): number {
  return end.kind === 'fatal' ? EXIT_CODES.refused : EXIT_CODES.ok;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `drover-bot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(EXIT_CODES.crash);
  },
);
