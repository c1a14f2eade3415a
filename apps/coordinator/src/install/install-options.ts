import path from 'node:path';
import { isUserName, parseInstallFlags } from '@drover/install';

/** `drover-coordinator install`'s options, resolved: absolute paths, the command as words. */
export interface CoordinatorInstallOptions {
  /** The unit's User= and Group=. @default 'drover' */
  readonly user: string;
  /** The coordinator's --data-dir (a StateDirectory= under /var/lib). @default '/var/lib/drover' */
  readonly dataDir: string;
  /** Where coordinator.yaml goes. @default '/etc/drover' */
  readonly configDir: string;
  /** Where drover-coordinator.service goes. @default '/etc/systemd/system' */
  readonly unitDir: string;
  /** What starts the coordinator, before `--config FILE`; the first word absolute. @default this coordinator's node and script */
  readonly exec: readonly [string, ...string[]];
  /** Whether --exec was given (it is then checked to exist). */
  readonly execGiven: boolean;
  /** gRPC address. @default '0.0.0.0:7070' (bots on other machines must reach it) */
  readonly listen: string;
  /** HTTP address (/healthz, /metrics, the dashboard). @default '0.0.0.0:7071' */
  readonly httpListen: string;
  /** A postgres:// URL, or the SQLite file. @default undefined: `<dataDir>/drover.sqlite` */
  readonly store: string | undefined;
  readonly storeSchema: string | undefined;
  /** Absolute paths of the PEM pair, or undefined (plaintext). */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly force: boolean;
  readonly dryRun: boolean;
}

export type CoordinatorInstallOptionsOutcome =
  | { readonly kind: 'options'; readonly options: CoordinatorInstallOptions }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

export const DEFAULT_USER = 'drover';
export const DEFAULT_DATA_DIR = '/var/lib/drover';
export const DEFAULT_CONFIG_DIR = '/etc/drover';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const DEFAULT_LISTEN = '0.0.0.0:7070';
export const DEFAULT_HTTP_LISTEN = '0.0.0.0:7071';

/** What install needs to know of the process running it. */
export interface CoordinatorInstallHost {
  readonly cwd: string;
  /** The command that runs this coordinator: node and its script, or a single executable. */
  readonly selfCommand: readonly [string, ...string[]];
}

export function installUsage(host: CoordinatorInstallHost): string {
  return `Usage: drover-coordinator install [options]

Writes the coordinator's config file (from drover.example.yaml, with the values below) and a
systemd unit that runs the coordinator with it as its own user, hardened; prints them and the
commands to run next. Run as root (or give --config-dir/--unit-dir you can write to).

  --user <name>            the unit's User= and Group=           (${DEFAULT_USER})
  --data-dir <path>        the coordinator's data dir: store, tokens (${DEFAULT_DATA_DIR});
                           under /var/lib it is the unit's StateDirectory=
  --exec <command>         what starts the coordinator, words separated by spaces, the first
                           an absolute path; the unit adds --config <file>
                           (this coordinator: ${host.selfCommand.join(' ')})
  --listen <host:port>     gRPC address                          (${DEFAULT_LISTEN})
  --http-listen <host:port>  HTTP address: /healthz, /metrics, the dashboard (${DEFAULT_HTTP_LISTEN})
  --store <url|file>       postgres://user:password@host:5432/db, or the SQLite file
                           (<data-dir>/drover.sqlite)
  --store-schema <name>    PostgreSQL schema holding the tables  (public)
  --tls-cert <path>        PEM certificate chain: serve gRPC and HTTP over TLS, with --tls-key
  --tls-key <path>         its PEM private key (the unit's user must be able to read it)
  --config-dir <path>      where coordinator.yaml goes           (${DEFAULT_CONFIG_DIR})
  --unit-dir <path>        where drover-coordinator.service goes (${DEFAULT_UNIT_DIR})
  --force                  overwrite files that exist
  --dry-run                print what would be written, write nothing
  --help                   print this text
`;
}

/**
 * Parses install's flags. Only their form is checked here; what the coordinator makes of the
 * values is checked on the rendered config file by the coordinator's own compiler
 * (check-config.ts), which names the flag.
 */
export function parseCoordinatorInstallOptions(
  argv: readonly string[],
  host: CoordinatorInstallHost,
): CoordinatorInstallOptionsOutcome {
  const parsed = parseInstallFlags(argv, {
    user: { type: 'string' },
    'data-dir': { type: 'string' },
    exec: { type: 'string' },
    listen: { type: 'string' },
    'http-listen': { type: 'string' },
    store: { type: 'string' },
    'store-schema': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  });
  if (parsed.kind === 'usage-error') return parsed;
  const flags = parsed.values;
  if (flags.help === true) return { kind: 'help', text: installUsage(host) };
  const user = flags.user ?? DEFAULT_USER;
  if (!isUserName(user)) {
    return { kind: 'usage-error', message: `--user: not a user name: ${JSON.stringify(user)}` };
  }
  let exec = host.selfCommand;
  if (flags.exec !== undefined) {
    const [first, ...rest] = flags.exec.trim().split(/\s+/);
    if (first === undefined || !path.isAbsolute(first)) {
      return {
        kind: 'usage-error',
        message: `--exec: must start with an absolute path, got ${JSON.stringify(flags.exec)}`,
      };
    }
    exec = [first, ...rest];
  }
  for (const name of ['data-dir', 'config-dir', 'unit-dir', 'tls-cert', 'tls-key'] as const) {
    if (flags[name] === '') return { kind: 'usage-error', message: `--${name}: must not be empty` };
  }
  const abs = (p: string): string => path.resolve(host.cwd, p);
  const optionalPath = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  return {
    kind: 'options',
    options: {
      user,
      dataDir: abs(flags['data-dir'] ?? DEFAULT_DATA_DIR),
      configDir: abs(flags['config-dir'] ?? DEFAULT_CONFIG_DIR),
      unitDir: abs(flags['unit-dir'] ?? DEFAULT_UNIT_DIR),
      exec,
      execGiven: flags.exec !== undefined,
      listen: flags.listen ?? DEFAULT_LISTEN,
      httpListen: flags['http-listen'] ?? DEFAULT_HTTP_LISTEN,
      // A SQLite file given relative is the operator's, from here; a URL stays as it is.
      store:
        flags.store === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(flags.store)
          ? flags.store
          : abs(flags.store),
      storeSchema: flags['store-schema'],
      tlsCert: optionalPath(flags['tls-cert']),
      tlsKey: optionalPath(flags['tls-key']),
      force: flags.force === true,
      dryRun: flags['dry-run'] === true,
    },
  };
}
