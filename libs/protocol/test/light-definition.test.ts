// A released program builds its gRPC definitions from the embedded protocol JSON without
// proto-loader's per-message descriptors (light-definition.ts): what goes over the wire and what
// callers get back must be exactly what proto-loader's definitions give.
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  LOADER_OPTIONS,
  droverProtoJson,
  lightPackageDefinition,
  loadDroverPackageDefinition,
} from '../src/index';

type Methods = Record<string, grpc.MethodDefinition<object, object>>;

/** Services, and message types (which have a `format`): only services are compared. */
const full = loadDroverPackageDefinition() as unknown as Record<string, Methods>;
const isService = (name: string) => !('format' in full[name]!);
const light = lightPackageDefinition(droverProtoJson(), LOADER_OPTIONS) as unknown as Record<
  string,
  Methods
>;

describe('light package definition', () => {
  it('has every service and method of proto-loader, with the same paths, streaming and aliases', () => {
    const services = Object.keys(full).filter(isService);
    expect(services.sort()).toEqual(Object.keys(light).sort());
    expect(services).toContain('drover.v1.Tasks');
    for (const name of services) {
      const want = full[name]!;
      const got = light[name]!;
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [method, def] of Object.entries(want)) {
        const mine = got[method]!;
        expect([mine.path, mine.requestStream, mine.responseStream, mine.originalName]).toEqual([
          def.path,
          def.requestStream,
          def.responseStream,
          def.originalName,
        ]);
      }
    }
  });

  it('serializes and deserializes a request byte for byte as proto-loader does', () => {
    const request = {
      name: 'build',
      priority: 30,
      tags: ['a:b', 'build:42'],
      request_uuid: 'u-1',
      task_slices: [
        {
          properties: {
            command: ['sh', '-c', 'echo hi'],
            dimensions: [{ key: 'pool', value: 'ci' }],
            env: [{ key: 'A', value: 'b' }],
            execution_timeout_secs: 3600,
          },
          expiration_secs: 60,
        },
      ],
      notify: { url: 'https://ci.example.com/hook', userdata: 'x' },
    };
    const want = full['drover.v1.Tasks']!['NewTask']!;
    const got = light['drover.v1.Tasks']!['NewTask']!;
    const bytes = want.requestSerialize(request);
    expect(Buffer.compare(got.requestSerialize(request), bytes)).toBe(0);
    expect(got.requestDeserialize(bytes)).toEqual(want.requestDeserialize(bytes));
    // A result: enums by name, int64 as numbers, timestamps, optional fields as oneofs.
    const result = {
      task_id: 'abc',
      state: 'COMPLETED',
      exit_code: 3,
      output_size: 1234567890123,
      created_ts: { seconds: 1_800_000_000, nanos: 5 },
    };
    const getResult = full['drover.v1.Tasks']!['GetResult']!;
    const mine = light['drover.v1.Tasks']!['GetResult']!;
    const resultBytes = getResult.responseSerialize(result);
    expect(Buffer.compare(mine.responseSerialize(result), resultBytes)).toBe(0);
    expect(mine.responseDeserialize(resultBytes)).toEqual(
      getResult.responseDeserialize(resultBytes),
    );
    expect(mine.responseDeserialize(resultBytes)).toMatchObject({
      state: 'COMPLETED',
      exit_code: 3,
    });
  });
});
