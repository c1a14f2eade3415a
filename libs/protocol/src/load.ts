import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';
import { lightPackageDefinition } from './light-definition';
import { MAX_REQUEST_BYTES } from './request-limits';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as AccessProto } from './gen/access';
import type { ProtoGrpcType as BotApiProto } from './gen/botapi';
import type { ProtoGrpcType as BotsProto } from './gen/bots';
import type { ProtoGrpcType as CasProto } from './gen/cas';
import type { ProtoGrpcType as GraphProto } from './gen/graph';
import type { ProtoGrpcType as TasksProto } from './gen/tasks';

/**
 * The release build (tools/src/packaging) embeds the protocol as protobufjs JSON through esbuild's
 * `define`: a released program parses no .proto text at start and needs no proto files beside it.
 */
declare const __DROVER_PROTO_JSON__: Protobuf.INamespace | undefined;

const EMBEDDED: Protobuf.INamespace | undefined =
  typeof __DROVER_PROTO_JSON__ === 'undefined' ? undefined : __DROVER_PROTO_JSON__;

/** The protocol as protobufjs JSON when the release build embedded it; undefined from sources. */
export function embeddedProtoJson(): Protobuf.INamespace | undefined {
  return EMBEDDED;
}

/** The directory holding drover/v1/*.proto (empty in a released program: they are embedded). */
export const PROTO_DIR =
  EMBEDDED === undefined ? fileURLToPath(new URL('../../../proto', import.meta.url)) : '';

/** The protocol's .proto files, relative to PROTO_DIR. */
export const PROTO_FILES = [
  'drover/v1/common.proto',
  'drover/v1/tasks.proto',
  'drover/v1/bots.proto',
  'drover/v1/botapi.proto',
  'drover/v1/graph.proto',
  'drover/v1/cas.proto',
  'drover/v1/access.proto',
];

/**
 * The proto-loader options every Drover process uses; the generated types in ./gen assume them
 * (tools/bin/gen-proto-types.js passes the same flags).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export type DroverProto = TasksProto &
  BotsProto &
  BotApiProto &
  GraphProto &
  CasProto &
  AccessProto;

let cachedDefinition: protoLoader.PackageDefinition | undefined;
let cached: DroverProto | undefined;

/** The proto-loader package definition of drover.v1 (for server reflection); loaded once. */
export function loadDroverPackageDefinition(): protoLoader.PackageDefinition {
  cachedDefinition ??=
    EMBEDDED === undefined
      ? protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS)
      : protoLoader.fromJSON(EMBEDDED, LOADER_OPTIONS);
  return cachedDefinition;
}

/**
 * A package definition of other .proto files (absolute paths) with the same loader options, for
 * servers that describe more than drover.v1 (reflection over grpc.health.v1).
 */
export function loadProtoDefinition(files: readonly string[]): protoLoader.PackageDefinition {
  return protoLoader.loadSync([...files], LOADER_OPTIONS);
}

/** Loads the Drover protocol once per process. */
export function loadDroverProto(): DroverProto {
  // Released programs skip what only reflection reads (light-definition.ts).
  cached ??= grpc.loadPackageDefinition(
    EMBEDDED === undefined
      ? loadDroverPackageDefinition()
      : lightPackageDefinition(EMBEDDED, LOADER_OPTIONS),
  ) as unknown as DroverProto;
  return cached;
}

/**
 * Channel options for every Drover client. grpc-js buffers each message of a call for retries by
 * default, which makes long streams about ten times slower; we do not use per-RPC retries.
 */
export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.per_rpc_retry_buffer_size': 4096,
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

/**
 * Server options matching CLIENT_CHANNEL_OPTIONS' keepalive (clients may ping every 5 s). The
 * server's own pings are rare: clients ping every 20 s, bots heartbeat on their stream and are
 * watched by the ping tolerance, so a ping of every connection every 20 s (500/s for 10,000
 * bots) would only find dead clients that nothing waits for.
 */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 120_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  // The largest valid request of any RPC (a NewTask at every limit, request-limits.ts); anything
  // larger is RESOURCE_EXHAUSTED before it is decoded.
  'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
};
