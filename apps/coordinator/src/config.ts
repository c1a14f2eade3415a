import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  SETTINGS,
  readConfigFile,
  type RawSettings,
  type SettingName,
} from './config-file';
import { compileBotCodeConfig } from './bot-code/bot-code-config';
import { DEFAULT_MAX_TASK_OUTPUT_BYTES } from './botapi/output-cap';
import { defaultBotExecutable } from './bot-install/bot-executable';
import type { BotCodeConfig } from './bot-code/bot-code-source';
import { compileDistributors, type DistributorConfig } from './graph/distributor-config';
import { DEFAULT_CAS_MAX_BLOB_BYTES, DEFAULT_CAS_RETENTION_MS, durationMs } from './cas/cas-config';
import { compileWebhookTargets, type WebhookTargetPolicy } from './notify/webhook-targets';
import { compileRetention, type RetentionConfig } from './retention/retention-config';
import { compileOidcConfig, type OidcIssuerConfig } from './auth/oidc-config';

export { ConfigError } from './config-file';

/** How long audit log entries are kept by default: 90 days. */
export const DEFAULT_AUDIT_RETENTION_MS = 90 * 24 * 3600 * 1000;

/**
 * Options of the coordinator; every one can be a key of the config file, a DROVER_* environment
 * variable or a flag (that order of precedence, flags win).
 */
export interface CoordinatorOptions {
  /** gRPC address. @default '127.0.0.1:7070' (port 0 picks a free port) */
  listen?: string;
  /** HTTP address (/healthz, /metrics, later the dashboard). @default '127.0.0.1:7071' */
  httpListen?: string;
  /** Directory of the embedded store, tokens and logs. @default './.drover' */
  dataDir?: string;
  /**
   * Where tasks live: a `postgres://` URL (several coordinators may share it), or the path of
   * the embedded SQLite file. @default '<dataDir>/drover.sqlite'
   */
  store?: string;
  /** The PostgreSQL schema holding Drover's tables. @default 'public' */
  storeSchema?: string;
  /** Token hashes file. @default '<dataDir>/tokens.json', created with fresh tokens when missing */
  tokensFile?: string;
  /** @default 'info' */
  logLevel?: string;
  /** `json`, `pretty`, or `auto` (pretty when stdout is a terminal). @default 'auto' */
  logFormat?: string;
  /** Interval the bots heartbeat at; capped at a third of the ping tolerance. @default 10 */
  heartbeatIntervalSecs?: number;
  /** A bot silent for longer loses its running task (BOT_DIED). @default 60 */
  botPingToleranceSecs?: number;
  /** A bot silent for longer is dead in the fleet view and no longer capacity. @default 600 */
  botDeathTimeoutSecs?: number;
  /** PEM certificate chain: serve gRPC (and HTTP) over TLS. Needs tlsKeyFile. @default none */
  tlsCertFile?: string;
  /** PEM private key of tlsCertFile. @default none */
  tlsKeyFile?: string;
  /** Bytes of DROVER_OUTDIR files one task may upload; over it none is kept. @default 1 GiB */
  maxOutputFilesBytes?: number;
  /**
   * Bytes of a task's output (stdout and stderr) the coordinator stores, whatever the bot sends;
   * past it, one marker line, and the rest is dropped. @default 104857600 (the bot's --max-output)
   */
  maxTaskOutputBytes?: number;
  /** The old name of casDir (still accepted). */
  outputsDir?: string;
  /**
   * The content-addressed storage: task inputs and output files by SHA-256 (shared by every
   * replica with PostgreSQL). @default '<dataDir>/outputs' (the directory's old name)
   */
  casDir?: string;
  /**
   * Blobs no task references are deleted this long after they were last uploaded or looked up:
   * `7d`, `12h`, or seconds; 0 = never. @default '7d'
   */
  casRetention?: string | number;
  /** The largest blob Cas.Upload accepts, in bytes. @default 4 GiB */
  casMaxBlobBytes?: number;
  /** Bot self-update: `on` (serve bot code, ask bots that run other code to update) or `off`. @default 'on' */
  botUpdate?: string;
  /** A prebuilt bot code pack (a build directory or its bot-code.pack). @default built from this checkout on first need */
  botCode?: string;
  /**
   * The drover-bot executable served at /bot/drover-bot-linux-x64 for install.sh.
   * @default a released coordinator's bot/drover-bot-linux-x64; none when run from sources
   */
  botExecutable?: string;
  /**
   * Graph distributors (config file only): name → default task parameters ({command,
   * dimensions, env, priority, io_timeout, …}). @default { drover: {} } (built in, always there)
   */
  distributors?: unknown;
  /**
   * The secret webhook signatures (X-Drover-Signature) are made with.
   * @default '<dataDir>/webhook.secret', created with 32 random bytes when missing
   */
  webhookSecretFile?: string;
  /**
   * The 32-byte key tasks' secret bytes are sealed with (AES-256-GCM); replicas sharing a store
   * must share it. @default '<dataDir>/secret.key', created 0600 with random bytes when missing
   */
  secretKeyFile?: string;
  /** Attempts per webhook notification before it is given up (logged). @default 10 */
  webhookAttempts?: number;
  /** Wait before the first retry of a notification; doubles at each retry. @default 1 */
  webhookBackoffSecs?: number;
  /** Longest wait between two attempts. @default 60 */
  webhookBackoffMaxSecs?: number;
  /** Time one attempt may take (connect, send, answer). @default 10 */
  webhookTimeoutSecs?: number;
  /**
   * URL globs a task's notify.url must match (`*` = anything; in the host, no `/`).
   * @default none: webhooks refused at submit
   */
  webhookAllow?: readonly string[];
  /**
   * Non-public addresses (or subnets) webhooks may still go to, e.g. 127.0.0.1 for a receiver on
   * this host. @default none: only public addresses
   */
  webhookAllowAddresses?: readonly string[];
  /**
   * How long final tasks are kept after they ended: `90d`, `12h`, `30m`; 0 = forever.
   * @default '90d'
   */
  taskRetention?: string | number;
  /** Per pool (config file only): pool name → duration replacing taskRetention. @default none */
  taskRetentionPools?: unknown;
  /** How long audit log entries are kept: `90d`, `12h`; 0 = forever. @default '90d' */
  auditRetention?: string | number;
  /**
   * `auth.oidc` (config file only): issuers whose JWTs are accepted, with claim and group
   * mappings (auth/oidc-config.ts, docs/auth.md). @default none: bearer tokens only
   */
  oidc?: unknown;
  /** What relative paths in `oidc` resolve against (the config file's directory). @default cwd */
  oidcBaseDir?: string;
}

