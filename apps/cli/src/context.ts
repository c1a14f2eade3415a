// What every command shares: where the coordinator is and which token to send (the only module
// that reads process.env), the client built from that, error messages and output helpers.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { DEFAULT_SERVER, DroverClientError, GrpcStatus, createDroverClient } from '@drover/client';
import type { DroverClient } from '@drover/client';
import { EXIT, exitCodeForError } from './exit-codes';
import { readLogin, saveLogin, withLoginLock } from './login-cache';
import { refreshLogin } from './login-flow';

/** The process around a command run; tests pass their own. */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /**
   * Calls `fn` on Ctrl-C (SIGINT) instead of the default exit, until the returned function is
   * called; for commands that end cleanly on it (`drover watch`). Absent: never interrupted.
   */
  readonly onInterrupt?: (fn: () => void) => () => void;
  /** The clock (ms since the epoch), for a cached login's expiry. @default Date.now */
  readonly now?: () => number;
}

/** The real process. A closed stdout (`drover logs … | head`) ends the process quietly. */
export function processRuntime(): Runtime {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
    throw err;
  });
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt(fn) {
      process.once('SIGINT', fn);
      return () => process.off('SIGINT', fn);
    },
  };
}

/** The global options, as commander parsed them. */
export interface GlobalOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  tls?: boolean;
  caFile?: string;
}

export interface Connection {
  readonly server: string;
  readonly token: string | undefined;
  /** Where the token came from, for messages: `--token`, `DROVER_TOKEN`, a file path. */
  readonly tokenSource: string | undefined;
  readonly tls: boolean | { rootCerts: Buffer };
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

/** The file the dev setup writes the client token to, looked for from the cwd upwards. */
export const TOKEN_FILE_NAME = join('.drover', 'client.token');

/** The nearest `.drover/client.token` in `startDir` or one of its parents. */
export function findTokenFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, TOKEN_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readTokenFile(path: string): Resolved<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, message: `cannot read token file ${path}: ${(err as Error).message}` };
  }
  const token = text.trim();
  return token === ''
    ? { ok: false, message: `token file ${path} is empty` }
    : { ok: true, value: token };
}

function resolveToken(
  opts: GlobalOptions,
  env: Runtime['env'],
  cwd: string,
): Resolved<{ token: string | undefined; source: string | undefined }> {
  const fromFile = (path: string, source: string): Resolved<{ token: string; source: string }> => {
    const read = readTokenFile(resolve(cwd, path));
    return read.ok ? { ok: true, value: { token: read.value, source } } : read;
  };
  if (opts.token !== undefined)
    return { ok: true, value: { token: opts.token, source: '--token' } };
  if (opts.tokenFile !== undefined) return fromFile(opts.tokenFile, opts.tokenFile);
  if (env.DROVER_TOKEN)
    return { ok: true, value: { token: env.DROVER_TOKEN, source: 'DROVER_TOKEN' } };
  if (env.DROVER_TOKEN_FILE) return fromFile(env.DROVER_TOKEN_FILE, env.DROVER_TOKEN_FILE);
  const found = findTokenFile(cwd);
  if (found !== undefined) return fromFile(found, found);
  return { ok: true, value: { token: undefined, source: undefined } };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);

/** The coordinator's gRPC port when `--server`/`DROVER_SERVER` names only a host. */
export const DEFAULT_SERVER_PORT = 7070;

/**
 * `--server` as given, with DEFAULT_SERVER_PORT added when it names only a host: `ci-coord` →
 * `ci-coord:7070`, `::1` or `[::1]` → `[::1]:7070`. grpc-js targets with a scheme (`dns:…`,
 * `unix:…`) are left alone: they say what they mean.
 */
