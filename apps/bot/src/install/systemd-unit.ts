import { stateDirectoryOf, systemdWord } from '@drover/install';

/**
 * The systemd unit `drover-bot install` writes. Pure text; the choices are explained in comments
 * inside the unit, where an operator reading /etc/systemd/system/drover-bot.service sees them.
 */

/** Time the stop may take past the drain limit: the termination dance's grace period (the
 * default grace_period_secs, 30 s), the wait for the result's Ack (10 s), and slack. */
export const STOP_MARGIN_SECS = 60;

export interface UnitInput {
  /** The coordinator, for the description. */
  readonly server: string;
  /**
   * What runs the bot, before `--config FILE`: node and `<workDir>/launcher.js`
   * (update/launcher.ts), or a released single executable alone.
   */
  readonly command: readonly [string, ...string[]];
  /** Whether `command` is the launcher, which updates the bot itself (said in a comment). */
  readonly selfUpdating: boolean;
  /** Absolute path of the config file the bot reads. */
  readonly configFile: string;
  /** The bot's working root, and the unit's working directory. */
  readonly workDir: string;
  /** Run as this user; undefined: root. */
  readonly user: string | undefined;
  /** The unprivileged user the bot runs payloads as (config `task-user`); undefined: none. */
  readonly taskUser: string | undefined;
  /** The bot's --drain-timeout, in ms. */
  readonly drainTimeoutMs: number;
}

/** systemd's TimeoutStopSec for a drain limit: the limit (whole seconds, up) and the margin. */
export function timeoutStopSecs(drainTimeoutMs: number): number {
  return Math.ceil(drainTimeoutMs / 1000) + STOP_MARGIN_SECS;
}

export function renderUnit(input: UnitInput): string {
  const execStart = [...input.command, '--config', input.configFile].map(systemdWord).join(' ');
  const stateDir = stateDirectoryOf(input.workDir);
  const lines = [
    '# Written by `drover-bot install`. The bot reads its options from the --config file.',
    ...(input.selfUpdating
      ? [
          '# launcher.js runs the bot code <dir>/current points at; after the bot updates itself it',
          '# starts the new version, and goes back to <dir>/previous if that one fails to connect.',
        ]
      : ['# ExecStart is the drover-bot executable; installing a newer one replaces it.']),
    '[Unit]',
    `Description=Drover bot (coordinator ${input.server})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    ...(input.user === undefined ? [] : [`User=${input.user}`]),
    ...(stateDir === undefined ? [] : stateDirectoryLines(stateDir, input.taskUser)),
    `WorkingDirectory=${input.workDir}`,
    '# A crash restarts the bot; a usage error (2), a refused token (3) or a bot dir held by',
    '# another bot (6) would only fail again.',
    'Restart=on-failure',
    'RestartSec=5s',
    'RestartPreventExitStatus=2 3 6',
    '# The bot makes a cgroup per task under its own (<unit>/tasks/…, and moves itself to',
    '# <unit>/bot): it must own that subtree, so systemd hands it over and leaves it alone.',
    'Delegate=yes',
    '# Stop: the first SIGTERM drains (no new tasks; the running one may finish for up to the',
    '# drain limit, then the bot kills it and reports it, exiting 4 — still a clean stop).',
    '# KillMode=mixed sends that SIGTERM to the bot alone: the bot must be the one to signal its',
    '# payloads, after the drain, with their grace period (control-group would SIGTERM every',
    '# payload at once and cut the drain short). A payload never outlives its bot: once the bot',
    '# has exited — stopped, crashed or killed — systemd SIGKILLs every process left in the',
    "# unit's cgroup, the task cgroups under it included; so does the end of TimeoutStopSec.",
    '# Never process or none: those would leave payloads running without their bot.',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    'SuccessExitStatus=4',
    `# The drain limit (${Math.ceil(input.drainTimeoutMs / 1000)} s) + ${STOP_MARGIN_SECS} s for the grace period and the last report.`,
    `TimeoutStopSec=${timeoutStopSecs(input.drainTimeoutMs)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/**
 * StateDirectory= makes the bot's dir, owned by User=. 0700 keeps it the bot's; with a task user,
 * 0711 lets payloads (running as that user) reach their task dirs under it: listing it is still
 * refused, and the token file is 0600 and the bot user's.
 */
function stateDirectoryLines(stateDir: string, taskUser: string | undefined): string[] {
  if (taskUser === undefined) return [`StateDirectory=${stateDir}`, 'StateDirectoryMode=0700'];
  return [
    `# 0711: payloads run as ${taskUser} and must reach their task dirs below; they still cannot`,
    "# list this dir, and the token file (0600, the bot user's) is out of their reach.",
    `StateDirectory=${stateDir}`,
    'StateDirectoryMode=0711',
  ];
}
