import path from 'node:path';
import { isUserName, parseInstallFlags } from '@drover/install';
import { compileBotConfig, DEFAULT_DRAIN_TIMEOUT_MS } from '../config';

/** `drover-bot install`'s options, resolved: absolute paths, the drain limit in ms. */
export interface InstallOptions {
  readonly server: string;
  /** Absolute path of the bot token file; the config refers to it, the token is not copied. */
  readonly tokenFile: string;
  readonly pool: string | undefined;
  readonly botId: string | undefined;
  /** `k=v` items, as --dimension takes them. */
  readonly dimensions: readonly string[];
  /** Run the bot as this user. @default root (no User= line) */
  readonly user: string | undefined;
  /**
   * The unprivileged user the bot runs payloads as (config `task-user`), created by install when
   * missing; undefined: payloads run as the bot's user.
   * @default DEFAULT_TASK_USER for a bot running as root, none for a bot with --user
   */
  readonly taskUser: string | undefined;
  /** Whether taskUser is the default (install says so, and how to opt out). */
  readonly taskUserDefaulted: boolean;
  /** The bot's --containment (auto, cgroup, pgroup), written only when given. @default the bot's: auto */
  readonly containment: string | undefined;
  /** The bot's working root (its --dir). @default '/var/lib/drover-bot' */
  readonly workDir: string;
  /** Where bot.yaml goes. @default '/etc/drover' */
  readonly configDir: string;
  /** Where drover-bot.service goes. @default '/etc/systemd/system' */
  readonly unitDir: string;
  /** @default DEFAULT_DRAIN_TIMEOUT_MS */
  readonly drainTimeoutMs: number;
  /** Whether --drain-timeout was given (it is written to the config only then). */
  readonly drainTimeoutGiven: boolean;
  readonly tls: boolean;
  /** Absolute path of the CA file (implies TLS). */
  readonly caFile: string | undefined;
  /** Absolute path of node, for ExecStart. */
  readonly nodePath: string;
  /** `<workDir>/launcher.js`, for ExecStart: it runs the bot code `<workDir>/current` names. */
  readonly launcher: string;
  /**
   * The released single executable that runs install (absolute): the unit runs it, and no bot
   * code is installed. Undefined for a bot run by node (from sources or an installed pack).
   */
  readonly executable: string | undefined;
  /** A bot code pack to install (`--bot-code`: a .pack, or a build dir holding bot-code.pack). @default built from this checkout, or this bot's own code */
  readonly botCode: string | undefined;
  readonly force: boolean;
  readonly dryRun: boolean;
}

export type InstallOptionsOutcome =
  | { readonly kind: 'options'; readonly options: InstallOptions }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

export const DEFAULT_WORK_DIR = '/var/lib/drover-bot';
export const DEFAULT_CONFIG_DIR = '/etc/drover';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
/** The payload user of a bot running as root, unless --task-user or --no-task-user says otherwise. */
export const DEFAULT_TASK_USER = 'drover-task';

