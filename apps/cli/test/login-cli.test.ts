// `drover login` as a person runs it (issue 22): the real drover-coordinator executable with
// auth.oidc, a real OpenID provider (oidc-provider) on loopback, and the real drover CLI, which
// prints the URL to open; the test follows it as a browser would (the provider's sign-in and
// consent forms, then back to the CLI's loopback listener). Then `drover tasks` lists pool ci's
// tasks as alice, an expired login is refreshed, `drover logout` forgets it; and the errors a
// person meets: no sign-in configured, the provider unreachable, the sign-in denied.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/* eslint-disable @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the coordinator's tests */
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../tools/src/test-support/oidc-provider';
/* eslint-enable @nx/enforce-module-boundaries */
import { runCli } from '../src/program';
import type { Runtime } from '../src/context';
import { COORDINATOR, RealBins, type Run } from './support/real-bins';

let work: string;
let bins: RealBins;
let idp: OidcTestProvider;
let server = '';
let http = '';
let adminTokenFile = '';

const drover = (args: string[], onStderr?: (soFar: string) => void): Promise<Run> =>
  bins.drover(server, args, onStderr);

/** Starts a real coordinator with `config` (YAML) and returns its gRPC and HTTP addresses. */
async function startCoordinator(
  name: string,
  config: string,
): Promise<{ grpc: string; http: string }> {
  const configFile = join(work, `${name}.yaml`);
  writeFileSync(configFile, config);
  const { rec } = await bins.startUntil(
    COORDINATOR,
    [
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--data-dir',
      join(work, `${name}-data`),
      '--config',
      configFile,
    ],
    'coordinator ready',
  );
  return { grpc: String(rec['grpc']), http: `http://${String(rec['http'])}` };
}

beforeAll(async () => {
  // HOME is `work` for the CLI (RealBins): its login cache is work/.config/drover/login.json.
  work = mkdtempSync(join(tmpdir(), 'drover-login-'));
  bins = new RealBins(work);
  idp = await startOidcTestProvider();
  const coord = await startCoordinator(
    'main',
    [
      'auth:',
      '  oidc:',
      `    - issuer: ${idp.issuer}`,
      '      groups:',
      '        ci-admins: { ci: [admin] }',
      '        ci-viewers: { ci: [view] }',
      `      cli: { clientId: ${idp.cli.clientId} }`,
      '',
    ].join('\n'),
  );
  server = coord.grpc;
  http = coord.http;
  adminTokenFile = join(work, 'main-data', 'client.token');
}, 60_000);

afterAll(async () => {
  await bins?.stopAll();
  await idp?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The cookies a browser would keep for the provider, by name. */
class Jar {
  readonly #cookies = new Map<string, string>();
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) {
        this.#cookies.delete(pair!.slice(0, eq).trim());
      } else this.#cookies.set(pair!.slice(0, eq).trim(), value);
    }
  }
}

/**
 * Follows the URL `drover login` printed as a browser would: the provider's login form as
 * `email`, its consent form, and the redirect back to the CLI's listener on 127.0.0.1.
 */
