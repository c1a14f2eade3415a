import * as grpc from '@grpc/grpc-js';
import { FILE_DESCRIPTOR_PROTOS } from '@drover/protocol';
import { ReflectionService } from '@grpc/reflection';
import type { TokenAuthority } from '../auth/tokens';

const REFLECTION_PREFIX = '/grpc.reflection.';

/**
 * Server reflection (v1 and v1alpha) over drover.v1 and grpc.health.v1, so that `grpcurl` and
 * friends can list and call the services without the .proto files. Reflection reveals only the
 * schema (the protos are public), but DESIGN.md §4 serves nothing without a token except
 * health: callers pass any valid token (`grpcurl -H 'authorization: Bearer …'`).
 *
 * It serves the FileDescriptorProtos protoc compiled at `npm run gen` (real file names and
 * imports, proto3 optional), not the ones proto-loader regenerates per package, which strict
 * descriptor pools refuse. @grpc/reflection reads only the `fileDescriptorProtos` of each entry
 * of the definition it is given: it indexes their symbols and answers a file with the files its
 * types reference (every import of ours is used by a type, so those are its imports),
 * re-encoding each one byte for byte.
 */
export function addReflection(server: grpc.Server): void {
  const fileDescriptorProtos = FILE_DESCRIPTOR_PROTOS.map((f) => Buffer.from(f.base64, 'base64'));
  // One entry carrying every file; its format and type only satisfy proto-loader's type.
  const definition: ConstructorParameters<typeof ReflectionService>[0] = {
    'drover.reflection.files': {
      format: 'Protocol Buffer 3 EnumDescriptorProto',
      type: {},
      fileDescriptorProtos,
    },
  };
  new ReflectionService(definition).addToServer(server);
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
