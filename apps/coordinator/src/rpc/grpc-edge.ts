import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { DroverError, PermissionDeniedError, UnauthenticatedError } from '@drover/protocol';
import type { Logger } from 'pino';
import type { Principal, PrincipalKind } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import { STORE_FAILURE_STATUS, classifyStoreError } from '../store-health/store-failure';

/**
 * Maps anything thrown by a handler to a gRPC status: DroverErrors as they are; the store out of
 * disk (RESOURCE_EXHAUSTED) or out of reach (UNAVAILABLE) as a condition to wait out; bugs as
 * INTERNAL.
 */
export function toStatus(err: unknown, log: Logger, method: string): Partial<grpc.StatusObject> {
  if (err instanceof DroverError) return { code: err.code, details: err.message };
  const failure = classifyStoreError(err);
  if (failure !== undefined) {
    log.warn({ err, method, failure }, 'store failure');
    return { ...STORE_FAILURE_STATUS[failure] };
  }
  log.error({ err, method }, 'internal error');
  return { code: status.INTERNAL, details: 'internal error (see the coordinator log)' };
}

export function authenticate(
  tokens: TokenAuthority,
  metadata: grpc.Metadata,
  kind: PrincipalKind,
): Principal {
  const auth = metadata.get('authorization')[0];
  const header = typeof auth === 'string' ? auth : undefined;
  const principal = tokens.authenticate(header);
  if (principal === undefined) {
    // Revoked, expired, a JWT's verification failure: said as it is (tokens.ts refusal).
    const refusal = tokens.refusal(header);
    throw new UnauthenticatedError(
      refusal !== undefined
        ? `token refused: ${refusal}`
        : 'missing or invalid token: pass --token, set DROVER_TOKEN, or run where .drover/client.token is',
    );
  }
  if (principal.kind !== kind) {
    throw new PermissionDeniedError(`a ${principal.kind} token cannot call this service`);
  }
  return principal;
}

/** A unary handler from an async function; errors mapped once, here. */
export function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toStatus(err, log, method) as grpc.ServiceError),
    );
  };
}

/**
 * A server-streaming handler from an async function that writes to the call. The signal aborts
 * when the client cancels or its deadline passes.
 */
export function serverStream<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, call: grpc.ServerWritableStream<Req, Res>, signal: AbortSignal) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const controller = new AbortController();
    const onCancel = () => controller.abort(new Error('cancelled by the client'));
    call.on('cancelled', onCancel);
    call.on('close', onCancel);
    fn(call.request, call, controller.signal)
      .then(
        () => {
          if (!controller.signal.aborted) call.end();
        },
        (err: unknown) => {
          if (!controller.signal.aborted) call.emit('error', toStatus(err, log, method));
        },
      )
      .finally(() => {
        call.off('cancelled', onCancel);
        call.off('close', onCancel);
      });
  };
}

/** Handlers answering UNIMPLEMENTED for every method of a service not built yet. */
export function unimplementedService(
  service: grpc.ServiceDefinition,
  built: grpc.UntypedServiceImplementation = {},
): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(service)) {
    const fail = { code: status.UNIMPLEMENTED, details: `${def.path} is not implemented yet` };
    if (built[name] !== undefined) {
      handlers[name] = built[name];
    } else if (!def.requestStream && !def.responseStream) {
      handlers[name] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(fail);
    } else {
      handlers[name] = (call: grpc.ServerWritableStream<unknown, unknown>) =>
        call.emit('error', fail);
    }
  }
  return handlers;
}

/**
 * Writes one message of a server stream; when its buffer is full, waits for it to drain or for
 * the call to end (`signal`), so a slow reader holds no more than one buffer of the server.
 */
export function write<T>(
  call: grpc.ServerWritableStream<unknown, T>,
  message: T,
  signal: AbortSignal,
): Promise<void> {
  if (call.write(message) || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done);
  });
}
