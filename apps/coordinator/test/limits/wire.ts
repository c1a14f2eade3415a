import type * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_FIELD_LIMITS,
  REQUEST_LIMITS,
  droverProtoJson,
  loadDroverProto,
  type FieldLimit,
} from '@drover/protocol';
import protobuf from 'protobufjs';

/**
 * Test helpers speaking to the coordinator below the typed stubs: every drover.v1 method by its
 * definition, requests sent as raw bytes (so a test can send what no stub would encode), and the
 * request fields of every method read from the protocol itself, each with its limit.
 */

export interface Method {
  /** `Service.Method`, the key of REQUEST_LIMITS. */
  readonly rpc: string;
  readonly def: grpc.MethodDefinition<unknown, unknown>;
  readonly requestType: protobuf.Type;
}

let root: protobuf.Root | undefined;

function protoRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(droverProtoJson());
  return root;
}

/** Every method of every drover.v1 service. */
export function droverMethods(): Method[] {
  const v1 = loadDroverProto().drover.v1 as unknown as Record<
    string,
    { service?: grpc.ServiceDefinition }
  >;
  const out: Method[] = [];
  for (const service of ['Tasks', 'Bots', 'Graph', 'BotApi']) {
    const def = v1[service]!.service!;
    for (const [name, m] of Object.entries(def)) {
      // By bare name: every request type's name is unique in drover.v1.
      const requestType = protoRoot().lookupType(
        `drover.v1.${(m as unknown as { requestType: { type: { name: string } } }).requestType.type.name}`,
      );
      out.push({ rpc: `${service}.${name}`, def: m, requestType });
    }
  }
  return out;
}

/** One request field (a string, a bytes or a repeated field) with the limit the coordinator applies. */
export interface LimitedField {
  readonly rpc: string;
  /** As in REQUEST_LIMITS: `task_slices[].properties.command[]`. */
  readonly pattern: string;
  readonly kind: 'chars' | 'bytes' | 'items';
  readonly limit: number;
  /** The field's protobuf type and its element type for a repeated field. */
  readonly field: protobuf.Field;
}

/** Every string, bytes and repeated field reachable in `m`'s request, with its limit. */
export function limitedFields(m: Method): LimitedField[] {
  const table: Readonly<Record<string, FieldLimit>> = REQUEST_LIMITS[m.rpc] ?? {};
  const out: LimitedField[] = [];
  const visit = (type: protobuf.Type, prefix: string, depth: number) => {
    if (depth > 6) return;
    for (const f of type.fieldsArray) {
      f.resolve();
      const pattern = prefix === '' ? f.name : `${prefix}.${f.name}`;
      if (f.map) continue; // no request has a map field
      if (f.repeated) {
        out.push({
          rpc: m.rpc,
          pattern,
          kind: 'items',
          limit: table[pattern]?.maxItems ?? DEFAULT_FIELD_LIMITS.maxItems,
          field: f,
        });
      }
      const elem = f.repeated ? `${pattern}[]` : pattern;
      if (f.type === 'string') {
        out.push({
          rpc: m.rpc,
          pattern: elem,
          kind: 'chars',
          limit: table[elem]?.maxChars ?? DEFAULT_FIELD_LIMITS.maxChars,
          field: f,
        });
      } else if (f.type === 'bytes') {
        out.push({
          rpc: m.rpc,
          pattern: elem,
          kind: 'bytes',
          limit: table[elem]?.maxBytes ?? DEFAULT_FIELD_LIMITS.maxBytes,
          field: f,
        });
      } else if (f.resolvedType instanceof protobuf.Type) {
        visit(f.resolvedType, elem, depth + 1);
      }
    }
  };
  visit(m.requestType, '', 0);
  return out;
}

/** The concrete field a refusal names for a pattern: every `[]` on the way is element 0. */
export function concreteField(pattern: string): string {
  return pattern.replace(/\[\]/g, '[0]');
}

/**
 * A request of `m` holding one field at `size` (characters, bytes or items) and nothing else;
 * elements of a repeated message field are empty messages, of a repeated string `a:b`.
 */
export function requestWithField(f: LimitedField, size: number): Record<string, unknown> {
  const steps = f.pattern.split('.');
  const req: Record<string, unknown> = {};
  let at: Record<string, unknown> = req;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const name = step.endsWith('[]') ? step.slice(0, -2) : step;
    if (!last) {
      const inner: Record<string, unknown> = {};
      at[name] = step.endsWith('[]') ? [inner] : inner;
      at = inner;
      return;
    }
    if (f.kind === 'items') {
      at[name] = Array.from({ length: size }, () => element(f.field));
      return;
    }
    const value = f.kind === 'chars' ? 'a'.repeat(size) : Buffer.alloc(size, 0x61);
    at[name] = step.endsWith('[]') ? [value] : value;
  });
  return req;
}

function element(f: protobuf.Field): unknown {
  if (f.type === 'string') return 'a:b';
  if (f.type === 'bytes') return Buffer.from('a');
  if (f.resolvedType instanceof protobuf.Type) return {};
  if (f.resolvedType instanceof protobuf.Enum) return Object.values(f.resolvedType.values)[0];
  if (f.type === 'bool') return false;
  return 1;
}

export interface CallEnd {
  readonly code: grpc.status;
  readonly details: string;
  /** The last response message, still encoded. */
  readonly response?: Buffer;
}

const identity = (b: Buffer): Buffer => b;

/**
 * Calls `m` with `request` (already encoded bytes, or a message to encode) and resolves with the
 * status the server ends the call with. Streams send the one message and half-close; server
 * streams are read to their end (or `deadlineMs`).
 */
export function callRaw(
  client: grpc.Client,
  m: Method,
  request: Buffer | Record<string, unknown>,
  metadata: grpc.Metadata,
  deadlineMs = 5_000,
): Promise<CallEnd> {
  const bytes = Buffer.isBuffer(request) ? request : m.def.requestSerialize(request);
  const options = { deadline: Date.now() + deadlineMs };
  const { path, requestStream, responseStream } = m.def;
  return new Promise((resolve) => {
    let response: Buffer | undefined;
    const keep = (b: Buffer | undefined) => {
      if (b !== undefined) response = b;
    };
    const done = (s: grpc.StatusObject) =>
      resolve({
        code: s.code,
        details: s.details,
        ...(response === undefined ? {} : { response }),
      });
    let call:
      | grpc.ClientUnaryCall
      | grpc.ClientReadableStream<Buffer>
      | grpc.ClientDuplexStream<Buffer, Buffer>;
    if (!requestStream && !responseStream) {
      call = client.makeUnaryRequest(path, identity, identity, bytes, metadata, options, (_e, r) =>
        keep(r),
      );
    } else if (!requestStream) {
      call = client.makeServerStreamRequest(path, identity, identity, bytes, metadata, options);
    } else if (!responseStream) {
      const w = client.makeClientStreamRequest(
        path,
        identity,
        identity,
        metadata,
        options,
        () => {},
      );
      w.write(bytes);
      w.end();
      call = w;
    } else {
      const d = client.makeBidiStreamRequest(path, identity, identity, metadata, options);
      d.write(bytes);
      d.end();
      call = d;
    }
    call.on('status', done);
    // Stream errors also come as the status above; a unary call has no 'error' event.
    const events = call as unknown as NodeJS.EventEmitter;
    events.on('error', () => {});
    if ('read' in call) events.on('data', keep);
  });
}

/** A deterministic pseudo-random generator (mulberry32): the same seed, the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