export const INSTALL_USAGE = `Usage: drover-bot install --server <host:port> --token-file <path> [options]

Writes the bot's config file and a systemd unit that runs the bot with it; prints them and the
commands to start it. Run by node (from a checkout or an installed pack), it also installs the bot
code in the bot's dir (versions/<version>, current, launcher.js: the bot updates itself from the
coordinator from then on) and the unit runs the launcher; run as a released single executable,
the unit runs that executable where it is. Run as root (or give --config-dir/--unit-dir you can
write to).

  --server <host:port>     coordinator address (required)
  --token-file <path>      file holding the bot token (required); the config refers to it
  --pool <pool>            pool dimension
  --id <bot id>            bot id (default: the hostname, at each start)
  --dimension <k=v>        extra dimension, repeatable
  --user <user>            run the bot as this user (default root)
  --task-user <name>       run payloads as this unprivileged user, created (useradd --system)
                           when missing; for a bot running as root, default ${DEFAULT_TASK_USER}:
                           payloads cannot read the token file (0600, the bot's user's) or
                           signal the bot. Needs the bot to run as root (no --user)
  --no-task-user           run payloads as the bot's own user (a root bot: as root)
  --containment <mode>     auto, cgroup or pgroup (drover-bot --help; default auto)
  --dir <path>             the bot's working root            (${DEFAULT_WORK_DIR})
  --drain-timeout <secs>   time a running task has to finish on stop (${DEFAULT_DRAIN_TIMEOUT_MS / 1000});
                           the unit's TimeoutStopSec is this plus a margin
  --tls                    connect with TLS (system roots)
  --ca-file <path>         PEM roots to trust (implies --tls)
  --bot-code <path>        bot code to install: a bot-code.pack or a build dir holding
                           one (default: built from this checkout, or this bot's own code)
  --config-dir <path>      where bot.yaml goes                (${DEFAULT_CONFIG_DIR})
  --unit-dir <path>        where drover-bot.service goes      (${DEFAULT_UNIT_DIR})
  --force                  overwrite files that exist
  --dry-run                print what would be written, write nothing
  --help                   print this text

The unit runs the bot with Delegate=yes, so that the bot owns its cgroup subtree and puts each
task in a cgroup of its own, and KillMode=mixed: a stop's SIGTERM reaches the bot alone, which
drains, and once the bot has exited systemd SIGKILLs every process left in the unit's cgroup, so
no payload outlives its bot. The token is never on a command line or in the environment: install
makes the token file 0600, owned by the bot's user, and the bot reads it once.
`;

export interface InstallHost {
  readonly cwd: string;
  readonly nodePath: string;
  /** Set when install runs from a released single executable: its absolute path. */
  readonly executable?: string | undefined;
  /** Reads the CA file, to check it. */
  readonly readFile?: (path: string) => Buffer;
}

