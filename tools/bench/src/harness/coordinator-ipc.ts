/** The messages between a benchmark and the coordinator it runs in a child process. */

/** Coordinator options a scenario may set (argv[3] of the child, as JSON). */
export interface CoordinatorSettings {
  readonly heartbeatIntervalSecs?: number;
  readonly botPingToleranceSecs?: number;
  /** A `postgres://` URL: the replicas of a run share it (default: SQLite in the data dir). */
  readonly store?: string;
  /** The PostgreSQL schema (with `store`). */
  readonly storeSchema?: string;
  /** Another replica's tokens file, so that one pair of tokens works on every replica. */
  readonly tokensFile?: string;
  /**
   * Not a setting: startCoordinator's `inputAffinity` (cache-aware dispatch; default on), off to
   * measure what it saves (the `inputs` scenario).
   */
  readonly inputAffinity?: boolean;
}

/** Memory and CPU of the coordinator process, and what its engine holds. */
export interface CoordinatorStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly pendingCount: number;
}

export type ToCoordinator =
  { readonly type: 'stats'; readonly gc: boolean } | { readonly type: 'stop' };

export type FromCoordinator =
  | {
      readonly type: 'ready';
      readonly grpcAddress: string;
      /** startCoordinator() from call to resolve: store open, engine.start(), servers bound. */
      readonly startMs: number;
      readonly stats: CoordinatorStats;
    }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'stats'; readonly stats: CoordinatorStats }
  | { readonly type: 'stopped' };
