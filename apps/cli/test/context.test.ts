import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DroverClientError, GrpcStatus } from '@drover/client';
import {
  callerIdentity,
  describeError,
  findTokenFile,
  resolveConnection,
  serverAddress,
  type Connection,
  type GlobalOptions,
} from '../src/context';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-cli-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function put(path: string, text: string): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

describe('findTokenFile', () => {
  it('finds .drover/client.token in the start directory', () => {
    const file = put('.drover/client.token', 'tok\n');
    expect(findTokenFile(root)).toBe(file);
  });

  it('walks up to the nearest parent that has one', () => {
    const outer = put('.drover/client.token', 'outer');
    mkdirSync(join(root, 'a/b/c'), { recursive: true });
    expect(findTokenFile(join(root, 'a/b/c'))).toBe(outer);
    const inner = put('a/.drover/client.token', 'inner');
    expect(findTokenFile(join(root, 'a/b/c'))).toBe(inner);
  });

  it('ignores a directory of that name', () => {
    mkdirSync(join(root, 'x/.drover/client.token'), { recursive: true });
    const outer = put('.drover/client.token', 'outer');
    expect(findTokenFile(join(root, 'x'))).toBe(outer);
  });

  it('finds nothing when no directory up to / has one', () => {
    expect(findTokenFile(root)).toBeUndefined();
  });
});

describe('serverAddress', () => {
  it.each<[string, string]>([
    ['ci-coord', 'ci-coord:7070'],
    ['ci-coord.example.com', 'ci-coord.example.com:7070'],
    ['10.0.0.5', '10.0.0.5:7070'],
    ['ci-coord:9000', 'ci-coord:9000'],
    ['10.0.0.5:9000', '10.0.0.5:9000'],
    ['::1', '[::1]:7070'],
    ['[::1]', '[::1]:7070'],
    ['[::1]:9000', '[::1]:9000'],
    ['dns:///ci-coord:9000', 'dns:///ci-coord:9000'],
    ['unix:/run/drover.sock', 'unix:/run/drover.sock'],
  ])('%s → %s', (given, address) => {
    expect(serverAddress(given)).toBe(address);
  });

  it('applies to --server and DROVER_SERVER alike', () => {
    expect(resolveConnection({ server: 'coord' }, {}, root)).toMatchObject({
      value: { server: 'coord:7070' },
    });
    expect(resolveConnection({}, { DROVER_SERVER: 'coord' }, root)).toMatchObject({
      value: { server: 'coord:7070' },
    });
  });
});

