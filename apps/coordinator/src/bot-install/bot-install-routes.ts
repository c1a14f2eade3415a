import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { buildInfo } from '@drover/protocol';
import type { TokenAuthority } from '../auth/tokens';
import { BOT_EXECUTABLE_NAME, type BotExecutable } from './bot-executable';
import { parseHostHeader, renderInstallScript } from './install-script';

export interface BotInstallRoutesDeps {
  /** The bot executable served; undefined: none (a coordinator run from sources). */
  readonly executable: BotExecutable | undefined;
  readonly tokens: TokenAuthority;
  /** Whether the HTTP port serves TLS (the script's URL says https). */
  readonly tls: boolean;
  /** The bound gRPC port: the bot connects to the host the worker used, on this port. */
  readonly grpcPort: () => number;
  readonly onError: (err: unknown, path: string) => void;
}

const SCRIPT_PATH = '/bot/install.sh';
const EXECUTABLE_PATH = `/bot/${BOT_EXECUTABLE_NAME}`;
const CHECKSUM_PATH = `${EXECUTABLE_PATH}.sha256`;

/**
 * The one-line bot install (README "Install"): `GET /bot/install.sh` (public: it holds no secret,
 * only the address the worker used and the executable's checksum), `GET /bot/drover-bot-linux-x64`
 * and its `.sha256` (a bot token). Returns false for paths it does not serve.
 */
export function botInstallRoutes(
  deps: BotInstallRoutesDeps,
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  return (req, res, path) => {
    if (path !== SCRIPT_PATH && path !== EXECUTABLE_PATH && path !== CHECKSUM_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, req, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
      return true;
    }
    serve(deps, req, res, path).catch((err: unknown) => {
      deps.onError(err, path);
      if (!res.headersSent) sendText(res, req, 500, 'internal error\n');
      else res.destroy();
    });
    return true;
  };
}

async function serve(
  deps: BotInstallRoutesDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (deps.executable === undefined) {
    sendText(
      res,
      req,
      404,
      'this coordinator serves no bot executable: run it from a release (npm run release), ' +
        'or give it --bot-executable PATH\n',
    );
    return;
  }
  if (path === SCRIPT_PATH) {
    const host = parseHostHeader(req.headers.host);
    if (host === undefined) {
      sendText(res, req, 400, 'a Host header naming this coordinator is needed\n');
      return;
    }
    const info = await deps.executable.info();
    const scheme = deps.tls ? 'https' : 'http';
    const script = renderInstallScript({
      httpUrl: `${scheme}://${req.headers.host}`,
      grpcServer: `${host.host}:${deps.grpcPort()}`,
      tls: deps.tls,
      executableName: BOT_EXECUTABLE_NAME,
      sha256: info.sha256,
      version: buildInfo().version,
    });
    sendText(res, req, 200, script, { 'content-type': 'text/x-shellscript; charset=utf-8' });
    return;
  }
  // The executable and its checksum: bots only (a client or admin token is not a bot's).
  const principal = deps.tokens.authenticate(req.headers.authorization);
  if (principal === undefined) {
    sendText(res, req, 401, 'a bot token is needed: send authorization: Bearer <bot token>\n', {
      'www-authenticate': 'Bearer',
    });
    return;
  }
  if (principal.kind !== 'bot') {
    sendText(res, req, 403, 'this is not a bot token\n');
    return;
  }
  const info = await deps.executable.info();
  if (path === CHECKSUM_PATH) {
    sendText(res, req, 200, `${info.sha256}  ${BOT_EXECUTABLE_NAME}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(info.size),
    'cache-control': 'no-store',
    'x-drover-sha256': info.sha256,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(await deps.executable.open(), res);
}

function sendText(
  res: ServerResponse,
  req: IncomingMessage,
  code: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