export function parseInstallOptions(
  argv: readonly string[],
  host: InstallHost,
): InstallOptionsOutcome {
  const parsed = parseInstallFlags(argv, {
    server: { type: 'string' },
    'token-file': { type: 'string' },
    pool: { type: 'string' },
    id: { type: 'string' },
    dimension: { type: 'string', multiple: true },
    user: { type: 'string' },
    'task-user': { type: 'string' },
    'no-task-user': { type: 'boolean' },
    containment: { type: 'string' },
    dir: { type: 'string' },
    'drain-timeout': { type: 'string' },
    tls: { type: 'boolean' },
    'ca-file': { type: 'string' },
    'bot-code': { type: 'string' },
  });
  if (parsed.kind === 'usage-error') return parsed;
  const flags = parsed.values;
  if (flags.help === true) return { kind: 'help', text: INSTALL_USAGE };
  const missing = (['server', 'token-file'] as const).filter((f) => flags[f] === undefined);
  if (missing.length > 0) {
    return {
      kind: 'usage-error',
      message: `install needs ${missing.map((f) => `--${f}`).join(' and ')}`,
    };
  }
  if (flags.user !== undefined && !isUserName(flags.user)) {
    return { kind: 'usage-error', message: `--user: not a user name: '${flags.user}'` };
  }
  const taskUser = resolveTaskUser(flags.user, flags['task-user'], flags['no-task-user'] === true);
  if (taskUser.kind === 'usage-error') return taskUser;
  if (host.executable !== undefined && flags['bot-code'] !== undefined) {
    return {
      kind: 'usage-error',
      message: `--bot-code: this drover-bot is a single executable (${host.executable}): the unit runs it as it is`,
    };
  }
  const abs = (p: string): string => path.resolve(host.cwd, p);
  const server = flags.server ?? '';
  const tokenFile = abs(flags['token-file'] ?? '');
  const workDir = abs(flags.dir ?? DEFAULT_WORK_DIR);
  const caFile = flags['ca-file'] === undefined ? undefined : abs(flags['ca-file']);

  // The bot's own compiler checks what the config will say, naming the install flag that said it.
  const botArgs = ['--server', server, '--token-file', tokenFile, '--dir', workDir];
  if (flags.pool !== undefined) botArgs.push('--pool', flags.pool);
  if (flags.id !== undefined) botArgs.push('--id', flags.id);
  for (const d of flags.dimension ?? []) botArgs.push('--dimension', d);
  if (flags['drain-timeout'] !== undefined) botArgs.push('--drain-timeout', flags['drain-timeout']);
  if (caFile !== undefined) botArgs.push('--ca-file', caFile);
  if (flags.containment !== undefined) botArgs.push('--containment', flags.containment);
  const checked = compileBotConfig(
    botArgs,
    {},
    {
      hostname: 'install-check',
      cwd: host.cwd,
      ...(host.readFile === undefined ? {} : { readFile: host.readFile }),
    },
  );
  if (checked.kind === 'usage-error') return checked;
  if (checked.kind === 'help') return { kind: 'help', text: INSTALL_USAGE };

  return {
    kind: 'options',
    options: {
      server,
      tokenFile,
      pool: flags.pool,
      botId: flags.id,
      dimensions: flags.dimension ?? [],
      user: flags.user,
      taskUser: taskUser.name,
      taskUserDefaulted: taskUser.defaulted,
      containment: flags.containment,
      workDir,
      configDir: abs(flags['config-dir'] ?? DEFAULT_CONFIG_DIR),
      unitDir: abs(flags['unit-dir'] ?? DEFAULT_UNIT_DIR),
      drainTimeoutMs: checked.config.drainTimeoutMs,
      drainTimeoutGiven: flags['drain-timeout'] !== undefined,
      tls: flags.tls === true || caFile !== undefined,
      caFile,
      nodePath: host.nodePath,
      launcher: path.join(workDir, 'launcher.js'),
      executable: host.executable,
      botCode: flags['bot-code'] === undefined ? undefined : abs(flags['bot-code']),
      force: flags.force === true,
      dryRun: flags['dry-run'] === true,
    },
  };
}

/** A payload user name: what useradd takes on every distribution, lowercase, at most 32. */
const TASK_USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * The payload user: --task-user, else DEFAULT_TASK_USER for a bot running as root (a payload as
 * root could read the bot's token and kill the bot), else none. Only a root bot can start
 * processes as another user, so --task-user with another --user is refused rather than written
 * into a config the bot could not honour.
 */
function resolveTaskUser(
  user: string | undefined,
  given: string | undefined,
  optedOut: boolean,
):
  | { readonly kind: 'task-user'; readonly name: string | undefined; readonly defaulted: boolean }
  | { readonly kind: 'usage-error'; readonly message: string } {
  const botAsRoot = user === undefined || user === 'root';
  if (given === undefined) {
    const name = botAsRoot && !optedOut ? DEFAULT_TASK_USER : undefined;
    return { kind: 'task-user', name, defaulted: name !== undefined };
  }
  const refuse = (message: string) => ({ kind: 'usage-error' as const, message });
  if (optedOut) return refuse('--task-user and --no-task-user: give one of them');
  if (!TASK_USER_NAME.test(given)) {
    return refuse(
      `--task-user: not a user name: '${given}' (a-z or _ first, then up to 31 of a-z 0-9 _ -)`,
    );
  }
  if (given === 'root') return refuse('--task-user: root: payloads run as an unprivileged user');
  if (!botAsRoot) {
    return refuse(
      `--task-user: a bot running as ${user ?? 'root'} cannot start payloads as ${given}; ` +
        'drop --user (the bot runs as root, payloads as the task user), or --task-user ' +
        `(payloads run as ${user ?? 'root'})`,
    );
  }
  return { kind: 'task-user', name: given, defaulted: false };
}
