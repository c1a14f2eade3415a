import * as grpc from '@grpc/grpc-js';
import { loadProtoDefinition } from '@drover/protocol';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, readToken, startTestCoordinator, tempDir } from './harness';

type Ctor = new (address: string, creds: grpc.ChannelCredentials) => grpc.Client;
type Unary = (
  req: unknown,
  md: grpc.Metadata,
  cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
) => void;
type HealthStub = grpc.Client & {
  Check: Unary;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
};
type ReflectionStub = grpc.Client & {
  ServerReflectionInfo(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, ReflectionResponse>;
};
interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
}

const REFLECTION_PROTO = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);

function ctor(file: string, service: string): Ctor {
  let obj: unknown = grpc.loadPackageDefinition(loadProtoDefinition([file]));
  for (const part of service.split('.')) obj = (obj as Record<string, unknown>)[part];
  return obj as Ctor;
}

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
const clients: grpc.Client[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await coord.close();
  dir.remove();
});

function healthStub(): HealthStub {
  const Health = ctor(healthProtoPath, 'grpc.health.v1.Health');
  const c = new Health(coord.grpcAddress, grpc.credentials.createInsecure()) as HealthStub;
  clients.push(c);
  return c;
}

function check(stub: HealthStub, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    stub.Check({ service }, new grpc.Metadata(), (err, res) =>
      err ? reject(err) : resolve(res!.status),
    ),
  );
}

/** Lists services over a raw ServerReflectionInfo stream. */
function listServices(token: string | undefined): Promise<string[]> {
  const Reflection = ctor(REFLECTION_PROTO, 'grpc.reflection.v1.ServerReflection');
  const stub = new Reflection(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
  ) as ReflectionStub;
  clients.push(stub);
  return new Promise((resolve, reject) => {
    const stream = stub.ServerReflectionInfo(bearer(token));
    stream.on('data', (res: ReflectionResponse) => {
      stream.end();
      resolve((res.list_services_response?.service ?? []).map((s) => s.name).sort());
    });
    stream.on('error', reject);
    stream.write({ list_services: '' });
  });
}

describe('gRPC health', () => {
  it('answers SERVING, without a token, for the server and for each Drover service', async () => {
    const stub = healthStub();
    for (const service of [
      '',
      'drover.v1.Tasks',
      'drover.v1.Bots',
      'drover.v1.BotApi',
      'drover.v1.Graph',
    ]) {
      expect(await check(stub, service)).toBe('SERVING');
    }
    await expect(check(stub, 'drover.v1.Nothing')).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('tells watchers NOT_SERVING as soon as the coordinator begins to stop', async () => {
    const watch = healthStub().Watch({ service: '' });
    const seen: string[] = [];
    const notServing = new Promise<void>((resolve, reject) => {
      watch.on('data', (r: { status: string }) => {
        seen.push(r.status);
        if (r.status === 'SERVING') void coord.close();
        if (r.status === 'NOT_SERVING') resolve();
      });
      watch.on('error', reject);
    });
    await notServing;
    watch.cancel();
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
  });
});

describe('gRPC reflection', () => {
  it('lists the Drover services and health to a caller with a token', async () => {
    const services = await listServices(readToken(dir.path, 'client'));
    expect(services).toEqual(
      expect.arrayContaining([
        'drover.v1.BotApi',
        'drover.v1.Bots',
        'drover.v1.Graph',
        'drover.v1.Tasks',
        'grpc.health.v1.Health',
      ]),
    );
  });

  it('refuses a caller without a token', async () => {
    await expect(listServices(undefined)).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
  });
});
