import { stateDirectoryOf, systemdWord } from '@drover/install';

/**
 * The systemd unit `drover-coordinator install` writes. Pure text; the choices are explained in
 * comments inside the unit, where an operator reading the installed unit sees them.
 */

/** LimitNOFILE: each connected bot holds one connection (one descriptor) for its stream. */
export const NOFILE_LIMIT = 65_536;

/** How long a stop may take before systemd SIGKILLs: close() takes a few seconds at most. */
export const STOP_TIMEOUT_SECS = 30;

export interface CoordinatorUnitInput {
  /** What starts the coordinator (absolute first word); `--config <configFile>` is added. */
  readonly exec: readonly string[];
  readonly configFile: string;
  /** The coordinator's data dir: its StateDirectory= under /var/lib, and writable. */
  readonly dataDir: string;
  /** Other directories it writes (a SQLite file's directory outside the data dir). */
  readonly otherWritableDirs: readonly string[];
  readonly user: string;
  /** Whether the store is PostgreSQL (ordered after a local postgresql.service). */
  readonly postgres: boolean;
}

export function renderCoordinatorUnit(input: CoordinatorUnitInput): string {
  const execStart = [...input.exec, '--config', input.configFile].map(systemdWord).join(' ');
  const stateDir = stateDirectoryOf(input.dataDir);
  const writable = [input.dataDir, ...input.otherWritableDirs].map(systemdWord).join(' ');
  const lines = [
    '# Written by `drover-coordinator install`. The coordinator reads its settings from the',
    '# --config file; after editing it, `systemctl restart drover-coordinator`.',
    '[Unit]',
    'Description=Drover coordinator',
    'Wants=network-online.target',
    ...(input.postgres
      ? [
          '# Started after a PostgreSQL server on this machine, if there is one (ordering only).',
          'After=network-online.target postgresql.service',
        ]
      : ['After=network-online.target']),
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    'SyslogIdentifier=drover-coordinator',
    '# Its own user: a compromised coordinator holds no more than its data dir.',
    `User=${input.user}`,
    `Group=${input.user}`,
    ...(stateDir === undefined
      ? []
      : [
          '# The data dir (the SQLite store, tokens.json, client.token, bot.token, output files):',
          '# systemd creates it, owned by User=, and lets no one else in.',
          `StateDirectory=${stateDir}`,
          'StateDirectoryMode=0700',
        ]),
    `WorkingDirectory=${systemdWord(input.dataDir)}`,
    '# Files it creates (tokens, the webhook secret) are readable by its user alone.',
    'UMask=0077',
    '# Hardening: the whole file system is read-only but for the data dir; no home directories,',
    '# a /tmp of its own, no privilege gain (setuid binaries), no kernel tunables or modules.',
    '# (No MemoryDenyWriteExecute=: V8 compiles JavaScript to machine code as it runs.)',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${writable}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    '# One descriptor per connected bot (its stream), plus clients, dashboards and the store:',
    '# the default soft limit (1024) would refuse bots past a thousand.',
    `LimitNOFILE=${NOFILE_LIMIT}`,
    '# A crash restarts it; a bad setting (exit 2) would only fail again.',
    'Restart=on-failure',
    'RestartSec=5s',
    'RestartPreventExitStatus=2',
    '# Stop: SIGTERM closes the servers (bots reconnect, to another replica if they have a list)',
    '# and the store. Every change was committed before it was answered, so the SIGKILL after',
    '# TimeoutStopSec loses nothing a client or bot was told.',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${STOP_TIMEOUT_SECS}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
