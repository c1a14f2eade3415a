// Server reflection as a generic client sees it: Python's grpcio, with a strict descriptor pool
// and nothing of Drover's .proto files, builds every reflected file and calls Tasks with it.
// Debian's python3-grpcio, python3-protobuf and protoc are required (CI installs them): where
// they are missing the test fails, naming the packages.
import {
  FILE_DESCRIPTOR_PROTOS,
  type NewTaskResponseOut,
  type TasksClient,
} from '@drover/protocol';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';

/** Debian's interpreter: its packages (python3-grpcio) are not seen by another python3 on PATH. */
const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('./fixtures/reflection_client.py', import.meta.url));
/** Holds grpc/reflection/{v1,v1alpha}/reflection.proto, which the client compiles. */
const REFLECTION_PROTO_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto',
);

interface ClientSummary {
  services: string[];
  /** sha256 (hex) of each file as served, by name. */
  files: Record<string, string>;
  optional: string[];
  count: number;
}

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
});

afterEach(async () => {
  stub.close();
  await coord.close();
  dir.remove();
});

function newTask(token: string, name: string): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          name,
          task_slices: [
            {
              properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] },
              expiration_secs: 3600,
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
}

/** Runs the Python client; a failed check or a missing package rejects with its stderr. */
async function runClient(token: string): Promise<ClientSummary> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [CLIENT, coord.grpcAddress, REFLECTION_PROTO_DIR],
    { env: { ...process.env, DROVER_TOKEN: token }, timeout: 60_000 },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ClientSummary;
}

describe('gRPC reflection to a generic client', () => {
  it('serves the real .proto files, which a strict descriptor pool builds to call CountTasks', async () => {
    const token = readToken(dir.path, 'client');
    await newTask(token, 'first');
    await newTask(token, 'second');

    const summary = await runClient(token);

    expect(summary.services).toEqual([
      'drover.v1.Access',
      'drover.v1.BotApi',
      'drover.v1.Bots',
      'drover.v1.Cas',
      'drover.v1.Graph',
      'drover.v1.Tasks',
      'grpc.health.v1.Health',
    ]);
    expect(Object.keys(summary.files)).toEqual([
      'drover/v1/access.proto',
      'drover/v1/botapi.proto',
      'drover/v1/bots.proto',
      'drover/v1/cas.proto',
      'drover/v1/common.proto',
      'drover/v1/graph.proto',
      'drover/v1/tasks.proto',
      'google/protobuf/timestamp.proto',
      'grpc/health/v1/health.proto',
    ]);
    // Byte for byte what protoc compiled.
    for (const file of FILE_DESCRIPTOR_PROTOS) {
      expect(summary.files[file.name]).toBe(
        createHash('sha256').update(Buffer.from(file.base64, 'base64')).digest('hex'),
      );
    }
    expect(summary.optional).toEqual(
      expect.arrayContaining(['TaskSlice.expiration_secs', 'TaskProperties.io_timeout_secs']),
    );
    expect(summary.count).toBe(2);
  });
});
