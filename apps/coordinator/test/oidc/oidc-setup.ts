// The setup the OIDC tests share: a real provider (oidc-provider on loopback) and a real coordinator
// that trusts it, and ID tokens the tests craft with the provider's key (or another).
import type { ServiceError } from '@grpc/grpc-js';
import type { TasksClient } from '@drover/protocol';
import { SignJWT, importJWK, type JWK, type JWTPayload } from 'jose';
import type { CoordinatorOptions, RunningCoordinator } from '../../src/index';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the OIDC provider fixture is shared with the CLI's tests
import {
  startOidcTestProvider,
  type OidcTestProvider,
} from '../../../../tools/src/test-support/oidc-provider';
import { bearer, call, startTestCoordinator, tempDir } from '../harness';

export type { OidcTestProvider };

export interface OidcCoordinator {
  readonly idp: OidcTestProvider;
  readonly dir: ReturnType<typeof tempDir>;
  readonly coord: RunningCoordinator;
  /** Stops the coordinator, removes its data directory, stops the provider. */
  close(): Promise<void>;
}

/**
 * A provider, then a coordinator (SQLite in a temporary directory, `options` and `clock` as
 * startTestCoordinator takes them) whose one OIDC issuer is that provider, with the rest of the
 * issuer's settings (audience, groups, …) from `issuer`, which may write files in `dataDir`.
 */
export async function startOidcCoordinator(
  issuer: (idp: OidcTestProvider, dataDir: string) => Record<string, unknown>,
  options: CoordinatorOptions = {},
  clock?: () => number,
): Promise<OidcCoordinator> {
  const idp = await startOidcTestProvider();
  const dir = tempDir();
  const coord = await startTestCoordinator(
    dir.path,
    { ...options, oidc: [{ issuer: idp.issuer, ...issuer(idp, dir.path) }] },
    clock,
  );
  return {
    idp,
    dir,
    coord,
    async close() {
      await coord.close();
      dir.remove();
      await idp.stop();
    },
  };
}

/**
 * An ID token of `idp`: alice (ci-admins) for the CLI's client, valid ten minutes, with `claims`
 * over those (a claim set to undefined is left out), signed by `key` (the provider's current key
 * unless given) with `header` over the usual one.
 */
export async function signIdToken(
  idp: OidcTestProvider,
  claims: JWTPayload = {},
  options: { key?: { kid: string; privateJwk: JWK }; header?: Record<string, unknown> } = {},
): Promise<string> {
  const key = options.key ?? idp.signingKey();
  const nowSecs = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: idp.issuer,
    aud: idp.cli.clientId,
    sub: 'alice@example.com',
    email: 'alice@example.com',
    groups: ['ci-admins'],
    iat: nowSecs,
    exp: nowSecs + 600,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) delete payload[name];
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...options.header })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

/** CountTasks in pool ci with `jwt`: undefined when allowed, else the error. */
export async function countInCi(
  tasks: TasksClient,
  jwt: string,
): Promise<ServiceError | undefined> {
  try {
    await call((md, cb) => tasks.CountTasks({ tags: ['pool:ci'] }, md, cb), bearer(jwt));
    return undefined;
  } catch (err) {
    return err as ServiceError;
  }
}

/**
 * GET /api/me with `jwt` as the dashboard's session cookie: the status and the Set-Cookie
 * headers (a `drover_session=;` among them clears the session).
 */
export async function dashboardMe(
  env: OidcCoordinator,
  jwt: string,
): Promise<{ status: number; setCookie: string[] }> {
  const res = await fetch(`http://${env.coord.httpAddress}/api/me`, {
    headers: { cookie: `drover_session=${jwt}` },
  });
  await res.arrayBuffer();
  return { status: res.status, setCookie: res.headers.getSetCookie() };
}
