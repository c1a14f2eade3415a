import { PARENT_FD_ENV, versionLine } from '@drover/protocol';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes, parseByteSize } from '@drover/protocol';
import { DEFAULT_CACHE_MAX_BYTES } from './caches';
import { DEFAULT_CAS_CACHE_MAX_BYTES } from './cas-cache';
import { parseConfigFile, type ConfigFileValues } from './config-file';
import { EXIT_CODES } from './exit-codes';
import { DEFAULT_MAX_OUTPUT_BYTES } from './output-pump';

/**
 * The bot's configuration, compiled once from a config file (`--config`, config-file.ts), then
 * `DROVER_*` environment variables, then flags (each wins over the one before). This is the only
 * module of the bot that looks at the environment; `main` passes it in.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Dimensions = Readonly<Record<string, readonly string[]>>;

/** How the bot talks to the coordinator: plain text, TLS with the system roots, or with a CA's. */
export type BotTls =
  | { readonly kind: 'off' }
  | { readonly kind: 'system-roots' }
  | { readonly kind: 'ca-file'; readonly path: string; readonly rootCerts: Buffer };

export interface BotConfig {
  /**
   * Coordinator addresses, `host:port` each, joined with commas (the session splits them again):
   * it connects to the first and moves on round robin when a connection fails or ends.
   * @default '127.0.0.1:7070'
   */
  readonly server: string;
  /**
   * Bot token given directly (`DROVER_BOT_TOKEN`, or a config file's `token:`); wins over
   * `tokenFile`. Never a flag: a command line is readable by every user of the machine.
   */
  readonly token: string | undefined;
  /** File holding the bot token. @default '<dataDir>/bot.token' */
  readonly tokenFile: string;
  /** Absolute data directory. @default './.drover' */
  readonly dataDir: string;
  /** Bot id, also the `id` dimension. @default the hostname */
  readonly botId: string;
  /** The bot's `pool` dimension (the coordinator may force another). @default 'default' */
  readonly pool: string;
  /** Extra dimensions from `--dimension k=v` / `DROVER_DIMENSIONS`; a key replaces a probed one. */
  readonly extraDimensions: Dimensions;
  /** Absolute working root of the bot; tasks run under `<botDir>/w/<taskId>`. @default '<dataDir>/bots/<botId>' */
  readonly botDir: string;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  /** Exit (code 0) after one task. @default false */
  readonly once: boolean;
  /** Output kept per task; the rest is dropped and a line says how much. @default 100 MiB */
  readonly maxOutputBytes: number;
  /**
   * After the first SIGINT/SIGTERM, how long the running task may take to finish before it is
   * killed with the termination dance. @default 300_000
   */
  readonly drainTimeoutMs: number;
  /** Below this much free disk in the bot dir the bot quarantines itself; 0: never. @default 1 GiB */
  readonly minFreeDiskBytes: number;
  /**
   * The named caches (`<botDir>/caches`) together at most; after a task the least recently used
   * ones go until they fit. @default 10 GiB
   */
  readonly cacheMaxBytes: number;
  /**
   * The input blobs' cache (`<botDir>/cas`) at most; least recently used blobs no running task
   * uses go past it. @default 20 GiB
   */
  readonly casCacheMaxBytes: number;
  /** The environment tasks inherit: the bot's own, without its token. */
  readonly taskBaseEnv: Readonly<Record<string, string>>;
  /** TLS to the coordinator (`--tls`, `--ca-file`, which implies it). @default off */
  readonly tls: BotTls;
  /** The absolute path of the config file read, if any. */
  readonly configFile: string | undefined;
  /**
   * The unprivileged user payloads run as (`--task-user`, a name or a uid), when the bot can
   * switch users; task-user.ts resolves it. @default undefined: payloads run as the bot's user
   */
  readonly taskUser: string | undefined;
  /** How a task's processes are held together and swept (CONTAINMENT_MODES). @default 'auto' */
  readonly containment: Containment;
}

/**
 * auto: a cgroup v2 per task where the bot can make one, else the process group and the sweep;
 * cgroup: refuse to start without one; pgroup: the process group and the sweep only.
 */
export const CONTAINMENT_MODES = ['auto', 'cgroup', 'pgroup'] as const;
export type Containment = (typeof CONTAINMENT_MODES)[number];

export type CompileConfigOutcome =
  | { readonly kind: 'config'; readonly config: BotConfig }
  /** Print `text` and exit 0: the usage for --help, the version line for --version. */
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

/** Exit code for a usage or configuration error. */
export const EXIT_USAGE = EXIT_CODES.usage;

