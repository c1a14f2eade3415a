// The live access commands as an operator runs them: the real drover-coordinator on loopback,
// the drover CLI with the tokens file's admin token (.drover/client.token of its working
// directory), a real drover-bot connected with a bot group token. The cases run in order.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, RealBins, jsonLines } from './support/real-bins';

let work: string;
let server = '';
let bins: RealBins;
const drover = (...args: string[]) => bins.drover(server, args);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-access-cli-'));
  bins = new RealBins(work);
  server = await bins.startCoordinator();
});

afterAll(async () => {
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

let carolToken = '';
let carolTokenId = '';

describe('drover access principals', () => {
  it('puts a principal and lists it beside the tokens file’s, read-only', async () => {
    const put = await drover(
      'access',
      'principals',
      'put',
      'carol',
      '--role',
      'ci=view,submit',
      '--description',
      'CI owner',
    );
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(put.stdout).toBe('principal carol: roles ci=view,submit\n');

    const table = await drover('access', 'principals', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+ADMIN\s+ROLES\s+SOURCE\s+DESCRIPTION\n/);
    expect(table.stdout).toMatch(/^local-admin\s+yes\s+-\s+tokens file\s+the tokens file$/m);
    expect(table.stdout).toMatch(/^carol\s+no\s+ci=view,submit\s+store\s+CI owner$/m);

    const json = jsonLines((await drover('access', 'principals', 'list', '--json')).stdout);
    expect(json.map((p) => [p['name'], p['read_only']])).toEqual([
      ['local-admin', true],
      ['carol', false],
    ]);
    expect(json[1]).toMatchObject({ roles: { ci: { roles: ['view', 'submit'] } } });
  });
});

describe('drover token', () => {
  it('creates a token, printed once, that works at once', async () => {
    const created = await drover(
      'token',
      'create',
      '--principal',
      'carol',
      '--expires',
      '30d',
      '--description',
      'laptop',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^drv_c_[A-Za-z0-9_-]{43}\n$/);
    carolToken = created.stdout.trim();
    const id = /created (tok-[0-9a-f]{16}) for principal carol, expires \S+Z;/.exec(created.stderr);
    expect(id, created.stderr).not.toBeNull();
    carolTokenId = id![1]!;

    const submitted = await drover('--token', carolToken, 'submit', '-d', 'pool=ci', '--', 'true');
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
  });

  it('lists tokens without the token, the tokens file’s read-only', async () => {
    const table = await drover('token', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+KIND\s+SUBJECT\s+STATE\s+SCOPE\s+CREATED\s+EXPIRES/);
    expect(table.stdout).toMatch(/^file:local-admin\s+principal\s+local-admin\s+read-only/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${carolTokenId}\\s+principal\\s+carol\\s+active`, 'm'),
    );
    expect(table.stdout).not.toContain(carolToken);

    const json = jsonLines((await drover('token', 'list', '--subject', 'carol', '--json')).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      id: carolTokenId,
      kind: 'principal',
      subject: 'carol',
      description: 'laptop',
      created_by: 'local-admin',
      read_only: false,
    });
    expect(typeof json[0]!['expires']).toBe('string');
    expect(JSON.stringify(json)).not.toContain(carolToken);
  });

  it('narrows a scoped token', async () => {
    const created = await drover(
      'token',
      'create',
      '--principal',
      'carol',
      '--scope',
      'ci=view',
      '--json',
    );
    expect(created.code).toBe(0);
    const [res] = jsonLines(created.stdout);
    const secret = String(res!['secret']);
    expect(res!['token']).toMatchObject({ scope: { ci: { roles: ['view'] } } });
    const refused = await drover('--token', secret, 'submit', '-d', 'pool=ci', '--', 'true');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused the call');
    expect((await drover('--token', secret, 'tasks', '--tag', 'pool:ci')).code).toBe(0);
  });

  it('revokes a token: refused at once, saying so', async () => {
    const revoked = await drover('token', 'revoke', carolTokenId);
    expect(revoked.stdout).toBe(`revoked ${carolTokenId} (carol)\n`);
    expect(revoked.code).toBe(0);
    const refused = await drover('--token', carolToken, 'tasks');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`token ${carolTokenId} was revoked`);
    const all = await drover('token', 'list', '--subject', 'carol', '--all');
    expect(all.stdout).toMatch(
      new RegExp(`^${carolTokenId}\\s+principal\\s+carol\\s+revoked`, 'm'),
    );
  });

  it('refuses to revoke a token of the tokens file', async () => {
    const r = await drover('token', 'revoke', 'file:local-admin');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tokens file (read-only)');
  });
});

describe('drover access groups', () => {
  let bot: ChildProcess | undefined;

  it('puts a bot group whose token connects a bot, and revoking it makes the bot leave', async () => {
    const put = await drover(
      'access',
      'groups',
      'put',
      'ci-bots',
      '--bot-ids',
      'ci-*',
      '-d',
      'pool=ci',
      '--description',
      'CI fleet',
    );
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const listed = await drover('access', 'groups', 'list');
    expect(listed.stdout).toMatch(/^ci-bots\s+ci-\*\s+pool=ci\s+store\s+CI fleet$/m);
    expect(listed.stdout).toMatch(/^local-bots\s+\*\s+-\s+tokens file/m);

    const created = await drover('token', 'create', '--bot-group', 'ci-bots', '--json');
    expect(created.code).toBe(0);
    const [res] = jsonLines(created.stdout);
    const tokenFile = join(work, 'ci-bots.token');
    writeFileSync(tokenFile, `${String(res!['secret'])}\n`, { mode: 0o600 });
    ({ child: bot } = await bins.startUntil(
      BOT,
      [
        '--server',
        server,
        '--data-dir',
        join(work, 'bot-ci'),
        '--id',
        'ci-1',
        '--token-file',
        tokenFile,
      ],
      'bot ready',
    ));
    const exited = once(bot, 'exit');

    const id = String((res!['token'] as Record<string, unknown>)['id']);
    expect((await drover('token', 'revoke', id)).code).toBe(0);
    // The coordinator refused it: the bot stops instead of reconnecting (exit 3).
    const [code] = (await exited) as [number | null];
    expect(code).toBe(3);
  });

  it('deletes a bot group, saying how many tokens stopped working', async () => {
    await drover('token', 'create', '--bot-group', 'ci-bots');
    const deleted = await drover('access', 'groups', 'delete', 'ci-bots');
    expect(deleted.stdout).toBe('deleted bot group ci-bots; 1 token stopped working\n');
    expect(deleted.code).toBe(0);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a principal name with a space',
      ['access', 'principals', 'put', 'a b', '--role', 'ci=view'],
      /name: /,
    ],
    [
      'a principal without a role',
      ['access', 'principals', 'put', 'dave'],
      /--admin or at least one --role/,
    ],
    [
      'an unknown role',
      ['access', 'principals', 'put', 'dave', '--role', 'ci=root'],
      /--role.*"root" is not a role/,
    ],
    [
      'a group forcing no pool',
      ['access', 'groups', 'put', 'g', '--bot-ids', 'g-*'],
      /dimensions: must force a pool/,
    ],
    [
      'neither --principal nor --bot-group',
      ['token', 'create'],
      /--principal NAME or --bot-group NAME/,
    ],
    [
      'an unreadable --expires',
      ['token', 'create', '--principal', 'carol', '--expires', 'soon'],
      /--expires.*expected a duration/,
    ],
    [
      'a scoped bot token',
      ['token', 'create', '--bot-group', 'local-bots', '--scope', 'ci=view'],
      /--scope: only principal tokens/,
    ],
    [
      'an unknown subject',
      ['token', 'create', '--principal', 'nobody'],
      /subject: no principal named nobody/,
    ],
    ['a malformed token id', ['token', 'revoke', 'tok-1'], /id: must be tok- and 16 hex/],
  ];
  it.each(cases)('refuses %s with exit 2, naming the field', async (_what, args, message) => {
    const run = await drover(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('says NOT_FOUND for a principal that is not there (exit 1)', async () => {
    const run = await drover('access', 'principals', 'delete', 'nobody');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('principal nobody');
  });
});