/** How task webhooks are sent (notify/webhook-notifier.ts). */
export interface WebhookConfig {
  readonly secretFile: string;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  readonly timeoutMs: number;
  /** webhook-allow and webhook-allow-addresses, compiled. */
  readonly targets: WebhookTargetPolicy;
}

export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface CoordinatorConfig {
  readonly listen: string;
  readonly httpListen: string;
  readonly dataDir: string;
  /** The embedded SQLite file, or a PostgreSQL database (DESIGN.md §6). */
  readonly store: StoreConfig;
  readonly tokensFile: string;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly heartbeatIntervalMs: number;
  readonly botPingToleranceMs: number;
  readonly botDeathTimeoutMs: number;
  /** Absolute paths of the PEM files; undefined = plaintext. Read when the coordinator starts. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Graph distributors by name (the built-in `drover` included). */
  readonly distributors: ReadonlyMap<string, DistributorConfig>;
  readonly webhooks: WebhookConfig;
  /** Absolute path of the key tasks' secret bytes are sealed with (secrets/secret-key.ts). */
  readonly secretKeyFile: string;
  /** Task output files: the per-task limit and the content-addressed store's root (--cas-dir). */
  readonly outputs: { readonly maxBytes: number; readonly dir: string };
  /** The CAS (service Cas, cas/): blob GC retention (0 = off) and the largest blob. */
  readonly cas: { readonly retentionMs: number; readonly maxBlobBytes: number };
  /** Bytes of a task's output stored at most (the bot's own cap is not trusted). */
  readonly maxTaskOutputBytes: number;
  /** Where the bot code served to self-updating bots comes from (bot-code/). */
  readonly botCode: BotCodeConfig;
  /** Absolute path of the bot executable /bot/install.sh installs; undefined: none served. */
  readonly botExecutable: string | undefined;
  /** How long final tasks are kept, by default and per pool (retention/). */
  readonly retention: RetentionConfig;
  /** How long audit log entries are kept (audit/audit-pruner.ts); 0 = forever. */
  readonly auditRetentionMs: number;
  /** OIDC issuers whose JWTs are accepted (auth/oidc.ts); empty = none. */
  readonly oidc: readonly OidcIssuerConfig[];
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
  const logFormat = opts.logFormat ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError(`log-format: must be one of ${LOG_FORMATS.join(', ')}, got ${logFormat}`);
  }
  const listen = opts.listen ?? '127.0.0.1:7070';
  const httpListen = opts.httpListen ?? '127.0.0.1:7071';
  checkAddress('listen', listen);
  checkAddress('http-listen', httpListen);
  if ((opts.tlsCertFile === undefined) !== (opts.tlsKeyFile === undefined)) {
    throw new ConfigError(
      opts.tlsCertFile === undefined
        ? 'tls-cert: required with tls-key (give both or neither)'
        : 'tls-key: required with tls-cert (give both or neither)',
    );
  }
  const botPingToleranceMs =
    seconds('bot-ping-tolerance', opts.botPingToleranceSecs ?? 60, 1) * 1000;
  return Object.freeze({
    listen,
    httpListen,
    dataDir,
    store: compileStore(opts.store, opts.storeSchema, dataDir),
    tokensFile: resolve(opts.tokensFile ?? join(dataDir, 'tokens.json')),
    logLevel,
    logFormat: logFormat as LogFormat,
    // Bots heartbeat at least three times per tolerance, so one late beat never costs a task.
    heartbeatIntervalMs: Math.min(
      seconds('heartbeat-interval', opts.heartbeatIntervalSecs ?? 10, 1) * 1000,
      Math.floor(botPingToleranceMs / 3),
    ),
    botPingToleranceMs,
    botDeathTimeoutMs: seconds('bot-death-timeout', opts.botDeathTimeoutSecs ?? 600, 1) * 1000,
    tls:
      opts.tlsCertFile === undefined || opts.tlsKeyFile === undefined
        ? undefined
        : Object.freeze({ certFile: resolve(opts.tlsCertFile), keyFile: resolve(opts.tlsKeyFile) }),
    distributors: compileDistributors(opts.distributors),
    webhooks: compileWebhooks(opts, dataDir),
    secretKeyFile: resolve(opts.secretKeyFile ?? join(dataDir, 'secret.key')),
    outputs: compileOutputs(opts, dataDir),
    cas: compileCas(opts),
    maxTaskOutputBytes: compileMaxTaskOutput(opts.maxTaskOutputBytes),
    botCode: compileBotCodeConfig(opts.botUpdate, opts.botCode, dataDir),
    botExecutable:
      opts.botExecutable === undefined ? defaultBotExecutable() : resolve(opts.botExecutable),
    retention: compileRetention(opts.taskRetention, opts.taskRetentionPools),
    auditRetentionMs: durationMs(
      'audit-retention',
      opts.auditRetention,
      DEFAULT_AUDIT_RETENTION_MS,
    ),
    oidc: compileOidcConfig(opts.oidc, opts.oidcBaseDir),
  });
}

