import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR, PROTO_FILES, embeddedProtoJson } from './load';

/**
 * proto/drover as protobufjs JSON, parsed as libs/protocol/src/load.ts parses it (field names as
 * written): a released program hands this to proto-loader's fromJSON instead of parsing .proto
 * text at every start. Well-known types (google/protobuf/*) come from protobufjs's own copies, as
 * they do for proto-loader.
 */
export function droverProtoJson(): protobuf.INamespace {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    const inDir = path.join(PROTO_DIR, target);
    if (!path.isAbsolute(target) && existsSync(inDir)) return inDir;
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync([...PROTO_FILES], { keepCase: true });
  root.resolveAll();
  return root.toJSON({ keepComments: false });
}

let root: protobuf.Root | undefined;

/** proto/drover as a resolved protobufjs Root (the embedded JSON in a released program); built once. */
export function droverProtobufRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(embeddedProtoJson() ?? droverProtoJson());
  return root;
}
