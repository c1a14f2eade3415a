import * as grpc from '@grpc/grpc-js';
import { MAX_REQUEST_BYTES, SERVER_OPTIONS, loadDroverProto } from '@drover/protocol';
import { openPgStore, openSqliteStore, type Store } from '@drover/state';
import { writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log';
import { AuditPruner } from './audit/audit-pruner';
import { auditHandlers } from './audit/audit-service';
import { OidcVerifier } from './auth/oidc';
import { can } from './auth/principal';
import { TokenAuthority, loadOrCreateTokens } from './auth/tokens';
import { accessHandlers } from './access/access-service';
import { LiveAccess } from './access/live-access';
import { TokenSessions } from './access/token-sessions';
import { BotApiService } from './botapi/bot-api-service';
import { BotCodeSource } from './bot-code/bot-code-source';
import { BlobGc } from './cas/blob-gc';
import { CasInputs } from './cas/cas-inputs';
import { casMetrics } from './cas/cas-metrics';
import { casHandlers } from './cas/cas-service';
import { getOutputHandler } from './outputs/get-output';
import { OutputStore } from './outputs/output-store';
import { openBotExecutable } from './bot-install/bot-executable';
import { botInstallRoutes } from './bot-install/bot-install-routes';
import { Dashboard } from './dashboard/dashboard';
import { loginIssuersOf } from './dashboard/oidc-login';
import { FleetSampler } from './dashboard/fleet-history';
import { BotRegistry } from './botapi/bot-registry';
import type { CoordinatorConfig } from './config';
import { connectBridge, type ConnectBridge } from './connect/connect-bridge';
import { CONNECT_SERVICES } from './connect/connect-services';
import { assembleTaskCore } from './engine/assemble';
import type { Dispatcher } from './engine/dispatcher';
import type { TaskEngine } from './engine/task-engine';
import {
  joinHostPort,
  splitHostPort,
  startHttpServer,
  type MetricsAccess,
} from './http/http-server';
import { CoordinatorMetrics } from './metrics/coordinator-metrics';
import { ChangeFollower } from './replicas/follow-changes';
import { BotEventRecorder } from './fleet/bot-event-recorder';
import { graphHandlers } from './graph/graph-handlers';
import { GraphService } from './graph/graph-service';
import { botsHandlers } from './rpc/bots-service';
import { unimplementedService } from './rpc/grpc-edge';
import { GrpcHealth } from './rpc/grpc-health';
import { addReflection, reflectionAuthInterceptor } from './rpc/grpc-reflection';
import { jwtAuthInterceptor } from './rpc/jwt-auth-interceptor';
import { callMetricsInterceptor } from './rpc/instrument';
import { guardedService, requestGuardInterceptor } from './rpc/request-guard';
import { loadTlsMaterial, serverCredentials } from './rpc/server-credentials';
import { taskQueryHandlers } from './rpc/tasks-queries';
import { tasksHandlers } from './rpc/tasks-service';
import { TransitionListeners } from './transition-listeners';
import { STORE_FAILURE_STATUS } from './store-health/store-failure';
import { StoreHealth, watchStore } from './store-health/store-health';
import {
  coordinatorPrivateFiles,
  ensurePrivateDir,
  warnWiderModes,
  widerFiles,
} from './data-dir/private-modes';
import { connectionCaps, type ConnectionCaps } from './connections/connection-caps';
import { LoopStalls } from './stalls/loop-stalls';
import { RetentionMetrics } from './retention/retention-metrics';
import { TaskPurger } from './retention/task-purger';
import { loadOrCreateSecretKey } from './secrets/secret-key';
import { TaskSecrets } from './secrets/task-secrets';

export type CoordinatorLifecycle = 'starting' | 'serving' | 'stopping' | 'stopped';

export interface RunningCoordinator {
  /** The bound gRPC address (host:port), with the real port when 0 was asked. */
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly engine: TaskEngine;
  /** Bot availability and the dispatch queue (engine/dispatcher.ts). */
  readonly dispatcher: Dispatcher;
  readonly registry: BotRegistry;
  readonly store: Store;
  /** The workflow graph (service Graph). */
  readonly graph: GraphService;
  /** The Prometheus series served on /metrics. */
  readonly metrics: CoordinatorMetrics;
  /** The bot code served to self-updating bots (bot-code/); `use()` swaps it. */
  readonly botCode: BotCodeSource;
  /** Child cancellation, task webhooks, WatchTasks (transition-listeners.ts). */
  readonly listeners: TransitionListeners;
  /** Deletes final tasks past their retention (retention/); `runRound()` for tests. */
  readonly purger: TaskPurger;
  /** Deletes audit entries past --audit-retention (audit/); `runRound()` for tests. */
  readonly auditPruner: AuditPruner;
  /** Who a token is: the tokens file and the store's live tokens (its `changed` event). */
  readonly tokens: TokenAuthority;
  /** Stops serving and closes the store; idempotent; every step runs even if one fails. */
  close(): Promise<void>;
}

/** The composition root: config → store → services → gRPC and HTTP servers. */
export async function startCoordinator(
  config: CoordinatorConfig,
  deps: {
    log: Logger;
    clock?: () => number;
    /** Caps on connections not yet authenticated (embedders, tests). @default CONNECTION_CAPS */
    connectionCaps?: Partial<ConnectionCaps>;
    /**
     * Cache-aware dispatch (docs/cas.md): off only to measure what it saves (tools/bench's
     * `inputs`). @default true
     */
    inputAffinity?: boolean;
    /** How often the dashboard's fleet history is sampled (tests: shorter). @default 10_000 */
    fleetSampleMs?: number;
  },
): Promise<RunningCoordinator> {
  const log = deps.log;
  const clock = deps.clock ?? Date.now;
  const caps = connectionCaps(deps.connectionCaps);
  // Time this process does not run is not a bot's silence.
  const stalls = new LoopStalls({
    clock,
    // Not counted as any bot's silence; a second or more is worth a warning.
    onStall: ({ fromMs, toMs }) => {
      const stalledMs = toMs - fromMs;
      if (stalledMs >= 1000) log.warn({ stalledMs }, 'event loop stalled');
      else log.debug({ stalledMs }, 'event loop stalled');
    },
  });
  stalls.start();
  let lifecycle: CoordinatorLifecycle = 'starting';
  const health = new GrpcHealth();
  const setLifecycle = (next: CoordinatorLifecycle) => {
    lifecycle = next;
    health.setServing(next === 'serving');
    log.info({ lifecycle }, 'coordinator lifecycle');
  };

  const tls = loadTlsMaterial(config.tls);

  // The data dir 0700, its secrets and database 0600 (data-dir/private-modes.ts).
  const widerDataDir = ensurePrivateDir(config.dataDir);
  const { file: tokensFile, created } = loadOrCreateTokens(config.tokensFile);
  if (created) log.info({ dir: config.dataDir }, 'created client.token and bot.token');
  const tokens = new TokenAuthority(tokensFile, { clock });
  // People of the configured OIDC issuers (auth.oidc): their JWTs verified against the issuers'
  // keys, fetched now in the background so that the first call does not wait for them.
  if (config.oidc.length > 0) {
    const oidcLog = log.child({ component: 'oidc' });
    const verifier = new OidcVerifier(config.oidc, {
      clock,
      onIssuerError: (issuer, err) => oidcLog.warn({ issuer, err }, 'OIDC issuer unreachable'),
    });
    tokens.setJwtVerifier(verifier);
    void verifier.warmUp();
  }
  // Before the store opens: a key others may read, or of the wrong size, refuses the start.
  const secretKey = loadOrCreateSecretKey(config.secretKeyFile);
  if (secretKey.created) {
    log.info({ file: config.secretKeyFile }, 'created the secret key (replicas must share it)');
  }
  // Bot self-update: a prebuilt pack is read (and checked) now; a build waits for a bot to need it.
  // Hashed now, in the background: what install.sh promises is what was there at start.
  const botExecutable =
    config.botExecutable === undefined ? undefined : openBotExecutable(config.botExecutable);
  const botCode = new BotCodeSource(config.botCode, log.child({ component: 'bot-code' }));

  const rawStore =
    config.store.kind === 'postgres'
      ? await openPgStore({
          url: config.store.url,
          schema: config.store.schema,
          onFeedError: (err) => log.warn({ err }, 'change feed connection lost; reconnecting'),
        })
      : openSqliteStore({ path: config.store.path });
  // Every store call's outcome says whether the store takes writes (/healthz, /metrics).
  const storeLog = log.child({ component: 'store' });
  const storeHealth = new StoreHealth(clock, {
    onChange: (next, err) => {
      if (next.kind === 'ok') storeLog.info({}, 'store takes writes again');
      else storeLog.error({ err, reason: next.reason }, 'store failing');
    },
  });
  const store = watchStore(rawStore, storeHealth);
  const secrets = new TaskSecrets(secretKey.key, store);
  // Whether other coordinators share the store (PostgreSQL, its change feed): decided here once.
  // Alone, a process caches what it wrote (running tasks, parents of children) and trusts no
  // "connected" bot row a previous run left; shared, bots may live on any replica.
  const replicated = store.changes !== undefined;
  const registry = new BotRegistry({
    shared: replicated,
    clock,
    botDeathTimeoutMs: config.botDeathTimeoutMs,
    botPingToleranceMs: config.botPingToleranceMs,
  });
  const { engine, dispatcher, timers } = assembleTaskCore({
    store,
    fleet: registry,
    clock,
    log: log.child({ component: 'engine' }),
    pingToleranceMs: config.botPingToleranceMs,
    stalls,
    cacheRunning: !replicated,
    secrets,
    inputAffinity: deps.inputAffinity ?? true,
  });
  const listeners = new TransitionListeners({
    engine,
    store,
    config,
    log,
    cacheParents: !replicated,
  });
  warnWiderModes(log, [
    ...(widerDataDir === undefined ? [] : [widerDataDir]),
    ...widerFiles(coordinatorPrivateFiles(config)),
  ]);
  const graph = new GraphService({
    store,
    engine,
    clock,
    log: log.child({ component: 'graph' }),
    distributors: config.distributors,
  });
  // Other replicas' changes are followed from before anything is read, so none falls between.
  const follower =
    store.changes === undefined
      ? undefined
      : new ChangeFollower({
          feed: store.changes,
          engine,
          dispatcher,
          timers,
          registry,
          store,
          log: log.child({ component: 'replicas' }),
        });
  await store.changes?.ready();
  await registry.load(store);
  // Tokens, principals and bot groups of the store (service Access), beside the tokens file:
  // read now, again on every replica's change; bot sessions of a token that stops working end.
  const liveAccess = new LiveAccess({
    store,
    feed: store.changes,
    tokens,
    log: log.child({ component: 'access' }),
  });
  await liveAccess.start();
  const tokenSessions = new TokenSessions(tokens, log.child({ component: 'access' }));
  // The CAS (--cas-dir): task inputs (service Cas) and output files (uploaded by bots, read with
  // Tasks.GetOutput), by content.
  const outputs = { store: new OutputStore(config.outputs.dir), maxBytes: config.outputs.maxBytes };
  if (replicated && config.outputs.dir.startsWith(config.dataDir)) {
    log.warn(
      { casDir: config.outputs.dir },
      "the CAS is kept in this replica's data dir: with several coordinators, give them all one shared --cas-dir",
    );
  }
  const casInputs = new CasInputs({ store, blobs: outputs.store, clock });
  const botApi = new BotApiService({
    shared: replicated,
    engine,
    dispatcher,
    registry,
    store,
    tokens,
    clock,
    log: log.child({ component: 'botapi' }),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    botPingToleranceMs: config.botPingToleranceMs,
    stalls,
    pendingHello: caps.botHello,
    outputs,
    botCode, // bot self-update
    maxTaskOutputBytes: config.maxTaskOutputBytes,
    tokenSessions,
  });
  const botEvents = new BotEventRecorder({
    store,
    registry,
    engine,
    clock,
    log: log.child({ component: 'bot-events' }),
    botDeathTimeoutMs: config.botDeathTimeoutMs,
  });

  const metrics = new CoordinatorMetrics({
    store,
    engine,
    dispatcher,
    registry,
    clock,
    botDeathTimeoutMs: config.botDeathTimeoutMs,
  });
  storeHealth.register(metrics.registry);
  const blobGc = new BlobGc({
    store,
    blobs: outputs.store,
    clock,
    log: log.child({ component: 'cas-gc' }),
    retentionMs: config.cas.retentionMs,
    metrics: casMetrics(metrics.registry),
  });
  // Retention: final tasks past task-retention deleted in small batches, one replica at a time.
  const retentionMetrics = new RetentionMetrics(metrics.registry, store);
  const purger = new TaskPurger({
    store,
    config: config.retention,
    clock,
    log: log.child({ component: 'retention' }),
    onPurged: (result) => {
      retentionMetrics.purged(result);
      metrics.tasksPurged(result.states);
    },
  });
  // The fleet over time for the dashboard, its samples kept in the store across restarts.
  const fleet = new FleetSampler({
    store,
    engine,
    pendingByPool: () => metrics.pendingByPool(),
    live: {
      isConnected: (id) => registry.isConnected(id),
      lastSeenOf: (id) => registry.lastSeenOf(id),
      quarantinedReasonOf: (id) => registry.quarantinedReasonOf(id),
      taskOf: (id) => dispatcher.taskOf(id),
    },
    clock,
    botDeathTimeoutMs: config.botDeathTimeoutMs,
    ...(deps.fleetSampleMs === undefined ? {} : { sampleMs: deps.fleetSampleMs }),
    onError: (err) => log.warn({ err }, 'fleet sample failed'),
  });
  // Who did what: admin actions and cancels, refused or not (audit/).
  const audit = new AuditLog(store, clock);
  // Entries past --audit-retention deleted in small batches (0: kept forever).
  const auditPruner = new AuditPruner({
    store,
    retentionMs: config.auditRetentionMs,
    clock,
    log: log.child({ component: 'audit' }),
  });
  const dashboard = new Dashboard({
    audit,
    fleet: fleet.history,
    outputs: outputs.store,
    engine,
    store,
    dispatcher,
    registry,
    tokens,
    log: log.child({ component: 'dashboard' }),
    clock,
    botDeathTimeoutMs: config.botDeathTimeoutMs,
    botEvents,
    metrics,
    pendingSockets: caps.dashboardSocket,
    distributors: config.distributors,
    oidcLogin: loginIssuersOf(config.oidc),
    tls: tls !== undefined,
  });
  const metricsAccess = async (authorization: string | undefined): Promise<MetricsAccess> => {
    await tokens.prepare(authorization);
    const principal = tokens.authenticate(authorization);
    if (principal === undefined) return 'unauthenticated';
    return can(principal, 'view', []) ? 'allowed' : 'forbidden';
  };

  const proto = loadDroverProto().drover.v1;
  const server = new grpc.Server({
    ...SERVER_OPTIONS,
    // The call counter first: it sees every status, including the ones later interceptors send.
    interceptors: [
      callMetricsInterceptor(metrics),
      // A JWT verified (or refused with its reason) before any handler reads the token; also
      // without an OIDC issuer, so that every service refuses a JWT saying that none is configured.
      jwtAuthInterceptor(tokens),
      reflectionAuthInterceptor(tokens),
      requestGuardInterceptor(log.child({ component: 'rpc' })),
    ],
  });
  health.addToServer(server);
  addReflection(server);
  server.addService(
    guardedService(proto.Tasks.service),
    unimplementedService(proto.Tasks.service, {
      ...tasksHandlers({
        engine,
        store,
        tokens,
        log: log.child({ component: 'tasks' }),
        children: listeners.children,
        webhookTargets: config.webhooks.targets,
        casInputs,
        secrets,
        audit,
      }),
      ...taskQueryHandlers({
        engine,
        store,
        tokens,
        audit,
        log: log.child({ component: 'tasks' }),
      }),
      ...listeners.handlers(tokens, log.child({ component: 'tasks' })),
      GetOutput: getOutputHandler({
        store,
        outputs: outputs.store,
        tokens,
        log: log.child({ component: 'outputs' }),
      }),
    }),
  );
  server.addService(
    guardedService(proto.Bots.service),
    unimplementedService(
      proto.Bots.service,
      botsHandlers({
        engine,
        store,
        dispatcher,
        registry,
        tokens,
        log: log.child({ component: 'bots' }),
        clock,
        botDeathTimeoutMs: config.botDeathTimeoutMs,
        botEvents,
        audit,
      }),
    ),
  );
  server.addService(
    guardedService(proto.Graph.service),
    unimplementedService(
      proto.Graph.service,
      graphHandlers({ graph, store, tokens, clock, log: log.child({ component: 'graph' }) }),
    ),
  );
  // Service Cas: gRPC only (Upload is a client stream; not in connect-services.ts).
  server.addService(
    guardedService(proto.Cas.service),
    unimplementedService(
      proto.Cas.service,
      casHandlers({
        store,
        blobs: outputs.store,
        tokens,
        clock,
        log: log.child({ component: 'cas' }),
        maxBlobBytes: config.cas.maxBlobBytes,
      }),
    ),
  );
  server.addService(
    guardedService(proto.Access.service),
    unimplementedService(proto.Access.service, {
      ...accessHandlers({
        store,
        tokens,
        live: liveAccess,
        audit,
        clock,
        log: log.child({ component: 'access' }),
      }),
      ...auditHandlers({ store, tokens, log: log.child({ component: 'audit' }) }),
    }),
  );
  server.addService(
    guardedService(proto.BotApi.service),
    unimplementedService(proto.BotApi.service, botApi.handlers()),
  );

  let http: HttpServer | undefined;
  let connect: ConnectBridge | undefined;
  let grpcAddress: string;
  let httpAddress: string;
  try {
    // Before the engine runs, so that the counts and the transitions meet exactly.
    await metrics.start();
    await engine.start(metrics.addPendingAtStart);
    fleet.start();
    await graph.start();
    await botApi.start();
    await botEvents.start();
    blobGc.start();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(config.listen, serverCredentials(tls), (err, p) =>
        err ? reject(new Error(`cannot listen on ${config.listen}: ${err.message}`)) : resolve(p),
      );
    });
    grpcAddress = joinHostPort(splitHostPort(config.listen).host, port);
    // Tasks, Bots and Graph over the Connect protocol too, on the HTTP port (BotApi: gRPC only).
    connect = connectBridge({
      services: CONNECT_SERVICES,
      grpcAddress,
      tls,
      maxRequestBytes: MAX_REQUEST_BYTES,
    });
    const bridge = connect;
    const httpLog = log.child({ component: 'http' });
    const started = await startHttpServer(config.httpListen, {
      healthy: () => lifecycle === 'serving' && storeHealth.condition.kind === 'ok',
      problem: () =>
        storeHealth.condition.kind === 'failing'
          ? STORE_FAILURE_STATUS[storeHealth.condition.reason].details
          : undefined,
      metricsAccess,
      metrics: () => metrics.scrape(),
      onError: (err, path) => httpLog.error({ err, path }, 'http request failed'),
      dashboard,
      routes: [
        (req, res, path) => bridge.handle(req, res, path),
        botInstallRoutes({
          executable: botExecutable,
          tokens,
          tls: tls !== undefined,
          grpcPort: () => port,
          onError: (err, path) => httpLog.error({ err, path }, 'http request failed'),
        }),
      ],
      ...(tls === undefined ? {} : { tls }),
    });
    http = started.server;
    httpAddress = started.address;
  } catch (err) {
    await blobGc.close();
    metrics.close();
    fleet.close();
    dashboard.close();
    follower?.close();
    tokenSessions.close();
    await liveAccess.close();
    await listeners.close();
    engine.close();
    graph.close();
    botApi.close();
    stalls.close();
    server.forceShutdown();
    connect?.close();
    http?.close();
    await store.close();
    throw err;
  }

  writeFileSync(
    join(config.dataDir, 'coordinator.json'),
    `${JSON.stringify(
      { grpc: grpcAddress, http: httpAddress, pid: process.pid, tls: tls !== undefined },
      null,
      2,
    )}\n`,
  );
  setLifecycle('serving');
  listeners.children.sweepOrphans();
  purger.start();
  auditPruner.start();
  log.info(
    { grpc: grpcAddress, http: httpAddress, dataDir: config.dataDir, tls: tls !== undefined },
    'coordinator ready',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      setLifecycle('stopping');
      const steps: Array<[string, () => unknown]> = [
        ['retention', () => purger.close()],
        ['audit retention', () => auditPruner.close()],
        ['blob gc', () => blobGc.close()],
        ['metrics', () => metrics.close()],
        ['fleet history', () => fleet.close()],
        ['dashboard', () => dashboard.close()],
        ['replicas', () => follower?.close()],
        ['access', () => liveAccess.close()],
        ['token sessions', () => tokenSessions.close()],
        ['transition listeners', () => listeners.close()],
        ['engine', () => engine.close()],
        ['graph', () => graph.close()],
        ['botapi', () => botApi.close()],
        ['loop stalls', () => stalls.close()],
        ['bot sessions', () => registry.closeAll('coordinator stopping')],
        ['bot events', () => botEvents.close()],
        [
          'grpc',
          () =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => server.forceShutdown(), 2000);
              server.tryShutdown(() => {
                clearTimeout(force);
                resolve();
              });
            }),
        ],
        ['connect', () => connect?.close()],
        [
          'http',
          () => new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve())),
        ],
        ['store', () => store.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          log.error({ err, step: name }, 'shutdown step failed');
        }
      }
      setLifecycle('stopped');
    })();
    return closing;
  };

  return {
    grpcAddress,
    httpAddress,
    engine,
    dispatcher,
    registry,
    store,
    graph,
    metrics,
    listeners,
    botCode,
    purger,
    auditPruner,
    tokens,
    close,
  };
}
