// People of an OIDC issuer call the coordinator with their ID token (issue 22): a real provider
// (oidc-provider) on loopback, a real coordinator over gRPC (and the Connect bridge over HTTP).
// alice (ci-admins) may cancel in pool ci; bob (ci-viewers) may look but not cancel; tokens that
// are expired, for another audience, from another issuer, unsigned, signed by another key or
// tampered with are refused with UNAUTHENTICATED and the reason; a key rotation at the provider is
// picked up without a restart.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { TaskResultOut, TasksClient } from '@drover/protocol';
import {
  SignJWT,
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTask } from '../dashboard/dashboard-client';
import { bearer, call, readToken, tasksStub } from '../harness';
import { signIdToken, startOidcCoordinator, type OidcCoordinator } from './oidc-setup';

let env: OidcCoordinator;
let tasks: TasksClient;
let admin: string;

beforeAll(async () => {
  env = await startOidcCoordinator((idp) => ({
    audience: [idp.cli.clientId, idp.dashboard.clientId],
    groups: {
      'ci-admins': { ci: ['admin'] },
      'ci-viewers': { ci: ['view'] },
      sre: { '*': ['view'] },
    },
    // Each unknown kid may fetch the keys again at once: the rotation test needs no wait.
    jwksCooldown: 0,
  }));
  tasks = tasksStub(env.coord.grpcAddress);
  admin = readToken(env.dir.path, 'client');
});

afterAll(async () => {
  tasks.close();
  await env.close();
});

let seq = 0;
/** A task in pool ci that stays PENDING (no bot has os=Nowhere), submitted by the admin token. */
function pendingTaskInCi(): Promise<string> {
  return submitTask(tasks, admin, {
    pool: 'ci',
    name: `oidc-${++seq}`,
    dimensions: [{ key: 'os', value: 'Nowhere' }],
    waitForCapacity: true,
  });
}

function getResult(jwt: string, taskId: string): Promise<TaskResultOut> {
  return call<TaskResultOut>((md, cb) => tasks.GetResult({ task_id: taskId }, md, cb), bearer(jwt));
}

