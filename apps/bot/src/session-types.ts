import type { UpdateOut } from '@drover/protocol';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff';
import type { CacheManager } from './caches';
import type { CasCache } from './cas-cache';
import type { Dimensions } from './config';
import type { RunContainment, RunTaskOptions } from './runner';
import type { TaskUser } from './task-user';
import type { CoalescePolicy } from './task-slot';

/** Free bytes on the file system holding `dir`; undefined if unknown. */
export type FreeDiskProbe = (dir: string) => Promise<number | undefined>;

/** The session's options, lifecycle states and outcomes (session.ts is the behaviour). */

export type StopReason = 'signal' | 'terminate' | 'once' | 'close' | 'update';

/** What Hello and heartbeats say while the bot is stopping (BotHealth.quarantined_reason). */
export const STOP_REASON_TEXT = {
  signal: 'bot is stopping (signal)',
  terminate: 'bot is stopping (terminate)',
  once: '--once: one task only',
  close: 'bot is stopping (close)',
  update: 'bot is restarting into new bot code',
} as const satisfies Record<StopReason, string>;

export type SessionEnd =
  | { readonly kind: 'stopped'; readonly reason: StopReason }
  | { readonly kind: 'fatal'; readonly code: grpc.status; readonly details: string };

export type SessionState =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'connected'; readonly sessionId: string }
  | { readonly kind: 'backoff'; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'stopping'; readonly reason: StopReason }
  | { readonly kind: 'stopped'; readonly end: SessionEnd };

export interface WelcomeInfo {
  readonly sessionId: string;
  readonly heartbeatIntervalMs: number;
  readonly dimensions: Dimensions;
  readonly forcedDimensions: Dimensions;
}

/** Status codes that no retry can fix: the bot stops (main exits 3). */
export const FATAL_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.INVALID_ARGUMENT,
]);

export interface SessionOptions {
  /**
   * The coordinator: `host:port`, or several joined with commas. The session connects to the
   * first and, when a connection fails or its stream ends, to the next (round robin); see
   * BotSession for how that mixes with the backoff. Tasks see it as DROVER_SERVER.
   */
  readonly server: string;
  /** The channels' credentials (TLS), the same for every server. @default insecure (plain text) */
  readonly credentials?: grpc.ChannelCredentials;
  readonly token: string;
  readonly botId: string;
  readonly dimensions: Dimensions;
  readonly botDir: string;
  readonly version: string;
  /** How tasks are kept together (runner.ts). @default { kind: 'pgroup' } */
  readonly containment?: RunContainment;
  /** Run payloads as this user. @default the bot's own */
  readonly taskUser?: TaskUser;
  /** The environment tasks inherit. */
  readonly taskBaseEnv: Readonly<Record<string, string | undefined>>;
  /**
   * The `drover` executable every task gets as DROVER_CLI, its dir first on PATH (task-cli.ts).
   * @default none
   */
  readonly droverCli?: string;
  readonly log: Logger;
  /** Stop taking tasks once the first is assigned; exit after its result is acknowledged. @default false */
  readonly once?: boolean;
  /** Overrides Welcome's heartbeat interval (tests). */
  readonly heartbeatIntervalMs?: number;
  /** A stream without Welcome this long is dropped. @default 30_000 */
  readonly welcomeTimeoutMs?: number;
  /** While stopping, how long to wait for the last results to be acknowledged. @default 10_000 */
  readonly ackWaitMs?: number;
  /** Output kept per task (the rest dropped, a line says how much). @default 100 MiB */
  readonly maxOutputBytes?: number;
  /**
   * A task's output waiting for the coordinator's Ack beyond this pauses the payload's output
   * (backpressure) until Acks bring it below half. @default 8 MiB
   */
  readonly maxUnackedOutputBytes?: number;
  /**
   * Below this much free disk in the bot dir, Hello and heartbeats carry a quarantined_reason
   * (`low disk: …`) until it recovers; 0: off. @default 0 (drover-bot's --min-free-disk: 1 GiB)
   */
  readonly minFreeDiskBytes?: number;
  /** Measures the free disk (Hello, each heartbeat). @default statfs of the bot dir */
  readonly freeDiskProbe?: FreeDiskProbe;
  /** @default DEFAULT_BACKOFF (250 ms doubling to 60 s; to 5 s while a task is held) */
  readonly backoff?: BackoffPolicy;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default DEFAULT_COALESCE (64 KiB or 50 ms) */
  readonly coalesce?: CoalescePolicy;
  /** Millisecond overrides of the manifests' timeouts (tests). */
  readonly taskOverrides?: Pick<RunTaskOptions, 'graceMs' | 'executionTimeoutMs' | 'ioTimeoutMs'>;
  readonly onWelcome?: (welcome: WelcomeInfo) => void;
  /**
   * The named caches, kept under `<botDir>/caches`. @default a CacheManager made on
   * `<botDir>/caches` with `cacheMaxBytes`
   */
  readonly caches?: CacheManager;
  /** The named caches' size limit (LRU eviction after a task). @default 10 GiB */
  readonly cacheMaxBytes?: number;
  /**
   * The input blobs' cache (cas_input_root), `<botDir>/cas`. @default a CasCache made on
   * `<botDir>/cas` with `casCacheMaxBytes`
   */
  readonly casCache?: CasCache;
  /** The input cache's size limit (LRU, never a blob a running task uses). @default 20 GiB */
  readonly casCacheMaxBytes?: number;
  /** Waits before each retry of a failed input download (tests). @default [250, 1000, 4000] */
  readonly inputRetryDelaysMs?: readonly number[];
  // --- bot self-update (update/updater.ts) ---
  /** Hello says the bot can replace its own code (it runs under the launcher). @default false */
  readonly selfUpdate?: boolean;
  /** The coordinator sent Update. */
  readonly onUpdate?: (update: UpdateOut) => void;
  /** The bot no longer holds any task (the last result was acknowledged). */
  readonly onIdle?: () => void;
  readonly channelOptions?: grpc.ChannelOptions;
}
