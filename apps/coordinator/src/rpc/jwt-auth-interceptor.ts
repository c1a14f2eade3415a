import * as grpc from '@grpc/grpc-js';
import { looksLikeJwt } from '../auth/identity';
import type { TokenAuthority } from '../auth/tokens';

/** The bearer value of an `authorization` header when it is a JWT (not a `drv_` token). */
export function jwtBearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return m !== null && looksLikeJwt(m[1]!) ? m[1] : undefined;
}

/**
 * A server interceptor letting every handler find a JWT's principal synchronously (auth/identity.ts):
 * for a call whose `authorization` is a JWT, it awaits `tokens.prepare` (the OIDC verifier, once
 * per JWT until it expires) before the call's metadata reaches the handler, and ends a refused
 * JWT's call with UNAUTHENTICATED and the reason (expired, audience, issuer, signature,
 * algorithm). Every other call — opaque `drv_` tokens, NewTask's hot path — passes through
 * without waiting for anything.
 */
export function jwtAuthInterceptor(tokens: TokenAuthority): grpc.ServerInterceptor {
  return (_method, call) => {
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const auth = metadata.get('authorization')[0];
        const authorization = typeof auth === 'string' ? auth : undefined;
        if (jwtBearer(authorization) === undefined) {
          next(metadata);
          return;
        }
        tokens.prepare(authorization).then(
          () => {
            if (tokens.authenticate(authorization) !== undefined) {
              next(metadata);
              return;
            }
            call.sendStatus({
              code: grpc.status.UNAUTHENTICATED,
              details: `token refused: ${tokens.refusal(authorization) ?? 'the JWT is not valid'}`,
            });
          },
          () =>
            call.sendStatus({
              code: grpc.status.UNAUTHENTICATED,
              details: 'token refused: the JWT could not be verified',
            }),
        );
      })
      .build();
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
}
