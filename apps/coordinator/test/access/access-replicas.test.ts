// Service Access across replicas (two coordinators on one PostgreSQL schema): a token created on
// one is accepted by the other as soon as the change note arrives, a revoked one refused there
// too and the bot it connected there disconnected (a real bot process), and the table holds the
// token's hash, never the token. Waits are on the authority's `changed` event with a deadline.
// Skipped with one line when no PostgreSQL answers at DROVER_TEST_PG_URL.
import * as grpc from '@grpc/grpc-js';
import { hashToken, type AccessClient, type CreateTokenResponseOut } from '@drover/protocol';
import { dropPgSchema, pgReachable } from '@drover/state';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenAuthority } from '../../src/auth/tokens';
import type { RunningCoordinator } from '../../src/index';
import {
  accessStub,
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from '../harness';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE)
  console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: access replicas skipped');
const SCHEMA = `drover_test_${randomBytes(6).toString('hex')}`;

const shared = tempDir('drover-access-replicas-');
const replicas: RunningCoordinator[] = [];
const stubs: AccessClient[] = [];
const bots: ChildProcess[] = [];
let admin: string;

function startReplica(name: string): Promise<RunningCoordinator> {
  return startTestCoordinator(join(shared.path, name), {
    store: PG_URL,
    storeSchema: SCHEMA,
    tokensFile: join(shared.path, 'tokens.json'),
  });
}

beforeAll(async () => {
  if (!REACHABLE) return;
  replicas.push(await startReplica('a'));
  replicas.push(await startReplica('b'));
  admin = readToken(shared.path, 'client');
  for (const r of replicas) {
    stubs.push(accessStub(r.grpcAddress));
  }
}, 60_000);

afterAll(async () => {
  for (const b of bots) await stopProcess(b);
  for (const s of stubs) s.close();
  for (const r of replicas) await r.close();
  if (REACHABLE) await dropPgSchema(PG_URL, SCHEMA);
  shared.remove();
});

/** Calls an Access method on replica `i` as the tokens file's admin. */
function rpc<Res>(i: number, method: keyof AccessClient & string, req: object): Promise<Res> {
  const stub = stubs[i]!;
  const fn = (stub[method] as (...a: unknown[]) => unknown).bind(stub);
  return call<Res>((md, cb) => fn(req, md, cb), bearer(admin));
}

/** CountTasks on replica `i` with `token`. */
function countTasks(i: number, token: string): Promise<unknown> {
  const tasks = tasksStub(replicas[i]!.grpcAddress);
  return call((md, cb) => tasks.CountTasks({}, md, cb), bearer(token)).finally(() => tasks.close());
}

/**
 * Resolves once `holds()` is true of `tokens`: at once, or at the `changed` event (a reload)
 * that makes it so; rejects at the deadline.
 */
function whenAuthority(
  tokens: TokenAuthority,
  what: string,
  holds: () => boolean,
  deadlineMs = 10_000,
): Promise<void> {
  if (holds()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      tokens.events.off('changed', check);
      reject(new Error(`${what}: not within ${deadlineMs} ms`));
    }, deadlineMs);
    const check = () => {
      if (!holds()) return;
      clearTimeout(timer);
      tokens.events.off('changed', check);
      resolve();
    };
    tokens.events.on('changed', check);
  });
}

const accepted = (i: number, secret: string) => () =>
  replicas[i]!.tokens.authenticate(`Bearer ${secret}`) !== undefined;

describe.skipIf(!REACHABLE)('tokens across replicas', () => {
  it('accepts a token created on one replica on the other, and refuses it there once revoked', async () => {
    await rpc(0, 'PutPrincipal', { name: 'ci-robot', roles: { ci: { roles: ['view'] } } });
    const created = await rpc<CreateTokenResponseOut>(0, 'CreateToken', {
      kind: 'principal',
      subject: 'ci-robot',
    });
    await whenAuthority(
      replicas[1]!.tokens,
      'replica b accepts the new token',
      accepted(1, created.secret),
    );
    await countTasks(1, created.secret);

    await rpc(0, 'RevokeToken', { id: created.token!.id });
    await whenAuthority(
      replicas[1]!.tokens,
      'replica b refuses the revoked token',
      () => !accepted(1, created.secret)(),
    );
    const refused = await countTasks(1, created.secret).then(
      () => undefined,
      (err: grpc.ServiceError) => err,
    );
    expect(refused?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(refused?.details).toContain('was revoked');
  });

  it("disconnects a bot on the other replica when its group's token is revoked", async () => {
    await rpc(0, 'PutBotGroup', {
      name: 'ci-bots',
      dimensions: [{ key: 'pool', values: ['ci'] }],
    });
    const created = await rpc<CreateTokenResponseOut>(0, 'CreateToken', {
      kind: 'bot_group',
      subject: 'ci-bots',
    });
    await whenAuthority(
      replicas[1]!.tokens,
      'replica b accepts the bot token',
      accepted(1, created.secret),
    );
    const tokenFile = join(shared.path, 'ci-bots.token');
    writeFileSync(tokenFile, `${created.secret}\n`, { mode: 0o600 });
    const bot = await startBotProcess(replicas[1]!, join(shared.path, 'bot-ci'), 'ci-7', [
      '--token-file',
      tokenFile,
    ]);
    bots.push(bot);
    const exited = once(bot, 'exit');

    // Revoked through replica a: replica b ends the session when the change note arrives.
    await rpc(0, 'RevokeToken', { id: created.token!.id });
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
    expect(replicas[1]!.registry.isConnected('ci-7')).toBe(false);
  });

  it('holds only hashes in the table', async () => {
    const created = await rpc<CreateTokenResponseOut>(0, 'CreateToken', {
      kind: 'principal',
      subject: 'ci-robot',
      description: 'hash check',
    });
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const rows = await client.query(`SELECT * FROM "${SCHEMA}".access_tokens`);
      const text = JSON.stringify(rows.rows);
      expect(text).toContain(hashToken(created.secret));
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain(created.secret.slice(6));
    } finally {
      await client.end();
    }
  });
});