function compileOutputs(opts: CoordinatorOptions, dataDir: string): CoordinatorConfig['outputs'] {
  const maxBytes = opts.maxOutputFilesBytes ?? 1024 ** 3;
  // 0 would read as "no limit given" on the bot's side (Welcome): at least one byte.
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new ConfigError(
      `max-output-files-bytes: must be a whole number of bytes ≥ 1, got ${maxBytes}`,
    );
  }
  if (
    opts.casDir !== undefined &&
    opts.outputsDir !== undefined &&
    resolve(opts.casDir) !== resolve(opts.outputsDir)
  ) {
    throw new ConfigError('outputs-dir: the old name of cas-dir; give one of them, not both');
  }
  const dir = opts.casDir ?? opts.outputsDir ?? join(dataDir, 'outputs');
  return Object.freeze({ maxBytes, dir: resolve(dir) });
}

function compileCas(opts: CoordinatorOptions): CoordinatorConfig['cas'] {
  const maxBlobBytes = opts.casMaxBlobBytes ?? DEFAULT_CAS_MAX_BLOB_BYTES;
  if (!Number.isSafeInteger(maxBlobBytes) || maxBlobBytes < 1) {
    throw new ConfigError(
      `cas-max-blob-bytes: must be a whole number of bytes ≥ 1, got ${maxBlobBytes}`,
    );
  }
  return Object.freeze({
    retentionMs: durationMs('cas-retention', opts.casRetention, DEFAULT_CAS_RETENTION_MS),
    maxBlobBytes,
  });
}

