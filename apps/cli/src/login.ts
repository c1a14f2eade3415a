// `drover login` and `drover logout` (docs/auth.md "Signing in"): sign in with the identity
// provider the coordinator names, cache the tokens per coordinator (login-cache.ts) for every
// later command that is given no token, and forget them.
import type { Command } from 'commander';
import {
  printError,
  resolveConnection,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT } from './exit-codes';
import { loginCachePath, readLogin, removeLogin, saveLogin } from './login-cache';
import {
  discoverIssuer,
  discoverProvider,
  getJson,
  loopbackFlow,
  revokeRefreshToken,
  toCached,
} from './login-flow';

export interface LoginOptions {
  http?: string;
  issuer?: string;
  timeout?: string;
}

/** How long `drover login` waits for the browser by default. */
export const LOGIN_TIMEOUT_S = 300;

/**
 * The coordinator's HTTP address: `--http`, DROVER_HTTP, else the gRPC address's host with the
 * next port (the coordinator's defaults are 7070 and 7071), https with TLS.
 */
export function httpAddress(
  flag: string | undefined,
  env: Runtime['env'],
  server: string,
  tls: boolean,
): { ok: true; value: URL } | { ok: false; message: string } {
  const given = flag ?? (env.DROVER_HTTP || undefined);
  if (given !== undefined) {
    try {
      const url = new URL(
        /^https?:\/\//.test(given) ? given : `${tls ? 'https' : 'http'}://${given}`,
      );
      return { ok: true, value: url };
    } catch {
      return { ok: false, message: `--http: ${JSON.stringify(given)} is not an HTTP address` };
    }
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d+)$/.exec(server);
  if (m === null) {
    return {
      ok: false,
      message: `cannot tell the HTTP address of ${server}: give it with --http or DROVER_HTTP`,
    };
  }
  return { ok: true, value: new URL(`${tls ? 'https' : 'http'}://${m[1]}:${Number(m[2]) + 1}`) };
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return LOGIN_TIMEOUT_S;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n <= 3600 ? n : undefined;
}

