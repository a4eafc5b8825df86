#!/usr/bin/env bash
# Generates everything derived from protos/: Python messages + gRPC stubs (clients/python),
# TypeScript messages + service descriptors (clients/typescript, protoc-gen-es from npm) and
# the descriptor set Envoy transcodes with (envoy/privexbot.binpb), and from that set the
# OpenAPI document (envoy/openapi.json) and the Python SDK's services
# (clients/python/privexbot/client/_services.py). Deterministic, so CI can regenerate and
# diff (`make proto-check`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
GOOGLE=$($PY -c 'import google.api, os; print(os.path.dirname(os.path.dirname(google.api.__path__[0])))')
PROTOS=$(ls protos/privexbot/v1/*.proto)
OUT=clients/python
rm -f $OUT/privexbot/v1/*_pb2*.py $OUT/privexbot/v1/*_pb2*.pyi
$PY -m grpc_tools.protoc -Iprotos -I"$GOOGLE" \
  --python_out=$OUT --pyi_out=$OUT --grpc_python_out=$OUT $PROTOS
# TypeScript (@bufbuild/protobuf v2: messages and service descriptors for Connect clients).
# The google/api and google/rpc files they import are generated alongside.
TS=clients/typescript/src/gen
rm -rf "$TS"
mkdir -p "$TS"
$PY -m grpc_tools.protoc -Iprotos -I"$GOOGLE" --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out="$TS" --es_opt=target=ts,import_extension=js $PROTOS \
  google/api/annotations.proto google/api/http.proto google/api/field_behavior.proto google/api/resource.proto google/api/httpbody.proto \
  google/rpc/status.proto google/rpc/error_details.proto
# Envoy needs every import (google/api, google/protobuf) and google/rpc/*, so that error
# details in grpc-status-details-bin convert to JSON.
$PY -m grpc_tools.protoc -Iprotos -I"$GOOGLE" --include_imports --include_source_info \
  --descriptor_set_out=envoy/privexbot.binpb $PROTOS google/rpc/status.proto google/rpc/error_details.proto
# From the descriptor set (its comments and http rules): the OpenAPI document Envoy serves
# and the Python SDK's service methods.
$PY scripts/openapi.py
$PY scripts/python_sdk.py
echo "generated: $OUT/privexbot/v1, $TS, envoy/privexbot.binpb, envoy/openapi.json, $OUT/privexbot/client/_services.py"
