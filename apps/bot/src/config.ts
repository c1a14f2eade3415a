import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes, parseByteSize } from './byte-size';
import { EXIT_CODES } from './exit-codes';
import { DEFAULT_MAX_OUTPUT_BYTES } from './output-pump';

/**
 * The bot's configuration, compiled once from flags and `DROVER_*` environment variables (flags
 * win). This is the only module of the bot that looks at the environment; `main` passes it in.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Dimensions = Readonly<Record<string, readonly string[]>>;

export interface BotConfig {
  /** Coordinator address, `host:port`. @default '127.0.0.1:7070' */
  readonly server: string;
  /** Bot token given directly (`--token` / `DROVER_BOT_TOKEN`); wins over `tokenFile`. */
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
  /** The environment tasks inherit: the bot's own, without its token. */
  readonly taskBaseEnv: Readonly<Record<string, string>>;
}

export type CompileConfigOutcome =
  | { readonly kind: 'config'; readonly config: BotConfig }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

/** Exit code for a usage or configuration error. */
export const EXIT_USAGE = EXIT_CODES.usage;

/** Environment variables the bot reads for itself and never hands to a task. */
const PRIVATE_ENV = ['DROVER_BOT_TOKEN', 'DROVER_BOT_TOKEN_FILE'] as const;

const DIMENSION_KEY_RE = /^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/;
const MAX_DIMENSION_KEY = 64;
const MAX_DIMENSION_VALUE = 256;
const BOT_ID_RE = /^[A-Za-z0-9_.:-]+$/;

export const DEFAULT_DRAIN_TIMEOUT_MS = 300_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
export const DEFAULT_MIN_FREE_DISK_BYTES = 1024 ** 3;

export const USAGE = `Usage: drover-bot [options]

  --server <host:port>     coordinator address              DROVER_SERVER      (127.0.0.1:7070)
  --token <token>          bot token                        DROVER_BOT_TOKEN
  --token-file <path>      file holding the bot token       DROVER_BOT_TOKEN_FILE (<data dir>/bot.token)
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
`;

class UsageError extends Error {}

/** Host facts the defaults depend on; injectable so compilation stays pure in tests. */
export interface ConfigHost {
  readonly hostname: string;
  readonly cwd: string;
}

export function compileBotConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: ConfigHost = { hostname: os.hostname(), cwd: process.cwd() },
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
  const fromEnv = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const pick = (flag: string, flagValue: string | undefined, envName: string) => {
    if (flagValue !== undefined) return { value: flagValue, source: `--${flag}` };
    const v = fromEnv(envName);
    return v === undefined ? undefined : { value: v, source: envName };
  };

  const server = pick('server', flags.server, 'DROVER_SERVER');
  if (server !== undefined && !/^\S+$/.test(server.value)) {
    throw new UsageError(`${server.source}: expected host:port, got '${server.value}'`);
  }

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

  const extraDimensions =
    flags.dimension !== undefined && flags.dimension.length > 0
      ? parseDimensions('--dimension', flags.dimension)
      : parseDimensions(
          'DROVER_DIMENSIONS',
          (fromEnv('DROVER_DIMENSIONS') ?? '').split(',').filter((s) => s.trim() !== ''),
        );

  const logLevel = pick('log-level', flags['log-level'], 'DROVER_LOG_LEVEL') ?? {
    value: 'info',
    source: 'default',
  };
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new UsageError(
      `${logLevel.source}: expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel.value}'`,
    );
  }

  const once =
    flags.once === true ? true : parseBool('DROVER_BOT_ONCE', fromEnv('DROVER_BOT_ONCE'));

  const maxOutputBytes = size(pick('max-output', flags['max-output'], 'DROVER_MAX_OUTPUT'), {
    fallback: DEFAULT_MAX_OUTPUT_BYTES,
    min: 1,
  });
  const minFreeDiskBytes = size(
    pick('min-free-disk', flags['min-free-disk'], 'DROVER_MIN_FREE_DISK'),
    { fallback: DEFAULT_MIN_FREE_DISK_BYTES, min: 0 },
  );
  const drainTimeoutMs = seconds(
    pick('drain-timeout', flags['drain-timeout'], 'DROVER_DRAIN_TIMEOUT'),
    DEFAULT_DRAIN_TIMEOUT_MS,
  );

  const token = pick('token', flags.token, 'DROVER_BOT_TOKEN')?.value;
  const tokenFile = path.resolve(
    host.cwd,
    pick('token-file', flags['token-file'], 'DROVER_BOT_TOKEN_FILE')?.value ??
      path.join(dataDir, 'bot.token'),
  );
  const botDir = path.resolve(
    host.cwd,
    pick('dir', flags.dir, 'DROVER_BOT_DIR')?.value ?? path.join(dataDir, 'bots', id.value),
  );

  const taskBaseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !(PRIVATE_ENV as readonly string[]).includes(k)) taskBaseEnv[k] = v;
  }

  const config: BotConfig = {
    server: server?.value ?? '127.0.0.1:7070',
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
    taskBaseEnv: Object.freeze(taskBaseEnv),
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
        server: { type: 'string' },
        token: { type: 'string' },
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
        help: { type: 'boolean', short: 'h' },
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
