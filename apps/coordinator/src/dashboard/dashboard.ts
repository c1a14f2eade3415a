import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '@drover/protocol';
import { can, poolsWith, ROLES } from '../auth/principal';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import type { OutputStore } from '../outputs/output-store';
import type { BotsDeps } from '../rpc/bots-view';
import type { PendingCaps } from '../connections/pending-caps';
import { botsRoutes } from './api-bots';
import { fleetRoutes } from './api-fleet';
import { BUILTIN_DISTRIBUTORS, type DistributorConfig } from '../graph/distributor-config';
import { graphRoutes } from './api-graph';
import type { ApiRoute } from './api-route';
import { taskPageRoutes } from './api-task-page';
import { tasksRoutes } from './api-tasks';
import type { FleetHistory } from './fleet-history';
import { clientOf, sendError, sendJson } from './http-json';
import { LiveHub } from './live-hub';
import { StaticFiles } from './static-files';

export interface DashboardDeps extends BotsDeps {
  readonly metrics: Pick<CoordinatorMetrics, 'pendingByPool'>;
  /** Task output files, for their download on the task page (absent: that route answers 404). */
  readonly outputs?: OutputStore;
  /** The fleet over time (`/api/fleet/history`); without it the route answers 404. */
  readonly fleet?: FleetHistory;
  /** Live batches every this many ms. @default 150 */
  readonly liveBatchMs?: number;
  /** Live sockets not authenticated yet (LiveHub). @default CONNECTION_CAPS.dashboardSocket */
  readonly pendingSockets?: PendingCaps;
  /** Graph distributors, for the pool of a quest (`/api/graph/quests`). @default the built-in */
  readonly distributors?: ReadonlyMap<string, DistributorConfig>;
}

/**
 * The web dashboard on the coordinator's HTTP port (DESIGN.md §7): `/` and `/static/*` (the page
 * and its modules; no token needed), `/api/*` (JSON, `authorization: Bearer` client token, the
 * same role rules as the gRPC services), `/ws` (live updates; see LiveHub).
 */
export class Dashboard {
  readonly #deps: DashboardDeps;
  readonly #static = new StaticFiles();
  readonly #routes: ApiRoute[];
  readonly #live: LiveHub;

  constructor(deps: DashboardDeps) {
    this.#deps = deps;
    this.#live = new LiveHub({
      ...deps,
      ...(deps.liveBatchMs === undefined ? {} : { batchMs: deps.liveBatchMs }),
    });
    this.#routes = [
      {
        method: 'GET',
        pattern: /^\/api\/me$/,
        async handle({ res, principal }) {
          const roles = Object.fromEntries(ROLES.map((r) => [r, poolsWith(principal, r)]));
          sendJson(res, 200, { name: principal.name, admin: can(principal, 'admin', []), roles });
        },
      },
      ...taskPageRoutes(deps),
      ...tasksRoutes({
        engine: deps.engine,
        store: deps.store,
        metrics: deps.metrics,
        audit: deps.audit,
      }),
      ...botsRoutes(deps),
      ...graphRoutes({
        store: deps.store,
        clock: deps.clock,
        distributors: deps.distributors ?? BUILTIN_DISTRIBUTORS,
      }),
      ...(deps.fleet === undefined ? [] : fleetRoutes({ history: deps.fleet, clock: deps.clock })),
    ];
  }

  /** Serves the request if it is the dashboard's; returns whether it was. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      if (this.#static.serve(req, res, path)) return true;
    }
    if (!path.startsWith('/api/')) return false;
    const url = new URL(req.url ?? '/', 'http://dashboard');
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      if (route.method !== method) {
        res.setHeader('allow', route.method);
        sendJson(res, 405, { error: `use ${route.method}` });
        return true;
      }
      this.#run(route, req, res, m, url.searchParams);
      return true;
    }
    sendJson(res, 404, { error: 'not found' });
    return true;
  }

  /** Takes an HTTP upgrade for `/ws`; returns false for other paths. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): boolean {
    if (path !== '/ws') return false;
    this.#live.upgrade(req, socket, head);
    return true;
  }

  /** Closes the live sockets (the HTTP server cannot close while they are open); idempotent. */
  close(): void {
    this.#live.close();
  }

  #run(
    route: ApiRoute,
    req: IncomingMessage,
    res: ServerResponse,
    m: RegExpExecArray,
    query: URLSearchParams,
  ): void {
    const onBug = (err: unknown) =>
      this.#deps.log.error({ err, path: req.url }, 'dashboard request failed');
    (async () => {
      const principal = clientOf(this.#deps.tokens, req);
      const params = m.slice(1).map((p) => decodePathPart(p ?? ''));
      await route.handle({ req, res, principal, params, query });
    })().catch((err: unknown) => sendError(res, err, onBug));
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError('path', 'bad percent-encoding');
  }
}
