// Builds docs/openapi.yaml: the coordinator's Connect HTTP API (services Tasks, Bots, Graph, Access)
// as an OpenAPI 3.0 document, from the FileDescriptorSet protoc compiles from proto/drover/v1
// (with imports and source info, for the comments). tools/bin/gen-proto-types.js calls it at
// `npm run gen`, and `npm run gen:check` fails when the committed file is stale.
import { fromBinary, isFieldSet } from '@bufbuild/protobuf';
import {
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt';
import type {
  DescriptorProto,
  EnumDescriptorProto,
  FieldDescriptorProto,
  FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { stringify } from 'yaml';

/** The services the HTTP port serves over the Connect protocol; BotApi is gRPC only. */
export const CONNECT_SERVICES = [
  'drover.v1.Tasks',
  'drover.v1.Bots',
  'drover.v1.Graph',
  'drover.v1.Access',
] as const;

/**
 * Messages the coordinator sends outside any RPC, in the same JSON shape, so the document has
 * their schemas too: the body of a task webhook. (OpenAPI 3.0 has no `webhooks:`; that is 3.1.)
 */
export const SENT_MESSAGES = ['drover.v1.TaskNotification'] as const;

type Schema = Record<string, unknown>;

interface MessageEntry {
  kind: 'message';
  proto: DescriptorProto;
  comment: string | undefined;
  fieldComments: (string | undefined)[];
}
interface EnumEntry {
  kind: 'enum';
  proto: EnumDescriptorProto;
  comment: string | undefined;
}
type TypeEntry = MessageEntry | EnumEntry;

// Field numbers of descriptor.proto, the steps of a SourceCodeInfo.Location path.
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
const SERVICE_METHOD = 2;

const ERROR_SCHEMA = 'connect.error';

/** The OpenAPI document (YAML) for a serialized FileDescriptorSet of proto/drover/v1. */
export function generateOpenApi(fileDescriptorSet: Uint8Array): string {
  const set = fromBinary(FileDescriptorSetSchema, fileDescriptorSet);
  return stringify(buildOpenApi(set.file), {
    aliasDuplicateObjects: false,
    lineWidth: 0,
    singleQuote: true,
  });
}

/** The OpenAPI document as a plain object. */
export function buildOpenApi(files: readonly FileDescriptorProto[]): Record<string, unknown> {
  const types = new Map<string, TypeEntry>(); // by full name, in declaration order
  for (const file of files) indexFile(file, types);

  const used = new Set<string>();
  const paths: Record<string, unknown> = {};
  const tags: Schema[] = [];
  for (const serviceName of CONNECT_SERVICES) {
    const found = findService(files, serviceName);
    if (!found) throw new Error(`service ${serviceName} is not in the descriptors`);
    const { file, index } = found;
    const service = file.service[index];
    if (!service) throw new Error(`service ${serviceName} is not in the descriptors`);
    const comments = commentsOf(file);
    const tag = service.name;
    tags.push(withDescription({ name: tag }, comments.get(key([FILE_SERVICE, index]))));
    service.method.forEach((method, m) => {
      const input = method.inputType.replace(/^\./, '');
      const output = method.outputType.replace(/^\./, '');
      markUsed(input, types, used);
      markUsed(output, types, used);
      const comment = comments.get(key([FILE_SERVICE, index, SERVICE_METHOD, m]));
      const path = `/${serviceName}/${method.name}`;
      const operation: Schema = {
        tags: [tag],
        operationId: `${tag}_${method.name}`,
        summary: comment ? firstSentence(comment) : `${tag}.${method.name}`,
      };
      if (method.clientStreaming) {
        throw new Error(`${path}: client streaming is not served over the Connect protocol`);
      }
      if (method.serverStreaming) {
        paths[path] = { post: streamingOperation(operation, comment, input, output) };
      } else {
        paths[path] = { post: unaryOperation(operation, comment, input, output) };
      }
    });
  }

  for (const name of SENT_MESSAGES) markUsed(name, types, used);

  const schemas: Record<string, unknown> = {};
  for (const [name, entry] of types) {
    if (used.has(name)) schemas[name] = typeSchema(entry, types);
  }
  schemas[ERROR_SCHEMA] = errorSchema();

  return {
    openapi: '3.0.3',
    info: {
      title: 'Drover coordinator HTTP API (Connect protocol)',
      version: 'drover.v1',
      description: [
        'Generated from proto/drover/v1 by tools/bin/gen-proto-types.js (`npm run gen`); do not edit.',
        '',
        'The coordinator HTTP port serves the Tasks, Bots, Graph and Access services of proto/drover/v1 over the Connect protocol (docs/decisions/0010-connect-protocol-through-the-grpc-listener.md): each unary RPC is a POST of the request message to `/drover.v1.<Service>/<Method>` with `content-type: application/json` (or `application/proto` for binary protobuf) and `authorization: Bearer <token>`. Bodies follow the proto3 JSON mapping; answers use the proto field names with every field present, 64-bit integers as strings, enums by value name and timestamps as RFC 3339 strings. Errors are Connect error JSON with the HTTP status Connect maps the code to (invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404, resource_exhausted 429, unavailable 503, …). Server-streaming RPCs use Connect streaming (`application/connect+json` envelopes), described per method.',
        '',
        'A task webhook (NewTaskRequest.notify) is POSTed a `drover.v1.TaskNotification` (#/components/schemas/drover.v1.TaskNotification) in the same JSON shape (docs/json.md) at every state change of the task.',
      ].join('\n'),
    },
    servers: [{ url: 'http://127.0.0.1:7071', description: 'a local coordinator (npm start)' }],
    security: [{ bearer: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Drover token, e.g. the contents of .drover/client.token.',
        },
      },
      schemas,
    },
  };
}

function unaryOperation(
  operation: Schema,
  comment: string | undefined,
  input: string,
  output: string,
): Schema {
  return {
    ...withDescription(operation, comment),
    requestBody: {
      required: true,
      content: { 'application/json': { schema: ref(input) } },
    },
    responses: {
      '200': {
        description: `The ${output} message.`,
        content: { 'application/json': { schema: ref(output) } },
      },
      default: errorResponse(),
    },
  };
}

function streamingOperation(
  operation: Schema,
  comment: string | undefined,
  input: string,
  output: string,
): Schema {
  const streaming =
    `Server-streaming RPC: Connect streaming, not a plain JSON POST. The request is one ` +
    `\`application/connect+json\` envelope (a flags byte, a 4-byte big-endian length, then the ` +
    `JSON of ${input}); the response is a series of envelopes, each the JSON of ${output}, ` +
    `ended by an end-of-stream envelope (flags 0x02) carrying \`{}\` or \`{"error": {...}}\` ` +
    `in the Connect error shape (#/components/schemas/connect.error): the HTTP status is 200 ` +
    `even when the call fails. Use a Connect client (connect-go, connect-es, connect-python, …).`;
  return {
    ...operation,
    description: comment ? `${comment}\n\n${streaming}` : streaming,
    'x-connect-streaming': 'server',
    requestBody: {
      required: true,
      description: `One Connect envelope holding the JSON of ${input} (#/components/schemas/${input}).`,
      content: { 'application/connect+json': { schema: { type: 'string', format: 'binary' } } },
    },
    responses: {
      '200': {
        description: `Connect envelopes, each the JSON of ${output} (#/components/schemas/${output}), then the end-of-stream envelope.`,
        content: { 'application/connect+json': { schema: { type: 'string', format: 'binary' } } },
      },
    },
  };
}

function errorResponse(): Schema {
  return {
    description:
      'A Connect error, with the HTTP status Connect maps its code to (invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404, resource_exhausted 429, unavailable 503, …).',
    content: { 'application/json': { schema: ref(ERROR_SCHEMA) } },
  };
}

function errorSchema(): Schema {
  return {
    type: 'object',
    description: "Connect's error JSON.",
    required: ['code'],
    properties: {
      code: {
        type: 'string',
        description: 'The gRPC status code name in snake case.',
        enum: [
          'canceled',
          'unknown',
          'invalid_argument',
          'deadline_exceeded',
          'not_found',
          'already_exists',
          'permission_denied',
          'resource_exhausted',
          'failed_precondition',
          'aborted',
          'out_of_range',
          'unimplemented',
          'internal',
          'unavailable',
          'data_loss',
          'unauthenticated',
        ],
      },
      message: {
        type: 'string',
        description: 'What went wrong; INVALID_ARGUMENT names the field.',
      },
      details: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            type: { type: 'string', description: 'The full name of the detail message.' },
            value: { type: 'string', format: 'byte', description: 'The detail message, binary.' },
          },
        },
      },
    },
  };
}

