import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { buildInfo, type BuildInfo } from '@drover/protocol';

/** Whether a caller may read /metrics: data, not an exception. */
export type MetricsAccess = 'allowed' | 'unauthenticated' | 'forbidden';

export interface HttpServerDeps {
  /** Whether the coordinator can serve: store open, gRPC listening. */
  readonly healthy: () => boolean;
  /** Why it is not healthy, when it knows (`coordinator data dir is full`): in /healthz's body. */
  readonly problem?: () => string | undefined;
  /** Decides from the `authorization` header whether the caller may read /metrics. */
  readonly metricsAccess: (
    authorization: string | undefined,
  ) => MetricsAccess | Promise<MetricsAccess>;
  /** The Prometheus exposition. */
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  /** Called when producing a response failed (a bug): the caller logs it. */
  readonly onError: (err: unknown, path: string) => void;
  /** The web dashboard: serves its paths (returns false for others) and takes `/ws` upgrades. */
  readonly dashboard?: {
    handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): boolean;
  };
  /** More GET routes (the bot install's /bot/…): each returns false for paths it does not serve. */
  readonly routes?: readonly ((
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ) => boolean)[];
  /** Serve HTTPS with this PEM pair instead of plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** What /healthz says this coordinator was built from. @default buildInfo(), read at start */
  readonly build?: BuildInfo;
}

/**
 * The HTTP port beside gRPC: `/healthz` (open: `{status, version, commit}`), `/metrics`
 * (Prometheus text, behind a client token allowed to view every pool) and the dashboard's paths.
 * HTTPS when the coordinator has TLS.
 */
export async function startHttpServer(
  address: string,
  deps: HttpServerDeps,
): Promise<{ server: Server; address: string }> {
  // Read now (from sources it asks git once): never in a request, which it would hold up.
  const { version, commit } = deps.build ?? buildInfo();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && readOnly) {
      const ok = deps.healthy();
      const problem = ok ? undefined : deps.problem?.();
      sendJson(res, req, ok ? 200 : 503, {
        status: ok ? 'ok' : 'unavailable',
        ...(problem === undefined ? {} : { problem }),
        version,
        commit,
      });
      return;
    }
    if (path === '/metrics' && readOnly) {
      serveMetrics(req, res, deps).catch((err: unknown) => {
        deps.onError(err, path);
        if (!res.headersSent) sendJson(res, req, 500, { error: 'internal error' });
        else res.destroy();
      });
      return;
    }
    for (const route of deps.routes ?? []) if (route(req, res, path)) return;
    if (deps.dashboard?.handle(req, res, path) === true) return;
    sendJson(res, req, 404, { error: 'not found' });
  };
  const server: Server =
    deps.tls === undefined
      ? createServer(handler)
      : (createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key }, handler) as Server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (deps.dashboard?.upgrade(req, socket, head, path) !== true) socket.destroy();
  });
  const { host, port } = splitHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return { server, address: joinHostPort(bound.address, bound.port) };
}

async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpServerDeps,
): Promise<void> {
  const access = await deps.metricsAccess(req.headers.authorization);
  switch (access) {
    case 'unauthenticated':
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, req, 401, { error: 'missing or invalid token: send authorization: Bearer' });
      return;
    case 'forbidden':
      sendJson(res, req, 403, { error: 'this token may not view every pool' });
      return;
    case 'allowed':
      break;
  }
  const { contentType, body } = await deps.metrics();
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, req: IncomingMessage, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
}

export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
