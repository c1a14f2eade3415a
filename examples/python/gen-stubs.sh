#!/bin/sh
# Generates Python modules for Drover's gRPC API (drover/v1/*_pb2.py and *_pb2_grpc.py) from the
# repository's proto/ into OUT_DIR, with Debian's protoc and gRPC plugin:
#   apt-get install -y protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
#   examples/python/gen-stubs.sh OUT_DIR
# then run a script with PYTHONPATH=OUT_DIR. GRPC_PYTHON_PLUGIN overrides the plugin's path.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
plugin=${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}
# google/protobuf/timestamp.proto, imported by tasks.proto, bots.proto and graph.proto.
well_known=/usr/include

if ! command -v protoc >/dev/null 2>&1; then
  echo "error: protoc not found: apt-get install -y protobuf-compiler" >&2
  exit 1
fi
if [ ! -x "$plugin" ]; then
  echo "error: $plugin not found: apt-get install -y protobuf-compiler-grpc" >&2
  exit 1
fi
if [ ! -f "$well_known/google/protobuf/timestamp.proto" ]; then
  echo "error: $well_known/google/protobuf/timestamp.proto not found: apt-get install -y libprotobuf-dev" >&2
  exit 1
fi

mkdir -p "$out"
protoc -I "$root/proto" -I "$well_known" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  "$root"/proto/drover/v1/*.proto
echo "generated $(find "$out/drover" -name '*.py' | wc -l) modules in $out/drover/v1"