describe('resolveConnection', () => {
  it('defaults to 127.0.0.1:7070, plain text, no token', () => {
    expect(resolveConnection({}, {}, root)).toEqual({
      ok: true,
      value: { server: '127.0.0.1:7070', token: undefined, tokenSource: undefined, tls: false },
    });
  });

  it('takes the server from the flag before DROVER_SERVER', () => {
    const env = { DROVER_SERVER: 'env:1' };
    expect(resolveConnection({}, env, root)).toMatchObject({ value: { server: 'env:1' } });
    expect(resolveConnection({ server: 'flag:2' }, env, root)).toMatchObject({
      value: { server: 'flag:2' },
    });
  });

  it('takes the token from --token, --token-file, DROVER_TOKEN, DROVER_TOKEN_FILE, then the nearest file', () => {
    put('.drover/client.token', 'found\n');
    const flagFile = put('flag.token', ' from-flag-file \n');
    const envFile = put('env.token', 'from-env-file');
    const all = { DROVER_TOKEN: 'from-env', DROVER_TOKEN_FILE: envFile };
    const token = (opts: GlobalOptions, env: Record<string, string>) => {
      const r = resolveConnection(opts, env, root);
      return r.ok ? [r.value.token, r.value.tokenSource] : r.message;
    };
    expect(token({ token: 'from-flag', tokenFile: flagFile }, all)).toEqual([
      'from-flag',
      '--token',
    ]);
    expect(token({ tokenFile: flagFile }, all)).toEqual(['from-flag-file', flagFile]);
    expect(token({}, all)).toEqual(['from-env', 'DROVER_TOKEN']);
    expect(token({}, { DROVER_TOKEN_FILE: envFile })).toEqual(['from-env-file', envFile]);
    expect(token({}, {})).toEqual(['found', join(root, '.drover/client.token')]);
  });

  it('reads a relative --token-file from the working directory', () => {
    put('sub/t', 'rel');
    expect(resolveConnection({ tokenFile: 'sub/t' }, {}, root)).toMatchObject({
      value: { token: 'rel' },
    });
  });

  it('refuses an unreadable or empty token file, naming it', () => {
    const missing = join(root, 'missing');
    const r1 = resolveConnection({ tokenFile: missing }, {}, root);
    expect(r1.ok).toBe(false);
    expect(!r1.ok && r1.message).toContain(`cannot read token file ${missing}`);
    const empty = put('empty', '  \n');
    expect(resolveConnection({}, { DROVER_TOKEN_FILE: empty }, root)).toEqual({
      ok: false,
      message: `token file ${empty} is empty`,
    });
  });

  it('turns TLS on from --tls, DROVER_TLS or a CA file', () => {
    const ca = put('ca.pem', 'PEM');
    expect(resolveConnection({ tls: true }, {}, root)).toMatchObject({ value: { tls: true } });
    expect(resolveConnection({}, { DROVER_TLS: '1' }, root)).toMatchObject({
      value: { tls: true },
    });
    expect(resolveConnection({}, { DROVER_TLS: '0' }, root)).toMatchObject({
      value: { tls: false },
    });
    expect(resolveConnection({}, { DROVER_CA_FILE: ca }, root)).toMatchObject({
      value: { tls: { rootCerts: Buffer.from('PEM') } },
    });
    expect(resolveConnection({ caFile: 'nope.pem' }, {}, root).ok).toBe(false);
  });
});

describe('callerIdentity', () => {
  it('takes the user from $USER and the parent task from DROVER_TASK_ID', () => {
    expect(callerIdentity({ USER: 'alice', DROVER_TASK_ID: 'p1' })).toEqual({
      user: 'alice',
      parentTaskId: 'p1',
    });
    expect(callerIdentity({})).toEqual({ user: undefined, parentTaskId: undefined });
  });
});

describe('describeError', () => {
  const conn: Connection = { server: 'h:1', token: 't', tokenSource: 'DROVER_TOKEN', tls: false };
  const err = (code: GrpcStatus, details: string) => new DroverClientError(code, details, 'h:1');

  it.each([
    [GrpcStatus.UNAVAILABLE, 'down', 'cannot reach the coordinator at h:1: down'],
    [
      GrpcStatus.UNAUTHENTICATED,
      'bad token',
      'the coordinator at h:1 did not accept the call (token from DROVER_TOKEN): bad token',
    ],
    [
      GrpcStatus.PERMISSION_DENIED,
      'no submit',
      'the coordinator at h:1 refused the call (token from DROVER_TOKEN): no submit',
    ],
    [
      GrpcStatus.INVALID_ARGUMENT,
      'priority: must be 1..255',
      'invalid request: priority: must be 1..255',
    ],
    [GrpcStatus.NOT_FOUND, 'task x not found', 'task x not found (asked the coordinator at h:1)'],
    [GrpcStatus.INTERNAL, 'oops', 'the coordinator at h:1 failed the call with INTERNAL: oops'],
  ])('status %i', (code, details, start) => {
    expect(describeError(err(code, details), conn).startsWith(start)).toBe(true);
  });

  it('tells how to give a token when the coordinator wants one', () => {
    const text = describeError(err(GrpcStatus.UNAUTHENTICATED, 'missing'), {
      ...conn,
      tokenSource: undefined,
    });
    expect(text).toContain('no token was given');
    expect(text).toContain('--token');
    expect(text).toContain('.drover/client.token');
  });
});
