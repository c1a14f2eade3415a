import { quietTlsIpServernameWarning, watchParent } from '@drover/protocol';
import type { Logger } from 'pino';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireBotLock } from './bot-lock';
import { CacheManager } from './caches';
import { channelCredentials } from './channel-credentials';
import { compileBotConfig } from './config';
import { EXIT_CODES } from './exit-codes';
import {
  containmentDimensions,
  setUpContainment,
  setUpForkServer,
  setUpTaskUser,
} from './containment/setup';
import { SpareLaunches } from './containment/spare-launch';
import { killLeftoverGroups } from './group-records';
import { runInstall } from './install/run-install';
import { createRootLogger } from './logger';
import { probeDimensions } from './probe-dimensions';
import { startBotSession } from './session';
import { SignalShutdown } from './shutdown';
import { installTaskCli, taskCliSource } from './task-cli';
import { readBotToken } from './token';
import { codeContext } from './update/code-context';
import { fetchBotCode } from './update/fetch-code';
import { packForInstall } from './update/own-code';
import { BotUpdater } from './update/updater';
import { BOT_PACKAGE_VERSION } from './version';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  TRAVERSE_ONLY_DIR_MODE,
  widerMode,
} from './private-modes';

/**
 * drover-bot: config → token → the bot dir's lock → leftovers of a crashed run → dimensions
 * (probed once) → session, with signals handled by SignalShutdown. Exit codes: exit-codes.ts.
 * Run by the launcher from `<dir>/versions/<version>/` it can replace its own code (update/).
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
  // A coordinator given by IP address over TLS (tls-ip-warning.ts).
  quietTlsIpServernameWarning();
  // Run by `npm start`'s launcher: when it dies (even by SIGKILL) the bot stops as on a second
  // signal (shutdown.ts). Watched first, so that no child of the bot inherits the variable.
  let onParentGone: () => void = () => exit(EXIT_CODES.ok);
  const parent = watchParent(process.env, () => onParentGone());
  if (parent.kind === 'invalid') process.stderr.write(`drover-bot: ${parent.reason}\n`);
  if (process.argv[2] === 'install') {
    return runInstall(
      process.argv.slice(3),
      {
        cwd: process.cwd(),
        nodePath: process.execPath,
        packForInstall: (botCode) =>
          packForInstall(botCode, path.dirname(fileURLToPath(import.meta.url))),
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
  // The launcher (update/launcher.ts) talks to the bot over an IPC channel, which must not keep
  // the process alive.
  const code = codeContext(import.meta.url, BOT_PACKAGE_VERSION, process.send !== undefined);
  process.channel?.unref();
  // Private whatever the umask; an existing dir or token file that is not is said once.
  const madeDir = await mkdir(config.botDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // With a task user the dir is 0711 (its payloads pass through to their own dirs, never list).
  const dirMode = config.taskUser === undefined ? PRIVATE_DIR_MODE : TRAVERSE_ONLY_DIR_MODE;
  const widerDir = madeDir === undefined ? widerMode(config.botDir, dirMode) : undefined;
  if (widerDir !== undefined)
    log.warn(
      { path: config.botDir, mode: widerDir, wanted: `0${dirMode.toString(8)}` },
      'other users may read the bot dir',
    );
  const widerToken =
    config.token === undefined ? widerMode(config.tokenFile, PRIVATE_FILE_MODE) : undefined;
  if (widerToken !== undefined)
    log.warn(
      { path: config.tokenFile, mode: widerToken, wanted: '0600' },
      'other users may read the bot token file',
    );
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
  onParentGone = () => {
    log.info({}, 'parent process gone before connecting: stopped');
    exit(EXIT_CODES.ok);
  };
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));
  if (lock.tookOver !== undefined)
    log.warn({ ...lock.tookOver, lock: lock.path }, 'took over a stale bot dir lock');
  // How tasks are kept together: a cgroup per task where the bot can make one (containment/).
  const contained = setUpContainment(config, log);
  if (!contained.ok) {
    process.stderr.write(`drover-bot: ${contained.message}\n`);
    return EXIT_CODES.usage;
  }
  let { containment } = contained;
  // A previous run of this bot that crashed left its payloads running: they go first (by their
  // cgroups, then by the records of their groups), then their work dirs, which are garbage now.
  if (containment.kind === 'cgroup') {
    const left = await containment.cgroups.killLeftovers();
    if (left.taskIds.length > 0)
      log.warn({ tasks: left.taskIds, stuck: left.stuck }, 'killed the tasks a previous run left');
    containment.cgroups.startWatchdog((why) => log.warn({ why }, 'watchdog restarted'));
  }
  for (const leftover of await killLeftoverGroups(config.botDir)) {
    if (leftover.kind === 'killed' || leftover.escaped.length > 0)
      log.warn(leftover, 'killed a payload left by a previous run');
    else log.info(leftover, 'process group record of a previous run');
  }
  await rm(path.join(config.botDir, 'w'), { recursive: true, force: true });
  await rm(path.join(config.botDir, 'out'), { recursive: true, force: true });
  await rm(path.join(config.botDir, 'tmp'), { recursive: true, force: true });
  // A secret a crashed run left on disk goes at once.
  await rm(path.join(config.botDir, 'secrets'), { recursive: true, force: true });
  // After the clean-up: the task user's way to its dirs is made on what is left.
  const taskUser = setUpTaskUser(config, log);
  if (!taskUser.ok) {
    process.stderr.write(`drover-bot: ${taskUser.message}\n`);
    return EXIT_CODES.usage;
  }
  // Payloads are forked by the fork server (containment/fork-server.ts) where there is one; else
  // the next payload's process is made ahead in its cgroup (containment/spare-launch.ts), not for a
  // task user (the spare would have to be that user's).
  const forkServer = await setUpForkServer(config.botDir, log, taskUser.user);
  if (forkServer !== undefined) containment = { ...containment, forkServer };
  let spares: SpareLaunches | undefined;
  if (forkServer === undefined && containment.kind === 'cgroup' && taskUser.user === undefined) {
    const made = new SpareLaunches(containment.cgroups, config.botDir);
    if (made.available) {
      spares = made;
      containment = { ...containment, spares };
      spares.prepare();
    }
  }
  // Every task gets the drover CLI (DROVER_CLI, first on PATH): <bot dir>/bin/drover, made anew.
  const droverCli = await prepareTaskCli(config.botDir, log);
  // Named caches survive restarts: measured (and trimmed to the limit) before the first Hello.
  const caches = new CacheManager({
    root: path.join(config.botDir, 'caches'),
    maxBytes: config.cacheMaxBytes,
    ...(taskUser.user === undefined ? {} : { owner: taskUser.user }),
  });
  await caches.measureAll();

  const dimensions = await probeDimensions(
    {
      botId: config.botId,
      pool: config.pool,
      // What the bot can promise a task about containment; --dimension may still say otherwise.
      extras: {
        ...containmentDimensions(containment, taskUser.user !== undefined),
        ...config.extraDimensions,
      },
    },
    { env: config.taskBaseEnv },
  );
  log.info({ botId: config.botId, dimensions, botDir: config.botDir }, 'dimensions probed');

  const credentials = channelCredentials(config.tls);
  const updater = new BotUpdater({
    currentVersion: code.version,
    root: code.underLauncher ? code.root : undefined,
    log,
    fetch: (update) =>
      fetchBotCode(update, {
        servers: config.server.split(','),
        credentials,
        token: token.token,
      }),
  });
  let ready = false;
  const session = startBotSession({
    server: config.server,
    credentials,
    token: token.token,
    botId: config.botId,
    dimensions,
    botDir: config.botDir,
    version: code.version,
    selfUpdate: code.underLauncher,
    onUpdate: (update) => updater.onUpdate(update),
    onIdle: () => updater.onIdle(),
    taskBaseEnv: config.taskBaseEnv,
    ...(droverCli === undefined ? {} : { droverCli }),
    containment,
    ...(taskUser.user === undefined ? {} : { taskUser: taskUser.user }),
    once: config.once,
    maxOutputBytes: config.maxOutputBytes,
    minFreeDiskBytes: config.minFreeDiskBytes,
    caches,
    casCacheMaxBytes: config.casCacheMaxBytes,
    log,
    onWelcome: (w) => {
      if (ready) return;
      ready = true;
      // The launcher watches a new version for this: it connected, so it is kept.
      if (process.send !== undefined) {
        process.send({ kind: 'ready', version: code.version }, () => process.disconnect?.());
      }
      log.info(
        {
          botId: config.botId,
          server: config.server,
          tls: config.tls.kind,
          sessionId: w.sessionId,
          version: code.version,
        },
        'bot ready',
      );
    },
  });

  updater.attach({
    isIdle: () => session.isIdle(),
    setUpdating: (reason) => session.setUpdating(reason),
    stopForUpdate: () => session.stop({ reason: 'update' }),
  });

  const shutdown = new SignalShutdown({
    session,
    drainTimeoutMs: config.drainTimeoutMs,
    log,
    exitNow: exit,
  });
  onSignal = (signal) => shutdown.onSignal(signal);
  onParentGone = () => shutdown.onParentGone();

  const end = await session.done;
  shutdown.dispose();
  spares?.dispose();
  forkServer?.dispose();
  const exitCode =
    end.kind === 'stopped' && end.reason === 'update' ? EXIT_CODES.updated : shutdown.exitCode(end);
  log.info({ end, exitCode }, 'bot stopped');
  return exitCode;
}

/** `<bot dir>/bin/drover` for the tasks; undefined (said in the log) when there is none. */
async function prepareTaskCli(botDir: string, log: Logger): Promise<string | undefined> {
  const source = taskCliSource();
  if (source === undefined) {
    log.info({}, 'no drover CLI beside this bot code: tasks get no DROVER_CLI');
    return undefined;
  }
  try {
    const file = await installTaskCli(botDir, source);
    log.info({ path: file, kind: source.kind }, 'drover CLI for tasks');
    return file;
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'cannot make the drover CLI for tasks: they get no DROVER_CLI',
    );
    return undefined;
  }
}

main().then(exit, (err: unknown) => {
  process.stderr.write(
    `drover-bot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  exit(EXIT_CODES.crash);
});