function typeSchema(entry: TypeEntry, types: Map<string, TypeEntry>): Schema {
  if (entry.kind === 'enum') {
    return withDescription(
      { type: 'string', enum: entry.proto.value.map((v) => v.name) },
      entry.comment,
    );
  }
  const properties: Record<string, unknown> = {};
  entry.proto.field.forEach((field, i) => {
    properties[field.name] = fieldSchema(field, entry, entry.fieldComments[i], types);
  });
  return withDescription({ type: 'object', properties }, entry.comment);
}

function fieldSchema(
  field: FieldDescriptorProto,
  owner: MessageEntry,
  comment: string | undefined,
  types: Map<string, TypeEntry>,
): Schema {
  const notes: string[] = comment ? [comment] : [];
  if (field.proto3Optional) {
    notes.push('proto3 `optional`: has presence, omitted when unset.');
  } else if (isFieldSet(field, FieldDescriptorProtoSchema.field.oneofIndex)) {
    const oneof = owner.proto.oneofDecl[field.oneofIndex]?.name ?? '';
    notes.push(`One of \`${oneof}\`: at most one of its fields is set.`);
  }
  const description = notes.length > 0 ? notes.join('\n\n') : undefined;

  const typeName = field.typeName.replace(/^\./, '');
  const target = types.get(typeName);
  if (field.label === Label.REPEATED && target?.kind === 'message' && isMapEntry(target)) {
    const value = target.proto.field.find((f) => f.number === 2);
    if (!value) throw new Error(`map entry ${typeName} without a value field`);
    return withDescription(
      { type: 'object', additionalProperties: singleSchema(value, types) },
      description,
    );
  }
  if (field.label === Label.REPEATED) {
    return withDescription({ type: 'array', items: singleSchema(field, types) }, description);
  }
  const schema = singleSchema(field, types);
  if (!description) return schema;
  // OpenAPI 3.0 ignores the siblings of a $ref: wrap it to keep the description.
  return '$ref' in schema
    ? { description, allOf: [schema] }
    : withDescription(schema, joinNotes(schema['description'], description));
}

