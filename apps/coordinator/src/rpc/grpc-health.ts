import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/** The fully qualified gRPC service names the coordinator serves (health reports each). */
export const DROVER_SERVICES = [
  'drover.v1.Tasks',
  'drover.v1.Bots',
  'drover.v1.BotApi',
  'drover.v1.Graph',
  'drover.v1.Access',
] as const;

/**
 * `grpc.health.v1.Health`, unauthenticated: NOT_SERVING until the coordinator serves, SERVING
 * while it does, NOT_SERVING again once it begins to stop — for the server as a whole ("") and
 * for each Drover service. Watch streams see every change.
 */
export class GrpcHealth {
  readonly #impl: HealthImplementation;

  constructor() {
    this.#impl = new HealthImplementation(
      Object.fromEntries(['', ...DROVER_SERVICES].map((s) => [s, 'NOT_SERVING'])),
    );
  }

  addToServer(server: grpc.Server): void {
    this.#impl.addToServer(server);
  }

  setServing(serving: boolean): void {
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    for (const service of ['', ...DROVER_SERVICES]) this.#impl.setStatus(service, status);
  }
}