export function serverAddress(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:(?!\d+$)/i.test(text) && !text.includes('::') && !text.startsWith('['))
    return text;
  if (text.startsWith('[')) return /\]:\d+$/.test(text) ? text : `${text}:${DEFAULT_SERVER_PORT}`;
  const colons = text.split(':').length - 1;
  if (colons === 0) return `${text}:${DEFAULT_SERVER_PORT}`;
  // Two or more colons and no brackets: a bare IPv6 address, which cannot carry a port.
  if (colons > 1) return `[${text}]:${DEFAULT_SERVER_PORT}`;
  return text;
}

/**
 * Server, token and TLS from flags, then DROVER_* variables, then defaults. The token: --token,
 * --token-file, DROVER_TOKEN, DROVER_TOKEN_FILE, then the nearest .drover/client.token, then
 * (withLogin, as it may have to refresh) the cached `drover login` for the server.
 */
export function resolveConnection(
  opts: GlobalOptions,
  env: Runtime['env'],
  cwd: string,
): Resolved<Connection> {
  const server = serverAddress(opts.server ?? (env.DROVER_SERVER || DEFAULT_SERVER));
  const token = resolveToken(opts, env, cwd);
  if (!token.ok) return token;
  const caFile = opts.caFile ?? (env.DROVER_CA_FILE || undefined);
  let tls: Connection['tls'] =
    opts.tls === true || TRUE_WORDS.has((env.DROVER_TLS ?? '').toLowerCase());
  if (caFile !== undefined) {
    try {
      tls = { rootCerts: readFileSync(resolve(cwd, caFile)) };
    } catch (err) {
      return { ok: false, message: `cannot read CA file ${caFile}: ${(err as Error).message}` };
    }
  }
  return {
    ok: true,
    value: { server, token: token.value.token, tokenSource: token.value.source, tls },
  };
}

/** A cached login is refreshed when its ID token has less than this left. */
export const LOGIN_REFRESH_MARGIN_MS = 60_000;

/**
 * `conn` with the cached `drover login` for its server when no token was given (login-cache.ts),
 * refreshed with its refresh token (and the cache rewritten) when its ID token expires within
 * LOGIN_REFRESH_MARGIN_MS. A login that cannot be refreshed is an error telling to log in again.
 */
export async function withLogin(
  conn: Connection,
  rt: Runtime,
): Promise<{ ok: true; value: Connection } | { ok: false; message: string }> {
  if (conn.token !== undefined) return { ok: true, value: conn };
  const login = readLogin(rt.env, conn.server);
  if (login === undefined) return { ok: true, value: conn };
  const source = `drover login (${login.name})`;
  const nowMs = (rt.now ?? Date.now)();
  if (Date.parse(login.expires_at) - nowMs > LOGIN_REFRESH_MARGIN_MS) {
    return { ok: true, value: { ...conn, token: login.id_token, tokenSource: source } };
  }
  // One drover process refreshes at a time (a rotated refresh token works once; reusing it may
  // end the sign-in at the provider): the others then find the fresh login in the cache.
  return withLoginLock(rt.env, async () => {
    const current = readLogin(rt.env, conn.server) ?? login;
    if (Date.parse(current.expires_at) - nowMs > LOGIN_REFRESH_MARGIN_MS) {
      return { ok: true, value: { ...conn, token: current.id_token, tokenSource: source } };
    }
    const fresh = await refreshLogin(current);
    if (!fresh.ok) {
      // Another drover process may have refreshed it meanwhile (a rotated refresh token works once).
      const again = readLogin(rt.env, conn.server);
      if (again !== undefined && Date.parse(again.expires_at) - nowMs > LOGIN_REFRESH_MARGIN_MS) {
        return { ok: true, value: { ...conn, token: again.id_token, tokenSource: source } };
      }
      return {
        ok: false,
        message:
          `the login to ${conn.server} as ${login.name} expired at ${login.expires_at} and could ` +
          `not be refreshed (${fresh.message}): run drover login again`,
      };
    }
    try {
      saveLogin(rt.env, conn.server, fresh.value);
    } catch (err) {
      await printError(rt, `warning: cannot store the refreshed login: ${(err as Error).message}`);
    }
    return { ok: true, value: { ...conn, token: fresh.value.id_token, tokenSource: source } };
  });
}

