import { status, type ServiceDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadDroverProto } from '@drover/protocol';
import { unimplementedService } from '../../src/rpc/grpc-edge';

const BOTS = loadDroverProto().drover.v1.Bots.service as ServiceDefinition;

describe('a service with methods not built yet', () => {
  it('answers UNIMPLEMENTED, naming the method, for every method without a handler', () => {
    const handlers = unimplementedService(BOTS, {});
    let answer: { code?: number; details?: string } | undefined;
    const unary = handlers['DeleteBot'] as (call: unknown, cb: (err: unknown) => void) => void;
    unary({}, (err) => (answer = err as typeof answer));
    expect(answer?.code).toBe(status.UNIMPLEMENTED);
    expect(answer?.details).toBe('/drover.v1.Bots/DeleteBot is not implemented yet');
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(BOTS).sort());
  });

  it('keeps the handlers that are built', () => {
    const built = (): void => undefined;
    expect(unimplementedService(BOTS, { GetBot: built })['GetBot']).toBe(built);
  });
});