async function signInAt(url: string, email: string): Promise<string> {
  const jar = new Jar();
  let next = url;
  for (let hops = 0; hops < 12; hops++) {
    const target = new URL(next);
    if (target.origin !== idp.issuer) {
      // Back at the CLI's loopback listener: what the browser shows.
      const res = await fetch(next);
      return res.text();
    }
    const interaction = /\/interaction\/[^/?#]+$/.test(target.pathname);
    let res: Response;
    if (interaction) {
      const page = await fetch(next, { headers: { cookie: jar.header() } });
      jar.take(page);
      const prompt = /name="prompt" value="(\w+)"/.exec(await page.text())?.[1];
      const form = new URLSearchParams(
        prompt === 'login' ? { prompt, login: email, password: 'any' } : { prompt: 'consent' },
      );
      res = await fetch(next, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    }
    jar.take(res);
    const location = res.headers.get('location');
    if (location === null) throw new Error(`${next} answered ${res.status} without a redirect`);
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

/** Runs `drover login`, signing in as `email` at the URL it prints. */
async function login(
  email: string,
  extra: string[] = [],
): Promise<{ run: Run; landing: Promise<string> | undefined }> {
  let landing: Promise<string> | undefined;
  const run = await drover(['login', '--http', http, ...extra], (soFar) => {
    const m = /^\s+(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(soFar);
    if (m !== null && landing === undefined) landing = signInAt(m[1]!, email);
  });
  return { run, landing };
}

/** Submits a task that stays PENDING in `pool`, as the coordinator's admin. */
async function pendingTask(pool: string): Promise<string> {
  const run = await drover([
    '--token-file',
    adminTokenFile,
    'submit',
    '-d',
    `pool=${pool}`,
    '-d',
    'os=Nowhere',
    '--wait-for-capacity',
    '--',
    'true',
  ]);
  expect(run.stderr).toBe('');
  return run.stdout.trim();
}

/** Runs the CLI in this process, its clock at `nowMs` (the login's expiry is the CLI's to judge). */
async function inProcess(args: string[], nowMs: number): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const rt: Runtime = {
    env: { HOME: work, DROVER_SERVER: server, PATH: process.env['PATH'] },
    cwd: work,
    stdout,
    stderr,
    now: () => nowMs,
  };
  const code = await runCli(args, rt);
  return { code, stdout: out, stderr: err };
}

const cacheFile = () => join(work, '.config', 'drover', 'login.json');

describe('drover login against a real identity provider', () => {
  it('prints the URL, and once signed in there caches the login for the coordinator (0600)', async () => {
    const { run, landing } = await login('alice@example.com');
    expect(run.stderr).toContain('Open this URL in a browser to sign in');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`logged in to ${server} as alice@example.com`);
    expect(await landing).toContain('you can close this tab');
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, '.config', 'drover')).mode & 0o777).toBe(0o700);
    const cached = JSON.parse(readFileSync(cacheFile(), 'utf8')) as {
      logins: Record<string, { name: string; refresh_token?: string }>;
    };
    expect(cached.logins[server]?.name).toBe('alice@example.com');
    expect(cached.logins[server]?.refresh_token).toBeDefined();
  });

  it('lets drover tasks list pool ci as alice, with no token given', async () => {
    const inCi = await pendingTask('ci');
    const elsewhere = await pendingTask('other');
    const run = await drover(['tasks', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(inCi);
    // alice's roles are in pool ci only: the admin's other task is not hers to see.
    expect(run.stdout).not.toContain(elsewhere);
    // As alice (ci-admins) the cancel goes through.
    const cancel = await drover(['cancel', inCi]);
    expect(cancel.code).toBe(0);
  });

  it('refreshes the login with its refresh token once the ID token has expired', async () => {
    const before = JSON.parse(readFileSync(cacheFile(), 'utf8')).logins[server] as {
      id_token: string;
      expires_at: string;
    };
    const inCi = await pendingTask('ci');
    // Past the cached ID token's expiry.
    const {
      code,
      stdout: out,
      stderr: err,
    } = await inProcess(['tasks', '--json'], Date.parse(before.expires_at) + 1000);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(inCi);
    const after = JSON.parse(readFileSync(cacheFile(), 'utf8')).logins[server] as {
      id_token: string;
    };
    expect(after.id_token).not.toBe(before.id_token);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
  });

  it('refreshes once when several drover commands find the login expired together, and again later', async () => {
    // A rotated refresh token works once, and the provider ends the sign-in when a used one comes
    // back: drover processes refreshing together would leave a login no later refresh can renew.
    const expiry = () =>
      Date.parse(
        (JSON.parse(readFileSync(cacheFile(), 'utf8')).logins[server] as { expires_at: string })
          .expires_at,
      );
    const first = expiry();
    const together = await Promise.all(
      [1, 2, 3, 4].map(() => inProcess(['tasks', '--json'], first + 1000)),
    );
    for (const run of together) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    // The next expiry: the login refreshed above still refreshes.
    const later = await inProcess(['tasks', '--json'], expiry() + 1000);
    expect(later.stderr).toBe('');
    expect(later.code).toBe(0);
    expect(() => statSync(`${cacheFile()}.lock`)).toThrow();
  });

  it('logs out: the cache entry is gone and calls go unauthenticated again', async () => {
    const out = await drover(['logout']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`logged out of ${server} (alice@example.com)`);
    expect(() => statSync(cacheFile())).toThrow();
    const run = await drover(['tasks']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('drover login');
  });

  it('signs bob (ci-viewers) in: he lists pool ci but may not cancel there; once logged out his refresh token is dead', async () => {
    const { run } = await login('bob@example.com');
    expect(run.code).toBe(0);
    const inCi = await pendingTask('ci');
    const list = await drover(['tasks']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(inCi);
    const cancel = await drover(['cancel', inCi]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('refused');
    // Logging out revokes the refresh token at the provider: a copy of the cache kept from before
    // cannot be refreshed once its ID token has expired, and the CLI says to log in again.
    const kept = readFileSync(cacheFile(), 'utf8');
    expect((await drover(['logout'])).code).toBe(0);
    writeFileSync(cacheFile(), kept, { mode: 0o600 });
    const expiresAt = Date.parse(
      (JSON.parse(kept) as { logins: Record<string, { expires_at: string }> }).logins[server]!
        .expires_at,
    );
    const stale = await inProcess(['tasks'], expiresAt + 1000);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /the login to .* as bob@example\.com expired at .* could not be refreshed \(.*\): run drover login again/,
    );
    rmSync(cacheFile());
  });
});

describe('drover login errors', () => {
  it('says that the provider refused when the sign-in is denied (exit 1)', async () => {
    let denied: Promise<Response> | undefined;
    const run = await drover(['login', '--http', http], (soFar) => {
      const m = /^\s+(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(soFar);
      if (m === null || denied !== undefined) return;
      // The provider sends the browser back with an error, as when the person declines.
      const asked = new URL(m[1]!);
      const back = new URL(asked.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({
        error: 'access_denied',
        error_description: 'the person declined',
        state: asked.searchParams.get('state')!,
        iss: idp.issuer,
      }).toString();
      denied = fetch(back);
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the identity provider refused the sign-in: access_denied');
    expect((await denied)?.status).toBe(400);
    expect(() => statSync(cacheFile())).toThrow();
  });

  it('says so when the coordinator has no sign-in for the CLI (exit 2)', async () => {
    const plain = await startCoordinator('plain', 'log-level: info\n');
    const run = await bins.drover(plain.grpc, ['login', '--http', plain.http]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no identity provider for the CLI');
  });

  it('says so when the identity provider cannot be reached (exit 1)', async () => {
    const gone = await startOidcTestProvider();
    const issuer = gone.issuer;
    await gone.stop();
    const coord = await startCoordinator(
      'gone',
      [
        'auth:',
        '  oidc:',
        `    - issuer: ${issuer}`,
        '      cli: { clientId: drover-cli }',
        '',
      ].join('\n'),
    );
    const run = await bins.drover(coord.grpc, ['login', '--http', coord.http]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the identity provider at ${issuer}`);
  });
});