function compileMaxTaskOutput(value: number | undefined): number {
  const maxBytes = value ?? DEFAULT_MAX_TASK_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new ConfigError(`max-task-output: must be a whole number of bytes ≥ 1, got ${maxBytes}`);
  }
  return maxBytes;
}

function compileWebhooks(opts: CoordinatorOptions, dataDir: string): WebhookConfig {
  const maxAttempts = opts.webhookAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new ConfigError(
      `webhook-attempts: must be a whole number from 1 to 100, got ${maxAttempts}`,
    );
  }
  const backoffMs = seconds('webhook-backoff', opts.webhookBackoffSecs ?? 1, 0.001) * 1000;
  const backoffMaxMs =
    seconds('webhook-backoff-max', opts.webhookBackoffMaxSecs ?? 60, 0.001) * 1000;
  if (backoffMaxMs < backoffMs) {
    throw new ConfigError('webhook-backoff-max: must not be less than webhook-backoff');
  }
  return Object.freeze({
    secretFile: resolve(opts.webhookSecretFile ?? join(dataDir, 'webhook.secret')),
    maxAttempts,
    backoffMs,
    backoffMaxMs,
    timeoutMs: seconds('webhook-timeout', opts.webhookTimeoutSecs ?? 10, 0.001) * 1000,
    targets: compileWebhookTargets(opts.webhookAllow, opts.webhookAllowAddresses),
  });
}

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** `store`: a postgres:// URL, or the path of the SQLite file (default <data-dir>/drover.sqlite). */
function compileStore(
  store: string | undefined,
  schema: string | undefined,
  dataDir: string,
): StoreConfig {
  if (store !== undefined && POSTGRES_URL.test(store)) {
    const s = schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) {
      throw new ConfigError(
        `store-schema: must be a lower-case identifier (letters, digits, _), got ${JSON.stringify(s)}`,
      );
    }
    try {
      new URL(store);
    } catch {
      throw new ConfigError(`store: not a valid URL: ${JSON.stringify(store)}`);
    }
    return Object.freeze({ kind: 'postgres', url: store, schema: s });
  }
  if (schema !== undefined) {
    throw new ConfigError('store-schema: only for a PostgreSQL store (store: postgres://…)');
  }
  if (store !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(store)) {
    throw new ConfigError(
      `store: must be a postgres:// URL or a SQLite file path, got ${JSON.stringify(store)}`,
    );
  }
  return Object.freeze({
    kind: 'sqlite',
    path: store === undefined || store === '' ? join(dataDir, 'drover.sqlite') : resolve(store),
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

export const COORDINATOR_USAGE = `Usage: drover-coordinator [options]

Settings come from the config file, then DROVER_* environment variables, then flags (flags
win). The file's keys are the flag names; see apps/coordinator/drover.example.yaml.

  --config FILE                 YAML or JSON settings file (DROVER_CONFIG)
  --listen HOST:PORT            gRPC address (DROVER_LISTEN) [127.0.0.1:7070]
  --http-listen HOST:PORT       HTTP address: /healthz, /metrics (DROVER_HTTP_LISTEN) [127.0.0.1:7071]
  --data-dir DIR                store, tokens (DROVER_DATA_DIR) [./.drover]
  --store URL|FILE              postgres://user@host:5432/db, or the SQLite file (DROVER_STORE)
                                [<data-dir>/drover.sqlite]
  --store-schema NAME           PostgreSQL schema holding the tables (DROVER_STORE_SCHEMA) [public]
  --tokens-file FILE            token hashes (DROVER_TOKENS_FILE) [<data-dir>/tokens.json]
  --log-level LEVEL             trace|debug|info|warn|error|fatal|silent (DROVER_LOG_LEVEL) [info]
  --log-format FORMAT           json|pretty|auto; auto = pretty on a terminal (DROVER_LOG_FORMAT) [auto]
  --heartbeat-interval SECS     bot heartbeat interval (DROVER_HEARTBEAT_INTERVAL) [10]
  --bot-ping-tolerance SECS     silence before a bot's task is BOT_DIED (DROVER_BOT_PING_TOLERANCE) [60]
  --bot-death-timeout SECS      silence before a bot is dead (DROVER_BOT_DEATH_TIMEOUT) [600]
  --tls-cert FILE               PEM certificate: serve over TLS, with --tls-key (DROVER_TLS_CERT)
  --tls-key FILE                PEM private key of --tls-cert (DROVER_TLS_KEY)
  --max-output-files-bytes N    bytes of DROVER_OUTDIR files kept per task; over it, none
                                (DROVER_MAX_OUTPUT_FILES_BYTES) [1073741824]
  --max-task-output N           bytes of a task's output stored; past it a marker line, the task
                                goes on (DROVER_MAX_TASK_OUTPUT) [104857600]
  --cas-dir DIR                 the CAS: task inputs and output files by content; one shared dir for
                                all replicas (DROVER_CAS_DIR) [<data-dir>/outputs]
  --outputs-dir DIR             the old name of --cas-dir (DROVER_OUTPUTS_DIR)
  --cas-retention DURATION      unreferenced blobs are deleted this long after their last upload or
                                lookup: 7d, 12h, 30m, 45s; 0 = never (DROVER_CAS_RETENTION) [7d]
  --cas-max-blob-bytes N        the largest blob Cas.Upload accepts (DROVER_CAS_MAX_BLOB_BYTES)
                                [4294967296]
  --bot-update on|off           serve bot code; ask bots run by the launcher that run other code to
                                update (DROVER_BOT_UPDATE) [on]
  --bot-code PATH               prebuilt bot code: a build dir or its bot-code.pack (DROVER_BOT_CODE)
                                [built from this checkout when a bot first needs it]
  --bot-executable FILE         the drover-bot executable /bot/install.sh installs (DROVER_BOT_EXECUTABLE)
                                [a release's bot/drover-bot-linux-x64; none from sources]
  --webhook-secret-file FILE    secret of the webhooks' X-Drover-Signature (DROVER_WEBHOOK_SECRET_FILE)
                                [<data-dir>/webhook.secret, created when missing]
  --secret-key-file FILE        32-byte key sealing tasks' secret bytes; replicas share one
                                (DROVER_SECRET_KEY_FILE) [<data-dir>/secret.key, created 0600]
  --webhook-attempts N          attempts per task notification (DROVER_WEBHOOK_ATTEMPTS) [10]
  --webhook-backoff SECS        first retry delay, doubling (DROVER_WEBHOOK_BACKOFF) [1]
  --webhook-backoff-max SECS    longest retry delay (DROVER_WEBHOOK_BACKOFF_MAX) [60]
  --webhook-timeout SECS        time one attempt may take (DROVER_WEBHOOK_TIMEOUT) [10]
  --webhook-allow GLOBS         receiver URLs tasks may notify, comma-separated; * = anything
                                (DROVER_WEBHOOK_ALLOW) [none: notify refused]
  --webhook-allow-addresses IPS non-public addresses/subnets webhooks may reach, comma-separated
                                (DROVER_WEBHOOK_ALLOW_ADDRESSES) [none]
  --task-retention DURATION     final tasks are deleted this long after they ended: 90d, 12h, 30m;
                                0 = keep forever; per pool: task-retention-pools in the config
                                file (DROVER_TASK_RETENTION) [90d]
  --audit-retention DURATION    audit log entries are deleted this long after they were recorded:
                                90d, 12h, 30m; 0 = keep forever (DROVER_AUDIT_RETENTION) [90d]
  -V, --version                 print the version and the git commit
  -h, --help                    show this help
`;

/**
 * What the command line asks for: `help: true` is a flag that only prints something and exits 0
 * (`print`: the usage for --help, the version line for --version); otherwise the options to run.
 */
export type ParsedCoordinatorArgs =
  | { readonly help: true; readonly print: 'usage' | 'version' }
  | { readonly help: false; readonly options: CoordinatorOptions };

/**
 * Parses argv, env and the config file they name into options. Throws ConfigError naming the bad
 * flag, variable, or file key.
 */
export function parseCoordinatorArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCoordinatorArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, { type: 'string' as const }])),
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help'] === true) return { help: true, print: 'usage' };
  if (values['version'] === true) return { help: true, print: 'version' };

  const configFlag = values['config'];
  const configEnv = env['DROVER_CONFIG'];
  const fromFile: RawSettings =
    typeof configFlag === 'string'
      ? readConfigFile(configFlag, '--config')
      : configEnv !== undefined && configEnv !== ''
        ? readConfigFile(configEnv, 'DROVER_CONFIG')
        : {};

  const raw = (
    name: SettingName,
  ): { value: string | number | readonly string[]; from: string } | undefined => {
    const v = values[name];
    if (typeof v === 'string') return { value: v, from: `--${name}` };
    const e = env[SETTINGS[name].env];
    if (e !== undefined && e !== '') return { value: e, from: SETTINGS[name].env };
    const f = fromFile[name];
    return f === undefined ? undefined : { value: f, from: name };
  };
  const str = (name: SettingName): string | undefined => {
    const r = raw(name);
    return r === undefined ? undefined : String(r.value);
  };
  const num = (name: SettingName): number | undefined => {
    const r = raw(name);
    if (r === undefined) return undefined;
    const n =
      typeof r.value === 'number'
        ? r.value
        : typeof r.value !== 'string' || r.value.trim() === ''
          ? NaN
          : Number(r.value);
    if (!Number.isFinite(n))
      throw new ConfigError(`${r.from}: must be a number, got ${JSON.stringify(r.value)}`);
    return n;
  };
  const list = (name: SettingName): readonly string[] | undefined => {
    const r = raw(name);
    if (r === undefined) return undefined;
    if (typeof r.value !== 'string')
      return typeof r.value === 'number' ? [String(r.value)] : r.value;
    return r.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  };
  const options: CoordinatorOptions = {};
  const set = <K extends keyof CoordinatorOptions>(k: K, v: CoordinatorOptions[K] | undefined) => {
    if (v !== undefined) options[k] = v;
  };
  set('listen', str('listen'));
  set('httpListen', str('http-listen'));
  set('dataDir', str('data-dir'));
  set('store', str('store'));
  set('storeSchema', str('store-schema'));
  set('tokensFile', str('tokens-file'));
  set('logLevel', str('log-level'));
  set('logFormat', str('log-format'));
  set('heartbeatIntervalSecs', num('heartbeat-interval'));
  set('botPingToleranceSecs', num('bot-ping-tolerance'));
  set('botDeathTimeoutSecs', num('bot-death-timeout'));
  set('tlsCertFile', str('tls-cert'));
  set('tlsKeyFile', str('tls-key'));
  set('maxOutputFilesBytes', num('max-output-files-bytes'));
  set('outputsDir', str('outputs-dir'));
  set('casDir', str('cas-dir'));
  const casRetention = raw('cas-retention');
  if (casRetention !== undefined) {
    options.casRetention =
      typeof casRetention.value === 'number' ? casRetention.value : String(casRetention.value);
  }
  set('casMaxBlobBytes', num('cas-max-blob-bytes'));
  set('maxTaskOutputBytes', num('max-task-output'));
  set('botUpdate', str('bot-update'));
  set('botCode', str('bot-code'));
  set('botExecutable', str('bot-executable'));
  set('webhookSecretFile', str('webhook-secret-file'));
  set('secretKeyFile', str('secret-key-file'));
  set('webhookAttempts', num('webhook-attempts'));
  set('webhookBackoffSecs', num('webhook-backoff'));
  set('webhookBackoffMaxSecs', num('webhook-backoff-max'));
  set('webhookTimeoutSecs', num('webhook-timeout'));
  set('webhookAllow', list('webhook-allow'));
  set('webhookAllowAddresses', list('webhook-allow-addresses'));
  const retention = raw('task-retention');
  if (retention !== undefined) {
    options.taskRetention =
      typeof retention.value === 'number' ? retention.value : String(retention.value);
  }
  if (fromFile['task-retention-pools'] !== undefined) {
    options.taskRetentionPools = fromFile['task-retention-pools'];
  }
  const auditRetention = raw('audit-retention');
  if (auditRetention !== undefined) {
    options.auditRetention =
      typeof auditRetention.value === 'number'
        ? auditRetention.value
        : String(auditRetention.value);
  }
  if (fromFile.distributors !== undefined) options.distributors = fromFile.distributors;
  if (fromFile['auth-oidc'] !== undefined) {
    options.oidc = fromFile['auth-oidc'];
    if (fromFile['auth-dir'] !== undefined) options.oidcBaseDir = fromFile['auth-dir'];
  }
  return { help: false, options };
}
