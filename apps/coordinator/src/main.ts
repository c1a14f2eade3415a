import { quietTlsIpServernameWarning, versionLine, watchParent } from '@drover/protocol';
import {
  COORDINATOR_USAGE,
  ConfigError,
  compileCoordinatorConfig,
  parseCoordinatorArgs,
} from './config';
import { startCoordinator } from './coordinator';
import { createRootLogger } from './log';

/** The exit code of a coordinator stopped at once (second signal). */
const EXIT_AT_ONCE = 130;

/**
 * Ends the process as the launcher's own SIGKILL would have: no exit handlers. With the launcher
 * gone, stdout is a pipe nobody reads, and pino's flush at exit (sonic-boom's flushSync) retries
 * a write that fails with EPIPE forever: process.exit() could hang for good.
 */
function endNow(): never {
  process.kill(process.pid, 'SIGKILL');
  return process.exit(EXIT_AT_ONCE);
}

async function main(): Promise<void> {
  // Its Connect bridge dials its own TLS listener by address (tls-ip-warning.ts).
  quietTlsIpServernameWarning();
  // Run by `npm start`'s launcher: when it dies (even by SIGKILL) this ends at once, as on a
  // second signal; its log would go to the launcher's pipe, so nothing is logged.
  const parent = watchParent(process.env, endNow);
  if (parent.kind === 'invalid') process.stderr.write(`drover-coordinator: ${parent.reason}\n`);
  if (process.argv[2] === 'install') {
    // Loaded only for this subcommand: the server's modules have nothing to do with it.
    const { runCoordinatorInstall } = await import('./install/run-install');
    process.exitCode = await runCoordinatorInstall(process.argv.slice(3), process);
    return;
  }
  if (process.argv[2] === 'webhook-secret') {
    const { runWebhookSecretCommand } = await import('./notify/webhook-secret-command');
    process.exitCode = runWebhookSecretCommand(process.argv.slice(3), process);
    return;
  }
  let config;
  try {
    const parsed = parseCoordinatorArgs(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(
        parsed.print === 'version' ? `${versionLine('drover-coordinator')}\n` : COORDINATOR_USAGE,
      );
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
      process.exit(EXIT_AT_ONCE);
    }
    log.info({ signal }, 'stopping');
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
