import { fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type HandlerContext,
} from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { CANONICAL_JSON_OPTIONS, CLIENT_CHANNEL_OPTIONS } from '@drover/protocol';
import * as grpc from '@grpc/grpc-js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { joinHostPort, splitHostPort } from '../http/http-server';
import { bridgedPeerMetadata, httpPeer } from '../audit/audit-log';
import type { TlsMaterial } from '../rpc/server-credentials';

/** The HTTP port's Connect routes: serves a request of its services, or says it is not one. */
export interface ConnectBridge {
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  close(): void;
}

export interface ConnectBridgeDeps {
  /** The services served over Connect as well (Tasks, Bots, Graph; never BotApi). */
  readonly services: readonly DescService[];
  /** This coordinator's own gRPC listener (the bound address). */
  readonly grpcAddress: string;
  /** Its TLS pair, when gRPC is served over TLS. */
  readonly tls: TlsMaterial | undefined;
  /** The largest request body read (the gRPC server's own limit). */
  readonly maxRequestBytes: number;
}

type Bytes = Buffer;
/** The HTTP caller's address (audit/audit-log.ts httpPeer). */
const PEER = createContextKey('unknown', { description: 'the HTTP caller address' });
const identity = (b: Bytes): Bytes => b;

/**
 * The Connect protocol (unary and server-streaming, JSON and binary) for the gRPC services a user
 * or operator calls, on the HTTP port. One implementation, two transports: every Connect call is
 * decoded by @connectrpc/connect-node (the proto3 JSON mapping of @bufbuild/protobuf), re-encoded
 * to the protobuf wire form and made as the same gRPC call to this coordinator's own listener, so
 * it passes the same interceptors (token, request limits, call metrics) and handlers; the answer
 * or the gRPC status comes back as Connect's (the same code names and messages).
 */
export function connectBridge(deps: ConnectBridgeDeps): ConnectBridge {
  const client = new grpc.Client(loopbackTarget(deps.grpcAddress), credentials(deps.tls), {
    ...CLIENT_CHANNEL_OPTIONS,
    'grpc.max_receive_message_length': -1,
  });
  const handler = connectNodeAdapter({
    routes: (router) => {
      for (const service of deps.services) {
        // Built from the descriptors: every method of the service, none written by hand.
        router.service(service, implementation(service, client) as never);
      }
    },
    readMaxBytes: deps.maxRequestBytes,
    // The HTTP caller's address, for the audit log (the gRPC call comes from this process).
    contextValues: (req) => createContextValues().set(PEER, httpPeer(req)),
    // The one JSON shape (docs/json.md), as the CLI's --json, the dashboard's API and webhooks
    // write it; either field spelling is read, an unknown field is refused.
    jsonOptions: CANONICAL_JSON_OPTIONS,
  });
  const prefixes = deps.services.map((s) => `/${s.typeName}/`);
  return {
    handle(req, res, path) {
      if (!prefixes.some((p) => path.startsWith(p))) return false;
      handler(req, res);
      return true;
    },
    close() {
      client.close();
    },
  };
}

/** Each method of `service` as a Connect handler forwarding to the same gRPC method. */
function implementation(service: DescService, client: grpc.Client): Record<string, unknown> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    if (method.methodKind === 'unary') {
      impl[method.localName] = (req: never, ctx: HandlerContext) =>
        unary(client, path, method, req, ctx);
    } else if (method.methodKind === 'server_streaming') {
      impl[method.localName] = (req: never, ctx: HandlerContext) =>
        serverStream(client, path, method, req, ctx);
    }
  }
  return impl;
}

function unary(
  client: grpc.Client,
  path: string,
  method: DescMethod,
  req: never,
  ctx: HandlerContext,
): Promise<unknown> {
  const request = Buffer.from(toBinary(method.input, req));
  return new Promise((resolve, reject) => {
    const call = client.makeUnaryRequest(
      path,
      identity,
      identity,
      request,
      metadataOf(ctx),
      callOptions(ctx),
      (err, answer) => {
        if (err !== null) reject(connectError(err));
        else resolve(fromBinary(method.output, answer ?? Buffer.alloc(0)));
      },
    );
    ctx.signal.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

async function* serverStream(
  client: grpc.Client,
  path: string,
  method: DescMethod,
  req: never,
  ctx: HandlerContext,
): AsyncGenerator<unknown> {
  const request = Buffer.from(toBinary(method.input, req));
  const call = client.makeServerStreamRequest(
    path,
    identity,
    identity,
    request,
    metadataOf(ctx),
    callOptions(ctx),
  );
  const cancel = () => call.cancel();
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const chunk of call as AsyncIterable<Bytes>) {
      yield fromBinary(method.output, chunk);
    }
  } catch (err) {
    throw connectError(err);
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
    // The Connect client went away (or the stream ended): the gRPC call ends with it.
    call.cancel();
  }
}

/** What the gRPC handlers read of a call's metadata: the caller's token and address. */
function metadataOf(ctx: HandlerContext): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const authorization = ctx.requestHeader.get('authorization');
  if (authorization !== null) metadata.set('authorization', authorization);
  for (const [key, value] of bridgedPeerMetadata(ctx.values.get(PEER))) metadata.set(key, value);
  return metadata;
}

/** The Connect deadline (connect-timeout-ms), passed on as the gRPC deadline. */
function callOptions(ctx: HandlerContext): grpc.CallOptions {
  const timeoutMs = ctx.timeoutMs();
  return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
}

/** A gRPC status as Connect's error: the codes are the same numbers, the message is kept. */
function connectError(err: unknown): ConnectError {
  const status = err as Partial<grpc.ServiceError>;
  if (typeof status.code === 'number' && status.code in Code) {
    return new ConnectError(status.details ?? '', status.code as number as Code);
  }
  return new ConnectError('internal error', Code.Internal);
}

/** The listener as this process reaches it: an unspecified host is dialled on loopback. */
function loopbackTarget(address: string): string {
  const { host, port } = splitHostPort(address);
  if (host === '' || host === '0.0.0.0') return joinHostPort('127.0.0.1', port);
  if (host === '::') return joinHostPort('::1', port);
  return joinHostPort(host, port);
}

/**
 * The coordinator dials its own listener: plaintext when it serves plaintext; over TLS it
 * trusts the certificate it serves with and skips the host-name check (it dialled the address
 * it bound itself, whatever names the certificate carries).
 */
function credentials(tls: TlsMaterial | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.cert, null, null, {
    checkServerIdentity: () => undefined,
  });
}