/**
 * Environment variables the bot reads for itself and never hands to a task. DROVER_PARENT_FD
 * names the descriptor of the process that started the bot (`npm start`); in a task it would
 * name some other descriptor, or none.
 */
const PRIVATE_ENV = ['DROVER_BOT_TOKEN', 'DROVER_BOT_TOKEN_FILE', PARENT_FD_ENV] as const;

const DIMENSION_KEY_RE = /^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/;
const MAX_DIMENSION_KEY = 64;
const MAX_DIMENSION_VALUE = 256;
const BOT_ID_RE = /^[A-Za-z0-9_.:-]+$/;
/** A user name as useradd takes it, or a uid. */
const TASK_USER_RE = /^(?:[a-z_][a-z0-9_.-]{0,31}\$?|\d{1,10})$/i;

export const DEFAULT_DRAIN_TIMEOUT_MS = 300_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
export const DEFAULT_MIN_FREE_DISK_BYTES = 1024 ** 3;

export const USAGE = `Usage: drover-bot [options]
       drover-bot install --server <host:port> --token-file <path> [options]   (install --help)

  --config <path>          YAML or JSON file of options     DROVER_BOT_CONFIG
                           (keys: the flag names; file < environment < flags)
  --server <host:port>     coordinator address, or several  DROVER_SERVER      (127.0.0.1:7070)
                           (host:port,host:port…): the bot
                           moves to the next when one fails
  --token-file <path>      file holding the bot token       DROVER_BOT_TOKEN_FILE (<data dir>/bot.token)
                           (or the token itself in DROVER_BOT_TOKEN; never on the
                           command line, which every user of the machine can read)
  --tls                    connect with TLS (system roots)  DROVER_TLS         (false)
  --ca-file <path>         PEM roots to trust (implies TLS) DROVER_CA_FILE
  --data-dir <path>        data directory                   DROVER_DATA_DIR    (./.drover)
  --id <bot id>            bot id                           DROVER_BOT_ID      (hostname)
  --pool <pool>            pool dimension                   DROVER_POOL        (default)
  --dimension <k=v>        extra dimension, repeatable      DROVER_DIMENSIONS  (k=v,k=v)
  --dir <path>             bot working root                 DROVER_BOT_DIR     (<data dir>/bots/<id>)
  --log-level <level>      ${LOG_LEVELS.join('|')}   DROVER_LOG_LEVEL (info)
  --once                   take one task, then exit         DROVER_BOT_ONCE    (false)
  --max-output <size>      output kept per task             DROVER_MAX_OUTPUT  (${formatBytes(DEFAULT_MAX_OUTPUT_BYTES)})
  --drain-timeout <secs>   after a first signal, time the   DROVER_DRAIN_TIMEOUT (${DEFAULT_DRAIN_TIMEOUT_MS / 1000})
                           running task has to finish
  --min-free-disk <size>   quarantine below this free disk  DROVER_MIN_FREE_DISK (${formatBytes(DEFAULT_MIN_FREE_DISK_BYTES)}; 0: off)
  --cache-max-bytes <size> named caches kept at most (LRU)  DROVER_CACHE_MAX_BYTES (${formatBytes(DEFAULT_CACHE_MAX_BYTES)})
  --cas-cache-max-bytes <size>  input blobs kept at most    DROVER_CAS_CACHE_MAX_BYTES (${formatBytes(DEFAULT_CAS_CACHE_MAX_BYTES)})
                           (LRU, <dir>/cas; never one a running task uses)
  --task-user <name|uid>   run payloads as this unprivileged DROVER_TASK_USER  (the bot's own user)
                           user (the bot must be root, or hold CAP_SETUID and CAP_SETGID);
                           they cannot read the bot's token nor write outside their dirs
  --containment <mode>     how a task's processes are held  DROVER_CONTAINMENT (auto)
                           auto: a cgroup v2 per task where the bot can make one, else
                             the process group and the sweep of escaped processes
                           cgroup: refuse to start without a cgroup per task
                           pgroup: the process group and the sweep only
  --version, -V            print the version and the git commit
  --help                   print this text

Sizes take suffixes: 4096, 64KiB, 10MiB, 1GiB (also K, M, G; KB, MB, GB are powers of 1000).

Signals: a first SIGINT/SIGTERM takes no more tasks and lets the running one finish (for up to
--drain-timeout, then kills it); a second kills it now (SIGTERM, grace period, SIGKILL); a third
SIGKILLs it and exits at once.

Exit codes:
  ${EXIT_CODES.ok}  stopped as asked, no task killed (signal, Terminate, --once)
  ${EXIT_CODES.crash}  unexpected error
  ${EXIT_CODES.usage}  usage or configuration error
  ${EXIT_CODES.refused}  the coordinator refused the bot (bad token, not allowed)
  ${EXIT_CODES.taskKilled}  stopped by a signal after killing the running task (drain limit or second signal)
  ${EXIT_CODES.exitedAtOnce}  exited at once on a third signal
  ${EXIT_CODES.botDirLocked}  another drover-bot runs on the same bot dir (<dir>/bot.lock)
  ${EXIT_CODES.updated}  switched to new bot code; the launcher starts it (never seen under systemd)
`;

