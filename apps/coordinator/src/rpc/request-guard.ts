import * as grpc from '@grpc/grpc-js';
import { findLimitViolation, requestMaxBytes, scanRequest } from '@drover/protocol';
import type { Logger } from 'pino';

/**
 * The gate every drover.v1 request message passes before a handler sees it: a message larger
 * than its RPC allows, not valid protobuf, or with a field over its limit (libs/protocol
 * request-limits.ts) ends the call with INVALID_ARGUMENT naming the field (or `request`) and the
 * limit — so nothing oversized is decoded whole, stored, indexed or matched, whatever the RPC
 * (unary or stream). A 64-bit integer field beyond 2^53-1, which proto-loader would round, ends
 * it with OUT_OF_RANGE naming the field (request-scan.ts).
 *
 * grpc-js answers INTERNAL to a request whose deserializer throws, whatever the error carries
 * (server-interceptors.js, decompressAndMaybePush); so guardedService() makes the deserializer
 * return a RefusedRequest instead, and requestGuardInterceptor() answers it.
 */

/** What a guarded deserializer returns for bytes it will not decode, and why. */
export class RefusedRequest {
  constructor(
    readonly details: string,
    readonly code: grpc.status = grpc.status.INVALID_ARGUMENT,
  ) {}
}

const DROVER_METHOD = /^\/drover\.v1\.([^/]+)\/([^/]+)$/;

/**
 * The service definition with every request deserializer answering RefusedRequest for a message
 * over its RPC's size (before decoding it) or one that is not valid protobuf.
 */
export function guardedService<S extends grpc.ServiceDefinition>(service: S): S {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, def] of Object.entries(service)) {
    const deserialize = def.requestDeserialize;
    const m = DROVER_METHOD.exec(def.path);
    const rpc = m === null ? '' : `${m[1]}.${m[2]}`;
    const maxBytes = m === null ? Infinity : requestMaxBytes(rpc);
    scanRequest(rpc, Buffer.alloc(0)); // the protocol's types loaded now, not on a first request
    out[name] = {
      ...def,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.length > maxBytes) {
          return new RefusedRequest(
            `request: at most ${maxBytes} bytes for ${def.path.slice(1)}, got ${bytes.length}`,
          );
        }
        // Repeated fields counted before decoding: a message of many tiny elements costs far more
        // to decode than its size says; 64-bit integers read exactly (request-scan.ts).
        const scanned = scanRequest(rpc, bytes);
        if (scanned !== undefined) {
          return new RefusedRequest(
            `${scanned.field}: ${scanned.problem}`,
            scanned.kind === 'out-of-range'
              ? grpc.status.OUT_OF_RANGE
              : grpc.status.INVALID_ARGUMENT,
          );
        }
        try {
          return deserialize(bytes);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return new RefusedRequest(`request: not a valid protobuf message (${why})`);
        }
      },
    };
  }
  return out as S;
}

/** A server interceptor refusing malformed and oversized drover.v1 requests (and the rest). */
export function requestGuardInterceptor(log: Logger): grpc.ServerInterceptor {
  return (method, call) => {
    const m = DROVER_METHOD.exec(method.path);
    if (m === null) return new grpc.ServerInterceptingCall(call);
    const rpc = `${m[1]}.${m[2]}`;
    let refused = false;
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMessage((message: unknown, next) => {
        if (refused) return;
        const refusedWith = refusal(rpc, message);
        if (refusedWith === undefined) {
          next(message);
          return;
        }
        refused = true;
        log.info({ rpc, details: refusedWith.details }, 'request refused');
        call.sendStatus({ code: refusedWith.code, details: refusedWith.details });
      })
      .withOnReceiveHalfClose((next) => {
        if (!refused) next();
      })
      .build();
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
}

function refusal(rpc: string, message: unknown): RefusedRequest | undefined {
  if (message instanceof RefusedRequest) return message;
  const violation = findLimitViolation(rpc, message);
  return violation === undefined
    ? undefined
    : new RefusedRequest(`${violation.field}: ${violation.problem}`);
}