function cancel(jwt: string, taskId: string): Promise<unknown> {
  return call(
    (md, cb) => tasks.CancelTask({ task_id: taskId, kill_running: false }, md, cb),
    bearer(jwt),
  );
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

/** A JWT signed with the provider's own current key, with these claims over sane defaults. */
function signedByProvider(
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return signIdToken(env.idp, claims, { header });
}

describe('OIDC ID tokens as credentials', () => {
  it('lets alice (ci-admins) cancel a task in pool ci', async () => {
    const { idToken } = await env.idp.loginAs('alice');
    const id = await pendingTaskInCi();
    expect((await getResult(idToken, id)).state).toBe('PENDING');
    await cancel(idToken, id);
    const result = await getResult(admin, id);
    expect(result.state).toBe('CANCELED');
  });

  it('lets bob (ci-viewers) see a task in pool ci but not cancel it', async () => {
    const { idToken } = await env.idp.loginAs('bob');
    const id = await pendingTaskInCi();
    expect((await getResult(idToken, id)).state).toBe('PENDING');
    const err = await failure(cancel(idToken, id));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect((await getResult(admin, id)).state).toBe('PENDING');
  });

  it('authenticates a user of no configured group, who may do nothing', async () => {
    const carol = await signedByProvider({
      sub: 'carol@example.com',
      email: 'carol@example.com',
      groups: ['marketing'],
    });
    const id = await pendingTaskInCi();
    const err = await failure(getResult(carol, id));
    expect(err.code).toBe(status.PERMISSION_DENIED);
  });

  it('answers over the Connect bridge on the HTTP port as over gRPC', async () => {
    const { idToken } = await env.idp.loginAs('bob');
    const id = await pendingTaskInCi();
    const post = (jwt: string) =>
      fetch(`http://${env.coord.httpAddress}/drover.v1.Tasks/GetResult`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ task_id: id }),
      });
    const ok = await post(idToken);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { state: string }).state).toBe('PENDING');
    const expired = await post(
      await signedByProvider({ exp: Math.floor(Date.now() / 1000) - 600 }),
    );
    expect(expired.status).toBe(401);
    const body = (await expired.json()) as { code: string; message: string };
    expect(body.code).toBe('unauthenticated');
    expect(body.message).toMatch(/expired/);
  });

  it('serves /metrics to a JWT whose groups may view every pool, and only to it', async () => {
    const metrics = (jwt: string) =>
      fetch(`http://${env.coord.httpAddress}/metrics`, {
        headers: { authorization: `Bearer ${jwt}` },
      });
    const sre = await metrics(await signedByProvider({ groups: ['sre'] }));
    expect(sre.status).toBe(200);
    expect(await sre.text()).toContain('drover_');
    // alice is authenticated (403, not 401) but may view pool ci only.
    expect((await metrics((await env.idp.loginAs('alice')).idToken)).status).toBe(403);
    const expired = await metrics(
      await signedByProvider({ groups: ['sre'], exp: Math.floor(Date.now() / 1000) - 600 }),
    );
    expect(expired.status).toBe(401);
  });

  it('refuses tokens that must not pass with UNAUTHENTICATED and the reason', async () => {
    const nowSecs = Math.floor(Date.now() / 1000);
    const aliceToken = (await env.idp.loginAs('alice')).idToken;
    const bobToken = (await env.idp.loginAs('bob')).idToken;
    const [bobHeader, bobPayload, bobSignature] = bobToken.split('.') as [string, string, string];

    // bob makes himself a ci-admin: the payload changes, the signature does not.
    const promoted = { ...decodeJwt(bobToken), groups: ['ci-admins'] };
    const tampered = [bobHeader, base64url.encode(JSON.stringify(promoted)), bobSignature].join(
      '.',
    );
    // Unsigned: alg none, no signature.
    const unsigned = [
      base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' })),
      bobPayload.replace(/=+$/, ''),
      '',
    ].join('.');
    // Another key, unknown kid; another key claiming the provider's kid; a shared secret (HS256).
    const other = await generateKeyPair('RS256', { extractable: true });
    const otherKeyClaims = {
      iss: env.idp.issuer,
      aud: env.idp.cli.clientId,
      email: 'alice@example.com',
      groups: ['ci-admins'],
      exp: nowSecs + 600,
    };
    const otherKey = await new SignJWT(otherKeyClaims)
      .setProtectedHeader({ alg: 'RS256', kid: 'not-the-providers' })
      .sign(other.privateKey);
    const otherKeySameKid = await new SignJWT(otherKeyClaims)
      .setProtectedHeader({ alg: 'RS256', kid: env.idp.signingKey().kid })
      .sign(other.privateKey);
    const hmac = await new SignJWT(otherKeyClaims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));

    const cases: Array<[string, string, RegExp]> = [
      ['expired', await signedByProvider({ exp: nowSecs - 600 }), /expired/],
      ['not yet valid', await signedByProvider({ nbf: nowSecs + 600 }), /not yet valid/],
      ['wrong audience', await signedByProvider({ aud: 'someone-else' }), /audience/],
      [
        'wrong issuer',
        await signedByProvider({ iss: 'https://idp.example.com' }),
        /issuer: "https:\/\/idp\.example\.com" is not a configured/,
      ],
      ['alg none', unsigned, /algorithm: "none" is not allowed/],
      ['HS256', hmac, /algorithm: "HS256" is not allowed/],
      ['signed by another key', otherKey, /signature: no key/],
      ['another key under the provider kid', otherKeySameKid, /signature: the signature/],
      ['tampered payload', tampered, /signature: the signature/],
      ['no email', await signedByProvider({ email: undefined }), /claim email/],
    ];
    const id = await pendingTaskInCi();
    for (const [what, jwt, reason] of cases) {
      const err = await failure(cancel(jwt, id));
      expect({ what, code: status[err.code] }).toEqual({ what, code: 'UNAUTHENTICATED' });
      expect({ what, details: err.details }).toEqual({
        what,
        details: expect.stringMatching(reason) as unknown,
      });
    }
    // None of them cancelled it, and the genuine tokens still work.
    expect((await getResult(bobToken, id)).state).toBe('PENDING');
    await cancel(aliceToken, id);
    expect((await getResult(admin, id)).state).toBe('CANCELED');
  });

  it('picks up a key rotation at the provider without a restart', async () => {
    const oldKey = env.idp.signingKey();
    const before = (await env.idp.loginAs('alice')).idToken;
    const id1 = await pendingTaskInCi();
    await cancel(before, id1);

    const fresh = await env.idp.rotateKeys({ dropPrevious: true });
    const after = (await env.idp.loginAs('alice')).idToken;
    expect(decodeProtectedHeader(after).kid).toBe(fresh.kid);
    expect(fresh.kid).not.toBe(oldKey.kid);
    const id2 = await pendingTaskInCi();
    await cancel(after, id2);
    expect((await getResult(admin, id2)).state).toBe('CANCELED');

    // A new token under the retired key is refused: the coordinator holds the provider's keys of
    // now, not of its start.
    const retired = await new SignJWT({
      iss: env.idp.issuer,
      aud: env.idp.cli.clientId,
      email: 'alice@example.com',
      groups: ['ci-admins'],
      exp: Math.floor(Date.now() / 1000) + 600,
    })
      .setProtectedHeader({ alg: 'RS256', kid: oldKey.kid })
      .sign(await importJWK(oldKey.privateJwk, 'RS256'));
    const id3 = await pendingTaskInCi();
    const err = await failure(cancel(retired, id3));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toMatch(/signature: no key/);
  });
});
