import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { CacheManager } from './caches';
import { CasCache } from './cas-cache';
import { freeDiskBytes } from './health';
import type { FreeDiskProbe, SessionOptions } from './session-types';
import {
  DEFAULT_COALESCE,
  DEFAULT_MAX_UNACKED_OUTPUT_BYTES,
  type CoalescePolicy,
} from './task-slot';

/**
 * SessionOptions with every default the session relies on resolved, once, at construction: the
 * session reads these and never `opts.x ?? default`. Still a SessionOptions, so what is handed on
 * (task-launch.ts) reads the same values. The runner's own options (maxOutputBytes, containment,
 * taskUser, taskOverrides) stay as given: the runner resolves them. `heartbeatIntervalMs` stays
 * optional: absent means Welcome's interval.
 */
export interface SessionConfig extends SessionOptions {
  /** `server` split at commas: at least one address. */
  readonly servers: readonly string[];
  readonly credentials: grpc.ChannelCredentials;
  readonly once: boolean;
  readonly welcomeTimeoutMs: number;
  readonly ackWaitMs: number;
  readonly maxUnackedOutputBytes: number;
  readonly minFreeDiskBytes: number;
  readonly freeDiskProbe: FreeDiskProbe;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly coalesce: CoalescePolicy;
  readonly caches: CacheManager;
  readonly casCache: CasCache;
  readonly selfUpdate: boolean;
  readonly channelOptions: grpc.ChannelOptions;
}

/** A stream without Welcome this long is dropped. */
export const DEFAULT_WELCOME_TIMEOUT_MS = 30_000;
/** While stopping, how long the last results may wait for their Ack. */
export const DEFAULT_ACK_WAIT_MS = 10_000;

/**
 * The frozen, fully resolved config. Makes the named caches' CacheManager on `<botDir>/caches`
 * (which creates that dir) unless one is given. Throws for a `server` naming no address.
 */
export function compileSessionOptions(opts: SessionOptions): SessionConfig {
  return Object.freeze({
    ...opts,
    servers: serverList(opts.server),
    credentials: opts.credentials ?? grpc.credentials.createInsecure(),
    once: opts.once ?? false,
    welcomeTimeoutMs: opts.welcomeTimeoutMs ?? DEFAULT_WELCOME_TIMEOUT_MS,
    ackWaitMs: opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS,
    maxUnackedOutputBytes: opts.maxUnackedOutputBytes ?? DEFAULT_MAX_UNACKED_OUTPUT_BYTES,
    minFreeDiskBytes: opts.minFreeDiskBytes ?? 0,
    freeDiskProbe: opts.freeDiskProbe ?? freeDiskBytes,
    backoff: opts.backoff ?? DEFAULT_BACKOFF,
    random: opts.random ?? Math.random,
    coalesce: opts.coalesce ?? DEFAULT_COALESCE,
    caches:
      opts.caches ??
      new CacheManager({
        root: path.join(opts.botDir, 'caches'),
        maxBytes: opts.cacheMaxBytes,
        ...(opts.taskUser === undefined ? {} : { owner: opts.taskUser }),
      }),
    casCache:
      opts.casCache ??
      new CasCache({
        root: path.join(opts.botDir, 'cas'),
        ...(opts.casCacheMaxBytes === undefined ? {} : { maxBytes: opts.casCacheMaxBytes }),
        log: opts.log,
      }),
    selfUpdate: opts.selfUpdate ?? false,
    channelOptions: opts.channelOptions ?? {},
  });
}

/** `host:port` or comma-separated ones → the addresses (at least one). */
function serverList(server: string): readonly string[] {
  const list = server
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new Error('BotSession: no server given');
  return Object.freeze(list);
}
