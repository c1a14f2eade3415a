import * as grpc from '@grpc/grpc-js';
import { loadDroverPackageDefinition, loadProtoDefinition } from '@drover/protocol';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import type { TokenAuthority } from '../auth/tokens';

const REFLECTION_PREFIX = '/grpc.reflection.';

/**
 * Server reflection (v1 and v1alpha) over drover.v1 and grpc.health.v1, so that `grpcurl` and
 * friends can list and call the services without the .proto files. Reflection reveals only the
 * schema (the protos are public), but DESIGN.md §4 serves nothing without a token except
 * health: callers pass any valid token (`grpcurl -H 'authorization: Bearer …'`).
 */
export function addReflection(server: grpc.Server): void {
  const health = loadProtoDefinition([healthProtoPath]);
  new ReflectionService({ ...loadDroverPackageDefinition(), ...health }).addToServer(server);
}

/** A server interceptor answering UNAUTHENTICATED to reflection calls without a valid token. */
export function reflectionAuthInterceptor(tokens: TokenAuthority): grpc.ServerInterceptor {
  return (method, call) => {
    if (!method.path.startsWith(REFLECTION_PREFIX)) return new grpc.ServerInterceptingCall(call);
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const auth = metadata.get('authorization')[0];
        if (tokens.authenticate(typeof auth === 'string' ? auth : undefined) === undefined) {
          call.sendStatus({
            code: grpc.status.UNAUTHENTICATED,
            details: 'reflection needs a token: pass authorization: Bearer <token>',
          });
          return;
        }
        next(metadata);
      })
      .build();
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
}