function singleSchema(field: FieldDescriptorProto, types: Map<string, TypeEntry>): Schema {
  switch (field.type) {
    case Type.DOUBLE:
      return { type: 'number', format: 'double' };
    case Type.FLOAT:
      return { type: 'number', format: 'float' };
    case Type.INT64:
    case Type.SINT64:
    case Type.SFIXED64:
    case Type.UINT64:
    case Type.FIXED64:
      return { type: 'string', format: 'int64' };
    case Type.INT32:
    case Type.SINT32:
    case Type.SFIXED32:
      return { type: 'integer', format: 'int32' };
    case Type.UINT32:
    case Type.FIXED32:
      return { type: 'integer', format: 'int64', minimum: 0, maximum: 4294967295 };
    case Type.BOOL:
      return { type: 'boolean' };
    case Type.STRING:
      return { type: 'string' };
    case Type.BYTES:
      return { type: 'string', format: 'byte' };
    case Type.ENUM:
    case Type.MESSAGE: {
      const name = field.typeName.replace(/^\./, '');
      const wkt = wellKnownSchema(name);
      if (wkt) return wkt;
      if (!types.has(name)) throw new Error(`unknown type ${name}`);
      return ref(name);
    }
    case Type.GROUP:
      throw new Error(`field ${field.name}: groups are not proto3`);
  }
}