/** Who submits, and from which task (DROVER_TASK_ID is set inside a running task). */
export function callerIdentity(env: Runtime['env']): {
  user: string | undefined;
  parentTaskId: string | undefined;
} {
  return {
    user: env.USER || env.USERNAME || undefined,
    parentTaskId: env.DROVER_TASK_ID || undefined,
  };
}

/** Deadline of every unary call the CLI makes. Streams (wait, logs --follow) have none. */
export const UNARY_DEADLINE_MS = 60_000;

const TOKEN_HINT =
  'Give a token with --token, --token-file, DROVER_TOKEN or DROVER_TOKEN_FILE, or put it in ' +
  '.drover/client.token in this directory or a parent (the dev setup writes it there), or sign ' +
  'in with drover login.';

/** A message for an error that is no failed call: a bug. */
export function describeBug(err: unknown): string {
  return `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** A message for people about a failed call. */
export function describeError(err: unknown, conn: Connection): string {
  if (!(err instanceof DroverClientError)) return describeBug(err);
  const at = `the coordinator at ${conn.server}`;
  const tokenFrom =
    conn.tokenSource === undefined ? 'no token was given' : `token from ${conn.tokenSource}`;
  switch (err.code) {
    case GrpcStatus.UNAVAILABLE:
      return `cannot reach ${at}: ${err.details}\nIs it running? Point to it with --server or DROVER_SERVER.`;
    case GrpcStatus.UNAUTHENTICATED:
      return `${at} did not accept the call (${tokenFrom}): ${err.details}\n${TOKEN_HINT}`;
    case GrpcStatus.PERMISSION_DENIED:
      return `${at} refused the call (${tokenFrom}): ${err.details}`;
    case GrpcStatus.INVALID_ARGUMENT:
      return `invalid request: ${err.details}`;
    case GrpcStatus.NOT_FOUND:
      return `${err.details} (asked ${at})`;
    case GrpcStatus.DEADLINE_EXCEEDED:
      return `${at} did not answer in time: ${err.details}`;
    default:
      return `${at} failed the call with ${err.codeName}: ${err.details}`;
  }
}

/** Writes and waits for the stream to take more (backpressure). */
export async function write(stream: Writable, data: string | Uint8Array): Promise<void> {
  if (!stream.write(data)) await once(stream, 'drain');
}

export function writeLine(stream: Writable, text: string): Promise<void> {
  return write(stream, `${text}\n`);
}

/** One JSON value on one line. */
export function writeJson(stream: Writable, value: unknown): Promise<void> {
  return writeLine(stream, JSON.stringify(value));
}

export function printError(rt: Runtime, message: string): Promise<void> {
  return writeLine(rt.stderr, `drover: ${message}`);
}

/**
 * Resolves the connection from the command's global options, runs `fn` with a client, and turns
 * a failed call into its message and exit code. The client is closed whatever happens.
 */
export async function withClient(
  rt: Runtime,
  opts: GlobalOptions,
  fn: (client: DroverClient, conn: Connection) => Promise<number>,
): Promise<number> {
  const resolved = resolveConnection(opts, rt.env, rt.cwd);
  if (!resolved.ok) {
    await printError(rt, resolved.message);
    return EXIT.USAGE;
  }
  const withCached = await withLogin(resolved.value, rt);
  if (!withCached.ok) {
    await printError(rt, withCached.message);
    return EXIT.RPC_ERROR;
  }
  const conn = withCached.value;
  const client = createDroverClient({ server: conn.server, token: conn.token, tls: conn.tls });
  try {
    return await fn(client, conn);
  } catch (err) {
    await printError(rt, describeError(err, conn));
    return exitCodeForError(err);
  } finally {
    client.close();
  }
}

/** What a command's action gets: the runtime, and where to put its exit code. */
export interface CommandHost {
  readonly rt: Runtime;
  exitWith(code: number): void;
}
