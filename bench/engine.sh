#!/usr/bin/env bash
# ./run bench engine: wasm (through Wasmlet) vs native on the same kernels. Args: BUILD_DIR [RUNS]
set -euo pipefail
build=$1
"$build/bench/engine_bench" "${2:-9}"
