#!/usr/bin/env bash
# buf over descriptor images built by protoc, so no network (no buf registry) is needed:
#   scripts/buf.sh lint               lint protos/privexbot/v1
#   scripts/buf.sh breaking <rev>     compare the contract with the one at git revision <rev>
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
BUF=node_modules/.bin/buf
GOOGLE=$($PY -c 'import google.api, os; print(os.path.dirname(os.path.dirname(google.api.__path__[0])))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

image() {  # image <protos dir> <out>
  $PY -m grpc_tools.protoc -I"$1" -I"$GOOGLE" --include_imports --include_source_info \
    --descriptor_set_out="$2" $(cd "$1" && ls privexbot/v1/*.proto | sed "s|^|$1/|")
}

case "${1:-}" in
  lint)
    image protos "$work/now.binpb"
    $BUF lint "$work/now.binpb" --config protos/buf.yaml --path privexbot/v1
    echo "buf lint: ok"
    ;;
  breaking)
    base=${2:?revision}
    if ! git cat-file -e "$base:protos/privexbot/v1" 2>/dev/null; then
      echo "buf breaking: $base has no protos/privexbot/v1; nothing to compare"
      exit 0
    fi
    mkdir -p "$work/base"
    git archive "$base" protos | tar -x -C "$work/base"
    image protos "$work/now.binpb"
    image "$work/base/protos" "$work/base.binpb"
    $BUF breaking "$work/now.binpb" --against "$work/base.binpb" --config protos/buf.yaml \
      --path privexbot/v1
    echo "buf breaking: no breaking changes against $base"
    ;;
  *) echo "usage: scripts/buf.sh lint | breaking <rev>" >&2; exit 2 ;;
esac