function wellKnownSchema(name: string): Schema | undefined {
  switch (name) {
    case 'google.protobuf.Timestamp':
      return { type: 'string', format: 'date-time' };
    case 'google.protobuf.Duration':
      return { type: 'string', description: 'Seconds with an `s` suffix, e.g. `1.5s`.' };
    default:
      if (name.startsWith('google.protobuf.')) {
        throw new Error(`${name}: no OpenAPI schema for this well-known type yet`);
      }
      return undefined;
  }
}

// Marks a message or enum and every type its fields reach as a component schema to emit.
function markUsed(name: string, types: Map<string, TypeEntry>, used: Set<string>): void {
  if (used.has(name) || wellKnownSchema(name)) return;
  const entry = types.get(name);
  if (!entry) throw new Error(`unknown type ${name}`);
  if (entry.kind === 'message' && isMapEntry(entry)) {
    for (const f of entry.proto.field) {
      if (f.typeName) markUsed(f.typeName.replace(/^\./, ''), types, used);
    }
    return;
  }
  used.add(name);
  if (entry.kind === 'message') {
    for (const f of entry.proto.field) {
      if (f.typeName) markUsed(f.typeName.replace(/^\./, ''), types, used);
    }
  }
}

function indexFile(file: FileDescriptorProto, types: Map<string, TypeEntry>): void {
  const comments = commentsOf(file);
  const prefix = file.package ? `${file.package}.` : '';
  file.messageType.forEach((m, i) => indexMessage(m, `${prefix}${m.name}`, [FILE_MESSAGE, i]));
  file.enumType.forEach((e, i) => {
    types.set(`${prefix}${e.name}`, {
      kind: 'enum',
      proto: e,
      comment: comments.get(key([FILE_ENUM, i])),
    });
  });

  function indexMessage(message: DescriptorProto, name: string, path: number[]): void {
    types.set(name, {
      kind: 'message',
      proto: message,
      comment: comments.get(key(path)),
      fieldComments: message.field.map((_, f) => comments.get(key([...path, MESSAGE_FIELD, f]))),
    });
    message.nestedType.forEach((n, i) =>
      indexMessage(n, `${name}.${n.name}`, [...path, MESSAGE_NESTED, i]),
    );
    message.enumType.forEach((e, i) => {
      types.set(`${name}.${e.name}`, {
        kind: 'enum',
        proto: e,
        comment: comments.get(key([...path, MESSAGE_ENUM, i])),
      });
    });
  }
}

function findService(
  files: readonly FileDescriptorProto[],
  fullName: string,
): { file: FileDescriptorProto; index: number } | undefined {
  for (const file of files) {
    const index = file.service.findIndex((s) => `${file.package}.${s.name}` === fullName);
    if (index >= 0) return { file, index };
  }
  return undefined;
}

// Leading comments (trailing ones when there is none) by location path.
function commentsOf(file: FileDescriptorProto): Map<string, string> {
  const out = new Map<string, string>();
  for (const location of file.sourceCodeInfo?.location ?? []) {
    const text = cleanComment(location.leadingComments || location.trailingComments);
    if (text) out.set(key(location.path), text);
  }
  return out;
}

function cleanComment(raw: string): string | undefined {
  const lines = raw.split('\n').map((line) => line.replace(/^ /, '').trimEnd());
  const text = lines.join('\n').trim();
  return text.length > 0 ? text : undefined;
}

function firstSentence(comment: string): string {
  const flat = comment.replace(/\s+/g, ' ');
  const end = flat.search(/\.(\s|$)/);
  return end >= 0 ? flat.slice(0, end + 1) : flat;
}

function isMapEntry(entry: MessageEntry): boolean {
  return entry.proto.options?.mapEntry === true;
}

function withDescription(schema: Schema, description: string | undefined): Schema {
  return description ? { ...schema, description } : schema;
}

function joinNotes(a: unknown, b: string): string {
  return typeof a === 'string' ? `${a}\n\n${b}` : b;
}

function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

function key(path: readonly number[]): string {
  return path.join('.');
}
