import * as grpc from '@grpc/grpc-js';
import { SERVER_OPTIONS, loadDroverProto } from '@drover/protocol';
import { openSqliteStore, type Store } from '@drover/state';
import { writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TokenAuthority, loadOrCreateTokens } from './auth/tokens';
import { BotApiService } from './botapi/bot-api-service';
import { BotRegistry } from './botapi/bot-registry';
import type { CoordinatorConfig } from './config';
import { TaskEngine } from './engine/task-engine';
import { joinHostPort, splitHostPort, startHttpServer } from './http/http-server';
import { botsHandlers } from './rpc/bots-service';
import { unimplementedService } from './rpc/grpc-edge';
import { taskQueryHandlers } from './rpc/tasks-queries';
import { tasksHandlers } from './rpc/tasks-service';

export type CoordinatorLifecycle = 'starting' | 'serving' | 'stopping' | 'stopped';

export interface RunningCoordinator {
  /** The bound gRPC address (host:port), with the real port when 0 was asked. */
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly engine: TaskEngine;
  readonly registry: BotRegistry;
  readonly store: Store;
  /** Stops serving and closes the store; idempotent; every step runs even if one fails. */
  close(): Promise<void>;
}

/** The composition root: config → store → services → gRPC and HTTP servers. */
export async function startCoordinator(
  config: CoordinatorConfig,
  deps: { log: Logger; clock?: () => number },
): Promise<RunningCoordinator> {
  const log = deps.log;
  const clock = deps.clock ?? Date.now;
  let lifecycle: CoordinatorLifecycle = 'starting';
  const setLifecycle = (next: CoordinatorLifecycle) => {
    lifecycle = next;
    log.info({ lifecycle }, 'coordinator lifecycle');
  };

  const { file: tokensFile, created } = loadOrCreateTokens(config.tokensFile);
  if (created) log.info({ dir: config.dataDir }, 'created client.token and bot.token');
  const tokens = new TokenAuthority(tokensFile);

  const store = openSqliteStore({ path: config.storePath });
  const engine = new TaskEngine({
    store,
    clock,
    log: log.child({ component: 'engine' }),
    pingToleranceMs: config.botPingToleranceMs,
  });
  const registry = new BotRegistry({ clock, botDeathTimeoutMs: config.botDeathTimeoutMs });
  engine.attachFleet(registry);
  await registry.load(store);
  const botApi = new BotApiService({
    engine,
    registry,
    store,
    tokens,
    clock,
    log: log.child({ component: 'botapi' }),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    botPingToleranceMs: config.botPingToleranceMs,
  });

  const proto = loadDroverProto().drover.v1;
  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(
    proto.Tasks.service,
    unimplementedService(proto.Tasks.service, {
      ...tasksHandlers({ engine, tokens, log: log.child({ component: 'tasks' }) }),
      ...taskQueryHandlers({ engine, tokens, log: log.child({ component: 'tasks' }) }),
    }),
  );
  server.addService(
    proto.Bots.service,
    unimplementedService(
      proto.Bots.service,
      botsHandlers({
        engine,
        registry,
        tokens,
        log: log.child({ component: 'bots' }),
        clock,
        botDeathTimeoutMs: config.botDeathTimeoutMs,
      }),
    ),
  );
  server.addService(proto.Graph.service, unimplementedService(proto.Graph.service));
  server.addService(
    proto.BotApi.service,
    unimplementedService(proto.BotApi.service, botApi.handlers()),
  );

  let http: HttpServer | undefined;
  let grpcAddress: string;
  let httpAddress: string;
  try {
    await engine.start();
    await botApi.start();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(config.listen, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(new Error(`cannot listen on ${config.listen}: ${err.message}`)) : resolve(p),
      );
    });
    grpcAddress = joinHostPort(splitHostPort(config.listen).host, port);
    const started = await startHttpServer(config.httpListen, {
      healthy: () => lifecycle === 'serving',
    });
    http = started.server;
    httpAddress = started.address;
  } catch (err) {
    engine.close();
    botApi.close();
    server.forceShutdown();
    http?.close();
    await store.close();
    throw err;
  }

  writeFileSync(
    join(config.dataDir, 'coordinator.json'),
    `${JSON.stringify({ grpc: grpcAddress, http: httpAddress, pid: process.pid }, null, 2)}\n`,
  );
  setLifecycle('serving');
  log.info({ grpc: grpcAddress, http: httpAddress, dataDir: config.dataDir }, 'coordinator ready');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      setLifecycle('stopping');
      const steps: Array<[string, () => unknown]> = [
        ['engine', () => engine.close()],
        ['botapi', () => botApi.close()],
        ['bot sessions', () => registry.closeAll('coordinator stopping')],
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

  return { grpcAddress, httpAddress, engine, registry, store, close };
}