export async function runLogin(rt: Runtime, opts: GlobalOptions & LoginOptions): Promise<number> {
  const resolved = resolveConnection(opts, rt.env, rt.cwd);
  if (!resolved.ok) {
    await printError(rt, resolved.message);
    return EXIT.USAGE;
  }
  const conn = resolved.value;
  const timeoutS = seconds(opts.timeout);
  if (timeoutS === undefined) {
    await printError(rt, '--timeout: must be a whole number of seconds between 1 and 3600');
    return EXIT.USAGE;
  }
  const http = httpAddress(opts.http, rt.env, conn.server, conn.tls !== false);
  if (!http.ok) {
    await printError(rt, http.message);
    return EXIT.USAGE;
  }
  const ca = typeof conn.tls === 'object' ? conn.tls.rootCerts : undefined;
  const found = await discoverIssuer(http.value, {
    ...(ca === undefined ? {} : { ca }),
    ...(opts.issuer === undefined ? {} : { issuer: opts.issuer }),
  });
  if (!found.ok) {
    await printError(rt, found.message);
    return found.exitCode;
  }
  const { issuer, cli_client_id: clientId, scopes } = found.value;
  const provider = await discoverProvider(issuer, clientId);
  if (!provider.ok) {
    await printError(rt, provider.message);
    return provider.exitCode;
  }

  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error(`no sign-in came back within ${timeoutS} s`)),
    timeoutS * 1000,
  );
  const stopInterrupt = rt.onInterrupt?.(() => abort.abort(new Error('interrupted')));
  let flow;
  try {
    flow = await loopbackFlow({
      config: provider.value,
      scopes,
      signal: abort.signal,
      showUrl: async (url) => {
        await writeLine(
          rt.stderr,
          `Open this URL in a browser to sign in at ${issuer}:\n\n  ${url}\n\n` +
            `Waiting up to ${timeoutS} s for the browser to come back (Ctrl-C to stop)…`,
        );
      },
    });
  } finally {
    clearTimeout(timer);
    stopInterrupt?.();
  }
  if (!flow.ok) {
    await printError(rt, flow.message);
    return flow.exitCode;
  }

  // The coordinator's own check, as every later call will be checked: who it says this is.
  const idToken = flow.value.id_token ?? '';
  let me: { status: number; body: unknown };
  try {
    me = await getJson(new URL('/api/me', http.value), {
      authorization: `Bearer ${idToken}`,
      ...(ca === undefined ? {} : { ca }),
    });
  } catch (err) {
    await printError(rt, `cannot reach ${http.value.origin}: ${(err as Error).message}`);
    return EXIT.RPC_ERROR;
  }
  const body = me.body as { name?: unknown; error?: unknown } | undefined;
  if (me.status !== 200 || typeof body?.name !== 'string') {
    const why = typeof body?.error === 'string' ? body.error : `HTTP ${me.status}`;
    await printError(rt, `the coordinator at ${conn.server} did not accept the sign-in: ${why}`);
    return EXIT.RPC_ERROR;
  }
  const cached = toCached(flow.value, { issuer, client_id: clientId, name: body.name });
  if (cached === undefined) {
    await printError(rt, `${issuer} sent no ID token`);
    return EXIT.RPC_ERROR;
  }
  let path: string;
  try {
    path = saveLogin(rt.env, conn.server, cached);
  } catch (err) {
    await printError(rt, `cannot store the login: ${(err as Error).message}`);
    return EXIT.RPC_ERROR;
  }
  await writeLine(
    rt.stdout,
    `logged in to ${conn.server} as ${cached.name} until ${cached.expires_at}` +
      `${cached.refresh_token === undefined ? '' : ' (refreshed after)'}; cached in ${path}`,
  );
  if (conn.tokenSource !== undefined) {
    await printError(
      rt,
      `note: the token from ${conn.tokenSource} is used before this login; ` +
        'without it, commands use the login',
    );
  }
  return EXIT.OK;
}

export async function runLogout(rt: Runtime, opts: GlobalOptions): Promise<number> {
  const resolved = resolveConnection(opts, rt.env, rt.cwd);
  if (!resolved.ok) {
    await printError(rt, resolved.message);
    return EXIT.USAGE;
  }
  const server = resolved.value.server;
  const login = readLogin(rt.env, server);
  if (login === undefined) {
    await writeLine(rt.stdout, `not logged in to ${server}`);
    return EXIT.OK;
  }
  await revokeRefreshToken(login);
  try {
    removeLogin(rt.env, server);
  } catch (err) {
    await printError(
      rt,
      `cannot remove the login from ${loginCachePath(rt.env)}: ${(err as Error).message}`,
    );
    return EXIT.RPC_ERROR;
  }
  await writeLine(rt.stdout, `logged out of ${server} (${login.name})`);
  return EXIT.OK;
}

export function registerLogin(program: Command, host: CommandHost): void {
  const { rt } = host;
  program
    .command('login')
    .description(
      'Sign in with the identity provider the coordinator names (OpenID Connect): prints a URL ' +
        'to open in a browser, then caches the tokens for later commands given no token',
    )
    .option(
      '--http <url>',
      "the coordinator's HTTP address (DROVER_HTTP; default: the --server host, next port)",
    )
    .option('--issuer <url>', 'the issuer to use when the coordinator names several')
    .option('--timeout <seconds>', `how long to wait for the browser (default ${LOGIN_TIMEOUT_S})`)
    .action(async (_opts: LoginOptions, cmd: Command) => {
      host.exitWith(await runLogin(rt, cmd.optsWithGlobals<GlobalOptions & LoginOptions>()));
    });
  program
    .command('logout')
    .description("Forget the coordinator's cached login (and revoke its refresh token)")
    .action(async (_opts: unknown, cmd: Command) => {
      host.exitWith(await runLogout(rt, cmd.optsWithGlobals<GlobalOptions>()));
    });
}
