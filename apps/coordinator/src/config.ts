import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Options of the coordinator; every one can be a flag or a DROVER_* environment variable. */
export interface CoordinatorOptions {
  /** gRPC address. @default '127.0.0.1:7070' (port 0 picks a free port) */
  listen?: string;
  /** HTTP address (/healthz, later the dashboard and /metrics). @default '127.0.0.1:7071' */
  httpListen?: string;
  /** Directory of the embedded store, tokens and logs. @default './.drover' */
  dataDir?: string;
  /** Token hashes file. @default '<dataDir>/tokens.json', created with fresh tokens when missing */
  tokensFile?: string;
  /** @default 'info' */
  logLevel?: string;
  /** Interval the bots heartbeat at; capped at a third of the ping tolerance. @default 10 */
  heartbeatIntervalSecs?: number;
  /** A bot silent for longer loses its running task (BOT_DIED). @default 60 */
  botPingToleranceSecs?: number;
  /** A bot silent for longer is dead in the fleet view and no longer capacity. @default 600 */
  botDeathTimeoutSecs?: number;
}

export interface CoordinatorConfig {
  readonly listen: string;
  readonly httpListen: string;
  readonly dataDir: string;
  readonly storePath: string;
  readonly tokensFile: string;
  readonly logLevel: string;
  readonly heartbeatIntervalMs: number;
  readonly botPingToleranceMs: number;
  readonly botDeathTimeoutMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Resolves options (already merged) into a frozen config with durations in ms. */
export function compileCoordinatorConfig(opts: CoordinatorOptions): CoordinatorConfig {
  const dataDir = resolve(opts.dataDir ?? './.drover');
  const logLevel = opts.logLevel ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    throw new ConfigError(
      `log-level: must be one of ${[...LOG_LEVELS].join(', ')}, got ${logLevel}`,
    );
  }
  const listen = opts.listen ?? '127.0.0.1:7070';
  const httpListen = opts.httpListen ?? '127.0.0.1:7071';
  checkAddress('listen', listen);
  checkAddress('http-listen', httpListen);
  return Object.freeze({
    listen,
    httpListen,
    dataDir,
    storePath: join(dataDir, 'drover.sqlite'),
    tokensFile: resolve(opts.tokensFile ?? join(dataDir, 'tokens.json')),
    logLevel,
    // Bots heartbeat at least three times per tolerance, so one late beat never costs a task.
    heartbeatIntervalMs: Math.min(
      seconds('heartbeat-interval', opts.heartbeatIntervalSecs ?? 10, 1) * 1000,
      Math.floor((seconds('bot-ping-tolerance', opts.botPingToleranceSecs ?? 60, 1) * 1000) / 3),
    ),
    botPingToleranceMs: seconds('bot-ping-tolerance', opts.botPingToleranceSecs ?? 60, 1) * 1000,
    botDeathTimeoutMs: seconds('bot-death-timeout', opts.botDeathTimeoutSecs ?? 600, 1) * 1000,
  });
}

function seconds(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new ConfigError(`${name}: must be a number of seconds ≥ ${min}, got ${value}`);
  }
  return value;
}

function checkAddress(name: string, addr: string): void {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(addr);
  if (m === null || Number(m[2]) > 65535) {
    throw new ConfigError(`${name}: must be host:port, got ${JSON.stringify(addr)}`);
  }
}

const FLAGS = {
  listen: { type: 'string', env: 'DROVER_LISTEN' },
  'http-listen': { type: 'string', env: 'DROVER_HTTP_LISTEN' },
  'data-dir': { type: 'string', env: 'DROVER_DATA_DIR' },
  'tokens-file': { type: 'string', env: 'DROVER_TOKENS_FILE' },
  'log-level': { type: 'string', env: 'DROVER_LOG_LEVEL' },
  'heartbeat-interval': { type: 'string', env: 'DROVER_HEARTBEAT_INTERVAL' },
  'bot-ping-tolerance': { type: 'string', env: 'DROVER_BOT_PING_TOLERANCE' },
  'bot-death-timeout': { type: 'string', env: 'DROVER_BOT_DEATH_TIMEOUT' },
} as const;

export const COORDINATOR_USAGE = `Usage: drover-coordinator [options]

Every option can also be set with its environment variable; flags win.

  --listen HOST:PORT            gRPC address (DROVER_LISTEN) [127.0.0.1:7070]
  --http-listen HOST:PORT       HTTP address for /healthz (DROVER_HTTP_LISTEN) [127.0.0.1:7071]
  --data-dir DIR                store, tokens (DROVER_DATA_DIR) [./.drover]
  --tokens-file FILE            token hashes (DROVER_TOKENS_FILE) [<data-dir>/tokens.json]
  --log-level LEVEL             trace|debug|info|warn|error (DROVER_LOG_LEVEL) [info]
  --heartbeat-interval SECS     bot heartbeat interval (DROVER_HEARTBEAT_INTERVAL) [10]
  --bot-ping-tolerance SECS     silence before a bot's task is BOT_DIED (DROVER_BOT_PING_TOLERANCE) [60]
  --bot-death-timeout SECS      silence before a bot is dead (DROVER_BOT_DEATH_TIMEOUT) [600]
  -h, --help                    show this help
`;

/** Parses argv and env into options. Throws ConfigError naming the bad flag or variable. */
export function parseCoordinatorArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { help: true } | { help: false; options: CoordinatorOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(Object.entries(FLAGS).map(([k, v]) => [k, { type: v.type }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (parsed.values.help === true) return { help: true };
  const raw = (flag: keyof typeof FLAGS): { value: string; from: string } | undefined => {
    const v = (parsed.values as Record<string, string | boolean | undefined>)[flag];
    if (typeof v === 'string') return { value: v, from: `--${flag}` };
    const e = env[FLAGS[flag].env];
    if (e !== undefined && e !== '') return { value: e, from: FLAGS[flag].env };
    return undefined;
  };
  const str = (flag: keyof typeof FLAGS) => raw(flag)?.value;
  const num = (flag: keyof typeof FLAGS): number | undefined => {
    const r = raw(flag);
    if (r === undefined) return undefined;
    const n = Number(r.value);
    if (!Number.isFinite(n))
      throw new ConfigError(`${r.from}: must be a number, got ${JSON.stringify(r.value)}`);
    return n;
  };
  const options: CoordinatorOptions = {};
  const set = <K extends keyof CoordinatorOptions>(k: K, v: CoordinatorOptions[K] | undefined) => {
    if (v !== undefined) options[k] = v;
  };
  set('listen', str('listen'));
  set('httpListen', str('http-listen'));
  set('dataDir', str('data-dir'));
  set('tokensFile', str('tokens-file'));
  set('logLevel', str('log-level'));
  set('heartbeatIntervalSecs', num('heartbeat-interval'));
  set('botPingToleranceSecs', num('bot-ping-tolerance'));
  set('botDeathTimeoutSecs', num('bot-death-timeout'));
  return { help: false, options };
}
