import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, PermissionDeniedError } from '@drover/protocol';
import { can, poolsWith, ROLES, type Principal } from '../auth/principal';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import type { OutputStore } from '../outputs/output-store';
import type { BotsDeps } from '../rpc/bots-view';
import type { PendingCaps } from '../connections/pending-caps';
import { auditRoutes } from './api-audit';
import { botsRoutes } from './api-bots';
import { fleetRoutes } from './api-fleet';
import { BUILTIN_DISTRIBUTORS, type DistributorConfig } from '../graph/distributor-config';
import { graphRoutes } from './api-graph';
import type { ApiRoute } from './api-route';
import { taskPageRoutes } from './api-task-page';
import { tasksRoutes } from './api-tasks';
import type { FleetHistory } from './fleet-history';
import { clientOfToken, sendError, sendJson } from './http-json';
import { LiveHub } from './live-hub';
import { OidcLogin, type OidcLoginIssuer } from './oidc-login';
import { sameOriginRequest } from './session-cookie';
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
  /** Issuers people sign in with (OidcLogin). @default none: token login only */
  readonly oidcLogin?: readonly OidcLoginIssuer[];
  /** Whether the coordinator serves HTTPS: the session cookie gets Secure. @default false */
  readonly tls?: boolean;
}

/**
 * The web dashboard on the coordinator's HTTP port (DESIGN.md §7): `/` and `/static/*` (the page
 * and its modules; no token needed), `/auth/*` and `/api/auth/config` (signing in, OidcLogin),
 * `/api/*` (JSON, `authorization: Bearer` client token or the session cookie, the same role rules
 * as the gRPC services), `/ws` (live updates; see LiveHub).
 */
export class Dashboard {
  readonly #deps: DashboardDeps;
  readonly #static = new StaticFiles();
  readonly #routes: ApiRoute[];
  readonly #live: LiveHub;
  readonly #login: OidcLogin;

  constructor(deps: DashboardDeps) {
    this.#deps = deps;
    this.#login = new OidcLogin({
      issuers: deps.oidcLogin ?? [],
      tokens: deps.tokens,
      tls: deps.tls ?? false,
      clock: deps.clock,
      log: deps.log,
    });
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
      ...auditRoutes({ store: deps.store }),
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
    if (this.#login.handle(req, res, path)) return true;
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
    // A cookie is sent by the browser whoever opened the socket: only a same-origin page's counts.
    const session = sameOriginRequest(req) ? this.#login.sessionAuthorization(req) : undefined;
    this.#live.upgrade(req, socket, head, session);
    return true;
  }

  /** Closes the live sockets (the HTTP server cannot close while they are open); idempotent. */
  close(): void {
    this.#live.close();
  }

  /**
   * The caller of an API request: its `authorization` header, else the session cookie. A request
   * the cookie authenticates may change something only from the dashboard's own page (CSRF); a
   * refused session's cookie is cleared (unless the identity provider could not be reached).
   */
  async #authenticate(req: IncomingMessage, res: ServerResponse): Promise<Principal> {
    const header = req.headers.authorization;
    const authorization = header ?? this.#login.sessionAuthorization(req);
    const fromCookie = header === undefined && authorization !== undefined;
    if (fromCookie && req.method !== 'GET' && req.method !== 'HEAD' && !sameOriginRequest(req)) {
      throw new PermissionDeniedError(
        'cross-site request refused: the session cookie works only from the dashboard itself',
      );
    }
    await this.#deps.tokens.prepare(authorization);
    try {
      return clientOfToken(this.#deps.tokens, authorization);
    } catch (err) {
      // A session refused only because the identity provider is out of reach is kept.
      if (fromCookie && !this.#deps.tokens.unverified(authorization)) {
        res.setHeader('set-cookie', this.#login.clearSession());
      }
      throw err;
    }
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
      const principal = await this.#authenticate(req, res);
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
