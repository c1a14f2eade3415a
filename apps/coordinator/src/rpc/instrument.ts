import * as grpc from '@grpc/grpc-js';

/** Where finished calls are counted. */
export interface CallRecorder {
  /** A call of `/service/method` ended with `code` (sent by the server, or CANCELLED). */
  callEnded(service: string, method: string, code: grpc.status): void;
}

/** Splits a gRPC path `/pkg.Service/Method` into service and method. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return m === null ? { service: path, method: '' } : { service: m[1]!, method: m[2]! };
}

/**
 * A server interceptor that records every call of a registered method once, with the status the
 * server sent — including statuses from handlers, other interceptors (auth) and deadlines — or
 * CANCELLED when the client went away first. Put it first in ServerOptions.interceptors so that
 * it sees what every later interceptor answers.
 */
export function callMetricsInterceptor(recorder: CallRecorder): grpc.ServerInterceptor {
  return (method, call) => {
    const { service, method: name } = splitMethodPath(method.path);
    let recorded = false;
    const record = (code: grpc.status) => {
      if (recorded) return;
      recorded = true;
      recorder.callEnded(service, name, code);
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnCancel(() => record(grpc.status.CANCELLED))
      .build();
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder()
        .withStart((next) => next(listener))
        .withSendStatus((status, next) => {
          record(status.code);
          next(status);
        })
        .build(),
    );
  };
}
