#!/usr/bin/env bash
# Regenerates aeservev1/ (committed, as Go modules usually do, so `go get` works without protoc) from
# ../../proto with protoc-gen-go and protoc-gen-go-grpc, pinned below and installed into .bin/.
# protoc itself is grpcio-tools' (python -m grpc_tools.protoc, from clients/python/.venv or $PYTHON):
# it carries the well-known types (google/protobuf/timestamp.proto) that Maven's bare protoc binary lacks.
# Usage: ./generate.sh [OUT_DIR]   (default: this directory; clients/test-all generates into a temp
# directory and fails when the committed code is stale)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here}"
proto="$here/../../proto/src/main/proto"
python="${PYTHON:-$here/../python/.venv/bin/python}"
export GOBIN="$here/.bin"
PROTOC_GEN_GO=v1.36.10
PROTOC_GEN_GO_GRPC=v1.5.1

install() { # name module version
  if [[ ! -x "$GOBIN/$1" || "$(cat "$GOBIN/$1.version" 2>/dev/null)" != "$3" ]]; then
    go install "$2@$3"
    echo "$3" > "$GOBIN/$1.version"
  fi
}
install protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO"
install protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC"

wkt="$("$python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
mkdir -p "$out"
PATH="$GOBIN:$PATH" "$python" -m grpc_tools.protoc -I "$proto" -I "$wkt" \
  --go_out="$out" --go_opt=module=aeserve.dev/clients/go \
  --go-grpc_out="$out" --go-grpc_opt=module=aeserve.dev/clients/go \
  "$proto"/aeserve/v1/*.proto