class UsageError extends Error {}

/** Host facts the defaults depend on; injectable so compilation stays pure in tests. */
export interface ConfigHost {
  readonly hostname: string;
  readonly cwd: string;
  /** Reads the config file and the CA file. @default fs.readFileSync */
  readonly readFile?: (path: string) => Buffer;
}

export function compileBotConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: ConfigHost = { hostname: os.hostname(), cwd: process.cwd(), readFile: readFileSync },
): CompileConfigOutcome {
  try {
    return compile(argv, env, host);
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'usage-error', message: err.message };
    throw err;
  }
}

function compile(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: ConfigHost,
): CompileConfigOutcome {
  const flags = parseFlags(argv);
  if (flags.help === true) return { kind: 'help', text: USAGE };
  if (flags.version === true) return { kind: 'help', text: `${versionLine('drover-bot')}\n` };
  const fromEnv = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const readFile = host.readFile ?? readFileSync;
  const configFile = pick0('config', flags.config, fromEnv('DROVER_BOT_CONFIG'));
  const file = configFile === undefined ? {} : loadConfigFile(configFile, host.cwd, readFile);
  const configPath =
    configFile === undefined ? undefined : path.resolve(host.cwd, configFile.value);
  const pick = (
    flag: keyof ConfigFileValues & keyof typeof flags,
    flagValue: string | undefined,
    envName: string,
  ): Picked | undefined => {
    if (flagValue !== undefined) return { value: flagValue, source: `--${flag}` };
    const v = fromEnv(envName);
    if (v !== undefined) return { value: v, source: envName };
    const f = file[flag];
    return typeof f === 'string' ? { value: f, source: `${configPath}: ${flag}` } : undefined;
  };
  /** A boolean flag: set → true; else the variable (true or false); else the file. */
  const flagBool = (flag: 'once' | 'tls', envName: string): boolean => {
    if (flags[flag] === true) return true;
    const v = fromEnv(envName);
    if (v !== undefined) return parseBool(envName, v);
    return file[flag] === true;
  };

  const servers = pickServers(flags.server, fromEnv('DROVER_SERVER'), file.server, configPath);

  const dataDir = path.resolve(
    host.cwd,
    pick('data-dir', flags['data-dir'], 'DROVER_DATA_DIR')?.value ?? '.drover',
  );

  const id = pick('id', flags.id, 'DROVER_BOT_ID') ?? { value: host.hostname, source: 'hostname' };
  if (!BOT_ID_RE.test(id.value) || id.value.length > MAX_DIMENSION_VALUE) {
    throw new UsageError(`${id.source}: a bot id is 1-256 of [A-Za-z0-9_.:-], got '${id.value}'`);
  }

  const pool = pick('pool', flags.pool, 'DROVER_POOL') ?? { value: 'default', source: 'default' };
  checkDimensionValue(pool.source, pool.value);

  const envDimensions = fromEnv('DROVER_DIMENSIONS');
  const extraDimensions =
    flags.dimension !== undefined && flags.dimension.length > 0
      ? parseDimensions('--dimension', flags.dimension)
      : envDimensions !== undefined
        ? parseDimensions(
            'DROVER_DIMENSIONS',
            envDimensions.split(',').filter((s) => s.trim() !== ''),
          )
        : parseDimensions(`${configPath}: dimension`, file.dimension ?? []);

  const logLevel = pick('log-level', flags['log-level'], 'DROVER_LOG_LEVEL') ?? {
    value: 'info',
    source: 'default',
  };
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new UsageError(
      `${logLevel.source}: expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel.value}'`,
    );
  }

  const once = flagBool('once', 'DROVER_BOT_ONCE');

  const maxOutputBytes = size(pick('max-output', flags['max-output'], 'DROVER_MAX_OUTPUT'), {
    fallback: DEFAULT_MAX_OUTPUT_BYTES,
    min: 1,
  });
  const minFreeDiskBytes = size(
    pick('min-free-disk', flags['min-free-disk'], 'DROVER_MIN_FREE_DISK'),
    { fallback: DEFAULT_MIN_FREE_DISK_BYTES, min: 0 },
  );
  const cacheMaxBytes = size(
    pick('cache-max-bytes', flags['cache-max-bytes'], 'DROVER_CACHE_MAX_BYTES'),
    { fallback: DEFAULT_CACHE_MAX_BYTES, min: 0 },
  );
  const casCacheMaxBytes = size(
    pick('cas-cache-max-bytes', flags['cas-cache-max-bytes'], 'DROVER_CAS_CACHE_MAX_BYTES'),
    { fallback: DEFAULT_CAS_CACHE_MAX_BYTES, min: 0 },
  );
  const drainTimeoutMs = seconds(
    pick('drain-timeout', flags['drain-timeout'], 'DROVER_DRAIN_TIMEOUT'),
    DEFAULT_DRAIN_TIMEOUT_MS,
  );

  if (flags.token !== undefined) {
    throw new UsageError(
      '--token: a command line is readable by every user of the machine (ps); ' +
        'give the token in a file (--token-file, mode 0600) or in DROVER_BOT_TOKEN',
    );
  }
  const token = pick('token', undefined, 'DROVER_BOT_TOKEN')?.value;
  const taskUser = pick('task-user', flags['task-user'], 'DROVER_TASK_USER');
  if (taskUser !== undefined && !TASK_USER_RE.test(taskUser.value)) {
    throw new UsageError(
      `${taskUser.source}: expected a user name or a uid, got '${taskUser.value}'`,
    );
  }
  const containment = pick('containment', flags.containment, 'DROVER_CONTAINMENT') ?? {
    value: 'auto',
    source: 'default',
  };
  if (!(CONTAINMENT_MODES as readonly string[]).includes(containment.value)) {
    throw new UsageError(
      `${containment.source}: expected one of ${CONTAINMENT_MODES.join(', ')}, got '${containment.value}'`,
    );
  }
  const tokenFile = path.resolve(
    host.cwd,
    pick('token-file', flags['token-file'], 'DROVER_BOT_TOKEN_FILE')?.value ??
      path.join(dataDir, 'bot.token'),
  );
  const botDir = path.resolve(
    host.cwd,
    pick('dir', flags.dir, 'DROVER_BOT_DIR')?.value ?? path.join(dataDir, 'bots', id.value),
  );

  const caFile = pick('ca-file', flags['ca-file'], 'DROVER_CA_FILE');
  const tls: BotTls =
    caFile !== undefined
      ? readCaFile(caFile, host.cwd, readFile)
      : flagBool('tls', 'DROVER_TLS')
        ? { kind: 'system-roots' }
        : { kind: 'off' };

  const taskBaseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !(PRIVATE_ENV as readonly string[]).includes(k)) taskBaseEnv[k] = v;
  }

  const config: BotConfig = {
    server: servers.join(','),
    token,
    tokenFile,
    dataDir,
    botId: id.value,
    pool: pool.value,
    extraDimensions,
    botDir,
    logLevel: logLevel.value as LogLevel,
    once,
    maxOutputBytes,
    drainTimeoutMs,
    minFreeDiskBytes,
    cacheMaxBytes,
    casCacheMaxBytes,
    taskBaseEnv: Object.freeze(taskBaseEnv),
    tls: Object.freeze(tls),
    configFile: configPath,
    taskUser: taskUser?.value,
    containment: containment.value as Containment,
  };
  return { kind: 'config', config: Object.freeze(config) };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        tls: { type: 'boolean' },
        'ca-file': { type: 'string' },
        'token-file': { type: 'string' },
        'data-dir': { type: 'string' },
        id: { type: 'string' },
        pool: { type: 'string' },
        dimension: { type: 'string', multiple: true },
        dir: { type: 'string' },
        'log-level': { type: 'string' },
        once: { type: 'boolean' },
        'max-output': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'min-free-disk': { type: 'string' },
        'cache-max-bytes': { type: 'string' },
        'cas-cache-max-bytes': { type: 'string' },
        'task-user': { type: 'string' },
        containment: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }).values;
  } catch (err) {
    // node:util's messages name the flag ("Unknown option '--x'"); keep their first sentence.
    const message =
      err instanceof Error ? (err.message.split(/\.\s/)[0] ?? err.message) : String(err);
    throw new UsageError(message.replace(/\.$/, ''));
  }
}

