// The one JSON shape of Drover's messages outside the gRPC wire (docs/json.md): the proto3
// canonical JSON mapping as @bufbuild/protobuf writes it, the same bytes the Connect protocol
// answers with. Proto field names (`task_id`), every implicit-presence field present (`"failure":
// false`), unset messages and unset `optional` fields omitted, 64-bit integers as strings,
// timestamps RFC 3339, durations like "1.5s", enums by name, bytes base64.
import { createRegistry, fromBinary, toJson, type JsonObject } from '@bufbuild/protobuf';
import type protobuf from 'protobufjs';
import { file_drover_v1_access } from './gen-es/drover/v1/access_pb';
import { file_drover_v1_botapi } from './gen-es/drover/v1/botapi_pb';
import { file_drover_v1_bots } from './gen-es/drover/v1/bots_pb';
import { file_drover_v1_cas } from './gen-es/drover/v1/cas_pb';
import { file_drover_v1_common } from './gen-es/drover/v1/common_pb';
import { file_drover_v1_graph } from './gen-es/drover/v1/graph_pb';
import { file_drover_v1_tasks } from './gen-es/drover/v1/tasks_pb';
import { droverProtobufRoot } from './proto-json';

export type { JsonObject, JsonValue } from '@bufbuild/protobuf';

/** The options every canonical JSON view is written with (and the Connect protocol answers with). */
export const CANONICAL_JSON_OPTIONS = {
  useProtoFieldName: true,
  alwaysEmitImplicit: true,
} as const;

const registry = createRegistry(
  file_drover_v1_common,
  file_drover_v1_tasks,
  file_drover_v1_bots,
  file_drover_v1_botapi,
  file_drover_v1_graph,
  file_drover_v1_cas,
  file_drover_v1_access,
);

const encoders = new Map<string, protobuf.Type>();

/**
 * The canonical JSON of `value`, a `drover.v1.<typeName>` message as Drover's gRPC stubs decode
 * it (proto-loader's plain objects: proto field names, enums as names, 64-bit integers as numbers,
 * timestamps as `{seconds, nanos}`). The message goes through its binary form, so the mapping is
 * @bufbuild/protobuf's and no field is renamed or formatted here. Throws on an unknown type.
 */
export function canonicalJson(typeName: string, value: object): JsonObject {
  const full = typeName.includes('.') ? typeName : `drover.v1.${typeName}`;
  const schema = registry.getMessage(full);
  if (schema === undefined) throw new Error(`canonicalJson: no message ${full}`);
  let encoder = encoders.get(full);
  if (encoder === undefined) {
    encoder = droverProtobufRoot().lookupType(full);
    encoders.set(full, encoder);
  }
  const bytes = encoder.encode(encoder.fromObject(value)).finish();
  return toJson(schema, fromBinary(schema, bytes), CANONICAL_JSON_OPTIONS) as JsonObject;
}
