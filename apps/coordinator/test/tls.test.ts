import * as grpc from '@grpc/grpc-js';
import type { NewTaskResponseOut, TaskResultOut, TasksClient } from '@drover/protocol';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type RunningCoordinator } from '../src/index';
import {
  TEST_TLS,
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
} from './harness';

const CLI = fileURLToPath(new URL('../../cli/bin/drover.js', import.meta.url));
const CA = readFileSync(TEST_TLS.certFile);

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator | undefined;
const stubs: TasksClient[] = [];

beforeEach(() => {
  dir = tempDir();
});

afterEach(async () => {
  for (const s of stubs.splice(0)) s.close();
  await coord?.close();
  coord = undefined;
  dir.remove();
});

async function startWithTls(): Promise<RunningCoordinator> {
  coord = await startTestCoordinator(dir.path, {
    tlsCertFile: TEST_TLS.certFile,
    tlsKeyFile: TEST_TLS.keyFile,
  });
  return coord;
}

function stub(credentials: grpc.ChannelCredentials): TasksClient {
  const s = tasksStub(coord!.grpcAddress, credentials);
  stubs.push(s);
  return s;
}

function submit(s: TasksClient, deadlineMs = 10_000): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (md, cb) =>
      s.NewTask(
        {
          name: 'over-tls',
          task_slices: [
            {
              properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        { deadline: Date.now() + deadlineMs },
        cb,
      ),
    bearer(readToken(dir.path, 'client')),
  );
}

/** Runs the real CLI; resolves with its exit code and output. */
async function cli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir.path,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('TLS on the coordinator', () => {
  it('serves NewTask and GetResult to a client trusting its certificate', async () => {
    await startWithTls();
    const s = stub(grpc.credentials.createSsl(CA));
    const { task_id } = await submit(s);
    const result = await call<TaskResultOut>(
      (md, cb) => s.GetResult({ task_id }, md, cb),
      bearer(readToken(dir.path, 'client')),
    );
    expect(result).toMatchObject({ task_id, state: 'PENDING' });
    const written = JSON.parse(readFileSync(join(dir.path, 'coordinator.json'), 'utf8')) as {
      tls: boolean;
    };
    expect(written.tls).toBe(true);
  });

  it('refuses plaintext clients', async () => {
    await startWithTls();
    await expect(submit(stub(grpc.credentials.createInsecure()), 3000)).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('serves the drover CLI given --ca-file, and refuses it without TLS', async () => {
    await startWithTls();
    const token = readToken(dir.path, 'client');
    const common = ['--server', coord!.grpcAddress, '--token', token];
    const submitted = await cli([
      ...common,
      '--ca-file',
      TEST_TLS.certFile,
      'submit',
      '-d',
      'pool=default',
      '--wait-for-capacity',
      '--',
      'true',
    ]);
    // Nothing on stderr: not even Node's DEP0123 warning, which grpc-js's TLS server name set to
    // the IP address it dials provoked on every command (tls-ip-warning.ts).
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const taskId = submitted.stdout.trim();
    const shown = await cli([...common, '--ca-file', TEST_TLS.certFile, 'result', taskId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('PENDING');
    const plain = await cli([...common, 'result', taskId]);
    expect(plain.code).not.toBe(0);
  });

  it('serves /healthz over HTTPS', async () => {
    await startWithTls();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`https://${coord!.httpAddress}/healthz`, { ca: CA }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('serves the Connect protocol over HTTPS, dialling its own TLS gRPC listener', async () => {
    await startWithTls();
    const token = readToken(dir.path, 'client');
    const answer = await new Promise<{ status: number | undefined; body: string }>(
      (resolve, reject) => {
        const req = request(
          `https://${coord!.httpAddress}/drover.v1.Tasks/CountTasks`,
          {
            method: 'POST',
            ca: CA,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        );
        req.on('error', reject);
        req.end('{}');
      },
    );
    expect(answer).toEqual({ status: 200, body: '{"count":"0"}' });
  });

  it('stops with a ConfigError naming tls-cert when the certificate cannot be read', async () => {
    const start = startTestCoordinator(dir.path, {
      tlsCertFile: join(dir.path, 'missing.crt'),
      tlsKeyFile: TEST_TLS.keyFile,
    });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/^tls-cert: cannot read/);
  });

  it('stops with a ConfigError naming tls-key when the key is not a key of the certificate', async () => {
    const notAKey = join(dir.path, 'server.key');
    writeFileSync(notAKey, 'not a key\n');
    copyFileSync(TEST_TLS.certFile, join(dir.path, 'server.crt'));
    const start = startTestCoordinator(dir.path, {
      tlsCertFile: join(dir.path, 'server.crt'),
      tlsKeyFile: notAKey,
    });
    await expect(start).rejects.toThrow(/^tls-key: .* is not a usable private key/);
  });
});
