// One unary call of the Graph service's grpc-js stub as a promise, with the CLI's deadline: what
// every `drover graph` command (graph.ts, graph-run.ts, graph-step.ts, graph-runs.ts) calls with.
import type * as grpc from '@grpc/grpc-js';
import { UNARY_DEADLINE_MS } from './context';

/** A grpc-js stub method, bound to its stub. */
export type UnaryMethod<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => unknown;

export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  req: Req,
  md: grpc.Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, md, { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, res) =>
      err ? reject(err) : resolve(res!),
    );
  });
}