function parseDimensions(source: string, items: readonly string[]): Dimensions {
  const out: Record<string, string[]> = {};
  for (const raw of items) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${source}: expected key=value, got '${raw}'`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!DIMENSION_KEY_RE.test(key) || key.length > MAX_DIMENSION_KEY) {
      throw new UsageError(`${source}: bad dimension key '${key}'`);
    }
    if (key === 'id') throw new UsageError(`${source}: the id dimension is the bot id; use --id`);
    checkDimensionValue(source, value);
    const values = (out[key] ??= []);
    if (!values.includes(value)) values.push(value);
  }
  for (const v of Object.values(out)) Object.freeze(v);
  return Object.freeze(out);
}

function checkDimensionValue(source: string, value: string): void {
  if (value === '' || value.length > MAX_DIMENSION_VALUE) {
    throw new UsageError(
      `${source}: a dimension value is 1-${MAX_DIMENSION_VALUE} characters, got '${value}'`,
    );
  }
}

interface Picked {
  readonly value: string;
  readonly source: string;
}

const DEFAULT_SERVER = '127.0.0.1:7070';
/** `host:port`: a name or IPv4 address, or an IPv6 one in brackets; port 1-65535. */
const HOST_PORT_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/**
 * The coordinator addresses: the flag's, else DROVER_SERVER's, else the file's (a string or a
 * list), each comma-separated, every entry `host:port`; an error names the bad entry.
 */
function pickServers(
  flagValue: string | undefined,
  envValue: string | undefined,
  fileValue: readonly string[] | undefined,
  configPath: string | undefined,
): string[] {
  const picked: { source: string; items: readonly string[] } | undefined =
    flagValue !== undefined
      ? { source: '--server', items: [flagValue] }
      : envValue !== undefined
        ? { source: 'DROVER_SERVER', items: [envValue] }
        : fileValue !== undefined
          ? { source: `${configPath}: server`, items: fileValue }
          : undefined;
  if (picked === undefined) return [DEFAULT_SERVER];
  const entries = picked.items.flatMap((item) => item.split(',')).map((e) => e.trim());
  if (entries.length === 0) {
    throw new UsageError(`${picked.source}: expected host:port[,host:port…], got none`);
  }
  for (const entry of entries) {
    const port = HOST_PORT_RE.exec(entry)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
      throw new UsageError(`${picked.source}: expected host:port, got '${entry}'`);
    }
  }
  return entries;
}

/** A flag's value, else a variable's. */
function pick0(flag: string, flagValue: string | undefined, envValue: string | undefined) {
  if (flagValue !== undefined) return { value: flagValue, source: `--${flag}` };
  return envValue === undefined ? undefined : { value: envValue, source: 'DROVER_BOT_CONFIG' };
}

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

function loadConfigFile(
  picked: Picked,
  cwd: string,
  readFile: (path: string) => Buffer,
): ConfigFileValues {
  const file = path.resolve(cwd, picked.value);
  let text: string;
  try {
    text = readFile(file).toString('utf8');
  } catch (err) {
    throw new UsageError(`${picked.source}: cannot read ${file} (${errnoCode(err)})`);
  }
  const parsed = parseConfigFile(file, text);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.values;
}

function readCaFile(picked: Picked, cwd: string, readFile: (path: string) => Buffer): BotTls {
  const file = path.resolve(cwd, picked.value);
  let rootCerts: Buffer;
  try {
    rootCerts = readFile(file);
  } catch (err) {
    throw new UsageError(`${picked.source}: cannot read CA file ${file} (${errnoCode(err)})`);
  }
  if (!rootCerts.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${picked.source}: ${file} holds no PEM certificate`);
  }
  return { kind: 'ca-file', path: file, rootCerts };
}

function size(picked: Picked | undefined, o: { fallback: number; min: number }): number {
  if (picked === undefined) return o.fallback;
  const bytes = parseByteSize(picked.value);
  if (bytes === undefined || bytes < o.min) {
    throw new UsageError(
      `${picked.source}: expected a size${o.min > 0 ? ` of at least ${o.min} byte` : ''} such as 4096, 10MiB or 1GiB, got '${picked.value}'`,
    );
  }
  return bytes;
}

function seconds(picked: Picked | undefined, fallbackMs: number): number {
  if (picked === undefined) return fallbackMs;
  const secs = /^\d+(\.\d+)?$/.test(picked.value.trim()) ? Number(picked.value) : NaN;
  const ms = Math.round(secs * 1000);
  // A timer longer than 2^31-1 ms would fire at once.
  if (!Number.isSafeInteger(ms) || ms > MAX_TIMER_MS) {
    throw new UsageError(
      `${picked.source}: expected seconds, 0 to ${Math.floor(MAX_TIMER_MS / 1000)}, got '${picked.value}'`,
    );
  }
  return ms;
}

function parseBool(source: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new UsageError(`${source}: expected true or false, got '${value}'`);
}
