// Where `drover login` keeps what it got from the identity provider (docs/auth.md "Signing in"):
// `<config dir>/login.json`, one entry per coordinator address, the file 0600 in a 0700
// directory, replaced whole (write then rename) so that a reader never sees half a file.
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from './context';

/** One coordinator's login. */
export interface CachedLogin {
  readonly issuer: string;
  readonly client_id: string;
  /** What the CLI sends as `authorization: Bearer`. */
  readonly id_token: string;
  readonly refresh_token?: string;
  /** The ID token's expiry (its `exp`), ISO 8601 UTC. */
  readonly expires_at: string;
  /** Who the coordinator said this is (`/api/me`), for messages. */
  readonly name: string;
}

interface CacheFile {
  readonly version: 1;
  readonly logins: Readonly<Record<string, CachedLogin>>;
}

const FILE_NAME = 'login.json';

/**
 * The CLI's config directory: `DROVER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/drover`, else
 * `%APPDATA%\drover` on Windows, else `~/.config/drover`. Undefined when none can be found.
 */
export function configDir(env: Runtime['env']): string | undefined {
  if (env.DROVER_CONFIG_DIR) return env.DROVER_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'drover');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'drover');
  if (env.HOME) return join(env.HOME, '.config', 'drover');
  return undefined;
}

export function loginCachePath(env: Runtime['env']): string | undefined {
  const dir = configDir(env);
  return dir === undefined ? undefined : join(dir, FILE_NAME);
}

function readCache(path: string): CacheFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { version: 1, logins: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.version === 1 && typeof parsed.logins === 'object' && parsed.logins !== null) {
      return { version: 1, logins: parsed.logins };
    }
  } catch {
    // A damaged file is as good as none: `drover login` writes a new one.
  }
  return { version: 1, logins: {} };
}

/** The cached login for `server`, if any. */
export function readLogin(env: Runtime['env'], server: string): CachedLogin | undefined {
  const path = loginCachePath(env);
  if (path === undefined) return undefined;
  const login = readCache(path).logins[server];
  return login !== undefined && typeof login.id_token === 'string' ? login : undefined;
}

function writeCache(env: Runtime['env'], cache: CacheFile): string {
  const dir = configDir(env);
  if (dir === undefined) {
    throw new Error('no config directory: set HOME, XDG_CONFIG_HOME or DROVER_CONFIG_DIR');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, FILE_NAME);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cache, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

/** Stores `login` for `server`; returns the file's path. Throws when it cannot be written. */
export function saveLogin(env: Runtime['env'], server: string, login: CachedLogin): string {
  const path = loginCachePath(env);
  const cache = path === undefined ? { logins: {} } : readCache(path);
  return writeCache(env, { version: 1, logins: { ...cache.logins, [server]: login } });
}

/** Removes `server`'s login (the file too when it was the last); whether there was one. */
export function removeLogin(env: Runtime['env'], server: string): boolean {
  const path = loginCachePath(env);
  if (path === undefined) return false;
  const cache = readCache(path);
  if (cache.logins[server] === undefined) return false;
  const { [server]: _gone, ...rest } = cache.logins;
  if (Object.keys(rest).length === 0) rmSync(path, { force: true });
  else writeCache(env, { version: 1, logins: rest });
  return true;
}

/** A refresh lock older than this is taken to be a crashed process's and removed. */
const LOCK_STALE_MS = 30_000;
/** How long a process waits for another's refresh before refreshing anyway. */
const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 50;

/**
 * Runs `fn` holding `<config dir>/login.json.lock` (created exclusively, 0600), so that drover
 * processes refresh a login one at a time: a provider that rotates refresh tokens takes each once,
 * and one that sees a used token again may revoke the whole sign-in — the login every later
 * refresh needs. `fn` should read the cache again first: another process may have refreshed it
 * meanwhile. A lock left by a crashed process is removed after LOCK_STALE_MS; after LOCK_WAIT_MS
 * `fn` runs without it.
 */
export async function withLoginLock<T>(env: Runtime['env'], fn: () => Promise<T>): Promise<T> {
  const path = loginCachePath(env);
  if (path === undefined) return fn();
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) break;
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      } catch {
        // Gone meanwhile: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}
