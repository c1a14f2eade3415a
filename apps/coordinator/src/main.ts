import {
  COORDINATOR_USAGE,
  ConfigError,
  compileCoordinatorConfig,
  parseCoordinatorArgs,
} from './config';
import { startCoordinator } from './coordinator';
import { createRootLogger } from './log';

async function main(): Promise<void> {
  let config;
  try {
    const parsed = parseCoordinatorArgs(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(COORDINATOR_USAGE);
      return;
    }
    config = compileCoordinatorConfig(parsed.options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`drover-coordinator: ${err.message}\n\n${COORDINATOR_USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createRootLogger(
    { level: config.logLevel, format: config.logFormat },
    { isTTY: process.stdout.isTTY === true },
  );
  let running;
  try {
    running = await startCoordinator(config, { log });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`drover-coordinator: ${err.message}\n`);
      process.exit(2);
    }
    log.fatal({ err }, 'coordinator failed to start');
    process.exitCode = 1;
    return;
  }
  let signals = 0;
  const stop = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'stopping');
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
